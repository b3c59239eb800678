"""The mailbox's parts that need no server: the ``mail:`` settings, 报送邮箱 in 单位名录,
the sender rules, the mail a unit gets, ``--every``."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from kcbx.commands.mail import Duration
from kcbx.config import parse_config
from kcbx.errors import ConfigError
from kcbx.findings import Finding, Report
from kcbx.mailserver import MailError, addresses, password, sender
from kcbx.outputs.mail import Recipient, letters
from kcbx.sources.mail import refusals
from kcbx.sources.mail.imap import parse_fields
from kcbx.sources.mail.record import Attachment, MailEntry
from kcbx.tables.intake import FileRecord
from workbooks import UNITS, make_workspace, run_validate, write_reference

MAIL = {"imap": "imap.qq.com", "smtp": "smtp.qq.com:465", "user": "kcbx@example.com",
        "password_env": "KCBX_MAIL_PASSWORD"}


def config(**mail):
    return parse_config({"district": "测试区", "mail": {**MAIL, **mail}}, root=Path("."), source="kcbx.yml")


def test_mail_settings_defaults_and_errors_name_the_key():
    settings = config().mail
    assert (settings.folder, settings.tls) == ("INBOX", True)
    for bad, key in (({"imap": "imap qq com"}, "mail.imap"), ({"user": "kcbx"}, "mail.user"),
                     ({"user": "报送@教育局.cn"}, "mail.user"),  # imaplib, smtplib log in in ASCII
                     ({"user": "区教育局 <kcbx@example.org>"}, "mail.user"),  # the address alone logs in
                     ({"password_env": "授权码"}, "mail.password_env"),
                     ({"password": "x"}, "mail.password")):  # never the password itself
        with pytest.raises(ConfigError) as caught:
            config(**bad)
        assert caught.value.key == key


def test_the_password_comes_from_the_environment_only(monkeypatch):
    monkeypatch.delenv("KCBX_MAIL_PASSWORD", raising=False)
    with pytest.raises(MailError, match="环境变量 KCBX_MAIL_PASSWORD 没有设置.*setx"):
        password(config().mail)
    monkeypatch.setenv("KCBX_MAIL_PASSWORD", "abcd")
    assert password(config().mail) == "abcd"


def test_registered_addresses_and_senders():
    assert addresses("QSXX@Example.com；lm@example.org、 a@example.net, qsxx@example.com") == [
        "qsxx@example.com", "lm@example.org", "a@example.net"]
    assert addresses("不是邮箱") == [] and addresses(None) == []
    # typed with a Chinese input method in full-width mode: the address meant; one that is
    # still not ASCII is none (a server without SMTPUTF8 would refuse the whole send)
    assert addresses("ｑｓｘｘ＠ｅｘａｍｐｌｅ．ｃｏｍ；中文@例子.中国") == ["qsxx@example.com"]


def _from(value: str) -> str:
    return sender(parse_fields(f"From: {value}\r\nSubject: x\r\n\r\n".encode()))


@pytest.mark.parametrize("value", [
    "青石镇中心小学 <QSXX@example.COM>",  # raw UTF-8 name (RFC 6532)
    '"青石镇中心小学" <qsxx@example.com>',
    "=?gb18030?B?x+DKr9Xy?= <qsxx@example.com>",  # what QQ/Foxmail send
    "qsxx@example.com",
    "<qsxx@example.com>",
    "qsxx@example.com (青石镇中心小学)",
])
def test_a_sender_is_the_one_address_of_a_well_formed_from(value):
    assert _from(value) == "qsxx@example.com"


@pytest.mark.parametrize("value", [
    "qsxx@example.com <evil@attacker.test>",  # an address as the name, then the real one
    '"qsxx@example.com" <evil@attacker.test>',  # quoted: the real address is evil's
    "=?utf-8?q?qsxx@example.com?= <evil@attacker.test>",
    "=?utf-8?q?qsxx=40example=2Ecom?=",  # an encoded word that decodes to an address
    "<qsxx@example.com>evil@attacker.test",  # text after the address
    "qsxx@example.com)<evil@attacker.test>",
    "evil@attacker.test (qsxx@example.com)",  # the comment is no address
    "\u212asxx@example.com",  # KELVIN SIGN: lower() makes it an ASCII k
    "evil@attacker.test, qsxx@example.com",  # two addresses
    "qsxx@example.com, evil@attacker.test",
    '"qsxx@example.com"@attacker.test',
    "undisclosed-recipients:;",
    "",
])
def test_a_forged_or_malformed_from_is_no_sender(value):
    assert _from(value) != "qsxx@example.com"
    assert _from(value) in ("", "evil@attacker.test")


def test_two_from_fields_are_no_sender():
    raw = b"From: qsxx@example.com\r\nFrom: evil@attacker.test\r\n\r\n"
    assert sender(parse_fields(raw)) == ""


def test_a_malformed_registered_address_is_an_error_of_the_reference_workbook(tmp_path):
    make_workspace(tmp_path)
    units = [dict(u) for u in UNITS]
    units[1]["email"] = "a01@example.com;b01@example.org"
    units[2]["email"] = "a02 at example.com"
    write_reference(tmp_path, units)
    found = [f for f in run_validate(tmp_path).findings if f.rule == "pattern-error"]
    assert [(f.column, f.value) for f in found] == [("报送邮箱", "a02 at example.com")]


def _entry(uid: int, at: str, *attachments: Attachment) -> MailEntry:
    return MailEntry(uid=uid, uidvalidity=1, received_at=at, period="2022-10", sender="a@example.com",
                     units=["A01"], attachments=list(attachments))


def test_a_refusal_is_an_error_of_the_sender_unit_until_it_sends_a_good_workbook():
    bad = _entry(1, "2022-10-20T09:00:00", Attachment("名册.xlsx", 10, "A01", refused="文件已加密"))
    good = _entry(2, "2022-10-21T09:00:00", Attachment("名册.xlsx", 10, "A01", saved="submissions/A01.xlsx"))
    [f] = refusals([bad])
    assert (f.rule, f.unit_code, f.severity) == ("mail-refused", "A01", "错误")
    assert f.message == "10月20日 09:00 从 a@example.com 发来的邮件附件“名册.xlsx”未采用：文件已加密"
    assert refusals([bad, good]) == []  # the good one came later: the refusal is over
    later = _entry(3, "2022-10-22T09:00:00", Attachment("x.xlsx", 10, "A01", refused="不是本单位的报表"))
    assert [f.value for f in refusals([bad, good, later])] == ["x.xlsx"]


def test_mails_of_one_second_count_in_the_order_they_were_taken():
    bad = _entry(1, "2022-10-20T09:00:00", Attachment("错的.xlsx", 10, "A01", refused="不是本单位的报表"))
    good = _entry(2, "2022-10-20T09:00:00", Attachment("对的.xlsx", 10, "A01", saved="submissions/A01.xlsx"))
    assert refusals([bad, good]) == []
    assert [f.value for f in refusals([good, bad])] == ["错的.xlsx"]


def test_a_mail_counts_from_when_it_reached_the_mailbox():
    good = _entry(1, "2022-10-21T09:00:00", Attachment("对的.xlsx", 10, "A01", saved="submissions/A01.xlsx"))
    good.arrived = "2022-10-21T01:00:00+00:00"
    late = _entry(2, "2022-10-25T09:00:00", Attachment("错的.xlsx", 10, "A01", refused="不是本单位的报表"))
    late.arrived = "2022-10-19T01:00:00+00:00"  # taken on the 25th, it came on the 19th
    assert refusals([good, late]) == []


def _finding(unit: str, message: str, rule: str = "required-error", severity: str = "错误") -> Finding:
    return Finding(rule, severity, unit, f"submissions/{unit}.xlsx", "报送信息", 2, "填报人", None, message)


def test_the_letter_masks_ids_and_its_digest_follows_the_feedback(tmp_path):
    conf = parse_config({"district": "测试区", "outputs": str(tmp_path), "mail": MAIL}, root=tmp_path,
                        source="kcbx.yml")
    files = [FileRecord("submissions/A01.xlsx", "A01", "d1"), FileRecord("submissions/A02.xlsx", "A02", "",
                                                                        readable=False)]
    report = Report([_finding("A01", "身份证号 110101201104070010 重复"),
                     _finding("A02", "文件设置了打开密码，无法读取", rule="file-error")],
                    units=["A01", "A02", "A03"], unit_names={"A01": "甲", "A02": "乙", "A03": "丙"})
    units = {"A01": Recipient("A01", "甲", ("a01@example.com",)), "A02": Recipient("A02", "乙", ())}
    first, second = letters(conf, report, files, units)
    assert (first.unit, first.kind, first.to) == ("A01", "feedback", ["a01@example.com"])
    assert "110101********0010" in first.body and "110101201104070010" not in first.body
    assert "错误 1 条，提醒 0 条" in first.subject
    assert (second.unit, second.kind, second.to) == ("A02", "unreadable", [])  # no 报送邮箱: not sent
    assert "文件设置了打开密码" in second.body
    # A03 sent nothing this month: no mail at all
    same = letters(conf, report, files, units)[0]
    changed = letters(conf, Report([_finding("A01", "另一个问题")], units=report.units), files, units)[0]
    assert same.digest == first.digest and changed.digest != first.digest


def test_a_letter_is_the_same_when_only_a_day_count_changed(tmp_path):
    conf = parse_config({"district": "测试区", "outputs": str(tmp_path), "mail": MAIL}, root=tmp_path,
                        source="kcbx.yml")
    files = [FileRecord("submissions/A01.xlsx", "A01", "d1")]
    units = {"A01": Recipient("A01", "甲", ("a01@example.com",))}

    def digest(message: str, row: int = 2) -> str:
        stalled = Finding("STEP-2", "提醒", "A01", "submissions/A01.xlsx", "辍学学生台账", row, "劝返状态",
                          "劝返中", message)
        return letters(conf, Report([stalled], units=["A01"]), files, units)[0].digest

    assert digest("已有 59 天没有新进展") == digest("已有 60 天没有新进展")
    assert digest("已有 59 天没有新进展") != digest("已有 59 天没有新进展", row=3)  # another case


def test_an_unreadable_file_resent_is_another_letter(tmp_path):
    conf = parse_config({"district": "测试区", "outputs": str(tmp_path), "mail": MAIL}, root=tmp_path,
                        source="kcbx.yml")
    raw = tmp_path / "raw"
    (raw / "submissions").mkdir(parents=True)
    files = [FileRecord("submissions/A01.xlsx", "A01", "", readable=False)]
    report = Report([_finding("A01", "工作簿内容已损坏，无法读取", rule="file-error")], units=["A01"])
    units = {"A01": Recipient("A01", "甲", ("a01@example.com",))}

    def digest(data: bytes) -> str:
        (raw / "submissions" / "A01.xlsx").write_bytes(data)
        return letters(conf, report, files, units, raw=raw)[0].digest

    assert digest(b"broken") == digest(b"broken") != digest(b"broken, resent")


@pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("30s", 30), ("1h", 3600), ("10", 600),
                                               ("2分钟", 120)])
def test_every_reads_minutes_seconds_hours(text, seconds):
    assert Duration().convert(text, None, None) == seconds


@pytest.mark.parametrize("text", ["5x", "10s", ""])
def test_every_refuses_nonsense_and_a_pace_a_mail_provider_would_block(text):
    with pytest.raises(click.BadParameter):
        Duration().convert(text, None, None)


@pytest.mark.parametrize("step", ["fetch", "send", "watch"])
def test_a_workspace_without_a_mailbox_is_told_how_to_set_one_up(tmp_path, step):
    from click.testing import CliRunner

    from kcbx.cli import cli

    make_workspace(tmp_path)
    result = CliRunner().invoke(cli, ["mail", step, "--config", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "没有设置 mail（报送邮箱）" in result.output and "工作实务 › 报送邮箱" in result.output
