"""The editable .docx of a document (staff edit a 督查通报 before it goes out), laid out as
the PDF after GB/T 9704-2012: A4, margins 37 / 35 mm top / bottom and 28 / 26 mm left / right
(版心 156 × 225 mm); 22 lines of 28 characters of 3号 (16 pt) text, held by the section's
document grid (``w:docGrid``, type ``linesAndChars``) and an exact line spacing of one grid
line; the title 2号 (22 pt), 一级标题 in the heading face, 二级标题 in the body face bold,
tables 4号 (14 pt); page numbers 4号 "— 1 —".

Every role is a named paragraph style (公文标题, 发文字号, 主送机关, 公文正文, 一级标题,
二级标题, 公文表格, 发文机关署名, 附注) whose East Asian face is set as ``w:eastAsia``, so
staff change a face once for the whole document; runs carry only their text, put in exactly
as given (python-docx escapes it for XML), but for a zero-width break point after each group
of a long number in the body text (``paper.breakable_numbers``): a word processor would
otherwise carry an 18-digit ID whole to the next line and spread the line before it."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ...atomic import replacing
from ..paper import breakable_numbers

# GB/T 9704-2012 page: A4 and the margins around the 156 × 225 mm 版心
PAGE = (Mm(210), Mm(297))
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
LINES, CHARS = 22, 28
BODY, TITLE, SMALL = 16, 22, 14  # 3号, 2号, 4号 in points
CONDENSE = -6  # twentieths of a point: see _styles
GREY = RGBColor(0xA6, 0xA6, 0xA6)
# XML 1.0 cannot hold these: they would stop the file from being written at all
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write_docx(data: dict[str, Any], target: Path, fonts: dict[str, str]) -> None:
    """Write ``data`` (the document's JSON, as the typst template gets it: ``title``,
    ``number``, ``draft``, ``addressee``, ``blocks``, ``signature``, ``date``, ``note``) to
    ``target`` as a .docx. ``fonts`` names a family per role: ``title``, ``body``,
    ``heading`` (``serif`` / ``sans`` stand in for a role left out)."""
    body = fonts.get("body") or fonts.get("serif") or "仿宋"
    heading = fonts.get("heading") or fonts.get("sans") or body
    title = fonts.get("title") or body
    doc = docx.Document()
    section = doc.sections[0]
    pitch = _page(section)
    _styles(doc, body, heading, title, pitch,
            # no 小标宋 found (the title shares a face with another role): bold, as the PDF
            title_bold=title in {body, heading, fonts.get("serif"), fonts.get("sans")})
    _footer(section, body)
    if data.get("draft"):
        _draft_mark(section, heading)

    def add(text: str, style: str) -> Any:
        p = doc.add_paragraph(style=style)
        if text:
            p.add_run(_NOT_XML.sub("", text))  # "\n" becomes a line break, "\t" a tab
        return p

    if "number" in data:
        add(data["number"] or "〔　　〕　号", "发文字号")
    add(data.get("title", ""), "公文标题")
    add("", "Normal")  # one empty line between the title and the 主送机关
    if data.get("addressee"):
        add(data["addressee"], "主送机关")
    for block in data.get("blocks", []):
        kind = block.get("kind")
        if kind == "heading":
            add(block["text"], "一级标题" if block.get("level", 1) == 1 else "二级标题")
        elif kind == "para":
            add(breakable_numbers(block["text"]), "公文正文")
        elif kind == "list":
            for item in block["items"]:
                add(breakable_numbers(item), "公文正文")
        elif kind == "table":
            _table(doc, block, add)
        else:
            from . import DocumentError

            raise DocumentError(f"文书的正文中有无法排版的内容（{kind!r}）")
    add("", "Normal")  # 正文下空一行编排发文机关署名
    for line in (data.get("signature", ""), data.get("date", "")):
        if line:
            add(line, "发文机关署名")
    note = data.get("note") or ""
    if note:
        add(note if note.startswith(("（", "(")) else f"（{note}）", "附注")
    with replacing(target) as tmp:
        doc.save(str(tmp))


# -- page --------------------------------------------------------------------------------


def _page(section: Any) -> int:
    """A4 portrait, the GB/T margins and the document grid (returns its line pitch in twips);
    the grid's ``charSpace`` is the 1/4096 pt each character's pitch differs from 16 pt."""
    section.page_width, section.page_height = PAGE
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = Mm(15)
    # GB/T puts the page number's dash line 7 mm under the 版心: a 14 pt line (≈ 7 mm) above
    # 21.5 mm from the paper's edge
    section.footer_distance = Mm(21.5)
    width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    # rounded down, so that 22 lines and 28 characters do fit (225 mm / 22 = 579 twips)
    pitch = height // LINES
    char_space = math.floor((width / 20 / CHARS - BODY) * 4096)
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(pitch))
    grid.set(qn("w:charSpace"), str(char_space))
    return pitch


def _footer(section: Any, family: str) -> None:
    """"— N —" in 4号 with a PAGE field. Centred on every page (GB/T 9704 puts odd pages'
    numbers right and even pages' left, one character in; centred is its accepted plain
    form, the same as the PDF, and stays right when staff add or remove pages)."""
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    _off_grid(p, WD_ALIGN_PARAGRAPH.CENTER)
    _run(p, "— ", family, SMALL)
    # the field as Word writes it, each part its own 4号 run: begin, code, separate, the
    # number shown until the field is updated, end
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("t", "1"),
                       ("end", None)):
        run = _run(p, "", family, SMALL)
        if kind is None:
            el = OxmlElement("w:instrText")
        elif kind == "t":
            el = OxmlElement("w:t")
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        if text is not None:
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    _run(p, " —", family, SMALL)


def _draft_mark(section: Any, family: str) -> None:
    """"草稿" in light grey at the right of every page's header (gone once the 文号 is set)."""
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    _off_grid(p, WD_ALIGN_PARAGRAPH.RIGHT)
    run = _run(p, "草稿", family, BODY)
    run.font.color.rgb = GREY


