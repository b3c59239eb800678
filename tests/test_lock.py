"""One kcbx run at a time in a workspace; a killed run's lock is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from kcbx.config import load_config
from kcbx.lock import NAME, WorkspaceBusy, workspace_lock
from workbooks import workspace

HOLD = """
import sys, time
from kcbx.config import load_config
from kcbx.lock import workspace_lock
with workspace_lock(load_config(sys.argv[1])):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_second_run_is_refused_naming_the_first(tmp_path):
    root = workspace(tmp_path / "ws", {})
    config = load_config(root)
    with workspace_lock(config):
        done = subprocess.run([sys.executable, "-m", "kcbx", "validate"], cwd=root,
                              capture_output=True, text=True, encoding="utf-8", timeout=300)
        with workspace_lock(config):  # the same process may nest
            pass
    assert done.returncode == 2, done.stdout + done.stderr
    assert "正由另一个 kcbx 运行使用" in done.stderr and str(os.getpid()) in done.stderr
    assert "Traceback" not in done.stderr
    again = subprocess.run([sys.executable, "-m", "kcbx", "validate"], cwd=root,
                           capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert again.returncode in (0, 1), again.stderr  # released: the next run goes ahead


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform")
def test_a_killed_run_leaves_a_lock_the_next_run_takes_over(tmp_path):
    root = workspace(tmp_path / "ws", {})
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WorkspaceBusy), workspace_lock(load_config(root)):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert (root / "build" / NAME).is_file()  # the file is still there …
    with workspace_lock(load_config(root)):  # … but nothing holds it any more
        assert (root / "build" / NAME).read_text(encoding="utf-8").count(str(os.getpid())) == 1
