"""Rebuild only the pages whose Markdown changed.

During the reporting window a new pull changes a few status pages and nothing else; mkdocs
renders all pages every time (≈ 2.5 s on a district's site, most of a one-school rebuild).
mkdocs' own ``dirty`` build renders only pages whose source is newer than their HTML; this
module makes that decision by content instead of clocks and mends what a dirty build leaves
wrong:

* **What is built.** The published site records the digest of every source file it was made
  from and the files it wrote (:class:`BuiltFrom`). A build is page-level only when the
  *structure* is the same: kcbx, Python and every installed distribution at the same
  version, the same mkdocs config, the same set of files, every non-Markdown file byte for
  byte, and every page's metadata (read as mkdocs reads it) and H1 lines — the navigation,
  shown on every page, is made of the titles. Then what the last build wrote is copied from
  the published site, unchanged sources are dated 1970 (mkdocs skips them) and changed
  pages' HTML is removed (mkdocs builds them). Anything else is a full build.
* **Titles.** A dirty build does not read unchanged pages, so the navigation would show file
  names; :data:`HOOK` reads their source (without rendering). A title read that way equals
  the rendered one only when the page names it in its metadata (``title:``), so a page
  without one makes every build full (kcbx's pages all have one).
* **Search.** Material's index of a dirty build holds only the rebuilt pages; the previous
  index keeps every other page's entries, in place (:func:`merge_search_index`), and the
  offline copy (``search_index.js``) is written again from the merged index. A page that
  had no entries and now has some cannot be placed: that build is done in full.

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
import sys
from dataclasses import asdict, dataclass
from importlib.metadata import distributions
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

HOOK = Path(__file__).with_name("read_pages_hook.py")
DIRTY_WARNING = "A 'dirty' build is being performed"
SEARCH = Path("search")
H1 = re.compile(r"^#[ \t].*$|^.*\S.*\n=+[ \t]*$", re.MULTILINE)  # ATX and setext


@dataclass
class BuiltFrom:
    """What a published site was made from (kept in the site as ``.kcbx-site-key``)."""

    key: str  # every source byte: the same key builds the same site
    pull: str  # the pull the privacy gate last checked the site against
    structure: str = ""  # what every page shows (navigation): the same allows a page-level build
    files: dict[str, str] | None = None  # source path → digest
    outputs: list[str] | None = None  # the files the build wrote (posix, relative)

    def text(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def read(cls, path: Path) -> BuiltFrom | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(key=str(data["key"]), pull=str(data["pull"]),
                       structure=str(data.get("structure", "")), files=dict(data.get("files") or {}),
                       outputs=[str(o) for o in data.get("outputs") or []])
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
    """kcbx, Python and every installed distribution: a page rendered by an upgraded
    Markdown extension, jieba or Jinja2 must not sit beside pages rendered by the old one."""
    from ... import __version__

    found = sorted(f"{d.metadata['Name'] or ''} {d.version}" for d in distributions())
    return "\n".join([f"kcbx {__version__}", f"python {sys.version}", *found])


@dataclass(frozen=True)
class Keys:
    site: str  # every source byte, the config and the software: the same builds the same site
    structure: str  # what every page shows: the same allows a page-level build
    titled: bool  # every page names its title in its metadata (see below)


def keys(docs: Path, config_text: bytes, files: dict[str, str]) -> Keys:
    """The keys of a docs folder and its mkdocs config.

    A page's part of the structure is its metadata, as mkdocs reads it, and its H1 lines.
    A page without ``title:`` in its metadata takes its title from its rendered H1 in a full
    build but from the raw Markdown line when it is not rendered, so with such a page every
    build is a full one (``titled`` is false); kcbx's pages all have one.
    """
    from mkdocs.utils.meta import get_data

    site = hashlib.sha256(_versions().encode() + b"\0" + config_text)
    structure = site.copy()
    titled = True
    for rel, digest in files.items():
        site.update(f"{rel}\0{digest}\n".encode())
        if rel.endswith(".md"):
            text = (docs / rel).read_bytes().decode("utf-8-sig", errors="replace")
            body, meta = get_data(text)
            titled = titled and "title" in meta
            shown = json.dumps(meta, sort_keys=True, default=str, ensure_ascii=False) + "\n" + \
                "\n".join(H1.findall(body))
            structure.update(f"{rel}\0{_text(hashlib.sha256(shown.encode()))}\n".encode())
        else:
            structure.update(f"{rel}\0{digest}\n".encode())
    return Keys(_text(site), _text(structure), titled)


def page_level(settings: dict[str, Any]) -> bool:
    """Whether pages of this mkdocs config depend only on their own Markdown."""
    names = [next(iter(e)) if isinstance(e, dict) else str(e)
             for e in settings.get("markdown_extensions") or []]
    return not any("snippets" in n or "include" in n for n in names)


def page_url(rel: str) -> str:
    """The URL of the HTML a Markdown source becomes (``use_directory_urls: false``)."""
    stem = rel[: -len(".md")]
    if stem == "README" or stem.endswith("/README"):
        stem = stem[: -len("README")] + "index"
    return quote(f"{stem}.html")  # as mkdocs makes page URLs, and Material index locations


def outputs(site: Path) -> list[str]:
    """Every file of a built site (posix paths relative to it)."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


def prepare(docs: Path, out: Path, published: Path, built: BuiltFrom,
            files: dict[str, str]) -> set[str]:
    """Copy what the last build wrote from the published site into ``out`` (nothing else
    found there since, e.g. Thumbs.db) and set things up so that a dirty mkdocs build
    renders exactly the changed pages; returns their URLs."""
    for rel in built.outputs or []:
        source, target = published / rel, out / rel
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    old = built.files or {}
    changed: set[str] = set()
    for rel, digest in files.items():
        if old.get(rel) == digest:
            os.utime(docs / rel, (0, 0))  # older than any HTML: mkdocs leaves it alone
        elif rel.endswith(".md"):
            url = page_url(rel)
            (out / unquote(url)).unlink(missing_ok=True)
            changed.add(url)
        else:  # same structure means same static files; guard anyway
            (out / rel).unlink(missing_ok=True)
    return changed


def _index(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("docs"), list):
        raise ValueError(f"{path}: not a search index")
    return data


class Unplaced(ValueError):
    """A rebuilt page has search entries and had none: where a full build puts them is not
    known here (the caller builds in full)."""


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
    if fresh:
        raise Unplaced(", ".join(sorted(fresh)))
    return {"config": rebuilt.get("config", previous.get("config")), "docs": merged}


def write_search_index(out: Path, previous: dict[str, Any], changed: set[str]) -> None:
    """Replace the dirty build's partial index (and its offline copy) by the merged one;
    raises :class:`Unplaced` when that cannot be done."""
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
