"""The annotated copy made by patching the school's xlsx package, not by re-saving it.

Every part the annotation does not touch is copied as its compressed bytes. Changed are
only: the worksheets holding marked cells (a style index on those cells, and their
``<legacyDrawing>``), their comments and VML drawings, styles.xml (two fills and the
formats 校验结果 needs, appended), workbook.xml (the new first sheet, defined names, the
active tab), the relationships and content types; added is the 校验结果 part. A copy sent
back loses the earlier 校验结果 and our comments and fills, and keeps the school's own.

Raises on a package it does not understand; ``xlsx.write_annotated`` then falls back to
openpyxl.
"""

from __future__ import annotations

import io
from pathlib import Path

from lxml import etree

from ...atomic import replacing
from ...findings import Finding
from ...sources.guard import column_letters
from ...tables.intake import FileRecord
from . import results_part
from .comments import MAIN, Comments, Vml, idmaps, parse, q, serialize, split_ref
from .layout import AUTHOR, RESULTS, Annotated, Mark, ResultRow, comment_height, marks, result_rows
from .locate import Cell, Locator
from .sheetxml import SheetXml, head_selects_tab
from .styles import CLEAR, Styles
from .zipparts import ContentTypes, Package, PackageError, Rels

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE_DOCUMENT = f"{REL}/officeDocument"
WORKSHEET, STYLES, SHARED = f"{REL}/worksheet", f"{REL}/styles", f"{REL}/sharedStrings"
COMMENTS, VML, HYPERLINK = f"{REL}/comments", f"{REL}/vmlDrawing", f"{REL}/hyperlink"
CT = "application/vnd.openxmlformats-officedocument."
WORKSHEET_CT = CT + "spreadsheetml.worksheet+xml"
COMMENTS_CT = CT + "spreadsheetml.comments+xml"
VML_CT = CT + "vmlDrawing"
R_ID = f"{{{REL}}}id"
HEAD_BYTES = 64 * 1024


def write_patched(data: bytes, target: Path, findings: list[Finding], record: FileRecord | None,
                  title: str, site_url: str | None) -> Annotated:
    """``target``: the package ``data`` with ``findings`` marked and 校验结果 first."""
    package = Package(data)
    book = _Book(package)
    book.drop_results()
    locator = Locator(record, book.titles(), book.header_cells)
    places = [_on_worksheet(book, locator.locate(f)) for f in findings]
    todo = marks(findings, places, book.anchor)
    styles = Styles(package.read(book.styles_part))
    by_sheet: dict[str, list[Mark]] = {}
    for mark in todo:
        by_sheet.setdefault(mark.cell.sheet, []).append(mark)
    for title_, part in book.worksheets():
        book.annotate(title_, part, by_sheet.get(title_, []), styles)
    book.add_results(title, findings, result_rows(findings, places, site_url), styles)
    package.put(book.styles_part, styles.to_bytes())
    book.save()
    with replacing(target) as tmp:
        package.write(tmp)
    return Annotated(target, "copy", sum(m.count for m in todo), len(findings))


def _on_worksheet(book: _Book, place: Cell | None) -> Cell | None:
    return place if place is not None and book.part_of(place.sheet) else None


