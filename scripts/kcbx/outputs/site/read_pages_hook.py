"""An mkdocs hook for kcbx's page-level site builds (see ``incremental.py``).

A dirty build does not read the pages it will not rebuild, and a page that has not been read
has no title: the navigation of the rebuilt pages would show file names. Before pages are
written (``on_env`` runs after all pages are read), read every unread page's source — its
front matter and Markdown, without rendering — so that its title is the one a full build
shows. The theme's compiled templates are kept between runs (``outputs/compiled.py``).
"""

from __future__ import annotations

from typing import Any


def on_env(env: Any, config: Any, files: Any) -> Any:
    from kcbx.outputs.compiled import bytecode_cache

    if env.bytecode_cache is None:
        env.bytecode_cache = bytecode_cache("mkdocs-theme")
    for file in files.documentation_pages():
        page = file.page
        if page is not None and page.markdown is None:
            page.read_source(config)
    return env
