"""年度工作总结: the December draft of the year's summary ("12月份要对全年控辍保学工作进行总结"),
from the calendar year's figures (``reports.year.YearFigures``: every month, across the two
work years it spans). Laid out as the 督查通报 is (``document.typ``), with a .docx to edit.

What it says, each from the figures: the reporting of every month (完整率, 及时率), the cases
found and brought back in the year, 送教上门 and its weekly coverage, a table month by month,
the units to praise (every month on time, no 错误 in any month) and the units whose heads
are to be 约谈 (hidden cases, 送教上门不规范, cases left stalled — the plan's three reasons),
and what the next year is to do. No personal information: counts and unit names only.
"""

from __future__ import annotations

from typing import Any

from ...config import Config
from ..reports.year import YearFigures
from .text import Paper, d_, para

ANNUAL = "年度工作总结"
TALK = ("隐瞒不报", "送教上门不规范", "超期未推进")  # the plan's reasons to 约谈
NUMERALS = "一二三四五六七八九十"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _n(value: Any) -> str:
    return "—" if value is None else str(value)


def annual_summary(config: Config, figures: YearFigures) -> Paper:
    """The draft 年度工作总结 of ``figures.year`` (a draft until its 文号 is set)."""
    year, months = figures.year, figures.months
    first, last = months[0], months[-1]
    start, end = (int(m["period"][5:]) for m in (first, last))
    span = f"{start}月" if start == end else f"{start}—{end}月"
    sent = sum(m.get("submitted") or 0 for m in months)
    due = sum(m.get("units_due") or 0 for m in months)
    on_time = sum(m.get("on_time") or 0 for m in months)
    cases = figures.cases
    name = figures.names.get
    heading = iter(NUMERALS)

    def head(text: str) -> dict[str, Any]:
        return {"kind": "heading", "level": 1, "text": f"{next(heading)}、{text}"}

    blocks: list[dict[str, Any]] = [para(
        f"根据《{config.district}义务教育阶段控辍保学工作方案》“12月份要对全年控辍保学工作进行总结”的"
        f"要求，现将{year}年（{span}，共 {len(months)} 个月的月报）控辍保学工作总结如下。")]
    blocks.append(head("月报和零报告"))
    blocks.append(para(
        f"全年各单位应报月报表 {due} 份，实报 {sent} 份，按时报送 {on_time} 份，"
        f"报送完整率 {_pct(100 * sent / due if due else None)}，"
        f"及时率 {_pct(100 * on_time / due if due else None)}。"))
    blocks.append(head("失学辍学学生劝返复学"))
    blocks.append(para(
        f"全年台账新登记失学辍学（含疑似辍学）学生 {cases['found']} 人，劝返复学（安置）"
        f"{cases['returned']} 人；截至{last['period'][:4]}年{int(last['period'][5:])}月，"
        f"仍在劝返中的 {cases['still_out']} 人。{last['period'][5:].lstrip('0')}月末全区适龄儿童少年 "
        f"{_n(last.get('school_age'))} 人，在校就读 {_n(last.get('in_school'))} 人。"))
    blocks.append(head("送教上门"))
    blocks.append(para(
        f"{last['period'][5:].lstrip('0')}月末送教上门学生 {_n(last.get('home_taught'))} 人，"
        f"当月每周送教覆盖率 {_pct(last.get('weekly_coverage'))}；"
        "全年各月的覆盖率见下表。送教上门坚持每周不少于 1 次、至少两人同行。"))
    blocks.append(head("全年各月情况"))
    blocks.append({"kind": "table", "fill": None,
                   "header": ["月份", "完整率", "及时率", "失学辍学", "已劝返", "仍未返校", "送教覆盖率"],
                   "rows": [[f"{int(m['period'][5:])}月", _pct(m.get("completeness")),
                             _pct(m.get("timeliness")), _n(m.get("out_of_school")),
                             _n(m.get("returned")), _n(m.get("still_out")),
                             _pct(m.get("weekly_coverage"))] for m in months]})
    praised = [c for c, n in figures.due.items()
               if n == len(months) and not figures.errors.get(c)
               and not set(figures.problems.get(c, {})) & {"未报", "逾期", *TALK}]
    blocks.append(head("表扬"))
    good = "、".join(name(c, c) for c in praised)
    blocks.append(para(f"以下单位全年按时报送、台账完整、各月校验无错误，予以表扬：{good}。"
                       if praised else "全年没有每月按时报送且校验无错误的单位。"))
    talk = {c: [p for p in TALK if p in problems] for c, problems in figures.problems.items()}
    talk = {c: why for c, why in talk.items() if why}
    blocks.append(head("约谈"))
    if talk:
        blocks.append(para("依照工作方案，对失学辍学问题隐瞒不报、送教上门不规范、问题整改不及时的单位，"
                           "区教育局将约谈以下单位主要负责人："))
        blocks.append({"kind": "list", "items": [f"{name(c, c)}（{'、'.join(why)}）"
                                                  for c, why in sorted(talk.items())]})
    else:
        blocks.append(para("全年没有需要约谈主要负责人的单位。"))
    late = sorted(c for c, p in figures.problems.items() if p.get("未报") or p.get("逾期"))
    if late:
        units = "、".join(name(c, c) for c in late)
        blocks.append(para(f"有未报或逾期月份的单位：{units}，请在新的一年按时报送。"))
    blocks.append(head("下一步工作"))
    blocks.append(para(
        "新学期开学是控辍保学重点防范时间段。各单位要继续做好户籍线、学校线排查，对仍在劝返中的学生"
        "落实“四步法”，对复学学生落实“一人一方案”和关爱帮扶；小学毕业的送教上门学生由所在小学报告、"
        "联系落实初中学校，做好衔接工作，确保“一个都不能少”。"))
    return Paper(ANNUAL, "", f"{ANNUAL}_{year}", "document.typ", {
        "title": f"关于{year}年控辍保学工作的总结", "unit": figures.bureau, "number": "",
        "draft": True, "blanks": [], "addressee": "", "blocks": blocks,
        "signature": figures.bureau, "date": d_(config.effective_pulled_on),
        "note": "（此件发布前请核对；正文不含学生个人信息）",
    }, docx=True)
