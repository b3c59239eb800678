"""Look at a workbook before any parser does: refuse what no school form can be.

An xlsx/ods file is a zip package. Its central directory says, without inflating anything,
how many parts it has, how large each becomes and how well it compresses; that is enough to
refuse zip bombs, encrypted or nested packages and odd path names with a Chinese message.
Each XML part's prologue is read (a few KB, inflated with a cap) to refuse a DTD, which
Excel and WPS never write and which is how entity-expansion and XXE attacks begin.

What passes is then bounded sheet by sheet (:func:`sheet_extent`, :func:`trim_sheet`):
a cell far out (a stray space at XFD1048576) would make the reader allocate the whole
rectangle up to it, so such cells are cut and the school told.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from pydantic import ConfigDict

from .raw import SourceProblem

MB = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XML_SUFFIXES = (".xml", ".rels", ".vml")
ARCHIVE_SUFFIXES = (".zip", ".xlsx", ".xlsm", ".xls", ".docx", ".ods", ".7z", ".rar", ".gz", ".jar")
BROKEN = "文件已损坏（压缩包不完整），请在 Excel/WPS 中重新“另存为 .xlsx”后再报送"
PROLOGUE = 64 * 1024  # bytes of each XML part searched for a DTD


@dataclass(frozen=True)
class Limits:
    """What a school's workbook may be; ``kcbx.yml`` ``limits:`` overrides each number.

    The largest real form, a 100,000-child 摸底表, is about 10 MB on disk and 30 MB
    unpacked, 100,000 rows by 20 columns: every default leaves it room several times over.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")

    file_mb: int = field(default=200, metadata={"description": "报表文件本身的大小上限（MB）"})
    part_mb: int = field(default=300, metadata={"description": "文件中一个部件解压后的大小上限（MB）"})
    total_mb: int = field(default=600, metadata={"description": "文件中全部部件解压后的大小上限（MB）"})
    ratio: int = field(default=200, metadata={"description": "超过 1 MB 的部件的压缩比上限（防“压缩炸弹”）"})
    parts: int = field(default=2000, metadata={"description": "文件中部件数的上限"})
    rows: int = field(default=300_000, metadata={"description": "每张工作表读取的行数；更远的内容截去并提醒"})
    columns: int = field(default=500, metadata={"description": "每张工作表读取的列数；更远的内容截去并提醒"})
    memory_mb: int = field(default=2048, metadata={
        "description": "读取一个文件的子进程可用的内存（MB，Linux/macOS 有效）"})

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"limits.{name} 应为正整数")


DEFAULT_LIMITS = Limits()


