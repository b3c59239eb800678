"""typst for every printed document: a template fed its data as JSON (``sys.inputs.data``,
never pasted into markup) with the Chinese fonts of :mod:`.fonts`. Each process keeps one
compiler per template and fonts; any typst warning (an unknown font family, for one) is an
error, so a PDF is never written with the wrong or a missing font.

The compiler's root is this folder: every template imports ``/paper.typ`` (dates and long
numbers as they break on paper); :data:`PAPER` lists what all printed output depends on
besides its own template and code, for the outputs' renderer hashes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..atomic import replacing
from ..errors import KcbxError
from .fonts import FontSet

ROOT = Path(__file__).parent
PAPER = (ROOT / "paper.typ", ROOT / "paper.py")
_compilers: dict[tuple[str, tuple[str, ...]], Any] = {}


def _compiler(template: Path, fonts: FontSet) -> Any:
    import typst

    key = (str(template), fonts.folders)
    if key not in _compilers:
        book = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                           font_paths=list(fonts.folders))
        _compilers[key] = typst.Compiler(template, root=ROOT, font_paths=book,
                                         ignore_system_fonts=True)
    return _compilers[key]


def compile_pdf(template: Path, payload: dict[str, Any], fonts: FontSet, on: dt.date, *,
                error: type[KcbxError], what: str) -> bytes:
    """The PDF of ``payload`` through ``template``; same data and fonts give the same bytes."""
    return _compile(template, payload, fonts, on, error=error, what=what, format="pdf")


def render_pages(template: Path, payload: dict[str, Any], fonts: FontSet, on: dt.date, *,
                 error: type[KcbxError], what: str, ppi: float = 72) -> list[bytes]:
    """Each page of ``payload`` through ``template`` as a PNG image (for previews)."""
    pages = _compile(template, payload, fonts, on, error=error, what=what, format="png", ppi=ppi)
    return pages if isinstance(pages, list) else [pages]


def _compile(template: Path, payload: dict[str, Any], fonts: FontSet, on: dt.date, *,
             error: type[KcbxError], what: str, **kwargs: Any) -> Any:
    import typst

    stamp = dt.datetime(on.year, on.month, on.day, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    try:
        pdf, warnings = _compiler(template, fonts).compile_with_warnings(
            sys_inputs={"data": json.dumps(payload, ensure_ascii=False)}, timestamp=stamp,
            **kwargs)
    except typst.TypstError as exc:
        raise error(f"{what}模板编译失败（{exc.message}）。这是 kcbx 的问题，请联系技术支持") from None
    if warnings:
        text = "；".join(w.message for w in warnings)
        raise error(f"排版时出现问题：{text}。为避免印出缺字的{what}，没有生成 PDF。"
                    "请检查 kcbx.yml 中 fonts 指定的字体是否含简体中文")
    return pdf


def combine(parts: list[Path], target: Path, *, duplex: bool = True) -> int:
    """One PDF of ``parts`` in order, each starting on a right-hand page when printed on
    both sides (a blank page after a handbook with an odd page count). Returns pages.
    pdfium copies the pages (13× faster than pypdf for a unit's few hundred handbooks)."""
    import pypdfium2 as pdfium

    dest = pdfium.PdfDocument.new()
    try:
        for part in parts:
            src = pdfium.PdfDocument(part)
            try:
                dest.import_pages(src)
                if duplex and len(src) % 2:
                    width, height = src[len(src) - 1].get_size()
                    dest.new_page(width, height)
            finally:
                src.close()
        pages = len(dest)
        with replacing(target) as tmp:
            dest.save(str(tmp))
    finally:
        dest.close()
    return pages
