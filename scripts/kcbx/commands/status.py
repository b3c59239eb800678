"""``kcbx status``: where the workspace stands, and the next step."""

from __future__ import annotations

import json

import click

from ..clitools import CONTEXT, Command, handle_errors, json_option, workspace_options
from ..config import Config
from ..terminal import console


@click.command("status", cls=Command, context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
def command(config: Config, as_json: bool) -> None:
    """查看工作文件夹的进度和下一步：基础数据、填报表格、各单位报送、最近一次校验。

    设置了报送邮箱时，还列出本月收到的邮件和未登记邮箱的来信。
    只读取已有的文件，不拉取、不校验、不收邮件。
    """
    from ..status import workspace_status

    status = workspace_status(config)
    if as_json:
        click.echo(json.dumps(status.to_dict(), ensure_ascii=False, indent=1))
        return
    first, last = status.year_months
    console.print(f"{status.district} {status.year} 学年（{first} 至 {last}），报送月份 {status.period}")
    if status.problem:
        console.print(f"  基础数据：[red]{status.problem}[/]")
    else:
        console.print(f"  基础数据：单位 {status.units} 个（报送月报 {len(status.reporting)} 个），"
                      f"包保的村（居）民小组 {status.grid_groups} 个")
        due = len(status.reporting)
        console.print(f"  填报表格：已生成 {len(status.forms)}/{due} 个单位（{status.period}）")
        console.print(f"  报送：{len(status.submitted)}/{due} 个单位本月的表格已在报表文件夹中"
                      + (f"（另有 {len(status.other_month)} 个单位的表格报送月份不是 {status.period}，"
                         "拉取后没有改动）" if status.other_month else ""))
        console.print(f"  最近一次拉取：{status.last_pull or '还没有'}"
                      f"（本学年 {status.pulls_this_year} 次）")
        if status.last_year_pull:
            console.print(f"  上一学年最后一次拉取：{status.last_year_pull}（新学年与它比较：台账不得删除、"
                          "送教不断线）")
        if status.errors is not None:
            console.print(f"  本月最近一次校验：错误 {status.errors} 条，提醒 {status.warnings} 条")
    if status.mailbox:
        m = status.mail
        console.print(f"  报送邮箱 {status.mailbox}：本月收到邮件 {m['mails']} 封，"
                      f"收下报表 {m['taken']} 份，未采用 {m['refused']} 份，未使用 {m['set_aside']} 份；"
                      f"最近收到 {status.mail_checked or '还没有'}", highlight=False)
        for a in status.set_aside:
            console.print(f"    未使用（不算错误） {a['unit']} “{a['name']}”：{a['reason']}", highlight=False,
                          markup=False)
    if status.unregistered:
        console.print("  [yellow]未登记邮箱的来信（邮件未读取；如是某单位的新邮箱，"
                      "请在单位名录中登记后让它重发）：[/]")
        for u in status.unregistered:
            console.print(f"    {u['sender']}  {u['mails']} 封，最近 {u['last']}  “{u['subject']}”",
                          highlight=False, markup=False)
    console.print(f"[bold]下一步：[/]{status.next_step}")
