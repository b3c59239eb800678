"""The district config ``kcbx.yml`` (``config.md``): defaults, errors that name the key,
paths relative to the config folder, and the command-line overrides."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.errors import ConfigError
from workbooks import book, cover, make_workspace, sheet

CJK = re.compile(r"[\u4e00-\u9fff]")

FULL = """\
district: 示例区                 # required; shown on every report and page
year: 2022                       # work year
reference_date: 2022-08-31
age_range: [6, 15]
terms:
  - {name: 2022年秋季学期, start: 2022-09-01, end: 2023-01-13}
holidays:
  - {name: 国庆节, start: 2022-10-01, end: 2022-10-07}
workdays: [2022-10-08]
period: 2022-10
pulled_on: null
deadline: null
previous: null
thresholds:
  absence_days: 5
  stall_days: 30
  min_content_chars: 15
privacy:
  min_count: 3
sources:
  reference: 基础数据.xlsx
  submissions: submissions
  google: null
outputs: build
site: public
"""


def write_config(folder: Path, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kcbx.yml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path):
    config = load_config(write_config(tmp_path, "district: 示例区\n"))

    assert config.district == "示例区"
    assert config.year == 2022
    assert config.reference_date is None
    assert config.effective_reference_date == dt.date(2022, 8, 31)
    assert tuple(config.age_range) == (6, 15)
    assert [(t.name, t.start, t.end) for t in config.terms] == [
        ("2022年秋季学期", dt.date(2022, 9, 1), dt.date(2023, 1, 13))]
    assert [(h.name, h.start, h.end) for h in config.holidays] == [
        ("国庆节", dt.date(2022, 10, 1), dt.date(2022, 10, 7))]
    assert config.workdays == []
    assert config.period == "2022-10"
    assert config.pulled_on is None and config.effective_pulled_on == dt.date.today()
    assert config.deadline is None and config.effective_deadline == dt.date(2022, 10, 31)
    assert config.previous is None
    assert (config.thresholds.absence_days, config.thresholds.stall_days,
            config.thresholds.min_content_chars) == (5, 30, 15)
    assert config.privacy.min_count == 3
    assert (config.sources.reference, config.sources.submissions, config.sources.google) == (
        "基础数据.xlsx", "submissions", None)
    assert (config.outputs, config.site) == ("build", "public")
    assert config.root == tmp_path.resolve()


def test_example_of_the_spec_loads_as_written(tmp_path):
    config = load_config(write_config(tmp_path, FULL))
    assert config.workdays == [dt.date(2022, 10, 8)]
    assert config.reference_date == dt.date(2022, 8, 31)


def test_derived_defaults_follow_year_and_period(tmp_path):
    config = load_config(write_config(tmp_path, "district: 示例区\nyear: 2023\nperiod: 2024-02\n"))
    assert config.effective_reference_date == dt.date(2023, 8, 31)
    assert config.effective_deadline == dt.date(2024, 2, 29)


@pytest.mark.parametrize("text", [
    'pulled_on: 2022-11-04\ndeadline: 2022-11-05\nreference_date: 2022-08-31\n',
    'pulled_on: "2022-11-04"\ndeadline: \'2022-11-05\'\nreference_date: "2022-08-31"\n',
])
def test_dates_quoted_or_not(tmp_path, text):
    config = load_config(write_config(tmp_path, "district: 示例区\n" + text))
    assert (config.pulled_on, config.deadline, config.reference_date) == (
        dt.date(2022, 11, 4), dt.date(2022, 11, 5), dt.date(2022, 8, 31))
    assert config.effective_deadline == dt.date(2022, 11, 5)


BAD = [
    # case,                text after "district: 示例区",                   key,          words
    ("unknown key", "distrct_name: 甲\n", "distrct_name", "不认识"),
    ("unknown nested key", "thresholds:\n  absense_days: 3\n", "thresholds.absense_days",
     "不认识"),
    ("bad period", "period: 2022-13\n", "period", "YYYY-MM"),
    ("period with slash", "period: 2022/10\n", "period", "YYYY-MM"),
    ("bad date text", "deadline: 下周五\n", "deadline", "YYYY-MM-DD"),
    ("impossible quoted date", 'pulled_on: "2022-13-01"\n', "pulled_on", "YYYY-MM-DD"),
    ("term ends before start",
     "terms:\n  - {name: 秋季学期, start: 2022-09-10, end: 2022-09-01}\n", "terms[0]",
     "结束日期早于开始日期"),
    ("holiday ends before start",
     "holidays:\n  - {name: 国庆节, start: 2022-10-07, end: 2022-10-01}\n", "holidays[0]",
     "结束日期早于开始日期"),
    ("ages reversed", "age_range: [15, 6]\n", "age_range", "最小年龄"),
    ("threshold not a number", "thresholds:\n  stall_days: 一个月\n", "thresholds.stall_days",
     "整数"),
    ("misspelt key, nearest named", "retention_year: 3\n", "retention_year",
     "您是不是要写 retention_years？"),
    ("misspelt nested key", "thresholds:\n  absense_day: 3\n", "thresholds.absense_day",
     "您是不是要写 absence_days？"),
    ("misspelt key of the limits", "limits:\n  file_m: 3\n", "limits.file_m", "您是不是要写 file_mb？"),
    ("a number under its least", "retention_years: 0\n", "retention_years", "数值太小（至少 1）"),
    ("a day that does not exist", "reference_date: 2023-02-30\n", "reference_date", "没有这一天"),
    ("yes where a mapping goes", "mail: yes\n", "mail", "现在的值是“true”"),
    ("empty where a folder goes", "outputs:\n", "outputs", "现在的值是“（空）”"),
    ("text where a list goes", "fonts: 仿宋\n", "fonts", "应为列表：写成 [甲, 乙]"),
    ("yes for a number of years", "retention_years: yes\n", "retention_years", "应为学年数"),
]


def test_a_misspelt_key_is_named_before_the_key_it_leaves_missing(tmp_path):
    path = write_config(tmp_path, "distrct: 示例区\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "distrct" and "您是不是要写 district？" in str(caught.value)


@pytest.mark.parametrize("text, key, words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_config_names_the_key(tmp_path, text, key, words):
    path = write_config(tmp_path, "district: 示例区\n" + text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert caught.value.key == key
    assert f"配置项 {key}" in message and words in message
    assert str(path) in message


@pytest.mark.parametrize("text", ["year: 2022\n", 'district: "  "\n'],
                         ids=["missing", "blank"])
def test_missing_district(tmp_path, text):
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, text))
    assert caught.value.key == "district"
    assert "配置项 district" in str(caught.value)


@pytest.mark.parametrize("text, key", [("pulled_on: 2022-13-01\n", "pulled_on"),
                                       ("workdays: [2022-10-32]\n", "workdays")])
def test_unquoted_impossible_date_names_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, "district: 示例区\n" + text))
    assert key in str(caught.value)


def test_yaml_syntax_error(tmp_path):
    path = write_config(tmp_path, "district: 示例区\nterms: [\n  {name: 秋季\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "YAML" in message and re.search(r"第 \d+ 行", message)
    assert str(path) in message and CJK.search(message)


def test_not_utf8(tmp_path):
    path = write_config(tmp_path, "district: 示例区\nperiod: 2022-10\n".encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "UTF-8" in str(caught.value) and str(path) in str(caught.value)


def test_utf8_with_bom_is_fine(tmp_path):
    config = load_config(write_config(tmp_path, "\ufeffdistrict: 示例区\n".encode()))
    assert config.district == "示例区"


def test_relative_paths_resolve_against_the_config_folder(tmp_path, monkeypatch):
    folder = tmp_path / "区" / "工作"
    absolute = tmp_path / "elsewhere" / "site"
    write_config(folder, f"""district: 示例区
