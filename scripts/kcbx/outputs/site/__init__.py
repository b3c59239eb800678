"""The published site: the hand-written policy guide (``site/``), pages generated from the
data package, the rule catalogue, the form templates and the public aggregates package,
built with mkdocs-material for offline use, then checked by the privacy gate.

``build_site(config)`` is what ``kcbx site build`` and the end of ``kcbx build`` call.
"""

from __future__ import annotations

from .build import SiteResult, build_site, make_server
from .gate import Leak, PrivacyError, check_site
from .generate import repo_pages, write_pages
from .locate import SiteError, site_sources
from .sample import write_sample_public

__all__ = ["Leak", "PrivacyError", "SiteError", "SiteResult", "build_site", "check_site",
           "make_server", "repo_pages", "site_sources", "write_pages", "write_sample_public"]
