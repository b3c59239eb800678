"""The bureau's mailbox as a source (``mail:`` in kcbx.yml).

Reading the mailbox is a step of its own (:func:`fetch_mail`: it saves the workbooks into
the submissions folder, where the folder source reads them like any other). As a
registered source, the mailbox adds to a pull what only it knows: why a registered
sender's attachment was not taken (a 错误 for that unit, so its feedback mail says why),
and, in the pull's raw copy, the month's mail record and every attachment as it came.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ...atomic import write_json
from ...findings import Finding, finding
from ..base import Gathered, Known, Progress, register
from .fetch import FetchResult, fetch_mail
from .record import FOLDER, MailEntry, Received, arrival_order, attachments_dir

if TYPE_CHECKING:
    from ...config import Config
    from ...schema import DataPackage

__all__ = ["FetchResult", "MailSource", "Received", "fetch_mail", "refusals"]


@register("mail")
def _configured(config: Config) -> MailSource | None:
    return MailSource(config) if config.mail is not None else None


class MailSource:
    key = "mail"

    def __init__(self, config: Config) -> None:
        self.config = config
        self.mails = [m for m in Received.load(config.outputs_path).of_period(config.period)
                      if m.attachments]  # a registered sender's workbooks (taken or refused)

    def digest(self) -> str:
        h = hashlib.sha256()
        for m in self.mails:
            h.update(json.dumps(asdict(m), ensure_ascii=False, sort_keys=True).encode() + b"\n")
        return h.hexdigest()

    def gather(self, package: DataPackage, progress: Progress | None = None,
               known: Known | None = None) -> Gathered:
        return Gathered([], refusals(self.mails), self.digest(), self.keep)

    def keep(self, raw: Path) -> None:
        """The month's record and attachments, as they came (linked where the disk allows)."""
        folder = raw / FOLDER
        source = attachments_dir(self.config.outputs_path, self.config.period)
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    target = folder / path.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.link(path, target)
                    except OSError:
                        shutil.copy2(path, target)
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / "received.json", [asdict(m) for m in self.mails])  # private, as the record


def refusals(mails: list[MailEntry]) -> list[Finding]:
    """A 错误 for each attachment refused since its unit's last one taken — in the order the
    mails reached the mailbox (the same second: the order they were taken in), never by
    when kcbx happened to look."""
    ordered = arrival_order(mails)
    last_taken: dict[str, int] = {}
    for n, m in enumerate(ordered):
        for a in m.attachments:
            if a.saved and a.unit:
                last_taken[a.unit] = n
    out = []
    for n, m in enumerate(ordered):
        for a in m.attachments:
            if a.refused and a.unit and n >= last_taken.get(a.unit, -1):
                at = m.arrival().astimezone()
                when = f"{at.month}月{at.day}日 {at:%H:%M} "
                out.append(finding("mail-refused", unit_code=a.unit, value=a.name, detail=a.refused,
                                   when=when, sender=m.sender))
    return out
