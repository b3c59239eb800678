"""``kcbx documents``: the paper the work plan asks for, drafted from the 台账."""

from __future__ import annotations

import json

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option, workspace_options
from ..config import Config
from ..terminal import console, print_next_step_if_unfinished, progress_bar


@click.command("documents", cls=Command, context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
def command(config: Config, as_json: bool) -> None:
    """编制本月的文书（PDF，按党政机关公文格式 GB/T 9704 排版）。

    \b
    目前：本月发现的每个失学辍学（疑似辍学）个案一份《失学辍学情况报告单》，报区教育局和
    户籍所在乡镇（街道）政府，每个乡镇（街道）另有一本合订本；每个已复学（安置）的学生
    一份“一人一方案”（安置方式、结对帮扶、逐月关爱帮扶记录，学校、教师、监护人签字栏）。
    在输出文件夹的 documents/<月份>/ 下；含学生个人信息，不得公开。
    """
    from ..pipeline import documents

    with progress_bar(disable=as_json) as progress:
        result = documents(config, progress)
    if as_json:
        click.echo(json.dumps({"folder": str(result.folder), "files": [str(f) for f in result.files],
                               "combined": {k: str(v) for k, v in result.combined.items()},
                               "notes": result.notes}, ensure_ascii=False))
        return
    if not result.files:
        console.print(f"{config.period} 没有新发现的失学辍学个案，也没有已复学的学生，没有要编制的文书。")
        print_next_step_if_unfinished(config)
        return
    console.print(f"文书 {len(result.files)} 份（另有报告单合订本 {len(result.combined)} 本）："
                  f"{result.folder}")
    for note in result.notes:
        console.print(f"  [yellow]提醒：{note}[/]")
