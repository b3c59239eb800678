"""Reporting: the same day (REP-1), 零报告 (REP-2), every unit every month (REP-3), and
nothing hidden between pulls (REP-4)."""

from __future__ import annotations

import polars as pl

from ...findings import ERROR, WARNING
from .base import WHO, Hits, RuleContext, hits, present_in, rule

OPEN = "劝返中"


@rule("REP-1", title="当天上报",
      policy="排查或动态监测中发现失学辍学（或疑似辍学）等问题，当天上报",
      check="台账的上报日期等于发现日期（晚1天为提醒，晚2天及以上为错误）",
      anchor="台账 上报日期",
      template="「{sheet}」第{row}行「{column}」{value}{how}。发现失学辍学（疑似辍学）须当天上报，"
               "请核实日期；如确有延误，请在备注中说明原因")
def rep1(ctx: RuleContext) -> list[Hits]:
    d = ctx.typed("dropouts").with_columns(
        (pl.col("reported_on") - pl.col("found_on")).dt.total_days().alias("_late"))
    rows = d.filter(pl.col("_late").is_not_null() & (pl.col("_late") != 0)).with_columns(
        pl.when(pl.col("_late") == 1).then(pl.lit(WARNING)).otherwise(pl.lit(ERROR))
        .alias("_severity"))
    how = (pl.when(pl.col("_late") < 0)
           .then(pl.concat_str(pl.lit("早于发现日期 "), pl.col("found_on").cast(pl.String)))
           .otherwise(pl.concat_str(pl.lit("比发现日期 "), pl.col("found_on").cast(pl.String),
                                    pl.lit(" 晚了"), pl.col("_late").cast(pl.String),
                                    pl.lit("天"))))
    return [hits(rows, "dropouts", "reported_on", how=how)]


@rule("REP-2", title="零报告",
      policy="每月月底汇总上报失学辍学（疑似辍学）学生月报表，无失学辍学情况实行零报告制",
      check="“本月无失学辍学（零报告）”为“是”时本单位没有劝返中的个案；为“否”时台账中有记录",
      anchor="报送信息 零报告",
      template="「{sheet}」第{row}行「{column}」填了“{value}”，{why}")
def rep2(ctx: RuleContext) -> list[Hits]:
    cover = ctx.typed("cover").filter(pl.col("period") == ctx.config.period)  # another month: 未报
    dropouts = ctx.typed("dropouts")
    open_units = dropouts.filter(pl.col("result") == OPEN).group_by("_unit").agg(
        pl.len().alias("_open"))
    any_units = dropouts.group_by("_unit").agg(pl.len().alias("_rows"))
    c = (cover.join(open_units, on="_unit", how="left").join(any_units, on="_unit", how="left")
         .with_columns(pl.col("_open").fill_null(0), pl.col("_rows").fill_null(0)))
    yes = c.filter((pl.col("zero_report") == True) & (pl.col("_open") > 0))  # noqa: E712
    no = c.filter((pl.col("zero_report") == False) & (pl.col("_rows") == 0))  # noqa: E712
    return [
        hits(yes, "cover", "zero_report", value=pl.lit("是"), why=pl.concat_str(
            pl.lit("但本单位台账中还有 "), pl.col("_open").cast(pl.String),
            pl.lit(" 名学生处于“劝返中”。有未劝返的学生不能零报告，请改为“否”"))),
        hits(no, "cover", "zero_report", value=pl.lit("否"), why=pl.lit(
            "但本单位的失学辍学学生工作台账中没有任何记录。如本月确无失学辍学，请改为“是”；"
            "否则请把学生登记进台账")),
    ]


@rule("REP-3", title="按时报送",
      policy="每月月底向乡镇政府和区教育局汇总上报月报表；对问题隐瞒不报的单位负责人约谈",
      check="单位名录中“是否报送月报”为“是”的单位都有本月报表（报送月份为其他月份视为未报，错误）；"
            "填报日期晚于截止日期为逾期（提醒）",
      anchor="逾期：报送信息 填报日期；未报：单位名录中该单位的行，单位代码列",
      template="「{sheet}」第{row}行{what}")
def rep3(ctx: RuleContext) -> list[Hits]:
    period = ctx.config.period
    deadline = ctx.config.effective_deadline
    units = ctx.text("units").filter(pl.col("must_report") == "是")
    missing = units.filter(~pl.col("code").is_in(list(ctx.submitted)))
    covers = ctx.typed("cover").filter(pl.col("period") == period)
    late = covers.filter(pl.col("submitted_on") > deadline)
    return [
        hits(missing.with_columns(pl.col("code").alias("_unit")), "units", "code", what=(
            pl.concat_str(pl.lit("：单位 "), pl.col("code"), pl.lit("（"),
                          WHO,
                          pl.lit(f"）没有报送 {period} 的月报表（未报）。没有情况也须零报告，"
                                 "请督促该单位尽快报送"), ignore_nulls=True))),
        hits(late.with_columns(pl.lit(WARNING).alias("_severity")), "cover", "submitted_on",
             what=pl.concat_str(pl.lit("「填报日期」"), pl.col("submitted_on").cast(pl.String),
                                pl.lit(f" 晚于截止日期 {deadline}（逾期）。请下月按时报送"))),
    ]


@rule("REP-4", title="台账不得删除",
      policy="动态销号：个案只有劝返复学并记录后才能销号，不得删除；对隐瞒不报的追责",
      check="上次拉取时台账中“劝返中”的个案，本次仍在台账中",
      anchor="本单位的台账工作表；该个案上次所在的行",
      template="「{sheet}」第{row}行（上次报送时）的个案 {who} 在本次报送的台账中不见了"
               "（台账记录被删除）。台账只增不删：请恢复这一行，已复学的请把劝返状态改为“已复学”并填写复学信息")
def rep4(ctx: RuleContext) -> list[Hits]:
    if ctx.previous is None:
        return []
    before = ctx.previous.typed["dropouts"].filter(pl.col("result") == OPEN)
    before = before.filter(pl.col("_unit").is_in(list(ctx.submitted)))
    # the same child in the unit's 台账 now: by 身份证号, or 姓名+出生日期+性别 where either
    # side has none (a school that adds the missing ID to a case has not deleted it)
    gone = before.filter(~present_in(before, ctx.typed("dropouts"), by_unit=True))
    return [hits(gone, "dropouts", "id_number",
                 who=pl.concat_str(WHO, pl.lit("（发现于"),
                                   pl.col("found_on").cast(pl.String), pl.lit("）"),
                                   ignore_nulls=True))]
