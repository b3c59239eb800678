"""``kcbx mail send``: each unit's feedback by mail, to its registered 报送邮箱 only.

:func:`letters` decides who gets what: every unit that sent something this month (a
workbook read, one that could not be read, an attachment refused at the mailbox) and
whose feedback — its file and its findings — differs from what it was last mailed.
:func:`send_letters` sends them over one SMTP session, each written down before and after
(``sent``): exactly once, and resumed without duplicates when the server goes away.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from ... import mailserver
from ...findings import ERROR, KINDS, WARNING, Finding, Report
from ...privacy import mask_text
from ...tables.intake import FileRecord
from ...validation.rules import rule_name
from ..compiled import bytecode_cache
from ..feedback import feedback_path
from .sent import REFUSED, SENT, Sending, Sent

if TYPE_CHECKING:
    from ...config import Config

SHOWN = 10  # findings listed in a mail's body
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
Progress = Callable[[str, int, int], None]

_env = jinja2.Environment(loader=jinja2.PackageLoader("kcbx.outputs.mail", "templates"),
                          autoescape=False, keep_trailing_newline=True,  # noqa: S701 - plain text
                          bytecode_cache=bytecode_cache("mail"), undefined=jinja2.StrictUndefined)


@dataclass(frozen=True)
class Recipient:
    """A unit as the mail sees it (from 单位名录)."""

    code: str
    name: str
    emails: tuple[str, ...]


@dataclass
class Letter:
    unit: str
    to: list[str]
    digest: str  # of the feedback it carries: the unit's file and findings
    kind: str  # feedback | unreadable | refused
    subject: str
    body: str
    attachment: Path | None = None
    in_reply_to: str = ""  # the school's own mail, when its workbook came by mail


@dataclass
class SendResult:
    sent: list[dict[str, str]] = field(default_factory=list)  # {unit, to, subject, message_id}
    unchanged: list[str] = field(default_factory=list)  # units already mailed this feedback
    no_address: list[str] = field(default_factory=list)  # units with no 报送邮箱 registered
    refused: list[dict[str, str]] = field(default_factory=list)  # {unit, to, reason}: the server said no


def letters(config: Config, report: Report, files: list[FileRecord], units: Mapping[str, Recipient],
            replies: Mapping[str, str] | None = None, raw: Path | None = None) -> list[Letter]:
    """The mail each unit that sent something this month would get now (``replies``: unit →
    Message-ID of the mail its workbook came in; ``raw``: the pull's files as they came)."""
    by_unit: dict[str, list[Finding]] = {}
    for f in report.sorted():
        if f.unit_code:
            by_unit.setdefault(f.unit_code, []).append(f)
    records: dict[str, FileRecord] = {}
    for r in files:
        if r.unit_code and (r.unit_code not in records or r.readable):
            records[r.unit_code] = r
    senders = set(records) | {u for u, fs in by_unit.items() if any(f.rule == "mail-refused" for f in fs)}
    out = []
    for code in [u for u in report.units if u in senders] + sorted(senders - set(report.units)):
        unit = units.get(code, Recipient(code, report.unit_names.get(code, code), ()))
        record, found = records.get(code), by_unit.get(code, [])
        out.append(_letter(config, unit, record, found, (replies or {}).get(code, ""),
                           _contents(config, record, raw)))
    return out


def _contents(config: Config, record: FileRecord | None, raw: Path | None) -> str | None:
    """What the unit's file was: its digest, or — one that could not be read has none —
    the sha256 of its bytes as the pull kept them (else its size and time), so that a file
    resent and still unreadable is answered again."""
    if record is None or record.readable:
        return record.digest if record else None
    kept = raw / record.source if raw is not None else None
    if kept is not None and kept.is_file():
        return hashlib.sha256(kept.read_bytes()).hexdigest()
    path = config.root / record.source  # too large to be kept
    return f"{path.stat().st_size} {path.stat().st_mtime_ns}" if path.is_file() else record.digest


def _stable(f: Finding) -> list[object]:
    """What a finding is, without what changes by the day: its place and value, and — for a
    finding of the file itself (KINDS: a reason it cannot be read, a refused attachment and
    when it came) — its message; a policy rule's message may count days since the pull."""
    return [f.rule, f.severity, f.file, f.sheet, f.row, f.column, f.value,
            f.message if f.rule in KINDS else None]


def _letter(config: Config, unit: Recipient, record: FileRecord | None, found: list[Finding],
            reply: str, contents: str | None) -> Letter:
    kind = "feedback" if record is not None and record.readable else \
        "unreadable" if record is not None else "refused"
    errors = sum(f.severity == ERROR for f in found)
    warnings = sum(f.severity == WARNING for f in found)
    path = feedback_path(config, unit.code)
    attachment = path if kind == "feedback" and path.is_file() else None
    digest = hashlib.sha256(json.dumps(  # the same file and findings: the same letter
        {"file": contents, "findings": [_stable(f) for f in found]},
        ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
    district = config.district
    if kind == "feedback":
        subject = (f"{district}控辍保学：{unit.name} {config.period} 报表校验结果"
                   f"（错误 {errors} 条，提醒 {warnings} 条）")
    elif kind == "unreadable":
        subject = f"{district}控辍保学：{unit.name} {config.period} 报表无法读取，请重新发送"
    else:
        subject = f"{district}控辍保学：{unit.name} 发来的邮件附件未采用，请重新发送"
    shown = found if kind != "feedback" else found[:SHOWN]
    body = _env.get_template("letter.txt.j2").render(
        name=unit.name, unit=unit.code, kind=kind, period=config.period, district=district,
        file=Path(record.source).name if record else "", errors=errors, warnings=warnings,
        total=len(found), attachment=attachment.name if attachment else "",
        mailbox=config.mail.user if config.mail else "区教育局报送邮箱",
        shown=[{"severity": f.severity, "title": rule_name(f.rule), "message": mask_text(f.message)}
               for f in shown])
    return Letter(unit.code, list(unit.emails), digest, kind, subject, body, attachment, reply)


def send_letters(config: Config, planned: list[Letter], progress: Progress | None = None) -> SendResult:
    """Send each letter not sent before, over one SMTP session, recording each as it goes.

    Raises :class:`~kcbx.mailserver.MailServerDown` when the server goes away or refuses a
    mail itself (what was sent is recorded; a later run sends the rest) and ``MailError``
    when it refuses kcbx. Only an address refused for good (5xx to RCPT) is final."""
    settings = config.mail
    if settings is None:
        raise mailserver.MailError("kcbx.yml 中没有设置 mail（报送邮箱），无法发送反馈邮件")
    record = Sent.load(config.outputs_path)
    result = SendResult()
    todo = []
    for letter in planned:
        if not letter.to:
            result.no_address.append(letter.unit)
        elif record.done(letter.unit, letter.digest, letter.to):
            result.unchanged.append(letter.unit)
        else:
            todo.append(letter)
    if not todo:
        return result
    domain = settings.user.rpartition("@")[2]
    with mailserver.smtp(settings) as conn:
        for done, letter in enumerate(todo, start=1):
            item = record.pending(letter.unit, letter.digest, letter.to, letter.subject,
                                  make_msgid(domain=domain))
            message = compose(config, letter, item.message_id)
            try:
                refused = conn.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:  # every address refused at RCPT
                why = "；".join(f"{a}：{c} {_said(m)}" for a, (c, m) in exc.recipients.items())
                if all(500 <= c < 600 for c, _ in exc.recipients.values()):  # for good
                    _refused(record, result, letter, item, why)
                    continue
                record.forget(letter.unit, item)
                raise mailserver.MailServerDown(
                    f"发信服务器暂时不收（{why}），已发 {len(result.sent)} 封，其余稍后再发") from None
            except smtplib.SMTPNotSupportedError:  # an address the server cannot take, before sending
                _refused(record, result, letter, item,
                         "地址含有发信服务器不支持的字符（如中文），请在单位名录中改正")
                continue
            except smtplib.SMTPResponseException as exc:  # refused at MAIL FROM or DATA: not kept
                record.forget(letter.unit, item)
                raise _not_taken(exc, letter, len(result.sent)) from None
            except (smtplib.SMTPException, OSError) as exc:
                # gone while it had the mail, perhaps after keeping it: left pending, so that
                # the next run sends it under the same Message-ID (one message to the school)
                why = mailserver.said(exc)
                raise mailserver.MailServerDown(
                    f"与发信服务器的连接中断（{why}），已发 {len(result.sent)} 封，其余稍后再发") from None
            record.finish(letter.unit, item, SENT, "；".join(refused) if refused else "")
            result.sent.append({"unit": letter.unit, "to": ", ".join(letter.to), "subject": letter.subject,
                                "message_id": item.message_id})
            if progress:
                progress("发送反馈邮件", done, len(todo))
    return result


def _not_taken(exc: smtplib.SMTPResponseException, letter: Letter, sent: int) -> mailserver.MailServerDown:
    """The server answered no to the mail itself (not to an address): a spam verdict such as
    163's "554 DT:SPM" or a rule of the provider's — nothing is recorded as sent, the rest
    waits, and the mail goes again later (``kcbx mail watch`` tries again by itself)."""
    why = f"{exc.smtp_code} {_said(exc.smtp_error)}"
    if not 500 <= exc.smtp_code < 600:
        return mailserver.MailServerDown(f"发信服务器暂时不收（{why}），已发 {sent} 封，其余稍后再发")
    return mailserver.MailServerDown(
        f"发信服务器拒收了给 {letter.unit} 的邮件（{why}）：不是收件地址的问题，多半是服务商把它当成了"
        f"垃圾邮件，或附件不合它的规定。已发 {sent} 封，其余没有发出、也没有记为已发，稍后再发；"
        "一直被拒时，请登录报送邮箱查看服务商的退信或提示，或联系服务商")


def _said(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _refused(record: Sent, result: SendResult, letter: Letter, item: Sending, reason: str) -> None:
    """The server refused the unit's addresses for good (one that does not exist, …):
    recorded, not tried again until the feedback or the address changes."""
    record.finish(letter.unit, item, REFUSED, reason)
    result.refused.append({"unit": letter.unit, "to": ", ".join(letter.to), "reason": reason})


def compose(config: Config, letter: Letter, message_id: str) -> EmailMessage:
    """The mail itself: plain text in UTF-8, the annotated workbook attached."""
    assert config.mail is not None
    message = EmailMessage()
    message["From"] = formataddr((f"{config.district}控辍保学", config.mail.user))
    message["To"] = ", ".join(letter.to)
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-replied"  # RFC 3834: no robot answers it
    if letter.in_reply_to:
        message["In-Reply-To"] = letter.in_reply_to
        message["References"] = letter.in_reply_to
    message.set_content(letter.body)
    if letter.attachment is not None:
        message.add_attachment(letter.attachment.read_bytes(), maintype=XLSX[0], subtype=XLSX[1],
                               filename=letter.attachment.name)
    return message
