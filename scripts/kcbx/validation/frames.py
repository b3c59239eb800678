"""Typed views of the snapshot's text tables, and turning masked rows into findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import polars as pl

from ..findings import Finding, finding
from ..schema import Field, Table

LOCATION = ("_unit", "_file", "_sheet", "_row")


def typed_expr(field: Field) -> pl.Expr:
    """The field's typed value; null where the text does not parse (a type error)."""
    col = pl.col(field.name)
    if field.type == "date":
        return col.str.to_date("%Y-%m-%d", strict=False)
    if field.type == "integer":
        return col.str.to_integer(strict=False)
    if field.type == "number":
        return col.cast(pl.Float64, strict=False)
    if field.type == "boolean":
        return (pl.when(col.is_in(list(field.true_values))).then(True)
                .when(col.is_in(list(field.false_values))).then(False)
                .otherwise(None))
    return col


def typed_frame(table: Table, text: pl.DataFrame) -> pl.DataFrame:
    return text.select(*LOCATION, *(typed_expr(f).alias(f.name) for f in table.fields))


def emit(
    out: list[Finding],
    rows: pl.DataFrame,
    kind: str,
    field: Field | None,
    *,
    value: str | None = None,
    column: str | None = None,
    detail: str | Callable[[dict[str, Any]], str] = "",
    rule: str | None = None,
    severity: str | None = None,
) -> None:
    """One finding per row of ``rows`` (which carries the location columns)."""
    value_col = value or (field.name if field else None)
    for row in rows.iter_rows(named=True):
        text = detail(row) if callable(detail) else detail
        f = finding(
            kind,
            unit_code=row["_unit"],
            file=row["_file"],
            sheet=row["_sheet"],
            row=row["_row"],
            column=column or (field.title if field else None),
            value=row.get(value_col) if value_col else None,
            detail=text,
            severity=severity,
        )
        if rule:
            f = Finding(**{**f.to_dict(), "rule": rule})
        out.append(f)


def sheet_key() -> pl.Expr:
    return pl.concat_str(pl.col("_file"), pl.lit("\x00"), pl.col("_sheet"), ignore_nulls=True)


def not_in_sheets(keys: Iterable[str]) -> pl.Expr:
    keys = list(keys)
    return ~sheet_key().is_in(keys) if keys else pl.lit(True)
