"""Shared fixtures: the default demo district, written once per test session.

Writing the 2,000-child demo takes seconds; the modules that need it get their own copy
(``demo_copy``), so no test sees another's outputs.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kcbx.demo import DemoSummary, write_demo


@pytest.fixture(scope="session")
def _demo_master(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return write_demo(tmp_path_factory.mktemp("demo-master") / "示例区", children=2000, seed=1)


@pytest.fixture(scope="session")
def demo_copy(_demo_master: DemoSummary,
              tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], DemoSummary]:
    """``demo_copy(name)``: a fresh copy of the default demo district (2,000 children, seed 1)."""

    def copy(name: str = "demo") -> DemoSummary:
        dest = tmp_path_factory.mktemp(name) / "示例区"
        shutil.copytree(_demo_master.dest, dest)
        files = [dest / p.relative_to(_demo_master.dest) for p in _demo_master.files]
        return dataclasses.replace(_demo_master, dest=dest, files=files)

    return copy




# -- the 报送邮箱's tests: real servers on loopback (mailservers.py) ----------------------


@pytest.fixture
def mail_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """A Dovecot and an aiosmtpd of the test's own, the password in the environment."""
    from mailservers import ENV, PASSWORD, Dovecot, Smtp, need_dovecot

    need_dovecot()
    monkeypatch.setenv(ENV, PASSWORD)
    dovecot = Dovecot(tmp_path / "dovecot").start()
    smtp = Smtp().start()
    yield dovecot, smtp
    smtp.stop()
    dovecot.remove()


@pytest.fixture
def mail_district(demo_copy: Callable[[str], DemoSummary],
                  mail_servers: tuple[Any, Any]) -> tuple[Path, Path]:
    """The demo district using ``mail_servers``, its submissions taken out into ``outbox``
    (they are what the schools mail): (root, outbox)."""
    from mailservers import use_mailbox

    root = demo_copy("mail").dest
    outbox = root.parent / "outbox"
    shutil.move(root / "submissions", outbox)
    (root / "submissions").mkdir()
    use_mailbox(root, mail_servers[0], mail_servers[1], limits={"file_mb": 1, "part_mb": 50})
    return root, outbox
