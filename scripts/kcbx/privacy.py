"""What personal data looks like in text, and how it is masked where people may look on.

The published site refuses these patterns (``outputs.site.gate``); the terminal masks
them (a coordinator's screen may be shared or photographed): ``110101201104070010`` →
``110101********0010``, ``13800000000`` → ``138****0000``.
"""

from __future__ import annotations

import re

ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
                       r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9-])0[1-9][0-9]{1,2}-[0-9]{7,8}(?![0-9])")
# an ID a spreadsheet turned into a number ("1.1010120110724E+17"): its leading digits
SCIENTIFIC_ID = re.compile(r"(?<![0-9.])[1-9]\.[0-9]{6,}[Ee]\+1[4-7](?![0-9])")


def mask(value: str) -> str:
    """A value shown only by its first and last characters."""
    if len(value) <= 2:
        return value[0] + "*"
    if value[0].isdigit():
        return value[:3] + "*" * (len(value) - 5) + value[-2:]
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_text(text: str) -> str:
    """``text`` with every ID number and phone number in it masked."""
    text = ID_NUMBER.sub(lambda m: m.group()[:6] + "*" * 8 + m.group()[-4:], text)
    text = SCIENTIFIC_ID.sub(lambda m: m.group()[:4] + "…" + m.group()[-4:], text)
    text = MOBILE.sub(lambda m: m.group()[:3] + "****" + m.group()[-4:], text)
    return LANDLINE.sub(lambda m: m.group()[:4] + "****" + m.group()[-2:], text)
