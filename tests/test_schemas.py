"""Checks of the Frictionless data package in ``schemas/``.

The schemas are the form contract of ``shared/spec/tables.md``: every test here either
asks Frictionless whether the descriptors are valid, or re-reads tables.md on its own
and compares it with the schema files field by field.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from frictionless import Package, Schema

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"
PACKAGE = SCHEMAS / "datapackage.json"
SPEC_DIR = REPO.parent / "shared" / "spec"
TABLES_MD = SPEC_DIR / "tables.md"
RULES_MD = SPEC_DIR / "rules.md"

RESOURCE_ORDER = [
    "units",
    "grid",
    "cover",
    "census",
    "roster",
    "dropouts",
    "absences",
    "changes",
    "care",
    "home_students",
    "iep",
    "visits",
    "teachers",
]
FIELD_KCBX_KEYS = {
    "requiredIf",
    "requiredUnless",
    "after",
    "notBefore",
    "unitRef",
    "sameUnitRef",
    "itemEnum",
    "list",
    "rule",
    "idNumber",
    "uniqueInUnit",
}
RESOURCE_KCBX_KEYS = {"workbook", "ledger", "rowKey"}
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def package_descriptor() -> dict:
    return load_json(PACKAGE)


def schemas() -> dict[str, dict]:
    """Resource name -> schema descriptor, in package order."""
    return {
        res["name"]: load_json(SCHEMAS / res["schema"]) for res in package_descriptor()["resources"]
    }


def fields_by_name(schema: dict) -> dict[str, dict]:
    return {field["name"]: field for field in schema["fields"]}


def report_notes(report) -> list[list[str]]:
    return report.flatten(["type", "note"])


# --------------------------------------------------------------------------- (a)


def test_frictionless_accepts_the_package(monkeypatch):
    report = Package.validate_descriptor(str(PACKAGE))
    assert report.valid, report_notes(report)

    monkeypatch.chdir(REPO)
    package = Package("schemas/datapackage.json")
    assert [res.name for res in package.resources] == RESOURCE_ORDER
    for resource in package.resources:
        assert resource.schema is not None, resource.name
        assert resource.schema.fields, resource.name
        report = Schema.validate_descriptor(resource.schema.to_descriptor())
        assert report.valid, (resource.name, report_notes(report))


@pytest.mark.parametrize("name", RESOURCE_ORDER)
def test_frictionless_accepts_each_schema(name):
    report = Schema.validate_descriptor(str(SCHEMAS / f"{name}.schema.json"))
    assert report.valid, report_notes(report)


def _break_field_type(pkg, sch):
    sch["census"]["fields"][0]["type"] = "strng"
    return "census"


def _break_enum(pkg, sch):
    fields_by_name(sch["roster"])["sex"]["constraints"]["enum"] = "男, 女"
    return "roster"


def _break_required(pkg, sch):
    fields_by_name(sch["units"])["code"]["constraints"]["required"] = "是"
    return "units"


def _break_primary_key(pkg, sch):
    sch["grid"]["primaryKey"] = ["township", "village", "小组"]
    return "grid"


def _drop_v2_profile(pkg, sch):
    # exclusiveMinimum (visits.hours) is a Data Package v2 constraint
    del pkg["$schema"]
    del sch["visits"]["$schema"]
    return "visits"


@pytest.mark.parametrize(
    "breakage",
    [_break_field_type, _break_enum, _break_required, _break_primary_key, _drop_v2_profile],
)
def test_a_broken_copy_is_reported(tmp_path, breakage):
    """The validation used above really catches a broken descriptor."""
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, copy)
    pkg = load_json(copy / "datapackage.json")
    sch = {res["name"]: load_json(copy / res["schema"]) for res in pkg["resources"]}
    broken = breakage(pkg, sch)
    (copy / "datapackage.json").write_text(json.dumps(pkg, ensure_ascii=False), encoding="utf-8")
    (copy / f"{broken}.schema.json").write_text(
        json.dumps(sch[broken], ensure_ascii=False), encoding="utf-8"
    )

    assert not Package.validate_descriptor(str(copy / "datapackage.json")).valid
    assert not Schema.validate_descriptor(str(copy / f"{broken}.schema.json")).valid
    # the untouched original still passes
    assert Package.validate_descriptor(str(PACKAGE)).valid


# --------------------------------------------------------------------------- (b)


def test_package_shape():
    pkg = package_descriptor()
    assert pkg["name"] == "kcbx"
    assert pkg["title"] == "控辍保学报表数据包"
    assert pkg["profile"] == "tabular-data-package"
    assert CJK.search(pkg["description"])
    resources = pkg["resources"]
    assert len(resources) == 13
    assert [res["name"] for res in resources] == RESOURCE_ORDER
    for res in resources:
        name = res["name"]
        assert res["path"] == f"{name}.csv"
        assert res["format"] == "csv"
        assert res["encoding"] == "utf-8"
        assert res["schema"] == f"{name}.schema.json"
        assert (SCHEMAS / res["schema"]).is_file()
        assert set(res["kcbx"]) == RESOURCE_KCBX_KEYS, name
        assert res["kcbx"]["workbook"] in {"reference", "school", "home"}, name
        assert isinstance(res["kcbx"]["ledger"], bool), name
    schema_files = {p.name for p in SCHEMAS.glob("*.schema.json")}
    assert schema_files == {f"{name}.schema.json" for name in RESOURCE_ORDER}


# --------------------------------------------------------------------------- (c)

NUMERALS = "一二三四五六七八九十"


def split_row(line: str) -> list[str]:
    """Cells of a markdown table row; a `|` inside a `code span` is not a separator."""
    cells, buf, in_code = [], [], False
    for ch in line.strip():
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    cells.append("".join(buf))
    return [cell.strip() for cell in cells[1:-1]]


def expand_range(item: str) -> list[str]:
    """`一年级 … 九年级` -> 一年级, 二年级, …, 九年级."""
    first, last = (part.strip() for part in item.split("…"))
    assert first[1:] == last[1:], item
    start, end = NUMERALS.index(first[0]), NUMERALS.index(last[0])
    return [NUMERALS[i] + first[1:] for i in range(start, end + 1)]


def parse_enum(notes: str) -> list[str] | str | None:
    """The inline enum of a notes cell; 'as in …' is returned raw for later resolution."""
    match = re.search(r"\benum:?\s+([^;]*)", notes)
    if not match:
        return None
    raw = match.group(1).strip()
    if raw.startswith("as in "):
        return raw
    values: list[str] = []
    for item in re.split(r"\s*,\s*", raw):
        values.extend(expand_range(item) if "…" in item else [item])
    return values


def parse_tables_md(text: str) -> dict[str, dict]:
    tables: dict[str, dict] = {}
    current = None
    section = None
    sections = {"A": "reference", "B": "school", "C": "home"}
    ledger_list = re.search(r"^- Ledgers \(([^)]*)\)", text, re.M)
    ledgers = [t.strip() for t in re.split(r"[,，]", ledger_list.group(1))] if ledger_list else []
    for line in text.splitlines():
        if match := re.match(r"^##\s+([A-Z])\.", line):
            section = sections[match.group(1)]
            current = None
            continue
        if match := re.match(r"^###\s+`([a-z_]+)`\s+(\S+)", line):
            current = tables[match.group(1)] = {
                "title": match.group(2),
                "workbook": section,
                "fields": [],
            }
            continue
        if line.startswith("#"):
            current = None
            continue
        if current is None or not line.startswith("|"):
            continue
        cells = split_row(line)
        if cells[:2] == ["name", "title"] or set("".join(cells)) <= set("-: "):
            continue
        assert len(cells) == 4, line
        name, title, type_, notes = cells
        current["fields"].append(
            {"name": name.strip("`"), "title": title, "type": type_, "notes": notes}
        )
    for table in tables.values():
        table["ledger"] = table["title"] in ledgers
        for field in table["fields"]:
            field["enum"] = parse_enum(field["notes"])
    # resolve `enum as in <table>, without X` / `plus X`
    for table in tables.values():
        for field in table["fields"]:
            if isinstance(field["enum"], str):
                match = re.fullmatch(r"as in (\w+), (without|plus) (\S+)", field["enum"])
                assert match, field["enum"]
                other, how, value = match.groups()
                base = next(f for f in tables[other]["fields"] if f["name"] == field["name"])
                field["enum"] = (
                    [v for v in base["enum"] if v != value]
                    if how == "without"
                    else base["enum"] + [value]
                )
    return tables


@pytest.fixture(scope="module")
def spec() -> dict[str, dict]:
    if not TABLES_MD.is_file():
        pytest.skip(f"spec not found: {TABLES_MD} (shared/ is laid beside the repo)")
    return parse_tables_md(TABLES_MD.read_text(encoding="utf-8"))


def test_parser_sees_every_table(spec):
    assert list(spec) == RESOURCE_ORDER
    assert sum(len(t["fields"]) for t in spec.values()) == sum(
        len(s["fields"]) for s in schemas().values()
    )


def test_resources_match_spec_headings(spec):
    for res in package_descriptor()["resources"]:
        table = spec[res["name"]]
        assert res["title"] == table["title"], res["name"]
        assert res["kcbx"]["workbook"] == table["workbook"], res["name"]
        assert res["kcbx"]["ledger"] == table["ledger"], res["name"]


@pytest.mark.parametrize("name", RESOURCE_ORDER)
def test_fields_match_spec(spec, name):
    expected = spec[name]["fields"]
    actual = schemas()[name]["fields"]
    assert [f["name"] for f in actual] == [f["name"] for f in expected]
    assert [f["title"] for f in actual] == [f["title"] for f in expected]
    assert [f["type"] for f in actual] == [f["type"] for f in expected]
    for want, got in zip(expected, actual, strict=True):
        if want["enum"] is not None:
            assert got.get("constraints", {}).get("enum") == want["enum"], want["name"]


REQUIRED = re.compile(r"(?<![\w-])required(?!\s+(?:unless|when|for|with)\b)")


@pytest.mark.parametrize("name", RESOURCE_ORDER)
def test_constraints_match_spec_notes(spec, name):
    schema = schemas()[name]
    for want, got in zip(spec[name]["fields"], schema["fields"], strict=True):
        notes, label = want["notes"], f"{name}.{want['name']}"
        constraints = got.get("constraints", {})
        kcbx = got.get("kcbx", {})
        rules = kcbx.get("rule", [])
        rules = [rules] if isinstance(rules, str) else rules

        assert bool(REQUIRED.search(notes)) == constraints.get("required", False), label
        unique = constraints.get("unique", False) or kcbx.get("uniqueInUnit")
        # "unique within the unit" cannot be a resource-wide constraint: the snapshot
        # holds every unit's rows in one table, so it is the custom uniqueInUnit.
        assert ("unique" in notes) == bool(unique), label
        if "within the unit" in notes:
            assert kcbx.get("uniqueInUnit") is True, label
        assert notes.startswith("PII") == got.get("pii", False), label
        if want["enum"] is None:
            assert "enum" not in constraints, label

        # one owner per check: a field a rule checks ("checked by") is not required by
        # the schema; "checked against X by RULE" (visits.teachers) checks the content of
        # a field that tables.md also marks required, so only the marker is asked for.
        for rule in re.findall(r"checked by ([A-Z]+-\d+)", notes):
            assert rule in rules, label
            assert not constraints.get("required"), label
        for rule in re.findall(r"checked against \S+ by ([A-Z]+-\d+)", notes):
            assert rule in rules, label

        if got["title"] == "身份证号":
            assert kcbx.get("idNumber") is True, label
            assert "pattern" not in constraints, label

        regexes = [c for c in re.findall(r"`([^`]*)`", notes) if c.startswith("^")]
        if regexes:
            assert constraints.get("pattern") == regexes[0].replace(r"\d", "[0-9]"), label

        bounds = {
            "minimum": re.search(r"≥\s*(\d+)", notes),
            "maximum": re.search(r"≤\s*(\d+)", notes),
            "exclusiveMinimum": re.search(r"(?<![≥≤-])>\s*(\d+)", notes),
        }
        for key, match in bounds.items():
            assert constraints.get(key) == (int(match.group(1)) if match else None), (label, key)

        if "是/否" in notes:
            assert got["type"] == "boolean", label
            assert got["trueValues"] == ["是"] and got["falseValues"] == ["否"], label


def _spec_foreign_keys(spec, name):
    keys = []
    for field in spec[name]["fields"]:
        match = re.search(r"(?:\(([^)]*)\)\s*)?→\s*(\w+)(?:\.(\w+))?", field["notes"])
        if not match:
            continue
        group, resource, target = match.groups()
        local = [f.strip() for f in group.split(",")] if group else [field["name"]]
        remote = local if group else [target or field["name"]]
        keys.append(
            {
                "fields": local,
                "reference": {"resource": "" if resource == name else resource, "fields": remote},
            }
        )
    return keys


@pytest.mark.parametrize("name", RESOURCE_ORDER)
def test_keys_match_spec(spec, name):
    schema = schemas()[name]
    assert schema.get("foreignKeys", []) == _spec_foreign_keys(spec, name)
    primary = [
        [f.strip() for f in m.group(1).split(",")]
        for f in spec[name]["fields"]
        if (m := re.search(r"primary key \(([^)]*)\)", f["notes"]))
    ]
    assert schema.get("primaryKey") == (primary[0] if primary else None)


def test_visit_domains_are_the_iep_domains():
    iep = fields_by_name(schemas()["iep"])["domain"]["constraints"]["enum"]
    domains = fields_by_name(schemas()["visits"])["domains"]["kcbx"]["itemEnum"]
    assert domains == iep


# --------------------------------------------------------------------------- (d)


def _check_chinese(text, label):
    assert isinstance(text, str) and text.strip(), label
    assert CJK.search(text), label
    assert not ENGLISH_WORD.search(text), (label, text)


@pytest.mark.parametrize("name", RESOURCE_ORDER)
def test_every_field_has_a_chinese_description(name):
    for field in schemas()[name]["fields"]:
        _check_chinese(field.get("description"), f"{name}.{field['name']}")
        assert CJK.search(field["title"]), f"{name}.{field['name']}"


def test_every_resource_has_a_chinese_description():
    for res in package_descriptor()["resources"]:
        _check_chinese(res.get("description"), res["name"])
        assert CJK.search(res["title"]), res["name"]


# --------------------------------------------------------------------------- (e)


def _values_in_enum(values, field, label):
    assert isinstance(values, list) and values, label
    enum = field.get("constraints", {}).get("enum")
    if enum is not None:
        assert set(values) <= set(enum), label


def _check_condition(cond, fields, label, keys=("in", "notIn", "filled", "notMatches", "matches")):
    assert isinstance(cond, dict), label
    assert cond.get("field") in fields, label
    kinds = [key for key in cond if key != "field"]
    assert len(kinds) == 1 and kinds[0] in keys, label
    kind, value = kinds[0], cond[kinds[0]]
    if kind in ("in", "notIn"):
        _values_in_enum(value, fields[cond["field"]], label)
    elif kind == "filled":
        assert value is True, label
    else:
        re.compile(value)


def _rule_ids():
    if RULES_MD.is_file():
        return set(re.findall(r"^\| ([A-Z]+-\d+) \|", RULES_MD.read_text("utf-8"), re.M))
    return None


@pytest.mark.parametrize("name", RESOURCE_ORDER)
def test_kcbx_extensions(name):
    all_schemas = schemas()
    fields = fields_by_name(all_schemas[name])
    known_rules = _rule_ids()
    for field in fields.values():
        kcbx = field.get("kcbx")
        if kcbx is None:
            continue
        label = f"{name}.{field['name']}"
        assert isinstance(kcbx, dict) and kcbx, label
        assert set(kcbx) <= FIELD_KCBX_KEYS, (label, set(kcbx) - FIELD_KCBX_KEYS)
        if "requiredIf" in kcbx:
            _check_condition(kcbx["requiredIf"], fields, label)
            assert not field.get("constraints", {}).get("required"), label
        if "requiredUnless" in kcbx:
            # "required unless X": required also when the other field is empty
            _check_condition(kcbx["requiredUnless"], fields, label, keys=("in", "matches"))
            assert not field.get("constraints", {}).get("required"), label
        for key in ("after", "notBefore"):
            if key in kcbx:
                assert field["type"] == "date", label
                assert fields[kcbx[key]]["type"] == "date", label
        if "unitRef" in kcbx:
            _check_condition(kcbx["unitRef"], fields, label, keys=("in",))
        if "sameUnitRef" in kcbx:
            ref = kcbx["sameUnitRef"]
            assert set(ref) <= {"resource", "field", "where"}, label
            other = fields_by_name(all_schemas[ref["resource"]])
            assert ref["field"] in other, label
            if "where" in ref:
                _check_condition(ref["where"], other, label, keys=("in", "notIn"))
        if "itemEnum" in kcbx:
            items = kcbx["itemEnum"]
            assert items and all(isinstance(i, str) and i for i in items), label
            assert len(set(items)) == len(items), label
        if "list" in kcbx:
            assert kcbx["list"] is True, label
        if "idNumber" in kcbx:
            assert kcbx["idNumber"] is True and field["title"] == "身份证号", label
        if "rule" in kcbx:
            rules = kcbx["rule"] if isinstance(kcbx["rule"], list) else [kcbx["rule"]]
            assert rules, label
            for rule in rules:
                assert re.fullmatch(r"[A-Z]+-\d+", rule), label
                if known_rules is not None:
                    assert rule in known_rules, (label, rule)


@pytest.mark.parametrize("name", RESOURCE_ORDER)
def test_keys_name_existing_fields(name):
    all_schemas = schemas()
    schema = all_schemas[name]
    local = fields_by_name(schema)
    for key in schema.get("primaryKey", []):
        assert key in local
    for fk in schema.get("foreignKeys", []):
        target = fk["reference"]["resource"] or name
        remote = fields_by_name(all_schemas[target])
        assert all(f in local for f in fk["fields"]), fk
        assert all(f in remote for f in fk["reference"]["fields"]), fk
        assert len(fk["fields"]) == len(fk["reference"]["fields"]), fk


@pytest.mark.parametrize("name", RESOURCE_ORDER)
def test_field_basics(name):
    schema = schemas()[name]
    assert schema["missingValues"] == [""]
    names = [f["name"] for f in schema["fields"]]
    assert len(names) == len(set(names))
    titles = [f["title"] for f in schema["fields"]]
    assert len(titles) == len(set(titles))
    for field in schema["fields"]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", field["name"]), field["name"]
        assert field["type"] in {"string", "date", "integer", "number", "boolean"}
        if field["type"] == "boolean":
            assert field["trueValues"] == ["是"] and field["falseValues"] == ["否"]
