"""Cases: the 四步法 in order (STEP-1), kept moving (STEP-2), 留得住 (STEP-3, CARE-1), and
学籍变动 with complete papers (CHG-1)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from ...findings import WARNING
from .base import WHO, Hits, RuleContext, hits, rule

OPEN = "劝返中"
STEPS = ("step1_on", "step2_on", "step3_on", "step4_on")
KEEP_FIELDS = ("returned_on", "placement", "plan", "mentor")


@rule("STEP-1", title="四步法顺序",
      policy="严格依法做好宣传教育、责令改正、行政处罚、提起诉讼或申请强制执行“四步法”",
      check="四步的日期不倒序、不跳步：第二步须有第一步；第三步须有第二步且晚于限期复学截止日期；"
            "第四步须有第三步",
      anchor="第一个顺序不对的步骤日期单元格",
      template="「{sheet}」第{row}行「{column}」{value}：{why}")
def step1(ctx: RuleContext) -> list[Hits]:
    d = ctx.typed("dropouts")
    s1, s2, s3, s4 = (pl.col(s) for s in STEPS)
    deadline = pl.col("step2_deadline")
    checks = [
        ("step2_on", s2.is_not_null() & s1.is_null(), "跳过了第一步“宣传教育”，请先填写宣传教育日期"),
        ("step2_on", s2 < s1, "早于第一步“宣传教育”的日期，请核对"),
        ("step3_on", s3.is_not_null() & s2.is_null(),
         "跳过了第二步“责令改正”（《限期复学通知书》），请核对"),
        ("step3_on", s3 < s2, "早于第二步《限期复学通知书》的下发日期，请核对"),
        ("step3_on", s3 <= deadline, "不晚于限期复学截止日期；限期届满仍未复学才能行政处罚，请核对"),
        ("step4_on", s4.is_not_null() & s3.is_null(), "跳过了第三步“行政处罚”，请核对"),
        ("step4_on", s4 < s3, "早于第三步《行政处罚决定书》的下发日期，请核对"),
    ]
    first = pl.lit(None, dtype=pl.Int64)
    for i, (_, cond, _) in reversed(list(enumerate(checks))):
        first = pl.when(cond.fill_null(False)).then(pl.lit(i)).otherwise(first)
    d = d.with_columns(first.alias("_check"))
    out = []
    for i, (field, _, why) in enumerate(checks):
        rows = d.filter(pl.col("_check") == i)
        out.append(hits(rows, "dropouts", field, why=pl.lit(why)))
    return out


@rule("STEP-2", severity=WARNING, title="超期未推进",
      policy="按照“应返尽返”的要求做好劝返复学，切实做到每一例失学辍学问题得到有效解决",
      check="劝返中的个案，最近一步的日期（没有时为发现日期）距拉取日期超过阈值天数",
      anchor="台账 劝返状态",
      template="「{sheet}」第{row}行：{who}仍在劝返中，最近一次推进是 {last}，已有 {days} 天"
               "没有新进展（超期未推进）。请推进下一步，或如已复学请更新劝返状态",
      thresholds=("thresholds.stall_days",))
def step2(ctx: RuleContext) -> list[Hits]:
    limit = ctx.config.thresholds.stall_days
    d = ctx.typed("dropouts").filter(pl.col("result") == OPEN).with_columns(
        pl.max_horizontal(*(pl.col(s) for s in STEPS)).alias("_last"))
    d = d.with_columns(pl.coalesce("_last", "found_on").alias("_last")).with_columns(
        (pl.lit(ctx.pulled_on) - pl.col("_last")).dt.total_days().alias("_days"))
    rows = d.filter(pl.col("_days") > limit)
    return [hits(rows, "dropouts", "result", who=WHO,
                 last=pl.col("_last"), days=pl.col("_days"))]


@rule("STEP-3", title="既要追回来，更要留得住",
      policy="追回来的学生要有一人一方案，因人施教、因人保学；组织教师与学生结对子",
      check="已销号（劝返状态不是劝返中）的个案填写了复学（安置）日期、安置方式、一人一方案和结对帮扶教师",
      anchor="每个空着的单元格",
      template="「{sheet}」第{row}行：{who}的劝返状态是“{result}”，但「{column}」是空的。"
               "销号的个案必须写明复学（安置）日期、安置方式、一人一方案和结对帮扶教师")
def step3(ctx: RuleContext) -> list[Hits]:
    d = ctx.typed("dropouts").filter(pl.col("result").is_not_null()
                                     & (pl.col("result") != OPEN))
    return [hits(d.filter(pl.col(f).is_null()), "dropouts", f,
                 who=WHO, result=pl.col("result"))
            for f in KEEP_FIELDS]


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months, m = [], first.replace(day=1)
    while m <= last:
        months.append(m)
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


@rule("CARE-1", severity=WARNING, title="关爱帮扶每月有记录",
      policy="建立关爱帮扶机制，组织教师与学生结对子，开展心理辅导、真情关爱帮扶帮教",
      check="已销号的个案从复学当月（上一学年复学的，从本学年 9 月）到报送月份（拉取日期更早时到拉取当月），"
            "每个月都有复学日期当天或之后的关爱帮扶记录（rules.md 写的是“到拉取当月”：月初拉取上月报表时，"
            "本月尚未过完，不应要求本月记录；关爱帮扶记录每学年重新累计，不带入新学年）",
      anchor="台账 结对帮扶教师",
      template="「{sheet}」第{row}行：{who}于 {returned} 复学（安置），{months}没有关爱帮扶记录。"
               "请结对帮扶教师每月至少帮扶一次并登记在关爱帮扶记录中")
def care1(ctx: RuleContext) -> list[Hits]:
    until = min(ctx.pulled_on, ctx.config.period_end)
    d = ctx.typed("dropouts").filter(
        pl.col("result").is_not_null() & (pl.col("result") != OPEN)
        & pl.col("returned_on").is_not_null() & (pl.col("returned_on") <= until)
        & pl.col("id_number").is_not_null())
    if d.height == 0:
        return []
    year_start = dt.date(ctx.config.year, 9, 1)  # care records start again every work year
    earliest = max(d["returned_on"].min(), year_start)
    if earliest > until:
        return []
    calendar = pl.DataFrame({"_month": _month_starts(earliest, until)})
    need = (d.with_row_index("_case").join(calendar, how="cross")
            .filter(pl.col("_month") >= pl.col("returned_on").dt.month_start())
            .filter(pl.col("_month") >= year_start))
    care = ctx.typed("care").filter(pl.col("on").is_not_null()).select(
        "_unit", "id_number", pl.col("on"))
    visited = (need.join(care, on=["_unit", "id_number"], how="inner")
               .filter((pl.col("on") >= pl.col("returned_on"))
                       & (pl.col("on").dt.month_start() == pl.col("_month")))
               .select("_case", "_month").unique())
    missed = need.join(visited, on=["_case", "_month"], how="anti")
    summary = (missed.sort("_month").group_by("_case", maintain_order=True)
               .agg(pl.col("_month").dt.strftime("%Y年%-m月").str.join("、").alias("_missed")))
    rows = d.with_row_index("_case").join(summary, on="_case", how="inner").sort("_case")
    return [hits(rows, "dropouts", "mentor", who=WHO,
                 returned=pl.col("returned_on"), months=pl.col("_missed"))]


@rule("CHG-1", title="学籍变动手续完备",
      policy="学生变动情况要登记造册，做到转入、转出、休学、复学等变动情况清楚，相关证明材料齐全，手续完备",
      check="学籍变动登记的证明材料为“齐全”",
      anchor="学籍变动 证明材料",
      template="「{sheet}」第{row}行：{who}的{kind}登记中「{column}」为“{value}”。"
               "请补齐证明材料、完备手续后改为“齐全”")
def chg1(ctx: RuleContext) -> list[Hits]:
    c = ctx.typed("changes").filter(pl.col("proof").is_null() | (pl.col("proof") != "齐全"))
    return [hits(c, "changes", "proof", who=WHO,
                 kind=pl.coalesce(pl.col("kind"), pl.lit("学籍变动")))]
