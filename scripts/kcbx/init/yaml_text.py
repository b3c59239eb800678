"""Editing ``kcbx.yml`` as text: one top-level key's value replaced, every other line — the
comments above each key and beside values included — kept as the user left it.

A YAML library that round-trips comments would also reflow the rest of the file (indents,
quoting, flow lists); a coordinator's file is edited by hand in Notepad, so only the lines
of the keys kcbx sets are touched.
"""

from __future__ import annotations

import re

_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w]*):(?P<rest>.*)$")
_COMMENT = re.compile(r"\s(#.*)$")


def _value_end(lines: list[str], start: int) -> int:
    """The index after the last line of the value of the key on line ``start``: indented or
    ``- `` lines that follow it. Blank and comment lines after the value are left to the
    next key (they are its description)."""
    end = start + 1
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith((" ", "\t", "-")) and line.strip() and not line.lstrip().startswith("#"):
            end = i + 1
        elif line.strip() and not line.startswith("#"):
            break
    return end


def _inline_comment(rest: str) -> str:
    """``  # 说明`` after a key's value on its own line (not a ``#`` inside quotes)."""
    if "'" in rest or '"' in rest:
        return ""
    found = _COMMENT.search(rest)
    return f"  {found.group(1)}" if found else ""


def set_key(text: str, key: str, value: str | list[str], *, add: bool = True) -> str:
    """``text`` with top-level ``key`` set to ``value``: one line (``key: value``) or, for a
    list, ``key:`` followed by the given lines. A key that is not there is appended (or left
    out when ``add`` is false)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        found = _TOP_KEY.match(line)
        if not found or found.group("key") != key:
            continue
        comment = _inline_comment(found.group("rest"))
        if isinstance(value, str):
            new = [f"{key}: {value}{comment}"]
        elif value:
            new = [f"{key}:{comment}", *value]
        else:
            new = [f"{key}: []{comment}"]
        lines[i:_value_end(lines, i)] = new
        return "\n".join(lines)
    if not add:
        return text
    body = text.rstrip("\n")
    addition = f"{key}: {value}" if isinstance(value, str) else \
        "\n".join([f"{key}:", *value]) if value else f"{key}: []"
    return f"{body}\n{addition}\n"


def has_key(text: str, key: str) -> bool:
    return any((m := _TOP_KEY.match(line)) and m.group("key") == key for line in text.split("\n"))
