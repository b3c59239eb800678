"""``kcbx year YYYY``: the next work year, in the same workspace."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option
from ..config import find_config, year_months
from ..terminal import console


@click.command("year", cls=Command, context_settings=CONTEXT)
@handle_errors
@json_option
@click.argument("year", type=click.IntRange(2000, 2100), metavar="学年")
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="路径",
              help="配置文件 kcbx.yml 或其所在文件夹（默认：当前文件夹及其上级中的 kcbx.yml）")
@click.option("--force", is_flag=True, help="允许跳过学年或回到以前的学年（一般不用）")
@click.option("--yes", "-y", is_flag=True,
              help="不再询问，直接删除超过保留年限（retention_years）的拉取和私有输出")
def command(year: int, config_path: Path | None, force: bool, yes: bool, as_json: bool) -> None:
    """开始新学年（如 kcbx year 2023 开始 2023—2024 学年），在同一个工作文件夹中继续。

    kcbx.yml 中改为新学年：year、入学年龄计算日、两个学期（默认日期，请按校历核对）、
    法定节假日和调休上班日（取自 chinese_calendar）、报送月份改为 9 月；其他各项和所有
    说明文字保持不变。上一学年最后一次拉取留在本文件夹，新学年第一次校验与它比较：
    劝返中的个案不得从台账中消失，六年级送教上门学生要由初中接续（送教不断线）。
    上一学年的配置和送教手册存放在 build/years/上一学年/ 中。

    之后运行 kcbx forms：新学年的表格带入各单位上一学年的名册（升一个年级，毕业生不再
    带入）、摸底表、未结案台账和送教学生，学校只需核对、更新。

    超过 retention_years（默认 3 个学年）的拉取和私有输出（含学生个人信息）会列出，
    确认后删除；公开的统计数据不删。不在终端中运行时，加 --yes 才删除。

    \b
    例：kcbx year 2023
    """
    from ..init.year import remove_expired, start_year

    done = start_year(config_path or find_config(), year, force=force)
    removed: list[Path] = []
    if done.expired and (yes or (not as_json and sys.stdin.isatty() and _confirm(done))):
        removed = remove_expired(done.expired)
    if as_json:
        click.echo(json.dumps({
            "old": done.old, "new": done.new, "period": done.period,
            "calendar_known": done.calendar.known, "previous_pull": done.previous_pull,
            "kept": [str(p) for p in done.kept],
            "expired": [str(e.path) for e in done.expired], "removed": [str(p) for p in removed],
        }, ensure_ascii=False))
        return
    first, last = year_months(done.new)
    if not done.changed:
        console.print(f"本工作文件夹已经是 {done.new} 学年（{first} 至 {last}），kcbx.yml 没有改动；"
                      "换报送月份请用 kcbx period。")
        _retention(done, removed, yes)
        return
    console.print(f"工作年度：{done.old} → {done.new} 学年（{first} 至 {last}），报送月份 {done.period}")
    console.print("学期：" + "；".join(f"{t.name} {t.start}—{t.end}" for t in done.calendar.terms)
                  + "（默认日期，请按本区校历核对 kcbx.yml 中的 terms）")
    if done.calendar.known:
        console.print(f"法定节假日 {len(done.calendar.holidays)} 段、调休上班日 "
                      f"{len(done.calendar.workdays)} 天，取自 chinese_calendar。")
    else:
        console.print(f"[yellow]chinese_calendar 还不知道 {done.new}—{done.new + 1} 学年的法定节假日和调休"
                      "安排，kcbx.yml 中的 holidays、workdays 留空了，请按国务院办公厅的通知填写。[/]")
    if done.previous_pull:
        console.print(f"上一学年最后一次拉取 {done.previous_pull} 保留：新学年第一次校验与它比较"
                      "（台账不得删除、送教不断线）。")
    else:
        console.print(f"[yellow]本文件夹没有 {done.old} 学年的拉取：新学年第一次校验无法检查台账删除"
                      "和送教衔接。[/]")
    for path in done.kept:
        console.print(f"已存放上一学年的{'配置' if path.suffix == '.yml' else '送教手册'}：{path}")
    _retention(done, removed, yes)
    console.print("下一步：kcbx forms（带入上一学年的名册、摸底表、未结案台账和送教学生），"
                  "把新表格发给各单位。")


def _retention(done, removed: list[Path], yes: bool) -> None:
    again = f"kcbx year {done.new} --yes"
    if done.expired and not removed:
        if sys.stdin.isatty():
            console.print(f"[yellow]超过保留年限的 {len(done.expired)} 项拉取和私有输出没有删除；"
                          f"以后要删除，运行 {again}。[/]")
        else:
            console.print(f"[yellow]有 {len(done.expired)} 项超过保留年限（retention_years）的拉取和私有"
                          f"输出，不在终端中运行，没有删除；确认后运行 {again} 即可删除：[/]")
            _list(done)
    elif removed:
        console.print(f"已删除超过保留年限的拉取和私有输出 {len(removed)} 项（公开的统计数据保留）。")


def _list(done) -> None:
    for item in done.expired:
        console.print(f"  {item.year} 学年 {item.kind}：{item.path}")


def _confirm(done) -> bool:
    console.print(f"以下 {len(done.expired)} 项属于超过保留年限的学年，含学生个人信息：")
    _list(done)
    return click.confirm("删除这些拉取和私有输出吗？（公开的统计数据不删）", default=False)
