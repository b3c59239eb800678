"""An xlsx package as parts: read, replace, add, remove, and write it with every untouched
part copied as its compressed bytes (never inflated and deflated again)."""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from .comments import parse, serialize

PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = 0xFFFFFFFF
_EPOCH = (1980, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """A package this patch does not handle (the copy is made another way)."""


class Package:
    """The parts of one xlsx: the source's, with changes kept aside until written."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise PackageError(str(exc)) from None
        self.infos = {i.filename: i for i in self.zip.infolist()}
        self.changed: dict[str, bytes] = {}
        self.removed: set[str] = set()

    def has(self, name: str) -> bool:
        return name in self.changed or (name in self.infos and name not in self.removed)

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        if name in self.removed or name not in self.infos:
            raise PackageError(f"missing part {name}")
        return self.zip.read(name)

    def head(self, name: str, size: int) -> bytes:
        """The first ``size`` bytes of a part (inflating no more than that)."""
        with self.zip.open(name) as fh:
            return fh.read(size)

    def put(self, name: str, data: bytes) -> None:
        self.changed[name] = data
        self.removed.discard(name)

    def remove(self, name: str) -> None:
        self.changed.pop(name, None)
        self.removed.add(name)

    def unused(self, pattern: str) -> str:
        """The first free part name ``pattern % n`` (n from 1)."""
        lower = {n.lower() for n in [*self.infos, *self.changed]}
        n = 1
        while (pattern % n).lower() in lower:
            n += 1
        return pattern % n

    def write(self, path: Path) -> None:
        entries: list[tuple[bytes, int, int, int, int, tuple[int, ...], int, bytes]] = []
        for name, info in self.infos.items():
            if name in self.removed:
                continue
            if name in self.changed:
                entries.append(_deflated(name, self.changed[name], info.date_time, info.external_attr))
            else:
                entries.append(self._raw(info))
        for name, data in self.changed.items():
            if name not in self.infos:
                entries.append(_deflated(name, data, _EPOCH, 0o600 << 16))
        _write_zip(path, entries)

    def _raw(self, info: zipfile.ZipInfo) -> tuple[bytes, int, int, int, int, tuple[int, ...], int, bytes]:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise PackageError(f"{info.filename}: compression {info.compress_type}")
        at = info.header_offset
        sig, *_ = _LOCAL.unpack_from(self.data, at)
        if sig != b"PK\x03\x04":
            raise PackageError(f"{info.filename}: no local header")
        name_len, extra_len = struct.unpack_from("<HH", self.data, at + 26)
        start = at + 30 + name_len + extra_len
        raw = self.data[start:start + info.compress_size]
        if len(raw) != info.compress_size:
            raise PackageError(f"{info.filename}: truncated")
        return (info.filename.encode("utf-8"), info.compress_type, info.CRC, info.compress_size,
                info.file_size, info.date_time, info.external_attr, raw)


def _deflated(name: str, data: bytes, date_time: tuple[int, ...],
              attr: int) -> tuple[bytes, int, int, int, int, tuple[int, ...], int, bytes]:
    level = 6 if len(data) < 4 << 20 else 1  # a rewritten 100,000-row sheet: speed first
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    raw = packer.compress(data) + packer.flush()
    return (name.encode("utf-8"), zipfile.ZIP_DEFLATED, zlib.crc32(data), len(raw), len(data),
            date_time, attr, raw)


def _write_zip(path: Path, entries: list[tuple[bytes, int, int, int, int, tuple[int, ...], int, bytes]]
               ) -> None:
    if len(entries) > 0xFFFF:
        raise PackageError("too many parts")
    central = []
    with path.open("wb") as out:
        for name, method, crc, csize, usize, when, attr, raw in entries:
            if max(csize, usize, out.tell()) >= _LIMIT:
                raise PackageError("a part too large for a plain zip")
            flags = 0 if name.isascii() else 0x800
            year, month, day, hour, minute, second = (max(when[0], 1980), *when[1:6])
            dos_time = hour << 11 | minute << 5 | second // 2
            dos_date = (year - 1980) << 9 | month << 5 | day
            offset = out.tell()
            out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, method, dos_time, dos_date, crc, csize, usize,
                                  len(name), 0))
            out.write(name)
            out.write(raw)
            central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, method, dos_time, dos_date, crc,
                                         csize, usize, len(name), 0, 0, 0, 0, attr, offset) + name)
        start = out.tell()
        directory = b"".join(central)
        out.write(directory)
        out.write(_END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), start, 0))


# -- relationships and content types -----------------------------------------------------

def rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    """The part a relationship of ``source`` points at."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


class Rels:
    """One part's relationships."""

    def __init__(self, package: Package, part: str) -> None:
        self.package, self.part, self.path = package, part, rels_of(part)
        if package.has(self.path):
            self.root = parse(package.read(self.path))
        else:
            self.root = etree.Element(f"{{{PKG_RELS}}}Relationships", nsmap={None: PKG_RELS})

    def items(self) -> list[etree._Element]:
        return [r for r in self.root if etree.QName(r).localname == "Relationship"]

    def by_id(self, rid: str) -> etree._Element | None:
        return next((r for r in self.items() if r.get("Id") == rid), None)

    def by_type(self, kind: str) -> list[etree._Element]:
        return [r for r in self.items() if r.get("Type") == kind]

    def target(self, rel: etree._Element) -> str:
        return resolve(self.part, rel.get("Target", ""))

    def add(self, kind: str, target: str, external: bool = False) -> str:
        ids = {r.get("Id") for r in self.items()}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rel = etree.SubElement(self.root, f"{{{PKG_RELS}}}Relationship", Id=f"rId{n}", Type=kind)
        if external:
            rel.set("Target", target)
            rel.set("TargetMode", "External")
        else:
            rel.set("Target", posixpath.relpath(target, posixpath.dirname(self.part)))
        return f"rId{n}"

    def remove(self, rel: etree._Element) -> None:
        self.root.remove(rel)

    def save(self) -> None:
        self.package.put(self.path, serialize(self.root))


class ContentTypes:
    NAME = "[Content_Types].xml"

    def __init__(self, package: Package) -> None:
        self.package = package
        self.root = parse(package.read(self.NAME))

    def _q(self, tag: str) -> str:
        return f"{{{CONTENT_TYPES}}}{tag}"

    def override(self, part: str, kind: str) -> None:
        self.drop(part)
        etree.SubElement(self.root, self._q("Override"), PartName=f"/{part}", ContentType=kind)

    def default(self, extension: str, kind: str) -> None:
        for el in self.root.findall(self._q("Default")):
            if (el.get("Extension") or "").lower() == extension:
                return
        el = etree.Element(self._q("Default"), Extension=extension, ContentType=kind)
        self.root.insert(0, el)

    def has_override(self, part: str) -> bool:
        return any((el.get("PartName") or "").lstrip("/").lower() == part.lower()
                   for el in self.root.findall(self._q("Override")))

    def drop(self, part: str) -> None:
        for el in self.root.findall(self._q("Override")):
            if (el.get("PartName") or "").lstrip("/").lower() == part.lower():
                self.root.remove(el)

    def save(self) -> None:
        self.package.put(self.NAME, serialize(self.root))
