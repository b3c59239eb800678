"""Every unit's annotated copy: only those whose inputs changed, on all cores.

A copy is made from the school's workbook (its digest), the unit's findings, how the
workbook was read (its record) and this code's version. ``.manifest.json`` in the period's
feedback folder keeps the key each copy was made from: a rebuild with nothing changed
writes nothing, and one school resending rewrites that school's copy alone.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path

from ... import __version__
from ...atomic import write_json
from ...errors import KcbxError
from ...findings import Finding
from ...parallel import each
from ...sources.guard import Limits
from ...tables.intake import FileRecord
from .xlsx import Annotated, write_annotated

VERSION = "4"  # bump when the annotated copy's layout changes: every copy is made again
MANIFEST = ".manifest.json"
STAGE = "写反馈表"
Progress = Callable[[str, int, int], None]


class FeedbackError(KcbxError):
    """The feedback folder cannot be written."""


@dataclass(frozen=True)
class Task:
    """One unit's copy: everything it is made from (picklable, for the workers)."""

    unit: str
    source: Path | None
    target: Path
    findings: tuple[Finding, ...]
    record: FileRecord | None
    title: str
    limits: Limits
    site_url: str | None = None

    @property
    def key(self) -> str:
        data = {"version": VERSION, "kcbx": __version__, "target": self.target.name,
                "source": self.record.digest if self.record and self.source else None,
                "record": asdict(self.record) if self.record else None,
                "findings": [f.to_dict() for f in self.findings], "title": self.title,
                "limits": asdict(self.limits), "site_url": self.site_url}
        return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True,
                                         default=str).encode()).hexdigest()


@dataclass
class Batch:
    paths: list[Path]  # every unit's copy, in unit order
    rebuilt: list[str]  # the units whose copy was made this time


def run(tasks: list[Task], folder: Path, pattern: str, progress: Progress | None = None,
        workers: int | None = None) -> Batch:
    """Make the copies whose key changed; remove the copies (files matching ``pattern``) of
    units no longer here."""
    manifest_path = folder / MANIFEST
    manifest = _load(manifest_path)
    todo = [t for t in tasks if manifest.get(t.unit) != t.key or not t.target.is_file()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        done = _make(todo, progress, workers or os.cpu_count() or 1)
        keep = {t.target for t in tasks}
        for old in folder.glob(pattern):
            if old not in keep:
                old.unlink()
        write_json(manifest_path, {t.unit: t.key for t in tasks if t.target.is_file()})
    except OSError as exc:
        raise FeedbackError(f"无法写入反馈文件夹 {folder}（{exc.strerror or exc}）") from None
    return Batch([t.target for t in tasks], [a.path.name for a in done])


def _load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def make(task: Task) -> Annotated:
    """One unit's copy, here and now."""
    return write_annotated(task.source, task.target, list(task.findings), task.record,
                           task.title, task.limits, task.site_url)


def _make(todo: list[Task], progress: Progress | None, workers: int) -> list[Annotated]:
    """The copies of ``todo``: in worker processes when there are several, else here."""
    if progress:
        progress(STAGE, 0, len(todo))
    out: list[Annotated] = []

    def finished(task: Task, result: Callable[[], Annotated]) -> None:
        out.append(result())
        if progress:
            progress(STAGE, len(out), len(todo))

    try:
        each(make, todo, workers=workers, finished=finished, in_flight=2)
    except BrokenProcessPool:
        raise FeedbackError("写反馈表的子进程意外退出（可能是内存不足）。请关闭其他程序后重新运行") from None
    return out
