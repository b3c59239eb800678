"""Reports of a period (issue 6), tested from the issue and the contract, not from kcbx's code.

Every published count is recomputed here from the snapshot's text tables with plain Python
(rules.md: reference date, age range, open case, late, workbook for another month) and
compared with the unsuppressed 统计表 workbook; the public aggregates package is checked
against ``schemas/public/datapackage.json`` with stock frictionless, scanned for personal
data and for small counts that could be recovered by subtraction; the 月报表 workbooks are
read back with openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import frictionless
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from district import REF, SHEETS, District, new_kid
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.pipeline import current_snapshot, reports, validate
from workbooks import Text, write_book_xlsxwriter

D = dt.date
ROOT = Path(__file__).resolve().parents[1]
CONTRACT = json.loads((ROOT / "schemas" / "public" / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in CONTRACT["resources"]}
OPEN = "劝返中"
STEPS = ("step1_on", "step2_on", "step3_on", "step4_on")
PROGRESS = ("school_age", "in_school", "home_taught", "out_of_school", "returned", "still_out",
            "stage1", "stage2", "stage3", "stage4", "overdue")
ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<![0-9])1[0-9]{10}(?![0-9])")


# --------------------------------------------------------------------------------------
# Reading what kcbx wrote (contract titles → names) and the snapshot
# --------------------------------------------------------------------------------------


def day(value: Any) -> dt.date | None:
    """A date stored in a snapshot's text table (ISO), else None."""
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def read_stats(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The 统计表 workbook: one sheet per public resource (its title), columns by field title."""
    wb = load_workbook(path)
    out: dict[str, list[dict[str, Any]]] = {}
    for name, res in RESOURCES.items():
        if res["title"] not in wb.sheetnames:
            continue
        by_title = {f["title"]: f["name"] for f in res["schema"]["fields"]}
        rows = list(wb[res["title"]].iter_rows(values_only=True))
        head = [by_title.get(h, h) for h in rows[0]]
        out[name] = [dict(zip(head, r, strict=False)) for r in rows[1:]
                     if any(v not in (None, "") for v in r)]
    return out


def read_public(folder: Path) -> dict[str, list[dict[str, str]]]:
    out = {}
    for name, res in RESOURCES.items():
        with (folder / res["path"]).open(encoding="utf-8-sig", newline="") as fh:
            out[name] = list(csv.DictReader(fh))
    return out


def cells(path: Path) -> list[Any]:
    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def text_of(path: Path) -> str:
    return "\n".join(str(c.value) for c in cells(path))


def key(row: dict[str, Any]) -> tuple:
    return (str(row.get("period") or ""), row.get("level") or "", row.get("township") or "",
            row.get("unit_code") or "")


def snapshot_tables(config) -> dict[str, list[dict[str, Any]]]:
    snapshot, _ = current_snapshot(config)
    return {name: frame.to_dicts() for name, frame in snapshot.tables().items()}


# --------------------------------------------------------------------------------------
# The expected numbers, from rules.md / tables.md / the issue
# --------------------------------------------------------------------------------------


def age_on(birth: dt.date, ref: dt.date) -> int:
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


def units_of(t) -> list[dict[str, Any]]:
    seen, out = set(), []
    for u in t["units"]:
        if u["code"] and u["code"] not in seen:
            seen.add(u["code"])
            out.append(u)
    return out


def submitted(t, period: str) -> set[str]:
    """Units with a workbook whose 报送月份 is the period (another month counts as 未报)."""
    return {c["_unit"] for c in t["cover"] if c["_unit"] and c["period"] == period}


def expected_status(t, config) -> dict[str, tuple[str, str | None]]:
    """REP-3 for each unit that must report: (status, 填报日期 or None)."""
    sent = submitted(t, config.period)
    deadline = config.deadline or config.period_end
    cover = {}
    for c in t["cover"]:
        if c["period"] == config.period:
            cover.setdefault(c["_unit"], c)
    out = {}
    for u in units_of(t):
        if u["must_report"] != "是":
            continue
        code = u["code"]
        if code not in sent:
            out[code] = ("未报", None)
            continue
        c = cover[code]
        on = day(c["submitted_on"])
        if on is not None and on > deadline:
            status = "逾期"
        elif c["zero_report"] == "是":
            status = "零报告"
        else:
            status = "按时"
        out[code] = (status, c["submitted_on"])
    return out


def expected_rates(t, config) -> dict[str, tuple[int, int, int, float, float]]:
    status = expected_status(t, config)
    town = {u["code"]: u["township"] for u in units_of(t)}
    groups: dict[str, list[str]] = defaultdict(list)
    for code, (s, _) in status.items():
        groups[town[code]].append(s)
        groups["全区"].append(s)
    out = {}
    for name, ss in groups.items():
        due, sent = len(ss), sum(s != "未报" for s in ss)
        on_time = sum(s in ("按时", "零报告") for s in ss)
        out[name] = (due, sent, on_time, round(100 * sent / due, 1), round(100 * on_time / due, 1))
    return out


def stage_of(case: dict[str, Any]) -> int:
    """The furthest 四步法 step reached (a case with none yet is at step 1)."""
    return max([k for k, s in enumerate(STEPS, 1) if day(case[s])], default=1)


def last_move(case: dict[str, Any]) -> dt.date | None:
    steps = [day(case[s]) for s in STEPS]
    return max([s for s in steps if s], default=None) or day(case["found_on"])


def expected_progress(t, config) -> dict[tuple, dict[str, int]]:
    """控辍保学进展 rows keyed (level, township, unit_code): unit, 乡镇 (Σ its units), 全区."""
    ref = config.reference_date or D(config.year, 8, 31)
    lo, hi = config.age_range
    pulled = config.pulled_on or D.today()
    per: dict[str, Counter] = defaultdict(Counter)
    for r in t["census"]:
        born = day(r["birth_date"])
        if born is None or not lo <= age_on(born, ref) <= hi:
            continue
        c = per[r["_unit"]]
        c["school_age"] += 1
        c["in_school"] += r["status"] == "在校就读"
        c["home_taught"] += r["status"] == "送教上门"
    for r in t["dropouts"]:
        c = per[r["_unit"]]
        c["out_of_school"] += 1
        if r["result"] == OPEN:
            c["still_out"] += 1
            c[f"stage{stage_of(r)}"] += 1
            moved = last_move(r)
            c["overdue"] += moved is not None and (pulled - moved).days > config.thresholds.stall_days
        elif r["result"]:
            c["returned"] += 1
    out: dict[tuple, dict[str, int]] = {}
    towns: dict[str, Counter] = defaultdict(Counter)
    whole: Counter = Counter()
    for u in units_of(t):
        c = per.pop(u["code"], Counter())
        out[("单位", u["township"], u["code"])] = {k: c[k] for k in PROGRESS}
        towns[u["township"]].update(c)
        whole.update(c)
    assert not per, f"rows of units missing from 单位名录: {sorted(per)}"
    for town, c in towns.items():
        out[("乡镇", town, "")] = {k: c[k] for k in PROGRESS}
    out[("全区", "全区", "")] = {k: whole[k] for k in PROGRESS}
    return out


def split_names(text: str | None) -> list[str]:
    return [n for n in re.split(r"[、,，;；\s]+", text or "") if n]


def expected_home(t, config) -> dict[str, tuple[int, int, float | None]]:
    """送教上门 per unit: (children, visits this term up to the pull, % two with a man)."""
    pulled = config.pulled_on or D.today()
    term = next(tm for tm in config.terms if tm.start <= pulled <= tm.end)
    children: dict[str, set] = defaultdict(set)
    for r in t["home_students"]:
        if r["id_number"]:
            children[r["_unit"]].add(r["id_number"])
    sex: dict[str, dict[str, str]] = defaultdict(dict)
    for r in t["teachers"]:
        sex[r["_unit"]].setdefault(r["name"], r["sex"])
    visits: Counter = Counter()
    good: Counter = Counter()
    for r in t["visits"]:
        on = day(r["on"])
        if on is None or not term.start <= on <= min(term.end, pulled):
            continue
        visits[r["_unit"]] += 1
        known = {n for n in split_names(r["teachers"]) if n in sex[r["_unit"]]}
        good[r["_unit"]] += len(known) >= 2 and any(sex[r["_unit"]][n] == "男" for n in known)
    return {u: (len(children[u]), visits[u],
                round(100 * good[u] / visits[u], 1) if visits[u] else None)
            for u in set(children) | set(visits)}


def listed_cases(t, config, codes: set[str], town: str | None = None) -> tuple[set[str], Counter]:
    """What a 月报表 over units ``codes`` lists: open cases + those found or returned in the
    period (by 身份证号, else 姓名), and its counts 本月新增 / 劝返复学 / 累计未返.
    A 乡镇's report (``town``) also lists every case of a child whose 户籍乡镇 is that 乡镇:
    the 乡镇 government must see its own children wherever their school is."""
    start, end = config.period_start, config.period_end
    ids: set[str] = set()
    counts: Counter = Counter()
    for r in t["dropouts"]:
        if r["_unit"] not in codes and (town is None or r["township"] != town):
            continue
        found, back = day(r["found_on"]), day(r["returned_on"])
        new = found is not None and start <= found <= end
        opened = r["result"] in (OPEN, None, "")
        returned = bool(r["result"]) and not opened and back is not None and start <= back <= end
        counts.update(new=new, returned=returned, open=opened)
        if opened or new or returned:
            ids.add(r["id_number"] or r["name"])
    return ids, counts


# --------------------------------------------------------------------------------------
# Fixtures: the demo district, and a small hand-made district with exact numbers
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_copy):
    root = demo_copy("demo").dest
    config = load_config(root / "kcbx.yml")
    result = reports(config)
    return SimpleNamespace(root=root, config=config, result=result, t=snapshot_tables(config),
                           snapshot=current_snapshot(config)[0], stats=read_stats(result.tables),
                           findings=validate(config).findings)


def _unit(code: str, name: str, town: str) -> dict[str, Any]:
    return {"_key": code, "code": code, "name": name, "type": "小学", "parent_code": "JYJ",
            "township": town, "head": "某校长", "phone": "13800000099", "must_report": "是"}


def _case(key: str, kid: dict[str, Any], **over: Any) -> dict[str, Any]:
    found = over.pop("found_on", D(2022, 9, 1))
    return {"_key": key, **kid, "grade": "八年级", "former_school": "甲镇初级中学", "township": "甲镇",
            "village": "二村", "kind": "辍学", "found_on": found, "reported_on": found,
            "reason": "厌学", "group_members": "甲镇刘某、二村周某、甲镇初级中学杨某", "owner": "周某村",
            "result": OPEN, **over}


FORMULA_OWNER = '=HYPERLINK("http://example.invalid","点我")'
FORMULA_DETAIL = "=1+2"
FORMULA_CHECKER = "=2*3"


def hand_district() -> District:
    """The clean district plus: 乙镇 (YX1 sends nothing, YX2 a workbook for 2022-09), XX2 late,
    age-boundary children and cases at every 四步法 step in XX2, and text starting with "="."""
    d = District()
    d.books[REF]["units"] += [_unit("YX1", "乙镇小学", "乙镇"), _unit("YX2", "乙镇中学", "乙镇")]
    d.books["YX2"] = {"cover": [{"_key": "cover", "unit_code": "YX2", "period": "2022-09",
                                 "filled_by": "某填报人", "phone": "13800000020",
                                 "submitted_on": D(2022, 9, 28), "zero_report": "是",
                                 "approved_by": "某负责人"}]}
    d.set("XX2", "cover", "cover", submitted_on=D(2022, 11, 2), approved_by=FORMULA_CHECKER)
    for i, (born, order) in enumerate(((D(2016, 8, 31), 101), (D(2016, 9, 1), 103),
                                       (D(2006, 9, 1), 105), (D(2006, 8, 31), 107)), 1):
        k = new_kid(f"边某{i}", "男", born, order)
        d.add("XX2", "census", {"_key": f"B{i}", **k, "hukou_type": "本地户籍", "township": "甲镇",
                                "village": "二村", "group": "1组", "guardian": "某监护人",
                                "disability": "无", "key_group": "无", "status": "在校就读",
                                "school": "甲镇初级中学", "grade": "七年级"})
    kids = [new_kid(f"案某{i}", "女", D(2009, 1, i), 110 + 2 * i) for i in range(1, 6)]
    d.set("XX2", "dropouts", "O", owner=FORMULA_OWNER, reason_detail=FORMULA_DETAIL)
    d.add("XX2", "dropouts", _case("O1", kids[0], found_on=D(2022, 10, 5), step1_on=D(2022, 10, 5)))
    d.add("XX2", "dropouts", _case("O2", kids[1], found_on=D(2022, 10, 4), step1_on=D(2022, 10, 4)))
    three = {"step1_on": D(2022, 9, 1), "step2_on": D(2022, 9, 5), "step2_deadline": D(2022, 9, 12),
             "step3_on": D(2022, 9, 20)}
    d.add("XX2", "dropouts", _case("O3", kids[2], **three))
    d.add("XX2", "dropouts", _case("O4", kids[3], **three, step4_on=D(2022, 10, 30)))
    d.add("XX2", "dropouts", _case("R1", kids[4], found_on=D(2022, 9, 28), step1_on=D(2022, 9, 29),
                                   result="已复学", returned_on=D(2022, 10, 15), placement="原校原班",
                                   plan="每周谈心一次", mentor="杨某师"))
    return d


def write_as_text(d: District, root: Path, unit: str) -> None:
    """Rewrite a unit's workbook so that values starting with "=" are text cells, not formulas."""
    sheets = {SHEETS[t]: [[Text(v) if isinstance(v, str) and v.startswith("=") else v for v in row]
                          for row in d.sheet_rows(unit, t)] for t in d.books[unit]}
    write_book_xlsxwriter(root / d.config["sources"]["submissions"] / f"{unit}.xlsx", sheets)


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    root = tmp_path_factory.mktemp("hand")
    d = hand_district()
    d.write(root)
    write_as_text(d, root, "XX2")
    config = load_config(root / "kcbx.yml")
    result = reports(config)
    return SimpleNamespace(root=root, config=config, result=result, t=snapshot_tables(config),
                           stats=read_stats(result.tables))


# --------------------------------------------------------------------------------------
# 1. The counts of the 统计表 (unsuppressed) recomputed independently
# --------------------------------------------------------------------------------------


def check_status(run) -> None:
    expected = expected_status(run.t, run.config)
    got = {r["unit_code"]: (r["status"], r["submitted_on"] or None)
           for r in run.stats["submission_status"] if r["period"] == run.config.period}
    assert {k: v[0] for k, v in got.items()} == {k: v[0] for k, v in expected.items()}
    for code, (status, on) in expected.items():
        if status == "未报":
            assert got[code][1] is None, code
        else:
            assert str(got[code][1])[:10] == on, code


def check_rates(run) -> None:
    expected = expected_rates(run.t, run.config)
    got = {r["township"]: (r["units_due"], r["submitted"], r["on_time"], r["completeness"],
                           r["timeliness"])
           for r in run.stats["submission_rates"] if r["period"] == run.config.period}
    assert set(got) == set(expected)
    for town, exp in expected.items():
        assert got[town][:3] == exp[:3], town
        assert got[town][3] == pytest.approx(exp[3], abs=0.051), town
        assert got[town][4] == pytest.approx(exp[4], abs=0.051), town


def check_progress(run) -> None:
    expected = expected_progress(run.t, run.config)
    got = {key(r)[1:]: {k: r[k] for k in PROGRESS} for r in run.stats["progress"]
           if str(r["period"]) == run.config.period}
    zero = dict.fromkeys(PROGRESS, 0)
    for k, exp in expected.items():
        if k[0] == "单位" and exp == zero and k not in got:
            continue  # a unit with nothing may be left out
        assert got.get(k) == exp, k
    assert set(got) <= set(expected), set(got) - set(expected)


def test_demo_submission_status(demo):
    statuses = Counter(s for s, _ in expected_status(demo.t, demo.config).values())
    assert statuses["未报"] and statuses["逾期"] and statuses["零报告"] and statuses["按时"]
    check_status(demo)


def test_demo_submission_rates(demo):
    check_rates(demo)


def test_demo_progress(demo):
    check_progress(demo)


def test_demo_home_teaching(demo):
    expected = expected_home(demo.t, demo.config)
    assert expected, "the demo has 送教上门 children"
    rows = [r for r in demo.stats["home_teaching"]
            if str(r["period"]) == demo.config.period and r["level"] == "单位"]
    got = {r["unit_code"]: (r["children"], r["visits"], r["two_with_man"]) for r in rows}
    assert set(got) == {u for u, v in expected.items() if v[0] or v[1]}
    for unit, (children, visits, share) in expected.items():
        assert got[unit][:2] == (children, visits), unit
        if share is None:
            assert got[unit][2] in (None, ""), unit
        else:
            assert got[unit][2] == pytest.approx(share, abs=0.051), unit


def test_demo_data_quality_equals_validation(demo):
    expected = Counter((f.unit_code or "", f.rule, f.severity) for f in demo.findings)
    rows = [r for r in demo.stats["data_quality"] if r["pulled"] == demo.snapshot.name]
    got = {(r["unit_code"] or "", r["rule"], r["severity"]): r["count"] for r in rows}
    assert len(got) == len(rows), "one row per unit, rule and severity"
    assert got == dict(expected)
    assert {str(r["period"]) for r in rows} == {demo.config.period}


def test_stats_workbook_is_unsuppressed(demo):
    small = [r[k] for r in demo.stats["progress"] for k in PROGRESS if r[k] in (1, 2)]
    assert small, "the private 统计表 keeps the small counts"


def test_hand_submission_status_exact(hand):
    got = {r["unit_code"]: r["status"] for r in hand.stats["submission_status"]}
    assert got == {"ZX1": "零报告", "XX1": "按时", "XX2": "逾期", "YX1": "未报", "YX2": "未报"}
    check_status(hand)
    rates = {r["township"]: (r["units_due"], r["submitted"], r["on_time"], r["completeness"],
                             r["timeliness"]) for r in hand.stats["submission_rates"]}
    assert rates == {"全区": (5, 3, 2, 60, 40), "甲镇": (3, 3, 2, 100, pytest.approx(66.7)),
                     "乙镇": (2, 0, 0, 0, 0)}


def test_hand_deadline_from_config(hand, tmp_path):
    config = hand.config.with_overrides(deadline=D(2022, 11, 2), outputs=str(tmp_path / "out"))
    run = SimpleNamespace(config=config, t=hand.t, stats=read_stats(reports(config).tables))
    assert {r["unit_code"]: r["status"] for r in run.stats["submission_status"]}["XX2"] == "按时"
    check_status(run)
    check_rates(run)


def test_hand_progress_exact(hand):
    rows = {key(r)[1:]: {k: r[k] for k in PROGRESS} for r in hand.stats["progress"]}
    xx2 = dict(school_age=5, in_school=4, home_taught=0, out_of_school=6, returned=1, still_out=5,
               stage1=2, stage2=1, stage3=1, stage4=1, overdue=2)
    town = dict(school_age=9, in_school=7, home_taught=1, out_of_school=7, returned=2, still_out=5,
                stage1=2, stage2=1, stage3=1, stage4=1, overdue=2)
    assert rows[("单位", "甲镇", "XX2")] == xx2
    assert rows[("乡镇", "甲镇", "")] == town
    assert rows[("全区", "全区", "")] == town
    assert rows[("乡镇", "乙镇", "")] == dict.fromkeys(PROGRESS, 0)
    check_progress(hand)


def test_progress_parts_add_up_with_an_empty_status(tmp_path):
    """out_of_school = returned + still_out and still_out = Σ stages hold on every row, even for
    a case whose 劝返状态 the school left empty (rules.md: open only when 劝返中)."""
    d = District()
    d.set("XX2", "changes", "T1", proof="不齐全")
    d.add("XX2", "dropouts", _case("E1", new_kid("空某态", "女", D(2009, 2, 2), 130),
                                   step1_on=D(2022, 9, 2), result=None))
    d.write(tmp_path)
    stats = read_stats(reports(load_config(tmp_path / "kcbx.yml")).tables)
    for r in stats["progress"]:
        assert r["still_out"] == r["stage1"] + r["stage2"] + r["stage3"] + r["stage4"], key(r)
        assert r["out_of_school"] == r["returned"] + r["still_out"], key(r)


# --------------------------------------------------------------------------------------
# 2. The public aggregates package
# --------------------------------------------------------------------------------------


def pii_fields() -> dict[str, list[tuple[str, str]]]:
    """table → [(field name, title)] of the fields marked "pii" in schemas/*.schema.json."""
    out = {}
    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        out[path.name.split(".")[0]] = [(f["name"], f.get("title", f["name"]))
                                        for f in schema["fields"] if f.get("pii")]
    return out


def child_count_fields(resource: str) -> list[str]:
    """Counts of children: the contract says they are hidden below the threshold."""
    return [f["name"] for f in RESOURCES[resource]["schema"]["fields"]
            if f["type"] == "integer" and "隐私阈值" in f.get("description", "")]


def relations(rows: list[dict[str, str]], columns: list[str],
              parts: dict[str, list[str]]) -> list[list[tuple[int, str]]]:
    """total = Σ parts, as groups of cells: district = Σ 乡镇 (Σ units without 乡镇 rows),
    乡镇 = Σ its units (per column), and the within-row ``parts``."""
    groups = []
    level = [r["level"] for r in rows]
    towns = [i for i, lv in enumerate(level) if lv == "乡镇"]
    units = [i for i, lv in enumerate(level) if lv == "单位"]
    for col in columns:
        for d in (i for i, lv in enumerate(level) if lv == "全区"):
            groups.append([(d, col), *((i, col) for i in (towns or units))])
        for t in towns:
            groups.append([(t, col), *((i, col) for i in units
                                       if rows[i]["township"] == rows[t]["township"])])
    for i in range(len(rows)):
        for total, ps in parts.items():
            if total in columns:
                groups.append([(i, total), *((i, p) for p in ps)])
    return groups


PARTS = {"progress": {"out_of_school": ["returned", "still_out"],
                      "still_out": ["stage1", "stage2", "stage3", "stage4"]},
         "home_teaching": {}}


def hidden_cells(public: dict[str, list[dict[str, str]]]) -> set[tuple]:
    return {(name, key(r), c) for name in PARTS for r in public[name]
            for c in child_count_fields(name) if r[c] == ""}


def check_privacy(public_dir: Path, stats: dict, min_count: int) -> set[tuple]:
    """No child count below min_count, none recoverable by subtraction, visible = private."""
    public = read_public(public_dir)
    for name, parts in PARTS.items():
        columns = child_count_fields(name)
        assert columns, name
        private = {key(r): r for r in stats[name]}
        by_period: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in public[name]:
            by_period[r["period"]].append(r)
            for c in columns:
                if r[c] != "":
                    assert not 0 < int(r[c]) < min_count, (name, key(r), c, r[c])
                    if key(r) in private:
                        assert int(r[c]) == private[key(r)][c], (name, key(r), c)
        for rows in by_period.values():
            for group in relations(rows, columns, parts):
                hidden = [cell for cell in group if rows[cell[0]][cell[1]] == ""]
                assert len(hidden) != 1, (name, [(key(rows[i]), c) for i, c in group])
    return hidden_cells(public)


def test_public_package_is_valid_frictionless(demo):
    report = frictionless.validate(str(demo.result.public / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_public_resources_match_contract(demo):
    written = json.loads((demo.result.public / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in written["resources"]} == set(RESOURCES)
    for res in written["resources"]:
        want = RESOURCES[res["name"]]
        assert res["path"] == want["path"]
        assert [(f["name"], f["type"]) for f in res["schema"]["fields"]] == \
               [(f["name"], f["type"]) for f in want["schema"]["fields"]]
        with (demo.result.public / res["path"]).open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == [f["name"] for f in want["schema"]["fields"]], res["name"]
    public = read_public(demo.result.public)
    for name in RESOURCES:
        assert public[name], f"{name} is empty"


def test_public_package_has_no_personal_data(demo):
    files = [p for p in demo.result.public.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"datapackage.json", "progress.csv"}
    text = {p.name: p.read_text(encoding="utf-8") for p in files}
    for name, body in text.items():
        assert not ID_RE.search(body), (name, ID_RE.search(body))
        assert not PHONE_RE.search(body), (name, PHONE_RE.search(body))
    values = {str(r[f]) for table, fields in pii_fields().items() for f, _ in fields
              for r in demo.t.get(table, []) if r.get(f) and len(str(r[f])) >= 2}
    assert len(values) > 1000, "the demo's names, IDs, guardians and addresses"
    for name, body in text.items():
        leaked = sorted(v for v in values if v in body)
        assert not leaked, (name, leaked[:10])
    personal = {(f, title) for fields in pii_fields().values() for f, title in fields}
    names = {f for f, _ in personal} | {"name", "phone", "guardian", "address", "id_number"}
    titles = {title for _, title in personal} | {"姓名", "电话", "身份证", "监护人", "地址"}
    written = json.loads(text["datapackage.json"])
    for res in written["resources"]:
        for f in res["schema"]["fields"]:
            assert f["name"] not in names, (res["name"], f["name"])
            assert not any(t in f.get("title", "") for t in titles), (res["name"], f["title"])


def test_public_small_counts_hidden_with_complements(demo):
    hidden = check_privacy(demo.result.public, demo.stats, min_count=3)
    assert hidden, "the demo has counts of 1 and 2 to hide"
    assert demo.result.hidden == len(hidden)


def test_shares_over_a_hidden_number_of_children_are_hidden(demo):
    # weekly coverage = weeks visited / (children x weeks): published beside a hidden number
    # of children, it would give that number away.
    rows = list(csv.DictReader((demo.result.public / "home_teaching.csv").open(encoding="utf-8")))
    hidden = [r for r in rows if r["children"] == ""]
    assert hidden, "the demo has a unit with fewer than 3 送教 children"
    for r in hidden:
        assert r["weekly_coverage"] == "" and r["handbook_complete"] == "", r
    assert any(r["weekly_coverage"] for r in rows if r["children"]), "shown where children are shown"


def test_hand_public_privacy(hand):
    hidden = check_privacy(hand.result.public, hand.stats, min_count=3)
    assert ("progress", ("2022-10", "单位", "甲镇", "XX2"), "returned") in hidden


def test_min_count_from_config_changes_what_is_hidden(demo, tmp_path):
    config = demo.config.with_overrides(privacy={"min_count": 5}, outputs=str(tmp_path / "out5"))
    result = reports(config)
    stats = read_stats(result.tables)
    hidden5 = check_privacy(result.public, stats, min_count=5)
    hidden3 = hidden_cells(read_public(demo.result.public))
    assert hidden5 != hidden3
    public3 = {key(r): r for r in read_public(demo.result.public)["progress"]}
    newly = [(k, c) for name, k, c in hidden5 - hidden3
             if name == "progress" and public3[k][c] in ("3", "4")]
    assert newly, "counts of 3 and 4 shown with min_count 3 are hidden with min_count 5"


# --------------------------------------------------------------------------------------
# 3. 月报表 xlsx
# --------------------------------------------------------------------------------------


def monthly_files(run) -> tuple[dict[str, Path], dict[str, Path], Path]:
    """(unit code → file, 乡镇 → file, district file); asserts the set of files is exactly that."""
    folder = run.config.outputs_path / "reports" / run.config.period / "月报表"
    files = {p.name: p for p in folder.glob("*.xlsx")}
    assert sorted(files.values()) == sorted(Path(p) for p in run.result.monthly)
    names = {u["code"]: u["name"] for u in units_of(run.t)}
    prefix = f"{run.config.period}_月报表_"
    units = {}
    for code in submitted(run.t, run.config.period):
        units[code] = files.pop(f"{prefix}{names[code]}.xlsx")
    towns = sorted({u["township"] for u in units_of(run.t) if u["must_report"] == "是"})
    per_town = {}
    for town in towns:
        found = [n for n in files if n.startswith(prefix) and town in n]
        assert len(found) == 1, (town, found)
        per_town[town] = files.pop(found[0])
    assert len(files) == 1, sorted(files)
    name, path = files.popitem()
    assert name.startswith(prefix) and ("全区" in name or run.config.district in name), name
    return units, per_town, path


def check_monthly(run) -> None:
    units, towns, district = monthly_files(run)
    all_ids = {r["id_number"] or r["name"] for r in run.t["dropouts"]}
    township = {u["code"]: u["township"] for u in units_of(run.t)}
    due = {u["code"] for u in units_of(run.t) if u["must_report"] == "是"}
    scopes = [({code}, None, path) for code, path in units.items()]
    scopes += [({c for c in due if township[c] == town}, town, path) for town, path in towns.items()]
    scopes.append((set(township), None, district))
    for codes, town, path in scopes:
        text = text_of(path)
        ids, counts = listed_cases(run.t, run.config, codes, town)
        assert {i for i in all_ids if i in text} == ids, path.name
        for word, n in (("本月新增", counts["new"]), ("劝返复学", counts["returned"]),
                        ("累计未返", counts["open"])):
            m = re.search(word + r"[^0-9\n]*?([0-9]+)", text)
            assert m and int(m.group(1)) == n, (path.name, word, m and m.group(0), n)
        if not ids:
            assert "零报告" in text, path.name
        if counts["open"]:
            assert "零报告" not in text, path.name
    cover = {c["_unit"]: c for c in run.t["cover"] if c["period"] == run.config.period}
    for code, path in units.items():
        c, text = cover[code], text_of(path)
        line = next(v for v in text.splitlines() if "填报人" in v)
        assert "负责人" in text and "日期" in text, path.name
        assert c["filled_by"] in line, path.name
        assert c["approved_by"] in text, path.name
        on = day(c["submitted_on"])
        assert any(s in text for s in (on.isoformat(), f"{on.year}年{on.month}月{on.day}日",
                                       f"{on:%Y/%m/%d}", f"{on.year}/{on.month}/{on.day}")), path.name


def test_demo_monthly_reports(demo):
    check_monthly(demo)
    zero = [code for code in submitted(demo.t, demo.config.period)
            if not listed_cases(demo.t, demo.config, {code})[0]]
    assert zero, "the demo has units with nothing to report"


def test_hand_monthly_reports(hand):
    check_monthly(hand)
    units, towns, district = monthly_files(hand)
    assert set(units) == {"ZX1", "XX1", "XX2"}  # YX2's workbook is for 2022-09: 未报
    assert set(towns) == {"甲镇", "乙镇"}
    assert "零报告" in text_of(units["XX1"])  # its only case was resolved in September


def test_no_formula_in_any_xlsx_kcbx_writes(hand, demo):
    assert any(r["owner"] == FORMULA_OWNER for r in hand.t["dropouts"]), "the planted text is read"
    for run in (hand, demo):
        books = list((run.config.outputs_path / "reports").rglob("*.xlsx"))
        assert len(books) >= 4
        for path in books:
            formulas = [(c.coordinate, c.value) for c in cells(path) if c.data_type == "f"]
            assert not formulas, (path.name, formulas[:5])
    units, _, district = monthly_files(hand)
    for path in (units["XX2"], district):
        values = [str(c.value) for c in cells(path)]
        assert any(v.startswith(FORMULA_OWNER) for v in values), path.name
    assert FORMULA_CHECKER in text_of(units["XX2"])


# --------------------------------------------------------------------------------------
# 4. Months accumulate in the public package
# --------------------------------------------------------------------------------------


def _set_period(d: District, period: str, pulled: dt.date, submitted_on: dt.date) -> None:
    d.configure(period=period, pulled_on=pulled)
    for unit in ("ZX1", "XX1", "XX2"):
        d.set(unit, "cover", "cover", period=period, submitted_on=submitted_on)


def test_clean_district_gets_its_reports(tmp_path):
    """A district with no finding at all (the goal of every school) still gets its reports."""
    District().write(tmp_path)
    config = load_config(tmp_path / "kcbx.yml")
    assert not validate(config).findings
    result = reports(config)
    assert read_public(result.public)["submission_status"]
    assert len(result.monthly) == 3 + 1 + 1  # ZX1, XX1, XX2; 甲镇; the district


def test_months_accumulate_and_a_month_is_replaced(tmp_path):
    d = District()
    # one 错误 so that every pull has a finding (a pull without any: see the test above)
    d.set("XX2", "changes", "T1", proof="不齐全")
    _set_period(d, "2022-09", D(2022, 10, 5), D(2022, 9, 28))
    d.write(tmp_path)
    first = reports(load_config(tmp_path / "kcbx.yml"))
    september = read_public(first.public)

    _set_period(d, "2022-10", D(2022, 11, 4), D(2022, 10, 28))
    d.write(tmp_path, only_dirty=True)
    second = reports(load_config(tmp_path / "kcbx.yml"))
    both = read_public(second.public)
    for name in ("submission_status", "submission_rates", "progress", "home_teaching"):
        periods = Counter(r["period"] for r in both[name])
        assert set(periods) == {"2022-09", "2022-10"}, name
        assert [r for r in both[name] if r["period"] == "2022-09"] == september[name], name
    assert len({r["pulled"] for r in both["data_quality"]}) == 2
    assert {r["period"] for r in both["data_quality"]} == {"2022-09", "2022-10"}

    d.remove_book("XX1")  # the month is pulled again without XX1: its rows are replaced
    d.write(tmp_path, only_dirty=True)
    third = reports(load_config(tmp_path / "kcbx.yml"))
    again = read_public(third.public)
    october = [r for r in again["submission_status"] if r["period"] == "2022-10"]
    assert sorted(r["unit_code"] for r in october) == ["XX1", "XX2", "ZX1"]
    assert {r["unit_code"]: r["status"] for r in october}["XX1"] == "未报"
    for name in ("submission_status", "submission_rates", "progress", "home_teaching"):
        assert [r for r in again[name] if r["period"] == "2022-09"] == september[name], name
        assert max(Counter(key(r) for r in again[name]).values()) == 1, name
    for name in ("submission_status", "submission_rates"):
        assert Counter(key(r) for r in again[name]) == Counter(key(r) for r in both[name]), name
    rates = {r["township"]: r for r in again["submission_rates"] if r["period"] == "2022-10"}
    assert (rates["全区"]["units_due"], rates["全区"]["submitted"]) == ("3", "2")
    report = frictionless.validate(str(third.public / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_cli_report_writes_everything(tmp_path):
    d = District()
    d.set("XX2", "changes", "T1", proof="不齐全")
    d.write(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--config", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and re.search(r"[\u4e00-\u9fff]", result.output)
    config = load_config(tmp_path / "kcbx.yml")
    folder = config.outputs_path / "reports" / "2022-10"
    assert len(list((folder / "月报表").glob("2022-10_月报表_*.xlsx"))) == 5
    assert (folder / "2022-10_统计表.xlsx").is_file()
    assert frictionless.validate(str(config.outputs_path / "public" / "datapackage.json")).valid
