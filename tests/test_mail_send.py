"""``kcbx mail send`` against a real aiosmtpd whose replies the tests choose: which refusals
are final, which mails go again, and under which Message-ID."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kcbx import mailserver, pipeline
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.mailserver import MailServerDown
from mailservers import ENV, cut_sheet, use_mailbox, with_comment


@pytest.fixture
def sending(demo_copy, mail_servers):
    """The demo district as it is (every unit has a workbook to be answered), the servers."""
    dovecot, smtp = mail_servers
    root = demo_copy("send").dest
    use_mailbox(root, dovecot, smtp)
    return root, smtp


def test_a_spam_verdict_is_no_refusal_for_good(sending):
    """163's "554 DT:SPM" at DATA refuses the mail, not the address: nothing is recorded as
    refused, the coordinator is told what it is, and the mails go once the block is lifted."""
    root, smtp = sending
    smtp.keeper.refuse_data = "554 DT:SPM 163 smtp14,EsCowAD3 envelope: content rejected as spam"

    result = CliRunner().invoke(cli, ["mail", "send", "--config", str(root)])

    assert result.exit_code == 2, result.output
    assert "拒收" in result.output and "554 DT:SPM" in result.output and "垃圾邮件" in result.output
    assert "核对单位名录中的报送邮箱" not in result.output
    smtp.keeper.refuse_data = None
    again = pipeline.send_mail(load_config(root))
    units = sorted(p.stem for p in (root / "submissions").glob("*.xlsx"))
    assert again.refused == [] and sorted(s["unit"] for s in again.sent) == units
    assert len(smtp.keeper.received) == len(units)


def test_a_mail_kept_before_the_connection_dropped_goes_again_under_its_message_id(sending):
    """The server keeps the 2nd mail and drops the connection before saying so: kcbx cannot
    know, so the rerun sends it again — with the same Message-ID, one message to the school."""
    root, smtp = sending
    smtp.keeper.drop_after = 2
    config = load_config(root)
    with pytest.raises(MailServerDown):
        pipeline.send_mail(config)
    assert len(smtp.keeper.received) == 2

    result = pipeline.send_mail(config)

    units = sorted(p.stem for p in (root / "submissions").glob("*.xlsx"))
    assert len(result.sent) == len(units) - 1
    by_subject: dict[str, set[str]] = {}
    for message in smtp.keeper.received:
        by_subject.setdefault(message["Subject"], set()).add(message["Message-ID"])
    assert len(by_subject) == len(units)  # every unit's letter …
    assert all(len(ids) == 1 for ids in by_subject.values())  # … under one Message-ID
    assert len(smtp.keeper.received) == len(units) + 1  # the 2nd twice: the same message


def test_the_same_files_a_day_later_mail_no_one(sending):
    """Some messages count days since the pull (超期未推进: "已有 59 天没有新进展"): a letter is
    sent again when its findings change, not when the count goes up by one."""
    root, smtp = sending
    config = load_config(root)
    first = pipeline.send_mail(config.with_overrides(pulled_on="2022-11-04"))
    assert first.sent

    later = pipeline.send_mail(config.with_overrides(pulled_on="2022-11-05"))

    assert later.sent == [] and len(smtp.keeper.received) == len(first.sent)


def test_a_workbook_resent_and_still_unreadable_is_answered_again(sending):
    """Two broken workbooks, the same reason: the second is another file, so the school
    hears that this one cannot be read either."""
    root, smtp = sending
    config = load_config(root)
    target = root / "submissions" / "QSXX.xlsx"
    good = target.read_bytes()
    target.write_bytes(cut_sheet(good))
    first = pipeline.send_mail(config)
    assert "QSXX" in [s["unit"] for s in first.sent]
    assert "无法读取" in next(s["subject"] for s in first.sent if s["unit"] == "QSXX")

    target.write_bytes(with_comment(cut_sheet(good), b"resent"))
    again = pipeline.send_mail(config)

    assert [s["unit"] for s in again.sent] == ["QSXX"] and "无法读取" in again.sent[0]["subject"]
    assert pipeline.send_mail(config).sent == []  # and once only


@pytest.mark.parametrize(("secret", "said"), [("wrong", "发信服务器拒绝登录"),
                                              ("授权码１２３", "密码含有汉字或全角字符")])
def test_a_password_the_smtp_server_cannot_take_is_a_setting_to_fix(sending, monkeypatch, secret, said):
    root, smtp = sending
    monkeypatch.setenv(ENV, secret)
    monkeypatch.setattr(mailserver, "TIMEOUT", 10)  # a server that does not answer fails soon

    result = CliRunner().invoke(cli, ["mail", "send", "--config", str(root)])

    assert result.exit_code == 2, result.output  # a user's error, not kcbx's (3)
    assert said in result.output and ENV in result.output
    assert "稍后再试" not in result.output and "b'" not in result.output
    assert smtp.keeper.received == []
    assert not (root / "build" / "mail" / "sent.json").exists()
