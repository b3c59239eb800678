"""One run at a time in a workspace: a lock the operating system releases with the process.

Two coordinators (or one, twice) running ``kcbx build`` on the same folder would write the
same snapshots and outputs at once. The first run holds an OS lock on
``<outputs>/.kcbx.lock`` (``fcntl`` on Linux/macOS, ``msvcrt`` on Windows) and writes who it
is into the file; a second run is refused with a Chinese message naming the holder. A run
that crashed or was killed holds nothing any more — the OS dropped its lock — so the next
run takes the file over without asking anyone to delete it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import Config
from .errors import WorkspaceError

NAME = ".kcbx.lock"
_held: dict[Path, int] = {}  # lock file → nesting depth in this process


class WorkspaceBusy(WorkspaceError):
    """Another kcbx run holds the workspace."""


@contextmanager
def workspace_lock(config: Config) -> Iterator[None]:
    """Hold the workspace for the block (re-entrant within one process)."""
    path = (config.outputs_path / NAME).resolve()
    if _held.get(path):
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+b")  # noqa: SIM115 - held open for the whole run
    try:
        if not _try_lock(fh):
            raise WorkspaceBusy(_holder(path))
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "user": _user(), "host": socket.gethostname(),
                             "started": dt.datetime.now().isoformat(timespec="seconds")},
                            ensure_ascii=False).encode())
        fh.flush()
        _held[path] = 1
        try:
            yield
        finally:
            _held.pop(path, None)
            _unlock(fh)
    finally:
        fh.close()


def _holder(path: Path) -> str:
    try:
        who = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        who = {}
    by = f"{who.get('user', '?')}@{who.get('host', '?')}（进程 {who.get('pid', '?')}，" \
         f"{str(who.get('started', '?')).replace('T', ' ')} 开始）"
    return (f"这个工作文件夹正由另一个 kcbx 运行使用：{by}。请等它结束后再运行；"
            f"如果那个运行已经关闭，锁会自动释放（{path}）")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some service accounts
        return "?"


def _try_lock(fh) -> bool:  # noqa: ANN001 - a binary file object
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fh) -> None:  # noqa: ANN001
    try:
        import fcntl
    except ImportError:
        import msvcrt

        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