def _run(p: Any, text: str, family: str, size: float) -> Any:
    run = p.add_run(text)
    run.font.size = Pt(size)
    _fonts(run._r.get_or_add_rPr(), family)
    return run


def _off_grid(p: Any, align: Any) -> None:
    """A header, footer or table paragraph: single spacing, not on the body's grid."""
    p.alignment = align
    fmt = p.paragraph_format
    fmt.first_line_indent = fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    _set(p._p.get_or_add_pPr(), "w:snapToGrid", val="0")


# -- styles ------------------------------------------------------------------------------


def _fonts(rpr: Any, family: str) -> None:
    """``family`` for East Asian and Latin text alike (python-docx's ``font.name`` leaves
    ``w:eastAsia`` alone), the language zh-CN."""
    fonts = _set(rpr, "w:rFonts")
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), family)
    for key in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(key), None)
    _set(rpr, "w:lang", val="en-US", eastAsia="zh-CN")


# the order CT_PPr and CT_RPr want their children in (Word rejects a misordered file)
_ORDER = {
    "w:pPr": ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
              "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
              "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
              "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
              "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
              "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
              "w:sectPr", "w:pPrChange"),
    "w:rPr": ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps",
              "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint",
              "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden", "w:color", "w:spacing",
              "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
              "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs",
              "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath"),
    "w:tblPr": ("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
                "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd",
                "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                "w:tblCaption", "w:tblDescription"),
}
_W = qn("w:b")[:-1]  # "{namespace}"


