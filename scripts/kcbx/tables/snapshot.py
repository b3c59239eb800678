"""Dated snapshots of pulls: raw files copied, normalised tables, a Frictionless package.

A snapshot is written into a hidden temporary folder and renamed into place in one step,
so a failed pull leaves every earlier snapshot exactly as it was. Pulling the same files
again returns the existing snapshot (idempotent). What is read comes from the configured
sources (``sources.base.active_sources``: the workbook folder, Google Sheets, …), each
keeping its raw material under ``raw/``; this module names none of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from .. import __version__
from ..atomic import building, write_json
from ..config import PERIOD_RE, Config, work_year
from ..errors import PullError
from ..findings import Finding
from ..schema import DataPackage
from ..sources.base import Gathered, active_sources
from ..sources.contain import ReadJob, read_workbooks, start_readers
from ..sources.folder import file_hash, relative
from ..sources.guard import MB
from .intake import PROVENANCE, FileRecord, Intake, Reused, intake

SNAPSHOTS = "snapshots"
THREADS = 4  # tables read or written at once
Progress = Callable[[str, int, int], None]


def _as_read(frame: pl.DataFrame) -> pl.DataFrame:
    # every column text but the row number; the file and sheet repeat on every row:
    # categorical keeps a million rows small
    casts = [pl.col(c).cast(pl.Categorical) for c in ("_file", "_sheet") if c in frame.columns]
    if "_row" in frame.columns:
        casts.append(pl.col("_row").cast(pl.Int64))
    return frame.with_columns(casts)


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

    @property
    def period(self) -> str:
        return self.manifest.get("period", "")

    @property
    def year(self) -> int | None:
        """The work year this pull was made in (older pulls: the year of their month)."""
        year = self.manifest.get("year")
        if isinstance(year, int):
            return year
        return work_year(self.period) if PERIOD_RE.match(self.period) else None

    @cached_property
    def _frames(self) -> dict[str, pl.DataFrame]:
        """Tables read (or just written) by this process: a run reads each from disk once."""
        return {}

    def table(self, name: str, columns: list[str] | None = None) -> pl.DataFrame:
        """One table (only ``columns`` of it, when given: those it has)."""
        frame = self._frames.get(name)
        if frame is not None:
            return frame if columns is None else frame.select(c for c in columns if c in frame.columns)
        file = self.path / "tables" / f"{name}.csv"
        if columns is not None:
            header = pl.read_csv(file, infer_schema=False, encoding="utf8", n_rows=0).columns
            return _as_read(pl.read_csv(file, infer_schema=False, encoding="utf8",
                                        columns=[c for c in columns if c in header]))
        frame = _as_read(pl.read_csv(file, infer_schema=False, encoding="utf8"))
        self._frames[name] = frame
        return frame

    def remember(self, tables: dict[str, pl.DataFrame]) -> None:
        """Hold ``tables`` — exactly what was written to disk — as if read back."""
        self._frames.update((name, _as_read(frame)) for name, frame in tables.items())

    def tables(self, names: set[str] | None = None) -> dict[str, pl.DataFrame]:
        """The normalised tables (only ``names`` read from disk; the others empty)."""
        from ..schema import load_package
        from .intake import empty_frame

        package = load_package()
        wanted = [n for n in self.manifest["tables"] if names is None or n in names]
        with ThreadPoolExecutor(THREADS) as pool:  # polars reads without holding the GIL
            read = dict(zip(wanted, pool.map(self.table, wanted), strict=True))
        return {name: read[name] if name in read else empty_frame(package.table(name))
                for name in self.manifest["tables"]}

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


def sources_digest(config: Config, package: DataPackage, parts: list[str]) -> str:
    """One hash over kcbx, the schemas, the reference workbook and each source's digest:
    what the sources hold."""
    h = hashlib.sha256(f"kcbx {__version__}\n".encode())
    h.update(json.dumps(package.descriptor, sort_keys=True).encode())
    for table in package.tables:
        h.update(repr(table.fields).encode())
    reference = config.reference_path
    h.update(relative(reference, config.root).encode() + b"\0")
    h.update(file_hash(reference, config.limits.file_mb * MB).encode() if reference.is_file() else b"-")
    for part in parts:
        h.update(b"\n" + part.encode())
    return h.hexdigest()


def pull_digest(config: Config, sources: str) -> str:
    """What makes a pull new: the sources, and the month they are pulled for with the
    settings the pull records (work year, period, pulled_on and deadline as set). A new month
    (``kcbx period``, ``kcbx year``) is a new pull even while the folder still holds last
    month's files — a pull is judged and published as the month it was taken for, so it
    cannot serve two; a deadline set after a pull is recorded by a new one."""
    settings = (f"year {config.year} period {config.period} pulled_on {config.pulled_on} "
                f"deadline {config.deadline}")
    return hashlib.sha256(f"{sources}\n{settings}".encode()).hexdigest()


def last_of_period(folder: Path, period: str) -> Snapshot | None:
    """The newest pull taken for ``period``."""
    return next((s for s in reversed(list_snapshots(folder)) if s.period == period), None)


def same_pull(config: Config, latest: Snapshot, digest: str, sources: str) -> Snapshot | None:
    """The pull that already holds what a pull now would: the latest, or the month's own
    newest pull when nothing changed since it (back to October after a look at September) —
    or, to judge a month before the latest pull's (``--period`` of a past month) while the
    folder still holds what the latest pull took, that month's own pull rather than the later
    files relabelled. ``None``: a new pull (a month without one is pulled for, as asked)."""
    if latest.digest == digest:
        return latest
    own = last_of_period(latest.path.parent, config.period)
    if own is not None and (own.digest == digest or (
            config.period < latest.period and latest.manifest.get("sources") == sources)):
        return own
    return None


def is_current(config: Config, package: DataPackage) -> Snapshot | None:
    """The latest snapshot, if the sources have not changed since it was taken.

    A source that can only be compared by reading it (an online sheet) makes this
    ``None``; :func:`pull` then reads it once and returns the latest snapshot if nothing
    changed.
    """
    latest = latest_snapshot(snapshots_dir(config))
    if latest is None:
        return None
    parts = []
    for source in active_sources(config):
        digest = source.digest()
        if digest is None:
            return None
        parts.append(f"{source.key} {digest}")
    sources = sources_digest(config, package, parts)
    return same_pull(config, latest, pull_digest(config, sources), sources)


def pull(config: Config, package: DataPackage, progress: Progress | None = None) -> Snapshot:
    """Read the configured sources into a new snapshot (or return the unchanged latest one).

    A workbook with the same bytes as in the latest snapshot is not read again: its rows
    and findings are taken from that snapshot (a rebuild after one school resends reads
    that school's workbook alone)."""
    reference = config.reference_path
    if not reference.is_file():
        raise PullError(f"找不到基础数据工作簿 {reference}（配置项 sources.reference）。"
                        "没有单位名录就无法核对各单位报表")
    sources = active_sources(config)
    if not config.submissions_path.is_dir() and [s.key for s in sources] == ["submissions"]:
        raise PullError(f"找不到报表文件夹 {config.submissions_path}（配置项 sources.submissions）")
    start_readers(config.limits)  # they start while the last pull is looked at
    folder = snapshots_dir(config)
    latest = latest_snapshot(folder)
    key = intake_key(config, package)
    records = reusable_records(latest, key) if latest is not None else {}

    def known(name: str, digest: str) -> bool:
        return name in records and records[name].digest == digest

    gathered: list[tuple[str, Gathered]] = []
    try:
        for source in sources:
            gathered.append((source.key, source.gather(package, progress, known)))  # reading begins
        sources = sources_digest(config, package, [f"{key} {g.digest}" for key, g in gathered])
        digest = pull_digest(config, sources)
        same = same_pull(config, latest, digest, sources) if latest is not None else None
        if same is not None:
            return same
        reused = reusable(latest, records) if latest is not None else {}  # while files are read
        result = take_in(config, package, [g for _, g in gathered], reused)
    finally:  # reads not taken (the same pull, or a failure) are stopped
        for _, g in gathered:
            g.release()
    return _write(config, package, result, (digest, sources), [g for _, g in gathered], folder,
                  key)


def intake_key(config: Config, package: DataPackage) -> str:
    """What reading a workbook into rows depends on besides its bytes: kcbx and its reading
    code, the schemas, the limits. A snapshot's rows are reused only under the same key."""
    h = hashlib.sha256(f"kcbx {__version__}\n".encode())
    h.update(json.dumps(package.descriptor, sort_keys=True).encode())
    h.update(repr(config.limits).encode())
    here = Path(__file__).parent
    for code in (here / "intake.py", here / "cells.py", *sorted((here.parent / "sources").glob("*.py"))):
        h.update(code.read_bytes())
    return h.hexdigest()


def reusable_records(snap: Snapshot, key: str) -> dict[str, FileRecord]:
    """What ``snap`` recorded of each workbook it read in full, by file name (none when it
    was made under another :func:`intake_key`)."""
    if snap.manifest.get("intake") != key:
        return {}
    return {r.source: r for r in snap.files() if r.readable and r.unit_code and r.digest}


def reusable(snap: Snapshot, records: dict[str, FileRecord]) -> dict[str, Reused]:
    """What ``snap`` made of each of these workbooks: its rows of each table, its findings."""
    if not records:
        return {}
    frames: dict[str, dict[str, pl.DataFrame]] = {name: {} for name in records}
    for table, frame in snap.tables().items():
        frame = frame.with_columns(pl.col("_file", "_sheet").cast(pl.String))
        for (name,), part in frame.partition_by("_file", as_dict=True, maintain_order=True).items():
            if name in frames:
                frames[name][table] = part
    findings: dict[str, list[Finding]] = {name: [] for name in records}
    for f in snap.intake_findings():
        if f.file in findings:
            findings[f.file].append(f)
    return {name: Reused(r, frames[name], findings[name]) for name, r in records.items()}


def take_in(config: Config, package: DataPackage, gathered: list[Gathered],
            reused: dict[str, Reused] | None = None) -> Intake:
    """The reference workbook and what every source read, as tables."""
    reference = config.reference_path
    (ref_book,) = read_workbooks([ReadJob(reference, relative(reference, config.root))],
                                 config.limits)
    result = intake(package, ref_book, (book for g in gathered for book in g.books), reused)
    for g in gathered:
        result.findings.extend(g.findings)
    return result


def _write(config: Config, package: DataPackage, result: Intake, digest: tuple[str, str],
           gathered: list[Gathered], folder: Path, key: str) -> Snapshot:
    try:
        with building(folder, ".pull-") as tmp:
            return _fill(config, package, result, digest, gathered, folder, tmp, key)
    except OSError as exc:
        raise PullError(f"无法写入输出文件夹 {folder}（{exc.strerror or exc}）") from None


def _fill(config: Config, package: DataPackage, result: Intake, digests: tuple[str, str],
          gathered: list[Gathered], folder: Path, tmp: Path, key: str) -> Snapshot:
    """Write the pull into ``tmp`` and rename it into ``folder`` under its dated name."""
    digest, sources = digests
    raw = tmp / "raw"
    reference = config.reference_path
    target = raw / relative(reference, config.root)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(reference, target)
    for g in gathered:  # each source keeps what it read, as it came
        g.keep(raw)
    tables_dir = tmp / "tables"
    tables_dir.mkdir()
    with ThreadPoolExecutor(THREADS) as pool:  # polars writes without holding the GIL
        list(pool.map(lambda item: item[1].write_csv(tables_dir / f"{item[0]}.csv"),
                      result.tables.items()))
    write_json(tables_dir / "datapackage.json", snapshot_descriptor(package))
    write_json(tmp / "intake.json", {
        "findings": [f.to_dict() for f in result.findings],
        "files": [asdict(r) for r in result.files],
    })
    now = dt.datetime.now()
    write_json(tmp / "manifest.json", {
        "created": now.isoformat(timespec="seconds"),
        "digest": digest,  # the sources with the month's settings (pull_digest)
        "sources": sources,  # the sources alone (sources_digest)
        "intake": key,  # rows of an unchanged workbook are reused only under the same key
        "kcbx": __version__,
        "district": config.district,
        "year": config.year,
        "period": config.period,
        "pulled_on": config.effective_pulled_on.isoformat(),
        "deadline": config.deadline.isoformat() if config.deadline else None,
        "tables": list(result.tables),
        "rows": {name: frame.height for name, frame in result.tables.items()},
    })
    final = folder / f"{now:%Y%m%d-%H%M%S-%f}-{digest[:8]}"
    while final.exists():  # the clock did not move (coarse timers): keep names in order
        now += dt.timedelta(microseconds=1)
        final = folder / f"{now:%Y%m%d-%H%M%S-%f}-{digest[:8]}"
    os.replace(tmp, final)
    snap = Snapshot(final)
    snap.remember(result.tables)
    return snap


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

