"""The status pages' data: the public aggregates package that ``kcbx report`` writes.

Contract: ``schemas/public/datapackage.json`` (CSV files beside a ``datapackage.json`` in
``<outputs>/public/``). Only counts and rates per unit, 乡镇 and district; an empty cell is a
count below the privacy threshold and is shown as "—". This module reads the package and
turns it into what each status page template shows (tables and chart geometry).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ...config import Config, work_year
from ...schema import schemas_dir
from .charts import Series, bar_chart, line_chart
from .locate import SiteError

PUBLIC_DIR = "public"
DISTRICT = "全区"
STATUS_ORDER = ("按时", "零报告", "逾期", "未报")
STATUS_CLASS = {"按时": "ontime", "零报告": "zero", "逾期": "late", "未报": "missing"}
PULL_NAME = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})")
_CASTS = {"integer": pl.Int64, "number": pl.Float64}


def public_folder(config: Config) -> Path:
    return config.outputs_path / PUBLIC_DIR


def public_contract() -> dict[str, Any]:
    return json.loads((schemas_dir() / PUBLIC_DIR / "datapackage.json").read_text(encoding="utf-8"))


def person_count_fields(contract: dict[str, Any]) -> dict[str, list[str]]:
    """Per resource, the integer columns that count people (the ones suppressed below the
    privacy threshold, as their contract descriptions say)."""
    return {res["name"]: [f["name"] for f in res["schema"]["fields"]
                          if f["type"] == "integer" and "隐私阈值" in f.get("description", "")]
            for res in contract["resources"]}


@dataclass
class PublicData:
    folder: Path
    frames: dict[str, pl.DataFrame]
    paths: dict[str, str]
    person_fields: dict[str, list[str]]

    def frame(self, name: str) -> pl.DataFrame:
        return self.frames[name]


def read_public(folder: Path) -> PublicData | None:
    """The package in ``folder``, typed by the contract; ``None`` when there is none yet."""
    if not (folder / "datapackage.json").is_file():
        return None
    contract = public_contract()
    frames, paths = {}, {}
    for res in contract["resources"]:
        path = folder / res["path"]
        if not path.is_file():
            raise SiteError(f"公开统计数据包 {folder} 缺少 {res['path']}（{res['title']}）："
                            "请重新运行 kcbx report")
        try:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise SiteError(f"公开统计数据 {path} 无法读取：{exc}。请重新运行 kcbx report") from None
        fields = res["schema"]["fields"]
        missing = [f["title"] for f in fields if f["name"] not in frame.columns]
        if missing:
            raise SiteError(f"公开统计数据 {path} 缺少列：{'、'.join(missing)}。请重新运行 kcbx report")
        casts = []
        for f in fields:
            dtype = _CASTS.get(f["type"])
            col = pl.col(f["name"]).str.strip_chars()
            casts.append(col.cast(dtype, strict=True) if dtype else col)
        try:
            frame = frame.select(casts)
        except pl.exceptions.PolarsError:
            raise SiteError(f"公开统计数据 {path} 中有不是数字的计数或比例。请重新运行 kcbx report") from None
        frames[res["name"]] = frame
        paths[res["name"]] = res["path"]
    return PublicData(folder, frames, paths, person_count_fields(contract))


def small_counts(data: PublicData, min_count: int) -> list[tuple[str, int, str, int]]:
    """Published person counts below the threshold (they should have been left empty):
    ``(file, row as in the CSV, column, value)``."""
    out = []
    for name, columns in data.person_fields.items():
        frame = data.frame(name).with_row_index("_line", offset=2)
        for column in columns:
            bad = frame.filter(pl.col(column).is_between(1, min_count - 1))
            out += [(data.paths[name], line, column, value)
                    for line, value in bad.select("_line", column).iter_rows()]
    return out


def pull_label(name: str) -> str:
    m = PULL_NAME.match(name)
    return f"{m[2]}-{m[3]} {m[4]}:{m[5]}" if m else name[:16]


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


class StatusSite:
    """Everything the status pages show, computed once from the package."""

    def __init__(self, data: PublicData, rule_titles: dict[str, str], linked: set[str],
                 year: int | None = None):
        """``year``: the work year the pages show (its months in the trends and the matrix);
        default, and when it has no month yet, the latest year with data. Every month of
        every year keeps its own page (``all_periods``); past years have a page each."""
        self.data = data
        self.rule_titles = rule_titles  # rule IDs and schema error kinds → Chinese title
        self.linked = linked  # the rule IDs that have an entry in the rule catalogue
        f = data.frames
        periods = set()
        for name in ("submission_status", "submission_rates", "progress", "home_teaching",
                     "data_quality"):
            periods.update(v for v in f[name]["period"].to_list() if v)
        self.all_periods = sorted(periods)
        self.years = sorted({work_year(p) for p in self.all_periods})
        self.year = year if year in self.years else (self.years[-1] if self.years else year)
        self.periods = [p for p in self.all_periods if work_year(p) == self.year]
        self.other_years = [y for y in self.years if y != self.year]
        self.latest = self.periods[-1] if self.periods else None
        self.units = self._units()
        dq = f["data_quality"].filter(pl.col("period").is_in(self.periods))
        self.pulls = sorted(set(dq["pulled"].drop_nulls().to_list()))

    def for_year(self, year: int) -> StatusSite:
        """The same pages for another work year."""
        return StatusSite(self.data, self.rule_titles, self.linked, year)

    def periods_by_year(self) -> list[dict[str, Any]]:
        """Every month with a page, newest year first."""
        return [{"year": y, "periods": [p for p in self.all_periods if work_year(p) == y]}
                for y in reversed(self.years)]

    # -- the units and their townships ---------------------------------------------
    def _units(self) -> list[dict[str, str]]:
        parts = [self.data.frame("submission_status").select("unit_code", "unit_name", "township")]
        for name in ("progress", "home_teaching"):
            fr = self.data.frame(name).filter(pl.col("level") == "单位")
            parts.append(fr.select("unit_code", "unit_name", "township"))
        dq = self.data.frame("data_quality").select(
            "unit_code", "unit_name", pl.lit(None, pl.String).alias("township"))
        parts.append(dq)
        units = (pl.concat(parts).filter(pl.col("unit_code").is_not_null()
                                         & (pl.col("unit_code") != ""))
                 .group_by("unit_code")
                 .agg(pl.col("unit_name").drop_nulls().first(),
                      pl.col("township").drop_nulls().first()))
        units = units.with_columns(pl.col("township").fill_null("（未注明乡镇）"),
                                   pl.col("unit_name").fill_null(pl.col("unit_code")))
        return _rows(units.sort("township", "unit_code"))

    def townships(self) -> list[dict[str, Any]]:
        groups: dict[str, list[dict[str, str]]] = {}
        for u in self.units:
            groups.setdefault(u["township"], []).append(u)
        return [{"name": k, "units": v} for k, v in groups.items()]

    # -- helpers -----------------------------------------------------------------------
    def _level(self, name: str, level: str, period: str | None = None) -> pl.DataFrame:
        fr = self.data.frame(name).filter(pl.col("level") == level)
        if period is not None:
            fr = fr.filter(pl.col("period") == period)
        return fr

    def _district_trend(self, name: str, columns: list[str]) -> dict[str, list[Any]]:
        fr = self._level(name, DISTRICT)
        by = {r["period"]: r for r in _rows(fr)}
        return {c: [by.get(p, {}).get(c) for p in self.periods] for c in columns}

    def _titles(self, name: str) -> dict[str, str]:
        for res in public_contract()["resources"]:
            if res["name"] == name:
                return {f["name"]: f["title"] for f in res["schema"]["fields"]}
        return {}

    def _trend_chart(self, chart_id: str, title: str, name: str, columns: list[str], *,
                     percent: bool = False):
        titles = self._titles(name)
        trend = self._district_trend(name, columns)
        return line_chart(chart_id, title, self.periods,
                          [Series(titles[c], trend[c]) for c in columns], percent=percent)

    # -- the pages ---------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        latest = self.latest
        rates = _rows(self._level("submission_rates", DISTRICT, latest))
        progress = _rows(self._level("progress", DISTRICT, latest))
        home = _rows(self._level("home_teaching", DISTRICT, latest))
        quality = self.quality_totals(self.pulls[-1]) if self.pulls else None
        return {
            "latest": latest, "periods": self.periods, "units": len(self.units),
            "rates": rates[0] if rates else None, "progress": progress[0] if progress else None,
            "home": home[0] if home else None, "quality": quality,
            "chart": self._trend_chart("trend-cases", "全区失学辍学（含疑似）与劝返情况（按月）",
                                       "progress", ["out_of_school", "returned", "still_out"]),
        }

    def submission(self) -> dict[str, Any]:
        status = self.data.frame("submission_status")
        cells = {(r["unit_code"], r["period"]): r for r in _rows(status)}
        matrix = []
        for t in self.townships():
            for u in t["units"]:
                row = []
                for p in self.periods:
                    c = cells.get((u["unit_code"], p))
                    s = c["status"] if c else None
                    row.append({"status": s or "", "css": STATUS_CLASS.get(s or "", "none"),
                                "date": (c or {}).get("submitted_on") or ""})
                matrix.append({"unit": u, "township": t["name"], "cells": row})
        latest = self.latest
        rates = _rows(self._level("submission_rates", "乡镇", latest).sort("township"))
        rates += _rows(self._level("submission_rates", DISTRICT, latest))
        counts = {s: status.filter((pl.col("period") == latest) & (pl.col("status") == s)).height
                  for s in STATUS_ORDER}
        return {"latest": latest, "periods": self.periods, "matrix": matrix, "rates": rates,
                "counts": counts, "statuses": STATUS_ORDER, "classes": STATUS_CLASS,
                "chart": self._trend_chart("trend-rates", "全区报送完整率、及时率（按月）",
                                           "submission_rates", ["completeness", "timeliness"],
                                           percent=True)}

    def progress(self, period: str | None = None) -> dict[str, Any]:
        period = period or self.latest
        towns = _rows(self._level("progress", "乡镇", period).sort("township"))
        district = _rows(self._level("progress", DISTRICT, period))
        chart = bar_chart(f"towns-{period}", f"{period} 各乡镇失学辍学学生劝返情况",
                          [t["township"] for t in towns],
                          [Series("已劝返复学（安置）", [t["returned"] for t in towns]),
                           Series("仍未返校", [t["still_out"] for t in towns])])
        trend = self._district_trend("progress", ["out_of_school", "returned", "still_out",
                                                  "overdue", "school_age", "in_school",
                                                  "home_taught"])
        months = [{"period": p, **{k: v[i] for k, v in trend.items()}}
                  for i, p in enumerate(self.periods)]
        return {"latest": period, "towns": towns, "district": district[0] if district else None,
                "chart": chart, "months": months,
                "trend": self._trend_chart(
                    "trend-progress", "全区失学辍学（含疑似）、已劝返、仍未返校（按月）",
                    "progress", ["out_of_school", "returned", "still_out"])}

    def home(self, period: str | None = None) -> dict[str, Any]:
        period = period or self.latest
        units = _rows(self._level("home_teaching", "单位", period).sort("township", "unit_code"))
        towns = _rows(self._level("home_teaching", "乡镇", period).sort("township"))
        district = _rows(self._level("home_teaching", DISTRICT, period))
        chart = bar_chart(f"home-{period}", f"{period} 各送教单位每周送教覆盖率",
                          [u["unit_name"] or u["unit_code"] for u in units],
                          [Series("每周送教覆盖率", [u["weekly_coverage"] for u in units]),
                           Series("两人同行且有男教师", [u["two_with_man"] for u in units])],
                          percent=True)
        return {"latest": period, "units": units, "towns": towns,
                "district": district[0] if district else None, "chart": chart,
                "trend": self._trend_chart("trend-home", "全区送教上门质量（按月）", "home_teaching",
                                           ["weekly_coverage", "two_with_man", "handbook_complete"],
                                           percent=True)}

    def quality_totals(self, pulled: str) -> dict[str, int]:
        fr = self.data.frame("data_quality").filter(pl.col("pulled") == pulled)
        return {sev: int(fr.filter(pl.col("severity") == sev)["count"].sum() or 0)
                for sev in ("错误", "提醒")}

    def quality(self, period: str | None = None) -> dict[str, Any]:
        dq = self.data.frame("data_quality")
        pulls = self.pulls if period is None else sorted(
            set(dq.filter(pl.col("period") == period)["pulled"].to_list()))
        totals = [self.quality_totals(p) for p in pulls]
        labels = [pull_label(p) for p in pulls]
        chart = line_chart(f"trend-quality-{period or 'all'}", "每次拉取的错误、提醒条数", labels,
                           [Series("错误", [t["错误"] for t in totals]),
                            Series("提醒", [t["提醒"] for t in totals])])
        last = pulls[-1] if pulls else None
        cur = dq.filter(pl.col("pulled") == last) if last else dq.clear()
        by_rule = (cur.group_by("rule").agg(
            pl.col("count").filter(pl.col("severity") == "错误").sum().alias("errors"),
            pl.col("count").filter(pl.col("severity") == "提醒").sum().alias("reminders"))
            .sort(["errors", "reminders", "rule"], descending=[True, True, False]))  # ties: by ID
        rules = [{**r, "title": self.rule_titles.get(r["rule"], ""),
                  "anchor": r["rule"].lower() if r["rule"] in self.linked else None}
                 for r in _rows(by_rule)]
        by_unit = (cur.filter(pl.col("unit_code").is_not_null()).group_by("unit_code").agg(
            pl.col("unit_name").first(),
            pl.col("count").filter(pl.col("severity") == "错误").sum().alias("errors"),
            pl.col("count").filter(pl.col("severity") == "提醒").sum().alias("reminders"))
            .sort(["errors", "reminders", "unit_code"], descending=[True, True, False]))
        history = [{"pulled": p, "label": pull_label(p), **t} for p, t in zip(pulls, totals, strict=True)]
        return {"last": last, "last_label": pull_label(last) if last else None, "chart": chart,
                "rules": rules, "units": _rows(by_unit), "history": history}

    def unit_page(self, unit: dict[str, str]) -> dict[str, Any]:
        code = unit["unit_code"]
        f = self.data.frames
        status = {r["period"]: r for r in _rows(
            f["submission_status"].filter(pl.col("unit_code") == code))}
        prog = {r["period"]: r for r in _rows(self._level("progress", "单位").filter(
            pl.col("unit_code") == code))}
        home = {r["period"]: r for r in _rows(self._level("home_teaching", "单位").filter(
            pl.col("unit_code") == code))}
        dq = f["data_quality"].filter(pl.col("unit_code") == code)
        months = []
        for p in self.all_periods:  # a unit's page: every year
            pulls = sorted(set(dq.filter(pl.col("period") == p)["pulled"].to_list()))
            q = dq.filter(pl.col("pulled") == pulls[-1]) if pulls else dq.clear()
            months.append({
                "period": p, "status": status.get(p, {}).get("status") or "",
                "css": STATUS_CLASS.get(status.get(p, {}).get("status") or "", "none"),
                "submitted_on": status.get(p, {}).get("submitted_on") or "",
                "progress": prog.get(p), "home": home.get(p),
                "errors": int(q.filter(pl.col("severity") == "错误")["count"].sum() or 0),
                "reminders": int(q.filter(pl.col("severity") == "提醒")["count"].sum() or 0),
            })
        chart = line_chart(f"unit-{code}", f"{unit['unit_name']} 每月报表中的错误、提醒条数",
                           self.all_periods,
                           [Series("错误", [m["errors"] for m in months]),
                            Series("提醒", [m["reminders"] for m in months])])
        return {"unit": unit, "months": months, "chart": chart,
                "has_progress": bool(prog), "has_home": bool(home)}

    def month_page(self, period: str) -> dict[str, Any]:
        status = self.data.frame("submission_status").filter(pl.col("period") == period)
        rates = _rows(self._level("submission_rates", "乡镇", period).sort("township"))
        rates += _rows(self._level("submission_rates", DISTRICT, period))
        not_on_time = _rows(status.filter(pl.col("status").is_in(["逾期", "未报"]))
                            .sort("status", "township", "unit_code"))
        return {"period": period, "rates": rates, "not_on_time": not_on_time,
                "progress": self.progress(period), "home": self.home(period),
                "quality": self.quality(period)}
