"""The same handbook as an editable .docx (python-docx), for schools that print from WPS or
Word: the sections of the PDF, 宋体 text and 黑体 headings set as East Asian fonts
(``w:eastAsia``, language zh-CN), table header rows repeated on every page (``w:tblHeader``)
and rows kept whole (``w:cantSplit``)."""

from __future__ import annotations

import datetime as dt
import io
from copy import deepcopy
from functools import cache
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor, Twips
from lxml import etree

from .data import dated

SERIF, SANS, LATIN = "宋体", "黑体", "Times New Roman"
BODY = Pt(10.5)  # 五号
SMALL = Pt(9)


def _fonts(rpr: Any, east_asia: str, latin: str = LATIN) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia),
                        ("w:cs", latin)):
        fonts.set(qn(attr), value)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style_fonts(style: Any, east_asia: str, size: Pt | None = None) -> None:
    style.font.name = LATIN
    if size is not None:
        style.font.size = size
    _fonts(style.element.get_or_add_rPr(), east_asia)


def _run(paragraph: Any, value: str, *, sans: bool = False, size: Pt | None = None) -> Any:
    run = paragraph.add_run(value)
    if sans:
        _fonts(run._r.get_or_add_rPr(), SANS)
    if size is not None:
        run.font.size = size
    return run


LABEL_STYLE = "KcbxLabel"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@cache
def _q(name: str) -> str:
    return qn(name)


def _sub(parent: Any, tag: str, **attrs: str) -> Any:
    """A WordprocessingML element (``w:`` attributes) appended to ``parent``."""
    attrib = {_q(f"w:{k}"): v for k, v in attrs.items()}
    if parent is None:
        el = OxmlElement(tag)
        for key, value in attrib.items():
            el.set(key, value)
        return el
    return etree.SubElement(parent, _q(tag), attrib)


@cache
def _prototypes(kind: str, size: str) -> tuple[Any, Any]:
    """An empty table cell and a run of one ``kind`` (header, label or plain) and size."""
    label = kind != "plain"
    tc = _sub(None, "w:tc")
    tc_pr = _sub(tc, "w:tcPr")
    _sub(tc_pr, "w:tcW", w="0", type="dxa")
    if label:
        _sub(tc_pr, "w:shd", val="clear", color="auto", fill="EEEEEE" if kind == "header" else "F5F5F5")
    _sub(tc_pr, "w:vAlign", val="center")
    p_pr = _sub(_sub(tc, "w:p"), "w:pPr")
    _sub(p_pr, "w:spacing", after="0")
    if label:
        _sub(p_pr, "w:jc", val="center")
    run = _sub(None, "w:r")
    r_pr = _sub(run, "w:rPr")
    if label:
        _sub(r_pr, "w:rStyle", val=LABEL_STYLE)
    _sub(r_pr, "w:sz", val=size)
    _sub(run, "w:t").set(XML_SPACE, "preserve")
    return tc, run


