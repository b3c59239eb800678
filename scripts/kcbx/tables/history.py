"""History of pulls: the snapshots a workspace keeps, and what changed between two of them.

Rows are matched between pulls by each table's ``rowKey`` (the data package) within a unit;
a matched row whose other values differ is "changed".
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..schema import DataPackage
from .snapshot import Snapshot


@dataclass(frozen=True)
class TableChange:
    unit_code: str
    table: str
    added: int
    removed: int
    changed: int


def _keyed(frame: pl.DataFrame, key: list[str], values: list[str]) -> pl.DataFrame:
    return frame.select(
        pl.col("_unit").fill_null(""),
        pl.concat_str([pl.col(k).fill_null("") for k in key], separator="\x1f").alias("_key"),
        pl.concat_str([pl.col(v).fill_null("") for v in values], separator="\x1f").alias("_all"),
    )


def diff(package: DataPackage, old: Snapshot, new: Snapshot) -> list[TableChange]:
    """Rows added, removed and changed per unit and table from ``old`` to ``new``."""
    out: list[TableChange] = []
    old_tables, new_tables = old.tables(), new.tables()
    for table in package.tables:
        key = list(table.row_key) or table.field_names
        a = _keyed(old_tables[table.name], key, table.field_names)
        b = _keyed(new_tables[table.name], key, table.field_names)
        # duplicates of a key are matched in order: number them
        a = a.with_columns(pl.int_range(pl.len()).over("_unit", "_key").alias("_n"))
        b = b.with_columns(pl.int_range(pl.len()).over("_unit", "_key").alias("_n"))
        on = ["_unit", "_key", "_n"]
        both = a.join(b, on=on, how="inner", suffix="_new")
        stats = pl.concat([
            b.join(a, on=on, how="anti").group_by("_unit").agg(pl.len().alias("added")),
            a.join(b, on=on, how="anti").group_by("_unit").agg(pl.len().alias("removed")),
            both.filter(pl.col("_all") != pl.col("_all_new")).group_by("_unit")
            .agg(pl.len().alias("changed")),
        ], how="diagonal").group_by("_unit").agg(
            pl.col("added").sum(), pl.col("removed").sum(), pl.col("changed").sum())
        for row in stats.sort("_unit").iter_rows(named=True):
            if row["added"] or row["removed"] or row["changed"]:
                out.append(TableChange(row["_unit"], table.name, row["added"], row["removed"],
                                       row["changed"]))
    return out
