"""``kcbx period YYYY-MM``: the month rollover in one step."""

from __future__ import annotations

import json

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option, month
from ..config import find_config
from ..terminal import console


@click.command("period", cls=Command, context_settings=CONTEXT)
@handle_errors
@json_option
@click.argument("month", metavar="YYYY-MM", callback=month)
@click.option("--config", "config_path", type=click.Path(), metavar="路径",
              help="配置文件 kcbx.yml 或其所在文件夹（默认：当前文件夹及其上级中的 kcbx.yml）")
def command(month: str, config_path: str | None, as_json: bool) -> None:
    """换到新的报送月份：改 kcbx.yml 中的 period（保留所有说明），清空只属于上个月的
    pulled_on 和 deadline。以前的拉取都保留，用于“台账不得删除”检查。

    之后运行 kcbx forms：新月份的表格会带入各单位上次报送的摸底表、名册（本月缺课天数
    清零）和本学年的全部台账，学校只需补充和更新。拉取日期（pulled_on）清空后默认为
    运行 kcbx 的当天；补做以前月份时请用 --pulled-on 写明实际拉取日期。
    """
    from pathlib import Path

    from ..init import roll_over

    path = Path(config_path) if config_path else find_config()
    done = roll_over(path, month)
    if as_json:
        click.echo(json.dumps(done.__dict__, ensure_ascii=False))
        return
    if done.old == done.new:
        console.print(f"报送月份已经是 {done.new}，没有改动。")
        return
    console.print(f"报送月份：{done.old} → {done.new}（拉取日期 pulled_on 已清空：默认为拉取当天）")
    if done.previous_pull:
        console.print(f"上次拉取 {done.previous_pull} 保留，本月校验时用来检查台账是否被删除。")
    console.print("下一步：kcbx forms（带入上月的累计表格行），把新表格发给各单位。")
