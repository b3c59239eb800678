"""A worksheet's comments part and its VML drawing: our notes in, last month's out.

A comment is two things in an xlsx: its text in ``xl/commentsN.xml`` and a hidden note
shape in the sheet's legacy VML drawing (which Excel needs to show it). The school's own
comments stay; where we comment on a cell that had one, its text follows our lines after
``ORIGINAL``, and a copy sent back gets it back alone. VML drawings written by Excel are
often not well-formed XML, so they are edited as text: shapes found by pattern, new ones
put before the closing ``</xml>``.
"""

from __future__ import annotations

import re
from copy import deepcopy

from lxml import etree

from .layout import AUTHOR, ORIGINAL, RESTORED_AUTHOR

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                         remove_blank_text=False)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")


def q(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


def clean(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold."""
    return _ILLEGAL.sub("", value)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def split_ref(ref: str) -> tuple[int, int]:
    m = _REF.match(ref)
    if m is None:
        raise ValueError(f"odd cell reference {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


class Comments:
    """The comments of one sheet (an existing part, or a new one)."""

    def __init__(self, data: bytes | None) -> None:
        self.root = parse(data) if data is not None else etree.Element(q("comments"), nsmap={None: MAIN})
        self.authors = self.root.find(q("authors"))
        if self.authors is None:
            self.authors = etree.Element(q("authors"))
            self.root.insert(0, self.authors)
        self.list = self.root.find(q("commentList"))
        if self.list is None:
            self.list = etree.SubElement(self.root, q("commentList"))
        self.by_ref = {c.get("ref"): c for c in self.list.findall(q("comment"))}

    def author(self, comment: etree._Element) -> str | None:
        names = self.authors.findall(q("author"))
        i = int(comment.get("authorId", "0"))
        return (names[i].text or "") if 0 <= i < len(names) else None

    def _author_id(self, name: str) -> str:
        names = self.authors.findall(q("author"))
        for i, el in enumerate(names):
            if el.text == name:
                return str(i)
        etree.SubElement(self.authors, q("author")).text = name
        return str(len(names))

    def clear_ours(self) -> tuple[set[str], set[str]]:
        """Remove an earlier feedback's comments, giving back the school's text.

        Returns the cells that carried ours and those left with no comment at all."""
        ours, gone = set(), set()
        for ref, comment in list(self.by_ref.items()):
            if self.author(comment) != AUTHOR:
                continue
            ours.add(ref)
            runs = _original_runs(comment)
            if runs is None:
                self.list.remove(comment)
                del self.by_ref[ref]
                gone.add(ref)
            else:
                _set_runs(comment, runs)
                comment.set("authorId", self._author_id(RESTORED_AUTHOR))
        return ours, gone

    def mark(self, ref: str, text: str) -> bool:
        """Comment ``text`` on ``ref`` (after it, the school's own comment there); True when
        the cell had no comment (it needs a note shape)."""
        run = _run(clean(text))
        comment = self.by_ref.get(ref)
        if comment is not None:
            own = _runs(comment)
            if own:
                run.find(q("t")).text += ORIGINAL
            _set_runs(comment, [run, *own])
            comment.set("authorId", self._author_id(AUTHOR))
            return False
        comment = etree.SubElement(self.list, q("comment"), ref=ref, authorId=self._author_id(AUTHOR))
        etree.SubElement(comment, q("text")).append(run)
        self.by_ref[ref] = comment
        return True

    def to_bytes(self) -> bytes:
        items = sorted(self.list, key=lambda c: split_ref(c.get("ref", "A1")) if c.tag == q("comment")
                       else (0, 0))
        self.list[:] = items
        return serialize(self.root)


def _run(text: str) -> etree._Element:
    run = etree.Element(q("r"))
    props = etree.SubElement(run, q("rPr"))
    etree.SubElement(props, q("sz"), val="9")
    t = etree.SubElement(run, q("t"))
    t.text = text
    t.set(XML_SPACE, "preserve")
    return run


def _runs(comment: etree._Element) -> list[etree._Element]:
    """The comment's text as runs (a bare ``<t>`` becomes a run), without phonetic parts."""
    box = comment.find(q("text"))
    if box is None:
        return []
    out = []
    for child in box:
        if child.tag == q("r"):
            out.append(deepcopy(child))
        elif child.tag == q("t"):
            run = etree.Element(q("r"))
            run.append(deepcopy(child))
            out.append(run)
    return out


def _set_runs(comment: etree._Element, runs: list[etree._Element]) -> None:
    box = comment.find(q("text"))
    if box is None:
        box = etree.SubElement(comment, q("text"))
    box[:] = runs


def _original_runs(comment: etree._Element) -> list[etree._Element] | None:
    """The school's runs after our marker, or None when the comment was ours alone."""
    runs = _runs(comment)
    for i, run in enumerate(runs):
        t = run.find(q("t"))
        text = (t.text or "") if t is not None else ""
        if ORIGINAL in text:
            assert t is not None
            rest = text.split(ORIGINAL, 1)[1]
            tail = runs[i + 1:]
            if rest:
                t.text = rest
                return [run, *tail]
            return tail
    return None


# -- the VML drawing ---------------------------------------------------------------------

VML_HEAD = (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
            b' xmlns:x="urn:schemas-microsoft-com:office:excel">'
            b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="%d"/></o:shapelayout>')
SHAPETYPE = (b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"'
             b' path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
             b'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
SHAPE = ('<v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
         'margin-top:1.5pt;width:240pt;height:{height}pt;z-index:{z};visibility:hidden"'
         ' fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
         '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
         '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
         '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
         '<x:Anchor>{c1}, 15, {r1}, 2, {c2}, 15, {r2}, 16</x:Anchor><x:AutoFill>False</x:AutoFill>'
         '<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>')
_SHAPE = re.compile(rb"<(\w+:)?shape\b[^>]*>.*?</\1?shape\s*>", re.S)
_NOTE = re.compile(rb"ObjectType\s*=\s*[\"']Note[\"']")
_ROW = re.compile(rb"<(?:\w+:)?Row>\s*([0-9]+)\s*<")
_COLUMN = re.compile(rb"<(?:\w+:)?Column>\s*([0-9]+)\s*<")
_SHAPE_ID = re.compile(rb"_x0000_s([0-9]+)")
_IDMAP = re.compile(rb"idmap\b[^>]*?data\s*=\s*[\"']([0-9, ]+)[\"']")
_CLOSE = re.compile(rb"</xml\s*>\s*$", re.I)


def idmaps(data: bytes) -> set[int]:
    """The shape-ID blocks a VML drawing claims (each 1024 shapes)."""
    return {int(n) for m in _IDMAP.finditer(data) for n in m.group(1).split(b",") if n.strip()}


class Vml:
    """A legacy VML drawing as text: note shapes removed and added."""

    def __init__(self, data: bytes | None, block: int) -> None:
        self.data = data if data is not None else VML_HEAD % block + SHAPETYPE + b"</xml>"
        for ns in (b"xmlns:v=", b"xmlns:o=", b"xmlns:x="):
            if ns not in self.data:
                raise ValueError("a VML drawing without the usual namespaces")
        if not _CLOSE.search(self.data):
            raise ValueError("a VML drawing without its closing tag")
        ids = [int(n) for n in _SHAPE_ID.findall(self.data)]
        self.next_id = max([*ids, 1024 * block]) + 1
        self.added: list[bytes] = []

    def remove(self, cells: set[tuple[int, int]]) -> None:
        """Drop the note shapes of ``cells`` (1-based row, column)."""
        if not cells:
            return

        def keep(m: re.Match[bytes]) -> bytes:
            shape = m.group(0)
            row, col = _ROW.search(shape), _COLUMN.search(shape)
            if _NOTE.search(shape) and row and col and \
                    (int(row.group(1)) + 1, int(col.group(1)) + 1) in cells:
                return b""
            return shape

        self.data = _SHAPE.sub(keep, self.data)

    def add(self, row: int, col: int, height_px: int) -> None:
        """A hidden note shape for the comment on (``row``, ``col``), 1-based."""
        rows = max(3, height_px // 20)
        self.added.append(SHAPE.format(id=self.next_id, height=round(height_px * 0.75, 2),
                                       z=len(self.added) + 1, c1=col, r1=max(row - 2, 0), c2=col + 4,
                                       r2=max(row - 2, 0) + rows, row=row - 1, col=col - 1).encode())
        self.next_id += 1

    def to_bytes(self) -> bytes:
        data = self.data
        if self.added and b"_x0000_t202" not in data:
            self.added.insert(0, SHAPETYPE)
        at = _CLOSE.search(data)
        assert at is not None
        return data[:at.start()] + b"".join(self.added) + data[at.start():]
