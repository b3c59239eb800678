"""Validation: schema checks and policy rules on a snapshot → one Report."""

from __future__ import annotations

import polars as pl

from ..config import PERIOD_RE, Config, work_year
from ..findings import Report, finding
from ..schema import DataPackage
from ..tables import Snapshot
from ..tables.intake import FileRecord
from .rules import RuleContext, focus_rows, run_rules
from .schema_checks import check_schema
from .tableset import Tables

__all__ = ["Tables", "check_schema", "of_the_year", "submitted_units", "validate_snapshot",
           "validate_tables"]


def submitted_units(tables: Tables, files: list[FileRecord], period: str) -> set[str]:
    """Units that sent a workbook for ``period`` (one for another month counts as 未报)."""
    sent = {f.unit_code for f in files if f.unit_code}
    cover = tables.text["cover"]
    other_month = cover.filter(pl.col("period").is_not_null() & (pl.col("period") != period))
    this_month = cover.filter(pl.col("period") == period)
    return (sent - set(other_month["_unit"].to_list())) | set(this_month["_unit"].to_list())


def of_the_year(config: Config, tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The tables without the rows of units whose workbook reports a month of another work
    year (a form of last year still in the folder after ``kcbx year``): no rule judges them
    with this year's calendar. Their 报送信息 stays, so that they count as 未报 (REP-3)."""
    cover = tables["cover"]
    stale = [u for u, p in cover.select("_unit", "period").rows()
             if u and p and PERIOD_RE.match(p) and work_year(p) != config.year]
    if not stale:
        return tables
    keep = pl.col("_unit").is_null() | ~pl.col("_unit").is_in(stale)  # reference rows have none
    return {name: frame if name == "cover" or "_unit" not in frame.columns
            else frame.filter(keep) for name, frame in tables.items()}


def validate_tables(config: Config, package: DataPackage, tables: Tables, files: list[FileRecord],
                    previous: Tables | None = None, snapshot: str | None = None,
                    intake_findings: list | None = None, last_year: Tables | None = None) -> Report:
    """``previous``: the pull before (REP-4); ``last_year``: the last pull of the work year
    before (HOME-7)."""
    ctx = RuleContext(config=config, package=package, tables=tables, previous=previous,
                      submitted=submitted_units(tables, files, config.period), last_year=last_year)
    findings = [*(intake_findings or []), *check_schema(tables), *run_rules(ctx)]
    if not config.period_teaches:
        findings.append(finding("no-teaching", value=config.period))
    units = tables.text["units"]
    codes = units["code"].to_list()
    names = dict(zip(codes, units["name"].to_list(), strict=True))
    return Report(
        findings=findings,
        units=[c for c in codes if c],
        unit_names={c: n for c, n in names.items() if c and n},
        snapshot=snapshot,
        focus=focus_rows(ctx),
    )


def validate_snapshot(config: Config, package: DataPackage, snapshot: Snapshot,
                      previous: Tables | None = None, tables: Tables | None = None,
                      last_year: Tables | None = None) -> Report:
    """Every finding for a snapshot: what intake found, the schema checks, the rules.

    ``tables``: the snapshot's tables when the caller has built them already.
    """
    files = snapshot.files()
    tables = tables or Tables.build(package, of_the_year(config, snapshot.tables()), files)
    return validate_tables(config, package, tables, files, previous, snapshot.name,
                           snapshot.intake_findings(), last_year)
