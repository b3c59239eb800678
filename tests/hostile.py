"""A corpus of hostile workbooks, made at test time (never committed as binaries).

Each maker writes one file into a folder and returns its name. The packages are written
byte by byte (local headers, central directory) so that a test can say exactly what a
part claims and holds — a 4 GB deflate bomb is a 4 MB hand-made deflate stream.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

# -- a zip written by hand ---------------------------------------------------------------


@dataclass
class Part:
    name: str
    raw: bytes  # as stored in the package (deflated unless method 0)
    size: int  # unpacked size it claims
    crc: int
    method: int = 8
    flags: int = 0x800  # UTF-8 names


def deflated(name: str, data: bytes) -> Part:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Part(name, c.compress(data) + c.flush(), len(data), zlib.crc32(data))


def write_zip(path: Path, parts: list[Part]) -> Path:
    out = io.BytesIO()
    central = []
    for p in parts:
        name = p.name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, p.flags, p.method, 0, 0x21,
                              p.crc, len(p.raw), p.size, len(name), 0) + name)
        out.write(p.raw)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, p.flags, p.method,
                                   0, 0x21, p.crc, len(p.raw), p.size, len(name), 0, 0, 0, 0,
                                   0, offset) + name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(len(parts), 0xFFFF),
                          min(len(parts), 0xFFFF), out.tell() - start, start, 0))
    path.write_bytes(out.getvalue())
    return path


def parts_of(data: bytes) -> list[Part]:
    """A real workbook's parts, re-deflated (to be edited and written back)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [deflated(i.filename, z.read(i)) for i in z.infolist()]


def valid_book(unit: str = "H00") -> bytes:
    """A small real workbook (xlsxwriter: shared strings, as Excel) with a 报送信息 sheet."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("报送信息")
    ws.write_row(0, 0, ["单位代码", "报送月份", "填报人", "联系电话"])
    ws.write_row(1, 0, [unit, "2022-10", "李某", "13800000000"])
    wb.close()
    return buf.getvalue()


# -- a deflate bomb, by hand ---------------------------------------------------------------


class _Bits:
    def __init__(self) -> None:
        self.value = 0
        self.count = 0

    def put(self, bits: int, n: int) -> None:  # LSB first
        self.value |= bits << self.count
        self.count += n

    def huff(self, code: int, n: int) -> None:  # Huffman codes go MSB first
        self.put(int(f"{code:0{n}b}"[::-1], 2), n)

    def flush(self) -> bytes:
        return self.value.to_bytes((self.count + 7) // 8, "little")


def _literal(bits: _Bits, byte: int) -> None:
    if byte < 144:
        bits.huff(0x30 + byte, 8)
    else:
        bits.huff(0x190 + byte - 144, 9)


def _repeat(bits: _Bits) -> None:  # length 258 (code 285), distance 1 (code 0)
    bits.huff(0b11000101, 8)
    bits.huff(0, 5)


def bomb_stream(prefix: bytes, byte: int, repeats: int, suffix: bytes) -> tuple[bytes, int, int]:
    """A fixed-Huffman deflate stream: ``prefix``, then ``byte`` 1 + 258·``repeats`` times,
    then ``suffix``. Returns (stream, unpacked size, crc32) — the CRC computed in chunks."""
    head = _Bits()
    head.put(1, 1)
    head.put(1, 2)  # final block, fixed codes
    for b in prefix:
        _literal(head, b)
    _literal(head, byte)
    done = 0
    while head.count % 8 and done < repeats:
        _repeat(head)
        done += 1
    period = _Bits()
    for _ in range(8):
        _repeat(period)
    whole, rest = divmod(repeats - done, 8)
    tail = _Bits()
    for _ in range(rest):
        _repeat(tail)
    for b in suffix:
        _literal(tail, b)
    tail.huff(0, 7)  # end of block
    stream = head.flush() + period.flush() * whole + tail.flush()
    size = len(prefix) + 1 + 258 * repeats + len(suffix)
    crc = zlib.crc32(prefix)
    chunk = bytes([byte]) * (258 * 8 * 4096)
    crc = zlib.crc32(bytes([byte]), crc)
    left = 258 * repeats
    while left:
        n = min(left, len(chunk))
        crc = zlib.crc32(chunk[:n], crc)
        left -= n
    return stream, size, zlib.crc32(suffix, crc)


# -- the corpus ----------------------------------------------------------------------------

SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
              b'org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def zip_bomb(folder: Path) -> str:
    """The second worksheet part inflates to 4 GB of spaces inside <sheetData>."""
    stream, size, crc = bomb_stream(SHEET_HEAD, 0x20, 16_600_000, SHEET_TAIL)
    parts = parts_of(valid_book("H01")) + [Part("xl/worksheets/sheet2.xml", stream, size, crc)]
    write_zip(folder / "H01.xlsx", parts)
    return "H01.xlsx"


def stored_2gb(folder: Path) -> str:
    """A stored (uncompressed) 2 GB part: a sparse file, so the test costs no disk."""
    path = folder / "H02.xlsx"
    name = b"xl/worksheets/sheet1.xml"
    size = 2 << 30
    with path.open("wb") as fh:
        fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, 0, size, size,
                             len(name), 0) + name)
        fh.seek(30 + len(name) + size)
        start = fh.tell()
        fh.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, 0, size,
                             size, len(name), 0, 0, 0, 0, 0, 0) + name)
        end = fh.tell()
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, end - start, start, 0))
    return path.name


def many_parts(folder: Path) -> str:
    parts = parts_of(valid_book("H03")) + [deflated(f"xl/media/p{i}.bin", b"x")
                                           for i in range(10_000)]
    write_zip(folder / "H03.xlsx", parts)
    return "H03.xlsx"


def nested_zip(folder: Path) -> str:
    inner = valid_book("H04")
    write_zip(folder / "H04.xlsx", parts_of(valid_book("H04")) +
              [deflated("xl/embeddings/data.bin", inner)])
    return "H04.xlsx"


def encrypted_part(folder: Path) -> str:
    parts = parts_of(valid_book("H05"))
    for p in parts:
        p.flags |= 0x1  # traditional PKWARE encryption
    write_zip(folder / "H05.xlsx", parts)
    return "H05.xlsx"


def office_password(folder: Path) -> str:
    """What Excel writes for 'password to open': an OLE2 file with an EncryptionInfo stream."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    body = "EncryptionInfo".encode("utf-16-le") + bytes(64) + \
        "EncryptedPackage".encode("utf-16-le") + bytes(4000)
    (folder / "H06.xlsx").write_bytes(head + body)
    return "H06.xlsx"


LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>")
XXE = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_dtd(folder: Path, name: str, part: str, dtd: bytes, entity: bytes) -> str:
    """A valid workbook whose ``part`` carries ``dtd`` and uses ``entity`` in a text."""
    parts = []
    assert part in {p.name for p in parts_of(valid_book())}, part
    for p in parts_of(valid_book(Path(name).stem)):
        if p.name == part:
            xml = zlib.decompress(p.raw, -15)
            head, sep, body = xml.partition(b"?>")
            xml = head + sep + dtd + body if sep else dtd + xml
            if part == "xl/sharedStrings.xml":
                xml = xml.replace("<t>李某</t>".encode(), b"<t>" + entity + b"</t>")
            p = deflated(part, xml)
        parts.append(p)
    write_zip(folder / name, parts)
    return name


def dimension_only(folder: Path) -> str:
    """A real workbook whose sheet claims A1:XFD1048576 (and holds its usual few cells)."""
    parts = []
    for p in parts_of(valid_book("H20")):
        if p.name == "xl/worksheets/sheet1.xml":
            xml = zlib.decompress(p.raw, -15)
            start = xml.index(b"<dimension")
            end = xml.index(b"/>", start) + 2
            p = deflated(p.name, xml[:start] + b'<dimension ref="A1:XFD1048576"/>' + xml[end:])
        parts.append(p)
    write_zip(folder / "H20.xlsx", parts)
    return "H20.xlsx"


def _far_cell(folder: Path, name: str, cell: bytes) -> str:
    parts = []
    for p in parts_of(valid_book(Path(name).stem)):
        if p.name == "xl/worksheets/sheet1.xml":
            xml = zlib.decompress(p.raw, -15)
            xml = xml.replace(b"</sheetData>", b'<row r="1048576">' + cell + b"</row></sheetData>")
            p = deflated(p.name, xml)
        parts.append(p)
    write_zip(folder / name, parts)
    return name


def far_space(folder: Path) -> str:
    """A space typed at XFD1048576: the reader would allocate 17 billion cells."""
    return _far_cell(folder, "H21.xlsx", b'<c r="XFD1048576" t="inlineStr"><is><t> </t></is></c>')


def far_hidden(folder: Path) -> str:
    """The same far cell, its reference written with spaces (legal XML) to pass the scan:
    only the contained reader stands between it and the run."""
    return _far_cell(folder, "H22.xlsx", b'<c r = "XFD1048576"><v>1</v></c>')


def renamed(folder: Path, name: str, data: bytes) -> str:
    (folder / name).write_bytes(data)
    return name


CORPUS: dict[str, Callable[[Path], str]] = {
    "zip bomb": zip_bomb,
    "stored 2 GB": stored_2gb,
    "10,000 parts": many_parts,
    "nested zip": nested_zip,
    "encrypted parts": encrypted_part,
    "password to open": office_password,
    **{f"billion laughs in {part}": (
        lambda folder, part=part, i=i: with_dtd(folder, f"H1{i}.xlsx", part, LAUGHS, b"&lol9;"))
       for i, part in enumerate(("[Content_Types].xml", "xl/workbook.xml", "xl/sharedStrings.xml",
                                 "xl/worksheets/sheet1.xml", "xl/styles.xml"))},
    **{f"XXE in {part}": (
        lambda folder, part=part, i=i: with_dtd(folder, f"H3{i}.xlsx", part, XXE, b"&xxe;"))
       for i, part in enumerate(("_rels/.rels", "xl/_rels/workbook.xml.rels",
                                 "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"))},
    "dimension A1:XFD1048576": dimension_only,
    "space at XFD1048576": far_space,
    "far cell hidden from the scan": far_hidden,
    "PDF renamed": lambda f: renamed(f, "H40.xlsx", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    "HTML renamed": lambda f: renamed(f, "H41.xlsx", "<html><body><table><tr><td>单位代码</td></tr>"
                                                     "</table></body></html>".encode()),
    "CSV renamed": lambda f: renamed(f, "H42.xlsx", "单位代码,报送月份\nH42,2022-10\n".encode()),
    "newline in the name": lambda f: renamed(f, "H43\n第二行.xlsx", valid_book("H43")),
    "250-character name": lambda f: renamed(f, "H44" + "a" * 242 + ".xlsx", valid_book("H44")),
}
