"""``kcbx handbook``: the 送教手册 of every child taught at home (PDF and .docx)."""

from __future__ import annotations

import json

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option, workspace_options
from ..config import Config
from ..terminal import console, print_next_step_if_unfinished, progress_bar


@click.command("handbook", cls=Command, context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
@click.option("--unit", metavar="单位代码", help="只编制这个单位（单位代码或名称）的送教手册")
@click.option("--child", metavar="身份证号", help="只编制这名学生的送教手册")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "all"]), default="all",
              show_default=True, help="输出格式：pdf、docx（可在 WPS、Word 中修改）或 all（两种都要）")
def command(config: Config, as_json: bool, unit: str | None, child: str | None, fmt: str) -> None:
    """编制送教手册：每名送教上门学生一本（PDF 和 Word），每个单位另有一本合订本。

    内容取自最新报表（有变化时先自动拉取），并附上校验发现的问题。
    数据没有变化的手册不会重新编制。结果在输出文件夹的 handbooks 下，
    含学生个人信息，只供学校和教育局内部使用。
    """
    from ..pipeline import handbooks

    formats = ("pdf", "docx") if fmt == "all" else (fmt,)
    with progress_bar(disable=as_json) as progress:
        result = handbooks(config, unit=unit, child=child, formats=formats, progress=progress)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    if not result.children:
        console.print("没有送教上门学生，未编制送教手册。")
        print_next_step_if_unfinished(config)
        return
    console.print(f"送教手册：{result.children} 名学生，本次编制 {result.rebuilt} 本，"
                  f"数据未变化 {result.unchanged} 本。")
    console.print(f"文件夹：{result.folder}")
    for path in result.combined.values():
        console.print(f"合订本：{path}")
    if result.fonts:
        console.print(f"字体：{result.fonts}", style="dim")
