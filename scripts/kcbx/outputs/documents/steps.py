"""四步法: the paper each open case needs at the step its dates show.

The work plan: "对经劝返仍未复学的，要以纸质形式报告当地政府，依法对其监护人下发《限期复学
通知书》、《行政处罚决定书》，逾期不改的，报司法部门". From the 台账's step dates:

- step 1 done (宣传教育), no notice yet: the school's 书面报告 to the 乡镇（街道）government asking
  for step 2, and a draft 《限期复学通知书》 for that government to issue;
- notice issued (step 2): the 《限期复学通知书》 itself; once its 限期复学截止日期 has passed,
  the request for 行政处罚 (step 3);
- 《行政处罚决定书》 issued (step 3) or step 4 begun: the report to the 司法部门.

A case not yet at step 1 needs none (the 报告单 covers it); a closed case needs none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from ...config import Config
from ...names import safe_name
from .text import BLANK, OPEN, Paper, d_, ended, para, t_

REPORT = "劝返情况报告"
NOTICE = "限期复学通知书"
PENALTY = "提请行政处罚报告"
JUDICIAL = "移送司法部门报告"
KINDS = (REPORT, NOTICE, PENALTY, JUDICIAL)
DOCUMENT = "document.typ"

LAW = [
    "《中华人民共和国义务教育法》第五条：适龄儿童、少年的父母或者其他法定监护人应当依法保证其"
    "按时入学接受并完成义务教育。",
    "《中华人民共和国义务教育法》第五十八条：适龄儿童、少年的父母或者其他法定监护人无正当理由"
    "未依照本法规定送适龄儿童、少年入学接受义务教育的，由当地乡镇人民政府或者县级人民政府教育"
    "行政部门给予批评教育，责令限期改正。",
    "《中华人民共和国未成年人保护法》第十六条：未成年人的父母或者其他监护人应当尊重未成年人受"
    "教育的权利，保障适龄未成年人依法接受并完成义务教育。",
]


def step_papers(config: Config, tables: Any) -> list[Paper]:
    """The 四步法 documents of every open case of the 台账, by the step its dates show."""
    d = tables.typed["dropouts"].filter(pl.col("result").is_null() | (pl.col("result") == OPEN))
    units = {r["code"]: r for r in tables.typed["units"].iter_rows(named=True) if r["code"]}
    today = config.effective_pulled_on
    out: list[Paper] = []
    for row in d.sort("_unit", "_row").iter_rows(named=True):
        if row["step1_on"] is None:
            continue
        case = _Case(config, row, units.get(row["_unit"], {}), today)
        if row["step3_on"] or row["step4_on"]:
            out.append(case.judicial())
        elif row["step2_on"]:
            out.append(case.notice(issued=True))
            deadline = row["step2_deadline"]
            if deadline is None or deadline < today:
                out.append(case.penalty())
        else:
            out.append(case.report())
            out.append(case.notice(issued=False))
    return out


class _Case:
    def __init__(self, config: Config, row: dict[str, Any], unit: dict[str, Any],
                 today: dt.date) -> None:
        self.config, self.row, self.today = config, row, today
        self.school = unit.get("name") or row["_unit"] or "本单位"
        self.town = row["township"] or unit.get("township") or ""
        self.government = f"{row['township'] or BLANK}人民政府"
        self.child = t_(row["name"])

    def _paper(self, kind: str, data: dict[str, Any], blanks: list[str]) -> Paper:
        r = self.row
        stem = safe_name(f"{kind}_{self.school}_{r['name'] or r['id_number'] or r['_row']}")
        data = {"unit": self.school, "number": "", "draft": True, "note": "", "blanks": blanks,
                **data}
        return Paper(kind, self.town, stem, DOCUMENT, data, docx=True)

    def _blanks(self, *fields: tuple[str, str]) -> list[str]:
        return [title for name, title in fields if self.row.get(name) in (None, "")]

    def _who(self) -> str:
        r = self.row
        grade = f"{r['former_school'] or self.school}{r['grade'] or ''}"
        return (f"{self.child}（{t_(r['sex'])}，身份证号{t_(r['id_number'])}，户籍"
                f"{''.join(x for x in (r['township'], r['village']) if x) or BLANK}），原就读{grade}")

    def _steps_done(self) -> list[str]:
        r = self.row
        done = [f"{d_(r['step1_on'])}，工作小组（{t_(r['group_members'])}）上门开展宣传教育、劝返"]
        if r["step2_on"]:
            done.append(f"{d_(r['step2_on'])}，依法向其监护人下发《限期复学通知书》，限期"
                        f"{d_(r['step2_deadline'])}前复学")
        if r["step3_on"]:
            done.append(f"{d_(r['step3_on'])}，依法对其监护人下发《行政处罚决定书》")
        if r["step4_on"]:
            done.append(f"{d_(r['step4_on'])}，提起诉讼或申请强制执行")
        return done

    def _facts(self) -> str:
        r = self.row
        reason = t_(r["reason"]) + (f"，{r['reason_detail']}" if r["reason_detail"] else "")
        return (f"{self._who()}，于{d_(r['found_on'])}被发现{r['kind'] or '失学辍学'}，"
                f"主要原因：{ended(reason)}")

    def report(self) -> Paper:
        r = self.row
        blocks = [
            para(self._facts()),
            para("劝返经过：" + "；".join(self._steps_done()) + f"。包保责任人{t_(r['owner'])}"
                  + (f"（{r['owner_phone']}）" if r["owner_phone"] else "") + "多次与其监护人联系，"
                  f"截至{d_(self.today)}，该生仍未返校复学。"),
            para("根据《中华人民共和国义务教育法》第五十八条，恳请乡镇人民政府依法对其监护人批评"
                  "教育，下发《限期复学通知书》，责令限期改正（通知书草稿附后）。"),
            para("特此报告。"),
        ]
        return self._paper(REPORT, {
            "title": f"关于{self.child}失学辍学劝返情况的报告", "draft": False,
            "addressee": f"{self.government}：", "blocks": blocks,
            "signature": self.school, "date": d_(self.today)},
            self._blanks(("name", "姓名"), ("township", "户籍乡镇（街道）"),
                         ("group_members", "工作小组成员"), ("owner", "包保责任人")))

    def notice(self, issued: bool) -> Paper:
        """The 《限期复学通知书》: before step 2 a draft with the deadline left for the issuing
        government to fill; once issued (step 2 dated), its deadline is a fact of the 台账."""
        r = self.row
        deadline = d_(r["step2_deadline"]) if issued else "　　年　　月　　日"
        blocks = [
            para(f"你的子女（被监护人）{self._who()}，自{d_(r['found_on'])}起{r['kind'] or '失学辍学'}。"
                  f"经学校和乡镇（街道）工作小组于{d_(r['step1_on'])}上门宣传教育、劝返，至今仍未返校复学。"),
            para("依照下列法律规定，送适龄子女接受并完成义务教育是监护人的法定义务："),
            {"kind": "list", "items": LAW},
            para(f"现责令你于{deadline}前送{self.child}到{self.school}复学。"
                  "逾期仍不送其复学的，将依法给予行政处罚；逾期不改的，报司法部门依法处理。"),
            para(f"联系人：{t_(r['owner'])}" + (f"，电话：{r['owner_phone']}" if r["owner_phone"] else "")
                  + "。"),
        ]
        return self._paper(NOTICE, {
            "title": NOTICE, "addressee": f"{self.child}的父母或者其他法定监护人：",
            "blocks": blocks, "signature": f"{self.government}（盖章）",
            "date": d_(r["step2_on"]) if r["step2_on"] else "　　年　　月　　日",
            "note": "本通知书一式三份，监护人、乡镇（街道）人民政府、学校各执一份。"},
            self._blanks(*((("step2_deadline", "限期复学截止日期"),) if issued else ()),
                         ("township", "户籍乡镇（街道）")))

    def penalty(self) -> Paper:
        r = self.row
        blocks = [
            para(self._facts()),
            para("已开展的工作：" + "；".join(self._steps_done()) + "。"),
            para(f"《限期复学通知书》规定的期限（{d_(r['step2_deadline'])}）已过，截至{d_(self.today)}，"
                  "其监护人仍未送该生复学。"),
            para("根据《中华人民共和国义务教育法》第五十八条及有关规定，提请依法对其监护人下发"
                  "《行政处罚决定书》。"),
            para("特此报告。"),
        ]
        return self._paper(PENALTY, {
            "title": f"关于提请对{self.child}监护人依法给予行政处罚的报告",
            "addressee": f"{self.government}、{self.config.district}教育局：", "blocks": blocks,
            "signature": self.school, "date": d_(self.today)},
            self._blanks(("step2_deadline", "限期复学截止日期"), ("step2_on", "《限期复学通知书》下发日期")))

    def judicial(self) -> Paper:
        blocks = [
            para(self._facts()),
            para("已开展的工作：" + "；".join(self._steps_done()) + "。"),
            para(f"截至{d_(self.today)}，其监护人逾期仍不改正，该生仍未复学。"),
            para("根据《中华人民共和国义务教育法》第五条、第五十八条和《中华人民共和国未成年人保护法》"
                  "第十六条，现将有关情况报送你单位，请依法处理。"),
            para("附件：《限期复学通知书》《行政处罚决定书》及劝返工作记录（复印件）"),
        ]
        return self._paper(JUDICIAL, {
            "title": f"关于{self.child}监护人逾期拒不送子女复学的情况报告",
            "addressee": f"{self.config.district}司法部门：", "blocks": blocks,
            "signature": f"{self.government}、{self.config.district}教育局",
            "date": d_(self.today)},
            self._blanks(("step3_on", "《行政处罚决定书》下发日期")))
