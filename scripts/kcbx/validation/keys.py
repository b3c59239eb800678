"""Keys across rows and tables: unique, primary key, foreign keys, unit references.

Unlike stock frictionless, every copy of a duplicate is reported (the school must see
both rows to choose which to keep), each naming where the other copies are.
"""

from __future__ import annotations

import polars as pl

from ..findings import Finding
from ..schema import Table
from . import idnumber
from .frames import LOCATION, emit
from .tableset import Tables

MAX_OTHERS = 3


def check_keys(out: list[Finding], tables: Tables) -> None:
    for table in tables.package.tables:
        text = tables.text[table.name]
        if text.height == 0:
            continue
        for f in table.fields:
            if f.unique:
                # an ID a spreadsheet turned into a number is ID-1 alone, never a duplicate
                rows = text.filter(~idnumber.as_number(pl.col(f.name))) if f.is_id_number else text
                _duplicates(out, table, rows, [f.name], "unique-error")
            if f.extra.get("uniqueInUnit"):
                _duplicates(out, table, text, [f.name], "unique-error", scope=["_unit"])
        if table.primary_key:
            _duplicates(out, table, text, list(table.primary_key), "primary-key-error")
        for fk in table.foreign_keys:
            target = tables.text[fk.resource]
            _missing_refs(out, table, text, list(fk.fields), target, list(fk.reference_fields),
                          f"「{tables.package.table(fk.resource).title}」")
        for f in table.fields:
            if "unitRef" in f.extra:
                _unit_ref(out, table, text, f.name, f.extra["unitRef"], tables)
            if "sameUnitRef" in f.extra:
                _same_unit_ref(out, table, text, f.name, f.extra["sameUnitRef"], tables)


def _where(row: dict) -> str:
    return f"{row['_file']}「{row['_sheet']}」第{row['_row']}行"


def _duplicates(out: list[Finding], table: Table, text: pl.DataFrame, names: list[str],
                kind: str, scope: list[str] | None = None) -> None:
    """Rows sharing a key (within ``scope`` columns, e.g. the unit): every copy reported."""
    keyed = text.filter(pl.all_horizontal(pl.col(n).is_not_null() for n in names))
    if len(names) == 1:
        keyed = keyed.with_columns(pl.col(names[0]).alias("_key"))
    else:
        keyed = keyed.with_columns(pl.concat_str([pl.col(n) for n in names], separator="/")
                                   .alias("_key"))
    key = pl.struct("_key", *scope).is_duplicated() if scope else pl.col("_key").is_duplicated()
    dups = keyed.filter(key)
    if dups.height == 0:
        return
    places: dict[tuple, list[dict]] = {}
    group = ["_key", *(scope or [])]
    for row in dups.select(*LOCATION, "_key").iter_rows(named=True):
        places.setdefault(tuple(row[g] for g in group), []).append(row)

    def others(row: dict) -> str:
        rest = [r for r in places[tuple(row[g] for g in group)]
                if (r["_file"], r["_sheet"], r["_row"]) != (row["_file"], row["_sheet"], row["_row"])]
        text_ = "、".join(_where(r) for r in rest[:MAX_OTHERS])
        more = f" 等{len(rest)}处" if len(rest) > MAX_OTHERS else ""
        return f"另见 {text_}{more}"

    fields = [table.field(n) for n in names]
    column = fields[0].title if len(fields) == 1 else "、".join(f"「{f.title}」" for f in fields)
    emit(out, dups, kind, fields[0] if len(fields) == 1 else None, value="_key",
         column=column if len(fields) > 1 else None, detail=others)


def _missing_refs(out: list[Finding], table: Table, text: pl.DataFrame, names: list[str],
                  target: pl.DataFrame, target_names: list[str], where: str) -> None:
    keyed = text.filter(pl.all_horizontal(pl.col(n).is_not_null() for n in names))
    if keyed.height == 0:
        return
    ref = target.select([pl.col(t).alias(n) for n, t in zip(names, target_names, strict=True)]) \
        .drop_nulls().unique()
    missing = keyed.join(ref, on=names, how="anti", nulls_equal=False, maintain_order="left")
    if missing.height == 0:
        return
    last = table.field(names[-1])
    missing = missing.with_columns(pl.concat_str([pl.col(n) for n in names], separator="/")
                                   .alias("_key"))
    detail = where if len(names) == 1 else (
        where + "（" + "、".join(table.field(n).title for n in names) + "的组合）")
    emit(out, missing, "foreign-key-error", last, value="_key", detail=detail)


def _unit_ref(out: list[Finding], table: Table, text: pl.DataFrame, name: str, rule: dict,
              tables: Tables) -> None:
    units = tables.text["units"]
    known = set(units["code"].drop_nulls().to_list()) | set(units["name"].drop_nulls().to_list())
    cond = pl.col(rule["field"]).is_in(rule["in"]) if "in" in rule else pl.lit(True)
    bad = text.filter(cond.fill_null(False) & pl.col(name).is_not_null()
                      & ~pl.col(name).is_in(list(known)))
    emit(out, bad, "foreign-key-error", table.field(name),
         detail="「单位名录」（应填区内学校的单位名称或单位代码）")


def _same_unit_ref(out: list[Finding], table: Table, text: pl.DataFrame, name: str, rule: dict,
                   tables: Tables) -> None:
    target_table = tables.package.table(rule["resource"])
    target = tables.text[rule["resource"]]
    words = f"本单位「{target_table.title}」"
    where = rule.get("where")
    if where:
        col = pl.col(where["field"])
        if "notIn" in where:
            target = target.filter(col.is_not_null() & ~col.is_in(where["notIn"]))
            cond_title = target_table.field(where["field"]).title
            words += f"中「{cond_title}」不是“{'、'.join(where['notIn'])}”的记录"
        elif "in" in where:
            target = target.filter(col.is_in(where["in"]))
    ref = target.select(pl.col("_unit"), pl.col(rule["field"]).alias(name)).drop_nulls().unique()
    keyed = text.filter(pl.col(name).is_not_null())
    missing = keyed.join(ref, on=["_unit", name], how="anti", maintain_order="left")
    emit(out, missing, "foreign-key-error", table.field(name), detail=words)
