"""The ``kcbx`` command. Each command is thin: parse options, call one library function,
print. Only the CLI turns library exceptions into user messages and exit codes."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
import pkgutil
import sys
import tempfile
from pathlib import Path

import click

from . import __version__, commands
from .clitools import CONTEXT, Group, handle_errors, json_option, month, show_ids_option, workspace_options
from .config import Config, load_config
from .terminal import console, print_report, progress_bar


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="kcbx",
                      help="显示版本号并退出", message="%(prog)s %(version)s")
def cli() -> None:
    """kcbx 控辍保学：汇总、校验各校报表，生成反馈、月报表、送教手册和公开网站。

    \b
    常用命令：
      kcbx build --demo      生成示例区并运行全部流程（先试这个）
      kcbx demo 文件夹        生成一个虚构的示例区工作文件夹
      kcbx init 文件夹        为真实的区新建工作文件夹（配置、校历、基础数据表）
      kcbx period 2023-10     换到新的报送月份
      kcbx year 2024          每年 9 月开始新学年（在同一个工作文件夹中继续）
      kcbx pull               读取报表文件夹，保存一份带日期的快照
      kcbx forms              为各单位生成填报表格
      kcbx validate           校验最新报表，按单位列出错误和提醒
      kcbx report             月报表、统计表和公开统计数据
      kcbx handbook           送教手册（PDF、Word）
      kcbx documents          文书：报告单、四步法文书、一人一方案、督查通报
      kcbx site build         生成可离线打开的公开网站
      kcbx build              运行全部流程，最后告诉您结果在哪里
      kcbx mail watch         报送邮箱：收取学校发来的报表，几分钟内回复校验结果

    在区工作文件夹（含 kcbx.yml 的文件夹）中运行，或在命令后用 --config 指定（如
    kcbx status --config 示例区）。
    """


@cli.command(context_settings=CONTEXT)
@click.argument("dest", type=click.Path(path_type=Path), metavar="文件夹")
@click.option("--children", default=2000, type=click.IntRange(100, 1_000_000), metavar="人数",
              help="摸底表中的儿童人数（默认 2000；性能测试时可放大到 100 万）")
@click.option("--seed", default=1, metavar="整数", help="随机种子：相同种子生成完全相同的数据（默认 1）")
@click.option("--years", default=1, type=click.IntRange(1, 2), metavar="学年数",
              help="1：2022 学年的 10 月（默认）；2：再进入 2023 学年，生成 2023 年 9 月的报表"
                   "（新学年的带入、送教衔接、台账不得删除）")
@handle_errors
def demo(dest: Path, children: int, seed: int, years: int) -> None:
    """生成虚构的示例区工作文件夹：配置、基础数据和各单位报表。

    数据全部是虚构的（姓名如“王某华”），并故意带有各类常见错误，用来试用和测试。
    --years 2 时示例区已用 kcbx year 进入 2023 学年：各单位 9 月报回的是 kcbx forms 带入的
    表格（名册升级、毕业生不再带入），其中一名六年级送教上门学生没有初中接续。
    """
    from .demo import is_demo, write_demo

    again = is_demo(dest)
    with progress_bar() as progress:
        summary = write_demo(dest, children=children, seed=seed, years=years, progress=progress)
    if again:
        console.print(f"{dest} 中以前生成的示例区（连同它的拉取和输出）已重新生成。")
    console.print(f"已生成示例区：{summary.units} 个单位，摸底表 {summary.children} 名儿童，"
                  f"文件 {len(summary.files)} 个。")
    console.print(f"下一步：cd {dest} && kcbx validate")


@cli.command(context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
def pull(config: Config, as_json: bool) -> None:
    """读取报表文件夹和基础数据，保存一份带日期的快照。

    原始文件原样复制保存；同样的文件再拉取一次不会产生新快照；拉取失败时，
    已有的快照保持不变。设置了报送邮箱（kcbx.yml 的 mail）时，先收取新邮件
    （同 kcbx mail fetch；邮箱连不上时说明原因，用已收到的报表继续）。
    """
    from .pipeline import pull_sources

    with progress_bar(disable=as_json) as progress:
        result = pull_sources(config, progress=progress)
    snap, pulled = result.snapshot, result.pulled
    if as_json:
        click.echo(json.dumps({"snapshot": str(snap.path), "new": pulled, "mail": result.mail,
                               "rows": snap.manifest["rows"]}, ensure_ascii=False))
        return
    if result.mail:
        console.print(f"报送邮箱：{result.mail}")
    console.print(("已保存新快照：" if pulled else "报表没有变化，沿用快照：") + str(snap.path))


@cli.command(context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
@click.option("--limit", default=20, metavar="条数", help="终端中最多列出多少条问题（默认 20）")
@show_ids_option
def validate(config: Config, as_json: bool, limit: int, show_ids: bool) -> None:
    """校验报表（如报表有变化，先自动拉取），按单位汇总错误和提醒。

    \b
    退出码：0 没有错误；1 发现错误；2 配置无法使用。
    """
    from .pipeline import validate as run

    with progress_bar(disable=as_json) as progress:
        report = run(config, progress=progress)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_report(report, config, limit=limit, show_ids=show_ids)
    sys.exit(0 if report.valid else 1)


@cli.command(context_settings=CONTEXT)
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="路径",
              help="配置文件 kcbx.yml 或其所在文件夹（默认：当前文件夹及其上级中的 kcbx.yml）")
@click.option("--period", metavar="YYYY-MM", callback=month, help="报送月份，覆盖配置中的 period")
@click.option("--pulled-on", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="本次拉取日期，覆盖配置中的 pulled_on（默认今天）")
@click.option("--demo", "demo_dir", is_flag=False, flag_value="", default=None,
              metavar="[文件夹]", help="先生成示例区（默认放在临时文件夹），再对它运行全部流程")
@click.option("--strict", is_flag=True, help="报表中有错误时以退出码 1 结束（默认 0）")
@show_ids_option
@handle_errors
def build(config_path: Path | None, period: str | None, pulled_on: dt.datetime | None,
          demo_dir: str | None, strict: bool, show_ids: bool) -> None:
    """运行全部流程（拉取 → 校验 → 反馈 → 月报表 → 送教手册 → 文书 → 网站），最后告诉您结果在哪里。

    可以反复运行：只重新读取有变化的报表，只重做受影响的文件；什么都没变时几秒钟就结束。
    设置了报送邮箱（kcbx.yml 的 mail）时，先收取新邮件；回复各校用 kcbx mail send。

    \b
    例：kcbx build --demo            在临时文件夹生成示例区并运行
        kcbx build --demo 示例区     在“示例区”文件夹生成并运行
        kcbx build                   对当前工作文件夹运行
    """
    from .pipeline import build as run

    if demo_dir is not None:
        from .demo import write_demo

        dest = Path(demo_dir) if demo_dir else Path(tempfile.mkdtemp(prefix="kcbx-示例区-"))
        with progress_bar() as progress:
            write_demo(dest, progress=progress)
        console.print(f"示例区已生成：{dest}")
        config_path = dest
    config = load_config(config_path)
    if period or pulled_on:
        config = config.with_overrides(period=period,
                                       pulled_on=pulled_on.date() if pulled_on else None)
    with progress_bar() as progress:
        result = run(config, progress=progress)
    print_report(result.report, config, limit=10, show_ids=show_ids)
    console.print()
    console.print(("本次新拉取快照：" if result.pulled else "报表没有变化，沿用快照：")
                  + str(result.snapshot.path))
    for label, path in result.outputs.items():
        console.print(f"{label}：{path}")
    sys.exit(1 if strict and not result.report.valid else 0)


for _module in pkgutil.iter_modules(commands.__path__):
    cli.add_command(importlib.import_module(f"{commands.__name__}.{_module.name}").command)


def main() -> None:
    _spare_workers_the_cli()
    cli(prog_name="kcbx")


def _spare_workers_the_cli() -> None:
    """A worker process (spawned: the file readers, feedback, handbooks, the site helper)
    first runs the main module again. For the ``kcbx`` script (and ``kcbx.exe``) that is
    this whole CLI — ≈ 0.3 s more for each worker before it can start. Name the script's
    module as ``python -m kcbx`` names it; spawn does not run a ``__main__`` module again."""
    module = sys.modules.get("__main__")
    if module is not None and getattr(module, "__spec__", None) is None \
            and getattr(module, "main", None) is main:  # the script, not a program using kcbx
        module.__spec__ = importlib.util.spec_from_loader("kcbx.__main__", loader=None)
