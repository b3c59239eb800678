"""Usage errors — an unknown command or option, a missing or bad value — on every command:
the usage line, where the help is and what is wrong, in Chinese; exit 2; never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from clicommands import COMMANDS, command_at
from kcbx.cli import cli

CJK = re.compile(r"[\u4e00-\u9fff]")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), terminal_width=100, prog_name="kcbx")


def assert_usage_error(result, path: tuple[str, ...]) -> str:
    """Exit 2; 用法 line of that command, 试试 … -h, 错误：… in Chinese; no English, no trace."""
    output = result.output
    assert result.exit_code == 2, output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert not re.search(r"\b(Usage|Error|Try)\b", output), output
    lines = output.strip().splitlines()
    command = " ".join(("kcbx", *path))
    assert lines[0].startswith(f"用法：{command} "), output
    assert lines[1] == f"试试 {command} -h 查看帮助", output
    message = lines[-1]
    assert message.startswith("错误：") and CJK.search(message[3:]), output
    return message


def _id(value: object) -> str:
    if isinstance(value, click.Parameter):
        return value.opts[0] if isinstance(value, click.Option) else str(value.name)
    return " ".join(value) or "kcbx"  # type: ignore[call-overload]


def _leaf(path: tuple[str, ...]) -> bool:
    return not isinstance(command_at(path), click.Group)


def _placeholders(command: click.Command) -> list[str]:
    """A value for each required argument, so that only the mistake under test is wrong."""
    return ["x" for p in command.params if isinstance(p, click.Argument) and p.required]


@pytest.mark.parametrize("path", COMMANDS, ids=_id)
def test_an_unknown_option_is_told_in_chinese(path):
    message = assert_usage_error(invoke(*path, "--no-such-option"), path)
    assert "“--no-such-option”" in message


@pytest.mark.parametrize("path", [c for c in COMMANDS if not _leaf(c)],
                         ids=_id)
def test_an_unknown_command_lists_the_commands(path):
    message = assert_usage_error(invoke(*path, "zzz"), path)
    group = command_at(path)
    assert "“zzz”" in message and all(name in message for name in group.commands), message


@pytest.mark.parametrize(("typed", "meant"), [
    (("bulid",), "kcbx build"),
    (("vaildate",), "kcbx validate"),
    (("histroy",), "kcbx history"),
    (("site", "biuld"), "kcbx site build"),
    (("google", "logn"), "kcbx google login"),
])
def test_a_near_miss_command_is_suggested(typed, meant):
    message = assert_usage_error(invoke(*typed), typed[:-1])
    assert message.endswith(f"您是不是要输入 {meant}？"), message


def test_a_near_miss_option_is_suggested():
    message = assert_usage_error(invoke("validate", "--perod", "2022-10"), ("validate",))
    assert message.endswith("您是不是要输入 --period？"), message


MISSING = [(c, p) for c in COMMANDS if _leaf(c)
           for p in command_at(c).params if isinstance(p, click.Argument) and p.required]


@pytest.mark.parametrize(("path", "param"), MISSING, ids=_id)
def test_a_missing_argument_is_named(path, param):
    assert MISSING, "no command has a required argument any more: drop this test"
    message = assert_usage_error(invoke(*path), path)
    assert message == f"错误：缺少参数 {param.metavar or param.human_readable_name}", message


TYPED = [(c, p) for c in COMMANDS if _leaf(c) for p in command_at(c).params
         if isinstance(p, click.Option) and not p.is_flag
         and isinstance(p.type, click.IntRange | click.DateTime | click.Choice)
         or (isinstance(p, click.Option) and p.type in (click.INT, click.FLOAT))]


@pytest.mark.parametrize(("path", "param"), TYPED, ids=_id)
def test_a_bad_value_says_what_the_option_takes(path, param):
    assert len(TYPED) >= 3
    result = invoke(*path, *_placeholders(command_at(path)), param.opts[0], "不是值")
    message = assert_usage_error(result, path)
    assert message.startswith(f"错误：选项 {param.opts[0]} 的值“不是值”不对：应为"), message


@pytest.mark.parametrize(("args", "expected"), [
    (("validate", "--json=1"), "错误：选项 --json 后面不用写值（写上它就表示“是”）"),
    (("validate", "--config"), "错误：选项 --config 后面要写一个值（路径）"),
    (("pull", "--period", "2022-10", "多余"), "错误：多余的参数：多余。"),
    (("demo", "x", "--children", "50"), "错误：选项 --children 的值“50”不对：应为 100 到 1000000 之间的整数"),
    (("build", "--pulled-on", "2022/10/1"),
     "错误：选项 --pulled-on 的值“2022/10/1”不对：应为日期，格式 YYYY-MM-DD"),
    (("report", "--year=22"), "错误：选项 --year 的值不对：应为四位年份"),  # the command's own check
])
def test_option_mistakes_read_as_a_clerk_would_say_them(args, expected):
    message = assert_usage_error(invoke(*args), args[:1])
    assert message.startswith(expected), message


def test_a_group_without_its_command_shows_its_help():
    result = invoke("site")
    assert "Traceback" not in result.output and result.output.startswith("用法：kcbx site")
    assert result.exit_code in (0, 2)  # click < 8.2 exits 0 after a group's help, ≥ 8.2 exits 2


def test_the_installed_command_in_a_terminal(tmp_path):
    """``kcbx bulid`` as a new user types it: its own process, nothing on stdout, on stderr the
    usage, the help hint and the error with the suggestion — no traceback."""
    done = subprocess.run([sys.executable, "-m", "kcbx", "bulid"], capture_output=True,
                          text=True, encoding="utf-8", cwd=tmp_path, timeout=120,
                          env={**os.environ, "COLUMNS": "100"})
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "用法：kcbx [选项] 命令 [参数]...", "试试 kcbx -h 查看帮助", "",
        "错误：没有“bulid”这个命令。您是不是要输入 kcbx build？"]


MONTHS = [(c, "--period") for c in COMMANDS if any("--period" in p.opts for p in command_at(c).params)]
MONTHS.append((("period",), "YYYY-MM"))


@pytest.mark.parametrize(("path", "param"), MONTHS, ids=[f"{_id(c)} {p}" for c, p in MONTHS])
def test_a_mistyped_month_on_the_command_line_is_a_usage_error(path, param, tmp_path):
    """``--period 2024/09`` (and ``kcbx period 2024/09``) is the command line's mistake: told as
    such before any workspace is read — not blamed on kcbx.yml."""
    args = [*path, "2024/09"] if param == "YYYY-MM" else [*path, "--period", "2024/09"]
    if any("--config" in p.opts for p in command_at(path).params):
        args += ["--config", str(tmp_path)]  # no workspace there: the month is told first
    message = assert_usage_error(invoke(*args), path)
    kind = "参数" if param == "YYYY-MM" else "选项"
    assert f"{kind} {param} 的值不对：“2024/09”不是 YYYY-MM 格式的月份" in message
    assert "配置文件" not in message
