"""送教不断线 across the school year boundary (HOME-7): every 送教上门 child of the old year's
last pull who is still of compulsory-school age and was not in 九年级 goes on in the new
year — on a 送教上门学生信息表 (a 六年级 child at a unit that teaches 七年级: the 小学 hands
the child on to a 初中), on a 在校学生名册, or in census with a 就学状态 that ends the service.
"""

from __future__ import annotations

import polars as pl

from ...ages import age_on
from .base import WHO, Hits, RuleContext, hits, present_in, rule

UPPER = ("初中", "九年一贯制学校", "特殊教育学校")  # units that teach 七年级 and up
ENDS = ("已完成义务教育", "区外就读", "出国（境）", "死亡")  # 就学状态 that end the service
LAST_GRADE, PRIMARY_END = "九年级", "六年级"


# rules.md says "on the first pull of a work year"; every pull of the new year is compared,
# so that a child no unit took on stays listed after schools resend (see the issue note)
@rule("HOME-7", title="送教不断线",
      policy="小学毕业的送教上门学生由所在小学报告、联系落实初中学校，做好衔接工作",
      check="新学年每次拉取都与上一学年最后一次拉取比较：上一学年送教上门学生信息表中仍在义务教育"
            "年龄、不在九年级的学生，本学年在某单位的送教上门学生信息表中（六年级学生须在初中、九年"
            "一贯制学校或特殊教育学校），或在在校学生名册中到校就读（在校状态不是送教上门），或摸底表"
            "写明已完成义务教育、区外就读、出国（境）、死亡。没有接续的学生每次拉取都列出，直到有单位接续",
      anchor="上一学年最后一次拉取中，本单位送教上门学生信息表该学生所在的行",
      template="「{sheet}」第{row}行（上一学年最后一次报送时）的送教上门学生 {who}（{grade}）"
               "在本学年没有接续：{why}")
def home7(ctx: RuleContext) -> list[Hits]:
    if ctx.last_year is None:
        return []
    before = ctx.last_year.typed["home_students"].filter(
        pl.col("_unit").is_in(list(ctx.submitted))
        & (pl.col("grade").is_null() | (pl.col("grade") != LAST_GRADE)))
    before = before.filter(pl.col("birth_date").is_null()
                           | (age_on(ctx.config.effective_reference_date) <= ctx.config.age_range[1]))
    if before.height == 0:
        return []
    upper = ctx.typed("units").filter(pl.col("type").is_in(UPPER))["code"].to_list()
    home = ctx.typed("home_students")
    # at school: a roster row that is not itself the 送教上门 (the carry keeps those)
    at_school = ctx.typed("roster").filter(pl.col("attendance").is_null()
                                           | (pl.col("attendance") != "送教上门"))
    on_roster = present_in(before, at_school)
    ended = present_in(before, ctx.typed("census").filter(pl.col("status").is_in(ENDS)))
    anywhere = present_in(before, home)
    higher = present_in(before, home.filter(pl.col("_unit").is_in(upper)))
    graduated = pl.col("grade") == PRIMARY_END
    frame = before.with_columns(_roster=on_roster, _ended=ended, _anywhere=anywhere, _higher=higher)
    gone = frame.filter(~pl.col("_roster") & ~pl.col("_ended")
                        & pl.when(graduated).then(~pl.col("_higher")).otherwise(~pl.col("_anywhere")))
    why = (pl.when(graduated).then(pl.lit(
        "小学毕业后不在任何初中、九年一贯制学校或特殊教育学校的送教上门学生信息表中，也不在在校学生名册中。"
        "小学毕业的送教上门学生由所在小学报告、联系落实初中学校，请尽快联系，由初中登记并接续送教"))
        .otherwise(pl.lit(
            "不在本学年任何单位的送教上门学生信息表或在校学生名册中，摸底表中也没有写明已完成义务教育、"
            "区外就读、出国（境）或死亡。请在送教上门学生信息表中继续登记；如已有去向，请在摸底表中写明")))
    return [hits(gone, "home_students", "id_number", who=WHO,
                 grade=pl.coalesce(pl.col("grade"), pl.lit("年级未填")), why=why)]
