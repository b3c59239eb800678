"""Dated snapshots of pulls: raw files copied, normalised tables, a Frictionless package.

A snapshot is written into a hidden temporary folder and renamed into place in one step,
so a failed pull leaves every earlier snapshot exactly as it was. Pulling the same files
again returns the existing snapshot (idempotent). With ``sources.google`` set, each unit's
Google spreadsheet is read too (its raw JSON kept under ``raw/google/``, its values in the
digest), beside the xlsx folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from .. import __version__
from ..atomic import building
from ..config import Config
from ..errors import PullError
from ..findings import Finding, finding
from ..schema import DataPackage
from ..sources import list_workbooks
from ..sources.contain import ReadJob, read_workbooks
from ..sources.guard import DEFAULT_LIMITS, MB
from .intake import PROVENANCE, FileRecord, Intake, intake

if TYPE_CHECKING:
    from ..sources.google import GooglePull

SNAPSHOTS = "snapshots"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Snapshot:
    """A pull kept on disk. ``tables()`` reads its normalised tables back."""

    path: Path

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.path / "manifest.json").read_text(encoding="utf-8"))

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def digest(self) -> str:
        return self.manifest["digest"]

    def table(self, name: str) -> pl.DataFrame:
        file = self.path / "tables" / f"{name}.csv"
        frame = pl.read_csv(file, infer_schema=False, encoding="utf8")
        # the file and sheet repeat on every row: categorical keeps a million rows small
        return frame.with_columns(pl.col("_row").cast(pl.Int64),
                                  pl.col("_file", "_sheet").cast(pl.Categorical))

    def tables(self, names: set[str] | None = None) -> dict[str, pl.DataFrame]:
        """The normalised tables (only ``names`` read from disk; the others empty)."""
        from ..schema import load_package
        from .intake import empty_frame

        package = load_package()
        return {name: self.table(name) if names is None or name in names
                else empty_frame(package.table(name)) for name in self.manifest["tables"]}

    def intake_findings(self) -> list[Finding]:
        data = json.loads((self.path / "intake.json").read_text(encoding="utf-8"))
        return [Finding(**f) for f in data["findings"]]

    def files(self) -> list[FileRecord]:
        data = json.loads((self.path / "intake.json").read_text(encoding="utf-8"))
        return [FileRecord(**f) for f in data["files"]]


def snapshots_dir(config: Config) -> Path:
    return config.outputs_path / SNAPSHOTS


def list_snapshots(folder: Path) -> list[Snapshot]:
    """Complete snapshots in ``folder``, oldest first (names sort by time)."""
    if not folder.is_dir():
        return []
    return [Snapshot(p) for p in sorted(folder.iterdir())
            if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").is_file()]


def latest_snapshot(folder: Path) -> Snapshot | None:
    snaps = list_snapshots(folder)
    return snaps[-1] if snaps else None


def source_files(config: Config) -> tuple[Path, list[Path], list[Path]]:
    """The reference workbook, the submitted workbooks, and other files passed over."""
    books, others = list_workbooks(config.submissions_path)
    return config.reference_path, books, others


def sources_digest(package: DataPackage, reference: Path, books: list[Path], root: Path,
                   limit: int = DEFAULT_LIMITS.file_mb * MB) -> str:
    """One hash over every source file's bytes and the schemas: what makes a pull new.

    A file over ``limit`` bytes is refused unread: its size and time stand for its bytes.
    """
    h = hashlib.sha256(f"kcbx {__version__}\n".encode())
    h.update(json.dumps(package.descriptor, sort_keys=True).encode())
    for table in package.tables:
        h.update(repr(table.fields).encode())
    for path in (reference, *books):
        h.update(_relative(path, root).encode() + b"\0")
        h.update(_file_hash(path, limit).encode() if path.is_file() else b"-")
    return h.hexdigest()


def is_current(config: Config, package: DataPackage) -> Snapshot | None:
    """The latest snapshot, if the sources have not changed since it was taken.

    Google spreadsheets can only be compared by reading them: then ``None``, and
    :func:`pull` reads them once and returns the latest snapshot if nothing changed.
    """
    latest = latest_snapshot(snapshots_dir(config))
    if latest is None or config.sources.google is not None:
        return None
    reference, books, _ = source_files(config)
    digest = sources_digest(package, reference, books, config.root, config.limits.file_mb * MB)
    return latest if latest.digest == digest else None


def pull(config: Config, package: DataPackage, progress: Progress | None = None) -> Snapshot:
    """Read the configured sources into a new snapshot (or return the unchanged latest one)."""
    reference, books, others = source_files(config)
    if not reference.is_file():
        raise PullError(f"找不到基础数据工作簿 {reference}（配置项 sources.reference）。"
                        "没有单位名录就无法核对各单位报表")
    if not config.submissions_path.is_dir() and config.sources.google is None:
        raise PullError(f"找不到报表文件夹 {config.submissions_path}（配置项 sources.submissions）")
    google = _pull_google(config, package, progress)
    digest = sources_digest(package, reference, books, config.root, config.limits.file_mb * MB)
    if google is not None:
        digest = hashlib.sha256(f"{digest}\ngoogle {google.digest()}".encode()).hexdigest()
    folder = snapshots_dir(config)
    latest = latest_snapshot(folder)
    if latest is not None and latest.digest == digest:
        return latest

    result = read_sources(config, package, progress, google=google)
    return _write(config, package, result, digest, [reference, *books, *others], folder, google)


def _pull_google(config: Config, package: DataPackage, progress: Progress | None) -> GooglePull | None:
    if config.sources.google is None:
        return None
    from ..sources.google import pull_google

    return pull_google(config, package, progress)


def read_sources(config: Config, package: DataPackage, progress: Progress | None = None,
                 only: set[str] | None = None, google: GooglePull | None = None) -> Intake:
    """Read the configured workbooks into tables, in memory (no snapshot written).

    ``only``: the tables needed (their sheets alone are read; 报送信息 always, for the unit).
    """
    reference, books, others = source_files(config)
    keep = None if only is None else _SheetsOf(package, frozenset({*only, "cover"}))
    jobs = [ReadJob(reference, _relative(reference, config.root)),
            *(ReadJob(path, _relative(path, config.root), keep) for path in books)]

    def read_progress(done: int, total: int) -> None:
        if progress:
            progress("读取报表", done, total)

    ref_book, *raw_books = read_workbooks(jobs, config.limits, read_progress)
    google = google or _pull_google(config, package, progress)
    if google is not None:  # each unit's Google spreadsheet, beside the xlsx folder
        raw_books.extend(google.books)
    result = intake(package, ref_book, raw_books)
    if google is not None:
        result.findings.extend(google.findings)
    for path in others:
        result.findings.append(finding("ignored-file", file=_relative(path, config.root),
                                       detail=path.name))
    return result


@dataclass(frozen=True)
class _SheetsOf:
    """Which sheets to read: those of ``tables`` (picklable, for the reading workers)."""

    package: DataPackage
    tables: frozenset[str]

    def __call__(self, title: str) -> bool:
        table = self.package.table_for_sheet(title)
        return table is not None and table.name in self.tables


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _file_hash(path: Path, limit: int) -> str:
    stat = path.stat()
    if stat.st_size > limit:
        return f"size {stat.st_size} time {stat.st_mtime_ns}"
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write(
    config: Config,
    package: DataPackage,
    result: Intake,
    digest: str,
    files: list[Path],
    folder: Path,
    google: GooglePull | None = None,
) -> Snapshot:
    try:
        with building(folder, ".pull-") as tmp:
            return _fill(config, package, result, digest, files, folder, tmp, google)
    except OSError as exc:
        raise PullError(f"无法写入输出文件夹 {folder}（{exc.strerror or exc}）") from None


def _fill(config: Config, package: DataPackage, result: Intake, digest: str, files: list[Path],
          folder: Path, tmp: Path, google: GooglePull | None) -> Snapshot:
    """Write the pull into ``tmp`` and rename it into ``folder`` under its dated name."""
    raw = tmp / "raw"
    for path in files:
        if path.stat().st_size > config.limits.file_mb * MB:
            continue  # refused unread; it stays where it was, untouched
        target = raw / _relative(path, config.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    if google is not None:  # what Google returned, as it came (values, sheet lists, errors)
        (raw / "google").mkdir(parents=True, exist_ok=True)
        for unit, data in google.raw.items():
            _write_json(raw / "google" / f"{unit}.json", data)
        _write_json(raw / "google" / "index.json", google.index())
    tables_dir = tmp / "tables"
    tables_dir.mkdir()
    for name, frame in result.tables.items():
        frame.write_csv(tables_dir / f"{name}.csv")
    _write_json(tables_dir / "datapackage.json", snapshot_descriptor(package))
    _write_json(tmp / "intake.json", {
        "findings": [f.to_dict() for f in result.findings],
        "files": [asdict(r) for r in result.files],
    })
    now = dt.datetime.now()
    _write_json(tmp / "manifest.json", {
        "created": now.isoformat(timespec="seconds"),
        "digest": digest,
        "kcbx": __version__,
        "district": config.district,
        "period": config.period,
        "pulled_on": config.effective_pulled_on.isoformat(),
        "tables": list(result.tables),
        "rows": {name: frame.height for name, frame in result.tables.items()},
    })
    final = folder / f"{now:%Y%m%d-%H%M%S-%f}-{digest[:8]}"
    while final.exists():  # the clock did not move (coarse timers): keep names in order
        now += dt.timedelta(microseconds=1)
        final = folder / f"{now:%Y%m%d-%H%M%S-%f}-{digest[:8]}"
    os.replace(tmp, final)
    return Snapshot(final)


def snapshot_descriptor(package: DataPackage) -> dict[str, Any]:
    """The data package of a snapshot's tables: the schemas inline, plus provenance."""
    provenance = [
        {"name": "_unit", "title": "单位代码（来源）", "type": "string"},
        {"name": "_file", "title": "来源文件", "type": "string"},
        {"name": "_sheet", "title": "来源工作表", "type": "string"},
        {"name": "_row", "title": "来源行号", "type": "integer"},
    ]
    assert [p["name"] for p in provenance] == list(PROVENANCE)
    resources = []
    for res in package.descriptor["resources"]:
        schema = res["schema"]
        if isinstance(schema, str):
            schema = json.loads((package.path / schema).read_text(encoding="utf-8"))
        schema = {**schema, "fields": [*schema["fields"], *provenance]}
        resources.append({**{k: v for k, v in res.items() if k != "schema"}, "schema": schema})
    return {**package.descriptor, "resources": resources}


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
