"""The Chinese fonts a handbook is set in, found the same way on every machine.

In order: the files or folders named by ``fonts`` in ``kcbx.yml``; else Noto Serif SC and
Noto Sans SC from the pip package ``pylopdf-fonts-zh-cn`` (SIL Open Font License 1.1, a
dependency of kcbx); else Windows' 宋体 and 黑体. typst is told to ignore the system's fonts
and its own embedded ones, so the same data gives the same PDF everywhere. A character no
chosen font has is an error (:func:`missing_chars`), never an empty box in the PDF.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import zlib
from array import array
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..atomic import write_bytes
from ..config import Config
from ..errors import KcbxError


class FontError(KcbxError):
    """No usable Chinese font for a printed document (handbooks, monthly reports)."""

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
WINDOWS_FONTS = (Path(r"C:\Windows\Fonts\simsun.ttc"), Path(r"C:\Windows\Fonts\simhei.ttf"))
# Family names by look: 宋体-like for the text, 黑体-like for headings.
SERIF = ("Noto Serif SC", "Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN",
         "SimSun", "NSimSun", "宋体", "STSong", "FangSong", "仿宋", "AR PL UMing CN")
SANS = ("Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN",
        "SimHei", "黑体", "Microsoft YaHei", "STHeiti", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")


@dataclass(frozen=True)
class FontSet:
    """Font folders for typst, the files in them, and the family names to use."""

    folders: tuple[str, ...]
    files: tuple[str, ...]
    serif: str
    sans: str
    source: str  # where they came from, in Chinese
    cache: str = ""  # a folder where what was read of the fonts is kept (coverage)

    @property
    def signature(self) -> str:
        """Changes when a font file changes: part of every handbook's hash."""
        h = hashlib.sha256()
        for f in self.files:
            st = os.stat(f)
            h.update(f"{Path(f).name}\0{st.st_size}\0{int(st.st_mtime)}\n".encode())
        h.update(f"{self.serif}\0{self.sans}".encode())
        return h.hexdigest()[:16]

    def families(self) -> dict[str, list[str]]:
        return {"serif": [self.serif, self.sans], "sans": [self.sans, self.serif]}


def _files_in(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in FONT_SUFFIXES))
        elif p.suffix.lower() in FONT_SUFFIXES:
            out.append(p)
    return out


def _families(folders: list[str]) -> list[str]:
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                        font_paths=folders)
    return fonts.families()


def _pick(families: list[str], wanted: tuple[str, ...]) -> str | None:
    lower = {f.lower(): f for f in families}
    return next((lower[w.lower()] for w in wanted if w.lower() in lower), None)


def _folders_for(files: list[Path], cache: Path) -> list[str]:
    """typst reads fonts from folders: a file named on its own is linked (or copied) into
    a folder of its own under the handbooks' output folder."""
    folders: list[str] = []
    for f in files:
        key = hashlib.sha256(str(f.resolve()).encode()).hexdigest()[:12]
        folder = cache / key
        target = folder / f.name
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            try:
                os.link(f, target)
            except OSError:
                try:
                    target.symlink_to(f.resolve())
                except OSError:
                    shutil.copyfile(f, target)
        folders.append(str(folder))
    return list(dict.fromkeys(folders))


def _from_files(files: list[Path], cache: Path, source: str) -> FontSet | None:
    if not files:
        return None
    folders = _folders_for(files, cache)
    families = _families(folders)
    if not families:
        return None
    serif = _pick(families, SERIF)
    sans = _pick(families, SANS)
    serif = serif or sans or families[0]
    return FontSet(tuple(folders), tuple(str(f) for f in files), serif, sans or serif, source)


def _package_fonts() -> FontSet | None:
    try:
        import pylopdf_fonts_zh_cn as pkg
    except ImportError:
        return None
    files = [pkg.serif_path(), pkg.sans_path()]
    if not all(f.is_file() for f in files):
        return None
    return FontSet((str(files[0].parent),), tuple(str(f) for f in files), "Noto Serif SC",
                   "Noto Sans SC", "思源宋体/黑体（Noto Serif SC、Noto Sans SC，SIL OFL 1.1）")


