"""``kcbx mail fetch`` against a real Dovecot: which mails count, in which order they count,
and what never replaces a unit's good workbook."""

from __future__ import annotations

import email.policy

from kcbx import pipeline
from kcbx.config import load_config
from mailservers import cut_sheet, mail


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

