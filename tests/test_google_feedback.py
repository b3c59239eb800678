"""Feedback written into each school's Google spreadsheet: 校验结果 rewritten in one
batchUpdate, offending cells noted and coloured, the school's values never changed."""

from __future__ import annotations

import pytest

from fake_google import FakeGoogle, google_config, write_credentials
from kcbx import pipeline
from kcbx.config import load_config
from kcbx.outputs.feedback.google import COLOURS, HEADER, MARK_FIELDS, RESULTS, write_google_feedback
from kcbx.sources.google import GRID_FIELDS, google_transport
from test_google_pull import UNITS3, a01_book, a02_sheets, school_sheets
from workbooks import kid, roster_row, table_title, workspace

ROSTER = table_title("roster")
COVER = table_title("cover")


@pytest.fixture
def fake():
    google = FakeGoogle()
    with google_transport(google):
        yield google


def make(tmp_path, fake, a02=None, a03=None):
    creds = write_credentials(tmp_path / "c.json")
    fake.add_spreadsheet("key-A02", a02 or a02_sheets())
    fake.add_spreadsheet("key-A03", a03 or school_sheets("A03", roster=[roster_row(id_number=kid(7))]))
    root = workspace(tmp_path / "ws", {"A01.xlsx": a01_book()}, units=UNITS3,
                     config=google_config(creds, {"A02": "key-A02", "A03": "key-A03"}))
    return load_config(root)


def run(config):
    snapshot, _ = pipeline.current_snapshot(config)
    report = pipeline.validate(config)
    return snapshot, report, write_google_feedback(config, snapshot, report)


def school_values(fake, key):
    return {s.title: fake.values(key, s.title) for s in fake.books[key].sheets if s.title != RESULTS}


def pulled(call) -> bool:
    """A pull's read (the whole spreadsheet's values), not one of the feedback's requests."""
    return call.kind == "spreadsheets.get" and call.params.get("fields") == [GRID_FIELDS]


def test_results_sheet_and_notes_in_one_batchupdate(tmp_path, fake):
    config = make(tmp_path, fake)
    before = school_values(fake, "key-A02")
    fake.log.clear()
    snapshot, report, results = run(config)

    by_unit = {r.unit: r for r in results}
    assert set(by_unit) == {"A02", "A03"} and all(r.written for r in results)  # A01 is xlsx: not here
    feedback_calls = [c for c in fake.calls() if not pulled(c)]
    assert [(c.kind, c.key) for c in feedback_calls] == [
        ("spreadsheets.get", "key-A02"), ("spreadsheets.batchUpdate", "key-A02"),
        ("spreadsheets.get", "key-A03"), ("spreadsheets.batchUpdate", "key-A03")]
    book = fake.books["key-A02"]
    assert book.sheets[0].title == RESULTS
    assert book.sheets[0].properties["gridProperties"]["frozenRowCount"] == 3
    table = fake.values("key-A02", RESULTS)
    a02 = [f for f in report.sorted() if f.file == "google/A02" or (f.file is None and f.unit_code == "A02")]
    assert by_unit["A02"].listed == len(a02) == len(table) - 3
    assert table[0][0].endswith(f"错误 {sum(f.severity == '错误' for f in a02)} 条，"
                                f"提醒 {sum(f.severity == '提醒' for f in a02)} 条")
    assert tuple(table[2]) == HEADER
    grade = next(f for f in a02 if f.rule == "enum-error")
    row = next(r for r in table[3:] if r[9] == "enum-error")
    assert row[3:6] == [ROSTER, "3", "年级"] and row[7] == grade.message
    link = fake.cell("key-A02", RESULTS, table.index(row) + 1, 9)
    roster = book.sheet(ROSTER)
    assert link["userEnteredValue"] == {"formulaValue": f'=HYPERLINK("#gid={roster.id}&range=F3","转到 F3")'}
    assert row[8] == "转到 F3"
    text = next(c for c in fake.calls("spreadsheets.batchUpdate")[0].body["requests"]
                if "updateCells" in c and c["updateCells"].get("range"))["updateCells"]["rows"]
    formulas = [v["userEnteredValue"] for r in text for v in r["values"]
                if "formulaValue" in v.get("userEnteredValue", {})]
    assert all(f["formulaValue"].startswith('=HYPERLINK("#gid=') for f in formulas)  # no other formula
    cell = fake.cell("key-A02", ROSTER, 3, 6)  # 年级 of row 3
    assert cell["note"] == f"【错误】{grade.message}"
    assert cell["userEnteredFormat"]["backgroundColor"] == COLOURS["错误"]
    assert school_values(fake, "key-A02") == before  # not one value of the school's changed
    update = fake.calls("spreadsheets.batchUpdate", "key-A02")[0].body["requests"]
    for req in update:
        cells = req.get("updateCells")
        if cells and cells.get("start", cells.get("range", {})).get("sheetId") != book.sheets[0].id:
            assert cells["fields"] == MARK_FIELDS  # only notes and fills on the school's sheets
    assert not fake.values("key-A03", RESULTS)[3:]  # A03 is clean …
    assert fake.values("key-A03", RESULTS)[0][0].endswith("没有发现问题")  # … and is told so


