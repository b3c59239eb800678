"""Outputs made again only when what they are made from changed.

Each output's key (a file name) maps to a hash of its data and of its renderer (templates,
code, library versions, fonts); ``manifest.json`` in the output folder keeps the hashes of
the last run. A rebuild after one school resends then costs what that school changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..atomic import write_json

NAME = "manifest.json"


def renderer_hash(files: Iterable[Path], dists: Iterable[str], *extra: str) -> str:
    """The hash of what turns data into a file: ``files`` (templates, code), the versions of
    the ``dists`` (typst, python-docx …) and ``extra`` (font signature, compile date)."""
    h = hashlib.sha256()
    for path in files:
        h.update(path.read_bytes())
    for dist in dists:
        h.update(metadata.version(dist).encode())
    for part in extra:
        h.update(f"\0{part}".encode())
    return h.hexdigest()


def data_hash(*parts: Any) -> str:
    """The hash of JSON-able ``parts`` (a renderer hash, a file name, the template's data)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class Manifest:
    """The hashes of an output folder's files, as of the last run and as of this one."""

    def __init__(self, folder: Path):
        self.path = folder / NAME
        self.made: dict[str, str] = {}
        try:
            old = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        self._old: dict[str, str] = old.get("files", {}) if isinstance(old, dict) else {}

    def fresh(self, key: str, digest: str, *targets: Path) -> bool:
        """Records ``digest`` for ``key``; True when the last run made ``targets`` from the
        same digest and they are all still there (nothing to do)."""
        self.made[key] = digest
        return self._old.get(key) == digest and all(t.is_file() for t in targets)

    def save(self) -> None:
        write_json(self.path, {"files": self.made})
