"""Whole-word Chinese queries in Material's search worker.

Material segments a Chinese query into terms of the index, but its loop stops one character
short of the query's end (``j < query.length``): a query that is exactly one indexed word —
送教上门, kept whole by the jieba user dictionary — is cut into 送教* 上* and the results are
ranked by the stray 上*. Measured on this site: the 送教上门 page was not among the first
six results. The fix is one character (``<=``), applied to a copy of the installed worker
that ``kcbx site build`` places at the same path in its temporary docs folder, where mkdocs
lets it override the theme's file. The installed package is never modified; when a Material
release changes the code so that the pattern is not found, the stock worker is used
(``tests/test_site_build.py`` then fails, so the change is noticed).
"""

from __future__ import annotations

import re
from pathlib import Path

WORKERS = Path("assets") / "javascripts" / "workers"
LOOP = re.compile(r"(new Uint16Array\((\w+)\.length\);for\(let (\w+)=0;\3<\2\.length;\3\+\+\)"
                  r"for\(let (\w+)=\3\+1;\4)<(\2\.length;)")


def theme_worker() -> Path | None:
    """The installed mkdocs-material search worker, if there is exactly one."""
    try:
        import material
    except ImportError:
        return None
    found = sorted((Path(material.__file__).parent / "templates" / WORKERS).glob("search.*.min.js"))
    return found[0] if len(found) == 1 else None


def patched(source: str) -> str | None:
    """The worker with the query segmentation reaching the last character; ``None`` when
    the loop is not found (another Material version)."""
    result, count = LOOP.subn(r"\1<=\5", source)
    return result if count == 1 else None


def write_search_fix(docs: Path) -> Path | None:
    """Put the fixed worker into ``docs`` (a temporary copy); returns its path or ``None``."""
    worker = theme_worker()
    if worker is None:
        return None
    fixed = patched(worker.read_text(encoding="utf-8"))
    if fixed is None:
        return None
    target = docs / WORKERS / worker.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(fixed, encoding="utf-8")
    return target
