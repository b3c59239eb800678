"""户籍线 ↔ 学校线: one child, one 学籍 (ID-3), age (AGE-*), and the 比对 (MATCH-*)."""

from __future__ import annotations

import polars as pl

from ...ages import age_on
from ...findings import WARNING
from .base import WHO, Hits, RuleContext, hits, person_key, present_in, rule, schema_rule

schema_rule(
    "ID-1", title="身份证号有效",
    policy="学籍信息准确，一人一号（GB 11643-1999 公民身份号码）",
    check="身份证号为18位，前17位数字、末位数字或X，校验位正确，第7–14位是真实日期；"
          "被表格软件改成数字的号码单独说明",
    anchor="身份证号单元格")
schema_rule(
    "ID-2", title="出生日期、性别与身份证号一致",
    policy="学籍信息准确",
    check="同一行的出生日期、性别与身份证号中的出生日期和第17位（单数为男）一致",
    anchor="不一致的出生日期或性别单元格")

SCHOOL_STATUSES = ["在校就读"]


def _age(ctx: RuleContext) -> pl.Expr:
    """Whole years of age on the reference date (当年8月31日)."""
    return age_on(ctx.config.effective_reference_date)


def _school_age(ctx: RuleContext) -> pl.Expr:
    lo, hi = ctx.config.age_range
    return _age(ctx).is_between(lo, hi)


@rule("ID-3", title="一人一籍",
      policy="真正做到“一人一籍、籍随人走”，坚决杜绝空挂学籍",
      check="同一学生不在两个单位的在校学生名册上，也不在同一名册上出现两次",
      anchor="第一份之后的每一份（按单位名录顺序、再按行）的身份证号单元格",
      template="「{sheet}」第{row}行「{column}」：这名学生（{who}）已在 {first} 登记。"
               "一人只能有一个学籍，请核实学生实际在哪所学校就读，由不在读的一方删除本行")
def id3(ctx: RuleContext) -> list[Hits]:
    roster = ctx.typed("roster").select("_unit", "_file", "_sheet", "_row", "id_number", "name",
                                        "birth_date", "sex")
    with_id = roster.filter(pl.col("id_number").is_not_null()).with_columns(
        pl.col("id_number").alias("_key"))
    without = roster.filter(pl.col("id_number").is_null())
    without = without.with_columns(person_key(without).alias("_key"))
    keyed = (pl.concat([with_id, without], how="vertical")
             .filter(pl.col("_key").is_not_null())
        .join(ctx.unit_order(), on="_unit", how="left")
        .sort(["_unit_order", "_row"], nulls_last=True))
    first = keyed.group_by("_key").agg(
        pl.col("_unit").first().alias("_first_unit"), pl.col("_row").first().alias("_first_row"),
        pl.col("_sheet").first().alias("_first_sheet"))
    later = (keyed.with_columns(pl.int_range(pl.len()).over("_key").alias("_n"))
             .filter(pl.col("_n") > 0).join(first, on="_key"))
    return [hits(later, "roster", "id_number",
                 who=WHO,
                 first=pl.concat_str(pl.lit("单位 "), pl.col("_first_unit"), pl.lit(" 的「"),
                                     pl.col("_first_sheet"), pl.lit("」第"),
                                     pl.col("_first_row").cast(pl.String), pl.lit("行"),
                                     ignore_nulls=True))]


@rule("AGE-1", severity=WARNING, title="适龄范围",
      policy="当年8月31日前年满6周岁的适龄儿童少年须接受并完成义务教育",
      check="摸底表中的儿童在基准日（当年8月31日）的年龄在义务教育年龄范围内；超出范围须在备注中说明",
      anchor="摸底表 出生日期",
      template="「{sheet}」第{row}行「{column}」{value}：到{ref}年满{age}周岁，不在义务教育年龄"
               "（{lo}–{hi}周岁）范围内。如确需登记，请在“备注”中说明原因",
      thresholds=("age_range", "reference_date"))
def age1(ctx: RuleContext) -> list[Hits]:
    census = ctx.typed("census")
    lo, hi = ctx.config.age_range
    rows = census.filter(pl.col("birth_date").is_not_null() & ~_school_age(ctx)
                         & pl.col("remark").is_null())
    return [hits(rows, "census", "birth_date", ref=pl.lit(str(ctx.config.effective_reference_date)),
                 age=_age(ctx), lo=pl.lit(lo), hi=pl.lit(hi))]


@rule("AGE-2", title="失学辍学须入台账",
      policy="排查出的失学辍学学生应立即建立工作台账；对隐瞒不报的单位负责人约谈",
      check="摸底表中适龄、就学状态为失学或辍学的儿童，在某个单位的失学辍学学生工作台账中有记录",
      anchor="摸底表 就学状态",
      template="「{sheet}」第{row}行「{column}」为“{value}”，但任何单位的失学辍学学生工作台账中"
               "都没有这名儿童（{who}）。请当天把他/她登记进台账，启动劝返")
def age2(ctx: RuleContext) -> list[Hits]:
    census = ctx.typed("census")
    out_of_school = census.filter(pl.col("status").is_in(["失学", "辍学"])
                                  & pl.col("birth_date").is_not_null() & _school_age(ctx))
    rows = out_of_school.filter(~present_in(out_of_school, ctx.typed("dropouts")))
    return [hits(rows, "census", "status", who=WHO)]


