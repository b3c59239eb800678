"""History of pulls (issue 6): snapshots listed, rows added / removed / changed per unit and
table between two pulls — written from the issue, with a small district whose edits are known."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner

from district import SHEETS, District, new_kid, roster_record
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.pipeline import current_snapshot
from kcbx.schema import load_package
from kcbx.tables import list_snapshots
from kcbx.tables.history import diff
from kcbx.tables.snapshot import snapshots_dir
from workbooks import write_book_xlsxwriter

CJK = re.compile(r"[\u4e00-\u9fff]")

# the edits between the two pulls, and what history must say about them
EXPECTED = {("XX1", "roster", 1, 0, 0), ("XX2", "census", 0, 1, 0), ("XX2", "dropouts", 0, 0, 1)}


def as_set(changes) -> set[tuple]:
    return {(c.unit_code, c.table, c.added, c.removed, c.changed) for c in changes}


def json_set(changes: list[dict]) -> set[tuple]:
    return {(c["unit_code"], c["table"], c["added"], c["removed"], c["changed"]) for c in changes}


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def edit(d: District) -> None:
    """A child added at the top of XX1's roster (every later row moves down), C7 removed from
    the middle of XX2's census, two cells of XX2's open case changed."""
    child = new_kid("新某生", "男", dt.date(2014, 9, 9), 201)
    d.books["XX1"]["roster"].insert(0, roster_record(child, "N1"))
    d.dirty.add("XX1")
    d.drop("XX2", "census", "C7")
    d.set("XX2", "dropouts", "O", reason_detail="家长带外出务工，电话已联系上", owner_phone="13800000013")


@pytest.fixture(scope="module")
def pulls(tmp_path_factory):
    """Three pulls: clean; with the edits; the same content written by another program."""
    root = tmp_path_factory.mktemp("history")
    d = District()
    d.write(root)
    config = load_config(root / "kcbx.yml")
    first, _ = current_snapshot(config)
    edit(d)
    d.write(root, only_dirty=True)
    second, made = current_snapshot(config)
    assert made and second.name != first.name
    # the same tables, other bytes: XX1 rewritten with xlsxwriter instead of openpyxl
    sheets = {SHEETS[t]: d.sheet_rows("XX1", t) for t in d.books["XX1"]}
    write_book_xlsxwriter(root / "submissions" / "XX1.xlsx", sheets)
    third, made = current_snapshot(config)
    assert made and third.name != second.name
    return root, config, (first, second, third)


def test_diff_reports_exactly_the_edits(pulls):
    _, _, (first, second, _) = pulls
    assert as_set(diff(load_package(), first, second)) == EXPECTED


def test_diff_backwards_swaps_added_and_removed(pulls):
    _, _, (first, second, _) = pulls
    back = {(u, t, r, a, c) for u, t, a, r, c in EXPECTED}
    assert as_set(diff(load_package(), second, first)) == back


def test_identical_pulls_have_no_change(pulls):
    _, _, (first, second, third) = pulls
    assert diff(load_package(), second, third) == []
    assert diff(load_package(), first, first) == []


def test_cli_json_lists_snapshots_and_changes(pulls):
    root, config, (first, second, third) = pulls
    names = [s.name for s in list_snapshots(snapshots_dir(config))]
    assert names == [first.name, second.name, third.name]

    result = run("history", "--json", "--config", str(root), first.name, second.name)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["name"] for s in data["snapshots"]] == names
    assert json_set(data["changes"]) == EXPECTED

    # default: the last two pulls, which hold the same data
    result = run("history", "--json", "--config", str(root))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["changes"] == []


def test_cli_accepts_name_prefixes_and_prints_a_table(pulls):
    root, _, (first, second, _) = pulls
    short = [s.name[:len(s.name) - 2] for s in (first, second)]
    result = run("history", "--json", "--config", str(root), *short)
    assert result.exit_code == 0, result.output
    assert json_set(json.loads(result.output)["changes"]) == EXPECTED
    result = run("history", "--config", str(root), first.name, second.name)
    assert result.exit_code == 0, result.output
    assert first.name in result.output and CJK.search(result.output)
    for unit in ("XX1", "XX2"):
        assert unit in result.output


def test_cli_without_snapshots_is_a_chinese_error(tmp_path):
    District().write(tmp_path)
    for args in (["history"], ["history", "--json"]):
        result = run(*args, "--config", str(tmp_path))
        assert result.exit_code == 2, result.output
        assert CJK.search(result.output), result.output
    assert not snapshots_dir(load_config(tmp_path / "kcbx.yml")).exists()


def test_cli_unknown_snapshot_is_a_chinese_error(pulls):
    root, _, _ = pulls
    result = run("history", "--config", str(root), "19990101", "19990102")
    assert result.exit_code == 2, result.output
    assert CJK.search(result.output)


def test_history_survives_only_one_pull(tmp_path):
    District().write(tmp_path)
    config = load_config(tmp_path / "kcbx.yml")
    only, _ = current_snapshot(config)
    result = run("history", "--json", "--config", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["name"] for s in data["snapshots"]] == [only.name]
    assert data["changes"] == []
