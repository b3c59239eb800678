"""Help pages as a terminal shows them: every line inside the window in terminal columns (a
Chinese character takes two), descriptions aligned, nothing of the text lost, no English
left over from click, and paragraphs broken where Chinese allows."""

from __future__ import annotations

import inspect
import re

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from clicommands import COMMANDS, command_at
from kcbx.cli import cli
from kcbx.clihelp import CLOSING, OPENING, chinese_extra, join_lines, wrap, wrap_text

OPTION_ROW = re.compile(r"^  (-\S.*?)\s{2,}\S")


def _help(command: tuple[str, ...], width: int) -> str:
    """The page for a window of ``width`` columns (a terminal's page is 2 narrower)."""
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kcbx")
def test_every_help_line_fits_the_window_and_descriptions_line_up(command, width):
    text = _help(command, width)
    wide = [(cell_len(line), line) for line in text.splitlines() if cell_len(line) > width]
    assert wide == [], "\n".join(line for _, line in wide)
    assert text.startswith("用法：") and "\n选项：\n" in text
    if command_at(command).__class__.__name__ == "Group" and command_at(command).commands:
        assert "\n命令：\n" in text
    for english in ("default:", "required", "env var", "Usage", "Options", "Commands"):
        assert english not in text, english
    listed = text.split("\n命令：\n")[1] if "\n命令：\n" in text else ""
    assert "..." not in listed and not re.search(r"[、，。；：）] ", listed), listed  # whole, joined
    # every option's description starts at one column (a wide option name goes on its own line)
    options = text.split("\n选项：\n")[1].split("\n命令：\n")[0]
    starts = {cell_len(line[:m.end() - 1]) for line in options.splitlines() if (m := OPTION_ROW.match(line))}
    assert len(starts) == 1, options


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kcbx")
def test_the_help_page_holds_every_character_of_the_docstring(command):
    """Wrapping moves line breaks, never text."""
    written = inspect.cleandoc(command_at(command).help or "").replace("\b", "")
    shown = _help(command, 80).split("\n选项：\n")[0].split("\n", 1)[1]
    assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", written)


def test_chinese_breaks_between_characters_but_never_before_a_closing_mark():
    text = "副本放在输出文件夹中：第一张表“校验结果”列出本单位全部问题（可点击跳转），" * 4 + \
           "配置文件 kcbx.yml 或 sources.google.credentials 中的路径。"
    for width in range(28, 70):  # narrower than the longest word: cut, tested below
        lines = wrap(text, width)
        assert all(cell_len(line) <= width for line in lines), (width, lines)
        assert not any(line[0] in CLOSING for line in lines[1:]), (width, lines)
        assert not any(line[-1] in OPENING for line in lines), (width, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        words = " ".join(lines).split()
        assert "kcbx.yml" in words and "sources.google.credentials" in words, (width, lines)


def test_a_word_longer_than_the_line_is_cut_and_kept_whole_in_text():
    lines = wrap("见 sources.google.credentials 中的路径", 12)
    assert all(cell_len(line) <= 12 for line in lines), lines
    assert "".join(lines).replace(" ", "") == "见sources.google.credentials中的路径"


def test_a_paragraph_broken_by_hand_is_joined_as_written():
    assert join_lines(["第一张表“校验结果”", "列出本单位全部问题"]) == "第一张表“校验结果”列出本单位全部问题"
    assert join_lines(["文书在输出文件夹的", "documents/ 下"]) == "文书在输出文件夹的 documents/ 下"
    assert join_lines(["工作簿（.xlsx、", ".xls）先检查"]) == "工作簿（.xlsx、.xls）先检查"
    assert join_lines(["run the", "tests"]) == "run the tests"


def test_lines_kept_as_written_wrap_under_their_own_column():
    text = "\b\n输出：\n" \
           "  reports/<月份>/月报表/     各单位、各乡镇、全区的失学辍学学生月报表（xlsx、PDF）\n" \
           "- 报告单：本月发现的每个个案一份，报区教育局和户籍所在乡镇（街道）政府；\n" \
           "  每个乡镇另有一本合订本。"
    lines = wrap_text(text, 50, "  ").splitlines()
    assert lines[0] == "  输出："
    column = cell_len(lines[1][:lines[1].index("各单位")])
    assert lines[2].startswith(" " * column) and not lines[2][column].isspace()
    item = [i for i, line in enumerate(lines) if line.startswith("  - 报告单")][0]
    assert all(line.startswith("    ") for line in lines[item + 1:])  # under the item's text
    assert "政府；每个乡镇" in "".join(line.strip() for line in lines[item:])  # one item again


def test_clicks_bracket_after_an_option_is_said_in_chinese():
    assert chinese_extra("输出格式  [default: all]") == "输出格式（默认：all）"
    assert chinese_extra("凭据文件  [required]") == "凭据文件（必填）"
    assert chinese_extra("凭据  [env var: X; default: a; required]") == "凭据（环境变量：X；默认：a；必填）"
    assert chinese_extra("没有括号") == "没有括号"
