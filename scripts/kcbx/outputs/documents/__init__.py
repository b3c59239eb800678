"""文书: the paper the work plan asks for, drafted from the 台账 in official-document layout.

So far: the 失学辍学情况报告单 ("以纸质形式报告区教育局和乡镇（街道）政府", the same day) —
one per case discovered in the period, with one combined PDF per 乡镇（街道） for the
government copy — and the 一人一方案 of every returned child ("追回来的学生要有一人一方案"),
each laid out after GB/T 9704-2012 (``gbt9704.typ``). Written into
``<outputs>/documents/<period>/``; a case with facts missing gets the document with the
blanks marked and a 提醒, never a failed stage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ...atomic import write_bytes
from ...config import Config
from ...errors import KcbxError
from ...fills import SCHOOL_TYPES
from ...names import safe_name
from ..fonts import FontError, missing_chars, resolve_fonts
from ..typeset import combine, compile_pdf

HERE = Path(__file__).parent
SLIP = "失学辍学情况报告单"
PLAN = "一人一方案"
OPEN = "劝返中"
BLANK = "（未填）"
Progress = Callable[[str, int, int], None]


class DocumentError(KcbxError):
    """A document could not be written (fonts, the output folder)."""


@dataclass
class DocumentsResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    combined: dict[str, Path] = field(default_factory=dict)  # 乡镇 → combined PDF
    notes: list[str] = field(default_factory=list)  # 提醒: facts missing in a document


def documents_dir(config: Config) -> Path:
    return config.outputs_path / "documents" / config.period


def write_documents(config: Config, tables: Any, progress: Progress | None = None) -> DocumentsResult:
    """Every document of the period from ``tables`` (a snapshot's ``Tables``)."""
    folder = documents_dir(config)
    result = DocumentsResult(folder)
    try:
        fonts = resolve_fonts(config, config.outputs_path / "handbooks" / ".fonts")
    except FontError as exc:
        raise DocumentError(str(exc)) from None
    kinds = [(SLIP, HERE / "report_slip.typ", report_slips(config, tables)),
             (PLAN, HERE / "plan.typ", return_plans(config, tables))]
    total = sum(len(items) for _, _, items in kinds)
    by_town: dict[str, list[Path]] = {}
    done = 0
    for title, template, items in kinds:
        for town, stem, data in items:
            missing = missing_chars(fonts, [str(v) for v in _strings(data)])
            if missing:
                raise DocumentError(f"{stem} 中有字体里没有的字：{'、'.join(missing)}。"
                                    "请在 kcbx.yml 的 fonts 中指定字更全的中文字体")
            path = folder / f"{stem}.pdf"
            write_bytes(path, compile_pdf(template, {**data, "fonts": fonts.families()}, fonts,
                                          config.effective_pulled_on, error=DocumentError,
                                          what=title))
            result.files.append(path)
            if title == SLIP:
                by_town.setdefault(town, []).append(path)
            if data["blanks"]:
                result.notes.append(f"{stem}：{'、'.join(data['blanks'])}未填，文书中已留空")
            done += 1
            if progress:
                progress("编制文书", done, total)
    for town, parts in by_town.items():
        target = folder / f"{SLIP}_{safe_name(town)}_合订本.pdf"
        combine(parts, target)
        result.combined[town] = target
    keep = {*result.files, *result.combined.values()}
    for title, _, _ in kinds:
        for old in folder.glob(f"{title}_*.pdf") if folder.is_dir() else []:
            if old not in keep:
                old.unlink()
    return result


def _strings(data: dict[str, Any]) -> list[Any]:
    return [*data["paragraphs"], *(v for _, v in data["facts"]), data["unit"],
            data.get("filled_by", ""), *(c for row in data.get("care", []) for c in row)]


def report_slips(config: Config, tables: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(乡镇, file stem, template data) for every case discovered in the period."""
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
                ("姓名", _t(row["name"])), ("性别", _t(row["sex"])),
                ("身份证号", _t(row["id_number"])), ("出生日期", _d(row["birth_date"])),
                ("原就读学校", _t(row["former_school"])), ("原就读年级", _t(row["grade"])),
                ("户籍", _t("".join(x for x in (row["township"], row["village"]) if x) or None)),
                ("类型", _t(row["kind"])), ("发现日期", _d(row["found_on"])),
                ("上报日期", _d(row["reported_on"])), ("主要原因", _t(row["reason"])),
                ("劝返状态", _t(row["result"])),
            ],
            "filled_by": _t(cover.get("filled_by")), "phone": _t(cover.get("phone")),
            "reported_on": _d(row["reported_on"]),
        }
        stem = safe_name(f"{SLIP}_{unit_name}_{row['name'] or row['id_number'] or row['_row']}")
        out.append((town, stem, data))
    return out


def return_plans(config: Config, tables: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(乡镇, file stem, template data) for every child of the 台账 who has come back."""
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
            "title": f"{PLAN}（{_t(row['name'])}）", "unit": unit_name, "draft": False,
            "blanks": blanks,
            "facts": [
                ("姓名", _t(row["name"])), ("性别", _t(row["sex"])),
                ("身份证号", _t(row["id_number"])), ("出生日期", _d(row["birth_date"])),
                ("就读学校", unit_name), ("年级", _t(row["grade"])),
                ("劝返状态", _t(row["result"])), ("复学日期", _d(row["returned_on"])),
                ("安置方式", _t(row["placement"])), ("帮扶教师", _t(row["mentor"])),
            ],
            "paragraphs": [
                f"{_t(row['name'])}于{_d(row['found_on'])}被发现{row['kind'] or '失学辍学'}"
                f"（主要原因：{_t(row['reason'])}），于{_d(row['returned_on'])}{_t(row['result'])}，"
                f"安置方式为{_t(row['placement'])}，由{_t(row['mentor'])}老师结对帮扶。",
                f"帮扶方案：{_t(row['plan'])}",
                "学校按保障、关爱、分类施教“三到位”的要求落实本方案，每月记录关爱帮扶情况，"
                "既要追回来，更要留得住。",
            ],
            "care": [[f"{on.year}年{on.month}月", _d(on), _t(kind), f"{_t(content)}（{_t(who)}）"]
                     for on, kind, content, who in mine.select("on", "kind", "content", "mentor")
                     .rows()],
            "no_care": "还没有关爱帮扶记录。请帮扶教师每月在关爱帮扶记录表中登记。",
        }
        stem = safe_name(f"{PLAN}_{unit_name}_{row['name'] or row['id_number'] or row['_row']}")
        out.append((row.get("township") or "", stem, data))
    return out


def _narrative(row: dict[str, Any], unit_name: str, line: str) -> list[str]:
    who = f"{_t(row['name'])}（{_t(row['sex'])}，{_d(row['birth_date'])}出生"
    if row["former_school"] or row["grade"]:
        who += f"，原就读{row['former_school'] or ''}{row['grade'] or ''}"
    who += f"，户籍{''.join(x for x in (row['township'], row['village']) if x) or BLANK}）"
    first = (f"{unit_name}于{_d(row['found_on'])}在{line}排查中发现{who}{row['kind'] or '失学辍学'}。"
             f"主要原因：{_t(row['reason'])}" + (f"，{row['reason_detail']}" if row["reason_detail"]
                                             else "") + "。")
    steps = [(row["step1_on"], "开展宣传教育、劝返"),
             (row["step2_on"], "下发《限期复学通知书》"),
             (row["step3_on"], "下发《行政处罚决定书》"),
             (row["step4_on"], "提起诉讼或申请强制执行")]
    done = [f"于{_d(on)}{what}" for on, what in steps if on]
    second = (f"已成立工作小组（{_t(row['group_members'])}），包保责任人{_t(row['owner'])}"
              + (f"（{row['owner_phone']}）" if row["owner_phone"] else "") + "。"
              + ("已" + "，".join(done) + "。" if done else "将按“四步法”立即开展劝返。"))
    return [first, second, "特此报告。"]


def _t(value: Any) -> str:
    return BLANK if value in (None, "") else str(value)


def _d(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return _t(value)


