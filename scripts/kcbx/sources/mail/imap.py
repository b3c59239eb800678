"""One folder of the bureau's mailbox over IMAP (``imaplib``): which mails are new, what
each one's attachments are and how large — from BODYSTRUCTURE, before a byte of them is
downloaded — one attachment downloaded, a mail marked as taken.

Responses are parsed by IMAPClient's parser (made for what ``imaplib`` returns), parts'
headers and contents decoded by ``email``: no protocol is parsed by hand here. A taken mail
gets the keyword ``KcbxFetched`` (visible as a tag in mail programs); nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import imaplib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

from imapclient import imap_utf7
from imapclient.response_parser import parse_fetch_response
from imapclient.response_types import BodyData

from ...mailserver import MailError, MailServerDown, said

KEYWORD = "KcbxFetched"
HEADERS = ("FROM", "SUBJECT", "DATE", "MESSAGE-ID", "AUTO-SUBMITTED", "PRECEDENCE", "X-AUTOREPLY",
           "CONTENT-TYPE", "CONTENT-DISPOSITION", "CONTENT-TRANSFER-ENCODING")
BATCH = 50  # mails described in one FETCH
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Part:
    """One leaf of a mail's MIME tree, as BODYSTRUCTURE describes it."""

    section: str  # "2", "1.3": the part's IMAP section number
    content_type: str
    encoding: str
    encoded_size: int  # octets on the server, as transferred

    @property
    def size(self) -> int:
        """Its decoded size at most, without downloading it (base64 carries 3 bytes in 4)."""
        return self.encoded_size * 3 // 4 if self.encoding == "base64" else self.encoded_size

    @property
    def least(self) -> int:
        """Its decoded size at least: base64's line breaks are no content — its lines are
        76 characters (RFC 2045), taken as no shorter than 50 — and quoted-printable
        spends at most 3 characters on a byte."""
        if self.encoding == "base64":
            return self.encoded_size * 50 // 52 * 3 // 4
        return self.encoded_size // 3 if self.encoding == "quoted-printable" else self.encoded_size


@dataclass
class Mail:
    """A new mail's header fields and parts (no content downloaded)."""

    uid: int
    header: EmailMessage
    parts: list[Part] = field(default_factory=list)
    multipart: bool = True
    arrived: dt.datetime | None = None  # INTERNALDATE: when it reached the mailbox


