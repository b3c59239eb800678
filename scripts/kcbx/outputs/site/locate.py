"""Where the site's sources are: the hand-written pages (``site/``) and ``mkdocs.yml``.

Inside an installed kcbx they sit under ``kcbx/_data/`` (hatch force-include); in the repo
they are at its root, like ``schemas/`` (see :func:`kcbx.schema.schemas_dir`).
"""

from __future__ import annotations

from pathlib import Path

from ...errors import KcbxError

DOCS = "site"
MKDOCS = "mkdocs.yml"
USER_DICT = "jieba_userdict.txt"  # inside the docs dir; words jieba must keep whole


class SiteError(KcbxError):
    """The site cannot be built (sources missing, mkdocs failed, data unreadable)."""


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[2]


def site_sources() -> tuple[Path, Path]:
    """``(docs_dir, mkdocs.yml)``: the installed copies, else the repo's."""
    here = _package_dir()
    for root in (here / "_data", here.parents[1]):
        docs, config = root / DOCS, root / MKDOCS
        if (docs / "index.md").is_file() and config.is_file():
            return docs, config
    raise SiteError("找不到网站源文件 site/ 和 mkdocs.yml：kcbx 安装不完整，请重新安装")


def repo_root() -> Path | None:
    """The source checkout's root when kcbx runs from one (editable install), else ``None``."""
    root = _package_dir().parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / DOCS).is_dir() else None
