"""One worksheet part as bytes: read its header rows, restyle a few cells, keep the rest.

A school's sheet can be 100,000 rows (several MB of XML); an object model of it costs
seconds, and the copy needs only a style index on a few hundred cells. So the part is
scanned at byte level: the ``<row>`` start tags are found with one regular expression, and
only the rows holding a marked cell are taken apart. Every other byte is kept as it was.

What makes this safe on any SpreadsheetML writer: element names may carry any namespace
prefix; rows and cells may omit ``r`` (their position is then the one after the last);
rows and cells may be self-closing; text never holds a raw ``<`` (it is escaped), so a tag
pattern cannot match inside a value, an inline string or a formula.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ...sources.guard import column_letters, column_number

P = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROOT = re.compile(rb"<(" + P + rb")worksheet\b")
_SHEET_DATA = re.compile(rb"<(" + P + rb")sheetData\b[^>]*?(/?)>")
_ROW = re.compile(rb"<(" + P + rb")row\b([^>]*?)(/?)>")
_CELL = re.compile(rb"<(" + P + rb")c\b([^>]*?)(/?)>")
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})$")
_STYLE = re.compile(rb"""\ss\s*=\s*(?:"[^"]*"|'[^']*')""")
_SPANS = re.compile(rb"""\sspans\s*=\s*(?:"[^"]*"|'[^']*')""")
_TAB_SELECTED = re.compile(rb"""\stabSelected\s*=\s*(?:"[^"]*"|'[^']*')""")
_SHEET_VIEW = re.compile(rb"<(" + P + rb")sheetView\b[^>]*>")
_MERGE = re.compile(rb"<" + P + rb"mergeCell\b[^>]*?\sref\s*=\s*[\"']"
                    rb"([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?[\"']")
_COL = re.compile(rb"<" + P + rb"col\b([^>]*?)/?>")
_V = re.compile(rb"<(" + P + rb")v\b[^>]*>(.*?)</\1v\s*>", re.S)
_T = re.compile(rb"<(" + P + rb")t\b[^>]*?(?:/>|>(.*?)</\1t\s*>)", re.S)
_PHONETIC = re.compile(rb"<(" + P + rb")rPh\b.*?</\1rPh\s*>", re.S)
_LEGACY = re.compile(rb"<" + P + rb"legacyDrawing\b[^>]*?\s" + P + rb"id\s*=\s*[\"']([^\"']*)[\"']")
# what follows <legacyDrawing> in CT_Worksheet (controls and OLE objects come in mc:AlternateContent)
_AFTER_LEGACY = re.compile(rb"<" + P + rb"(?:legacyDrawingHF|drawingHF|picture|oleObjects|controls|"
                           rb"webPublishItems|tableParts|extLst|AlternateContent)\b"
                           rb"|</" + P + rb"worksheet\s*>")
REL_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"

Restyle = Callable[[int, str], int | None]  # (the cell's style index, action) → new index or keep


class SheetError(ValueError):
    """A worksheet part this module does not understand (the copy falls back to openpyxl)."""


@dataclass(frozen=True)
class _Row:
    number: int
    start: int  # the row's start tag
    inner: int  # after the start tag
    end: int  # after </row> (or the self-closing tag)
    attrs: bytes
    closed: bool  # <row …/>


def attributes(attrs: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(attrs)}


def text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8"))


