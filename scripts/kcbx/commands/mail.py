"""``kcbx mail``: the bureau's 报送邮箱 — take the workbooks schools mail in, mail each
school its feedback, or do both every few minutes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.markup import escape

from ..clitools import CONTEXT, Group, handle_errors, json_option, workspace_options
from ..config import Config, load_config
from ..terminal import console, progress_bar

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|秒|m|min|分钟?|h|小时)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "秒": 1, "m": 60, "min": 60, "分": 60, "分钟": 60, "h": 3600, "小时": 3600}


class Duration(click.ParamType):
    """``5m``, ``30s``, ``1h`` (a bare number is minutes) → seconds, at least 30."""

    name = "间隔"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return float(value)
        match = _DURATION.match(str(value))
        if not match:
            self.fail(f"“{value}”不是时间间隔，请写成 5m（5 分钟）、30s（30 秒）或 1h（1 小时）", param, ctx)
        seconds = float(match[1]) * _UNITS[(match[2] or "m").lower()]
        if seconds < 30:
            self.fail("间隔至少 30s：邮箱服务商会限制过于频繁的登录", param, ctx)
        return seconds


@click.group("mail", cls=Group, context_settings=CONTEXT)
def command() -> None:
    """报送邮箱：收下各校用邮件发来的报表，把校验结果用邮件回复给各校。

    \b
    kcbx mail fetch           收取新邮件：登记邮箱发来的报表存入报表文件夹
    kcbx mail send            把变化了的校验结果发给各单位登记的报送邮箱
    kcbx mail watch           每隔几分钟：收取 → 校验（有变化时）→ 回复，直到按 Ctrl+C

    先在 kcbx.yml 中设置 mail（收信、发信服务器，邮箱地址，存放授权码的环境变量），
    在基础数据的单位名录中填写各单位的“报送邮箱”。只收登记邮箱发来的本单位报表，
    校验结果只发给登记邮箱。设置方法见网站“工作实务 › 报送邮箱”。
    """


@command.command("fetch", context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
def fetch(config: Config, as_json: bool) -> None:
    """收取报送邮箱的新邮件，把登记邮箱发来的报表存入报表文件夹。

    只读取“单位名录”中登记的报送邮箱发来的邮件：附件中的 Excel 工作簿（.xlsx、.xlsm、
    .xls）先检查大小（超过上限的不下载）和安全，再核对「报送信息」中的单位代码是不是发件
    邮箱所属的单位，是的才原样存为 <报表文件夹>/<单位代码>.xlsx（同一单位以最后到达邮箱的
    为准）；不是的不采用，原因写进该单位的校验结果、随反馈邮件告诉它。未登记邮箱的来信不读取，
    kcbx status 列出发件人。收过的邮件加上标记 KcbxFetched，不会删除。第一次收取时只读
    报送月份第一天以后到达的邮件。之后运行 kcbx build 校验，kcbx mail send 回复。
    """
    from ..pipeline import fetch_mail, mail_summary

    got = _run(fetch_mail, config, as_json)
    if got is None:
        return
    console.print(f"报送邮箱 {config.mail.user if config.mail else ''}：{mail_summary(got)}", markup=False)
    for t in got.taken:
        console.print(f"  收下  {t['unit']}  {t['file']}（{t['sender']}）", markup=False)
    for r in got.refused:
        console.print(f"  [yellow]未采用[/]  {escape(r['unit'])}  “{escape(r['name'])}”"
                      f"（{escape(r['sender'])}）：{escape(r['reason'])}",
                      highlight=False)
    for r in got.set_aside:
        console.print(f"  未使用  {r['unit']}  “{r['name']}”（{r['sender']}）：{r['reason']}",
                      highlight=False, markup=False)
    for sender in got.unregistered:
        console.print(f"  [yellow]未登记邮箱的来信，未读取[/]  {escape(sender)}", highlight=False)
    if got.older:
        console.print(f"第一次从这个邮箱收取：{got.before} 以前到达的 {got.older} 封旧邮件没有读取"
                      "（只收报送月份开始以后的邮件）。")
    if got.taken or got.refused:
        console.print("下一步：kcbx build（校验），然后 kcbx mail send（回复各校）")


@command.command("send", context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
def send(config: Config, as_json: bool) -> None:
    """把校验结果用邮件发给各单位登记的报送邮箱（只发变化了的）。

    先像 kcbx feedback 一样拉取（如有变化）、校验、写好各校反馈表；然后给本月报送过的
    每个单位发一封邮件：主题写明单位、月份和错误、提醒条数，正文列出最需要处理的问题
    （身份证号、电话遮住中间几位）和下一步，附件是标注了问题的报表副本。报表无法读取、
    邮件附件未采用的单位收到原因。只发给单位名录中登记的报送邮箱，从不回复给发件人。
    每封邮件都记在 <输出文件夹>/mail/sent.json：再运行一次不会重发；中途断开时，
    下次只发还没发的。
    """
    from ..pipeline import send_mail

    result = _run(send_mail, config, as_json)
    if result is None:
        return
    console.print(f"已发送反馈邮件 {len(result.sent)} 封。")
    for s in result.sent:
        console.print(f"  {s['unit']} → {s['to']}  {s['subject']}", highlight=False, markup=False)
    if result.unchanged:
        console.print(f"校验结果没有变化、已经发过的单位 {len(result.unchanged)} 个，未重发。")
    if result.no_address:
        console.print(f"[yellow]没有登记报送邮箱、未发送：{'、'.join(result.no_address)}[/]"
                      f"（在 {config.sources.reference} 的单位名录中填写“报送邮箱”）")
    for r in result.refused:
        console.print(f"  [red]邮件服务器拒收[/] {escape(r['unit'])} → {escape(r['to'])}："
                      f"{escape(r['reason'])}（请核对单位名录中的报送邮箱）", highlight=False)


@command.command("watch", context_settings=CONTEXT)
@handle_errors
@workspace_options
@click.option("--every", default="5m", type=Duration(), metavar="间隔",
              help="每隔多久收一次邮件（默认 5m）：5m（分钟）、30s（秒）、1h（小时）；至少 30s")
def watch(config: Config, every: float) -> None:
    """每隔几分钟收取邮件 → 校验（有变化时）→ 回复各校，直到按 Ctrl+C。

    适合在区教育局的办公电脑上整天开着：学校发来报表，几分钟后就收到校验结果。每一轮
    打印一行进度。邮件服务器连不上时说明原因，等待时间逐次加倍（最长 1 小时）后再试；
    密码或设置错误时停止并说明。按 Ctrl+C 随时停止，已收、已发的都已记下，下次接着做。
    kcbx.yml 每一轮重新读取（换了报送月份不用重启；用了 --period 时固定为那个月份）。

    \b
    例：kcbx mail watch               每 5 分钟一轮
        kcbx mail watch --every 10m   每 10 分钟一轮
    """
    from ..pipeline import watch as run

    console.print(f"开始监视报送邮箱，每 {_span(every)} 一轮；按 Ctrl+C 停止。")
    rounds = 0

    def report(r: Any) -> None:
        nonlocal rounds
        rounds = r.number
        console.print(_round_line(r), highlight=False)

    base = load_config(config.root)
    overrides = {k: getattr(config, k) for k in ("period", "pulled_on")
                 if getattr(config, k) != getattr(base, k)}

    def load() -> Config:
        fresh = load_config(config.root)
        return fresh.with_overrides(**overrides) if overrides else fresh

    try:
        run(load, every, report)
    except KeyboardInterrupt:
        console.print(f"已停止监视（共 {rounds} 轮）。已收下和已发送的都已记录，下次接着做。")
        sys.exit(0)


def _run(step: Callable[..., Any], config: Config, as_json: bool) -> Any:
    """Run a library step with a progress bar; with ``--json`` print its result (and return None)."""
    with progress_bar(disable=as_json) as progress:
        result = step(config, progress)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False))
        return None
    return result


def _round_line(r: Any) -> str:
    from ..pipeline import mail_summary

    parts = []
    if r.fetched is not None:
        units = "、".join(t["unit"] for t in r.fetched.taken)
        parts.append(escape(mail_summary(r.fetched) + (f"（{units}）" if units else "")))
    if r.built:
        parts.append("已校验并更新结果")
    if r.sent is not None:
        refused = f"（拒收 {len(r.sent.refused)}）" if r.sent.refused else ""
        parts.append(f"回复 {len(r.sent.sent)} 封{refused}")
    if r.problem:
        parts.append(f"[yellow]{escape(r.problem)}[/]")
    next_at = dt.datetime.now() + dt.timedelta(seconds=r.wait)
    return (f"[{r.started:%m-%d %H:%M}] 第 {r.number} 轮（{r.seconds:.0f} 秒）：{'；'.join(parts)}。"
            f"下一轮 {next_at:%H:%M}（{_span(r.wait)}后）")


def _span(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:.0f} 小时"
    if seconds >= 60:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds:.0f} 秒"
