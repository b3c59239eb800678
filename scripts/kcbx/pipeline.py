"""The main job: pull → validate → (outputs, as later stages arrive), for one workspace."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .findings import Report
from .schema import DataPackage, load_package
from .tables import Snapshot, latest_snapshot, pull
from .tables.snapshot import Progress, is_current, snapshots_dir
from .validation import validate_snapshot


def current_snapshot(config: Config, package: DataPackage | None = None,
                     progress: Progress | None = None) -> tuple[Snapshot, bool]:
    """The snapshot of the sources as they are now; pulls only when they changed.

    Returns the snapshot and whether a new pull was made.
    """
    package = package or load_package()
    existing = is_current(config, package)
    if existing is not None:
        return existing, False
    before = latest_snapshot(snapshots_dir(config))
    snap = pull(config, package, progress)
    return snap, before is None or snap.path != before.path


def validate(config: Config, progress: Progress | None = None) -> Report:
    package = load_package()
    snapshot, _ = current_snapshot(config, package, progress)
    return validate_snapshot(package, snapshot)


@dataclass
class BuildResult:
    snapshot: Snapshot
    pulled: bool
    report: Report
    outputs: dict[str, Path] = field(default_factory=dict)


def build(config: Config, progress: Progress | None = None) -> BuildResult:
    """Run every stage that exists, writing private outputs under ``outputs``."""
    package = load_package()
    if progress:
        progress("拉取报表", 0, 1)
    snapshot, pulled = current_snapshot(config, package, progress)
    if progress:
        progress("校验", 0, 1)
    report = validate_snapshot(package, snapshot)
    folder = config.outputs_path / "validation"
    path = write_json_atomic(folder / f"{config.period}_校验结果.json", report.to_dict())
    if progress:
        progress("校验", 1, 1)
    return BuildResult(snapshot, pulled, report, {"校验结果": path})


def write_json_atomic(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