def resolve_fonts(config: Config, cache: Path) -> FontSet:
    """The fonts to use, or a :class:`FontError` saying how to get one."""
    return replace(_resolve_fonts(config, cache), cache=str(cache))


def _resolve_fonts(config: Config, cache: Path) -> FontSet:
    if config.fonts:
        paths = [config.path(p) for p in config.fonts]
        absent = [str(p) for p in paths if not p.exists()]
        if absent:
            raise FontError(f"kcbx.yml 的 fonts 中的字体文件或文件夹不存在：{'、'.join(absent)}。"
                                "请核对路径（相对路径从 kcbx.yml 所在文件夹算起）")
        found = _from_files(_files_in(paths), cache, "kcbx.yml 中 fonts 指定的字体")
        if found is None:
            raise FontError("kcbx.yml 的 fonts 中没有可用的字体文件（.ttf、.otf、.ttc）。"
                                "请指定含简体中文的字体，如 C:\\Windows\\Fonts\\simsun.ttc")
        return found
    found = _package_fonts()
    if found is None and sys.platform == "win32":
        found = _from_files([f for f in WINDOWS_FONTS if f.is_file()], cache, "Windows 宋体、黑体")
    if found is None:
        raise FontError(
            "找不到打印文件（送教手册、月报表）要用的中文字体。请重新安装 kcbx"
            "（会一并安装 pylopdf-fonts-zh-cn 字体包："
            "pip install pylopdf-fonts-zh-cn），或在 kcbx.yml 中用 fonts 指定含简体中文的字体文件，"
            "如 fonts: [C:\\Windows\\Fonts\\simsun.ttc, C:\\Windows\\Fonts\\simhei.ttf]")
    return found


@lru_cache(maxsize=4)
def coverage(files: tuple[str, ...], cache: str = "") -> frozenset[int]:
    """Every character some face of these font files can draw. Reading a CJK font's
    character map takes ≈ 0.2 s; with ``cache``, it is kept there (per file size and time)."""
    if not cache:
        return _read_coverage(files)
    h = hashlib.sha256()
    for f in files:
        st = os.stat(f)
        h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    kept = Path(cache) / f"coverage-{h.hexdigest()[:16]}.bin"
    with suppress(OSError):
        found = _unpack(kept.read_bytes())
        if found is not None:
            return found
    chars = _read_coverage(files)
    with suppress(OSError):
        write_bytes(kept, _pack(chars))
    return chars


COVERAGE_MAGIC = b"kcbx-coverage-1\n"


def _pack(chars: frozenset[int]) -> bytes:
    data = array("I", sorted(chars)).tobytes()
    return COVERAGE_MAGIC + len(chars).to_bytes(4, "little") + zlib.crc32(data).to_bytes(4, "little") + data


def _unpack(blob: bytes) -> frozenset[int] | None:
    """The characters kept by :func:`_pack`; ``None`` for anything else (a cut file)."""
    head = len(COVERAGE_MAGIC)
    if not blob.startswith(COVERAGE_MAGIC) or len(blob) < head + 8:
        return None
    count = int.from_bytes(blob[head:head + 4], "little")
    crc = int.from_bytes(blob[head + 4:head + 8], "little")
    data = blob[head + 8:]
    if len(data) != 4 * count or zlib.crc32(data) != crc:
        return None
    return frozenset(array("I", data))


def _read_coverage(files: tuple[str, ...]) -> frozenset[int]:
    from fontTools.ttLib import TTFont, TTLibError
    from fontTools.ttLib.ttCollection import TTCollection

    chars: set[int] = set()
    for f in files:
        try:
            if f.lower().endswith((".ttc", ".otc")):
                for font in TTCollection(f, lazy=True).fonts:
                    chars.update(font.getBestCmap() or {})
            else:
                chars.update(TTFont(f, lazy=True).getBestCmap() or {})
        except (TTLibError, OSError, KeyError) as exc:
            raise FontError(f"字体文件 {f} 无法读取（{exc}）。请换一个字体文件") from None
    return frozenset(chars)


