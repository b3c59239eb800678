"""督查通报: the bureau's draft bulletin of the period, from the validation report.

The work plan: "区教育局将适时对控辍保学工作进行督查并通报，对失学辍学问题隐瞒不报、送教上门
不规范，问题整改不及时、不到位的单位主要负责人进行约谈". The units named are exactly those the
findings name: 未报/逾期 (REP-3), 隐瞒不报 (AGE-2, REP-4), 送教上门不规范 (HOME-2, HOME-3, and
HOME-7: a 送教 child not carried on into the new year),
超期未推进 (STEP-2); the units to be 约谈 are those of the last three groups; praised are the
units that had to report, reported on time and have no 错误.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ...config import Config
from ...findings import ERROR, WARNING, Report
from ...validation.rules import rule_name
from .text import Paper, d_, para

BULLETIN = "督查通报"
# (heading, rules, severity or None for both, what the count counts, 约谈)
GROUPS = (
    ("未按时报送月报表", ("REP-3",), ERROR, "未报", False),
    ("逾期报送", ("REP-3",), WARNING, "逾期", False),
    ("失学辍学问题隐瞒不报", ("AGE-2", "REP-4"), None, "人次", True),
    ("送教上门不规范", ("HOME-2", "HOME-3", "HOME-7"), None, "处", True),
    ("劝返超期未推进", ("STEP-2",), None, "个案", True),
)
NUMERALS = "一二三四五六七八九十"


def bulletin(config: Config, tables: Any, report: Report) -> Paper:
    """The period's 督查通报 (a draft until its 文号 is set)."""
    names = dict(report.unit_names)
    units = tables.text["units"]
    must = [c for c, m in units.select("code", "must_report").rows() if c and m == "是"]
    bureau = next((n for n, t in units.select("name", "type").rows() if t == "区教育局" and n),
                  f"{config.district}教育局")
    year, month = config.period.split("-")
    period = f"{year}年{int(month)}月"

    def name(code: str | None) -> str:
        return names.get(code or "", code or "（单位未知）")

    blocks: list[dict[str, Any]] = [para(
        f"根据《{config.district}义务教育阶段控辍保学工作方案》，区教育局对各单位{period}控辍保学"
        f"月报表和台账进行了检查（数据截至{d_(config.effective_pulled_on)}）。现将有关情况通报如下。")]
    order = {c: i for i, c in enumerate(report.units)}
    interview: dict[str, list[str]] = {}
    flagged: set[str] = set()
    n = 0
    for heading, rules, severity, unit_word, talk in GROUPS:
        mine = [f for f in report.findings
                if f.rule in rules and (severity is None or f.severity == severity)]
        hits = Counter(f.unit_code for f in mine)
        if not hits:
            continue
        n += 1
        flagged.update(c for c in hits if c)
        ordered = sorted(hits, key=lambda c: (-hits[c], order.get(c or "", len(order))))
        blocks.append({"kind": "heading", "level": 1, "text": f"{NUMERALS[n - 1]}、{heading}"})
        blocks.append(para(f"共 {len(hits)} 个单位：" + "、".join(name(c) for c in ordered) + "。"))
        if rules != ("REP-3",):
            per_rule = Counter((f.unit_code, f.rule) for f in mine)
            blocks.append({"kind": "table", "header": ["单位", "问题", f"数量（{unit_word}）"], "fill": 0,
                           "rows": [[name(c), rule_name(rule), str(k)] for c in ordered
                                    for (u, rule), k in sorted(per_rule.items()) if u == c]})
        if talk:
            for c in ordered:
                interview.setdefault(name(c), []).append(heading)
    n += 1
    blocks.append({"kind": "heading", "level": 1, "text": f"{NUMERALS[n - 1]}、约谈"})
    if interview:
        blocks.append(para("依照工作方案，区教育局将约谈以下单位主要负责人，请于通报下发后 5 个工作日内"
                            "完成整改，并将整改情况书面报区教育局："))
        blocks.append({"kind": "list", "items": [f"{u}（{'、'.join(why)}）"
                                                  for u, why in interview.items()]})
    else:
        blocks.append(para("本月没有需要约谈主要负责人的单位。"))
    errors = {f.unit_code for f in report.findings if f.severity == ERROR}
    praised = [c for c in must if c not in flagged and c not in errors]
    n += 1
    blocks.append({"kind": "heading", "level": 1, "text": f"{NUMERALS[n - 1]}、表扬"})
    good = "、".join(name(c) for c in praised)
    blocks.append(para(f"以下单位按时报送、台账完整、校验无错误，予以通报表扬：{good}。" if praised
                       else "本月没有按时报送且校验无错误的单位。"))
    blocks.append(para("各单位要对照本通报逐项整改，确保“一个都不能少”。"))
    return Paper(BULLETIN, "", f"{BULLETIN}_{config.period}", "document.typ", {
        "title": f"关于{period}控辍保学工作督查情况的通报", "unit": bureau, "number": "",
        "draft": True, "blanks": [],
        "addressee": "各乡镇（街道）中心校、城区辅导组、区直属学校：", "blocks": blocks,
        "signature": bureau, "date": d_(config.effective_pulled_on),
        "note": "（此件发布前请核对；正文不含学生个人信息）",
    }, docx=True)
