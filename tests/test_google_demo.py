"""The demo district from Google Sheets gives the same findings as from its xlsx workbooks.

Every demo school's workbook is typed, cell by cell as the school typed it (text as text,
dates as dates in their number format), into a spreadsheet of the local fake Sheets API;
the workspace then reads those spreadsheets instead of the xlsx folder. The previous
month's pull (REP-4) stays the xlsx folder ``previous/``: the two sources meet in one run.
"""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest

from fake_google import FakeGoogle, write_credentials
from kcbx.config import load_config
from kcbx.pipeline import validate
from kcbx.sources.google import GRID_FIELDS, google_transport


def _typed(value):
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def type_workbook(fake: FakeGoogle, key: str, path) -> None:
    book = openpyxl.load_workbook(path, data_only=True)  # what the school sees: cached values
    sheets = {ws.title: [[_typed(c.value) for c in row] for row in ws.iter_rows()]
              for ws in book.worksheets}
    fake.add_spreadsheet(key, sheets)
    for ws in book.worksheets:  # merged ranges, and dates in the number format the school gave
        sheet = fake.books[key].sheet(ws.title)
        sheet.merges = [{"sheetId": sheet.id, "startRowIndex": m.min_row - 1, "endRowIndex": m.max_row,
                         "startColumnIndex": m.min_col - 1, "endColumnIndex": m.max_col}
                        for m in ws.merged_cells.ranges]
        for row in ws.iter_rows():
            for c in row:
                if getattr(c, "is_date", False) and c.value is not None:
                    cell = sheet.cells[(c.row - 1, c.column - 1)]
                    pattern = c.number_format.replace("\\", "").lower()
                    cell["userEnteredFormat"] = {"numberFormat": {"type": "DATE", "pattern": pattern}}


def where(report) -> set[tuple]:
    return {(f.rule, f.severity, f.unit_code, f.sheet, f.row, f.column) for f in report.findings}


@pytest.fixture(scope="module")
def both(demo_copy, tmp_path_factory):
    xlsx = demo_copy("google-demo").dest
    from_xlsx = validate(load_config(xlsx))

    fake = FakeGoogle()
    root = tmp_path_factory.mktemp("google") / "示例区"
    shutil.copytree(xlsx, root, ignore=shutil.ignore_patterns("build", "public"))
    books = sorted((root / "submissions").glob("*.xlsx"))
    mapping = {}
    for path in books:
        key = f"key-{path.stem}"
        type_workbook(fake, key, path)
        mapping[path.stem] = key
        path.unlink()  # the school now fills Google Sheets only
    creds = write_credentials(root.parent / "google-credentials.json")
    text = (root / "kcbx.yml").read_text(encoding="utf-8")
    assert "  google: null\n" in text, text
    text = text.replace("  google: null\n", "  google:\n"
                        f"    credentials: {creds}\n    spreadsheets:\n"
                        + "".join(f"      {u}: {k}\n" for u, k in mapping.items()), 1)
    (root / "kcbx.yml").write_text(text, encoding="utf-8")
    with google_transport(fake):
        from_google = validate(load_config(root))
    return from_xlsx, from_google, fake, mapping


def test_the_same_findings_from_google_as_from_xlsx(both):
    from_xlsx, from_google, _, _ = both
    assert len(from_xlsx.findings) >= 30  # the demo's planted mistakes
    only_xlsx = where(from_xlsx) - where(from_google)
    only_google = where(from_google) - where(from_xlsx)
    assert (sorted(only_xlsx), sorted(only_google)) == ([], [])


def test_rep4_against_an_xlsx_previous_pull(both):
    _, from_google, _, _ = both
    assert [f.unit_code for f in from_google.findings if f.rule == "REP-4"] == ["QSZZ"]


def test_one_request_per_school(both):
    _, _, fake, mapping = both
    calls = fake.calls()
    assert [c.kind for c in calls] == ["spreadsheets.get"] * len(mapping)
    assert sorted(c.key for c in calls) == sorted(mapping.values())
    assert all(c.params["fields"] == [GRID_FIELDS] for c in calls)
