"""The mailbox over TLS, with a certificate authority made at test time: implicit TLS
(IMAPS, SMTPS) and STARTTLS against the real servers, and a certificate that is not
trusted refused before any password is sent."""

from __future__ import annotations

import shutil

import pytest
import yaml

from kcbx import mailserver, pipeline
from kcbx.config import load_config
from kcbx.mailserver import MailError, MailServerDown
from mailservers import ENV, PASSWORD, Dovecot, Smtp, mail, make_certificates, need_dovecot, use_mailbox


@pytest.fixture
def tls_district(demo_copy, tmp_path, monkeypatch):
    need_dovecot()
    monkeypatch.setenv(ENV, PASSWORD)
    certificates = make_certificates(tmp_path / "certificates")
    dovecot = Dovecot(tmp_path / "dovecot", certificates=certificates).start()
    root = demo_copy("tls").dest
    outbox = root.parent / "outbox"
    shutil.move(root / "submissions", outbox)
    (root / "submissions").mkdir()
    yield root, outbox, dovecot, certificates
    dovecot.remove()


@pytest.mark.parametrize("how", ["tls", "starttls"])
def test_fetch_and_send_over_tls(tls_district, monkeypatch, how):
    root, outbox, dovecot, certificates = tls_district
    smtp = Smtp(certificates=certificates, tls=how).start()
    try:
        use_mailbox(root, dovecot, smtp, tls=True)
        if how == "starttls":  # the test servers' ports stand for 143 and 587
            config_text = (root / "kcbx.yml").read_text(encoding="utf-8")
            (root / "kcbx.yml").write_text(config_text.replace(f":{dovecot.imaps}", f":{dovecot.port}"),
                                           encoding="utf-8")
            monkeypatch.setattr(mailserver, "STARTTLS_PORTS", {dovecot.port, smtp.port})
        config = load_config(root)
        dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())))

        before = dovecot.log().count("Login:")  # the test's own delivery
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        with pytest.raises(MailError, match="证书无法验证"):  # not trusted: no password sent
            pipeline.fetch_mail(config)
        assert dovecot.log().count("Login:") == before

        monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))  # the office's own CA
        got = pipeline.fetch_mail(config)
        assert [t["unit"] for t in got.taken] == ["QSXX"]
        logins = [line for line in dovecot.log().splitlines() if "Login:" in line][before:]
        assert len(logins) == 1 and "TLS" in logins[0]

        sent = pipeline.send_mail(config)
        assert [s["unit"] for s in sent.sent] == ["QSXX"]
        assert smtp.keeper.over_tls == [True]
    finally:
        smtp.stop()


def test_plain_connections_only_to_this_machine_or_the_lan():
    mailserver.check_plain_allowed("127.0.0.1", 143)
    mailserver.check_plain_allowed("192.168.1.10", 143)
    with pytest.raises(MailError, match="不在本机或局域网"):
        mailserver.check_plain_allowed("1.1.1.1", 143)  # refused before any connection


def test_ports_choose_the_kind_of_tls():
    assert mailserver.endpoint("imap.qq.com", True, 993, 143) == ("imap.qq.com", 993, "tls")
    assert mailserver.endpoint("smtp.qq.com:587", True, 465, 25) == ("smtp.qq.com", 587, "starttls")
    assert mailserver.endpoint("mail.lan", False, 993, 143) == ("mail.lan", 143, "plain")
    assert mailserver.endpoint("[::1]:1143", True, 993, 143) == ("::1", 1143, "tls")


def _use(root, **mail) -> None:
    path = root / "kcbx.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["mail"].update(mail)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("how", ["tls", "starttls"])
def test_a_port_without_the_tls_asked_for_is_a_setting_and_stops_watch(demo_copy, mail_servers, monkeypatch,
                                                                        how):
    """tls: true against plain ports (a port mistyped, tls set on a LAN server), or STARTTLS
    ports whose servers offer none: a setting to fix — said so, no password sent, and
    ``kcbx mail watch`` stops instead of waiting for a server that will never change."""
    dovecot, smtp = mail_servers
    root = demo_copy(f"no-{how}").dest
    use_mailbox(root, dovecot, smtp)
    _use(root, tls=True)
    if how == "starttls":
        monkeypatch.setattr(mailserver, "STARTTLS_PORTS", {dovecot.port, smtp.port})
    expected = "不是加密连接（TLS）的端口" if how == "tls" else "不支持先连接再加密（STARTTLS"
    config = load_config(root)
    logins = dovecot.log().count("Login:")

    for step, key in ((pipeline.fetch_mail, "mail.imap"), (pipeline.send_mail, "mail.smtp")):
        with pytest.raises(MailError) as caught:
            step(config)
        assert not isinstance(caught.value, MailServerDown), caught.value
        assert expected in str(caught.value) and key in str(caught.value) and "993" in str(caught.value)
    with pytest.raises(MailError, match=expected):
        pipeline.watch(lambda: load_config(root), 300, lambda r: None, sleep=lambda s: None, rounds=3)
    assert dovecot.log().count("Login:") == logins and smtp.keeper.received == []
