"""The published site: the hand-written policy guide (``site/``), pages generated from the
data package, the rule catalogue, the form templates and the public aggregates package,
built with mkdocs-material for offline use, then checked by the privacy gate.

``build_site(config)`` is what ``kcbx site build`` and the end of ``kcbx build`` call.

The names below are imported on first use: the helper process that runs mkdocs
(``helper.py``) imports this package and should not pay for the gate, the page generators
and polars, which it never uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import SiteResult, build_site, make_server
    from .gate import Leak, PrivacyError, check_site
    from .generate import repo_pages, write_pages
    from .helper import Helper
    from .locate import SiteError, site_sources
    from .sample import write_sample_public

_WHERE = {
    "SiteResult": "build", "build_site": "build", "make_server": "build",
    "Leak": "gate", "PrivacyError": "gate", "check_site": "gate",
    "repo_pages": "generate", "write_pages": "generate",
    "Helper": "helper",
    "SiteError": "locate", "site_sources": "locate",
    "write_sample_public": "sample",
}
__all__ = ["Helper", "Leak", "PrivacyError", "SiteError", "SiteResult", "build_site", "check_site",
           "make_server", "repo_pages", "site_sources", "write_pages", "write_sample_public"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
