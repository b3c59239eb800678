"""The status tables of a period as one private workbook for the bureau (unsuppressed)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import xlsxwriter

from ...atomic import write_bytes
from .public import public_descriptor


def write(frames: dict[str, pl.DataFrame], path: Path, *, district: str,
          created: dt.date | None = None) -> Path:
    """One sheet per table, Chinese column titles from the public package's schema.
    ``created`` (the pull's date) is the workbook's creation time: the same tables give the
    same bytes."""
    buf = io.BytesIO()  # written whole, then put in place in one step
    book = xlsxwriter.Workbook(buf, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False})
    head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True})
    for res in public_descriptor()["resources"]:
        frame = frames.get(res["name"])
        if frame is None:
            continue
        sheet = book.add_worksheet(res["title"])
        fields = res["schema"]["fields"]
        for c, f in enumerate(fields):
            sheet.write_string(0, c, f["title"], head)
            sheet.set_column(c, c, max(8, len(f["title"]) * 2))
        names = [f["name"] for f in fields]
        present = frame.select([n for n in names if n in frame.columns])
        for r, row in enumerate(present.iter_rows(named=True), start=1):
            for c, name in enumerate(names):
                value = row.get(name)
                if value is None:
                    continue
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
        sheet.freeze_panes(1, 0)
        sheet.set_landscape()  # prints as the bureau files it: A4 across, header on each page
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        sheet.hide_gridlines(0)
        label = f"{district}　{res['title']}".replace("&", "&&")
        sheet.set_footer(f"&L{label}&R第 &P 页，共 &N 页")
    properties: dict[str, object] = {"title": f"{district}控辍保学统计表"}
    if created is not None:
        properties["created"] = dt.datetime(created.year, created.month, created.day)
    book.set_properties(properties)
    book.close()
    write_bytes(path, buf.getvalue())
    return path