class SheetXml:
    """A worksheet part's bytes, with the positions of its rows found on demand."""

    def __init__(self, data: bytes) -> None:
        root = _ROOT.search(data)
        if root is None:
            raise SheetError("no worksheet element")
        self.prefix = root.group(1)
        body = _SHEET_DATA.search(data, root.end())
        if body is None:
            raise SheetError("no sheetData")
        if body.group(2):  # <sheetData/>: open it up, so rows can go in
            p = body.group(1)
            data = data[:body.start()] + b"<" + p + b"sheetData></" + p + b"sheetData>" + data[body.end():]
            body = _SHEET_DATA.search(data, root.end())
            assert body is not None
        self.data = data
        self.body_start = body.end()
        end = data.find(b"</" + body.group(1) + b"sheetData", self.body_start)
        if end < 0:
            raise SheetError("sheetData not closed")
        self.body_end = end
        self._rows: list[_Row] | None = None

    def rows(self) -> Iterator[_Row]:
        """The rows in order (their ``r``, or the one after the last)."""
        if self._rows is not None:
            yield from self._rows
            return
        found: list[_Row] = []
        number, data = 0, self.data
        for m in _ROW.finditer(data, self.body_start, self.body_end):
            attrs = m.group(2)
            r = attributes(attrs).get(b"r")
            number = int(r) if r else number + 1
            if m.group(3):
                end = m.end()
            else:
                close = data.find(b"</" + m.group(1) + b"row", m.end(), self.body_end)
                if close < 0:
                    raise SheetError(f"row {number} not closed")
                end = data.index(b">", close) + 1
            row = _Row(number, m.start(), m.end(), end, attrs, bool(m.group(3)))
            found.append(row)
            yield row
        self._rows = found

    def row_values(self, number: int, shared: Callable[[int], str]) -> list[str | None]:
        """The cell texts of row ``number`` by column (numbers as written, shared strings
        looked up by ``shared``); [] when the row is absent."""
        for row in self.rows():
            if row.number == number:
                break
            if row.number > number:
                return []
        else:
            return []
        out: list[str | None] = []
        for col, attrs, inner in _cells(self.data, row):
            value = _value(attributes(attrs), inner, shared)
            out.extend([None] * (col - len(out)))
            out[col - 1] = value
        return out

    def merges(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges as (first row, first column, last row, last column)."""
        out = []
        for m in _MERGE.finditer(self.data, self.body_end):
            first = _split(m.group(1))
            last = _split(m.group(2)) if m.group(2) else first
            out.append((first[0], first[1], last[0], last[1]))
        return out

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        """The cell that holds ``(row, col)``'s look: a merged range's top-left cell."""
        for r1, c1, r2, c2 in self.merges():
            if r1 <= row <= r2 and c1 <= col <= c2:
                return r1, c1
        return row, col

    def legacy_drawing(self) -> str | None:
        """The relationship ID of the sheet's VML drawing (comments, form controls), if any."""
        m = _LEGACY.search(self.data, self.body_end)
        return m.group(1).decode() if m else None

    def tab_selected(self) -> bool:
        head = self.data[:self.body_start]
        return any(_TAB_SELECTED.search(m.group(0)) for m in _SHEET_VIEW.finditer(head))

    def patch(self, actions: dict[tuple[int, int], str], restyle: Restyle,
              legacy_rid: str | None = None) -> bytes:
        """The part with each cell of ``actions`` restyled (``restyle``; a missing cell,
        or row, is made), no tab selected, and ``<legacyDrawing r:id=legacy_rid/>`` added."""
        data = self.data
        head = _SHEET_VIEW.sub(lambda m: _TAB_SELECTED.sub(b"", m.group(0)), data[:self.body_start])
        out = [head]
        by_row: dict[int, dict[int, str]] = {}
        for (r, c), action in actions.items():
            by_row.setdefault(r, {})[c] = action
        pending = sorted(by_row)
        col_styles = _column_styles(head)
        pos = self.body_start
        for row in self.rows() if pending else ():
            while pending and pending[0] < row.number:  # a row the sheet does not have
                out.append(data[pos:row.start])
                pos = row.start
                number = pending.pop(0)
                out.append(self._new_row(number, by_row[number], restyle, col_styles))
            if not pending:
                break
            if pending[0] == row.number:
                out.append(data[pos:row.start])
                out.append(self._patch_row(row, by_row[pending.pop(0)], restyle, col_styles))
                pos = row.end
        out.append(data[pos:self.body_end])
        for number in pending:
            out.append(self._new_row(number, by_row[number], restyle, col_styles))
        tail = data[self.body_end:]
        if legacy_rid is not None:
            at = _AFTER_LEGACY.search(tail)
            if at is None:
                raise SheetError("worksheet not closed")
            element = (b"<" + self.prefix + b'legacyDrawing xmlns:r="' + REL_NS + b'" r:id="'
                       + legacy_rid.encode() + b'"/>')
            tail = tail[:at.start()] + element + tail[at.start():]
        out.append(tail)
        return b"".join(out)

    def _new_row(self, number: int, cols: dict[int, str], restyle: Restyle,
                 col_styles: dict[int, int]) -> bytes:
        p = self.prefix
        cells = b"".join(_new_cell(p, number, c, restyle(col_styles.get(c, 0), cols[c]))
                         for c in sorted(cols))
        return b"<" + p + b'row r="' + str(number).encode() + b'">' + cells + b"</" + p + b"row>"

    def _patch_row(self, row: _Row, cols: dict[int, str], restyle: Restyle,
                   col_styles: dict[int, int]) -> bytes:
        data, p = self.data, self.prefix
        row_attrs = attributes(row.attrs)
        row_style = int(row_attrs.get(b"s") or 0) if row_attrs.get(b"customFormat") in (b"1", b"true") \
            else None
        pending = sorted(cols)
        out: list[bytes] = []
        added = False
        pos, col = row.inner, 0
        if not row.closed:
            for m in _CELL.finditer(data, row.inner, row.end):
                col = _cell_column(m.group(2), col)
                while pending and pending[0] < col:
                    out.append(data[pos:m.start()])
                    pos = m.start()
                    c = pending.pop(0)
                    base = row_style if row_style is not None else col_styles.get(c, 0)
                    out.append(_new_cell(p, row.number, c, restyle(base, cols[c])))
                    added = True
                if pending and pending[0] == col:
                    c = pending.pop(0)
                    attrs = m.group(2)
                    old = attributes(attrs).get(b"s")
                    new = restyle(int(old or 0), cols[c])
                    if new is not None:
                        attrs = _STYLE.sub(b"", attrs) + b' s="' + str(new).encode() + b'"'
                        out.append(data[pos:m.start()])
                        out.append(b"<" + m.group(1) + b"c" + attrs + m.group(3) + b">")
                        pos = m.end()
                if not pending:
                    break
        close = row.end if row.closed else data.rindex(b"</", row.inner, row.end)
        out.append(data[pos:close] if not row.closed else b"")
        for c in pending:
            base = row_style if row_style is not None else col_styles.get(c, 0)
            out.append(_new_cell(p, row.number, c, restyle(base, cols[c])))
            added = True
        attrs = _SPANS.sub(b"", row.attrs) if added else row.attrs
        if row.closed:
            attrs = attrs.rstrip()
            return (b"<" + p + b"row" + attrs + b">" + b"".join(out) + b"</" + p + b"row>")
        start = data[row.start:row.inner]
        if added:
            start = start.replace(row.attrs, attrs, 1)
        return start + b"".join(out) + data[close:row.end]


def head_selects_tab(head: bytes) -> bool:
    """Whether a worksheet part's beginning (up to ``<sheetData>``) selects its tab."""
    body = _SHEET_DATA.search(head)
    head = head[:body.start()] if body else head
    return any(_TAB_SELECTED.search(m.group(0)) for m in _SHEET_VIEW.finditer(head))


def _cells(data: bytes, row: _Row) -> Iterator[tuple[int, bytes, bytes]]:
    """(column, attributes, content) of each cell of ``row``."""
    if row.closed:
        return
    col = 0
    pos = row.inner
    while True:
        m = _CELL.search(data, pos, row.end)
        if m is None:
            return
        col = _cell_column(m.group(2), col)
        if m.group(3):
            inner, pos = b"", m.end()
        else:
            close = data.find(b"</" + m.group(1) + b"c", m.end(), row.end)
            if close < 0:
                raise SheetError("cell not closed")
            inner, pos = data[m.end():close], close
        yield col, m.group(2), inner


def _cell_column(attrs: bytes, previous: int) -> int:
    """The cell's column: from its ``r``, else the one after ``previous``."""
    r = attributes(attrs).get(b"r")
    if r:
        m = _REF.match(r)
        if m is None:
            raise SheetError(f"odd cell reference {r!r}")
        return column_number(m.group(1))
    return previous + 1


def _value(attrs: dict[bytes, bytes], inner: bytes, shared: Callable[[int], str]) -> str | None:
    kind = attrs.get(b"t", b"n")
    if kind == b"inlineStr":
        inner = _PHONETIC.sub(b"", inner)
        return "".join(text(m.group(2) or b"") for m in _T.finditer(inner))
    v = _V.search(inner)
    if v is None:
        return None
    if kind == b"s":
        return shared(int(v.group(2)))
    return text(v.group(2))


def _split(ref: bytes) -> tuple[int, int]:
    m = _REF.match(ref)
    if m is None:
        raise SheetError(f"odd reference {ref!r}")
    return int(m.group(2)), column_number(m.group(1))


def _column_styles(head: bytes) -> dict[int, int]:
    """Column → style index of ``<col style=…>`` (an empty cell there shows that style)."""
    out: dict[int, int] = {}
    for m in _COL.finditer(head):
        a = attributes(m.group(1))
        if a.get(b"style") and a.get(b"min") and a.get(b"max"):
            first, last = int(a[b"min"]), int(a[b"max"])
            if last - first < 20_000:
                out.update(dict.fromkeys(range(first, last + 1), int(a[b"style"])))
    return out


def _new_cell(prefix: bytes, row: int, col: int, style: int | None) -> bytes:
    ref = f"{column_letters(col)}{row}".encode()
    s = b' s="' + str(style).encode() + b'"' if style else b""
    return b"<" + prefix + b'c r="' + ref + b'"' + s + b"/>"
