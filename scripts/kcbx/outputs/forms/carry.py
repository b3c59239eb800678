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

from ...config import PERIOD_RE, Config, work_year
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
    new_year: frozenset[str] = frozenset()  # units whose rows crossed the year boundary

    def of(self, unit: str, table: str) -> list[tuple[str | None, ...]]:
        return self.rows.get(unit, {}).get(table, [])

    def summary(self, unit: str, package: DataPackage) -> list[str]:
        """Lines for 填报说明: what this unit's form carries, and what it must add."""
        crossed = unit in self.new_year
        tables = NEW_YEAR_TABLES if crossed else MONTHLY
        parts = [f"{package.table(t).title} {len(self.of(unit, t))} 行" for t in tables
                 if self.of(unit, t)]
        lines = []
        if parts:
            where = "上一学年最后一次报送" if crossed else f" {self.period} 的报送"
            lines.append(f"已从{where}中带入：" + "、".join(parts) +
                         "。请核对、更新这些行，只增不删；新情况添在后面。")
        lines += self.notes.get(unit, [])
        if crossed:
            lines.append(not_carried_line(package))
        return lines


def previous_pull(config: Config) -> Snapshot | None:
    """The latest pull of the latest month before ``config.period`` (of this year or the
    last; a month pulled again later, after going back a year, does not come first)."""
    earlier = [s for s in list_snapshots(snapshots_dir(config)) if s.period < config.period]
    return max(earlier, key=lambda s: (s.period, s.name)) if earlier else None


def carried_rows(config: Config, package: DataPackage, district: District) -> Carried | None:
    """Each unit's rows of the previous pull as its next form carries them. A unit whose
    workbook in that pull reported a month of an earlier work year (the last pull of the
    old year, or a unit that has not sent the new year's form yet) crosses the boundary."""
    snap = previous_pull(config)
    if snap is None:
        return None
    tables = snap.tables({*MONTHLY, "cover"})
    old = _units_of_earlier_years(config, snap, tables)
    notes: dict[str, list[str]] = {}
    parts: list[dict[str, pl.DataFrame]] = []
    if old:
        crossed, notes = new_year(config, package, district, old,
                                  {n: f.filter(pl.col("_unit").is_in(old)) for n, f in tables.items()})
        parts.append(crossed)
    monthly = {name: tables[name].filter(~pl.col("_unit").is_in(old)) for name in MONTHLY}
    monthly["roster"] = reset_month(monthly["roster"])
    parts.append(monthly)
    rows: dict[str, dict[str, list[tuple[str | None, ...]]]] = {}
    for part_tables in parts:
        for name, frame in part_tables.items():
            names = package.table(name).field_names
            for unit, part in frame.filter(pl.col("_unit").is_not_null()).group_by(
                    "_unit", maintain_order=True):
                rows.setdefault(str(unit[0]), {})[name] = part.sort("_row").select(names).rows()
    return Carried(snap.period, rows, notes, frozenset(old))


def _units_of_earlier_years(config: Config, snap: Snapshot,
                            tables: dict[str, pl.DataFrame]) -> list[str]:
    """Units whose workbook in ``snap`` is of a work year before ``config.year`` (by its
    报送月份; a unit without a readable one, by the pull's own year)."""
    units = {u for f in tables.values() if "_unit" in f.columns
             for u in f["_unit"].drop_nulls().unique().to_list()}
    periods = {u: p for u, p in tables["cover"].select("_unit", "period").rows() if u and p}
    old = []
    for unit in sorted(units):
        period = periods.get(unit)
        year = work_year(period) if period and PERIOD_RE.match(period) else snap.year
        if year is not None and year < config.year:
            old.append(unit)
    return old


def reset_month(roster: pl.DataFrame) -> pl.DataFrame:
    """A new month's roster: 本月缺课天数 0, 在校状态 正常在校 (but 送教上门 and 休学)."""
    return roster.with_columns(
        pl.lit("0").alias("absent_days"),
        pl.when(pl.col("attendance").is_in(KEEPS)).then(pl.col("attendance"))
        .otherwise(pl.lit("正常在校")).alias("attendance"))
