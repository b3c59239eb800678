"""``kcbx mail fetch``: new mails of the bureau's mailbox → ``submissions/<单位代码>.<ext>``.

A mail counts only when its sender is a unit's registered 报送邮箱 (单位名录); then each
workbook attached (.xlsx/.xlsm/.xls) is sized from BODYSTRUCTURE (one surely over the
limit is never downloaded; one near it is, and measured), downloaded, passed through the
hostile-file gate and read whole by ``identify`` (the caller's: reading a workbook is the
tables' business) for its 报送信息 单位代码 — a workbook a pull could not read is refused,
so it never replaces a good one — and saved byte for byte as that unit's submission when
the code is one of the sender's units.
Mails from anyone else are listed, never read. Every mail looked at is marked (a keyword)
and recorded; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from ... import mailserver
from ...atomic import write_bytes
from ...names import safe_name
from ..guard import MB, too_large
from ..raw import SourceProblem
from .imap import Mail, Mailbox, Part, parse_fields
from .record import (
    AUTOMATIC,
    NO_WORKBOOK,
    OLDER,
    REFUSED,
    TAKEN,
    UNREGISTERED,
    Attachment,
    MailEntry,
    Received,
    attachments_dir,
)

if TYPE_CHECKING:
    from ...config import Config

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# no workbook kcbx reads, but likely the report in the wrong form (packed, another program's)
WRONG_FORM = {".zip", ".rar", ".7z", ".gz", ".et", ".ett", ".ods", ".csv", ".xlsb", ".xltx", ".xltm",
              ".xlt", ".numbers"}
WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
}
# (file, name) → the 单位代码 its 报送信息 names; raises SourceProblem for a file that cannot
# be read (any sheet of it)
Identify = Callable[[Path, str], "str | None"]
Progress = Callable[[str, int, int], None]


@dataclass
class FetchResult:
    """What one fetch did (the CLI prints it; ``--json`` gives it as it is)."""

    mails: int = 0  # new mails looked at
    taken: list[dict[str, str]] = field(default_factory=list)  # {unit, file, sender}
    refused: list[dict[str, str]] = field(default_factory=list)  # {unit, name, sender, reason}
    unregistered: list[str] = field(default_factory=list)  # senders (no unit's 报送邮箱)
    ignored: int = 0  # mails with no workbook, auto-replies
    set_aside: list[dict[str, str]] = field(default_factory=list)  # {unit, name, sender, reason}: no error
    before: str = ""  # the first fetch from a folder reads mails from this day on (ISO date) …
    older: int = 0  # … and leaves this many older ones unread


@dataclass
class _Fetch:
    """One fetch's parts: the workspace, the folder, the record, who may send for whom."""

    config: Config
    box: Mailbox
    record: Received
    senders: Mapping[str, list[str]]  # registered address → its units' codes
    names: Mapping[str, str]  # code → 单位名称
    identify: Identify


def fetch_mail(config: Config, senders: Mapping[str, list[str]], names: Mapping[str, str],
               identify: Identify, progress: Progress | None = None,
               now: Callable[[], dt.datetime] = dt.datetime.now) -> FetchResult:
    """Take the new mails of ``config.mail``'s folder. ``senders``: registered address →
    its units' codes (in 单位名录 order); ``names``: code → 单位名称.

    The first fetch from a folder reads only the mails that reached it in the period's
    month or later (a mailbox in use for years holds last year's reports): the older ones
    are remembered as seen, never read. Each mail is recorded and marked as soon as it is
    handled, so a server that goes away mid-way costs nothing: the next fetch goes on from
    the first mail not yet handled."""
    settings = config.mail
    if settings is None:
        raise mailserver.MailError("kcbx.yml 中没有设置 mail（报送邮箱），无法收取邮件")
    record = Received.load(config.outputs_path)
    result = FetchResult()
    with mailserver.imap(settings) as conn:
        box = Mailbox(conn, settings.folder)
        if record.start(settings.folder, box.uidvalidity):
            result.before = config.period_start.isoformat()
            older = box.new(record.seen, before=config.period_start)
            record.skip(older)
            result.older = len(older)
        uids = box.new(record.seen)
        work = _Fetch(config, box, record, senders, names, identify)
        for done, mail in enumerate(box.describe(uids), start=1):
            entry = _take(work, mail, now())
            record.add(entry)  # recorded first: a mark that fails is not read twice
            box.mark(mail.uid)
            _tally(result, entry)
            if progress:
                progress("收取邮件", done, len(uids))
    return result