def test_second_run_rewrites_and_clears_what_was_fixed(tmp_path, fake):
    config = make(tmp_path, fake)
    own_note = {"note": "学校自己的批注"}
    fake.books["key-A02"].sheet(ROSTER).cells[(1, 1)] = {**fake.cell("key-A02", ROSTER, 2, 2), **own_note}
    run(config)
    fake.type_cell("key-A02", ROSTER, 3, 6, "三年级")  # the school fixes 年级 of row 3
    fake.log.clear()

    snapshot, report, results = run(config)

    assert [c.kind for c in fake.calls("spreadsheets.batchUpdate")] == ["spreadsheets.batchUpdate"] * 2
    assert "note" not in fake.cell("key-A02", ROSTER, 3, 6)
    assert "backgroundColor" not in fake.cell("key-A02", ROSTER, 3, 6).get("userEnteredFormat", {})
    assert fake.cell("key-A02", ROSTER, 2, 2)["note"] == "学校自己的批注"  # never kcbx's to clear
    table = fake.values("key-A02", RESULTS)
    assert not [r for r in table[3:] if r[9] == "enum-error"] and len(table) == 3 + results[0].listed
    assert len(fake.books["key-A02"].metadata) == 1  # updated in place, not piled up


def test_a_school_that_cannot_be_written_does_not_stop_the_others(tmp_path, fake):
    config = make(tmp_path, fake)
    snapshot, _ = pipeline.current_snapshot(config)
    report = pipeline.validate(config)
    fake.books["key-A02"].shared = False

    results = write_google_feedback(config, snapshot, report)

    a02, a03 = results
    assert not a02.written and "没有权限访问单位 A02 的 Google 表格" in a02.message
    assert a03.written and fake.books["key-A03"].sheets[0].title == RESULTS


def test_unread_school_and_header_findings(tmp_path, fake):
    sheets = school_sheets("A03", roster=[roster_row(id_number=kid(7))])
    sheets[ROSTER][0] = ["学生姓名" if h == "姓名" else h for h in sheets[ROSTER][0]]
    config = make(tmp_path, fake, a03=sheets)
    del fake.books["key-A02"]

    snapshot, report, results = run(config)

    a02, a03 = results
    assert not a02.written and "没有读到这份表格" in a02.message
    assert fake.calls(key="key-A02") == [c for c in fake.calls(key="key-A02") if pulled(c)]
    listed = [r[9] for r in fake.values("key-A03", RESULTS)[3:]]
    assert {"missing-label", "extra-label"} <= set(listed)
    header = fake.cell("key-A03", ROSTER, 1, 3)
    assert "note" not in header and a03.located == 0  # the header row is the form's: listed only


def test_school_text_is_never_written_as_a_formula(tmp_path, fake):
    sheets = a02_sheets()
    sheets[ROSTER][2][5] = "=IMPORTDATA(\"http://example.invalid\")"  # 年级 typed as a formula text
    config = make(tmp_path, fake, a02=sheets)

    run(config)

    row = next(r for r in fake.values("key-A02", RESULTS)[3:] if r[5] == "年级")
    assert row[6] == sheets[ROSTER][2][5]
    cell = fake.cell("key-A02", RESULTS, fake.values("key-A02", RESULTS).index(row) + 1, 7)
    assert cell["userEnteredValue"] == {"stringValue": sheets[ROSTER][2][5]}


def test_marks_are_remembered_compactly_and_boxed_past_the_limit():
    from kcbx.outputs.feedback import google as fb

    marks = {(7, r, 3) for r in range(2, 40)} | {(7, 50, 4), (9, 5, 0)}
    request = fb._metadata_request(marks, None)["createDeveloperMetadata"]["developerMetadata"]
    assert request["metadataValue"] == '{"version":1,"cells":{"7":{"3":"2-39","4":"50"},"9":{"0":"5"}}}'
    assert fb._previous_marks({"developerMetadata": [{**request, "metadataId": 1}]}) == (marks, {}, 1)
    many = {(7, r, c) for r in range(0, 8000, 2) for c in range(3)}
    boxed = fb._metadata_request(many, 4)["updateDeveloperMetadata"]["developerMetadata"]["metadataValue"]
    assert len(boxed) < fb.METADATA_LIMIT
    stored = {"developerMetadata": [{"metadataKey": fb.METADATA_KEY, "metadataId": 4,
                                     "metadataValue": boxed}]}
    assert fb._previous_marks(stored) == (set(), {7: [0, 7999, 0, 3]}, 4)


def test_cli_google_feedback(tmp_path, fake, monkeypatch):
    import json

    from click.testing import CliRunner

    from kcbx.cli import cli
    from kcbx.sources.google import ENV_CREDENTIALS

    config = make(tmp_path, fake)
    monkeypatch.setenv(ENV_CREDENTIALS, str(tmp_path / "missing.json"))  # restored after the test
    creds = tmp_path / "c.json"
    moved = creds.rename(tmp_path / "elsewhere.json")

    result = CliRunner().invoke(cli, ["google", "feedback", "--config", str(config.root), "--json",
                                      "--credentials", str(moved)])

    assert result.exit_code == 0, result.output
    assert [(r["unit"], r["written"]) for r in json.loads(result.output)] == [("A02", True), ("A03", True)]
