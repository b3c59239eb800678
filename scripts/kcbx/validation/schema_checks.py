"""Schema-level validation, derived from the data package — never written per column.

Runs on the columnar tables: types, required, enum, pattern, ranges, unique, primary and
foreign keys, the conditional constraints under each field's ``kcbx`` key, and ID-1/ID-2.
One mistake gives one finding: a cell with a type error gets no constraint check, an empty
cell gets only the required check, a column missing from the sheet is reported once.
"""

from __future__ import annotations

import polars as pl

from ..findings import ERROR, Finding, finding
from ..schema import Field, Table
from . import idnumber
from .frames import LOCATION, emit, not_in_sheets, sheet_key
from .keys import check_keys
from .tableset import Tables

TYPE_HINTS = {
    "date": "不是有效日期。请填写如 2022-09-01 或 2022年9月1日 的日期",
    "integer": "不是整数。请只填阿拉伯数字，如 3",
    "number": "不是数字。请只填数字，如 2 或 1.5",
    "boolean": "不是“是”或“否”。请从下拉列表中选择",
}


def check_schema(tables: Tables) -> list[Finding]:
    out: list[Finding] = []
    for table in tables.package.tables:
        text, typed = tables.text[table.name], tables.typed[table.name]
        if text.height == 0:
            continue
        for f in table.fields:
            _types(out, f, text, typed)
            _required(out, table, f, tables)
            _values(out, f, text, typed)
        _conditional(out, table, tables)
        _ids(out, table, text, typed)
    check_keys(out, tables)
    return out


def _types(out: list[Finding], f: Field, text: pl.DataFrame, typed: pl.DataFrame) -> None:
    if f.type == "string":
        return
    bad = text.filter(pl.col(f.name).is_not_null() & typed[f.name].is_null())
    emit(out, bad, "type-error", f, detail=TYPE_HINTS[f.type])


def _required(out: list[Finding], table: Table, f: Field, tables: Tables) -> None:
    if not f.required:
        return
    text = tables.text[table.name]
    rows = text.filter(pl.col(f.name).is_null()
                       & not_in_sheets(tables.absent.get((table.name, f.name), [])))
    emit(out, rows, "required-error", f)


def _values(out: list[Finding], f: Field, text: pl.DataFrame, typed: pl.DataFrame) -> None:
    value = typed[f.name]
    present = text.with_columns(typed[f.name].alias("_typed"))
    if f.enum:
        bad = present.filter(value.is_not_null() & ~pl.col(f.name).is_in(list(f.enum)))
        emit(out, bad, "enum-error", f, detail="、".join(f.enum))
    items = f.extra.get("itemEnum")
    if items:
        exploded = (present.filter(value.is_not_null())
                    .with_columns(pl.col(f.name).str.replace_all(r"[,，;；]", "、")
                                  .str.split("、").alias("_item"))
                    .explode("_item")
                    .with_columns(pl.col("_item").str.strip_chars())
                    .filter((pl.col("_item") != "") & ~pl.col("_item").is_in(list(items)))
                    .unique(subset=list(LOCATION), keep="first", maintain_order=True))
        emit(out, exploded, "enum-error", f,
             detail="、".join(items) + "（可填多个，用“、”分隔）")
    if f.pattern:
        bad = present.filter(value.is_not_null() & ~pl.col(f.name).str.contains(f"^(?:{f.pattern})$"))
        emit(out, bad, "pattern-error", f, detail=pattern_hint(f))
    bounds = []
    if f.minimum is not None:
        bounds.append((pl.col("_typed") < f.minimum, f"不能小于 {f.minimum:g}"))
    if f.exclusive_minimum is not None:
        bounds.append((pl.col("_typed") <= f.exclusive_minimum,
                       f"应大于 {f.exclusive_minimum:g}"))
    if f.maximum is not None:
        bounds.append((pl.col("_typed") > f.maximum, f"不能大于 {f.maximum:g}"))
    for condition, hint in bounds:
        emit(out, present.filter(condition), "range-error", f, detail=hint)


def pattern_hint(f: Field) -> str:
    """What the pattern asks for, in words taken from the field's own hint."""
    return f.description or f"应符合格式 {f.pattern}"


def _conditional(out: list[Finding], table: Table, tables: Tables) -> None:
    text, typed = tables.text[table.name], tables.typed[table.name]
    for f in table.fields:
        rule = f.extra.get("requiredIf")
        if rule:
            _required_if(out, table, f, rule, tables)
        unless = f.extra.get("requiredUnless")
        if unless:
            _required_if(out, table, f, {**unless, "unless": True}, tables)
        for key, op, words in (("after", "le", "应晚于"), ("notBefore", "lt", "不能早于")):
            other_name = f.extra.get(key)
            if not other_name:
                continue
            other = table.field(other_name)
            a, b = typed[f.name], typed[other_name]
            bad_mask = (a <= b) if op == "le" else (a < b)
            rows = text.with_columns(b.dt.to_string("%Y-%m-%d").alias("_other")).filter(
                bad_mask.fill_null(False))
            emit(out, rows, "date-order-error", f,
                 detail=lambda r, o=other, w=words: f"{w}「{o.title}」{r['_other']}，请核对两个日期")


