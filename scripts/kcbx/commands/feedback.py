"""``kcbx feedback``: each unit's workbook back, with its findings marked in place."""

from __future__ import annotations

import json

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option, workspace_options
from ..config import Config
from ..terminal import console, progress_bar


@click.command("feedback", cls=Command, context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
def command(config: Config, as_json: bool) -> None:
    """为每个单位写一份标注了问题的报表副本（如报表有变化，先自动拉取并校验）。

    副本放在 <输出文件夹>/feedback/<报送月份>/<单位代码>_校验反馈.xlsx：第一张表“校验结果”
    列出本单位全部问题并可点击跳转；有问题的单元格标红（错误）或标黄（提醒），并附批注。
    学校填写的内容不做任何改动。
    """
    from ..outputs.feedback import feedback_dir
    from ..pipeline import feedback

    with progress_bar(disable=as_json) as progress:
        run, paths = feedback(config, progress)
    if as_json:
        click.echo(json.dumps({"snapshot": str(run.snapshot.path), "files": [str(p) for p in paths]},
                              ensure_ascii=False))
        return
    console.print(f"已为 {len(paths)} 个单位写好反馈表：{feedback_dir(config)}")