class _Writer:
    def __init__(self, data: dict[str, Any]) -> None:
        self.d = data
        self.doc = Document()
        styles = self.doc.styles
        _style_fonts(styles["Normal"], SERIF, BODY)
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            _fonts(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), SERIF)
        for name, size in (("Heading 1", Pt(15)), ("Heading 2", Pt(12)), ("Title", Pt(36))):
            style = styles[name]
            _style_fonts(style, SANS, size)
            style.font.bold = False
            style.font.color.rgb = RGBColor(0, 0, 0)
        styles["Normal"].paragraph_format.space_after = Pt(2)
        label = styles.add_style("Kcbx Label", WD_STYLE_TYPE.CHARACTER)
        label.element.set(qn("w:styleId"), LABEL_STYLE)
        _fonts(label.element.get_or_add_rPr(), SANS)
        self.tables = 0

    # -- frame -------------------------------------------------------------------------
    def page(self, section: Any, landscape: bool) -> None:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210),
                                                                                         Mm(297))
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
        section.left_margin = section.right_margin = Cm(2.2 if not landscape else 2.0)

    def frame(self, section: Any, width: float) -> None:
        """Header (child, handbook number at the right margin) and 第 x 页 共 y 页."""
        m = self.d["meta"]
        header = section.header
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.text = ""
        tabs = p.paragraph_format.tab_stops
        for default in (Twips(4680), Twips(9360)):  # the Header style's centre and right tabs
            tabs.add_tab_stop(default, WD_TAB_ALIGNMENT.CLEAR)
        tabs.add_tab_stop(Cm(width), WD_TAB_ALIGNMENT.RIGHT)
        _run(p, f"{m['district']} 送教手册 · {self.d['student']['name']}", sans=True, size=SMALL)
        _run(p, f"\t编号：{m['number']}", sans=True, size=SMALL)
        footer = section.footer
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.text = ""
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, "第 ", size=SMALL)
        self.field(p, "PAGE")
        _run(p, " 页　共 ", size=SMALL)
        self.field(p, "NUMPAGES")
        _run(p, " 页", size=SMALL)

    def field(self, paragraph: Any, code: str) -> None:
        run = _run(paragraph, "", size=SMALL)
        for kind, instr in (("begin", None), (None, f" {code} "), ("separate", None),
                            (None, None), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            elif instr:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = instr
            else:
                el = OxmlElement("w:t")
                el.text = "1"
            run._r.append(el)

    # -- pieces ------------------------------------------------------------------------
    def heading(self, value: str, level: int = 1) -> None:
        p = self.doc.add_paragraph(value)  # style by id: python-docx's lookup by name is slow
        _sub(p._p.get_or_add_pPr(), "w:pStyle", val=f"Heading{level}")
        p._p.pPr.insert(0, p._p.pPr[-1])

    def note(self, value: str) -> None:
        p = self.doc.add_paragraph()
        _run(p, value, size=SMALL).font.color.rgb = RGBColor(60, 60, 60)

    def table(self, widths: list[float], header: list[str] | None, rows: list[list[Any]],
              *, size: Pt | None = None, min_height: float | None = None) -> Any:
        """A grid table with fixed column widths. ``rows`` hold strings (or lists of lines;
        a :class:`_Label` is set as a label); a row shorter than the table spans its last
        value over the rest. Built as WordprocessingML directly: python-docx's cell API is
        ten times slower and this runs for every row of every handbook."""
        tbl = _sub(None, "w:tbl")
        pr = _sub(tbl, "w:tblPr")
        _sub(pr, "w:tblStyle", val="TableGrid")
        _sub(pr, "w:tblW", w="0", type="auto")
        _sub(pr, "w:jc", val="center")
        _sub(pr, "w:tblLayout", type="fixed")
        _sub(pr, "w:tblLook", val="04A0", firstRow="1", lastRow="0", firstColumn="1",
             lastColumn="0", noHBand="0", noVBand="1")
        grid = _sub(tbl, "w:tblGrid")
        twips = [str(int(w * 567)) for w in widths]  # 1 cm = 567 twips
        for w in twips:
            _sub(grid, "w:gridCol", w=w)
        half_points = str(int((size or BODY).pt * 2))
        if header:
            self._row(tbl, twips, header, header=True, size=half_points)
        for values in rows:
            self._row(tbl, twips, values, size=half_points, min_height=min_height)
        self.doc.element.body.find(qn("w:sectPr")).addprevious(tbl)
        self.doc.add_paragraph()
        return tbl

    def _row(self, tbl: Any, twips: list[str], values: list[Any], *, header: bool = False,
             size: str, min_height: float | None = None) -> None:
        tr = _sub(tbl, "w:tr")
        tr_pr = _sub(tr, "w:trPr")
        _sub(tr_pr, "w:cantSplit")
        if min_height:
            _sub(tr_pr, "w:trHeight", val=str(int(min_height * 567)), hRule="atLeast")
        if header:
            _sub(tr_pr, "w:tblHeader")
        for i, value in enumerate(values):
            span = len(twips) - i if i == len(values) - 1 else 1
            kind = "header" if header else "label" if isinstance(value, _Label) else "plain"
            cell, run = _prototypes(kind, size)
            tc = deepcopy(cell)  # copying a finished cell is much faster than building it
            tc_w = tc[0][0]
            tc_w.set(_q("w:w"), str(sum(int(w) for w in twips[i:i + span])))
            if span > 1:
                tc_w.addnext(_sub(None, "w:gridSpan", val=str(span)))
            para = tc[1]
            for n, line in enumerate(value if isinstance(value, list) else [value]):
                r = deepcopy(run)
                if n:
                    r[-1].addprevious(_sub(None, "w:br"))
                r[-1].text = str(line)
                para.append(r)
            tr.append(tc)

    def pairs(self, rows: list[list[dict[str, str]]], widths: list[float]) -> None:
        body = [[v for c in r for v in (_Label(c["label"]), c["value"] or "—")] for r in rows]
        self.table(widths, None, body)

    # -- the handbook --------------------------------------------------------------------
    def write(self) -> bytes:
        d, m = self.d, self.d["meta"]
        first = self.doc.sections[0]
        self.page(first, landscape=False)
        self.cover(m)
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self.page(section, landscape=False)
        self.frame(section, 16.6)
        p = self.doc.add_paragraph()
        _run(p, "说　明", sans=True)
        for n, item in enumerate(d["notes"], 1):
            _run(self.doc.add_paragraph(), f"{n}. {item}", size=Pt(9.5))
        self.heading("一、学生基本情况")
        self.pairs(d["basic"], [3.0, 5.3, 3.0, 5.3])
        self.heading("二、申请与评估")
        self.pairs(d["assessment"], [3.0, 5.3, 3.0, 5.3])
        self.heading("三、个别化教学计划")
        self.pairs(d["plan"]["info"], [3.0, 5.3, 3.0, 5.3])
        if d["plan"]["domains"]:
            self.table([2.2, 3.6, 3.6, 3.6, 3.6], ["领域", "长期目标", "短期目标", "教学方法与措施",
                                                   "学期评价"],
                       [[_Label(p["domain"]), p["long_goal"], p["short_goal"], p["methods"],
                         p["evaluation"] or "—"] for p in d["plan"]["domains"]], size=Pt(9.5))
        else:
            _run(self.doc.add_paragraph(), d["plan"]["empty"], sans=True)
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self.page(section, landscape=True)
        self.frame(section, 25.7)
        self.heading("四、送教记录")
        self.note(d["records_note"])
        self.table([1.2, 2.0, 1.0, 1.9, 1.6, 2.0, 5.3, 3.6, 3.3, 2.8, 2.2],
                   ["序号", "送教日期", "课时", "送教教师", "地点", "补偿训练领域", "送教内容",
                    "家庭训练布置", "家长培训", "效果评价", "家长签字"],
                   [[v["n"], v["date"], v["hours"], v["teachers"], v["site"], v["domains"] or "—",
                     [v["content"] or "—", *([f"备注：{v['remark']}"] if v["remark"] else [])],
                     v["family_task"] or "—", v["parent_training"] or "—", v["effect"] or "—", ""]
                    for v in d["visits"]], size=SMALL, min_height=1.4)
        if not d["visits"]:
            _run(self.doc.add_paragraph(), d["no_visits"], sans=True)
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self.page(section, landscape=False)
        self.frame(section, 16.6)
        self.heading("五、每月跟踪记录")
        self.table([1.6, 1.5, 1.3, 4.4, 1.5, 4.3, 2.0],
                   ["月份", "送教次数", "课时", "涉及领域", "教学周", "未送教的教学周", "检查签字"],
                   [[r["month"], r["visits"], r["hours"], r["domains"] or "—", r["weeks"],
                     r["missed"], ""] for r in d["months"]], size=Pt(9.5))
        self.heading("六、家长培训与家庭训练")
        self.note(d["family_note"])
        self.table([2.0, 5.8, 5.8, 3.0], ["日期", "家长培训内容", "家庭训练布置", "家长反馈"],
                   [[r["date"], r["parent_training"] or "—", r["family_task"] or "—", ""]
                    for r in d["family"]], size=Pt(9.5), min_height=1.1)
        self.summary(d["summary"])
        self.doc.add_page_break()
        self.heading("八、检查记录")
        self.note(d["inspection_note"])
        self.table([2.8, 2.8, 8.2, 2.8], ["检查日期", "检查人", "检查意见", "检查人签字"],
                   [["", "", "", ""] for _ in range(d["inspection_rows"])], min_height=1.9)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    def cover(self, m: dict[str, Any]) -> None:
        def centered(value: str, size: float, *, sans: bool = True, before: float = 0) -> None:
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_before = Pt(before)
            _run(p, value, sans=sans, size=Pt(size))

        centered(m["cover_line"], 14, before=24)
        centered("送 教 手 册", 36, before=60)
        centered("（送教上门服务档案）", 13)
        centered(f"{m['school_year']}　{m['term']}", 12, sans=False)
        table = self.doc.add_table(rows=0, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        table.columns[0].width, table.columns[1].width = Cm(3.6), Cm(9.5)
        for f in m["cover_fields"]:
            row = table.add_row()
            row.height = Cm(1.2)
            label, value = row.cells
            label.width, value.width = Cm(3.6), Cm(9.5)
            label.vertical_alignment = value.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
            p = label.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.DISTRIBUTE
            _run(p, f["label"], sans=True, size=Pt(13))
            p = value.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, f["value"], size=Pt(13))
            borders = OxmlElement("w:tcBorders")
            bottom = OxmlElement("w:bottom")
            for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:color", "000000")):
                bottom.set(qn(k), v)
            borders.append(bottom)
            value._tc.get_or_add_tcPr().append(borders)
        centered(m["issuer"], 13, before=120)
        centered(f"编制日期：{m['compiled_on']}", 11, sans=False)

    def summary(self, s: dict[str, Any]) -> None:
        self.heading("七、学期总结")
        self.heading("（一）送教情况", 2)
        self.table([3.4, 13.2], None, [[_Label(f["label"]), f["value"]] for f in s["facts"]])
        self.heading("（二）送教记录合规情况", 2)
        self.table([3.9, 1.8, 10.9], ["检查项目", "结果", "具体情况"],
                   [[_Label(c["item"]), c["result"], c["detail"]] for c in s["checks"]],
                   size=Pt(9.5))
        if s["findings"]:
            self.heading("（三）报表校验发现的问题", 2)
            self.note(s["findings_note"])
            self.table([2.1, 1.4, 13.1], ["规则", "类别", "问题及整改要求"],
                       [[f["rule"], f["severity"], f["message"]] for f in s["findings"]],
                       size=Pt(9.5))
        self.heading(s["evaluation_title"], 2)
        if s["evaluations"]:
            self.table([2.4, 14.2], None, [[_Label(e["domain"]), e["text"]]
                                            for e in s["evaluations"]], size=Pt(9.5))
        _run(self.doc.add_paragraph(), "教师总结：", sans=True)
        lines = self.table([16.6], None, [[""] for _ in range(5)], min_height=0.9)
        borders = _sub(lines.find(qn("w:tblPr")), "w:tblBorders")  # ruled lines to write on
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            ruled = edge in ("bottom", "insideH")
            _sub(borders, f"w:{edge}", val="single" if ruled else "nil", sz="4", color="777777")
        lines.find(qn("w:tblPr")).remove(borders)
        lines.find(qn("w:tblPr")).find(qn("w:jc")).addnext(borders)
        for line in ("负责教师（签字）：\t\t\t学校负责人（签字）：",
                     "日期：　　　年　　月　　日\t\t\t日期：　　　年　　月　　日（学校盖章）"):
            p = self.doc.add_paragraph()
            p.paragraph_format.space_before = Pt(12)
            _run(p, line)


class _Label(str):
    """A table cell printed as a label (黑体, shaded, centred)."""


def render_docx(data: dict[str, Any], compiled_on: dt.date) -> bytes:
    return _Writer(dated(data, compiled_on)).write()
