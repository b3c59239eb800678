"""The documents of one case: the 失学辍学情况报告单 of a case found in the period and the
一人一方案 of a child who has come back."""

from __future__ import annotations

from typing import Any

import polars as pl

from ...config import Config
from ...fills import SCHOOL_TYPES
from ...names import safe_name
from .text import BLANK, OPEN, Paper, d_, ended, t_

SLIP = "失学辍学情况报告单"
PLAN = "一人一方案"


def report_slips(config: Config, tables: Any) -> list[Paper]:
    """A 报告单 for every case discovered in the period."""
    d = tables.typed["dropouts"]
    found = d.filter(pl.col("found_on").is_between(config.period_start, config.period_end))
    units = {r["code"]: r for r in tables.typed["units"].iter_rows(named=True) if r["code"]}
    covers = {r["_unit"]: r for r in tables.typed["cover"].iter_rows(named=True)}
    out = []
    for row in found.sort("_unit", "_row").iter_rows(named=True):
        unit = units.get(row["_unit"], {})
        unit_name = unit.get("name") or row["_unit"] or "本单位"
        line = "学校线" if unit.get("type") in SCHOOL_TYPES else "户籍线"
        cover = covers.get(row["_unit"], {})
        blanks = [title for name, title in (("name", "姓名"), ("township", "户籍乡镇（街道）"),
                                            ("reason", "主要原因"), ("owner", "包保责任人"))
                  if not row.get(name)]
        town = row.get("township") or unit.get("township") or "乡镇未填"
        data = {
            "title": SLIP, "unit": unit_name, "draft": False, "blanks": blanks,
            "addressee": f"区教育局、{row.get('township') or BLANK}人民政府",
            "paragraphs": _narrative(row, unit_name, line),
            "facts": [
                ("姓名", t_(row["name"])), ("性别", t_(row["sex"])),
                ("身份证号", t_(row["id_number"])), ("出生日期", d_(row["birth_date"])),
                ("原就读学校", t_(row["former_school"])), ("原就读年级", t_(row["grade"])),
                ("户籍", t_("".join(x for x in (row["township"], row["village"]) if x) or None)),
                ("类型", t_(row["kind"])), ("发现日期", d_(row["found_on"])),
                ("上报日期", d_(row["reported_on"])), ("主要原因", t_(row["reason"])),
                ("劝返状态", t_(row["result"])),
            ],
            "filled_by": t_(cover.get("filled_by")), "phone": t_(cover.get("phone")),
            "reported_on": d_(row["reported_on"]),
        }
        stem = safe_name(f"{SLIP}_{unit_name}_{row['name'] or row['id_number'] or row['_row']}")
        out.append(Paper(SLIP, town, stem, "report_slip.typ", data))
    return out


def return_plans(config: Config, tables: Any) -> list[Paper]:
    """An 一人一方案 for every child of the 台账 who has come back."""
    d = tables.typed["dropouts"]
    back = d.filter(pl.col("result").is_not_null() & (pl.col("result") != OPEN))
    units = {r["code"]: r for r in tables.typed["units"].iter_rows(named=True) if r["code"]}
    care = tables.typed["care"].filter(pl.col("on").is_not_null()).sort("on")
    out = []
    for row in back.sort("_unit", "_row").iter_rows(named=True):
        unit = units.get(row["_unit"], {})
        unit_name = unit.get("name") or row["_unit"] or "本单位"
        mine = care.filter((pl.col("_unit") == row["_unit"])
                           & (pl.col("id_number") == row["id_number"])) if row["id_number"] else \
            care.clear()
        blanks = [title for name, title in (("returned_on", "复学（安置）日期"), ("placement", "安置方式"),
                                            ("mentor", "结对帮扶教师"), ("plan", "一人一方案"))
                  if not row.get(name)]
        data = {
            "title": f"{PLAN}（{t_(row['name'])}）", "unit": unit_name, "draft": False,
            "blanks": blanks,
            "facts": [
                ("姓名", t_(row["name"])), ("性别", t_(row["sex"])),
                ("身份证号", t_(row["id_number"])), ("出生日期", d_(row["birth_date"])),
                ("就读学校", unit_name), ("年级", t_(row["grade"])),
                ("劝返状态", t_(row["result"])), ("复学日期", d_(row["returned_on"])),
                ("安置方式", t_(row["placement"])), ("帮扶教师", t_(row["mentor"])),
            ],
            "paragraphs": [
                f"{t_(row['name'])}于{d_(row['found_on'])}被发现{row['kind'] or '失学辍学'}"
                f"（主要原因：{t_(row['reason'])}），于{d_(row['returned_on'])}{t_(row['result'])}，"
                f"安置方式为{t_(row['placement'])}，由{t_(row['mentor'])}老师结对帮扶。",
                f"帮扶方案：{ended(t_(row['plan']))}",
                "学校按保障、关爱、分类施教“三到位”的要求落实本方案，每月记录关爱帮扶情况，"
                "既要追回来，更要留得住。",
            ],
            "care": [[f"{on.year}年{on.month}月", d_(on), t_(kind), f"{t_(content)}（{t_(who)}）"]
                     for on, kind, content, who in mine.select("on", "kind", "content", "mentor")
                     .rows()],
            "no_care": "还没有关爱帮扶记录。请帮扶教师每月在关爱帮扶记录表中登记。",
        }
        stem = safe_name(f"{PLAN}_{unit_name}_{row['name'] or row['id_number'] or row['_row']}")
        out.append(Paper(PLAN, row.get("township") or "", stem, "plan.typ", data))
    return out


def _narrative(row: dict[str, Any], unit_name: str, line: str) -> list[str]:
    who = f"{t_(row['name'])}（{t_(row['sex'])}，{d_(row['birth_date'])}出生"
    if row["former_school"] or row["grade"]:
        who += f"，原就读{row['former_school'] or ''}{row['grade'] or ''}"
    who += f"，户籍{''.join(x for x in (row['township'], row['village']) if x) or BLANK}）"
    first = (f"{unit_name}于{d_(row['found_on'])}在{line}排查中发现{who}{row['kind'] or '失学辍学'}。"
             "主要原因：" + ended(t_(row["reason"]) + (f"，{row['reason_detail']}" if row["reason_detail"]
                                                     else "")))
    steps = [(row["step1_on"], "开展宣传教育、劝返"),
             (row["step2_on"], "下发《限期复学通知书》"),
             (row["step3_on"], "下发《行政处罚决定书》"),
             (row["step4_on"], "提起诉讼或申请强制执行")]
    done = [f"于{d_(on)}{what}" for on, what in steps if on]
    second = (f"已成立工作小组（{t_(row['group_members'])}），包保责任人{t_(row['owner'])}"
              + (f"（{row['owner_phone']}）" if row["owner_phone"] else "") + "。"
              + ("已" + "，".join(done) + "。" if done else "将按“四步法”立即开展劝返。"))
    return [first, second, "特此报告。"]


