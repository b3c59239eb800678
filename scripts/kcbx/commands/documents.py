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
    """编制本月的文书（PDF，按党政机关公文格式 GB/T 9704 排版；需要修改的另有 Word 版）。

    \b
    - 失学辍学情况报告单：本月发现的每个个案一份，报区教育局和户籍所在乡镇（街道）政府；
      每个乡镇（街道）另有一本合订本。
    - 四步法文书：每个劝返中的个案按台账中已到的步骤——宣传教育后仍未复学：劝返情况报告
      和《限期复学通知书》（草稿，由乡镇政府下发）；通知书期限已过：提请行政处罚报告；
      已下发《行政处罚决定书》：移送司法部门报告。
    - 一人一方案：每个已复学（安置）的学生一份，学校、帮扶教师、监护人签字。
    - 督查通报（草稿）：未报、逾期、隐瞒不报、送教上门不规范、超期未推进的单位，约谈名单，
      表扬名单。

    草稿在 kcbx.yml 的 document_numbers 中填了文号后不再标“草稿”。文书在输出文件夹的
    documents/<月份>/ 下，含学生个人信息，不得公开；字体说明.txt 写明哪种字体用了替代字体。
    """
    from ..pipeline import documents

    with progress_bar(disable=as_json) as progress:
        result = documents(config, progress)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    counts = "，".join(f"{kind} {n} 份" for kind, n in result.counts.items())
    console.print(f"文书：{counts}（另有报告单合订本 {len(result.combined)} 本）：{result.folder}")
    if result.unchanged:
        console.print(f"  其中 {result.rebuilt} 份重新生成，{result.unchanged} 份没有变化、沿用上次的文件")
    for line in result.fonts:
        console.print(f"  字体：{line}")
    for note in result.notes:
        console.print(f"  [yellow]提醒：{note}[/]")
    print_next_step_if_unfinished(config)
