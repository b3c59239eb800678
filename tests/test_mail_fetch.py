"""``kcbx mail fetch`` against a real Dovecot: which mails count, in which order they count,
and what never replaces a unit's good workbook."""

from __future__ import annotations

import datetime as dt
import email.policy
import os
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner

from kcbx import pipeline
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.sources import contain
from kcbx.sources.mail import Received, refusals
from kcbx.sources.mail.imap import KEYWORD
from mailservers import cut_sheet, mail, with_comment


def _october(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2022, 10, day, hour, 0).astimezone()


def _with_file(sender: str, name: str, data: bytes, kind: str = "application/pdf") -> EmailMessage:
    message = mail(sender, subject=name)
    maintype, subtype = kind.split("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def test_a_forged_from_that_reads_as_a_registered_address_is_never_taken(mail_district, mail_servers):
    """From fields built so that a careless parser reads a registered address while the
    mail came from another one: each is an unregistered sender, its attachment never read."""
    root, outbox = mail_district
    dovecot, _ = mail_servers
    forged = {"QSXX": "qsxx@example.com <evil@attacker.test>",  # an address as the name
              "QSZZ": "=?utf-8?q?qszz=40example=2Ecom?=",  # an encoded word hiding one
              "LHXX": "<lhxx@example.com>evil@attacker.test",  # text after the address
              "TJXX": "\u212ajxx@example.com"}  # KELVIN SIGN, lower-cases to an ASCII k
    conn = dovecot.connect()
    try:
        for code, value in forged.items():
            raw = mail("placeholder@attacker.test", ("报表.xlsx", (outbox / f"{code}.xlsx").read_bytes()))
            data = raw.as_bytes(policy=email.policy.SMTP).replace(
                b"From: placeholder@attacker.test", f"From: {value}".encode(), 1)
            assert conn.append("INBOX", None, None, data)[0] == "OK"
    finally:
        conn.logout()

    config = load_config(root)
    got = pipeline.fetch_mail(config)

    assert got.mails == 4 and got.taken == [] and got.refused == []
    assert len(got.unregistered) == 4 and all("发件人格式异常" in s for s in got.unregistered)
    assert list((root / "submissions").iterdir()) == []
    assert not (config.outputs_path / "mail" / "attachments").exists()  # nothing downloaded


def test_a_workbook_that_cannot_be_read_never_replaces_a_good_one(mail_district, mail_servers):
    root, outbox = mail_district
    dovecot, _ = mail_servers
    good = (outbox / "QSXX.xlsx").read_bytes()
    config = load_config(root)
    dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", good)))
    assert [t["unit"] for t in pipeline.fetch_mail(config).taken] == ["QSXX"]

    dovecot.deliver(mail("qsxx@example.com", ("报表（改）.xlsx", cut_sheet(good))))
    got = pipeline.fetch_mail(config)

    assert got.taken == [] and [(r["unit"], r["name"]) for r in got.refused] == [("QSXX", "报表（改）.xlsx")]
    assert "损坏" in got.refused[0]["reason"]
    assert (root / "submissions" / "QSXX.xlsx").read_bytes() == good  # the good one stays


def test_the_first_fetch_leaves_the_mails_from_before_the_period_unread(mail_district, mail_servers):
    """A mailbox in use for years holds last year's reports: the first fetch reads only
    what reached it since the period's first day; the older mails stay as they were."""
    root, outbox = mail_district
    dovecot, _ = mail_servers
    assert load_config(root).period == "2022-10"
    dovecot.deliver(mail("qszz@example.com", ("2021年9月报表.xlsx", (outbox / "QSZZ.xlsx").read_bytes())),
                    arrived=dt.datetime(2021, 9, 30, 9, 0).astimezone())
    dovecot.deliver(mail("qsxx@example.com", ("10月报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())),
                    arrived=_october(21))

    result = CliRunner().invoke(cli, ["mail", "fetch", "--config", str(root)])

    assert result.exit_code == 0, result.output
    assert "收下  QSXX" in result.output and "2022-10-01 以前到达的 1 封旧邮件没有读取" in result.output
    assert sorted(p.name for p in (root / "submissions").iterdir()) == ["QSXX.xlsx"]
    flags = dovecot.flags()
    assert KEYWORD not in flags[1] and KEYWORD in flags[2]  # the old mail is left as it was
    again = pipeline.fetch_mail(load_config(root))
    assert again.mails == 0 and again.older == 0  # nor read later
    assert not (root / "submissions" / "QSZZ.xlsx").exists()


def test_a_mail_moved_into_the_inbox_late_never_replaces_a_newer_workbook(mail_district, mail_servers):
    """The draft of the 20th sat in 垃圾邮件 while the final of the 21st was taken; moved to
    the inbox, it gets a new UID but keeps its arrival: it is kept, not made the submission."""
    root, outbox = mail_district
    dovecot, _ = mail_servers
    final = (outbox / "QSXX.xlsx").read_bytes()
    draft, fixed = with_comment(final, b"draft"), with_comment(final, b"fixed")
    conn = dovecot.connect()
    assert conn.create("Junk")[0] == "OK"
    conn.logout()
    dovecot.deliver(mail("qsxx@example.com", ("初稿.xlsx", draft)), folder="Junk", arrived=_october(20))
    dovecot.deliver(mail("qsxx@example.com", ("定稿.xlsx", final)), arrived=_october(21))
    config = load_config(root)
    assert [t["unit"] for t in pipeline.fetch_mail(config).taken] == ["QSXX"]

    conn = dovecot.connect()
    conn.select("Junk")
    assert conn.uid("MOVE", "1", "INBOX")[0] == "OK"
    conn.logout()
    got = pipeline.fetch_mail(config)

    assert got.mails == 1 and got.taken == [] and got.refused == []
    assert [(a["unit"], a["name"]) for a in got.set_aside] == [("QSXX", "初稿.xlsx")]
    assert "10月20日" in got.set_aside[0]["reason"] and "10月21日" in got.set_aside[0]["reason"]
    assert (root / "submissions" / "QSXX.xlsx").read_bytes() == final
    entry = Received.load(config.outputs_path).mails[-1]
    assert (config.outputs_path / "mail" / entry.attachments[0].kept).read_bytes() == draft  # kept

    dovecot.deliver(mail("qsxx@example.com", ("改正.xlsx", fixed)), arrived=_october(22))
    assert [t["unit"] for t in pipeline.fetch_mail(config).taken] == ["QSXX"]
    assert (root / "submissions" / "QSXX.xlsx").read_bytes() == fixed


def test_a_wrong_file_then_the_right_one_in_the_same_second_leaves_no_error(mail_district, mail_servers):
    """Mails of the same second count in the order they came (their UIDs)."""
    root, outbox = mail_district
    dovecot, _ = mail_servers
    right, wrong = (outbox / "TJXX.xlsx").read_bytes(), (outbox / "BYXX.xlsx").read_bytes()
    dovecot.deliver(mail("tjxx@example.com", ("报表.xlsx", wrong)),  # another unit's workbook
                    mail("tjxx@example.com", ("报表（正确）.xlsx", right)), arrived=_october(21))
    config = load_config(root)
    got = pipeline.fetch_mail(config)
    assert [t["unit"] for t in got.taken] == ["TJXX"] and [r["name"] for r in got.refused] == ["报表.xlsx"]
    assert refusals(Received.load(config.outputs_path).of_period(config.period)) == []

    # the right one first, then a wrong one, in one second: the refusal stands
    dovecot.deliver(mail("tjxx@example.com", ("报表（再改）.xlsx", with_comment(right))),
                    mail("tjxx@example.com", ("又一份.xlsx", wrong)), arrived=_october(22))
    pipeline.fetch_mail(config)
    found = refusals(Received.load(config.outputs_path).of_period(config.period))
    assert [(f.unit_code, f.value) for f in found] == [("TJXX", "又一份.xlsx")]


def test_a_scan_beside_a_taken_workbook_is_set_aside_and_mails_no_one(mail_district, mail_servers):
    """The stamped PDF of the 月报表 after the workbook is no error and no new mail; a PDF
    or an archive in place of the workbook is refused, so that the school is told."""
    root, outbox = mail_district
    dovecot, smtp = mail_servers
    config = load_config(root)
    dovecot.deliver(mail("tjxx@example.com", ("10月报表.xlsx", (outbox / "TJXX.xlsx").read_bytes())))
    pipeline.fetch_mail(config)
    assert [s["unit"] for s in pipeline.send_mail(config).sent] == ["TJXX"]

    dovecot.deliver(_with_file("tjxx@example.com", "10月月报表（盖章）.pdf", b"%PDF-1.4 scan"))
    got = pipeline.fetch_mail(config)
    assert got.refused == [] and [a["name"] for a in got.set_aside] == ["10月月报表（盖章）.pdf"]
    again = pipeline.send_mail(config)
    assert again.sent == [] and again.unchanged == ["TJXX"] and len(smtp.keeper.received) == 1
    status = CliRunner().invoke(cli, ["status", "--config", str(root)])
    assert "未使用 1 份" in status.output and "10月月报表（盖章）.pdf" in status.output

    packed = b"PK\x05\x06" + bytes(18)  # an empty zip
    dovecot.deliver(_with_file("tjxx@example.com", "10月报表.zip", packed, "application/zip"),
                    _with_file("syxx@example.com", "报表.pdf", b"%PDF-1.4 scan"))
    got = pipeline.fetch_mail(config)
    refused = sorted((r["unit"], r["name"]) for r in got.refused)
    assert refused == [("SYXX", "报表.pdf"), ("TJXX", "10月报表.zip")]


def test_a_workbook_in_a_forwarded_mail_is_taken(mail_district, mail_servers):
    """Outlook's 作为附件转发 puts the school's first mail inside the new one (message/rfc822):
    its workbook is read like one attached directly, through the same checks."""
    root, outbox = mail_district
    dovecot, _ = mail_servers
    book = (outbox / "QSXX.xlsx").read_bytes()
    forwarded = mail("qsxx@example.com", subject="转发：10月报表")
    forwarded.add_attachment(mail("qsxx@example.com", ("青石镇中心小学10月报表.xlsx", book)))
    other = mail("lhxx@example.com", subject="转发：报表")  # another unit's, forwarded
    lhzz = (outbox / "LHZZ.xlsx").read_bytes()
    other.add_attachment(mail("lhxx@example.com", ("柳河乡初级中学.xlsx", lhzz)))
    dovecot.deliver(forwarded, other)

    got = pipeline.fetch_mail(load_config(root))

    assert [t["unit"] for t in got.taken] == ["QSXX"]
    assert (root / "submissions" / "QSXX.xlsx").read_bytes() == book
    assert [(r["unit"], r["name"]) for r in got.refused] == [("LHXX", "柳河乡初级中学.xlsx")]
    assert "LHZZ" in got.refused[0]["reason"]


def test_an_attachment_near_the_limit_is_downloaded_and_measured(mail_district, mail_servers):
    """BODYSTRUCTURE gives the encoded size, base64's line breaks included: a file just
    under limits.file_mb (1 MB here) is not refused unread, one just over it is measured."""
    root, _ = mail_district
    dovecot, _ = mail_servers
    under, over = os.urandom(1_030_000), os.urandom(1_060_000)  # 1 MB = 1,048,576 bytes
    dovecot.deliver(mail("tjxx@example.com", ("报表.xlsx", under)),
                    mail("syxx@example.com", ("报表.xlsx", over)))
    config = load_config(root)

    got = pipeline.fetch_mail(config)

    reasons = {r["unit"]: r["reason"] for r in got.refused}
    assert "文件太大" not in reasons["TJXX"]  # downloaded and read: not a workbook at all
    assert "文件太大" in reasons["SYXX"] and "未下载" not in reasons["SYXX"]
    record = Received.load(config.outputs_path)
    for entry, data in zip(record.mails, (under, over), strict=True):
        [attachment] = entry.attachments
        assert attachment.size == len(data)
        assert (config.outputs_path / "mail" / attachment.kept).read_bytes() == data


def test_the_pull_after_a_fetch_takes_the_fetchs_read_of_the_workbook(mail_district, mail_servers,
                                                                        monkeypatch):
    """Fetch reads an attachment whole before taking it; the pull that follows in the same
    run (``kcbx build``, a round of ``kcbx mail watch``) takes that read, named as the pull
    names the file, instead of reading the same bytes again."""
    root, outbox = mail_district
    dovecot, _ = mail_servers
    dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())))
    config = load_config(root)
    pipeline.fetch_mail(config)
    submitted: list[Path] = []  # what went to a reader (last year's workspace is read too)
    real = contain._submit

    def submit(job: contain.ReadJob, limits: contain.Limits) -> object:
        submitted.append(job.path)
        return real(job, limits)

    monkeypatch.setattr(contain, "_submit", submit)

    run = pipeline.start(config)

    assert root / "submissions" / "QSXX.xlsx" not in submitted and submitted  # the reference was read
    [record] = [r for r in run.snapshot.files() if r.unit_code == "QSXX"]
    assert record.readable and record.source == "submissions/QSXX.xlsx"
    assert {f.file for f in run.report.findings if f.unit_code == "QSXX"} <= {"submissions/QSXX.xlsx", None}
    assert contain._HANDED == {}  # taken once
