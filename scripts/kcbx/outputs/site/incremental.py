"""Rebuild only the pages whose Markdown changed.

During the reporting window a new pull changes a few status pages and nothing else; mkdocs
renders all pages every time (≈ 2.5 s on a district's site, most of a one-school rebuild).
mkdocs' own ``dirty`` build renders only pages whose source is newer than their HTML; this
module makes that decision by content instead of clocks and mends the two things a dirty
build leaves wrong:

* **What is built.** The published site records the digest of every source file it was made
  from (:class:`BuiltFrom`). A build is incremental only when the *structure* is the same:
  the same kcbx, mkdocs and Material versions, the same mkdocs config, the same set of files,
  every non-Markdown file byte for byte, and every page's front matter and H1 lines (the
  navigation, shown on every page, is made of these titles). Then the published site is
  copied, unchanged sources are dated 1970 (mkdocs skips them) and changed pages' HTML is
  removed (mkdocs builds them). Anything else is a full build.
* **Titles.** A dirty build does not read unchanged pages, so the navigation would show file
  names; :data:`HOOK` reads their source (without rendering) before pages are written.
* **Search.** Material's index of a dirty build holds only the rebuilt pages; the previous
  index keeps every other page's entries, in place (:func:`merge_search_index`), and the
  offline copy (``search_index.js``) is written again from the merged index.

This holds while a page is rendered from its own Markdown only: a Markdown extension that
pulls in other files (``pymdownx.snippets``, ``include``) makes every build a full one
(:func:`page_level`).

``tests/test_site_build.py`` builds a changed site both ways and compares every file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

HOOK = Path(__file__).with_name("read_pages_hook.py")
DIRTY_WARNING = "A 'dirty' build is being performed"
SEARCH = Path("search")
FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)
H1 = re.compile(r"^#[ \t].*$|^.*\S.*\n=+[ \t]*$", re.MULTILINE)  # ATX and setext


@dataclass
class BuiltFrom:
    """What a published site was made from (kept in the site as ``.kcbx-site-key``)."""

    key: str  # every source byte: the same key builds the same site
    pull: str  # the pull the privacy gate last checked the site against
    structure: str = ""  # what every page shows (navigation): the same allows a page-level build
    files: dict[str, str] | None = None  # source path → digest

    def text(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def read(cls, path: Path) -> BuiltFrom | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(key=str(data["key"]), pull=str(data["pull"]),
                       structure=str(data.get("structure", "")), files=dict(data.get("files") or {}))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


def _text(digest: hashlib._Hash) -> str:
    """A SHA-256 as base32 (a–z, 2–7): the state is published with the site, and the privacy
    gate reads it like every other file; hex digests can hold a run of digits that looks like
    a phone number, these cannot (no 0, 1, 8 or 9)."""
    return base64.b32encode(digest.digest()).decode().rstrip("=").lower()


def digests(docs: Path) -> dict[str, str]:
    """Source path (posix, relative to ``docs``) → SHA-256 of its bytes."""
    return {p.relative_to(docs).as_posix(): _text(hashlib.sha256(p.read_bytes()))
            for p in sorted(docs.rglob("*")) if p.is_file()}


def _versions() -> str:
    from ... import __version__

    found = [f"kcbx {__version__}"]
    for dist in ("mkdocs", "mkdocs-material"):
        try:
            found.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            found.append(f"{dist} -")
    return "\n".join(found)


def keys(docs: Path, config_text: bytes, files: dict[str, str]) -> tuple[str, str]:
    """(site key, structure key) of a docs folder and its mkdocs config."""
    site = hashlib.sha256(_versions().encode() + b"\0" + config_text)
    structure = site.copy()
    for rel, digest in files.items():
        site.update(f"{rel}\0{digest}\n".encode())
        if rel.endswith(".md"):
            text = (docs / rel).read_text(encoding="utf-8", errors="replace")
            head = FRONT_MATTER.match(text)
            shown = (head.group(0) if head else "") + "\n".join(H1.findall(text))
            structure.update(f"{rel}\0{_text(hashlib.sha256(shown.encode()))}\n".encode())
        else:
            structure.update(f"{rel}\0{digest}\n".encode())
    return _text(site), _text(structure)


def page_level(settings: dict[str, Any]) -> bool:
    """Whether pages of this mkdocs config depend only on their own Markdown."""
    names = [next(iter(e)) if isinstance(e, dict) else str(e)
             for e in settings.get("markdown_extensions") or []]
    return not any("snippets" in n or "include" in n for n in names)


def page_url(rel: str) -> str:
    """The HTML a Markdown source becomes (``use_directory_urls: false``)."""
    stem = rel[: -len(".md")]
    if stem == "README" or stem.endswith("/README"):
        stem = stem[: -len("README")] + "index"
    return f"{stem}.html"


def prepare(docs: Path, out: Path, published: Path, built: BuiltFrom,
            files: dict[str, str]) -> set[str]:
    """Copy the published site to ``out`` and set things up so that a dirty mkdocs build
    renders exactly the changed pages; returns their URLs."""
    shutil.copytree(published, out, copy_function=shutil.copy2)
    old = built.files or {}
    changed: set[str] = set()
    for rel, digest in files.items():
        if old.get(rel) == digest:
            os.utime(docs / rel, (0, 0))  # older than any HTML: mkdocs leaves it alone
        elif rel.endswith(".md"):
            url = page_url(rel)
            (out / url).unlink(missing_ok=True)
            changed.add(url)
        else:  # same structure means same static files; guard anyway
            (out / rel).unlink(missing_ok=True)
    return changed


def _index(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("docs"), list):
        raise ValueError(f"{path}: not a search index")
    return data


def merge_search_index(previous: dict[str, Any], rebuilt: dict[str, Any],
                       changed: set[str]) -> dict[str, Any]:
    """The index a full build would write: the rebuilt pages' entries where their old ones
    were, every other page's entries as they were."""
    def page(entry: dict[str, Any]) -> str:
        return str(entry.get("location", "")).split("#", 1)[0]

    fresh: dict[str, list[dict[str, Any]]] = {}
    for entry in rebuilt["docs"]:
        fresh.setdefault(page(entry), []).append(entry)
    merged: list[dict[str, Any]] = []
    for entry in previous["docs"]:
        where = page(entry)
        if where not in changed:
            merged.append(entry)
        elif where in fresh:
            merged.extend(fresh.pop(where))
    for entries in fresh.values():  # a page newly in the index (not expected: same structure)
        merged.extend(entries)
    return {"config": rebuilt.get("config", previous.get("config")), "docs": merged}


def write_search_index(out: Path, previous: dict[str, Any], changed: set[str]) -> None:
    """Replace the dirty build's partial index (and its offline copy) by the merged one."""
    path = out / SEARCH / "search_index.json"
    data = json.dumps(merge_search_index(previous, _index(path), changed),
                      separators=(",", ":"), default=str)  # as Material writes it
    path.write_text(data, encoding="utf-8", newline="")
    offline = out / SEARCH / "search_index.js"
    if offline.exists():  # the offline plugin's copy of the index
        offline.write_text(f"var __index = {data}", encoding="utf-8", newline="")


def read_search_index(site: Path) -> dict[str, Any] | None:
    try:
        return _index(site / SEARCH / "search_index.json")
    except (OSError, ValueError):
        return None
