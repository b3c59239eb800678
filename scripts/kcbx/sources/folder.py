"""The everyday source: a folder of workbooks schools sent by chat or e-mail.

Each workbook is read in a contained worker (``contain``); other files in the folder are
named (提醒) and kept with the pull like the workbooks, except a file too large to be a
form, which stays only where it is.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..findings import finding
from .base import Gathered, Known, Progress, register
from .contain import ReadJob, iter_workbooks
from .guard import MB
from .raw import RawWorkbook, SourceProblem, Unchanged
from .xlsx import list_workbooks

if TYPE_CHECKING:
    from ..config import Config
    from ..schema import DataPackage


@register("submissions")
class WorkbookFolder:
    key = "submissions"

    def __init__(self, config: Config) -> None:
        self.config = config
        self.folder = config.submissions_path
        self.books, self.others = list_workbooks(self.folder)
        self._hashes: dict[Path, str] = {}

    def _hash(self, path: Path) -> str:
        if path not in self._hashes:
            self._hashes[path] = file_hash(path, self.config.limits.file_mb * MB)
        return self._hashes[path]

    def name(self, path: Path) -> str:
        """How findings name a file: relative to the workspace (``submissions/A01.xlsx``)."""
        return relative(path, self.config.root)

    def digest(self) -> str:
        h = hashlib.sha256()
        for path in self.books:
            h.update(self.name(path).encode() + b"\0" + self._hash(path).encode() + b"\n")
        return h.hexdigest()

    def gather(self, package: DataPackage, progress: Progress | None = None,
               known: Known | None = None) -> Gathered:
        def read_progress(done: int, total: int) -> None:
            if progress:
                progress("读取报表", done, total)

        same = {p for p in self.books if known is not None and known(self.name(p), self._hash(p))}
        jobs = [ReadJob(path, self.name(path), digest=self._hash(path))
                for path in self.books if path not in same]

        read = iter_workbooks(jobs, self.config.limits, read_progress)  # reading begins

        def books() -> Iterator[RawWorkbook | SourceProblem | Unchanged]:
            """Read as the pull takes them in (a few files ahead), not all at once."""
            for path in self.books:
                yield Unchanged(self.name(path), self._hash(path)) if path in same else next(read)

        findings = [finding("ignored-file", file=self.name(p), detail=p.name) for p in self.others]
        return Gathered(books(), findings, self.digest(), self.keep, read.close)

    def keep(self, raw: Path) -> None:
        """Copy every file as it came into the snapshot's ``raw/`` (not one refused unread)."""
        for path in (*self.books, *self.others):
            if path.stat().st_size > self.config.limits.file_mb * MB:
                continue  # refused unread; it stays where it was, untouched
            target = raw / self.name(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def file_hash(path: Path, limit: int) -> str:
    """The file's sha256; a file over ``limit`` bytes is refused unread: its size and time."""
    stat = path.stat()
    if stat.st_size > limit:
        return f"size {stat.st_size} time {stat.st_mtime_ns}"
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
