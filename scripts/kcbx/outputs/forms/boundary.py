"""The new work year's forms from the last pull of the old one (rules.md, the year boundary).

Carried: 台账 rows that are open, and returned rows whose 复学（安置）日期 is in the 12 months
before 1 September; census rows of children still of compulsory-school age on the new
reference date (年级 advanced; 九年级 becomes 已完成义务教育); roster rows advanced one 年级,
without 九年级 (毕业) and, at a 小学 or 教学点, without 六年级 (the 初中 enrols them);
送教上门学生 still of age, advanced, without 九年级 — a 六年级 child at a unit that does not
teach 七年级 is left for the 初中 that takes the child on (HOME-7) and named in 填报说明;
送教教师. Not carried: 缺课登记, 学籍变动, 关爱帮扶记录, 送教记录, 个别化教学计划.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from ...ages import age_on
from ...config import Config
from ...district import District
from ...schema import DataPackage

NEW_YEAR_TABLES = ("census", "roster", "dropouts", "home_students", "teachers")
NOT_CARRIED = ("absences", "changes", "care", "visits", "iep")
PRIMARY = frozenset({"小学", "教学点"})  # their 六年级 go on to a 初中
UPPER = frozenset({"初中", "九年一贯制学校", "特殊教育学校"})  # units that teach 七年级
OPEN = "劝返中"
DONE = "已完成义务教育"
SUSPENDED = "休学"  # comes back to the grade it left
NAMED = 30  # children named in one note, the rest counted


def grades(package: DataPackage) -> tuple[str, ...]:
    return package.table("roster").field("grade").enum or ()


def new_year(config: Config, package: DataPackage, district: District, units: Iterable[str],
             tables: dict[str, pl.DataFrame]) -> tuple[dict[str, pl.DataFrame], dict[str, list[str]]]:
    """The old year's last tables (of ``units``) as the new year's forms carry them, and per
    unit the 填报说明 lines that say who was left out and who is to be added."""
    order = grades(package)
    ref = config.effective_reference_date
    oldest = config.age_range[1]
    types = {u.code: u.type for u in district.units}
    notes: dict[str, list[str]] = {}

    def note(frame: pl.DataFrame, text: str, *, named: bool = True) -> None:
        for (unit,), part in frame.group_by("_unit", maintain_order=True):
            if unit is None or part.height == 0:
                continue
            who = _names(part["name"].to_list()) if named else ""
            notes.setdefault(str(unit), []).append(text.format(n=part.height, who=who))

    aged = _age(ref) > oldest
    census = tables["census"]
    note(census.filter(aged), f"摸底表：{{n}} 名儿童在 {ref} 已超过 {oldest} 周岁，未带入（{{who}}）。")
    census = census.filter(~aged)
    finishing = pl.col("status").is_in(["在校就读", "送教上门"]) & (pl.col("grade") == order[-1])
    note(census.filter(finishing), "摸底表：{n} 名九年级儿童已改为“已完成义务教育”（{who}），"
         "如未毕业请改回就学状态并填写年级。")
    census = census.with_columns(
        pl.when(finishing).then(pl.lit(DONE)).otherwise(pl.col("status")).alias("status"),
        pl.when(finishing).then(None).otherwise(pl.col("school")).alias("school"),
        pl.when(finishing).then(None).when(pl.col("status") == SUSPENDED).then(pl.col("grade"))
        .otherwise(_advanced("grade", order)).alias("grade"))

    roster = tables["roster"]
    unit_type = pl.col("_unit").replace_strict(types, default="")
    graduates = pl.col("grade") == order[-1]
    leaving = (pl.col("grade") == order[5]) & unit_type.is_in(PRIMARY)
    note(roster.filter(graduates), "在校学生名册：九年级 {n} 人已毕业，未带入。", named=False)
    note(roster.filter(leaving), "在校学生名册：六年级 {n} 人小学毕业，未带入，由所上的初中登记入名册"
         "（摸底表中他们的就读学校请改为所上的初中）。", named=False)
    roster = roster.filter(~graduates & ~leaving).with_columns(
        pl.when(pl.col("attendance") == SUSPENDED).then(pl.col("grade"))  # 休学: the same grade
        .otherwise(_advanced("grade", order)).alias("grade"), pl.lit("0").alias("absent_days"),
        pl.when(pl.col("attendance").is_in(["送教上门", "休学"])).then(pl.col("attendance"))
        .otherwise(pl.lit("正常在校")).alias("attendance"))

    home = tables["home_students"]
    home_aged = _age(ref) > oldest
    note(home.filter(home_aged), f"送教上门学生信息表：{{n}} 名学生在 {ref} 已超过 {oldest} 周岁，"
         "未带入（{who}）。")
    home = home.filter(~home_aged)
    note(home.filter(graduates), "送教上门学生信息表：九年级 {n} 名学生已毕业，未带入（{who}）。")
    handed = (pl.col("grade") == order[5]) & ~unit_type.is_in(UPPER)
    note(home.filter(handed), "送教上门学生信息表：六年级 {n} 名学生小学毕业，未带入（{who}）。"
         "请报告并联系落实初中学校，由初中在其送教上门学生信息表中登记、接续送教（送教不断线）。")
    home = home.filter(~graduates & ~handed).with_columns(_advanced("grade", order).alias("grade"))

    dropouts = tables["dropouts"]
    since, until = dt.date(config.year - 1, 9, 1).isoformat(), dt.date(config.year, 8, 31).isoformat()
    recent = pl.col("returned_on").is_between(pl.lit(since), pl.lit(until))
    dropouts = dropouts.filter(pl.col("result").is_null() | (pl.col("result") == OPEN)
                               | (pl.col("result").is_not_null() & recent))
    for code in sorted({g.unit_code for g in district.grid} & set(units)):
        notes.setdefault(code, []).append(
            f"摸底表：请补登本包保村组的新适龄儿童——出生日期在 {_cohort(ref)}"
            f"（{ref} 前年满 6 周岁）的儿童。")
    out = {"census": census, "roster": roster, "dropouts": dropouts, "home_students": home,
           "teachers": tables["teachers"]}
    return out, notes


def not_carried_line(package: DataPackage) -> str:
    titles = "、".join(package.table(t).title for t in NOT_CARRIED)
    return f"新学年不带入：{titles}（新学期须制定新的个别化教学计划）。这些表从本学年起重新累计填写。"


def _age(ref: dt.date) -> pl.Expr:
    """Full years on ``ref`` from the 出生日期 text (0 when it cannot be read: kept)."""
    return age_on(ref, pl.col("birth_date").str.to_date("%Y-%m-%d", strict=False)).fill_null(0)


def _advanced(column: str, order: tuple[str, ...]) -> pl.Expr:
    """The next 年级 (九年级 stays: such rows are left out by the caller)."""
    step = {g: order[min(i + 1, len(order) - 1)] for i, g in enumerate(order)}
    return pl.col(column).replace(step)


def _cohort(ref: dt.date) -> str:
    """The birth dates of the children who turn 6 by ``ref`` and did not a year earlier."""
    last = _years_before(ref, 6)
    first = _years_before(ref, 7) + dt.timedelta(days=1)
    return f"{first} 至 {last} 之间"


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _names(names: Iterable[str | None]) -> str:
    names = [n for n in names if n]
    shown = "、".join(names[:NAMED])
    return shown + (f" 等 {len(names)} 人" if len(names) > NAMED else "")
