"""What the mailbox brought: every mail looked at, and what became of each attachment.

Kept in the private outputs (``<outputs>/mail/received.json``, written whole after each
mail) with every downloaded attachment as it came (``<outputs>/mail/attachments/<月份>/``):
the workbook of a unit that reached the mailbox last goes to ``submissions/``, the earlier
ones and the refused ones stay here, and each pull keeps the month's in its raw copy. Which
came last is the server's arrival time (INTERNALDATE), then the order kcbx took them in — not
the UID: a mail moved in from 垃圾邮件 days later gets a new UID but keeps its arrival. The
UIDs already looked at are remembered per folder and UIDVALIDITY, so a server without
keywords is read only once too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
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
OLDER = "older"  # its workbooks reached the mailbox before ones of their units already taken


@dataclass
class Attachment:
    name: str  # the file name the sender gave
    size: int
    unit: str | None = None  # the unit it was taken for (or whose it claims to be)
    sha256: str = ""
    kept: str = ""  # under <outputs>/mail/ (empty: not downloaded)
    saved: str = ""  # where it went in the workspace (submissions/<单位代码>.xlsx)
    refused: str = ""  # why it was not taken (Chinese, for the school: an error of its unit)
    ignored: str = ""  # why it was set aside, no error (an older workbook, a scan beside one)


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
    arrived: str = ""  # when it reached the mailbox (the server's INTERNALDATE, ISO in UTC)

    def arrival(self) -> dt.datetime:
        """When it reached the mailbox (a record without it: when kcbx took it)."""
        at = dt.datetime.fromisoformat(self.arrived or self.received_at)
        return at if at.tzinfo else at.astimezone()

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

    def start(self, folder: str, uidvalidity: int) -> bool:
        """A new folder or a folder made anew (its UIDs start again): nothing of it seen.
        Whether it is (the first fetch from it)."""
        if (folder, uidvalidity) != (self.folder, self.uidvalidity):
            self.folder, self.uidvalidity, self.seen = folder, uidvalidity, set()
            return True
        return False

    def skip(self, uids: Iterable[int]) -> None:
        """Mails never to read (older than the period at the first fetch): seen, not recorded."""
        self.seen.update(uids)
        self.save()

    def add(self, mail: MailEntry) -> None:
        self.mails.append(mail)
        self.seen.add(mail.uid)
        self.save()

    def save(self) -> None:
        write_json(self.path, {"folder": self.folder, "uidvalidity": self.uidvalidity,
                               "seen": sorted(self.seen), "mails": [asdict(m) for m in self.mails]})

    def of_period(self, period: str) -> list[MailEntry]:
        return [m for m in self.mails if m.period == period]

    def newest_taken(self, unit: str) -> MailEntry | None:
        """The mail that brought ``unit``'s submission: of those that brought one of its
        workbooks, the last to reach the mailbox."""
        taken = [m for m in arrival_order(self.mails)
                 if any(a.saved and a.unit == unit for a in m.attachments)]
        return taken[-1] if taken else None


def arrival_order(mails: list[MailEntry]) -> list[MailEntry]:
    """``mails`` (in the order they were taken) in the order they reached the mailbox; mails
    of the same second in the order they were taken (their UIDs)."""
    return [m for _, m in sorted(enumerate(mails), key=lambda item: (item[1].arrival(), item[0]))]


def attachments_dir(outputs: Path, period: str) -> Path:
    return outputs / FOLDER / ATTACHMENTS / period
