"""Compiled Jinja templates kept between runs.

Compiling the site's, the report page's and the site theme's templates again on every run
costs about 0.2 s of a rebuild. Jinja keeps compiled templates in a per-user folder of the
system's temporary directory (checked to be the user's own) and compiles a template again
whenever its source changes. Only template code is kept there, never data. Jinja keys a
compiled template by its name and source only, not by the environment's options
(autoescape, delimiters), so each environment keeps its own.
"""

from __future__ import annotations

from functools import lru_cache

import jinja2


@lru_cache(maxsize=8)
def bytecode_cache(environment: str) -> jinja2.BytecodeCache | None:
    """Jinja's per-user cache of compiled templates for the named ``environment`` (one name
    per set of options); ``None`` where it cannot be made."""
    try:
        return jinja2.FileSystemBytecodeCache(pattern=f"__kcbx_{environment}_%s.cache")
    except (OSError, RuntimeError):  # no temporary folder, or one another user owns
        return None
