"""Feedback where the school works: an annotated copy of each unit's own workbook.

:func:`write_feedback` writes ``<outputs>/feedback/<period>/<单位代码>_校验反馈.xlsx`` for
every unit of a snapshot: the unit's raw workbook (as pulled) with each finding's cell
filled (red 错误, yellow 提醒) and commented, and a first sheet 校验结果 listing them all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...config import Config
from ...findings import Finding, Report
from ...names import safe_name
from ...tables import Snapshot
from ...tables.intake import FileRecord
from . import batch
from .batch import FeedbackError
from .xlsx import RESULTS, Annotated

FEEDBACK_DIR = "feedback"
SUFFIX = "_校验反馈.xlsx"
Progress = Callable[[str, int, int], None]

__all__ = ["FEEDBACK_DIR", "RESULTS", "Annotated", "FeedbackError", "feedback_dir",
           "feedback_path", "write_feedback", "write_unit_feedback"]


def feedback_dir(config: Config) -> Path:
    return config.outputs_path / FEEDBACK_DIR / config.period


def feedback_path(config: Config, unit: str) -> Path:
    return feedback_dir(config) / f"{safe_name(unit)}{SUFFIX}"


def write_feedback(config: Config, snapshot: Snapshot, report: Report,
                   progress: Progress | None = None) -> list[Path]:
    """One annotated copy per unit of ``snapshot`` (and per unit with findings but no file).

    Only copies whose inputs changed are made again (``batch``); earlier copies in the
    period's folder for units not in this run are removed, so the folder always matches
    the latest validation.
    """
    records = _unit_records(snapshot.files())
    by_unit: dict[str, list[Finding]] = {}
    for f in report.sorted():
        if f.unit_code:
            by_unit.setdefault(f.unit_code, []).append(f)
    order = {code: i for i, code in enumerate(report.units)}
    units = sorted(set(records) | set(by_unit), key=lambda u: (order.get(u, len(order)), u))
    tasks = [unit_task(config, snapshot, unit, by_unit.get(unit, []), records.get(unit),
                       report.unit_names.get(unit)) for unit in units]
    return batch.run(tasks, feedback_dir(config), f"*{SUFFIX}", progress).paths


def unit_task(config: Config, snapshot: Snapshot, unit: str, findings: list[Finding],
              record: FileRecord | None, name: str | None = None) -> batch.Task:
    source = snapshot.path / "raw" / record.source if record and record.readable else None
    title = f"{name or unit}（{unit}）{config.period} 报表校验结果"
    return batch.Task(unit, source, feedback_path(config, unit), tuple(findings), record, title,
                      config.limits, config.site_url)


def write_unit_feedback(config: Config, snapshot: Snapshot, unit: str, findings: list[Finding],
                        record: FileRecord | None, name: str | None = None) -> Annotated:
    """The annotated copy of one unit's workbook (``record`` None: 校验结果 only)."""
    return batch.make(unit_task(config, snapshot, unit, findings, record, name))


def _unit_records(files: list[FileRecord]) -> dict[str, FileRecord]:
    """Each unit's workbook: the one that was read (a duplicate is listed, not copied)."""
    records: dict[str, FileRecord] = {}
    for r in files:
        if r.unit_code and (r.unit_code not in records or
                            (r.readable and not records[r.unit_code].readable)):
            records[r.unit_code] = r
    return records