sources:
  reference: 资料/基础数据.xlsx
  submissions: ../收件箱
outputs: 输出
site: {absolute}
""")
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("区") / "工作")  # a relative path to the folder
    root = folder.resolve()
    assert config.root == root
    assert config.reference_path == root / "资料" / "基础数据.xlsx"
    assert config.submissions_path.resolve() == (tmp_path / "区" / "收件箱").resolve()
    assert config.outputs_path == root / "输出"
    assert config.site_path == absolute


def test_config_found_from_a_subfolder_and_paths_still_relative_to_it(tmp_path, monkeypatch):
    root = make_workspace(tmp_path / "ws", {"A02.xlsx": book(sheet("cover", [cover("A02")]))})
    inner = root / "submissions"
    monkeypatch.chdir(inner)
    config = load_config()
    assert config.root == root.resolve()
    assert config.reference_path == root.resolve() / "基础数据.xlsx"

    result = CliRunner().invoke(cli, ["pull", "--json"])
    assert result.exit_code == 0, result.output
    snapshot = Path(json.loads(result.stdout)["snapshot"])
    assert snapshot.parent == root.resolve() / "build" / "snapshots"
    assert not (inner / "build").exists()


def test_overrides_replace_single_keys(tmp_path):
    config = load_config(write_config(tmp_path, "district: 示例区\npulled_on: 2022-11-04\n"))
    changed = config.with_overrides(period="2022-11", pulled_on=dt.date(2022, 12, 2))
    assert (changed.period, changed.pulled_on) == ("2022-11", dt.date(2022, 12, 2))
    assert changed.effective_deadline == dt.date(2022, 11, 30)
    assert changed.root == config.root and changed.district == "示例区"
    # None means: keep the config's value
    kept = config.with_overrides(period=None, pulled_on=None)
    assert (kept.period, kept.pulled_on) == ("2022-10", dt.date(2022, 11, 4))
    with pytest.raises(ConfigError) as caught:
        config.with_overrides(period="2022-13")
    assert caught.value.key == "period"


def test_command_line_overrides_reach_the_pull(tmp_path):
    root = make_workspace(tmp_path / "ws", {"A02.xlsx": book(sheet("cover", [cover("A02")]))})
    result = CliRunner().invoke(cli, ["pull", "--config", str(root), "--period", "2022-11",
                                      "--pulled-on", "2022-12-02", "--json"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(
        (Path(json.loads(result.stdout)["snapshot"]) / "manifest.json").read_text("utf-8"))
    assert (manifest["period"], manifest["pulled_on"]) == ("2022-11", "2022-12-02")


def test_bad_period_override_on_the_command_line(tmp_path):
    root = make_workspace(tmp_path / "ws")
    result = CliRunner().invoke(cli, ["validate", "--config", str(root), "--period", "2022-13"])
    assert result.exit_code == 2
    assert "period" in result.output and "YYYY-MM" in result.output
    assert "Traceback" not in result.output


def test_default_calendar_follows_the_year(tmp_path):
    config = load_config(write_config(tmp_path, "district: 示例区\nyear: 2023\nperiod: 2023-10\n"))
    assert [(t.start, t.end) for t in config.terms] == [(dt.date(2023, 9, 1), dt.date(2024, 1, 13))]
    assert config.holidays[0].start == dt.date(2023, 10, 1)
    assert config.period_teaches


def test_terms_of_another_year_name_the_keys(tmp_path):
    text = ("district: 示例区\nyear: 2023\nperiod: 2023-10\nterms:\n"
            "  - {name: 2022年秋季学期, start: 2022-09-01, end: 2023-01-13}\n")
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, text))
    assert "terms" in str(err.value) and "year" in str(err.value) and "2022年秋季学期" in str(err.value)


def test_a_school_year_of_two_terms_is_accepted(tmp_path):
    text = ("district: 示例区\nyear: 2023\nperiod: 2024-03\nterms:\n"
            "  - {name: 2023年秋季学期, start: 2023-09-01, end: 2024-01-19}\n"
            "  - {name: 2024年春季学期, start: 2024-02-26, end: 2024-07-05}\n")
    assert load_config(write_config(tmp_path, text)).period_teaches


def test_a_month_without_teaching_is_a_warning_not_silence(tmp_path):
    from kcbx.validation import validate_tables  # noqa: F401 - the finding comes from validation
    from workbooks import run_validate, workspace

    root = workspace(tmp_path / "ws", {})
    # August 2023 is in work year 2022 (September–August), outside its autumn term
    (root / "kcbx.yml").write_text("district: 测试区\nperiod: 2023-08\npulled_on: 2023-09-02\n",
                                   encoding="utf-8")
    report = run_validate(root)
    found = [f for f in report.findings if f.rule == "no-teaching"]
    assert len(found) == 1 and found[0].severity == "提醒" and "2023-08" in found[0].message
    (root / "kcbx.yml").write_text("district: 测试区\nperiod: 2022-10\npulled_on: 2022-11-04\n",
                                   encoding="utf-8")
    assert not [f for f in run_validate(root).findings if f.rule == "no-teaching"]
