"""Facts as printed text, and the shape every document's data takes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

BLANK = "（未填）"
OPEN = "劝返中"


@dataclass(frozen=True)
class Paper:
    """One document to write: its kind (the title the file name starts with), the 乡镇 it
    belongs to (for the combined copies), the file stem, the template and its JSON data."""

    kind: str
    town: str
    stem: str
    template: str  # a .typ file of this folder
    data: dict[str, Any]
    docx: bool = False  # also an editable .docx (documents staff edit before they go out)


def t_(value: Any) -> str:
    """A fact as text; an empty one is the marked blank."""
    return BLANK if value in (None, "") else str(value)


def d_(value: Any) -> str:
    """A date as 2022年10月8日; an empty one is the marked blank."""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return t_(value)


def ended(text: str) -> str:
    """``text`` as a sentence that ends once: a trailing comma, semicolon, colon or full stop
    (typed ASCII or full width) replaced by “。”, a question or exclamation mark kept, “。”
    added otherwise (a school's “…再观察!” does not become “…再观察！。”)."""
    text = text.rstrip()
    if text.endswith(("！", "？", "!", "?")):
        return text
    return text.rstrip("。.，,；;：: ") + "。"


def para(text: str) -> dict[str, str]:
    """A body paragraph of a document's ``blocks``."""
    return {"kind": "para", "text": text}


def title_lines(title: str, width: float = 19) -> str:
    """A 2号 title too long for one line of the 版心, broken into two balanced lines (at a
    “的” where one fits: “关于……情况\\n的通报”), as GB/T 9704 lays out a long 标题."""

    def wide(text: str) -> float:
        return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)

    if "\n" in title or wide(title) <= width:
        return title
    cuts = [i for i in range(1, len(title)) if wide(title[:i]) <= width and wide(title[i:]) <= width]
    if not cuts:
        return title
    best = [i for i in cuts if title[i] == "的"] or cuts
    return title[:(i := min(best, key=lambda i: abs(wide(title[:i]) - wide(title[i:]))))] + "\n" + title[i:]
