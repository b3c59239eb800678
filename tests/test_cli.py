"""The ``kcbx`` command: exit codes, ``--json`` equal to the library's report, pulls, help."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kcbx import pipeline
from kcbx.cli import cli
from kcbx.config import load_config
from workbooks import (
    book,
    census_row,
    cover,
    kid,
    make_workspace,
    roster_row,
    schema_layer,
    sheet,
    table_title,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
FINDING_KEYS = {"rule", "severity", "unit_code", "file", "sheet", "row", "column", "value",
                "message", "params"}


def clean_books() -> dict:
    child = kid(1)
    return {
        "A01.xlsx": book(sheet("cover", [cover("A01")]),
                         sheet("census", [census_row(id_number=child)])),
        "A02.xlsx": book(sheet("cover", [cover("A02")]),
                         sheet("roster", [roster_row(id_number=child)])),
    }


def dirty_books() -> dict:
    books = clean_books()
    books["A02.xlsx"] = book(sheet("cover", [cover("A02")]),
                             sheet("roster", [roster_row(id_number=kid(1), absent_days=40),
                                              roster_row(id_number=kid(2)[:17], name="赵某二",
                                                         student_no="G" + kid(2))]))
    return books


def run(*args: str, cwd: Path | None = None, monkeypatch=None):
    if cwd is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(cli, list(args))


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception)


# --------------------------------------------------------------------------------------
# Exit codes
# --------------------------------------------------------------------------------------


def test_validate_clean_workspace_exits_0(tmp_path):
    root = make_workspace(tmp_path / "ws", clean_books())
    result = run("validate", "--config", str(root))
    assert result.exit_code == 0, result.output
    assert "没有错误" in result.output
    assert_no_traceback(result)


def test_validate_with_errors_exits_1(tmp_path, monkeypatch):
    root = make_workspace(tmp_path / "ws", dirty_books())
    result = run("validate", cwd=root, monkeypatch=monkeypatch)  # kcbx.yml found in cwd
    assert result.exit_code == 1, result.output
    assert "ID-1" in result.output and "range-error" in result.output
    assert_no_traceback(result)


def test_build_with_bad_config_exits_2(tmp_path):
    (tmp_path / "kcbx.yml").write_text("district: 测试区\nfoo: 1\n", encoding="utf-8")
    result = run("build", "--config", str(tmp_path))
    assert result.exit_code == 2
    assert "配置项 foo" in result.output.replace("\n", "")
    assert_no_traceback(result)


CONFIG_PROBLEMS = ["no kcbx.yml", "unknown key", "yaml syntax", "missing --config file"]


@pytest.mark.parametrize("command", ["validate", "pull"])
@pytest.mark.parametrize("problem", CONFIG_PROBLEMS)
def test_unusable_config_exits_2_with_a_chinese_message(tmp_path, monkeypatch, command, problem):
    folder = tmp_path / "区"
    folder.mkdir()
    args = [command]
    if problem == "unknown key":
        (folder / "kcbx.yml").write_text("district: 测试区\nfoo: 1\n", encoding="utf-8")
    elif problem == "yaml syntax":
        (folder / "kcbx.yml").write_text("district: 测试区\nterms: [\n", encoding="utf-8")
    elif problem == "missing --config file":
        args += ["--config", str(folder / "nowhere" / "kcbx.yml")]
    result = run(*args, cwd=folder, monkeypatch=monkeypatch)
    assert result.exit_code == 2, result.output
    assert "kcbx.yml" in result.output and CJK.search(result.output)
    assert_no_traceback(result)


# --------------------------------------------------------------------------------------
# --json and pull
# --------------------------------------------------------------------------------------


def test_validate_json_is_the_library_report(tmp_path):
    root = make_workspace(tmp_path / "ws", dirty_books())
    result = run("validate", "--config", str(root), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)

    assert data == pipeline.validate(load_config(root)).to_dict()
    assert set(data) == {"valid", "counts", "findings"} and data["valid"] is False
    assert data["findings"], "the dirty workspace has findings"
    for finding in data["findings"]:
        assert set(finding) == FINDING_KEYS
    roster = table_title("roster")
    assert {(f["rule"], f["sheet"], f["row"], f["column"]) for f in data["findings"]
            if schema_layer(f["rule"])} == {
        ("range-error", roster, 2, "本月缺课天数"), ("ID-1", roster, 3, "身份证号")}


def test_validate_json_clean(tmp_path):
    root = make_workspace(tmp_path / "ws", clean_books())
    result = run("validate", "--config", str(root), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == pipeline.validate(load_config(root)).to_dict()
    assert data["valid"] is True and data["findings"] == []


def test_pull_twice_reports_the_second_as_unchanged(tmp_path):
    root = make_workspace(tmp_path / "ws", clean_books())
    first = run("pull", "--config", str(root))
    second = run("pull", "--config", str(root))
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "已保存新快照" in first.output
    assert "报表没有变化" in second.output

    third = run("pull", "--config", str(root), "--json")
    data = json.loads(third.stdout)
    assert data["new"] is False
    snapshots = root / "build" / "snapshots"
    assert [p for p in snapshots.iterdir()] == [Path(data["snapshot"])]
    assert data["rows"]["census"] == 1 and data["rows"]["roster"] == 1