def check_workbook(data: bytes, label: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise :class:`SourceProblem` when ``data`` is no workbook a school could have saved."""
    if len(data) > limits.file_mb * MB:
        raise SourceProblem(label, too_large(len(data), limits))
    if data.startswith(OLE_MAGIC):
        if _utf16(b"EncryptionInfo") in data or _utf16(b"EncryptedPackage") in data:
            raise SourceProblem(label, "文件设置了打开密码，无法读取。"
                                       "请在 Excel/WPS 中取消密码后另存为 .xlsx 再报送")
        return  # an .xls (binary) workbook: the reader runs contained
    if not data.startswith(ZIP_MAGIC):
        return  # not a package: the reader says what it is
    _check_directory(data, label, limits)
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SourceProblem(label, BROKEN) from None
    with book:
        infos = book.infolist()
        total = 0
        for info in infos:
            _check_part(info, label, limits)
            total += info.file_size
        if total > limits.total_mb * MB:
            raise SourceProblem(label, f"文件解压后共 {total / MB:.0f} MB，超过上限 {limits.total_mb} MB，"
                                       "不像是报表（可能是“压缩炸弹”），未读取")
        for info in infos:
            _check_content(book, info, label)


def too_large(size: int, limits: Limits) -> str:
    return (f"文件太大（{size / MB:.0f} MB，上限 {limits.file_mb} MB）。报表不会这么大，请检查是否误存了"
            "图片或其他内容；确需更大请在 kcbx.yml 的 limits.file_mb 调高")


def _utf16(text: bytes) -> bytes:
    return text.decode().encode("utf-16-le")


def _check_directory(data: bytes, label: str, limits: Limits) -> None:
    """The part count from the end-of-directory record, before the directory is parsed."""
    tail = data[-(65535 + 22):]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise SourceProblem(label, BROKEN)
    (entries,) = struct.unpack("<H", tail[at + 10:at + 12])
    if entries > limits.parts:  # 0xFFFF: a zip64 count, far over any limit too
        raise SourceProblem(label, f"文件包含 {entries} 个部件，超过上限 {limits.parts}，"
                                   "不像是报表，未读取")


def _check_part(info: zipfile.ZipInfo, label: str, limits: Limits) -> None:
    name = info.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in name:
        raise SourceProblem(label, f"文件内部的路径“{_short(name)}”不合规（含 .. 或绝对路径），未读取")
    if info.flag_bits & 0x1:
        raise SourceProblem(label, "文件（或其中的部件）已加密，无法读取。请取消密码后另存为 .xlsx 再报送")
    if info.file_size > limits.part_mb * MB:
        raise SourceProblem(label, f"文件中的“{_short(name)}”解压后有 {info.file_size / MB:.0f} MB，"
                                   f"超过上限 {limits.part_mb} MB（可能是“压缩炸弹”），未读取")
    if info.file_size > MB and info.file_size > limits.ratio * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise SourceProblem(label, f"文件中的“{_short(name)}”压缩比高达 {ratio} 倍（上限 {limits.ratio}），"
                                   "像是“压缩炸弹”，未读取。请在 Excel/WPS 中重新另存为 .xlsx")
    if name.lower().endswith(ARCHIVE_SUFFIXES):
        raise SourceProblem(label, f"文件中嵌入了另一个文件“{_short(name)}”，未读取。"
                                   "请把报表内容复制到新的报表模板中再报送")


def _check_content(book: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> None:
    """A few KB of each part: a nested package, or a DTD in an XML part."""
    if info.is_dir() or info.file_size == 0:
        return
    try:
        with book.open(info) as fh:
            head = fh.read(PROLOGUE if info.filename.lower().endswith(XML_SUFFIXES) else 4)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise SourceProblem(label, f"文件中的“{_short(info.filename)}”已损坏（{exc}），"
                                   "请在 Excel/WPS 中重新“另存为 .xlsx”后再报送") from None
    if head.startswith(ZIP_MAGIC):
        raise SourceProblem(label, f"文件中嵌入了另一个压缩包“{_short(info.filename)}”，未读取。"
                                   "请把报表内容复制到新的报表模板中再报送")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise SourceProblem(label, f"文件中的“{_short(info.filename)}”含有文档类型声明（DTD），"
                                   "Excel/WPS 不会生成这种内容，为安全起见未读取")


def _short(name: str) -> str:
    name = "".join(c if c.isprintable() else "?" for c in name)
    return name if len(name) <= 60 else name[:57] + "…"


# -- one sheet's extent ------------------------------------------------------------------

_CELL_REF = re.compile(rb"""\sr\s*=\s*["']([A-Z]{1,3})([0-9]{1,7})["']""")
# a cell element, empty or with content (cells do not nest); group 1 the namespace prefix
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is|f)\b")
_CELL = re.compile(rb"""<((?:[A-Za-z_][\w.-]*:)?)c\b([^>]*?)(?:/>|>.*?</\1c\s*>)""", re.S)


def column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def sheet_extent(xml: bytes, rows: int, columns: int) -> tuple[int, int]:
    """The farthest row and column a worksheet part's cell references name beyond a bound.

    Only references long enough to pass ``rows`` or ``columns`` are looked at (a regular
    form has none), so a 100,000-row sheet is scanned at the speed of a byte search.
    Returns (0, 0) when no reference passes either bound.
    """
    wide, deep = min(len(column_letters(columns)), 3), min(len(str(rows)), 7)
    far = re.compile(rb"""r=["']([A-Z]{%d,3}[0-9]{1,7}|[A-Z]{1,3}[0-9]{%d,7})["']""" % (wide, deep))
    last_row = last_col = 0
    for ref in far.findall(xml):
        split = next(i for i, ch in enumerate(ref) if ch < 65)
        row, col = int(ref[split:]), column_number(ref[:split])
        if row > rows or col > columns:
            last_row, last_col = max(last_row, row), max(last_col, col)
    return last_row, last_col


def trim_sheet(xml: bytes, rows: int, columns: int) -> tuple[bytes, int]:
    """``xml`` without the cells beyond ``rows`` × ``columns``; how many of those held a value."""
    cut = 0

    def keep(match: re.Match[bytes]) -> bytes:
        nonlocal cut
        ref = _CELL_REF.search(match.group(2))
        if ref and (int(ref.group(2)) > rows or column_number(ref.group(1)) > columns):
            cut += bool(_VALUE.search(match.group(0)))
            return b""
        return match.group(0)

    return _CELL.sub(keep, xml), cut


_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.I)


def bound_sheets(data: bytes, limits: Limits) -> tuple[bytes, list[tuple[str, str]]]:
    """``data`` with every worksheet cut to ``limits.rows`` × ``limits.columns``.

    Returns the package unchanged (the same object) when nothing is cut, and one note
    (sheet title, what was cut) per cut sheet. Call after :func:`check_workbook`.
    """
    if not data.startswith(ZIP_MAGIC):
        return data, []
    notes: list[tuple[str, str]] = []
    replaced: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for info in book.infolist():
            if not _WORKSHEET.match(info.filename):
                continue
            xml = book.read(info)
            rows, cols = sheet_extent(xml, limits.rows, limits.columns)
            if not rows:
                continue
            replaced[info.filename], cut = trim_sheet(xml, limits.rows, limits.columns)
            if not cut:  # only formatting out there: cut silently
                continue
            title = _sheet_titles(book).get(info.filename, info.filename)
            far = f"第 {rows} 行或 {column_letters(cols)} 列"
            notes.append((title, f"第 {limits.rows} 行、{column_letters(limits.columns)} 列之外"
                                 f"还有 {cut} 个单元格有内容（最远到{far}）"))
        if not replaced:
            return data, []
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new:
            for info in book.infolist():
                new.writestr(info, replaced.get(info.filename) or book.read(info))
    return out.getvalue(), notes


def _sheet_titles(book: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name → sheet title, from workbook.xml and its relationships."""
    import xml.etree.ElementTree as ET  # the parts passed check_workbook: no DTD

    try:
        workbook = ET.fromstring(book.read("xl/workbook.xml"))
        rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    titles = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "").lstrip("/")
            part = target if target.startswith("xl/") else f"xl/{target}"
            titles[part] = sheet.get("name", part)
    return titles
