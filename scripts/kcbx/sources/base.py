"""What a pull needs from a source, whatever the source is: one interface, registered by key.

A source lists and reads the units' workbooks into :class:`RawWorkbook` objects (or a
:class:`SourceProblem` for a unit it could not read), says what it found that is no
workbook, gives a digest of what it read, and keeps its raw material in the snapshot.
``tables`` calls :func:`active_sources` and knows no source by name: a new source (an
online sheet service, a shared folder) is one more module that registers its class with
:func:`register` and is imported by ``sources/__init__.py``; this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .raw import RawWorkbook, SourceProblem, Unchanged

if TYPE_CHECKING:
    from ..config import Config
    from ..findings import Finding
    from ..schema import DataPackage

Progress = Callable[[str, int, int], None]
Known = Callable[[str, str], bool]  # (file name, sha256) → the last pull read it so


@dataclass
class Gathered:
    """What one source read for a pull."""

    # read lazily where the source can (a folder): iterate once, in order
    books: Iterable[RawWorkbook | SourceProblem | Unchanged] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""  # over everything read: a changed cell makes a new pull
    keep: Callable[[Path], None] = lambda raw: None  # writes the raw material into ``raw/``
    release: Callable[[], None] = lambda: None  # stops reads not taken (the pull gave up)


class Source(Protocol):
    key: str  # the config key under ``sources`` that turns it on

    def digest(self) -> str | None:
        """A digest of the sources without reading them (file hashes); None when only
        reading can tell (an online sheet)."""

    def gather(self, package: DataPackage, progress: Progress | None = None,
               known: Known | None = None) -> Gathered:
        """Read every unit's workbook; one that ``known`` accepts (a file the last pull read
        with the same bytes) may be given as :class:`Unchanged` instead."""


_REGISTRY: dict[str, Callable[[Config], Source | None]] = {}


def register(key: str) -> Callable[[Callable[[Config], Source | None]], Callable[[Config], Source | None]]:
    """Register a source factory under its config key: it returns None when not configured."""

    def add(factory: Callable[[Config], Source | None]) -> Callable[[Config], Source | None]:
        _REGISTRY[key] = factory
        return factory

    return add


def active_sources(config: Config) -> list[Source]:
    """The sources the workspace's config turns on, in registration order (the package's
    ``__init__`` imports each implementation, which registers itself here)."""
    return [s for s in (factory(config) for factory in _REGISTRY.values()) if s is not None]