class _Book:
    """workbook.xml, its relationships, and the worksheets read so far."""

    def __init__(self, package: Package) -> None:
        self.package = package
        main = Rels(package, "").by_type(OFFICE_DOCUMENT)
        if len(main) != 1:
            raise PackageError("no single workbook part")
        self.part = main[0].get("Target", "").lstrip("/")
        self.root = parse(package.read(self.part))
        if etree.QName(self.root).namespace != MAIN:
            raise PackageError("not a transitional SpreadsheetML workbook")
        self.rels = Rels(package, self.part)
        self.types = ContentTypes(package)
        styles = self.rels.by_type(STYLES)
        if not styles:
            raise PackageError("no styles part")
        self.styles_part = self.rels.target(styles[0])
        shared = self.rels.by_type(SHARED)
        self.shared_part = self.rels.target(shared[0]) if shared else None
        self._shared: list[str] | None = None
        self.sheets_el = self.root.find(q("sheets"))
        if self.sheets_el is None:
            raise PackageError("no sheets")
        self._xml: dict[str, SheetXml] = {}
        self._parts: dict[str, str] = {}
        for sheet in self.sheets_el.findall(q("sheet")):
            rel = self.rels.by_id(sheet.get(R_ID, ""))
            if rel is not None and rel.get("Type") == WORKSHEET:
                self._parts[sheet.get("name", "")] = self.rels.target(rel)

    def titles(self) -> list[str]:
        return [s.get("name", "") for s in self.sheets_el.findall(q("sheet"))]

    def worksheets(self) -> list[tuple[str, str]]:
        return [(t, self._parts[t]) for t in self.titles() if t in self._parts]

    def part_of(self, title: str) -> str | None:
        return self._parts.get(title)

    def sheet(self, title: str) -> SheetXml:
        if title not in self._xml:
            self._xml[title] = SheetXml(self.package.read(self._parts[title]))
        return self._xml[title]

    def header_cells(self, title: str, row: int) -> list[str | None]:
        if title not in self._parts:
            return []
        return self.sheet(title).row_values(row, self.shared)

    def shared(self, index: int) -> str:
        if self._shared is None:
            self._shared = _shared_strings(self.package.read(self.shared_part)) if self.shared_part else []
        return self._shared[index]

    def anchor(self, cell: Cell) -> Cell:
        row, col = self.sheet(cell.sheet).anchor(cell.row, cell.column)
        return Cell(cell.sheet, row, col)

    # -- an earlier copy's 校验结果 ------------------------------------------------------

    def drop_results(self) -> None:
        sheets = self.sheets_el.findall(q("sheet"))
        for index, sheet in enumerate(sheets):
            if sheet.get("name") != RESULTS:
                continue
            rel = self.rels.by_id(sheet.get(R_ID, ""))
            if rel is not None:
                part = self.rels.target(rel)
                self.package.remove(part)
                self.types.drop(part)
                sheet_rels = Rels(self.package, part)
                if self.package.has(sheet_rels.path):
                    self.package.remove(sheet_rels.path)
                self.rels.remove(rel)
            self.sheets_el.remove(sheet)
            self._parts.pop(RESULTS, None)
            self._shift_names(index, removed=True)
            return

    def _shift_names(self, index: int, removed: bool) -> None:
        """Defined names index sheets by position: follow a sheet removed or inserted."""
        names = self.root.find(q("definedNames"))
        if names is None:
            return
        for name in list(names):
            local = name.get("localSheetId")
            if local is None or not local.isdigit():
                continue
            n = int(local)
            if removed and n == index:
                names.remove(name)
            elif n >= index:
                name.set("localSheetId", str(n - 1 if removed else n + 1))

    # -- one worksheet's marks and comments -------------------------------------------

    def annotate(self, title: str, part: str, todo: list[Mark], styles: Styles) -> None:
        rels = Rels(self.package, part)
        comment_rels = rels.by_type(COMMENTS)
        comments_part = rels.target(comment_rels[0]) if comment_rels else None
        existing = self.package.read(comments_part) if comments_part else None
        ours_before = existing is not None and AUTHOR.encode() in existing
        if not todo and not ours_before:
            if head_selects_tab(self.package.head(part, HEAD_BYTES)):
                sheet = self.sheet(title)
                self.package.put(part, sheet.patch({}, styles.restyle))
            return
        sheet = self.sheet(title)
        comments = Comments(existing)
        ours, gone = comments.clear_ours()
        actions: dict[tuple[int, int], str] = {split_ref(ref): CLEAR for ref in ours}
        shapes: list[tuple[int, int, int]] = []
        for mark in todo:
            row, col = mark.cell.row, mark.cell.column
            ref = f"{column_letters(col)}{row}"
            actions[(row, col)] = mark.severity
            needs_shape = comments.mark(ref, mark.text)
            text = "".join(comments.by_ref[ref].itertext())
            if needs_shape:
                shapes.append((row, col, comment_height(text)))
        vml_rid = sheet.legacy_drawing()
        vml_rel = rels.by_id(vml_rid) if vml_rid else None
        if vml_rid and vml_rel is None:
            raise PackageError(f"{part}: legacy drawing without its relationship")
        new_rid = None
        if vml_rel is not None:
            vml_part = rels.target(vml_rel)
            vml = Vml(self.package.read(vml_part), 0)
        else:
            vml_part = self.package.unused("xl/drawings/vmlDrawing%d.vml")
            vml = Vml(None, self._free_block())
            new_rid = rels.add(VML, vml_part)
            self.types.default("vml", VML_CT)
        vml.remove({split_ref(ref) for ref in gone})
        for row, col, height in shapes:
            vml.add(row, col, height)
        self.package.put(vml_part, vml.to_bytes())
        if comments_part is None:
            comments_part = self.package.unused("xl/comments%d.xml")
            rels.add(COMMENTS, comments_part)
            self.types.override(comments_part, COMMENTS_CT)
        self.package.put(comments_part, comments.to_bytes())
        if new_rid is not None or existing is None:
            rels.save()
        self.package.put(part, sheet.patch(actions, styles.restyle, new_rid))

    def _free_block(self) -> int:
        used = {0}
        for name in [*self.package.infos, *self.package.changed]:
            if name.lower().endswith(".vml") and self.package.has(name):
                used |= idmaps(self.package.read(name))
        block = 1
        while block in used:
            block += 1
        return block

    # -- 校验结果 and the workbook ------------------------------------------------------

    def add_results(self, title: str, findings: list[Finding], rows: list[ResultRow],
                    styles: Styles) -> None:
        made = results_part.build(title, findings, rows, "copy", styles)
        part = self.package.unused("xl/worksheets/sheet%d.xml")
        self.package.put(part, made.xml)
        self.types.override(part, WORKSHEET_CT)
        if made.links:
            rels = Rels(self.package, part)
            for rid, url in made.links:
                if rels.add(HYPERLINK, url, external=True) != rid:
                    raise PackageError("hyperlink IDs out of step")
            rels.save()
        rid = self.rels.add(WORKSHEET, part)
        ids = [int(s.get("sheetId", "0")) for s in self.sheets_el.findall(q("sheet"))
               if (s.get("sheetId") or "").isdigit()]
        sheet = etree.Element(q("sheet"), name=RESULTS, sheetId=str(max(ids, default=0) + 1))
        sheet.set(R_ID, rid)
        self.sheets_el.insert(0, sheet)
        self._shift_names(0, removed=False)
        names = self.root.find(q("definedNames"))
        if names is None:
            names = etree.Element(q("definedNames"))
            after = self.sheets_el
            for tag in ("functionGroups", "externalReferences"):
                found = self.root.find(q(tag))
                if found is not None:
                    after = found
            after.addnext(names)
        for i, (name, formula, hidden) in enumerate(made.names):
            el = etree.Element(q("definedName"), name=name, localSheetId="0")
            if hidden:
                el.set("hidden", "1")
            el.text = formula
            names.insert(i, el)
        for view in self.root.iter(q("workbookView")):
            view.set("activeTab", "0")
            if view.get("firstSheet") is not None:
                view.set("firstSheet", "0")

    def save(self) -> None:
        self.package.put(self.part, serialize(self.root))
        self.rels.save()
        self.types.save()


def _shared_strings(data: bytes) -> list[str]:
    """Every shared string's text (phonetic runs left out)."""
    out: list[str] = []
    si, t, phonetic = q("si"), q("t"), q("rPh")
    parts: list[str] = []
    depth_phonetic = 0
    for event, el in etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False,
                                     no_network=True, load_dtd=False):
        if el.tag == phonetic:
            depth_phonetic += 1 if event == "start" else -1
        elif event == "end" and el.tag == t and not depth_phonetic:
            parts.append(el.text or "")
        elif event == "end" and el.tag == si:
            out.append("".join(parts))
            parts = []
            el.clear()
    return out
