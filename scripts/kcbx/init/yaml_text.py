"""Editing ``kcbx.yml`` as text: one top-level key's value replaced, every other line — the
comments above each key, beside values and between a list's items included — kept as the
user left it.

A YAML library that round-trips comments would also reflow the rest of the file (indents,
quoting, flow lists); a coordinator's file is edited by hand in Notepad, so only the lines
of the keys kcbx sets are touched. The caller checks the result by reading it back
(:func:`kcbx.init.year.start_year`): a file written in a way this cannot edit is refused,
never half-changed.
"""

from __future__ import annotations

import re

_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w]*):(?P<rest>.*)$")


def _split_comment(rest: str) -> tuple[str, str]:
    """The value part of a line and its ``# comment`` (a ``#`` inside quotes is text)."""
    quote = None
    for i, ch in enumerate(rest):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or rest[i - 1] in " \t"):
            return rest[:i], rest[i:]
    return rest, ""


def _depth(text: str) -> int:
    """Brackets a flow value leaves open (``[`` ``{`` minus ``]`` ``}``, outside quotes)."""
    depth, quote = 0, None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


def _value_end(lines: list[str], start: int) -> tuple[int, list[str]]:
    """The index after the last line of the value of the key on line ``start``, and the
    comment lines inside it (kept). The value: a flow value until its brackets close, then
    indented or ``- `` lines; blank and comment lines after the value are left to the next
    key (they describe it)."""
    value, _ = _split_comment(_TOP_KEY.match(lines[start])["rest"])  # type: ignore[index]
    depth = _depth(value)
    end, inside, pending = start + 1, [], []
    for i in range(start + 1, len(lines)):
        line = lines[i]
        stripped = line.strip()
        if depth > 0:  # a flow list or map going on over several lines
            code, comment = _split_comment(line)
            depth += _depth(code)
            if comment:
                inside.append(comment.strip())
            end = i + 1
            continue
        if not stripped or stripped.startswith("#"):
            pending.append(line)  # the value's, if more of the value follows
            continue
        if line.startswith((" ", "\t", "-")):
            inside += [p for p in pending if p.strip()]
            pending = []
            code, comment = _split_comment(line)
            if comment:  # beside an item: kept as the item's value is replaced
                inside.append(f"  {comment.strip()}")
            depth = _depth(code)
            end = i + 1
            continue
        break
    return end, inside


def set_key(text: str, key: str, value: str | list[str], *, add: bool = True) -> str:
    """``text`` with top-level ``key`` set to ``value``: one line (``key: value``) or, for a
    list, ``key:`` followed by the given lines. Comments beside the key and inside its old
    value stay (right below the key). A key that is not there is appended (or left out when
    ``add`` is false)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        found = _TOP_KEY.match(line)
        if not found or found.group("key") != key:
            continue
        _, comment = _split_comment(found.group("rest"))
        comment = f"  {comment}" if comment else ""
        end, inside = _value_end(lines, i)
        kept = [c if c.startswith((" ", "#")) else f"  {c}" for c in inside]
        if isinstance(value, str):
            new = [f"{key}: {value}{comment}", *kept]
        elif value:
            new = [f"{key}:{comment}", *kept, *value]
        else:
            new = [f"{key}: []{comment}", *kept]
        lines[i:end] = new
        return "\n".join(lines)
    if not add:
        return text
    body = text.rstrip("\n")
    addition = f"{key}: {value}" if isinstance(value, str) else \
        "\n".join([f"{key}:", *value]) if value else f"{key}: []"
    return f"{body}\n{addition}\n"


def has_key(text: str, key: str) -> bool:
    return any((m := _TOP_KEY.match(line)) and m.group("key") == key for line in text.split("\n"))


def value_of(text: str, key: str) -> str | None:
    """The one-line value of top-level ``key`` as written (without its comment), or None."""
    for line in text.split("\n"):
        found = _TOP_KEY.match(line)
        if found and found.group("key") == key:
            return _split_comment(found.group("rest"))[0].strip()
    return None