class Mailbox:
    """A selected folder of a logged-in :func:`kcbx.mailserver.imap` connection."""

    def __init__(self, conn: imaplib.IMAP4, folder: str) -> None:
        self.conn = conn
        self.folder = folder
        typ, data = self._call(conn.select, _quoted(folder))
        if typ != "OK":
            raise MailError(f"邮箱中没有文件夹“{folder}”（配置项 mail.folder）：{_text(data)}")
        self.uidvalidity = int(_first(conn.response("UIDVALIDITY")[1]) or 0)
        flags = _text(conn.response("PERMANENTFLAGS")[1])
        self.keywords = "\\*" in flags or KEYWORD in flags  # else the local record alone

    def _call(self, method, *args):  # type: ignore[no-untyped-def]
        try:
            return method(*args)
        except imaplib.IMAP4.abort as exc:
            raise MailServerDown(f"收信服务器断开了连接（{said(exc)}），稍后再试") from None
        except OSError as exc:
            raise MailServerDown(f"与收信服务器的连接中断（{said(exc)}），稍后再试") from None

    def new(self, seen: set[int], before: dt.date | None = None) -> list[int]:
        """UIDs of the mails not yet taken, oldest first (unmarked, and not in ``seen``);
        with ``before``, only those that reached the mailbox before that day."""
        query = ["UNKEYWORD", KEYWORD] if self.keywords else ["ALL"]
        if before is not None:
            query += ["BEFORE", f"{before.day}-{MONTHS[before.month - 1]}-{before.year}"]
        typ, data = self._call(self.conn.uid, "SEARCH", *query)
        if typ != "OK":
            raise MailError(f"收信服务器无法列出邮件：{_text(data)}")
        return sorted(u for u in (int(x) for x in _text(data).split()) if u not in seen)

    def describe(self, uids: list[int]) -> Iterator[Mail]:
        """Each mail's header fields and parts, ``BATCH`` mails a request."""
        for start in range(0, len(uids), BATCH):
            chunk = uids[start:start + BATCH]
            items = f"(INTERNALDATE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS ({' '.join(HEADERS)})])"
            typ, data = self._call(self.conn.uid, "FETCH", ",".join(map(str, chunk)), items)
            if typ != "OK":
                raise MailError(f"收信服务器无法读取邮件信息：{_text(data)}")
            parsed = parse_fetch_response([d for d in data if d is not None], normalise_times=False)
            for uid in chunk:
                if uid not in parsed:  # removed meanwhile
                    continue
                fields = parsed[uid]
                raw = next((v for k, v in fields.items() if k.startswith(b"BODY[HEADER")), b"") or b""
                header = parse_fields(raw)
                structure = fields.get(b"BODYSTRUCTURE")
                arrived = fields.get(b"INTERNALDATE")
                mail = Mail(uid, header, arrived=arrived if isinstance(arrived, dt.datetime) else None)
                if structure is not None:
                    mail.multipart = bool(structure.is_multipart)
                    mail.parts = list(_leaves(structure, ""))
                yield mail

    def part_headers(self, uid: int, parts: list[Part]) -> dict[str, bytes]:
        """Each part's own MIME header as sent (its file name and type), in one request."""
        if not parts:
            return {}
        items = " ".join(f"BODY.PEEK[{p.section}.MIME]" for p in parts)
        typ, data = self._call(self.conn.uid, "FETCH", str(uid), f"({items})")
        if typ != "OK":
            raise MailError(f"收信服务器无法读取邮件附件信息：{_text(data)}")
        fields = parse_fetch_response([d for d in data if d is not None]).get(uid, {})
        return {p.section: fields.get(f"BODY[{p.section}.MIME]".encode()) or b"" for p in parts}

    def download(self, uid: int, part: Part, head: bytes) -> bytes:
        """One attachment's bytes (``head``: its MIME header), decoded by ``email``."""
        items = f"BODY.PEEK[{part.section}]"
        typ, data = self._call(self.conn.uid, "FETCH", str(uid), f"({items})")
        if typ != "OK":
            raise MailError(f"收信服务器无法下载附件：{_text(data)}")
        fields = parse_fetch_response([d for d in data if d is not None]).get(uid, {})
        body = fields.get(f"BODY[{part.section}]".encode()) or b""
        if not head.strip():
            head = f"Content-Transfer-Encoding: {part.encoding}".encode()
        message = parse_header(head.rstrip(b"\r\n") + b"\r\n\r\n" + body)
        payload = message.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""

    def mark(self, uid: int) -> None:
        """Tag a mail as taken (a keyword; the mail stays where it is)."""
        if self.keywords:
            typ, data = self._call(self.conn.uid, "STORE", str(uid), "+FLAGS.SILENT", f"({KEYWORD})")
            if typ != "OK":
                raise MailError(f"收信服务器无法标记邮件：{_text(data)}")


def parse_header(raw: bytes) -> EmailMessage:
    """A header and its body as ``email`` reads it: encoded words and RFC 2231 file names
    decoded (the body's bytes kept as they are)."""
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def parse_fields(raw: bytes) -> EmailMessage:
    """Header fields alone, their raw 8-bit text read as UTF-8 (RFC 6532: what mail programs
    send for a Chinese name without encoding it), so that such a name is no defect."""
    return email.message_from_string(raw.decode("utf-8", "replace"),  # type: ignore[return-value]
                                     policy=email.policy.default)


def _leaves(body, prefix: str) -> Iterator[Part]:  # type: ignore[no-untyped-def]
    """The leaf parts of a BODYSTRUCTURE, with their section numbers (RFC 3501 6.4.5) —
    those of a mail forwarded as an attachment (message/rfc822) too: a workbook in it is
    the sender's as much as one attached directly."""
    if body.is_multipart:
        for i, child in enumerate(body[0], start=1):
            yield from _leaves(child, f"{prefix}{i}" if not prefix else f"{prefix}.{i}")
        return
    kind = f"{_decode(body[0])}/{_decode(body[1])}".lower()
    section = prefix or "1"
    if kind == "message/rfc822" and len(body) > 8 and isinstance(body[8], tuple) and body[8]:
        inner = BodyData.create(body[8])
        yield from _leaves(inner, section if inner.is_multipart else f"{section}.1")
        return
    yield Part(section, kind, _decode(body[5]).lower(), int(body[6] or 0))


def _decode(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return "" if value is None else str(value)


def _quoted(folder: str) -> str:
    name = imap_utf7.encode(folder).decode("ascii")
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _first(data: list | None) -> str:
    return _text(data).split()[0] if _text(data).split() else ""


def _text(data: list | None) -> str:
    out = []
    for item in data or []:
        if isinstance(item, tuple):
            item = item[0]
        if isinstance(item, bytes):
            out.append(item.decode("utf-8", "replace"))
        elif item is not None:
            out.append(str(item))
    return " ".join(out)
