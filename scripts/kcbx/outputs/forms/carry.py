"""What a school keeps up, carried into its next form (rules.md, "The school year boundary").

A school updates its tables, it never types them again. From the latest pull of an earlier
month, each unit's form is prefilled:

- month to month inside a work year: every table it keeps up — 摸底表 and 在校学生名册 as last
  reported (本月缺课天数 and 在校状态 reset for the new month), and every ledger's rows of
  the year (台账, 缺课登记, 学籍变动, 关爱帮扶, 送教上门学生, 送教记录, 个别化教学计划,
  送教教师);
- at the year boundary (the pull is of the year before): what the new year goes on with,
  grades advanced and graduates left out (:mod:`.boundary`), and a note in 填报说明 naming
  who was not carried and who is to be added (the new cohort, the 衔接 of 送教 children).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ...config import Config
from ...district import District
from ...schema import DataPackage
from ...tables import Snapshot, list_snapshots
from ...tables.snapshot import snapshots_dir
from .boundary import NEW_YEAR_TABLES, new_year, not_carried_line

MONTHLY = ("census", "roster", "dropouts", "absences", "changes", "care", "home_students",
           "visits", "iep", "teachers")
KEEPS = ("送教上门", "休学")  # 在校状态 that last beyond one month


@dataclass(frozen=True)
class Carried:
    period: str  # the month the rows were reported for
    rows: dict[str, dict[str, list[tuple[str | None, ...]]]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)  # per unit, for 填报说明
    new_year: bool = False  # carried across the year boundary

    def of(self, unit: str, table: str) -> list[tuple[str | None, ...]]:
        return self.rows.get(unit, {}).get(table, [])

    def summary(self, unit: str, package: DataPackage) -> list[str]:
        """Lines for 填报说明: what this unit's form carries, and what it must add."""
        tables = NEW_YEAR_TABLES if self.new_year else MONTHLY
        parts = [f"{package.table(t).title} {len(self.of(unit, t))} 行" for t in tables
                 if self.of(unit, t)]
        lines = []
        if parts:
            where = f"上一学年最后一次报送（{self.period}）" if self.new_year else f" {self.period} 的报送"
            lines.append(f"已从{where}中带入：" + "、".join(parts) +
                         "。请核对、更新这些行，只增不删；新情况添在后面。")
        lines += self.notes.get(unit, [])
        if self.new_year:
            lines.append(not_carried_line(package))
        return lines


def previous_pull(config: Config) -> Snapshot | None:
    """The latest pull of a month before ``config.period`` (of this year or the last)."""
    earlier = [s for s in list_snapshots(snapshots_dir(config)) if s.period < config.period]
    return earlier[-1] if earlier else None


def carried_rows(config: Config, package: DataPackage, district: District) -> Carried | None:
    snap = previous_pull(config)
    if snap is None:
        return None
    boundary = snap.year is not None and snap.year < config.year
    tables = snap.tables(set(NEW_YEAR_TABLES if boundary else MONTHLY))
    notes: dict[str, list[str]] = {}
    if boundary:
        tables, notes = new_year(config, package, district, tables)
    else:
        tables = {name: tables[name] for name in MONTHLY}
        tables["roster"] = reset_month(tables["roster"])
    rows: dict[str, dict[str, list[tuple[str | None, ...]]]] = {}
    for name, frame in tables.items():
        names = package.table(name).field_names
        for unit, part in frame.filter(pl.col("_unit").is_not_null()).group_by(
                "_unit", maintain_order=True):
            rows.setdefault(str(unit[0]), {})[name] = part.sort("_row").select(names).rows()
    return Carried(snap.period, rows, notes, boundary)


def reset_month(roster: pl.DataFrame) -> pl.DataFrame:
    """A new month's roster: 本月缺课天数 0, 在校状态 正常在校 (but 送教上门 and 休学)."""
    return roster.with_columns(
        pl.lit("0").alias("absent_days"),
        pl.when(pl.col("attendance").is_in(KEEPS)).then(pl.col("attendance"))
        .otherwise(pl.lit("正常在校")).alias("attendance"))