def _unit_of_school(ctx: RuleContext) -> pl.DataFrame:
    """单位名称 or 单位代码 → 单位代码."""
    units = ctx.text("units").filter(pl.col("code").is_not_null())
    return pl.concat([
        units.select(pl.col("code").alias("school"), pl.col("code").alias("_school_unit")),
        units.filter(pl.col("name").is_not_null())
        .select(pl.col("name").alias("school"), pl.col("code").alias("_school_unit")),
    ]).unique(subset="school", keep="first")


@rule("MATCH-1", title="人籍一致（户籍线→学校线）",
      policy="本区域学校学生人籍是否一致，严防籍虽在人已离校；每月对学生信息进行比对",
      check="摸底表中“在校就读”于区内学校的儿童，在该校的在校学生名册上",
      anchor="摸底表 就读学校",
      template="「{sheet}」第{row}行：{who}登记为在“{value}”就读，但该校的在校学生名册中没有"
               "这名学生。请与学校核实：学生是否真的在校？名册是否漏报？")
def match1(ctx: RuleContext) -> list[Hits]:
    census = ctx.typed("census").filter(
        pl.col("status").is_in(SCHOOL_STATUSES) & pl.col("school").is_not_null())
    census = census.join(_unit_of_school(ctx), on="school", how="inner")
    rows = census.filter(~present_in(census, ctx.typed("roster"), by_unit=True,
                                     left_unit="_school_unit"))
    return [hits(rows, "census", "school", who=WHO)]


@rule("MATCH-2", title="疑似辍学须入台账（学校线→台账）",
      policy="严格实行缺课学生登记、追踪、报告制度；发现疑似辍学当天上报",
      check="在校状态为疑似辍学的学生，或无故缺课天数超过阈值的学生，在本单位台账中（至少作为疑似辍学）",
      anchor="名册 在校状态，或缺课登记 缺课天数",
      template="「{sheet}」第{row}行「{column}」为“{value}”，{why}，但本单位的失学辍学学生工作台账中"
               "没有这名学生（{who}）。请当天登记为“疑似辍学”并上报",
      thresholds=("thresholds.absence_days",))
def match2(ctx: RuleContext) -> list[Hits]:
    dropouts = ctx.typed("dropouts")
    roster = ctx.typed("roster").filter(pl.col("attendance") == "疑似辍学")
    roster = roster.filter(~present_in(roster, dropouts, by_unit=True))
    limit = ctx.config.thresholds.absence_days
    absences = ctx.typed("absences").filter(
        (pl.col("reason") == "无故缺课") & (pl.col("days") > limit))
    absences = absences.filter(~present_in(absences, dropouts, by_unit=True))
    return [
        hits(roster, "roster", "attendance", why=pl.lit("属于疑似辍学"),
             who=WHO),
        hits(absences, "absences", "days", why=pl.lit(f"无故缺课超过{limit}天即为疑似辍学"),
             who=WHO),
    ]


@rule("MATCH-3", title="送教上门两表一致",
      policy="对不能到校就读的义务段残儿由户籍地包保单位负责落实送教上门服务",
      check="摸底表中“送教上门”的儿童 ⇔ 某个单位的送教上门学生信息表中有这名儿童",
      anchor="摸底表 就学状态，或送教上门学生信息表 身份证号",
      template="「{sheet}」第{row}行「{column}」“{value}”：{why}")
def match3(ctx: RuleContext) -> list[Hits]:
    census = ctx.typed("census")
    home = ctx.typed("home_students")
    marked = census.filter(pl.col("status") == "送教上门")
    missing = marked.filter(~present_in(marked, home))
    unmarked = home.filter(~present_in(home, marked))
    return [
        hits(missing, "census", "status",
             why=pl.lit("这名儿童没有出现在任何单位的送教上门学生信息表中。请落实送教单位，"
                        "由送教单位登记送教上门学生信息")),
        hits(unmarked, "home_students", "id_number",
             why=pl.lit("这名儿童在户籍线摸底表中没有登记为“送教上门”。请与包保单位核对摸底表的"
                        "就学状态")),
    ]


@rule("MATCH-4", severity=WARNING, title="户籍线漏登（学校线→户籍线）",
      policy="全面摸清本辖区适龄儿童少年基本信息及入学情况，户籍线与学校线双向比对",
      check="名册中填了户籍乡镇和行政村、且该村在本区网格中的学生，出现在摸底表中",
      anchor="名册 户籍行政村",
      template="「{sheet}」第{row}行：学生{who}的户籍在{town}{value}，但该村的摸底表中没有这名学生。"
               "请告知包保单位补登摸底表")
def match4(ctx: RuleContext) -> list[Hits]:
    grid = ctx.text("grid").select(pl.col("township").alias("hukou_township"),
                                   pl.col("village").alias("hukou_village")).drop_nulls().unique()
    roster = ctx.typed("roster").join(grid, on=["hukou_township", "hukou_village"], how="semi")
    rows = roster.filter(~present_in(roster, ctx.typed("census")))
    return [hits(rows, "roster", "hukou_village", who=WHO,
                 town=pl.col("hukou_township"))]
