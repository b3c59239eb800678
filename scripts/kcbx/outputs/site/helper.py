"""mkdocs in a helper process started ahead of the site stage.

About 0.6 s of every site build is spent before mkdocs renders a page: importing mkdocs and
Material, and loading jieba's dictionary (the Chinese search segmentation). When a build
pulls new data, the pipeline starts a :class:`Helper` first; it does that work on another
core while the run pulls, validates and writes the other outputs, then renders the site
when asked. The site is the same as one built in the run's own process (the helper runs
the same :func:`~.mkdocs_run.run_mkdocs`). If the helper is gone before it takes the build,
the build runs in the run's own process as planned; if it dies while building, it may have
written part of the site, and the run builds the whole site again (:class:`HelperFailed`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .locate import SiteError


class HelperFailed(Exception):
    """The helper took the build and did not finish it: what it wrote cannot be trusted."""


class Helper:
    """A process that has imported mkdocs and loaded jieba, waiting for one build."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # as the readers: fork is unsafe here
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True,
                                        name="kcbx-site")
        try:
            self._process.start()
        except OSError:
            self._conn.close()
            self._conn = None
        child.close()

    def build(self, config_file: Path, *, dirty: bool) -> list[str] | None:
        """mkdocs' warnings, or ``None`` when the helper was gone before it took the build
        (build in-process as planned). Raises :class:`HelperFailed` when it took the build
        and did not finish it, :class:`SiteError` as :func:`~.mkdocs_run.run_mkdocs` does."""
        if self._conn is None or not self._process.is_alive():
            self.close()
            return None
        try:
            try:
                self._conn.send((str(config_file), dirty))
            except OSError:
                return None
            try:
                status, payload = self._conn.recv()
            except (EOFError, OSError):
                raise HelperFailed("the helper process ended during the build") from None
        finally:
            self.close()
        if status == "error":
            raise SiteError(payload)
        if status != "ok":
            raise HelperFailed(payload)
        return payload

    def close(self) -> None:
        """End the helper at once: it holds nothing to save (a build it took has answered,
        its files written), and tearing down jieba's dictionary would only keep the run
        waiting."""
        if self._conn is None:
            return
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._conn.close()
        self._conn = None
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)


def warm() -> None:
    """Import what a build needs and load jieba's dictionary, as the first build would."""
    import mkdocs.commands.build  # noqa: F401
    import mkdocs.config  # noqa: F401

    with contextlib.suppress(ImportError):
        import material.plugins.search.plugin  # noqa: F401
    with contextlib.suppress(ImportError):
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)
        jieba.initialize()


def _serve(conn: Connection) -> None:
    from .mkdocs_run import run_mkdocs

    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(10)  # getting ready must not slow the run it works beside
    with contextlib.suppress(Exception):
        warm()
    while True:
        try:
            job: Any = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        config_file, dirty = job
        try:
            conn.send(("ok", run_mkdocs(Path(config_file), dirty=dirty)))
        except SiteError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:  # noqa: BLE001 - the run's own process builds instead
            conn.send(("failed", repr(exc)))
