"""Cell values → normalised text, column by column (conventions of ``tables.md``).

Every value is kept as text: trimmed, NFKC-normalised, enum spellings made canonical,
dates ISO when they can be read. Typing (and type errors) is validation's job, so the
snapshot tables hold exactly what the school wrote, cleaned but never guessed at.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import polars as pl

from ..schema import Field

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_TEXT = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$"
_MONTH_TEXT = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"


def nfkc(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def _number_text(value: float, field: Field) -> str:
    if field.is_id_number and abs(value) >= 1e11:
        # How a spreadsheet shows an ID it turned into a number: ID-1 reports it as such.
        return format(value, ".15G")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def cell_text(value: Any, field: Field) -> str | None:
    """One cell as text (``None`` when empty)."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        text = value.strip()
        return nfkc(text) if text else None
    if kind is bool:
        return field.true_values[0] if value else field.false_values[0]
    if kind is float or kind is int:
        if field.type == "date" and 1 <= value < 2958466:
            return (EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
        return _number_text(float(value), field) if kind is float else str(value)
    if kind is dt.datetime:
        return value.date().isoformat()
    if kind is dt.date:
        return value.isoformat()
    text = str(value).strip()
    return nfkc(text) if text else None


def column_text(values: list[Any], field: Field) -> pl.Series:
    """A column of raw cells as a normalised text Series."""
    out = [v if (type(v) is str and v and v.isascii() and v == v.strip()) else cell_text(v, field)
           for v in values]
    series = pl.Series(field.name, out, dtype=pl.String)
    return normalise_series(series, field)


def normalise_series(series: pl.Series, field: Field) -> pl.Series:
    """Column-wide normalisation that depends on the field (dates, months, enums, IDs)."""
    if field.type == "date":
        # most cells are ISO already (date cells); only the rest go through the text formats
        done = series.str.contains(r"^\d{4}-\d{2}-\d{2}$").fill_null(True)
        if not done.all():
            iso = series.str.replace(_DATE_TEXT, "$1-$2-$3").str.to_date("%Y-%m-%d", strict=False)
            series = pl.select(
                pl.when(done | iso.is_null()).then(series)
                .otherwise(iso.dt.to_string("%Y-%m-%d"))
            ).to_series().alias(field.name)
    elif field.pattern and field.pattern.startswith("^[0-9]{4}-(0[1-9]"):
        series = _month(series)
    if field.is_id_number:
        series = series.str.to_uppercase()
    if field.enum:
        canon = {unicodedata.normalize("NFKC", c): c for c in field.enum}
        canon = {k: v for k, v in canon.items() if k != v}
        if canon:
            series = series.replace(canon)
    return series


def _month(series: pl.Series) -> pl.Series:
    """报送月份: a date cell (2022-10-01) or 2022/10, 2022年10月 → 2022-10."""
    full_date = series.str.replace(_DATE_TEXT, "$1-$2-$3").str.to_date("%Y-%m-%d", strict=False)
    month = (series.str.replace(_MONTH_TEXT, "$1-$2-1")
             .str.to_date("%Y-%m-%d", strict=False))
    best = pl.coalesce(pl.Series(values=full_date), pl.Series(values=month))
    return pl.select(
        pl.when(best.is_not_null()).then(best.dt.to_string("%Y-%m")).otherwise(series)
    ).to_series().alias(series.name)
