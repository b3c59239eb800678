"""Google Sheets as a registered source (``sources.google`` in kcbx.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_json
from .base import Gathered, Known, Progress, register

if TYPE_CHECKING:
    from ..config import Config
    from ..schema import DataPackage


@register("google")
def _configured(config: Config) -> GoogleSheets | None:
    return GoogleSheets(config) if config.sources.google is not None else None


class GoogleSheets:
    key = "google"

    def __init__(self, config: Config) -> None:
        self.config = config

    def digest(self) -> None:
        return None  # a spreadsheet can only be compared by reading it

    def gather(self, package: DataPackage, progress: Progress | None = None,
               known: Known | None = None) -> Gathered:
        from .google import pull_google  # gspread loads only when Google is used

        pulled = pull_google(self.config, package, progress)
        books = pulled.books  # every sheet in one request: nothing to skip (``known`` unused)
        def keep_raw(raw: Path) -> None:
            """What Google returned, as it came (values, sheet lists, errors)."""
            folder = raw / "google"
            folder.mkdir(parents=True, exist_ok=True)
            for unit, data in pulled.raw.items():
                write_json(folder / f"{unit}.json", data)
            write_json(folder / "index.json", pulled.index())

        return Gathered(books, pulled.findings, pulled.digest(), keep_raw)

