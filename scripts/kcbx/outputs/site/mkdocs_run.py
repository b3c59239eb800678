"""``mkdocs build`` through its Python API, quietly: what a site build and its helper
process (``helper.py``) run. Light to import: the helper imports this and mkdocs only."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .locate import SiteError

_BUILT = False  # mkdocs has run in this process (jieba holds a user dictionary)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _quiet_logs() -> Iterator[_Collect]:
    """mkdocs' warnings collected (library code prints nothing); jieba's chatter silenced."""
    collect = _Collect()
    global _BUILT
    with suppress(ImportError):  # imported first: jieba sets its logger to DEBUG on import
        import jieba

        if _BUILT and jieba.dt.initialized:  # a second build in this process: start from a
            jieba.dt.__init__(jieba.dt.dictionary)  # fresh dictionary, as the first did —
            # loading the user dictionary again adds to the totals, and pages would be cut
            # otherwise (the dictionary alone, loaded ahead by the helper, is kept)
    _BUILT = True
    mk, jb = logging.getLogger("mkdocs"), logging.getLogger("jieba")
    saved = (mk.propagate, mk.level, jb.level)
    mk.addHandler(collect)
    mk.propagate = False
    mk.setLevel(logging.WARNING)
    jb.setLevel(logging.WARNING)
    try:
        yield collect
    finally:
        mk.removeHandler(collect)
        mk.propagate = saved[0]
        mk.setLevel(saved[1])
        jb.setLevel(saved[2])


def run_mkdocs(config_file: Path, *, dirty: bool = False) -> list[str]:
    """``mkdocs build`` through its Python API (``dirty``: only pages newer than their HTML);
    returns its warnings."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with _quiet_logs() as logs:
        try:
            build(load_config(config_file=str(config_file)), dirty=dirty)
        except MkDocsException as exc:
            raise SiteError(f"网站构建失败（mkdocs）：{exc}") from None
        except SystemExit as exc:
            raise SiteError(f"网站构建失败（mkdocs 退出码 {exc.code}）：{'；'.join(logs.messages)}") from None
    return logs.messages
