"""``kcbx init``: a workspace for a real district, from zero."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option, month
from ..errors import ConfigError, WorkspaceError
from ..terminal import console


def _ask(value: object, text: str, *, option: str, whole_number: bool = False,
         default: object = None) -> object:
    """A missing answer: asked in a terminal (again, in Chinese, until it is usable), an
    error naming the option elsewhere."""
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise ConfigError(f"缺少{text}：请用 --{option} 给出")
    while True:
        answer = str(click.prompt(text, default=default, type=str)).strip()
        if not whole_number:
            return answer
        if answer.isdigit():
            return int(answer)
        click.echo(f"“{answer}”不是整数，请重新输入。", err=True)


@click.command("init", cls=Command, context_settings=CONTEXT)
@handle_errors
@json_option
@click.argument("folder", required=False, type=click.Path(path_type=Path), metavar="[文件夹]")
@click.option("--district", metavar="区名", help="区（县）名称，如“示例区”")
@click.option("--year", type=int, metavar="年份", help="学年开始的年份，如 2023 表示 2023—2024 学年")
@click.option("--period", metavar="YYYY-MM", callback=month, help="第一个报送月份（默认：该学年的 9 月）")
def command(folder: Path | None, district: str | None, year: int | None, period: str | None,
            as_json: bool) -> None:
    """为一个真实的区新建工作文件夹（默认：当前文件夹）。

    写入：kcbx.yml（每一项都有中文说明）、该学年的校历（两个学期的默认日期，
    法定节假日和调休上班日取自 chinese_calendar）、空白的 基础数据.xlsx、
    submissions 文件夹、.gitignore 和 说明.txt（下一步做什么）。
    文件夹中已有 kcbx.yml 时不做任何改动（退出码 2）。
    缺少的选项在终端中会逐项询问。

    \b
    例：kcbx init 2023学年 --district 示例区 --year 2023
    """
    from ..init import init_workspace

    folder = folder or Path.cwd()
    if (folder / "kcbx.yml").exists():  # before asking anything: nothing to ask for
        raise WorkspaceError(f"{folder} 中已有 kcbx.yml，这里已经是一个工作文件夹，没有改动任何文件。"
                             "换报送月份用 kcbx period，开始新学年用 kcbx year，查看进度用 kcbx status")
    district = str(_ask(district, "区（县）名称", option="district")).strip()
    year = int(_ask(year, "学年开始的年份（如 2023）", option="year", whole_number=True,
                    default=dt.date.today().year if dt.date.today().month >= 8
                    else dt.date.today().year - 1))
    made = init_workspace(folder, district=district, year=year, period=period)
    if as_json:
        click.echo(json.dumps({"folder": str(made.folder), "files": [str(f) for f in made.files],
                               "calendar_known": made.calendar.known}, ensure_ascii=False))
        return
    console.print(f"已新建工作文件夹：{made.folder}")
    for f in made.files:
        console.print(f"  {f.name}")
    if not made.calendar.known:
        console.print(f"[yellow]chinese_calendar 还不知道 {year}—{year + 1} 学年的法定节假日和调休安排，"
                      "kcbx.yml 中的 holidays、workdays 留空了，请按国务院办公厅的通知填写。[/]")
    console.print("下一步见 说明.txt：先填写 基础数据.xlsx，再运行 kcbx forms。")
