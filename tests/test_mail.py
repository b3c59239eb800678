"""The 报送邮箱 end to end, against real servers on loopback: Dovecot (IMAP) holds what the
schools mailed, aiosmtpd (SMTP) keeps what kcbx sends back.

The demo's workbooks are mailed from their units' registered addresses, with one forged
sender, one unit mailing another's workbook, a zip bomb, an oversized attachment, an
auto-reply and a mail with no workbook; fetch must take exactly the right files, byte for
byte, and send must mail each unit once, to its registered addresses, with its own
feedback — and nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hostile import SHEET_HEAD, SHEET_TAIL, Part, bomb_stream, parts_of, valid_book, write_zip
from kcbx import pipeline
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.demo.district import UNIT, unit_email
from kcbx.mailserver import MailServerDown, addresses
from kcbx.outputs.feedback import feedback_path
from kcbx.privacy import ID_NUMBER
from kcbx.sources.mail import Received
from kcbx.sources.mail.imap import KEYWORD
from mailservers import ENV, Smtp, mail, use_mailbox, with_comment


def small_bomb(folder: Path) -> bytes:
    """A workbook whose second sheet inflates to 100 MB (over limits.part_mb: 50) from 650 KB."""
    stream, size, crc = bomb_stream(SHEET_HEAD, 0x20, 400_000, SHEET_TAIL)
    parts = parts_of(valid_book("BYXX")) + [Part("xl/worksheets/sheet2.xml", stream, size, crc)]
    return write_zip(folder / "bomb.xlsx", parts).read_bytes()


def test_fetch_takes_exactly_the_registered_units_own_workbooks(mail_district, mail_servers, tmp_path):
    root, outbox = mail_district
    dovecot, smtp = mail_servers
    books = {p.stem: p.read_bytes() for p in sorted(outbox.glob("*.xlsx"))}
    sent = []
    for code, data in books.items():
        if code == "DGXX":
            continue  # DGXX sends nothing itself: only a forger does
        if code == "QSXX":  # a first draft, then the final one: the newest wins
            draft = ("青石镇中心小学10月报表（初稿）.xlsx", with_comment(data))
            sent.append(mail("qsxx@example.com", draft))
        # a 中心校 registers two addresses: it sends from the second
        sender = addresses(unit_email(code))[-1]
        sent.append(mail(f"{UNIT[code].name} <{sender.upper()}>", (f"{UNIT[code].name}10月报表.xlsx", data)))
        if code == "QSXX":
            qsxx_final = sent[-1]["Message-ID"]
    forged = mail("someone@example.net", ("东关小学.xlsx", books["DGXX"]), subject="东关小学报表")
    other = mail("lhxx@example.com", ("柳河乡初级中学.xlsx", books["LHZZ"]))
    bomb = mail("byxx@example.com", ("山口小学（改）.xlsx", small_bomb(tmp_path)))
    question = mail("syxx@example.com", subject="请问送教记录表怎么填？")
    robot = mail("tjxx@example.com", ("自动回复.xlsx", books["TJXX"]), Auto_Submitted="auto-replied")
    dovecot.deliver(*sent, forged, other, bomb, question, robot)
    total = len(sent) + 5

    config = load_config(root)
    got = pipeline.fetch_mail(config)

    taken = {p.name: p.read_bytes() for p in (root / "submissions").iterdir()}
    assert set(taken) == {f"{c}.xlsx" for c in books if c != "DGXX"}  # no forged DGXX
    for code in books:
        if code != "DGXX":
            assert taken[f"{code}.xlsx"] == books[code], code  # byte for byte; QSXX: the newest
    assert got.mails == total
    assert got.unregistered == ["someone@example.net"]
    refused = {(r["unit"], r["name"]): r["reason"] for r in got.refused}
    assert set(refused) == {("LHXX", "柳河乡初级中学.xlsx"), ("BYXX", "山口小学（改）.xlsx")}
    why = refused[("LHXX", "柳河乡初级中学.xlsx")]
    assert "LHZZ" in why and "未采用" in why
    assert "压缩炸弹" in refused[("BYXX", "山口小学（改）.xlsx")]
    assert got.ignored == 2  # the question and the auto-reply

    # every mail is marked, none is deleted; a second fetch finds nothing new
    flags = dovecot.flags()
    assert len(flags) == total and all(KEYWORD in f for f in flags.values())
    assert pipeline.fetch_mail(config).mails == 0

    # the forged mail was never read: its attachment was not downloaded or kept
    record = Received.load(config.outputs_path)
    forged_entry = next(m for m in record.mails if m.sender == "someone@example.net")
    assert forged_entry.verdict == "unregistered" and forged_entry.attachments == []
    kept = list((config.outputs_path / "mail" / "attachments").rglob("*.xlsx"))
    assert hashlib.sha256(books["DGXX"]).hexdigest() not in {hashlib.sha256(p.read_bytes()).hexdigest()
                                                               for p in kept}

    # kcbx status lists the unregistered sender
    result = CliRunner().invoke(cli, ["status", "--config", str(root), "--json"])
    status = json.loads(result.output)
    assert [u["sender"] for u in status["unregistered"]] == ["someone@example.net"]
    assert status["mail"] == {"mails": total, "taken": len(books) - 1 + 1, "refused": 2, "set_aside": 0}

    # ---- send: each unit once, to its registered addresses, with its own feedback ------
    result = pipeline.send_mail(config)
    received = smtp.keeper.received
    units = {c for c in books if c != "DGXX"}  # LHXX and BYXX sent their own too
    assert sorted(s["unit"] for s in result.sent) == sorted(units)
    assert len(received) == len(units)
    for message in received:
        code = re.search(r"（([A-Z]+)）", message.get_body(("plain",)).get_content())[1]
        assert sorted(addresses(message["To"])) == sorted(addresses(unit_email(code))), code
        assert "someone@example.net" not in message["To"]
        assert message["Auto-Submitted"] == "auto-replied"
        body = message.get_body(("plain",)).get_content()
        assert ID_NUMBER.search(body) is None  # IDs masked
        attached = [p for p in message.iter_attachments()]
        assert len(attached) == 1
        assert attached[0].get_content() == feedback_path(config, code).read_bytes()
        assert UNIT[code].name in message["Subject"] and config.period in message["Subject"]
    by_code = {re.search(r"（([A-Z]+)）", m.get_body(("plain",)).get_content())[1]: m for m in received}
    assert "压缩炸弹" in by_code["BYXX"].get_body(("plain",)).get_content()
    assert "LHZZ" in by_code["LHXX"].get_body(("plain",)).get_content()
    assert by_code["QSXX"]["In-Reply-To"] == qsxx_final  # threads with the school's own mail

    # a second send mails nothing
    again = pipeline.send_mail(config)
    assert again.sent == [] and sorted(again.unchanged) == sorted(units)
    assert len(smtp.keeper.received) == len(units)


def test_an_oversized_attachment_is_never_downloaded(mail_district, mail_servers):
    root, outbox = mail_district
    dovecot, _ = mail_servers
    big = hashlib.sha256(b"x").digest() * (1_600_000 // 32)  # 1.6 MB, over limits.file_mb: 1
    def sessions_ended(count: int) -> None:
        """Dovecot logs a session when its process ends, a moment after the client is gone."""
        end = time.monotonic() + 20
        while dovecot.log().count("Logged out") < count and time.monotonic() < end:
            time.sleep(0.05)

    before = dovecot.log().count("Logged out")
    dovecot.deliver(mail("tjxx@example.com", ("特殊教育学校.xlsx", big)))
    before += 1
    sessions_ended(before)

    got = pipeline.fetch_mail(load_config(root))
    sessions_ended(before + 1)

    assert got.taken == [] and len(got.refused) == 1
    assert "文件太大" in got.refused[0]["reason"] and "未下载" in got.refused[0]["reason"]
    assert not (root / "submissions" / "TJXX.xlsx").exists()
    sessions = [line for line in dovecot.log().splitlines() if "Logged out" in line][before:]
    assert len(sessions) == 1
    sent_bytes = int(re.search(r"out=(\d+)", sessions[0])[1])
    assert sent_bytes < 100_000  # the server sent kcbx a few KB, not the 2 MB attachment


def test_a_server_stopped_mid_send_loses_and_duplicates_nothing(demo_copy, mail_servers):
    dovecot, smtp = mail_servers
    root = demo_copy("resend").dest
    use_mailbox(root, dovecot, smtp)
    config = load_config(root)
    smtp.keeper.die_at = 4  # the server dies in the middle of the 4th mail

    with pytest.raises(MailServerDown):
        pipeline.send_mail(config)
    assert smtp.keeper.died and len(smtp.keeper.received) == 3
    smtp.stop()
    with pytest.raises(MailServerDown):  # down: nothing sent, nothing recorded as sent
        pipeline.send_mail(config)

    smtp.keeper.die_at = None
    restarted = Smtp(keeper=smtp.keeper, port=smtp.port).start()
    try:
        result = pipeline.send_mail(config)
    finally:
        restarted.stop()
    units = sorted(p.stem for p in (root / "submissions").glob("*.xlsx"))
    subjects = [m["Subject"] for m in smtp.keeper.received]
    assert len(result.sent) == len(units) - 3
    assert len(subjects) == len(set(subjects)) == len(units)  # every unit exactly once
    ids = [m["Message-ID"] for m in smtp.keeper.received]
    assert len(set(ids)) == len(ids)
    assert sorted({UNIT[u].name for u in units}) == sorted(
        {n for n in (UNIT[u].name for u in units) if any(n in s for s in subjects)})


def test_a_refused_recipient_is_recorded_and_not_retried(demo_copy, mail_servers):
    """An address the server refuses for good (550) is said, and not tried again until the
    feedback or the address changes; the other units are mailed."""
    dovecot, smtp = mail_servers
    root = demo_copy("refused").dest
    use_mailbox(root, dovecot, smtp)

    async def refuse(server, session, envelope, address, rcpt_options):  # noqa: ANN001
        if address.startswith("yz@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.keeper.handle_RCPT = refuse
    config = load_config(root)
    first = pipeline.send_mail(config)
    assert [r["unit"] for r in first.refused] == ["YZ"] and "550" in first.refused[0]["reason"]
    assert "YZ" not in {s["unit"] for s in first.sent}
    second = pipeline.send_mail(config)
    assert second.sent == [] and second.refused == [] and "YZ" in second.unchanged


def test_cli_fetch_and_send_print_what_they_did(mail_district, mail_servers):
    root, outbox = mail_district
    dovecot, smtp = mail_servers
    # a stranger's subject is text from outside: printed as it is (not read as the terminal's
    # markup, where "[/]" stopped kcbx status for the month) and with the ID in it masked
    dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())),
                    mail("nobody@example.net", ("[/]报表[link=x].xlsx", (outbox / "QSZZ.xlsx").read_bytes()),
                         subject="请查收[/]报表 110101201001011234"))
    runner = CliRunner()
    fetched = runner.invoke(cli, ["mail", "fetch", "--config", str(root)])
    assert fetched.exit_code == 0, fetched.output
    assert "收下  QSXX  submissions/QSXX.xlsx" in fetched.output
    assert "nobody@example.net" in fetched.output and "kcbx build" in fetched.output
    status = runner.invoke(cli, ["status", "--config", str(root)])
    assert status.exit_code == 0, status.output
    assert "“请查收[/]报表 110101********1234”" in status.output and "201001011234" not in status.output
    sent = runner.invoke(cli, ["mail", "send", "--config", str(root), "--json"])
    assert sent.exit_code == 0, sent.output
    data = json.loads(sent.output)
    assert [s["unit"] for s in data["sent"]] == ["QSXX"] and data["sent"][0]["to"] == "qsxx@example.com"


def test_a_wrong_password_is_said_and_nothing_is_marked(mail_district, mail_servers, monkeypatch):
    root, outbox = mail_district
    dovecot, _ = mail_servers
    dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())))
    monkeypatch.setenv(ENV, "wrong")
    result = CliRunner().invoke(cli, ["mail", "fetch", "--config", str(root)])
    assert result.exit_code == 2
    assert "拒绝登录" in result.output and ENV in result.output
    assert "AUTHENTICATIONFAILED" in result.output and "b'" not in result.output  # the reply, decoded
    monkeypatch.delenv(ENV)
    result = CliRunner().invoke(cli, ["mail", "fetch", "--config", str(root)])
    assert result.exit_code == 2 and f"环境变量 {ENV} 没有设置" in result.output
    assert all(KEYWORD not in f for f in dovecot.flags().values())


def test_build_fetches_first_and_goes_on_when_the_mailbox_is_down(mail_district, mail_servers):
    root, outbox = mail_district
    dovecot, _ = mail_servers
    dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())))
    result = CliRunner().invoke(cli, ["pull", "--config", str(root)])
    assert result.exit_code == 0, result.output
    assert "报送邮箱：新邮件 1 封，收下报表 1 份" in result.output
    assert (root / "submissions" / "QSXX.xlsx").read_bytes() == (outbox / "QSXX.xlsx").read_bytes()
    dovecot.stop()
    (root / "submissions" / "QSZZ.xlsx").write_bytes((outbox / "QSZZ.xlsx").read_bytes())  # by hand
    result = CliRunner().invoke(cli, ["pull", "--config", str(root)])
    assert result.exit_code == 0, result.output
    assert "未能收取新邮件" in result.output and "已保存新快照" in result.output
    dovecot.start()



def test_a_pull_keeps_what_the_mailbox_brought_with_its_raw_files(mail_district, mail_servers):
    """The pull's raw history holds the mail record (private, as the record itself) beside
    the workbook taken from the mail."""
    import os
    import stat

    from kcbx.tables import latest_snapshot
    from kcbx.tables.snapshot import snapshots_dir

    root, outbox = mail_district
    dovecot, _ = mail_servers
    dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())))
    pulled = CliRunner().invoke(cli, ["pull", "--config", str(root)])
    assert pulled.exit_code == 0, pulled.output
    raw = latest_snapshot(snapshots_dir(load_config(root))).path / "raw"
    kept = next(raw.rglob("received.json"))
    record = json.loads(kept.read_text(encoding="utf-8"))
    assert [a["unit"] for m in record for a in m["attachments"] if a.get("saved")] == ["QSXX"]
    if os.name == "posix":
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
