"""``kcbx forms``: each unit's input workbook, generated from the data package."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option, workspace_options
from ..config import Config
from ..terminal import console, progress_bar
from .google import google_forms_options


@click.command("forms", cls=Command, context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
@click.option("--unit", metavar="单位代码",
              help="只生成这一个单位的表格（默认：单位名录中所有报送月报的单位）")
@click.option("--out", type=click.Path(path_type=Path), metavar="文件夹",
              help="输出文件夹（默认：工作文件夹下的 forms/）")
@click.option("--all-sheets", is_flag=True, help="每个单位都包含全部工作表（默认只含该单位要填的表）")
@click.option("--carry/--no-carry", default=True,
              help="带入各单位上一次报送的内容：同一学年内带入摸底表、名册（本月缺课天数清零）和"
                   "全部台账；新学年第一个月带入升级后的名册、适龄儿童摸底表、未结案和近一年复学的"
                   "台账、送教学生和教师（默认带入；--no-carry：空白表格）")
@google_forms_options  # --google, --folder, --emails, --credentials (commands/google.py)
def command(config: Config, as_json: bool, unit: str | None, out: Path | None,
            all_sheets: bool, carry: bool) -> None:
    """按数据包和单位名录生成各单位的填报表格（xlsx）。

    每个报送月报的单位一个工作簿 <单位代码>.xlsx：只含该单位要填的工作表，表头锁定并带填写
    提示，报送信息已填好单位代码和报送月份；下拉选项、日期、整数范围和身份证号校验位
    在填写时就会检查。另在 templates/ 下生成空白模板和基础数据模板。
    填好的表格放进报表文件夹（submissions/）即可拉取。
    """
    from ..outputs.forms import write_forms

    with progress_bar(disable=as_json) as progress:
        paths = write_forms(config, unit=unit, out=out, all_sheets=all_sheets, progress=progress,
                            carry=carry)
    if as_json:
        click.echo(json.dumps({"files": [str(p) for p in paths]}, ensure_ascii=False))
        return
    units = [p for p in paths if p.parent.name != "templates"]
    console.print(f"已生成 {len(units)} 个单位的填报表格：{units[0].parent if units else ''}")
    for p in paths[len(units):]:
        console.print(f"模板：{p}")
