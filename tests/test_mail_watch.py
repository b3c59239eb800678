"""``kcbx mail watch``: rounds of fetch → build → send against real servers that go down
and come back, and a clean stop on Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from kcbx import pipeline
from kcbx.config import load_config
from kcbx.lock import workspace_lock
from mailservers import ENV, PASSWORD, Dovecot, Smtp, mail, need_dovecot, use_mailbox


@pytest.fixture
def watched(demo_copy, tmp_path, monkeypatch):
    need_dovecot()
    monkeypatch.setenv(ENV, PASSWORD)
    dovecot = Dovecot(tmp_path / "dovecot").start()
    smtp = Smtp().start()
    root = demo_copy("watch").dest
    outbox = root.parent / "outbox"
    shutil.move(root / "submissions", outbox)
    (root / "submissions").mkdir()
    use_mailbox(root, dovecot, smtp)
    yield root, outbox, dovecot, smtp
    smtp.stop()
    dovecot.remove()


def test_watch_answers_new_mail_and_backs_off_while_the_server_is_down(watched):
    root, outbox, dovecot, smtp = watched
    dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())))
    rounds: list[pipeline.Round] = []
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # between rounds, the world changes
        waits.append(seconds)
        if len(waits) == 1:
            dovecot.stop()  # rounds 2 and 3: the server is down
        elif len(waits) == 3:
            dovecot.start()
            dovecot.deliver(mail("qszz@example.com", ("报表.xlsx", (outbox / "QSZZ.xlsx").read_bytes())))

    pipeline.watch(lambda: load_config(root), 300, rounds.append, sleep=sleep, rounds=5)

    first, down1, down2, back, quiet = rounds
    assert first.built and [t["unit"] for t in first.fetched.taken] == ["QSXX"]
    assert [s["unit"] for s in first.sent.sent] == ["QSXX"]
    assert down1.problem and "连不上收信服务器" in down1.problem and down1.fetched is None
    assert down2.problem and not down2.built
    assert back.built and [t["unit"] for t in back.fetched.taken] == ["QSZZ"]
    # QSZZ's answer; QSXX again only if its feedback changed (its census children now meet
    # QSZZ's roster): never the same feedback twice
    assert "QSZZ" in [s["unit"] for s in back.sent.sent]
    record = json.loads((root / "build" / "mail" / "sent.json").read_text(encoding="utf-8"))["units"]
    for unit, items in record.items():
        assert len({i["digest"] for i in items}) == len(items), unit
    assert len(smtp.keeper.received) == sum(len(items) for items in record.values())
    assert quiet.fetched.mails == 0 and not quiet.built and quiet.sent is None and not quiet.problem
    assert waits == [300, 300, 600, 300]  # twice as long after a second failure, then back


def test_watch_stops_cleanly_on_ctrl_c(watched):
    root, outbox, dovecot, smtp = watched
    dovecot.deliver(mail("qsxx@example.com", ("报表.xlsx", (outbox / "QSXX.xlsx").read_bytes())))
    kcbx = [sys.executable, "-m", "kcbx", "mail", "watch", "--every", "1h", "--config", str(root)]
    # its own process group, signalled whole: what Ctrl-C in a console window does
    process = subprocess.Popen(kcbx, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               encoding="utf-8", start_new_session=True, env={**os.environ, "COLUMNS": "200"})
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    end = time.monotonic() + 300
    while time.monotonic() < end and not any("第 1 轮" in line for line in lines):
        if process.poll() is not None:
            break
        time.sleep(0.2)
    assert any("第 1 轮" in line for line in lines), (lines, process.stderr.read() if process.stderr else "")
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    reader.join(5)
    stderr = process.stderr.read() if process.stderr else ""
    out = "".join(lines)
    assert process.returncode == 0, (out, stderr)
    assert "开始监视报送邮箱，每 1 小时 一轮" in out
    assert "新邮件 1 封，收下报表 1 份（QSXX）" in out and "回复 1 封" in out and "下一轮" in out
    assert "已停止监视（共 1 轮）" in out
    assert "Traceback" not in stderr and "Traceback" not in out
    with workspace_lock(load_config(root)):  # the workspace is free again
        pass
    assert len(smtp.keeper.received) == 1