def strings_in(value: Any) -> Iterator[str]:
    """Every text inside a template's data (dicts and lists walked), for :func:`missing_chars`."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings_in(v)


def missing_chars(fonts: FontSet, strings: list[str]) -> list[str]:
    """Characters of ``strings`` that none of the fonts has (spaces and controls aside)."""
    have = coverage(fonts.files, fonts.cache)
    seen = {c for s in strings for c in s}
    return sorted(c for c in seen if not c.isspace() and ord(c) >= 0x20 and ord(c) not in have
                  and c not in "\u200b\u200c\u200d\ufeff")


# GB/T 9704 asks for 小标宋 (titles), 仿宋 (text) and 黑体 (headings): their usual family
# names on Windows and from the 方正 set. Where none is found an open face stands in, and
# the substitution is named (``DocumentFonts.substitutions``).
WINDOWS_DOCUMENT_FONTS = tuple(Path(r"C:\Windows\Fonts") / f for f in (
    "simfang.ttf", "simhei.ttf", "simkai.ttf", "FZXBSJW.TTF", "方正小标宋简体.ttf"))
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "title": ("小标宋体", ("FZXiaoBiaoSong-B05S", "方正小标宋简体", "FZXiaoBiaoSong-B05",
                        "方正小标宋_GBK", "FZXiaoBiaoSongS-R-GB", "小标宋")),
    "body": ("仿宋体", ("FangSong_GB2312", "仿宋_GB2312", "FangSong", "仿宋", "STFangsong", "华文仿宋",
                     "FZFangSong-Z02S", "方正仿宋简体")),
    "heading": ("黑体", ("SimHei", "黑体", "FZHei-B01S", "方正黑体简体", "STHeiti")),
}


@dataclass(frozen=True)
class DocumentFonts:
    """The fonts of a 公文 by role (title, body, heading) and what stood in for what."""

    fonts: FontSet
    roles: dict[str, str]  # role → family
    substitutions: tuple[str, ...]  # Chinese lines: "正文应为仿宋，……用 Noto Serif SC 代替"

    def families(self) -> dict[str, Any]:
        """For the typst templates: a family list per role (each falling back to the base
        faces); the title is set bold only when no 小标宋 was found."""
        base = self.fonts.families()
        return {**base, **{role: [family, *base["sans" if role == "heading" else "serif"]]
                           for role, family in self.roles.items()},
                "title_bold": self.roles["title"] in (self.fonts.serif, self.fonts.sans)}


def resolve_document_fonts(config: Config, cache: Path) -> DocumentFonts:
    """The 公文 fonts: ``fonts`` of kcbx.yml, else the Windows 仿宋/黑体/小标宋 where present,
    each role else the open Noto face (named as a substitution)."""
    base = resolve_fonts(config, cache)
    if not config.fonts:
        extra = [f for f in WINDOWS_DOCUMENT_FONTS if f.is_file()]
        if extra:
            folders = _folders_for(extra, cache)
            base = FontSet(tuple(dict.fromkeys((*base.folders, *folders))),
                           (*base.files, *(str(f) for f in extra)), base.serif, base.sans,
                           base.source + "；Windows 仿宋、黑体、小标宋", base.cache)
    families = _families(list(base.folders))
    roles: dict[str, str] = {}
    notes: list[str] = []
    stand_in = {"title": base.serif, "body": base.serif, "heading": base.sans}
    what = {"title": "标题", "body": "正文", "heading": "一级标题"}
    for role, (look, names) in ROLES.items():
        found = _pick(families, names)
        roles[role] = found or stand_in[role]
        if found is None:
            notes.append(f"{what[role]}应为{look}（GB/T 9704），没有找到这种字体，"
                         f"用 {stand_in[role]} 代替")
    return DocumentFonts(base, roles, tuple(notes))