def _take(work: _Fetch, mail: Mail, now: dt.datetime) -> MailEntry:
    header = mail.header
    address = mailserver.sender(header)
    entry = MailEntry(uid=mail.uid, uidvalidity=work.box.uidvalidity,
                      received_at=now.isoformat(timespec="seconds"), period=work.config.period,
                      sender=address or _malformed(header), date=str(header.get("Date", "")),
                      subject=str(header.get("Subject", ""))[:200],
                      message_id=str(header.get("Message-ID", "")).strip(),
                      units=list(work.senders.get(address, [])),
                      arrived=(mail.arrived or now.astimezone()).astimezone(dt.UTC).isoformat())
    if _automatic(header):
        entry.verdict = AUTOMATIC
        return entry
    if not entry.units:
        entry.verdict = UNREGISTERED  # never read further: no attachment is even looked at
        return entry
    own = [p for p in mail.parts if not mail.multipart and p.section == "1"]  # the mail is the part
    heads = work.box.part_headers(mail.uid, [p for p in mail.parts if p not in own])
    heads.update({p.section: _own_header(header) for p in own})
    parsed = [(p, parse_fields(heads.get(p.section, b""))) for p in mail.parts]
    books = [(p, h, suffix) for p, h in parsed if (suffix := _workbook_suffix(h, p))]
    if not books:
        others = [h.get_filename() for _, h in parsed if h.get_content_disposition() == "attachment"]
        entry.attachments = [_other(work, entry, name) for name in others if name]
        entry.verdict = REFUSED if any(a.refused for a in entry.attachments) else NO_WORKBOOK
        return entry
    for n, (part, head, suffix) in enumerate(books, start=1):
        entry.attachments.append(_attachment(work, entry, part, heads.get(part.section, b""),
                                             head, suffix, n))
    entry.verdict = TAKEN if any(a.saved for a in entry.attachments) else \
        REFUSED if any(a.refused for a in entry.attachments) else OLDER
    return entry


def _other(work: _Fetch, entry: MailEntry, name: str) -> Attachment:
    """An attachment that is no workbook, in a mail with none (not downloaded): a scan or a
    document beside a unit's workbook already taken this month is set aside; anything else
    — or an archive or another spreadsheet format, likely the report in the wrong form —
    is refused, so that the school is told."""
    item = Attachment(name=name, size=0, unit=entry.units[0])
    suffix = PurePath(name.replace("\\", "/")).suffix.lower()
    has_one = any(a.saved and a.unit in entry.units
                  for m in work.record.of_period(work.config.period) for a in m.attachments)
    if has_one and suffix not in WRONG_FORM:
        item.ignored = "不是 Excel 工作簿（如盖章扫描件），本单位本月的报表已经收下，未使用；附件未下载"
    else:
        item.refused = ("附件不是 Excel 工作簿（.xlsx、.xlsm 或 .xls），未采用。请把填好的工作簿本身"
                        "（不要压缩、不要用“超大附件”或网盘链接）作为附件发送")
    return item


