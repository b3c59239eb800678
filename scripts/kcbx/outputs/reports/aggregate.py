"""The numbers behind the reports, computed on the columnar tables of one pull.

Each function returns a polars frame shaped like a resource of the public aggregates
package (``schemas/public/datapackage.json``) — before small counts are suppressed.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ...config import Config
from ...findings import Report
from ...validation import Tables
from ...validation.rules.home import teaching_weeks

OPEN = "劝返中"
DISTRICT = "全区"
PROGRESS_COUNTS = ("school_age", "in_school", "home_taught", "out_of_school", "returned",
                   "still_out", "stage1", "stage2", "stage3", "stage4", "overdue")


def units_frame(tables: Tables) -> pl.DataFrame:
    """单位名录 as unit_code, unit_name, township, must_report (first row per code)."""
    return (tables.text["units"].filter(pl.col("code").is_not_null())
            .select(pl.col("code").alias("unit_code"), pl.col("name").alias("unit_name"),
                    "township", (pl.col("must_report") == "是").alias("must_report"))
            .unique(subset="unit_code", keep="first", maintain_order=True))


def submission_status(config: Config, tables: Tables, submitted: set[str]) -> pl.DataFrame:
    """Each unit that must report: 按时 / 逾期 / 零报告 / 未报 for the period (REP-3)."""
    units = units_frame(tables).filter(pl.col("must_report"))
    cover = (tables.typed["cover"].filter(pl.col("period") == config.period)
             .select(pl.col("_unit").alias("unit_code"), "submitted_on", "zero_report")
             .unique(subset="unit_code", keep="first"))
    deadline = config.effective_deadline
    status = (pl.when(~pl.col("unit_code").is_in(sorted(submitted))).then(pl.lit("未报"))
              .when(pl.col("submitted_on") > deadline).then(pl.lit("逾期"))
              .when(pl.col("zero_report").fill_null(False)).then(pl.lit("零报告"))
              .otherwise(pl.lit("按时")))
    return (units.join(cover, on="unit_code", how="left")
            .with_columns(status.alias("status"),
                          pl.when(pl.col("unit_code").is_in(sorted(submitted)))
                          .then(pl.col("submitted_on")).alias("submitted_on"))
            .select(pl.lit(config.period).alias("period"), "unit_code", "unit_name", "township",
                    "status", "submitted_on"))


def submission_rates(status: pl.DataFrame) -> pl.DataFrame:
    """Completeness and timeliness per 乡镇 and for the district."""
    def rates(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.agg(
            pl.len().alias("units_due"),
            (pl.col("status") != "未报").sum().alias("submitted"),
            pl.col("status").is_in(["按时", "零报告"]).sum().alias("on_time"))

    town = rates(status.group_by("period", "township", maintain_order=True)).with_columns(
        pl.lit("乡镇").alias("level"))
    whole = rates(status.group_by("period")).with_columns(
        pl.lit("全区").alias("level"), pl.lit(DISTRICT).alias("township"))
    out = pl.concat([whole.select(town.columns), town], how="vertical")
    return out.with_columns(
        (100 * pl.col("submitted") / pl.col("units_due")).round(1).alias("completeness"),
        (100 * pl.col("on_time") / pl.col("units_due")).round(1).alias("timeliness"),
    ).select("period", "level", "township", "units_due", "submitted", "on_time",
             "completeness", "timeliness")


def _age_ok(config: Config) -> pl.Expr:
    ref = config.effective_reference_date
    born = pl.col("birth_date")
    had = (born.dt.month() < ref.month) | ((born.dt.month() == ref.month) & (born.dt.day() <= ref.day))
    age = ref.year - born.dt.year() - pl.when(had).then(0).otherwise(1)
    lo, hi = config.age_range
    return age.is_between(lo, hi).fill_null(False)


def progress(config: Config, tables: Tables, report: Report) -> pl.DataFrame:
    """控辍保学进展 per unit (the unit that filled the census or keeps the 台账), before roll-up."""
    census = tables.typed["census"].filter(_age_ok(config))
    people = census.group_by("_unit").agg(
        pl.len().alias("school_age"),
        (pl.col("status") == "在校就读").sum().alias("in_school"),
        (pl.col("status") == "送教上门").sum().alias("home_taught"))
    d = tables.typed["dropouts"]
    stage = (pl.when(pl.col("step4_on").is_not_null()).then(4)
             .when(pl.col("step3_on").is_not_null()).then(3)
             .when(pl.col("step2_on").is_not_null()).then(2).otherwise(1))
    # a case without a 劝返状态 has not been resolved: it is still out (parts add up)
    out = pl.col("result").is_null() | (pl.col("result") == OPEN)
    cases = d.with_columns(stage.alias("_stage")).group_by("_unit").agg(
        pl.len().alias("out_of_school"),
        (~out).sum().alias("returned"),
        out.sum().alias("still_out"),
        *((out & (pl.col("_stage") == k)).sum().alias(f"stage{k}") for k in (1, 2, 3, 4)))
    overdue = (report.frame().filter(pl.col("rule") == "STEP-2")
               .group_by("_unit").agg(pl.len().alias("overdue")))
    units = units_frame(tables)
    frame = (units.rename({"unit_code": "_unit"})
             .join(people, on="_unit", how="left").join(cases, on="_unit", how="left")
             .join(overdue, on="_unit", how="left")
             .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in PROGRESS_COUNTS)
             .rename({"_unit": "unit_code"}))
    return frame.select(pl.lit(config.period).alias("period"), pl.lit("单位").alias("level"),
                        "township", "unit_code", "unit_name", *PROGRESS_COUNTS)


def roll_up(units: pl.DataFrame, counts: tuple[str, ...]) -> pl.DataFrame:
    """Unit rows + one row per 乡镇 + the district row (sums of the counts)."""
    town = (units.group_by("period", "township", maintain_order=True)
            .agg(pl.col(c).sum() for c in counts)
            .with_columns(pl.lit("乡镇").alias("level"), pl.lit(None, dtype=pl.String)
                          .alias("unit_code"), pl.lit(None, dtype=pl.String).alias("unit_name")))
    whole = (units.group_by("period").agg(pl.col(c).sum() for c in counts)
             .with_columns(pl.lit("全区").alias("level"), pl.lit(DISTRICT).alias("township"),
                           pl.lit(None, dtype=pl.String).alias("unit_code"),
                           pl.lit(None, dtype=pl.String).alias("unit_name")))
    cols = units.columns
    return pl.concat([whole.select(cols), town.select(cols), units], how="vertical")


def home_teaching(config: Config, tables: Tables, report: Report) -> pl.DataFrame:
    """送教上门 for the current term up to the pull date: the district row, then each unit.

    Weekly coverage counts, per child, the teaching weeks from the start of service (as
    HOME-2 does) that have a visit.
    """
    pulled = config.effective_pulled_on
    term = next((t for t in config.terms if t.start <= pulled <= t.end), None) or (
        max((t for t in config.terms if t.start <= pulled), key=lambda t: t.start, default=None))
    students = tables.typed["home_students"].filter(pl.col("id_number").is_not_null())
    visits = tables.typed["visits"].filter(pl.col("on").is_not_null())
    if term is not None:
        visits = visits.filter(pl.col("on").is_between(term.start, min(term.end, pulled)))
    weeks = [w for w in teaching_weeks(config, pulled)
             if term is None or (term.start <= w + dt.timedelta(days=6) and w <= term.end)]
    first = visits.group_by("_unit", "id_number").agg(pl.col("on").min().alias("_first"))
    children = (students.select("_unit", "id_number", "started_on").unique(
        subset=["_unit", "id_number"], keep="first")
        .join(first, on=["_unit", "id_number"], how="left")
        .with_columns(pl.coalesce("started_on", "_first").alias("_start")))
    need = (children.join(pl.DataFrame({"_week": weeks}, schema={"_week": pl.Date}), how="cross")
            .filter(pl.col("_start").is_not_null()
                    & (pl.col("_week") + pl.duration(days=6) >= pl.col("_start"))))
    visited = visits.select("_unit", "id_number", (pl.col("on") - pl.duration(
        days=pl.col("on").dt.weekday() - 1)).alias("_week")).unique()
    coverage = need.group_by("_unit").agg(pl.len().alias("_weeks")).join(
        need.join(visited, on=["_unit", "id_number", "_week"], how="semi")
        .group_by("_unit").agg(pl.len().alias("_done")), on="_unit", how="left")
    found = report.frame()
    flagged = found.filter(pl.col("rule") == "HOME-3").select(*WHERE).unique()
    visits = visits.with_columns(
        ~_where(visits).is_in(_where(flagged).implode()).alias("_two_with_man"))
    incomplete = _ids_at(tables, found.filter(pl.col("rule").str.starts_with("HOME-")))
    by_unit = (children.group_by("_unit").agg(
        pl.len().alias("children"),
        (~pl.col("id_number").is_in(sorted(incomplete))).sum().alias("_complete"))
        .join(coverage, on="_unit", how="left")
        .join(visits.group_by("_unit").agg(pl.len().alias("visits"),
                                           pl.col("_two_with_man").sum().alias("_good")),
              on="_unit", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in ("visits", "_good", "_weeks", "_done"))
        .join(units_frame(tables).rename({"unit_code": "_unit"}), on="_unit", how="left")
        .with_columns(pl.lit("单位").alias("level")).sort("_unit"))
    sums = ("children", "_complete", "_weeks", "_done", "visits", "_good")
    whole = by_unit.select(pl.col(c).sum() for c in sums).with_columns(
        pl.lit("全区").alias("level"), pl.lit("全区").alias("township"),
        pl.lit(None, dtype=pl.String).alias("_unit"), pl.lit(None, dtype=pl.String).alias("unit_name"))
    out = pl.concat([whole, by_unit.select(whole.columns)], how="vertical_relaxed") \
        if by_unit.height else by_unit.select(*sums, "level", "township", "_unit", "unit_name")
    out = out.with_columns(
        _pct(pl.col("_done"), pl.col("_weeks")).alias("weekly_coverage"),
        _pct(pl.col("_good"), pl.col("visits")).alias("two_with_man"),
        _pct(pl.col("_complete"), pl.col("children")).alias("handbook_complete"))
    return out.rename({"_unit": "unit_code"}).select(
        pl.lit(config.period).alias("period"), "level", "township", "unit_code", "unit_name",
        pl.col("children").cast(pl.Int64), pl.col("visits").cast(pl.Int64),
        "weekly_coverage", "two_with_man", "handbook_complete")


def _pct(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then((100 * num / den).round(1)).otherwise(None)


WHERE = ("_unit", "_file", "_sheet", "_row")


def _where(frame: pl.DataFrame) -> pl.Series:
    """A row's place (unit, file, sheet, row) as one comparable value."""
    return frame.select(pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in WHERE],
                                      separator="\u0000")).to_series()


def _ids_at(tables: Tables, found: pl.DataFrame) -> set[str]:
    """身份证号 of the 送教 rows where ``found`` (findings) point."""
    places = _where(found).implode()
    ids: set[str] = set()
    for name in ("home_students", "visits", "iep"):
        frame = tables.typed[name]
        hit = frame.filter(_where(frame).is_in(places) & pl.col("id_number").is_not_null())
        ids.update(hit["id_number"].to_list())
    return ids


def data_quality(pulled: str, period: str, report: Report,
                 unit_names: dict[str, str]) -> pl.DataFrame:
    """错误/提醒 per unit and rule for one pull."""
    frame = report.frame().select(pl.col("_unit").fill_null("").alias("unit_code"), "rule",
                                  "severity")
    counted = frame.group_by("unit_code", "rule", "severity").agg(pl.len().cast(pl.Int64)
                                                                  .alias("count"))
    return counted.sort("unit_code", "rule", "severity").select(
        pl.lit(pulled).alias("pulled"), pl.lit(period).alias("period"), "unit_code",
        pl.col("unit_code").replace_strict(unit_names, default=None).alias("unit_name"),
        "rule", "severity", "count")
