"""Compiling a handbook record to PDF with typst (``handbook.typ``), and the combined PDF.

The record goes in as JSON through ``sys.inputs`` — never pasted into markup. Each worker
process keeps one typst compiler (fonts loaded once); any typst warning (an unknown font
family, for one) is an error, so a PDF is never written with the wrong or missing font.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .data import HandbookError, dated
from .fonts import FontSet

TEMPLATE = Path(__file__).with_name("handbook.typ")

_compilers: dict[tuple[str, ...], Any] = {}


def _compiler(fonts: FontSet) -> Any:
    import typst

    key = fonts.folders
    if key not in _compilers:
        book = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                           font_paths=list(fonts.folders))
        _compilers[key] = typst.Compiler(TEMPLATE, root=TEMPLATE.parent, font_paths=book,
                                         ignore_system_fonts=True)
    return _compilers[key]


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_pdf(data: dict[str, Any], fonts: FontSet, compiled_on: dt.date) -> bytes:
    """The PDF of one record; the same data and fonts give the same bytes."""
    import typst

    payload = {**dated(data, compiled_on), "fonts": fonts.families()}
    stamp = dt.datetime(compiled_on.year, compiled_on.month, compiled_on.day,
                        tzinfo=dt.timezone(dt.timedelta(hours=8)))
    try:
        pdf, warnings = _compiler(fonts).compile_with_warnings(
            format="pdf", sys_inputs={"data": json.dumps(payload, ensure_ascii=False)},
            timestamp=stamp)
    except typst.TypstError as exc:
        raise HandbookError(f"送教手册模板编译失败（{exc.message}）。"
                            "这是 kcbx 的问题，请联系技术支持") from None
    if warnings:
        text = "；".join(w.message for w in warnings)
        raise HandbookError(f"排版时出现问题：{text}。为避免印出缺字的手册，没有生成 PDF。"
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
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        os.close(fd)
        try:
            dest.save(tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    finally:
        dest.close()
    return pages
