"""One child's 送教手册 as plain data: every section the template and the .docx print.

:func:`build_records` turns the typed 送教 tables (home_students, iep, visits, teachers,
units) into one :class:`ChildRecord` per child. The record's ``data`` is JSON-able, already
worded and formatted in Chinese; the renderers only lay it out. The compliance shown in 学期
总结 is computed here from the same tables as the HOME rules (teaching weeks from
:func:`kcbx.validation.rules.home.teaching_weeks`), and where a validation report is given
its HOME-* findings on the child's rows are listed too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from ...config import Config, Term
from ...errors import KcbxError
from ...findings import ERROR, Finding
from ...names import safe_name
from ...validation.rules.home import DOMAINS, SEPARATORS, teaching_weeks
from ..paper import printed

TABLES = ("home_students", "iep", "visits", "teachers", "units")
INSPECTION_ROWS = 10
WEEKDAYS = "一二三四五六日"


class HandbookError(KcbxError):
    """送教手册无法生成（字体、所选单位或学生、写文件）。"""


@dataclass(frozen=True)
class ChildRecord:
    """One handbook: who, where it goes, and the data the renderers print."""

    unit_code: str
    unit_name: str
    key: str  # 身份证号, or 姓名 when the row has none
    name: str
    stem: str  # file name without extension, e.g. 送教手册_青石镇中心小学_王某华
    data: dict[str, Any]

    @property
    def manifest_key(self) -> str:
        return f"{self.unit_code}/{self.key}"


# ---------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------

def full_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def short_date(day: dt.date | None) -> str:
    return f"{day.month}月{day.day}日" if day else ""


def week_label(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    return f"{short_date(monday)}–{short_date(sunday)}"


def number(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def dated(data: dict[str, Any], compiled_on: dt.date) -> dict[str, Any]:
    """The record as both renderers print it: with its compile date (kept out of the hash:
    unchanged data is not rebuilt just because a day has passed) and the Chinese punctuation
    of print in what schools typed (``paper.printed``)."""
    return printed({**data, "meta": {**data["meta"], "compiled_on": full_date(compiled_on)}})


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: Any) -> str:
    """A cell as printed: trimmed, control characters (which no font draws and a .docx
    cannot hold) removed. (Its punctuation is printed Chinese by the renderers.)"""
    return "" if value is None else _CONTROL.sub("", str(value)).strip()


def split_names(value: str | None) -> list[str]:
    names = [n for n in re.split(SEPARATORS, value or "") if n]
    return list(dict.fromkeys(names))


def school_year(term: Term) -> str:
    first = term.start.year if term.start.month >= 8 else term.start.year - 1
    return f"{first}—{first + 1}学年"


def term_code(term: Term) -> str:
    season = "秋" if "秋" in term.name else "春" if "春" in term.name else ""
    return f"{term.start.year}{season}"


# ---------------------------------------------------------------------------------------
# selection
# ---------------------------------------------------------------------------------------

def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    """Children are matched by 身份证号; a row without one by its 姓名."""
    name = pl.col("name") if "name" in frame.columns else pl.lit(None, dtype=pl.String)
    return frame.with_columns(
        pl.coalesce(pl.col("id_number"), pl.lit("姓名:") + name).alias("_key"))


def _group(frame: pl.DataFrame, order: Iterable[str]) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    frame = frame.filter(pl.col("_key").is_not_null()).sort([*order, "_row"], nulls_last=True)
    for row in frame.iter_rows(named=True):
        out.setdefault((row["_unit"], row["_key"]), []).append(row)
    return out


def term_for(config: Config, days: list[dt.date], until: dt.date) -> Term:
    """The configured term holding the child's latest visit (else the pull date, else the
    latest term begun by then, else the first)."""
    terms = sorted(config.terms, key=lambda t: t.start)
    for day in (max(days) if days else None, until):
        for term in terms:
            if day and term.start <= day <= term.end:
                return term
    begun = [t for t in terms if t.start <= until]
    return begun[-1] if begun else terms[0]


def _findings_by_row(findings: Iterable[Finding]) -> dict[tuple, list[Finding]]:
    out: dict[tuple, list[Finding]] = {}
    for f in findings:
        if f.rule.startswith("HOME-"):
            out.setdefault((f.unit_code, f.file, f.sheet, f.row), []).append(f)
    return out


def build_records(config: Config, typed: Mapping[str, pl.DataFrame], *,
                  findings: Iterable[Finding], unit: str | None = None,
                  child: str | None = None) -> list[ChildRecord]:
    """One record per 送教上门 child (narrowed to ``unit`` — code or name — and ``child``,
    a 身份证号), in 单位名录 order, then the order of the school's sheet.

    ``findings`` — the validation report of the same tables — give the 学期总结 its
    verdicts: each HOME rule is defined once, in ``validation.rules.home``."""
    if not config.terms:
        raise HandbookError("kcbx.yml 中没有配置学期（terms），无法确定送教手册的学期。"
                            "请按说明文档补上，如 {name: 2022年秋季学期, start: 2022-09-01, end: 2023-01-13}")
    units = typed["units"].filter(pl.col("code").is_not_null())
    unit_rows = {r["code"]: r for r in units.iter_rows(named=True)}
    order = {code: i for i, code in enumerate(unit_rows)}
    bureau = next((r["name"] for r in unit_rows.values() if r["type"] == "区教育局" and r["name"]),
                  f"{config.district}教育局")
    home = _keyed(typed["home_students"]).filter(pl.col("_key").is_not_null())
    if unit is not None:
        code = next((c for c, r in unit_rows.items() if unit in (c, r["name"])), None)
        if code is None:
            raise HandbookError(f"单位名录中没有代码或名称为“{unit}”的单位，请核对 --unit")
        home = home.filter(pl.col("_unit") == code)
    all_home = home
    if child is not None:
        wanted = child.strip().upper()
        home = home.filter(pl.col("id_number").str.to_uppercase() == wanted)
        if home.height == 0:
            raise HandbookError(f"送教上门学生信息表中没有身份证号为“{child}”的学生"
                                + ("（在所选单位中）" if unit else "") + "，请核对 --child")
    visits = _group(_keyed(typed["visits"]).filter(pl.col("on").is_not_null()), ["on"])
    plans = _group(_keyed(typed["iep"]), [])
    teachers: dict[str, dict[str, str | None]] = {}
    for row in typed["teachers"].filter(pl.col("name").is_not_null()).iter_rows(named=True):
        teachers.setdefault(row["_unit"], {}).setdefault(row["name"], row["sex"])
    by_row = _findings_by_row(findings)
    seq: dict[tuple[str, str], int] = {}
    for u, k in all_home.sort("_row").select("_unit", "_key").unique(maintain_order=True).rows():
        seq[(u, k)] = sum(1 for key in seq if key[0] == u) + 1
    records: list[ChildRecord] = []
    seen: set[tuple[str, str]] = set()
    stems: dict[str, int] = {}
    home = home.with_columns(pl.col("_unit").replace_strict(order, default=len(order))
                             .alias("_order")).sort("_order", "_row")
    for row in home.iter_rows(named=True):
        ident = (row["_unit"], row["_key"])
        if ident in seen or row["_unit"] is None:
            continue
        seen.add(ident)
        u = unit_rows.get(row["_unit"], {})
        parent = unit_rows.get(u.get("parent_code") or "", {})
        builder = _Builder(config, row, u, parent.get("name"), bureau, visits.get(ident, []),
                           plans.get(ident, []), teachers.get(row["_unit"], {}), by_row,
                           seq.get(ident, 0))
        data = builder.build()
        unit_name = u.get("name") or row["_unit"]
        stem = safe_name(f"送教手册_{unit_name}_{row['name'] or row['_key']}")
        stems[stem] = stems.get(stem, 0) + 1
        if stems[stem] > 1:
            stem = f"{stem}_{safe_name(row['_key'][-4:])}"
        records.append(ChildRecord(row["_unit"], unit_name, row["_key"], row["name"] or "",
                                   stem, data))
    return records


_GAPS = {"家庭训练布置": "未布置家庭训练", "家长签字确认": "家长未签字确认"}


def _reason(f: Finding) -> str:
    """HOME-3's reason, first sentence: “只有1名教师”, “没有男教师”, “…不在本单位的送教教师表中”."""
    return (f.params.get("why") or f.message).split("。")[0]


