"""The year-end summary gathers the latest pull of every month of the work year."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.pipeline import current_snapshot


@pytest.fixture(scope="module")
def demo(demo_copy):
    return demo_copy("year").dest


def test_year_summary_has_one_row_per_month_pulled(demo, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(demo, ws)
    # September: the previous month's workbooks; October: this month's.
    shutil.copytree(demo / "previous" / "submissions", ws / "sept")
    config = load_config(ws)
    sept = config.with_overrides(period="2022-09", pulled_on=config.pulled_on.replace(month=10, day=5))
    sept = sept.model_copy(update={"sources": sept.sources.model_copy(update={"submissions": "sept"})})
    current_snapshot(sept)
    current_snapshot(config)
    result = CliRunner().invoke(cli, ["report", "--year", "--config", str(ws)])
    assert result.exit_code == 0, result.output
    book = load_workbook(ws / "build" / "reports" / "2022_年度总结.xlsx")
    months = [row[0].value for row in book["月度汇总"].iter_rows(min_row=4) if row[0].value]
    assert months == ["2022-09", "2022-10"]
    header = [c.value for c in book["各单位报送情况"][1]]
    assert header[3:] == ["2022-09", "2022-10"]
    statuses = {c.value for row in book["各单位报送情况"].iter_rows(min_row=2) for c in row[3:]}
    assert statuses <= {"按时", "逾期", "零报告", "未报"} and "未报" in statuses


def test_year_summary_without_pulls_is_a_chinese_error(demo, tmp_path):
    ws = tmp_path / "empty"
    shutil.copytree(demo, ws)
    result = CliRunner().invoke(cli, ["report", "--year", "--config", str(ws)])
    assert result.exit_code == 2
    assert "没有 2022 年的拉取记录" in result.output
