"""The month rollover: each unit's cumulative rows carried into the new month's form.

Schools should not type their ledgers again every month. From the latest pull of an
earlier month, a unit's form for the new period is prefilled with its open 台账 cases
(劝返状态 empty or 劝返中), its 送教上门学生 and 送教教师, the 个别化教学计划 of the term the
new month lies in, and this year's 学籍变动; the 填报说明 says what was carried.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ...config import Config
from ...schema import DataPackage
from ...tables import Snapshot, list_snapshots
from ...tables.snapshot import snapshots_dir

CARRIED = ("dropouts", "home_students", "teachers", "iep", "changes")
OPEN = "劝返中"


@dataclass(frozen=True)
class Carried:
    period: str  # the month the rows were reported for
    rows: dict[str, dict[str, list[tuple[str | None, ...]]]] = field(default_factory=dict)

    def of(self, unit: str, table: str) -> list[tuple[str | None, ...]]:
        return self.rows.get(unit, {}).get(table, [])

    def summary(self, unit: str, package: DataPackage) -> str | None:
        """One line for 填报说明: what this unit's form carries."""
        parts = [f"{package.table(t).title} {len(self.of(unit, t))} 行" for t in CARRIED
                 if self.of(unit, t)]
        if not parts:
            return None
        return (f"已从 {self.period} 的报送中带入：" + "、".join(parts) +
                "。请核对、更新这些行（如劝返进展、复学日期），只增不删；新情况添在后面。")


def previous_pull(config: Config) -> Snapshot | None:
    """The latest pull of a month before ``config.period``."""
    earlier = [s for s in list_snapshots(snapshots_dir(config))
               if s.manifest.get("period", "") < config.period]
    return earlier[-1] if earlier else None


def carried_rows(config: Config, package: DataPackage) -> Carried | None:
    snap = previous_pull(config)
    if snap is None:
        return None
    tables = snap.tables(set(CARRIED))
    terms = {t.name for t in config.terms
             if t.start <= config.period_end and t.end >= config.period_start}
    keep = {
        "dropouts": pl.col("result").is_null() | (pl.col("result") == OPEN),
        "iep": pl.col("semester").is_in(sorted(terms)),
        "changes": pl.col("on").str.slice(0, 4) == str(config.year),
    }
    rows: dict[str, dict[str, list[tuple[str | None, ...]]]] = {}
    for name in CARRIED:
        frame = tables[name]
        if name in keep:
            frame = frame.filter(keep[name])
        names = package.table(name).field_names
        for unit, part in frame.filter(pl.col("_unit").is_not_null()).group_by(
                "_unit", maintain_order=True):
            rows.setdefault(str(unit[0]), {})[name] = part.sort("_row").select(names).rows()
    return Carried(snap.manifest.get("period", ""), rows)