def _attachment(work: _Fetch, entry: MailEntry, part: Part, raw_head: bytes,
                head: EmailMessage, suffix: str, n: int) -> Attachment:
    config, names = work.config, work.names
    name = head.get_filename() or f"附件{n}{suffix}"
    item = Attachment(name=name, size=part.size, unit=entry.units[0])
    limit = config.limits.file_mb * MB
    if part.least > limit:  # surely too large, from BODYSTRUCTURE: never downloaded
        item.size = part.least
        item.refused = too_large(part.least, config.limits) + "；附件未下载"
        return item
    data = work.box.download(entry.uid, part, raw_head)
    item.size, item.sha256 = len(data), hashlib.sha256(data).hexdigest()
    folder = attachments_dir(config.outputs_path, config.period)
    kept = write_bytes(folder / f"{entry.uidvalidity}-{entry.uid}-{n}{suffix}", data)
    item.kept = kept.relative_to(config.outputs_path / "mail").as_posix()
    if len(data) > limit:
        item.refused = too_large(len(data), config.limits)
        return item
    try:
        code = work.identify(kept, name)
    except SourceProblem as problem:
        item.refused = problem.message
        return item
    if code is None:
        if len(entry.units) > 1:
            item.refused = (f"工作簿的「报送信息」中没有单位代码，而发件邮箱 {entry.sender} 登记给了"
                            f"多个单位（{_named(entry.units, names)}），无法判断是哪个单位的报表。"
                            "请填好单位代码后重新发送")
            return item
        code = entry.units[0]
    item.unit = code
    if code not in entry.units:
        item.unit = entry.units[0]
        item.refused = (f"这是单位代码 {code}（{names.get(code, '单位名录中没有这个代码')}）的报表，"
                        f"而发件邮箱 {entry.sender} 是{_named(entry.units, names)}登记的报送邮箱，"
                        "只收本单位的报表，未采用。请核对「报送信息」中的单位代码；"
                        "确需代报的，请区教育局在单位名录中把本邮箱也登记为该单位的报送邮箱")
        return item
    newer = work.record.newest_taken(code)
    if newer is not None and newer.arrival() > entry.arrival():  # came in late (from 垃圾邮件)
        item.ignored = (f"这封邮件 {_when(entry)} 到达邮箱，比已收下的 {_when(newer)} 的报表早，"
                        "没有替换它；已存档")
        return item
    item.saved = _save(config, code, suffix, kept)
    return item


def _save(config: Config, code: str, suffix: str, kept: Path) -> str:
    """The unit's submission, byte for byte; its file of another type (an .xls before this
    .xlsx) is moved beside the mail's attachments, so that the unit has one workbook."""
    folder = config.submissions_path
    target = folder / f"{safe_name(code)}{suffix}"
    write_bytes(target, kept.read_bytes())
    for other in WORKBOOK_SUFFIXES + (".ods",):
        old = folder / f"{safe_name(code)}{other}"
        if other != suffix and old.is_file():
            replaced = kept.parent / "replaced" / f"{kept.stem}-{old.name}"
            replaced.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(old, replaced)
    try:
        return target.relative_to(config.root).as_posix()
    except ValueError:
        return str(target)


def _workbook_suffix(head: EmailMessage, part: Part) -> str:
    """.xlsx/.xlsm/.xls for a workbook attachment (by its file name, else its type); ''."""
    name = head.get_filename() or ""
    suffix = PurePath(name.replace("\\", "/")).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return suffix
    if not name:
        return WORKBOOK_TYPES.get(part.content_type, "")
    return ""


def _own_header(header: EmailMessage) -> bytes:
    """The header of a mail that is a single part (its content fields are the part's)."""
    keep = ("Content-Type", "Content-Disposition", "Content-Transfer-Encoding")
    return "".join(f"{k}: {header[k]}\r\n" for k in keep if header.get(k)).encode()


def _automatic(header: EmailMessage) -> bool:
    """An auto-reply or a bounce (RFC 3834): never answered, so that two robots never talk."""
    auto = str(header.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(header.get("Precedence", "")).strip().lower()
    return auto not in ("", "no") or precedence in ("bulk", "junk", "list", "auto_reply") \
        or bool(header.get("X-Autoreply"))


def _malformed(header: EmailMessage) -> str:
    """How an unusable From is listed: as written (never one address read from it)."""
    written = [str(value) for key, value in header.raw_items() if key.lower() == "from"]
    shown = " / ".join(" ".join(w.split()) for w in written) or "（没有发件人）"
    return f"{shown[:150]}（发件人格式异常）"


def _when(entry: MailEntry) -> str:
    at = entry.arrival().astimezone()
    return f"{at.month}月{at.day}日 {at:%H:%M}"


def _named(units: list[str], names: Mapping[str, str]) -> str:
    return "、".join(f"{names.get(u, u)}（{u}）" for u in units)


def _tally(result: FetchResult, entry: MailEntry) -> None:
    result.mails += 1
    if entry.verdict == UNREGISTERED:
        result.unregistered.append(entry.sender)
    elif entry.verdict in (AUTOMATIC, NO_WORKBOOK):
        result.ignored += 1
    for a in entry.attachments:
        if a.saved:
            result.taken.append({"unit": a.unit or "", "file": a.saved, "sender": entry.sender})
        elif a.refused or a.ignored:
            why = {"unit": a.unit or "", "name": a.name, "sender": entry.sender,
                   "reason": a.refused or a.ignored}
            (result.refused if a.refused else result.set_aside).append(why)

