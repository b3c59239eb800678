"""The workbook's styles.xml, grown by what the annotation needs and nothing else.

A marked cell keeps its look (number format, font, border, alignment, protection) and only
changes fill: its new cell format is a copy of its old one pointing at one of two fills
appended to ``<fills>``. 校验结果 gets its own fonts and formats, appended the same way.
Existing entries are never changed or renumbered, so every other cell looks as before.
"""

from __future__ import annotations

from copy import deepcopy

from lxml import etree

from .comments import parse, q, serialize
from .layout import COLORS

CLEAR = "clear"  # an earlier feedback's fill to take away (if it is one of ours)
_FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz",
               "color", "name", "family", "charset", "scheme")


class Styles:
    """styles.xml as a tree; ``restyle`` gives a marked cell its new format index."""

    def __init__(self, data: bytes) -> None:
        self.root = parse(data)
        self.fonts = self._section("fonts", 0)
        self.fills = self._section("fills", 1)
        self.xfs = self._section("cellXfs", 5)
        if len(self.fonts) == 0:
            etree.SubElement(self.fonts, q("font"))
        if len(self.fills) < 2:
            for kind in ("none", "gray125")[len(self.fills):]:
                etree.SubElement(etree.SubElement(self.fills, q("fill")), q("patternFill"), patternType=kind)
        if len(self.xfs) == 0:
            etree.SubElement(self.xfs, q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0")
        self._ours = {rgb: None for rgb in COLORS.values()}
        self._fill_ids: dict[str, int] = {}
        self._restyled: dict[tuple[int, str], int | None] = {}
        self._made: dict[bytes, int] = {}

    def _section(self, tag: str, after: int) -> etree._Element:
        """The ``tag`` element (made in schema order when missing)."""
        found = self.root.find(q(tag))
        if found is not None:
            return found
        order = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs")
        index = 0
        for i, child in enumerate(self.root):
            if etree.QName(child).localname in order[:after + 1]:
                index = i + 1
        made = etree.Element(q(tag))
        self.root.insert(index, made)
        return made

    def fill(self, rgb: str) -> int:
        """The index of a solid fill of ``rgb`` (appended once)."""
        if rgb not in self._fill_ids:
            fill = etree.SubElement(self.fills, q("fill"))
            pattern = etree.SubElement(fill, q("patternFill"), patternType="solid")
            etree.SubElement(pattern, q("fgColor"), rgb=f"00{rgb}")  # as openpyxl writes it
            etree.SubElement(pattern, q("bgColor"), indexed="64")
            self._fill_ids[rgb] = len(self.fills) - 1
        return self._fill_ids[rgb]

    def is_ours(self, xf: int) -> bool:
        """Whether format ``xf`` fills the cell with one of the annotation colours."""
        if not 0 <= xf < len(self.xfs):
            return False
        fill_id = int(self.xfs[xf].get("fillId", "0"))
        if not 0 <= fill_id < len(self.fills):
            return False
        fg = self.fills[fill_id].find(f"{q('patternFill')}/{q('fgColor')}")
        rgb = (fg.get("rgb") or "") if fg is not None else ""
        return len(rgb) >= 6 and rgb[-6:].upper() in self._ours

    def restyle(self, xf: int, action: str) -> int | None:
        """The format for a cell of format ``xf``: ``action`` a severity (its fill) or CLEAR
        (no fill, when the fill is an earlier feedback's); None: keep ``xf``."""
        key = (xf, action)
        if key not in self._restyled:
            base = xf if 0 <= xf < len(self.xfs) else 0
            if action == CLEAR:
                new = self._with_fill(base, 0) if self.is_ours(base) else None
            else:
                new = self._with_fill(base, self.fill(COLORS[action]))
            self._restyled[key] = new
        return self._restyled[key]

    def _with_fill(self, xf: int, fill_id: int) -> int:
        el = deepcopy(self.xfs[xf])
        el.set("fillId", str(fill_id))
        el.set("applyFill", "1")
        return self._add_xf(el)

    def _add_xf(self, el: etree._Element) -> int:
        key = etree.tostring(el)
        if key not in self._made:
            self.xfs.append(el)
            self._made[key] = len(self.xfs) - 1
        return self._made[key]

    def font(self, *, bold: bool = False, size: float | None = None, color: str | None = None,
             underline: bool = False) -> int:
        """A font like the workbook's default one, changed as asked."""
        font = deepcopy(self.fonts[0])
        for child in list(font):
            if etree.QName(child).localname in ("b", "u", "color") or \
                    (size and etree.QName(child).localname == "sz"):
                font.remove(child)
        wanted = {"b": {} if bold else None, "u": {} if underline else None,
                  "sz": {"val": f"{size:g}"} if size else None,
                  "color": {"rgb": f"00{color}"} if color else None}
        for tag, attrs in wanted.items():
            if attrs is not None:
                font.append(etree.Element(q(tag), **attrs))
        rank = {name: i for i, name in enumerate(_FONT_ORDER)}
        font[:] = sorted(font, key=lambda c: rank.get(etree.QName(c).localname, len(rank)))
        self.fonts.append(font)
        return len(self.fonts) - 1

    def xf(self, *, font: int = 0, fill: int = 0, wrap: bool = False, top: bool = False) -> int:
        el = etree.Element(q("xf"), numFmtId="0", fontId=str(font), fillId=str(fill), borderId="0",
                           xfId="0")
        if font:
            el.set("applyFont", "1")
        if fill:
            el.set("applyFill", "1")
        if wrap or top:
            el.set("applyAlignment", "1")
            align = etree.SubElement(el, q("alignment"))
            if top:
                align.set("vertical", "top")
            if wrap:
                align.set("wrapText", "1")
        return self._add_xf(el)

    def to_bytes(self) -> bytes:
        for section in (self.fonts, self.fills, self.xfs):
            section.set("count", str(len(section)))
        return serialize(self.root)
