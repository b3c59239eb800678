"""Usage errors (an unknown command or option, a missing or bad argument) told in Chinese.

Click raises a ``UsageError`` subclass for each; :func:`in_chinese` turns it into a
:class:`UsageProblem` whose message is built from the exception's own data (the option's
name, the parameter and its type), not from click's English sentence, so the words are the
same under every click the project allows. :class:`UsageProblem` prints the usage line,
where to find help and the error, and never needs click's help-option names (kcbx adds its
own ``-h/--help``)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import IO, Any

import click

HELP = "-h"


class UsageProblem(click.UsageError):
    """A usage error whose message is Chinese; shown as 用法 / 试试 … -h / 错误：…"""

    def show(self, file: IO[Any] | None = None) -> None:
        lines = []
        if self.ctx is not None:
            lines += [self.ctx.get_usage(), f"试试 {self.ctx.command_path} {HELP} 查看帮助", ""]
        lines.append(f"错误：{self.format_message()}")
        click.echo("\n".join(lines), file=file, err=file is None, color=False)


def _shows_help(exc: click.UsageError) -> bool:
    """click ≥ 8.2 raises ``NoArgsIsHelpError`` to print a group's help page: keep it."""
    return type(exc).__name__ == "NoArgsIsHelpError"


def in_chinese(exc: click.UsageError) -> click.UsageError:
    """The same error with a Chinese message (already Chinese ones are returned as they are)."""
    if isinstance(exc, UsageProblem) or _shows_help(exc):
        return exc
    return UsageProblem(_message(exc), exc.ctx)


def unknown_command(ctx: click.Context, name: str, names: Iterable[str]) -> UsageProblem:
    """``kcbx bulid``: the nearest command by spelling (difflib), else the list of commands."""
    names = sorted(names)
    near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if near:
        hint = f"您是不是要输入 {ctx.command_path} {near[0]}？"
    else:
        hint = f"{ctx.command_path} 的命令有：{'、'.join(names)}。"
    return UsageProblem(f"没有“{name}”这个命令。{hint}", ctx)


def _message(exc: click.UsageError) -> str:
    ctx = exc.ctx
    if isinstance(exc, click.NoSuchOption):
        return _no_such_option(ctx, exc.option_name)
    if isinstance(exc, click.BadOptionUsage):
        return _bad_option_usage(ctx, exc.option_name)
    if isinstance(exc, click.MissingParameter):
        return _missing(exc.param)
    if isinstance(exc, click.BadParameter):
        return _bad_value(exc.param, exc.message, exc.param_hint)
    text = exc.message
    extra = re.search(r"unexpected extra arguments? \((.*)\)", text)
    if extra:
        return (f"多余的参数：{extra.group(1)}。这个命令不需要它们；含空格的文件夹名请加引号，"
                "如 \"我的 文件夹\"")
    if "Missing command" in text:
        return "缺少命令：请在后面写出要运行的命令"
    if "takes" in text and "values" in text:
        return f"参数的个数不对（{text}）"
    return text if _has_chinese(text) else f"命令写得不对（{text}）"


def _option_names(ctx: click.Context | None) -> list[str]:
    if ctx is None:
        return []
    return sorted({name for p in ctx.command.get_params(ctx) if isinstance(p, click.Option)
                   for name in (*p.opts, *p.secondary_opts)})


def _no_such_option(ctx: click.Context | None, name: str) -> str:
    text = f"没有“{name}”这个选项"
    near = difflib.get_close_matches(name, _option_names(ctx), n=1, cutoff=0.6)
    if near:
        return f"{text}。您是不是要输入 {near[0]}？"
    return f"{text}。这个命令有哪些选项见 {HELP}"


def _bad_option_usage(ctx: click.Context | None, name: str) -> str:
    option = next((p for p in (ctx.command.get_params(ctx) if ctx else [])
                   if isinstance(p, click.Option) and name in (*p.opts, *p.secondary_opts)), None)
    if option is not None and (option.is_flag or option.count):
        return f"选项 {name} 后面不用写值（写上它就表示“是”）"
    metavar = f"（{option.metavar}）" if option is not None and option.metavar else ""
    count = option.nargs if option is not None and option.nargs > 1 else 1
    return f"选项 {name} 后面要写{'一' if count == 1 else count}个值{metavar}"


def _label(param: click.Parameter | None) -> str:
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return f"选项 {'/'.join(param.opts)}"
    return f"参数 {param.metavar or param.human_readable_name}"


def _missing(param: click.Parameter | None) -> str:
    if isinstance(param, click.Option):
        metavar = f" {param.metavar}" if param.metavar else ""
        return f"缺少选项 {'/'.join(param.opts)}{metavar}"
    return f"缺少{_label(param)}"


QUOTED = re.compile(r"'([^']*)'")
OUT_OF_RANGE = re.compile(r"^(\S+) is not in the range")


def _bad_value(param: click.Parameter | None, message: str, hint: object = None) -> str:
    """A value click could not convert: what was given (when click's message shows it) and
    what the parameter takes, from its type."""
    if _has_chinese(QUOTED.sub("", message)):  # kcbx's own check's words (not a value quoted)
        label = _label(param) if param is not None or not isinstance(hint, str) else f"选项 {hint}"
        return f"{label} 的值不对：{message}"
    found = QUOTED.search(message) or OUT_OF_RANGE.match(message)
    given = f"“{found.group(1)}”" if found else ""
    return f"{_label(param)} 的值{given}不对：{_expected(param, message)}"


def _expected(param: click.Parameter | None, message: str) -> str:
    kind = param.type if param is not None else None
    if isinstance(kind, click.IntRange | click.FloatRange):
        number = "整数" if isinstance(kind, click.IntRange) else "数"
        if kind.min is not None and kind.max is not None:
            return f"应为 {kind.min} 到 {kind.max} 之间的{number}"
        if kind.min is not None:
            return f"应为不小于 {kind.min} 的{number}"
        return f"应为不大于 {kind.max} 的{number}"
    if kind is click.INT:
        return "应为整数"
    if kind is click.FLOAT:
        return "应为数字"
    if kind is click.BOOL:
        return "应为 是/否（yes/no）"
    if isinstance(kind, click.DateTime):
        formats = "、".join(_date_format(f) for f in kind.formats)
        return f"应为日期，格式 {formats}"
    if isinstance(kind, click.Choice):
        return f"应为以下之一：{'、'.join(str(c) for c in kind.choices)}"
    if isinstance(kind, click.Path):
        return _path_problem(message)
    return "格式不对"


def _date_format(fmt: str) -> str:
    for code, shown in (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD"), ("%H", "HH"), ("%M", "mm"),
                        ("%S", "ss")):
        fmt = fmt.replace(code, shown)
    return fmt


PATH_PROBLEMS = (
    ("does not exist", "找不到这个文件或文件夹"),
    ("is a directory", "这是文件夹，这里要的是文件"),
    ("is a file", "这是文件，这里要的是文件夹"),
    ("is not readable", "没有读取权限"),
    ("is not writable", "没有写入权限"),
    ("is not executable", "不能执行"),
)


def _path_problem(message: str) -> str:
    return next((text for english, text in PATH_PROBLEMS if english in message), "路径不可用")


def _has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None
