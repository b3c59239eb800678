"""Exceptions the library raises. Only the CLI turns them into user messages.

Every message is Chinese and says what to do; the CLI prints ``str(error)``.
"""

from __future__ import annotations


class KcbxError(Exception):
    """Base class: a problem the user can fix, with a Chinese message."""

    exit_code = 2


class ConfigError(KcbxError):
    """The district config ``kcbx.yml`` is missing or wrong (exit code 2)."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None):
        self.path = path
        self.key = key
        where = f"配置文件 {path}" if path else "配置文件"
        if key:
            where += f" 的配置项 {key}"
        super().__init__(f"{where}：{message}")


class WorkspaceError(KcbxError):
    """The workspace folder is unusable (no kcbx.yml, a folder that cannot be written)."""


class SchemaError(KcbxError):
    """The data package in ``schemas/`` is missing or broken — a bug in kcbx itself."""


class PullError(KcbxError):
    """A pull could not be completed; the last good snapshot is left as it was."""