def _required_if(out: list[Finding], table: Table, f: Field, rule: dict, tables: Tables) -> None:
    text = tables.text[table.name]
    other = table.field(rule["field"])
    col = pl.col(other.name)
    if rule.get("unless"):  # required unless the other field says otherwise (empty included)
        exempt = col.is_in(rule["in"]) if "in" in rule else col.str.contains(rule["matches"])
        cond = ~exempt.fill_null(False)
        allowed = "、".join(f"“{v}”" for v in rule["in"]) if "in" in rule else "以L开头"
        words = f"（除非「{other.title}」为{allowed}）"
    elif "in" in rule:
        cond = col.is_in(rule["in"])
        words = f"（「{other.title}」为“{{v}}”时必填）"
    elif "notIn" in rule:
        cond = col.is_not_null() & ~col.is_in(rule["notIn"])
        words = f"（「{other.title}」为“{{v}}”时必填）"
    elif rule.get("filled"):
        cond = col.is_not_null()
        words = f"（填了「{other.title}」时必填）"
    elif "notMatches" in rule:
        cond = col.is_not_null() & ~col.str.contains(rule["notMatches"])
        words = f"（「{other.title}」为“{{v}}”时必填）"
    else:
        return
    needed = text.filter(cond.fill_null(False) & pl.col(f.name).is_null())
    absent = set(tables.absent.get((table.name, f.name), []))
    if absent:
        lacking = needed.filter(sheet_key().is_in(list(absent)))
        for unit, file, sheet in lacking.select("_unit", "_file", "_sheet").unique(
                maintain_order=True).iter_rows():
            out.append(finding("missing-label", unit_code=unit, file=file, sheet=sheet,
                               row=tables.header_rows.get((file, sheet)), column=f.title,
                               severity=ERROR))
        needed = needed.filter(~sheet_key().is_in(list(absent)))
    emit(out, needed, "required-error", f,
         detail=lambda r: words.format(v=r[other.name] or ""))


def _ids(out: list[Finding], table: Table, text: pl.DataFrame, typed: pl.DataFrame) -> None:
    names = set(table.field_names)
    for f in table.fields:
        if not f.is_id_number:
            continue
        text = text.with_columns(idnumber.screen(pl.col(f.name)).alias("_ok"))  # once per field
        ok = pl.col("_ok")
        suspects = text.filter(pl.col(f.name).is_not_null() & ~ok)
        reasons = {v: idnumber.problem(v) for v in suspects[f.name].unique().to_list()}
        bad = suspects.filter(pl.col(f.name).is_in([k for k, v in reasons.items() if v]))
        for row in bad.iter_rows(named=True):
            out.append(_id_finding("ID-1", f, row, f"身份证号“{row[f.name]}”"
                                   + reasons[row[f.name]], row[f.name]))
        valid = pl.col(f.name).is_not_null() & (ok | pl.col(f.name).is_in(
            [k for k, v in reasons.items() if v is None]))
        if "birth_date" in names:
            bd = table.field("birth_date")
            rows = text.with_columns(typed["birth_date"].alias("_bd")).filter(
                valid & pl.col("_bd").is_not_null()
                & (pl.col("_bd") != idnumber.birth_date(pl.col(f.name))))
            for row in rows.iter_rows(named=True):
                out.append(_id_finding("ID-2", bd, row, (
                    f"出生日期“{row['birth_date']}”与身份证号中的出生日期"
                    f"“{row[f.name][6:10]}-{row[f.name][10:12]}-{row[f.name][12:14]}”不一致。"
                    "请对照户口簿核对，改正出生日期或身份证号"), row["birth_date"]))
        if "sex" in names:
            sx = table.field("sex")
            rows = text.filter(valid & pl.col("sex").is_in(["男", "女"])
                               & (pl.col("sex") != idnumber.sex(pl.col(f.name))))
            for row in rows.iter_rows(named=True):
                out.append(_id_finding("ID-2", sx, row, (
                    f"性别“{row['sex']}”与身份证号不一致（第17位单数为男、双数为女）。"
                    "请对照户口簿核对，改正性别或身份证号"), row["sex"]))


def _id_finding(rule: str, f: Field, row: dict, what: str, value: str) -> Finding:
    return Finding(
        rule=rule, severity=ERROR, unit_code=row["_unit"], file=row["_file"],
        sheet=row["_sheet"], row=row["_row"], column=f.title, value=value,
        message=f"「{row['_sheet']}」第{row['_row']}行「{f.title}」：{what}",
    )
