"""Compiling a handbook record to PDF with typst (``handbook.typ``), and the combined PDF.

The record goes in as JSON through ``sys.inputs`` — never pasted into markup. Each worker
process keeps one typst compiler (fonts loaded once); any typst warning (an unknown font
family, for one) is an error, so a PDF is never written with the wrong or missing font.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..fonts import FontSet
from ..typeset import combine, compile_pdf  # noqa: F401 - combine: the handbooks' merged PDFs
from .data import HandbookError, dated

TEMPLATE = Path(__file__).with_name("handbook.typ")

def render_pdf(data: dict[str, Any], fonts: FontSet, compiled_on: dt.date) -> bytes:
    """The PDF of one record; the same data and fonts give the same bytes."""
    payload = {**dated(data, compiled_on), "fonts": fonts.families()}
    return compile_pdf(TEMPLATE, payload, fonts, compiled_on, error=HandbookError, what="送教手册")


