"""Text as it is printed on paper (文书, 送教手册, 月报表 and their .docx), never as it is kept:
the data, the snapshots and the feedback workbooks hold what the school typed.

- ``chinese_punctuation``: an ASCII , ; : ? ! ( ) that stands in Chinese text is printed as
  the full-width mark GB/T 15834 asks for (，；：？！（）); intake's NFKC also turns the
  full-width marks a school typed into ASCII ones, and this sets them back. Marks between
  digits (10:30, 1,000) and in Latin text (``page(width: 1cm)``) are left alone.
- ``printed``: the same for every string of a template's data.
- ``breakable_numbers``: a long number in running text with invisible break points after
  its groups (an ID after its region code, birth year and month-day: 110101 2010 0101 1234;
  a mobile number 138 0000 1234; any other run of seven or more digits every four), for
  word processors that would otherwise push the whole number to the next line and spread
  out the line before. The typst templates do the same with ``paper.typ``.
"""

from __future__ import annotations

import re
from typing import Any

CHINESE = ("\u2014\u2018\u2019\u201c\u201d\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
           "\uf900-\ufaff\uff00-\uffef")
_CHINESE = re.compile(f"[{CHINESE}]")
WIDE = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_MARKS = re.compile(r"[,;:?!()]")
_LONG = re.compile(r"[0-9][0-9*]{6,}[0-9Xx*]*")  # masked with * (the guide's samples) too
ZWSP = "\u200b"  # zero-width space: a line may break here, nothing is drawn


def chinese_punctuation(text: str) -> str:
    """``text`` with each ASCII , ; : ? ! ( ) that stands next to Chinese set full width
    (a bracket with its partner, spaces beside a changed mark dropped)."""
    if not _MARKS.search(text) or not _CHINESE.search(text):
        return text
    chars = list(text)
    wide = set()
    partner = _pairs(text)
    for i, ch in enumerate(chars):
        if ch in "()":
            j = partner.get(i)
            sides = (i, j) if j is not None else (i,)
            if any(_chinese(_near(text, k, -1)) or _chinese(_near(text, k, 1)) for k in sides):
                wide.update(sides)
        elif ch in WIDE:
            left, right = _near(text, i, -1), _near(text, i, 1)
            if (_chinese(left) or _chinese(right)) and not (left.isdigit() and right.isdigit()):
                wide.add(i)
    if not wide:
        return text
    for i in wide:
        chars[i] = WIDE[text[i]]
        for step in (-1, 1):  # no space beside a full-width mark
            k = i + step
            while 0 <= k < len(chars) and chars[k] == " ":
                chars[k] = ""
                k += step
    return "".join(chars)


def printed(value: Any) -> Any:
    """``value`` (a template's data: dicts, lists, strings) with every string's punctuation
    as :func:`chinese_punctuation` prints it."""
    if isinstance(value, str):
        return chinese_punctuation(value)
    if isinstance(value, dict):
        return {k: printed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printed(v) for v in value]
    return value


def digit_groups(number: str) -> list[str]:
    """A long number in the groups it is read in (see the module's description)."""
    if len(number) == 18:
        cuts = [6, 10, 14]
    elif len(number) == 11 and number.startswith("1"):
        cuts = [3, 7]
    else:
        cuts = list(range(4, len(number), 4))
    bounds = [0, *cuts, len(number)]
    return [number[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def breakable_numbers(text: str) -> str:
    """``text`` with a zero-width space between the groups of each long number."""
    return _LONG.sub(lambda m: ZWSP.join(digit_groups(m.group())), text)


def _pairs(text: str) -> dict[int, int]:
    """Matching brackets, each index to its partner's."""
    out: dict[int, int] = {}
    open_: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            open_.append(i)
        elif ch == ")" and open_:
            j = open_.pop()
            out[i], out[j] = j, i
    return out


def _near(text: str, i: int, step: int) -> str:
    """The first character other than a space from ``i`` in direction ``step`` ('' at an end)."""
    k = i + step
    while 0 <= k < len(text) and text[k] == " ":
        k += step
    return text[k] if 0 <= k < len(text) else ""


def _chinese(ch: str) -> bool:
    return bool(ch) and bool(_CHINESE.match(ch))
