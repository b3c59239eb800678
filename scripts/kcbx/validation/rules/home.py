"""送教上门: a 学籍 (HOME-1), every teaching week (HOME-2), two teachers with a man (HOME-3),
assessment and plan first (HOME-4), detailed records (HOME-5), a broad plan (HOME-6)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from ...config import Config
from ...findings import WARNING
from .base import WHO, Hits, RuleContext, hits, rule

DOMAINS = ("康复训练", "认知", "语言交流", "生活自理", "学习能力", "社会适应", "特长培养")
SEPARATORS = r"[、,，;；\s]+"


@rule("HOME-1", title="送教学生有学籍",
      policy="要在全国中小学生学籍信息管理系统为服务对象建立或补建学籍",
      check="送教上门学生信息表中每名学生都有全国学籍号",
      anchor="送教上门学生信息表 全国学籍号",
      template="「{sheet}」第{row}行：{who}没有填写「{column}」。送教上门学生也必须有学籍，"
               "请在学籍系统中建立或补建后填写")
def home1(ctx: RuleContext) -> list[Hits]:
    h = ctx.typed("home_students").filter(pl.col("student_no").is_null())
    return [hits(h, "home_students", "student_no", who=WHO)]


def teaching_weeks(config: Config, until: dt.date) -> list[dt.date]:
    """Mondays of the weeks inside a term that have a school day and ended by ``until``."""
    holidays = set()
    for h in config.holidays:
        day = h.start
        while day <= h.end:
            holidays.add(day)
            day += dt.timedelta(days=1)
    workdays = set(config.workdays)
    weeks = set()
    for term in config.terms:
        day = term.start
        while day <= min(term.end, until):
            monday = day - dt.timedelta(days=day.weekday())
            school_day = (day.weekday() < 5 and day not in holidays) or day in workdays
            if school_day and monday + dt.timedelta(days=6) <= until:
                weeks.add(monday)
            day += dt.timedelta(days=1)
    return sorted(weeks)


def _week_label(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    return f"{monday.month}月{monday.day}日–{sunday.month}月{sunday.day}日"


def _children(ctx: RuleContext) -> pl.DataFrame:
    """送教 children with their first visit (same unit, by 身份证号) and start of service."""
    visits = ctx.typed("visits").filter(pl.col("on").is_not_null())
    first = visits.group_by("_unit", "id_number").agg(pl.col("on").min().alias("_first_visit"))
    return (ctx.typed("home_students").filter(pl.col("id_number").is_not_null())
            .join(first, on=["_unit", "id_number"], how="left")
            .with_columns(pl.coalesce("started_on", "_first_visit").alias("_start")))


@rule("HOME-2", title="每周送教不少于1次",
      policy="每个服务对象原则上每周送教不少于1次",
      check="从首次送教日期（未填时为第一次送教）所在周起，学期内每个有上课日、且在拉取日前已结束的教学周都有送教记录",
      anchor="送教上门学生信息表 首次送教日期",
      template="「{sheet}」第{row}行：{who}有 {count} 个教学周没有送教记录：{weeks}。"
               "每周至少送教1次；如已送教，请补登送教记录",
      thresholds=("terms", "holidays", "workdays"))
def home2(ctx: RuleContext) -> list[Hits]:
    weeks = teaching_weeks(ctx.config, ctx.pulled_on)
    children = _children(ctx).filter(pl.col("_start").is_not_null())
    if not weeks or children.height == 0:
        return []
    calendar = pl.DataFrame({"_week": weeks})
    need = (children.with_row_index("_child").join(calendar, how="cross")
            .filter(pl.col("_week") + pl.duration(days=6) >= pl.col("_start")))
    done = (ctx.typed("visits").filter(pl.col("on").is_not_null())
            .select("_unit", "id_number",
                    (pl.col("on") - pl.duration(days=pl.col("on").dt.weekday() - 1))
                    .alias("_week")).unique())
    missed = need.join(done, on=["_unit", "id_number", "_week"], how="anti")
    labels = {w: _week_label(w) for w in weeks}
    summary = (missed.sort("_week").with_columns(
        pl.col("_week").replace_strict(labels, return_dtype=pl.String).alias("_label"))
        .group_by("_child", maintain_order=True)
        .agg(pl.len().alias("_count"), pl.col("_label").str.join("、").alias("_weeks"),
             pl.col("_week").cast(pl.String).str.join(",").alias("_missed")))
    rows = children.with_row_index("_child").join(summary, on="_child").sort("_child")
    return [hits(rows, "home_students", "started_on", value=pl.col("_start"),
                 who=WHO, count=pl.col("_count"),
                 weeks=pl.col("_weeks"), missed=pl.col("_missed"))]


@rule("HOME-3", title="两人同行，至少一名男教师",
      policy="开展送教服务入户时，至少要两人同行（其中至少一名是男性教师）",
      check="每次送教记录的送教教师至少2人、都在本单位送教教师表中，其中至少一名男性",
      anchor="送教记录 送教教师",
      template="「{sheet}」第{row}行「{column}」“{value}”：{why}")
def home3(ctx: RuleContext) -> list[Hits]:
    visits = ctx.typed("visits").filter(pl.col("teachers").is_not_null()).with_row_index("_v")
    teachers = ctx.typed("teachers").filter(pl.col("name").is_not_null()).select(
        "_unit", pl.col("name").alias("_t"), pl.col("sex").alias("_sex")).unique(
        subset=["_unit", "_t"], keep="first")
    names = (visits.select("_v", "_unit", pl.col("teachers").str.replace_all(SEPARATORS, "、")
                           .str.split("、").alias("_t"))
             .explode("_t").filter(pl.col("_t") != "").unique(subset=["_v", "_t"])
             .join(teachers, on=["_unit", "_t"], how="left"))
    stats = names.group_by("_v").agg(
        pl.len().alias("_n"),
        pl.col("_t").filter(pl.col("_sex").is_null()).str.join("、").alias("_unknown"),
        (pl.col("_sex") == "男").any().alias("_man"))
    v = visits.join(stats, on="_v", how="left").with_columns(pl.col("_n").fill_null(0))
    why = (pl.when(pl.col("_unknown") != "")
           .then(pl.concat_str(pl.lit("“"), pl.col("_unknown"),
                               pl.lit("”不在本单位的送教教师表中。请把送教教师登记进送教教师表，"
                                      "或改成表中的写法")))
           .when(pl.col("_n") < 2)
           .then(pl.lit("只有1名教师。送教入户至少两人同行，其中至少一名男教师"))
           .when(~pl.col("_man"))
           .then(pl.lit("没有男教师。送教入户至少两人同行，其中至少一名男教师"))
           .otherwise(None))
    rows = v.with_columns(why.alias("_why")).filter(pl.col("_why").is_not_null())
    return [hits(rows, "visits", "teachers", why=pl.col("_why"))]


def _term_of(config: Config, on: pl.Expr) -> pl.Expr:
    expr = pl.lit(None, dtype=pl.String)
    for term in reversed(config.terms):
        expr = pl.when(on.is_between(term.start, term.end)).then(pl.lit(term.name)).otherwise(expr)
    return expr


@rule("HOME-4", title="先评估、先制定计划，再送教",
      policy="经评估确定安置方式；首次送教上门要做好专业评估，并制定切实可行的个别化教学计划",
      check="首次送教日期和第一次送教不早于评估日期；每学期第一次送教时，已有当学期、在当天或之前制定的个别化教学计划",
      anchor="送教记录 送教日期（或送教上门学生信息表 首次送教日期）",
      template="「{sheet}」第{row}行「{column}」{value}：{why}")
def home4(ctx: RuleContext) -> list[Hits]:
    home = ctx.typed("home_students")
    early_start = home.filter(pl.col("started_on") < pl.col("assessed_on"))
    visits = ctx.typed("visits").filter(pl.col("on").is_not_null() & pl.col("id_number")
                                        .is_not_null())
    assessed = home.select("_unit", "id_number", pl.col("assessed_on").alias("_assessed"))
    first_visits = (visits.sort("on", "_row").group_by("_unit", "id_number", maintain_order=True)
                    .first().join(assessed, on=["_unit", "id_number"], how="inner")
                    .filter(pl.col("on") < pl.col("_assessed")))
    per_term = (visits.with_columns(_term_of(ctx.config, pl.col("on")).alias("_term"))
                .filter(pl.col("_term").is_not_null()).sort("on", "_row")
                .group_by("_unit", "id_number", "_term", maintain_order=True).first())
    plans = ctx.typed("iep").filter(pl.col("made_on").is_not_null()).select(
        "_unit", "id_number", pl.col("semester").alias("_term"), pl.col("made_on"))
    planned = (per_term.join(plans, on=["_unit", "id_number", "_term"], how="inner")
               .filter(pl.col("made_on") <= pl.col("on"))
               .select("_unit", "id_number", "_term").unique())
    unplanned = per_term.join(planned, on=["_unit", "id_number", "_term"], how="anti")
    return [
        hits(early_start, "home_students", "started_on", kind=pl.lit("start"), why=pl.concat_str(
            pl.lit("早于评估日期 "), pl.col("assessed_on").cast(pl.String),
            pl.lit("。须先评估、确定送教上门安置，再开始送教，请核对"))),
        hits(first_visits, "visits", "on", kind=pl.lit("first"), why=pl.concat_str(
            pl.lit("这是该生第一次送教，早于评估日期 "), pl.col("_assessed").cast(pl.String),
            pl.lit("。须先评估，再送教，请核对"))),
        hits(unplanned, "visits", "on", kind=pl.lit("plan"), term=pl.col("_term"), why=pl.concat_str(
            pl.lit("这是该生"), pl.col("_term"),
            pl.lit("的第一次送教，但此前没有制定本学期的个别化教学计划。请先制定计划（一人一案），"
                   "在个别化教学计划表中登记"))),
    ]


@rule("HOME-5", severity=WARNING, title="送教记录要详细",
      policy="送教记录要详细；要根据教学情况布置好家庭训练",
      check="送教内容不少于规定字数，家庭训练布置已填写，家长签字确认为“是”",
      anchor="太短或空着的单元格",
      template="「{sheet}」第{row}行「{column}」{why}",
      thresholds=("thresholds.min_content_chars",))
def home5(ctx: RuleContext) -> list[Hits]:
    n = ctx.config.thresholds.min_content_chars
    v = ctx.typed("visits")
    short = v.filter(pl.col("content").is_not_null() & (pl.col("content").str.len_chars() < n))
    no_task = v.filter(pl.col("family_task").is_null())
    unsigned = v.filter(pl.col("parent_signed").is_null() | ~pl.col("parent_signed"))
    return [
        hits(short, "visits", "content", why=pl.concat_str(
            pl.lit("只有"), pl.col("content").str.len_chars().cast(pl.String),
            pl.lit(f"个字，太简略。请写明本次教了什么、怎么教、孩子的反应（至少{n}个字）"))),
        hits(no_task, "visits", "family_task", why=pl.lit(
            "是空的。每次送教都要给家长布置家庭训练，请写明训练内容")),
        hits(unsigned, "visits", "parent_signed", value=pl.col("parent_signed").replace_strict(
            {True: "是", False: "否"}, default=None, return_dtype=pl.String),
            why=pl.lit("不是“是”。请请家长在纸质送教记录上签字确认后填“是”")),
    ]


@rule("HOME-6", severity=WARNING, title="个别化教学计划覆盖面",
      policy="一般应包括康复训练、认知、语言交流、生活自理、学习能力、社会适应和特长培养等方面",
      check="每名送教学生每学期的个别化教学计划至少涵盖其中阈值个领域（默认3个）",
      anchor="该生本学期第一行计划；没有计划时为送教上门学生信息表 身份证号",
      template="「{sheet}」第{row}行：{who}{term}的个别化教学计划{why}",
      thresholds=("thresholds.min_domains",))
def home6(ctx: RuleContext) -> list[Hits]:
    pulled = ctx.pulled_on
    terms = pl.DataFrame({"_term": [t.name for t in ctx.config.terms],
                          "_term_start": [t.start for t in ctx.config.terms],
                          "_term_end": [t.end for t in ctx.config.terms]})
    children = _children(ctx)
    served = (children.join(terms, how="cross")
              .filter((pl.col("_term_start") <= pulled)
                      & (pl.col("_start").is_null() | (pl.col("_term_end") >= pl.col("_start")))))
    iep = ctx.typed("iep").filter(pl.col("semester").is_not_null()).rename({"semester": "_term"})
    covered = iep.group_by("_unit", "id_number", "_term").agg(
        pl.col("domain").filter(pl.col("domain").is_in(DOMAINS)).n_unique().alias("_n"),
        pl.col("domain").filter(pl.col("domain").is_in(DOMAINS)).unique().sort()
        .str.join("、").alias("_domains"))
    first_rows = iep.sort("_row").group_by("_unit", "id_number", "_term",
                                           maintain_order=True).first()
    least = ctx.config.thresholds.min_domains
    narrow = (first_rows.join(covered, on=["_unit", "id_number", "_term"])
              .filter(pl.col("_n") < least))
    none = served.join(iep.select("_unit", "id_number", "_term").unique(),
                       on=["_unit", "id_number", "_term"], how="anti")
    names = children.select("_unit", "id_number", pl.col("name").alias("_name")).unique(
        subset=["_unit", "id_number"], keep="first")
    narrow = narrow.join(names, on=["_unit", "id_number"], how="left")
    return [
        hits(narrow, "iep", "domain", who=pl.coalesce(pl.col("_name"), pl.lit("该生")),
             kind=pl.lit("narrow"), n=pl.col("_n"),
             term=pl.col("_term"), why=pl.concat_str(
                 pl.lit("只涵盖"), pl.col("_n").cast(pl.String), pl.lit("个领域（"),
                 pl.col("_domains"), pl.lit("）。请至少涵盖康复训练、认知、语言交流、生活自理、"
                                            f"学习能力、社会适应、特长培养中的{least}个领域"))),
        hits(none, "home_students", "id_number", who=WHO, kind=pl.lit("none"),
             term=pl.col("_term"), why=pl.lit("还没有制定。请制定一人一案的个别化教学计划，"
                                              f"至少涵盖{least}个领域")),
    ]
