"""What the mailbox brought: every mail looked at, and what became of each attachment.

Kept in the private outputs (``<outputs>/mail/received.json``, written whole after each
mail) with every downloaded attachment as it came (``<outputs>/mail/attachments/<月份>/``):
the newest workbook of a unit goes to ``submissions/``, the earlier ones and the refused
ones stay here, and each pull keeps the month's in its raw copy. The UIDs already taken are
remembered per folder and UIDVALIDITY, so a server without keywords is read only once too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...atomic import write_json

FOLDER = "mail"
RECORD = "received.json"
ATTACHMENTS = "attachments"

# what became of a mail
TAKEN = "taken"  # at least one workbook was saved as its unit's submission
REFUSED = "refused"  # a registered sender's workbooks, none taken (the reasons per attachment)
NO_WORKBOOK = "no-workbook"  # a registered sender, no workbook attached (a question, a reply)
UNREGISTERED = "unregistered"  # the sender is no unit's 报送邮箱: nothing read
AUTOMATIC = "automatic"  # an auto-reply or a bounce (Auto-Submitted, Precedence): nothing read


@dataclass
class Attachment:
    name: str  # the file name the sender gave
    size: int
    unit: str | None = None  # the unit it was taken for (or whose it claims to be)
    sha256: str = ""
    kept: str = ""  # under <outputs>/mail/ (empty: not downloaded)
    saved: str = ""  # where it went in the workspace (submissions/<单位代码>.xlsx)
    refused: str = ""  # why it was not taken (Chinese, for the school)


@dataclass
class MailEntry:
    uid: int
    uidvalidity: int
    received_at: str  # when kcbx took it (ISO, local time)
    period: str  # the workspace's period then
    sender: str
    date: str = ""  # the mail's own Date header
    subject: str = ""
    message_id: str = ""
    units: list[str] = field(default_factory=list)  # the sender's registered units
    verdict: str = ""
    attachments: list[Attachment] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MailEntry:
        data = dict(data)
        data["attachments"] = [Attachment(**a) for a in data.get("attachments", [])]
        return cls(**data)


@dataclass
class Received:
    """The record of one workspace's mailbox (``load`` / ``save``)."""

    path: Path
    folder: str = ""
    uidvalidity: int = 0
    seen: set[int] = field(default_factory=set)
    mails: list[MailEntry] = field(default_factory=list)

    @classmethod
    def load(cls, outputs: Path) -> Received:
        path = outputs / FOLDER / RECORD
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        return cls(path, data.get("folder", ""), int(data.get("uidvalidity", 0)),
                   set(data.get("seen", [])), [MailEntry.from_dict(m) for m in data.get("mails", [])])

    def start(self, folder: str, uidvalidity: int) -> None:
        """A new folder or a folder made anew (its UIDs start again): nothing of it seen."""
        if (folder, uidvalidity) != (self.folder, self.uidvalidity):
            self.folder, self.uidvalidity, self.seen = folder, uidvalidity, set()

    def add(self, mail: MailEntry) -> None:
        self.mails.append(mail)
        self.seen.add(mail.uid)
        self.save()

    def save(self) -> None:
        write_json(self.path, {"folder": self.folder, "uidvalidity": self.uidvalidity,
                               "seen": sorted(self.seen), "mails": [asdict(m) for m in self.mails]})

    def of_period(self, period: str) -> list[MailEntry]:
        return [m for m in self.mails if m.period == period]


def attachments_dir(outputs: Path, period: str) -> Path:
    return outputs / FOLDER / ATTACHMENTS / period
