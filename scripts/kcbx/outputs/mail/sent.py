"""What was mailed to whom: the private record that makes ``kcbx mail send`` exactly once.

``<outputs>/mail/sent.json`` keeps, per unit, each mail with the digest of the feedback it
carried, its recipients and Message-ID. A mail is written down as *pending* before it is
handed to the server and as *sent* once the server has taken it, the file replaced whole
each time: a rerun mails a unit only when its feedback (or its address) changed since its
last mail, and a run stopped mid-way resumes with the units not yet mailed. A mail still
pending — kcbx stopped, or the connection was lost, between the server taking it and the
record saying so — is sent again with the same Message-ID, so that the school's mail
program sees one message.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...atomic import write_json

RECORD = "sent.json"
PENDING, SENT, REFUSED = "pending", "sent", "refused"


@dataclass
class Sending:
    digest: str
    to: list[str]
    message_id: str
    subject: str
    state: str = PENDING
    at: str = ""
    error: str = ""


@dataclass
class Sent:
    path: Path
    units: dict[str, list[Sending]] = field(default_factory=dict)

    @classmethod
    def load(cls, outputs: Path) -> Sent:
        path = outputs / "mail" / RECORD
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        return cls(path, {u: [Sending(**s) for s in items] for u, items in data.get("units", {}).items()})

    def last(self, unit: str) -> Sending | None:
        items = self.units.get(unit)
        return items[-1] if items else None

    def done(self, unit: str, digest: str, to: list[str]) -> bool:
        """Whether this feedback was already mailed (or refused) to these addresses."""
        last = self.last(unit)
        return last is not None and last.state != PENDING and last.digest == digest and last.to == to

    def pending(self, unit: str, digest: str, to: list[str], subject: str, message_id: str) -> Sending:
        last = self.last(unit)
        if last is not None and last.state == PENDING and last.digest == digest and last.to == to:
            return last  # sent again with the same Message-ID
        item = Sending(digest, to, message_id, subject, at=_now())
        self.units.setdefault(unit, []).append(item)
        self.save()
        return item

    def finish(self, unit: str, item: Sending, state: str, error: str = "") -> None:
        item.state, item.error, item.at = state, error, _now()
        self.save()

    def forget(self, unit: str, item: Sending) -> None:
        """The server said no to it (a reply, not a lost connection): not sent, not pending."""
        items = self.units.get(unit, [])
        if item in items:
            items.remove(item)
        self.save()

    def save(self) -> None:
        write_json(self.path, {"units": {u: [asdict(s) for s in items] for u, items in self.units.items()}})


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
