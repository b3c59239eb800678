"""The 校验结果 sheet as a worksheet part, written directly (no object model).

The same cells as the openpyxl writer (``xlsx._results_sheet``) from the same rows
(``layout.result_rows``): every text is an inline string, so ``=1+1`` stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from ...findings import ERROR, Finding
from ...sources.guard import column_letters
from .comments import clean
from .layout import (
    COLORS,
    GREY,
    HEADER,
    LINK_COLOR,
    NOTE_COLOR,
    NOTES,
    RESULTS,
    TOP,
    WIDTHS,
    WRAPPED,
    ResultRow,
    quote,
    summary,
)
from .styles import Styles

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HYPERLINK = REL + "/hyperlink"


@dataclass(frozen=True)
class ResultsPart:
    xml: bytes
    links: list[tuple[str, str]]  # (relationship ID, external URL) for the sheet's rels
    names: list[tuple[str, str, bool]]  # defined names local to the sheet: (name, formula, hidden)


def build(title: str, findings: list[Finding], rows: list[ResultRow], mode: str,
          styles: Styles) -> ResultsPart:
    s = _Formats(styles)
    out: list[str] = []
    cells = [(1, 1, title, s.title)]
    cells.append((2, 1, summary(findings), 0))
    if mode in NOTES:
        cells.append((3, 1, NOTES[mode], s.note))
    for r, c, value, style in cells:
        out.append(f'<row r="{r}">{_cell(r, c, value, style)}</row>')
    out.append(f'<row r="{TOP}">' + "".join(_cell(TOP, c, head, s.bold)
                                             for c, head in enumerate(HEADER, start=1)) + "</row>")
    links: list[tuple[str, str]] = []
    hyperlinks: list[str] = []
    for r, line in enumerate(rows, start=TOP + 1):
        parts = []
        for c, value in enumerate(line.cells, start=1):
            style = s.wrap if c in WRAPPED else s.top
            if c == 2:
                style = s.severity.get(line.severity, s.severity[ERROR])
            elif c == 9 and line.location is not None:
                style = s.link
                hyperlinks.append(f'<hyperlink ref="I{r}" location={quoteattr(clean(line.location))}'
                                  f' display={quoteattr(clean(str(value)))}/>')
            elif c == 10:
                style = s.rule_link if line.rule_url else s.rule
                if line.rule_url:
                    rid = f"rId{len(links) + 1}"
                    links.append((rid, line.rule_url))
                    hyperlinks.append(f'<hyperlink ref="J{r}" r:id="{rid}"/>')
            parts.append(_cell(r, c, value, style))
        out.append(f'<row r="{r}" ht="{line.height:g}" customHeight="1">{"".join(parts)}</row>')
    last = TOP + len(rows)
    end = column_letters(len(HEADER))
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                   for c, w in enumerate(WIDTHS, start=1))
    names = [("_xlnm.Print_Titles", f"{quote(RESULTS)}!${TOP}:${TOP}", False)]
    tail = []
    if findings:
        tail.append(f'<autoFilter ref="A{TOP}:{end}{last}"/>')
        names.insert(0, ("_xlnm._FilterDatabase", f"{quote(RESULTS)}!$A${TOP}:${end}${last}", True))
    if hyperlinks:
        tail.append(f"<hyperlinks>{''.join(hyperlinks)}</hyperlinks>")
    footer = escape(clean(f"&L{title.replace('&', '&&')}&R第 &P 页，共 &N 页"))
    tail.append('<printOptions gridLines="1"/>'
                '<pageMargins left="0.4" right="0.4" top="1" bottom="1" header="0.5" footer="0.5"/>'
                '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
                f"<headerFooter><oddFooter>{footer}</oddFooter></headerFooter>")
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
           '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{end}{max(last, TOP)}"/>'
           '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
           f'<pane ySplit="{TOP}" topLeftCell="A{TOP + 1}" activePane="bottomLeft" state="frozen"/>'
           f'<selection pane="bottomLeft" activeCell="A{TOP + 1}" sqref="A{TOP + 1}"/>'
           '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
           f'<cols>{cols}</cols><sheetData>{"".join(out)}</sheetData>{"".join(tail)}</worksheet>')
    return ResultsPart(xml.encode("utf-8"), links, names)


def _cell(r: int, c: int, value: int | str | None, style: int) -> str:
    ref = f"{column_letters(c)}{r}"
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    text = escape(clean(str(value)))
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class _Formats:
    """The cell formats 校验结果 uses, added to the workbook's styles."""

    def __init__(self, styles: Styles) -> None:
        self.title = styles.xf(font=styles.font(bold=True, size=14))
        self.note = styles.xf(font=styles.font(color=NOTE_COLOR))
        self.bold = styles.xf(font=styles.font(bold=True))
        self.top = styles.xf(top=True)
        self.wrap = styles.xf(top=True, wrap=True)
        self.severity = {sev: styles.xf(fill=styles.fill(rgb), top=True) for sev, rgb in COLORS.items()}
        self.link = styles.xf(font=styles.font(color=LINK_COLOR, underline=True), top=True)
        self.rule = styles.xf(font=styles.font(size=8, color=GREY), top=True)
        self.rule_link = styles.xf(font=styles.font(size=8, color=LINK_COLOR, underline=True), top=True)