# ---------------------------------------------------------------------------------------
# one child
# ---------------------------------------------------------------------------------------

def _cell(label: str, value: Any) -> dict[str, str]:
    return {"label": label, "value": text(value)}


class _Builder:
    def __init__(self, config: Config, home: dict, unit: dict, parent_name: str | None,
                 bureau: str, visits: list[dict], plans: list[dict],
                 teachers: dict[str, str | None], by_row: dict[tuple, list[Finding]],
                 seq: int) -> None:
        self.config, self.home, self.unit, self.bureau = config, home, unit, bureau
        self.parent_name = parent_name
        self.pulled = config.effective_pulled_on
        self.all_visits = visits
        self.term = term_for(config, [v["on"] for v in visits], self.pulled)
        self.visits = [v for v in visits if self.term.start <= v["on"] <= self.term.end]
        self.plans = [p for p in plans if p["semester"] == self.term.name]
        self.teachers = teachers
        self.by_row = by_row
        self.seq = seq
        self.school = unit.get("name") or home["_unit"]
        self.until = min(self.pulled, self.term.end)
        first_visit = min((v["on"] for v in visits), default=None)
        self.start = home["started_on"] or first_visit
        weeks = [w for w in teaching_weeks(config, self.until)
                 if self.term.start - dt.timedelta(days=6) <= w <= self.term.end]
        self.weeks = [w for w in weeks if self.start and w + dt.timedelta(days=6) >= self.start]
        missed = {dt.date.fromisoformat(day) for f in self.found("HOME-2", [home])
                  for day in f.params.get("missed", "").split(",") if day}
        self.missed = [w for w in self.weeks if w in missed]

    def found(self, rule: str, rows: Iterable[dict]) -> list[Finding]:
        """The report's findings of ``rule`` on ``rows`` (the verdicts are the rules')."""
        return [f for r in rows for f in self.by_row.get((r["_unit"], r["_file"], r["_sheet"],
                                                          r["_row"]), ()) if f.rule == rule]

    def build(self) -> dict[str, Any]:
        h = self.home
        name = text(h["name"])
        number_ = f"{h['_unit']}-{term_code(self.term)}-{self.seq:03d}"
        return {
            "meta": {
                "title": f"送教手册（{name}，{self.term.name}）",
                "district": self.config.district, "school": self.school, "number": number_,
                "cover_line": f"{self.config.district}义务教育阶段送教上门服务",
                "school_year": school_year(self.term), "term": self.term.name,
                "issuer": f"{self.bureau}　监制",
                "cover_fields": [
                    _cell("学生姓名", name), _cell("全国学籍号", h["student_no"] or "（未建学籍）"),
                    _cell("送教学校", self.school),
                    _cell("学年学期", f"{school_year(self.term)}　{self.term.name}"),
                    _cell("负责教师", h["lead_teacher"]), _cell("手册编号", number_),
                ],
            },
            "student": {"name": name},
            "notes": self.notes(),
            "basic": self.basic(),
            "assessment": self.assessment(),
            "plan": self.plan(),
            "records_note": (f"{self.term.name}（{full_date(self.term.start)}至"
                             f"{full_date(self.term.end)}）的全部送教记录，共 {len(self.visits)} 次。"
                             "每次送教后请家长在最后一栏签字确认。"),
            "visits": [self.visit(n, v) for n, v in enumerate(self.visits, 1)],
            "no_visits": "本学期还没有送教记录。",
            "months": self.months(),
            "family_note": "每次送教时对家长的培训和布置的家庭训练；“家长反馈”由家长或教师在下次送教时填写。",
            "family": [{"date": short_date(v["on"]), "parent_training": text(v["parent_training"]),
                        "family_task": text(v["family_task"])} for v in self.visits],
            "summary": self.summary(),
            "inspection_note": (f"供{self.parent_name or '乡镇中心校、城区辅导组、直属学校'}控辍保学负责人"
                                "定期检查送教手册填写质量时填写。"),
            "inspection_rows": INSPECTION_ROWS,
        }

    def notes(self) -> list[str]:
        return [
            "本手册依据《义务教育阶段控辍保学工作方案》“建立档案”的要求，为每名送教上门学生建立，"
            "一生一册，每学期一册。",
            f"本手册根据{self.school}报送的送教上门学生信息表、个别化教学计划、送教记录表和送教教师"
            f"名单汇编（数据截至{full_date(self.pulled)}）。内容如有错误，请改正报表后重新生成，"
            "不要在手册上涂改。",
            "每次送教后请家长在“四、送教记录”的“家长签字”栏签字确认。",
            "本手册按要求的时间节点提供给家长和村（社区），学校留存档案；乡镇中心校、城区辅导组、"
            "直属学校控辍保学负责人定期检查手册填写质量，并在“八、检查记录”中签字。",
            "本手册含学生和家庭的个人信息，仅限送教工作使用，不得公开或转给无关人员。",
        ]

    def basic(self) -> list[list[dict[str, str]]]:
        h = self.home
        return [
            [_cell("姓名", h["name"]), _cell("性别", h["sex"])],
            [_cell("出生日期", full_date(h["birth_date"])), _cell("年级", h["grade"])],
            [_cell("身份证号", h["id_number"]), _cell("全国学籍号", h["student_no"] or "（未建学籍）")],
            [_cell("残疾类别", h["disability"]), _cell("残疾等级", h["disability_grade"])],
            [_cell("户籍乡镇", h["township"]), _cell("户籍村（社区）", h["village"])],
            [_cell("监护人", h["guardian"]), _cell("监护人电话", h["guardian_phone"])],
            [_cell("送教地址", h["address"])],
            [_cell("送教地点类型", h["site_type"]), _cell("送教学校", self.school)],
            [_cell("备注", h["remark"])],
        ]

    def team(self) -> str:
        names: list[str] = []
        for v in self.visits:
            names.extend(split_names(v["teachers"]))
        shown = []
        for n in dict.fromkeys(names):
            sex = self.teachers.get(n)
            shown.append(f"{n}（{sex}）" if sex else f"{n}（未登记）")
        return "、".join(shown)

    def assessment(self) -> list[list[dict[str, str]]]:
        h = self.home
        placement = "送教上门" + (f"（{h['site_type']}）" if h["site_type"] else "")
        return [
            [_cell("申请日期", full_date(h["applied_on"])), _cell("评估日期", full_date(h["assessed_on"]))],
            [_cell("评估结论", h["assessment"])],
            [_cell("安置方式", placement), _cell("首次送教日期", full_date(h["started_on"]))],
            [_cell("负责教师", h["lead_teacher"]), _cell("送教教师", self.team() or "—")],
        ]

    def plan(self) -> dict[str, Any]:
        rank = {d: i for i, d in enumerate(DOMAINS)}
        rows = sorted(self.plans, key=lambda p: (rank.get(p["domain"], len(rank)), p["_row"]))
        made = min((p["made_on"] for p in rows if p["made_on"]), default=None)
        makers = "、".join(dict.fromkeys(p["made_by"] for p in rows if p["made_by"]))
        planned = max((p["planned_visits"] for p in rows if p["planned_visits"]), default=None)
        domains = list(dict.fromkeys(p["domain"] for p in rows if p["domain"]))
        return {
            "info": [
                [_cell("学期", self.term.name), _cell("制定日期", full_date(made))],
                [_cell("制定人", makers), _cell("计划送教次数", f"{planned} 次" if planned else "")],
                [_cell("涉及领域", "、".join(domains)), _cell("领域数", f"{len(domains)} 个")],
            ],
            "domains": [{"domain": text(p["domain"]), "long_goal": text(p["long_goal"]),
                         "short_goal": text(p["short_goal"]), "methods": text(p["methods"]),
                         "evaluation": text(p["evaluation"])} for p in rows],
            "empty": f"{self.term.name}尚未制定个别化教学计划。",
        }

    def visit(self, n: int, v: dict) -> dict[str, Any]:
        return {
            "n": str(n),
            "date": f"{short_date(v['on'])}（{WEEKDAYS[v['on'].weekday()]}）",
            "hours": number(v["hours"]), "teachers": split_names(v["teachers"]),
            "site": text(v["site_type"]), "domains": split_names(v["domains"]),
            "content": text(v["content"]), "family_task": text(v["family_task"]),
            "parent_training": text(v["parent_training"]), "effect": text(v["effect"]),
            "remark": text(v["remark"]),
        }

    def months(self) -> list[dict[str, str]]:
        months: dict[tuple[int, int], dict[str, Any]] = {}
        day = self.term.start.replace(day=1)
        while day <= self.until:
            months[(day.year, day.month)] = {"visits": [], "weeks": [], "missed": []}
            day = (day + dt.timedelta(days=32)).replace(day=1)
        for v in self.visits:
            months.setdefault((v["on"].year, v["on"].month),
                              {"visits": [], "weeks": [], "missed": []})["visits"].append(v)
        for w in self.weeks:  # a week belongs to the month of its Thursday
            thursday = w + dt.timedelta(days=3)
            entry = months.setdefault((thursday.year, thursday.month),
                                      {"visits": [], "weeks": [], "missed": []})
            entry["weeks"].append(w)
            if w in self.missed:
                entry["missed"].append(w)
        out = []
        for (year, month), e in sorted(months.items()):
            domains = [d for v in e["visits"] for d in split_names(v["domains"])]
            label = f"{month}月" if year == self.term.start.year else f"{year}年{month}月"
            out.append({
                "month": label, "visits": str(len(e["visits"])),
                "hours": number(sum(v["hours"] or 0 for v in e["visits"])),
                "domains": "、".join(dict.fromkeys(domains)),
                "weeks": str(len(e["weeks"])),
                "missed": ("缺 " + "、".join(week_label(w) for w in e["missed"]) if e["missed"]
                           else "无（每周均有送教）" if e["weeks"] else "—"),
            })
        return out

    # -- 学期总结 -------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        findings = self.findings()
        hours = sum(v["hours"] or 0 for v in self.visits)
        planned = max((p["planned_visits"] for p in self.plans if p["planned_visits"]), default=None)
        visited = list(dict.fromkeys(d for v in self.visits for d in split_names(v["domains"])))
        signed = sum(1 for v in self.visits if v["parent_signed"])
        period = (f"{full_date(max(self.term.start, self.start or self.term.start))}至"
                  f"{full_date(self.until)}")
        facts = [
            _cell("统计时段", period + ("（截至数据拉取日）" if self.until < self.term.end else "")),
            _cell("送教次数与课时", f"送教 {len(self.visits)} 次，共 {number(hours)} 课时"
                  + (f"；个别化教学计划安排本学期送教 {planned} 次" if planned else "")),
            _cell("送教涉及领域", "、".join(visited) or "—"),
            _cell("送教教师", self.team() or "—"),
            _cell("家长签字确认", f"{len(self.visits)} 次送教中 {signed} 次已确认"),
        ]
        other = len(self.all_visits) - len(self.visits)
        if other:
            facts.append(_cell("其他学期记录", f"本学期以外还有 {other} 次送教记录，未列入本手册"))
        has_findings = bool(findings)
        return {
            "facts": facts,
            "checks": self.checks(),
            "findings": findings,
            "findings_note": "以下是 kcbx 校验各校报表时在该生记录中发现的问题，请改正报表后重新生成手册。",
            "evaluation_title": ("（四）" if has_findings else "（三）") + "学期评价与总结",
            "evaluations": [{"domain": text(p["domain"]), "text": text(p["evaluation"])}
                            for p in self.plans if text(p["evaluation"])],
        }

    def checks(self) -> list[dict[str, str]]:
        """The term's compliance, item by item: each verdict is a rule's (HOME-1..6) finding
        on this child's rows of the term, the details are the records' own facts."""
        h, visits = self.home, self.visits
        out = [self._weekly()]
        problems = [f"{short_date(v['on'])}{_reason(f)}" for v in visits
                    for f in self.found("HOME-3", [v])]
        out.append(("两人同行且有男教师", "不符合" if problems else "符合" if visits else "—",
                    (f"{len(visits)} 次送教中 {len(problems)} 次不符合：" + "；".join(problems)
                     if problems else f"{len(visits)} 次送教均至少两人同行，其中有男教师。"
                     if visits else "本学期还没有送教记录。")))
        early = [f for f in self.found("HOME-4", [h, *self.all_visits])
                 if f.params.get("kind") in ("start", "first")]
        assessed = full_date(h["assessed_on"])
        out.append(("先评估后送教", "不符合" if early or not h["assessed_on"] else "符合",
                    "、".join(f"{'首次送教日期' if f.params['kind'] == 'start' else '第一次送教'}"
                             f"{full_date(dt.date.fromisoformat(f.value or ''))}" for f in early)
                    + f"早于评估日期{assessed}。" if early
                    else f"评估日期{assessed}，此后开始送教。" if h["assessed_on"] else "没有评估日期。"))
        out.append(self._plan())
        out.append(self._records())
        out.append(("学籍", "不符合" if self.found("HOME-1", [h]) else "符合",
                    f"全国学籍号 {h['student_no']}。" if h["student_no"]
                    else "没有全国学籍号，应在学籍系统中建立或补建学籍。"))
        return [{"item": i, "result": r, "detail": d} for i, r, d in out]

    def _weekly(self) -> tuple[str, str, str]:
        if not self.weeks:
            return ("每周送教不少于1次", "—", "统计时段内还没有已结束的教学周。")
        done = len(self.weeks) - len(self.missed)
        detail = f"应送教的教学周 {len(self.weeks)} 周，有送教 {done} 周"
        if self.missed:
            detail += f"，缺 {len(self.missed)} 周：" + "、".join(week_label(w) for w in self.missed)
        return ("每周送教不少于1次", "不符合" if self.missed else "符合", detail + "。")

    def _plan(self) -> tuple[str, str, str]:
        term = self.term.name
        if not self.plans:
            return ("个别化教学计划", "不符合", f"{term}还没有制定个别化教学计划。")
        domains = {p["domain"] for p in self.plans if p["domain"] in DOMAINS}
        made = min((p["made_on"] for p in self.plans if p["made_on"]), default=None)
        late = [f for f in self.found("HOME-4", self.visits) if f.params.get("kind") == "plan"]
        narrow = self.found("HOME-6", self.plans)
        detail = f"制定于{full_date(made)}，涵盖 {len(domains)} 个领域"
        if late:
            first = full_date(dt.date.fromisoformat(late[0].value or ""))
            detail += f"；本学期第一次送教（{first}）时计划尚未制定"
        if narrow:
            detail += f"；应至少涵盖{self.config.thresholds.min_domains}个领域"
        return ("个别化教学计划", "不符合" if late else "待完善" if narrow else "符合", detail + "。")

    def _records(self) -> tuple[str, str, str]:
        visits = self.visits
        if not visits:
            return ("送教记录详细", "—", "本学期还没有送教记录。")
        found = self.found("HOME-5", visits)
        count = {t: k for t in ("送教内容", *_GAPS) if (k := sum(f.column == t for f in found))}
        n = self.config.thresholds.min_content_chars
        empty = sum(1 for v in visits if not v["content"])
        gaps = [f"送教内容少于{n}个字 {count['送教内容']} 次" if "送教内容" in count else "",
                f"送教内容为空 {empty} 次" if empty else "",
                *(f"{_GAPS.get(t, t)} {k} 次" for t, k in count.items() if t != "送教内容")]
        gaps = [g for g in gaps if g]
        return ("送教记录详细", "待完善" if gaps else "符合",
                "；".join(gaps) + "。" if gaps else "每次记录都写明了内容和家庭训练，家长已签字确认。")

    def findings(self) -> list[dict[str, str]]:
        rows = [self.home, *self.all_visits, *self.plans]
        found: list[Finding] = []
        for r in rows:
            found.extend(self.by_row.get((r["_unit"], r["_file"], r["_sheet"], r["_row"]), ()))
        found.sort(key=lambda f: (f.severity != ERROR, f.rule, f.sheet or "", f.row or 0))
        return [{"rule": f.rule, "severity": f.severity, "message": f.message} for f in found]
