"""What every ``kcbx`` command shares: Chinese help pages, the error net, shared options.

Commands live in ``cli.py`` and in ``commands/<name>.py`` (each module exposes ``command``,
a click command, and is registered automatically)."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from .clihelp import Context, chinese_extra, short_help
from .cliusage import in_chinese, unknown_command
from .config import PERIOD_RE, load_config
from .errors import KcbxError
from .terminal import err_console

CONTEXT = {"help_option_names": [], "max_content_width": 100}


class _ChineseHelp:
    """Chinese headings for click's help pages (用法 / 选项 / 命令), and usage errors told in
    Chinese (:mod:`.cliusage`) on every command, whichever click is installed; pages laid out
    in terminal columns (:mod:`.clihelp`)."""

    context_class = Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        if isinstance(self, click.Group):
            kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except click.UsageError as exc:
            exc.ctx = exc.ctx or ctx  # click's parser raises some without their context
            raise in_chinese(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except click.UsageError as exc:  # raised by a command's own checks
            exc.ctx = exc.ctx or ctx
            raise in_chinese(exc) from None

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(r[0], chinese_extra(r[1])) for p in self.get_params(ctx)  # type: ignore[attr-defined]
                if isinstance(p, click.Option) and (r := p.get_help_record(ctx))]
        if rows:
            with formatter.section("选项"):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            commands = [(n, c) for n in self.list_commands(ctx)
                        if (c := self.get_command(ctx, n)) and not c.hidden]
            if commands:
                with formatter.section("命令"):
                    formatter.write_dl([(n, short_help(c)) for n, c in commands])


class Command(_ChineseHelp, click.Command):
    """A click command whose built-in --help is described in Chinese."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return click.Option(["-h", "--help"], is_flag=True, expose_value=False, is_eager=True,
                            help="显示本帮助并退出",
                            callback=lambda c, _p, v: (click.echo(c.get_help()), c.exit())
                            if v and not c.resilient_parsing else None)


class Group(_ChineseHelp, click.Group):
    command_class = Command
    group_class = type  # subgroups made with @group.group() are of this class too

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return Command.get_help_option(self, ctx)  # type: ignore[arg-type]

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if not ctx.resilient_parsing and not name.startswith("-") \
                and self.get_command(ctx, name) is None:
            raise unknown_command(ctx, name, (n for n in self.list_commands(ctx)
                                              if not getattr(self.get_command(ctx, n), "hidden", False)))
        return super().resolve_command(ctx, args)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become a Chinese message and an exit code — never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KcbxError as exc:
            err_console.print(f"[bold red]错误：[/]{escape(str(exc))}")  # may quote a file, a mail
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit):
            raise  # click's own: a usage error is told in Chinese by the command classes
        except (KeyboardInterrupt, click.Abort):  # Ctrl-C, also at a question (kcbx init)
            err_console.print("已中断。")
            sys.exit(130)
        except Exception:  # noqa: BLE001 - the last net: keep the trace for the developers
            log = write_error_log(traceback.format_exc())
            err_console.print(
                "[bold red]kcbx 内部错误[/]：这是程序的问题，不是您的数据的问题。"
                f"详细信息已保存到 {log}，请把这个文件发给技术支持。"
            )
            sys.exit(3)

    return wrapper


def write_error_log(trace: str) -> Path:
    """Keep a traceback where only this user can read it: the workspace's private outputs
    (``<outputs>/logs``), else ``~/.kcbx``. A trace may hold personal data from the tables."""
    try:
        ctx = click.get_current_context(silent=True)
        given = ctx.params.get("config_path") if ctx else None
        folder = load_config(given).outputs_path / "logs"
    except Exception:  # noqa: BLE001 - no usable workspace: the user's own folder
        folder = Path.home() / ".kcbx"
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "kcbx-error.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(trace)
    os.chmod(log, 0o600)  # an older log may have been made with wider rights
    return log


def month(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A YYYY-MM typed on the command line (``--period``, ``kcbx period``): a wrong one is the
    command line's mistake, told as a usage error — not blamed on kcbx.yml."""
    if value is not None and not PERIOD_RE.match(value):
        raise click.BadParameter(f"“{value}”不是 YYYY-MM 格式的月份，如 2023-10", ctx=ctx, param=param)
    return value


def workspace_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config, --period, --pulled-on: which workspace, and single keys overridden."""

    @click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="路径",
                  help="配置文件 kcbx.yml 或其所在文件夹（默认：当前文件夹及其上级中的 kcbx.yml）")
    @click.option("--period", metavar="YYYY-MM", callback=month, help="报送月份，覆盖配置中的 period")
    @click.option("--pulled-on", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                  help="本次拉取日期，覆盖配置中的 pulled_on（默认今天）")
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: Path | None, period: str | None,
                pulled_on: dt.datetime | None, **kwargs: Any) -> Any:
        config = load_config(config_path)
        if period or pulled_on:
            config = config.with_overrides(
                period=period, pulled_on=pulled_on.date() if pulled_on else None)
        return func(*args, config=config, **kwargs)

    return wrapper


def show_ids_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--show-ids", "show_ids", is_flag=True,
                        help="在终端中显示完整的身份证号和电话（默认遮住中间几位，便于截图、转发）")(func)


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True,
                        help="以 JSON 输出完整结果（与程序库返回的对象相同）")(func)
