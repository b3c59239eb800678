"""``kcbx report``: 月报表, status tables and the public aggregates of a period."""

from __future__ import annotations

import click

from ..clitools import Command, handle_errors, workspace_options
from ..config import Config
from ..terminal import console, print_next_step_if_unfinished, progress_bar


def _year(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value and not (value.isdigit() and len(value) == 4):
        raise click.BadParameter("应为四位年份，如 2022")
    return value


@click.command("report", cls=Command)
@handle_errors
@workspace_options
@click.option("--year", "whole_year", is_flag=False, flag_value="", default=None, metavar="[年份]",
              callback=_year,
              help="汇总全年（12 月份总结用）：把该年 1—12 月各月的最近一次拉取汇总成年度总结，"
                   "跨两个学年的月份各按本学年的校历计算；不写年份时为报送月份所在的年份")
def command(config: Config, whole_year: str | None) -> None:
    """生成本月的月报表（供打印签字）、统计表和网站用的公开统计数据。

    \b
    输出（在配置的 outputs 文件夹中）：
      reports/<月份>/月报表/     各单位、各乡镇、全区的失学辍学（疑似辍学）学生月报表（xlsx、PDF）
      reports/<月份>/<月份>_统计表.xlsx   报送情况、控辍保学进展、送教上门、数据质量
      public/                  网站读取的公开统计数据（不含个人信息，小于阈值的人数不公开）
      reports/<年>_年度总结.xlsx  加 --year 时：全年各月汇总和各单位逐月报送情况
    例：kcbx report --year 2022   汇总 2022 年 1—12 月（跨 2021、2022 两个学年）
    """
    from ..pipeline import reports

    if whole_year is not None:
        from ..pipeline import year_summary

        year = int(whole_year or config.period[:4])
        with progress_bar() as progress:
            path, months = year_summary(config, year, progress)
        console.print(f"年度总结：{path}（{year} 年 {len(months)} 个月有拉取：{'、'.join(months)}）")
        missing = [f"{year}-{m:02d}" for m in range(1, 13)  # between the first month pulled
                   if f"{year}-{m:02d}" not in months and min(months) < f"{year}-{m:02d}" <= config.period]
        if missing:
            console.print(f"不在总结中的月份（这个工作文件夹没有这些月份的拉取）：{'、'.join(missing)}")
        return
    with progress_bar() as progress:
        result = reports(config, progress=progress)
    if not result.monthly:
        console.print("没有要编制的月报表。")
        print_next_step_if_unfinished(config)
        return
    console.print(f"月报表 {len(result.monthly)} 份（xlsx 和 PDF）："
                  f"{result.monthly[0].parent if result.monthly else '—'}")
    console.print(f"统计表：{result.tables}")
    console.print(f"公开统计数据：{result.public}（隐藏了 {result.hidden} 个小于 "
                  f"{config.privacy.min_count} 的人数）")
    print_next_step_if_unfinished(config)
