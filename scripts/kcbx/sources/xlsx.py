"""Read xlsx/xlsm/xls/ods workbooks with python-calamine (cached values, never formulas)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import python_calamine as calamine

from .guard import DEFAULT_LIMITS, MB, Limits, bound_sheets, check_workbook, too_large
from .raw import RawSheet, RawWorkbook, SourceProblem, fill_merged

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# Spreadsheets a school may send that kcbx does not read: taken as the unit's workbook (so
# its feedback says what to do), refused before a byte is read
FOREIGN_FORMATS = {
    ".xlsb": "这是 Excel 二进制格式（.xlsb）的文件",
    ".et": "这是 WPS 表格格式（.et）的文件",
    ".ett": "这是 WPS 表格模板格式（.ett）的文件",
    ".numbers": "这是苹果 Numbers 格式（.numbers）的文件",
}


def list_workbooks(folder: Path) -> tuple[list[Path], list[Path]]:
    """Workbooks in ``folder`` (sorted), and other files that were passed over.

    Office lock files (``~$名册.xlsx``) and hidden files are ignored silently.
    """
    books: list[Path] = []
    others: list[Path] = []
    if not folder.is_dir():
        return books, others
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("~$", ".")) or not path.is_file():
            continue
        suffix = path.suffix.lower()
        (books if suffix in WORKBOOK_SUFFIXES or suffix in FOREIGN_FORMATS else others).append(path)
    return books, others


def read_workbook(path: Path, *, name: str | None = None,
                  keep: Callable[[str], bool] | None = None,
                  limits: Limits = DEFAULT_LIMITS) -> RawWorkbook:
    """Every sheet of a workbook as raw values; merged cells carry their value down.

    ``keep(sheet_title)`` limits which sheets are read (all by default). The file passes
    :func:`~.guard.check_workbook` before the reader sees it, and cells beyond ``limits``
    are cut (noted in ``RawWorkbook.notes``). This runs in the calling process: files from
    outside are read through :func:`~.contain.read_workbooks`, which contains a crash.
    Raises :class:`SourceProblem` with a Chinese message when the file is no workbook.
    """
    label = name or path.name
    foreign = FOREIGN_FORMATS.get(path.suffix.lower())
    if foreign:
        raise SourceProblem(label, f"{foreign}，kcbx 不读取：请另存为 .xlsx 后重新报送")
    try:
        size = path.stat().st_size
        if size > limits.file_mb * MB:  # refused before a byte is read
            raise SourceProblem(label, too_large(size, limits))
        data = path.read_bytes()
    except OSError as exc:
        raise SourceProblem(label, f"文件无法打开（{exc.strerror or exc}）") from None
    if not data:
        raise SourceProblem(label, "文件是空的（0 字节），请重新保存后再报送")
    digest = hashlib.sha256(data).hexdigest()
    check_workbook(data, label, limits)
    data, notes = bound_sheets(data, limits)
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.CalamineError as exc:
        raise SourceProblem(label, _why_not_a_workbook(data, exc)) from None
    except Exception as exc:  # noqa: BLE001 - calamine raises plain errors on broken parts
        raise SourceProblem(label, f"文件已损坏，无法读取（{exc}）") from None
    sheets = []
    try:
        for title in book.sheet_names:
            if keep is not None and not keep(title):
                continue
            sheet = book.get_sheet_by_name(title)
            rows = sheet.to_python(skip_empty_area=False)
            fill_merged(rows, sheet.merged_cell_ranges or [])
            sheets.append(RawSheet(title=title, rows=rows, first_row=1))
    except Exception as exc:  # noqa: BLE001
        raise SourceProblem(label, f"工作簿内容已损坏，无法读取（{exc}）") from None
    finally:
        book.close()
    return RawWorkbook(source=label, sheets=sheets, digest=digest, notes=notes)


def _why_not_a_workbook(data: bytes, exc: Exception) -> str:
    head = data[:8]
    if head.startswith(b"PK"):
        return "文件已损坏（压缩包不完整），请在 Excel/WPS 中重新“另存为 .xlsx”后再报送"
    try:
        text = data[:2000].decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data[:2000].decode("gbk")
        except UnicodeDecodeError:
            text = ""
    if text and ("," in text or "\t" in text):
        return "这不是 Excel 工作簿，而是改了扩展名的文本/CSV 文件。请用报表模板填写并保存为 .xlsx"
    if b"<html" in data[:2000].lower():
        return "这不是 Excel 工作簿，而是网页文件。请用报表模板填写并保存为 .xlsx"
    return f"不是可识别的 Excel 工作簿（{exc}），请用报表模板填写并保存为 .xlsx"
