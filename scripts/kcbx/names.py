"""File names made from what schools typed (unit codes, names) that every system accepts.

Windows refuses ``< > : " / \\ | ? *``, control characters, a trailing dot or space and the
device names (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with any extension); a name is also kept
short so that paths stay under Windows' 260 characters in a deep workspace.
"""

from __future__ import annotations

import re

UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?$", re.IGNORECASE)
LONGEST = 80  # characters of one name part


def safe_name(value: str, longest: int = LONGEST) -> str:
    """``value`` as a legal file-name part (without extension) on Windows, macOS and Linux."""
    name = UNSAFE.sub("_", value).strip(" .")[:longest].rstrip(" .")
    if RESERVED.match(name):
        name = f"_{name}"
    return name or "未命名"
