"""The report of a snapshot kept for the next run: ``kcbx build`` with nothing changed
reuses it instead of validating the same tables again.

The key covers what a report depends on: the snapshot (its name is unique per pull), the
previous pull REP-4 compares with, the workspace's settings and the day rules count to,
kcbx and its validation code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import __version__
from ..atomic import write_json
from ..config import Config
from ..findings import Finding, Report

FILE = ".report-cache.json"


def report_key(config: Config, snapshot: str, previous: str | None) -> str:
    h = hashlib.sha256(f"kcbx {__version__}\n{snapshot}\n{previous or '-'}\n"
                       f"{config.effective_pulled_on}\n".encode())  # today, when pulled_on is unset
    h.update(json.dumps(config.model_dump(mode="json", exclude={"root"}), sort_keys=True).encode())
    here = Path(__file__).parent
    for code in sorted(here.rglob("*.py")):
        h.update(code.read_bytes())
    return h.hexdigest()


def load_report(folder: Path, key: str) -> Report | None:
    """The report kept under ``key``, if any (a damaged or foreign file is ignored)."""
    try:
        data = json.loads((folder / FILE).read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        r = data["report"]
        return Report(findings=[Finding(**f) for f in r["findings"]], units=r["units"],
                      unit_names=r["unit_names"], snapshot=r["snapshot"],
                      focus={(a, b, c) for a, b, c in r["focus"]})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_report(folder: Path, key: str, report: Report) -> None:
    write_json(folder / FILE, {"key": key, "report": {
        "findings": [f.to_dict() for f in report.findings], "units": report.units,
        "unit_names": report.unit_names, "snapshot": report.snapshot,
        "focus": sorted(report.focus, key=repr)}}, indent=None)
