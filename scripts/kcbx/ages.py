"""Age on a reference date (当年8月31日前年满6周岁), as one polars expression shared by the
rules (AGE-*, HOME-7) and the new year's forms (who is still of compulsory-school age)."""

from __future__ import annotations

import datetime as dt

import polars as pl


def age_on(ref: dt.date, born: pl.Expr | None = None) -> pl.Expr:
    """Whole years of age on ``ref`` of the date column ``born`` (default ``birth_date``);
    null where the date is."""
    born = pl.col("birth_date") if born is None else born
    had_birthday = (born.dt.month() < ref.month) | (
        (born.dt.month() == ref.month) & (born.dt.day() <= ref.day))
    return ref.year - born.dt.year().cast(pl.Int32) - pl.when(had_birthday).then(0).otherwise(1)
