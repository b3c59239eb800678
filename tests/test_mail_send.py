"""``kcbx mail send`` against a real aiosmtpd whose replies the tests choose: which refusals
are final, which mails go again, and under which Message-ID."""

from __future__ import annotations

import pytest

from kcbx import pipeline
from kcbx.config import load_config
from kcbx.mailserver import MailServerDown
from mailservers import use_mailbox


@pytest.fixture
def sending(demo_copy, mail_servers):
    """The demo district as it is (every unit has a workbook to be answered), the servers."""
    dovecot, smtp = mail_servers
    root = demo_copy("send").dest
    use_mailbox(root, dovecot, smtp)
    return root, smtp


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
