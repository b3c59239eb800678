"""Every file and folder kcbx writes appears whole or not at all.

A writer makes its file under a temporary name beside the target and renames it over the
target in one step (``os.replace``), so a reader — a school opening its feedback, a
browser on the site, the next run — never sees half a file, and a failure leaves the old
one as it was. Folders (a snapshot, the public data, the site) are built beside their
target and swapped in the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; it becomes ``path`` when the block
    ends, and is removed if the block fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``; a file that already holds exactly ``data`` is left alone
    (its time kept: an unchanged rebuild touches nothing)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
    except OSError:
        pass
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any, *, indent: int | None = 1) -> Path:
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=indent))


@contextmanager
def building(parent: Path, prefix: str = ".build-") -> Iterator[Path]:
    """An empty temporary folder in ``parent`` to build in; removed if the block fails.

    The caller moves it into place (:func:`swap_in`, or a rename to a new name)."""
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_in(built: Path, folder: Path) -> Path:
    """Put the folder ``built`` where ``folder`` is, replacing it (the old one is removed).
    When ``folder`` already holds exactly the same files, it is kept and ``built`` dropped."""
    if folder.is_dir() and _same_tree(built, folder):
        shutil.rmtree(built, ignore_errors=True)
        return folder
    if folder.exists():
        old = folder.with_name(f".{folder.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
        os.replace(built, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(built, folder)
    return folder


def _same_tree(a: Path, b: Path) -> bool:
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    if files != sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()):
        return False
    return all((a / f).stat().st_size == (b / f).stat().st_size
               and (a / f).read_bytes() == (b / f).read_bytes() for f in files)
