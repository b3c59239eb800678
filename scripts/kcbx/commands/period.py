"""``kcbx period YYYY-MM``: the month rollover in one step."""

from __future__ import annotations

import json
import re

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option
from ..config import find_config
from ..errors import ConfigError
from ..terminal import console

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@click.command("period", cls=Command, context_settings=CONTEXT)
@handle_errors
@json_option
@click.argument("month", metavar="YYYY-MM")
@click.option("--config", "config_path", type=click.Path(), metavar="路径",
              help="配置文件 kcbx.yml 或其所在文件夹（默认：当前文件夹及其上级中的 kcbx.yml）")
def command(month: str, config_path: str | None, as_json: bool) -> None:
    """换到新的报送月份：改 kcbx.yml 中的 period（保留所有说明），清空只属于上个月的
    pulled_on 和 deadline。以前的拉取都保留，用于“台账不得删除”检查。

    之后运行 kcbx forms：新月份的表格会带入各单位上个月的未结案台账、送教学生、
    送教教师、本学期的个别化教学计划和本年的学籍变动，学校只需补充和更新。
    """
    from pathlib import Path

    from ..init import roll_over

    if not PERIOD.match(month):
        raise ConfigError(f"“{month}”不是 YYYY-MM 格式的月份，如 2023-10")
    path = Path(config_path) if config_path else find_config()
    done = roll_over(path, month)
    if as_json:
        click.echo(json.dumps(done.__dict__, ensure_ascii=False))
        return
    console.print(f"报送月份：{done.old} → {done.new}")
    if done.previous_pull:
        console.print(f"上次拉取 {done.previous_pull} 保留，本月校验时用来检查台账是否被删除。")
    console.print("下一步：kcbx forms（带入上月的累计表格行），把新表格发给各单位。")