def _set(parent: Any, tag: str, **attrs: str) -> Any:
    """The ``tag`` child of a ``w:pPr``, ``w:rPr`` or ``w:tblPr`` (made in schema order if
    missing), with ``attrs`` (``w:`` attributes) set."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        order = _ORDER[_short(parent.tag)]
        rank = order.index(tag)
        later = [c for c in parent if _short(c.tag) in order and order.index(_short(c.tag)) > rank]
        if later:
            later[0].addprevious(el)
        else:
            parent.append(el)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _short(tag: Any) -> str:
    """``w:name`` of a WordprocessingML tag (anything else: itself)."""
    return f"w:{tag[len(_W):]}" if isinstance(tag, str) and tag.startswith(_W) else str(tag)


def _styles(doc: Any, body: str, heading: str, title: str, pitch: int, *,
            title_bold: bool) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault"))
        if rpr is not None and rpr.find(qn("w:rPr")) is not None:
            _fonts(rpr.find(qn("w:rPr")), body)
    normal = styles["Normal"]
    normal.font.size = Pt(BODY)
    _fonts(normal.element.get_or_add_rPr(), body)
    # The grid (28 × 22, see _page) is what Word's and WPS's page setup show and what text
    # staff set on the grid follows; the text itself is kept off it (w:snapToGrid 0), since
    # LibreOffice gives a 16 pt character two of the grid's 15.79 pt cells (14 to the line).
    # It is set 0.3 pt closer instead (w:spacing, in twentieths of a point: 28 of 15.7 pt fit
    # the 156 mm line, 29 do not) on lines exactly one grid line apart: 22 lines of 28
    # characters in Word, WPS and LibreOffice alike.
    _set(normal.element.get_or_add_rPr(), "w:spacing", val=str(CONDENSE))
    ppr = normal.element.get_or_add_pPr()
    _set(ppr, "w:widowControl", val="0")  # every page full: 22 lines, none moved over
    _set(ppr, "w:snapToGrid", val="0")
    _set(ppr, "w:spacing", before="0", after="0", line=str(pitch), lineRule="exact")
    _set(ppr, "w:jc", val="both")

    def style(name: str, family: str, *, size: float = BODY, align: str = "both",
              indent: str = "", bold: bool = False, outline: int | None = None) -> None:
        s = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        s.base_style = normal
        s.quick_style = True
        rpr = s.element.get_or_add_rPr()
        _fonts(rpr, family)
        if bold:
            _set(rpr, "w:b")
            _set(rpr, "w:bCs")
        if size != BODY:  # off the body's grid: the face's own spacing
            _set(rpr, "w:spacing", val="0")
        _set(rpr, "w:sz", val=str(round(size * 2)))
        _set(rpr, "w:szCs", val=str(round(size * 2)))
        ppr = s.element.get_or_add_pPr()
        if outline is not None:
            _set(ppr, "w:keepNext")
        # indents in hundredths of a character (Word, WPS) and in twips (LibreOffice)
        if indent == "first":
            _set(ppr, "w:ind", firstLineChars="200", firstLine=str(round(size * 2 * 20)))
        elif indent == "right":
            _set(ppr, "w:ind", rightChars="400", right=str(round(size * 4 * 20)))
        else:
            _set(ppr, "w:ind", firstLineChars="0", firstLine="0")
        _set(ppr, "w:jc", val=align)
        if outline is not None:
            _set(ppr, "w:outlineLvl", val=str(outline))

    style("发文字号", body, align="center")
    # each line of the 2号 title one grid line, as the body's (below a two-line title too)
    style("公文标题", title, size=TITLE, align="center", bold=title_bold)
    style("主送机关", body, align="left")
    style("公文正文", body, indent="first")
    style("一级标题", heading, indent="first", outline=0)
    style("二级标题", body, indent="first", bold=True, outline=1)
    style("发文机关署名", body, align="right", indent="right")
    style("附注", body, indent="first", align="left")
    style("公文表格", body, size=SMALL, align="left")
    _set(styles["公文表格"].element.get_or_add_pPr(), "w:spacing", before="0", after="0", line="240",
         lineRule="auto")


# -- tables ------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Display width in half characters (a CJK character is two)."""
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def _table(doc: Any, block: dict[str, Any], add: Any) -> None:
    """A full-width table in 4号: 0.5 pt borders, the header row bold and repeated at the top
    of every page, rows kept whole, columns as wide as their text asks (within reason)."""
    header = [str(h) for h in block.get("header", [])]
    rows = [[str(v) for v in row] for row in block.get("rows", [])]
    cols = max([len(header), *(len(r) for r in rows)], default=0)
    if not cols:
        return
    section = doc.sections[-1]
    total = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    wants = [max(6, min(30, max((_width(r[i]) for r in [header, *rows] if i < len(r)), default=0)))
             for i in range(cols)]
    widths = [total * w // sum(wants) for w in wants]
    widths[-1] += total - sum(widths)
    table = doc.add_table(rows=0, cols=cols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    _set(tbl_pr, "w:tblW", w=str(total), type="dxa")
    borders = _set(tbl_pr, "w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "000000")):
            b.set(qn(f"w:{key}"), value)  # sz in eighths of a point: 0.5 pt
        borders.append(b)
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(w))
    for n, values in enumerate([header, *rows] if header else rows):
        row = table.add_row()
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if header and n == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
        for i, cell in enumerate(row.cells):
            tc_w = cell._tc.get_or_add_tcPr().get_or_add_tcW()
            tc_w.set(qn("w:w"), str(widths[i]))
            tc_w.set(qn("w:type"), "dxa")
            p = cell.paragraphs[0]
            p.style = doc.styles["公文表格"]
            if header and n == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            text = values[i] if i < len(values) else ""
            if text:
                run = p.add_run(_NOT_XML.sub("", text))
                run.bold = True if header and n == 0 else None
    # an empty line after the table (two tables in a row would run together in Word)
    add("", "Normal")
