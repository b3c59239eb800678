"""Findings are data: one shape for every schema error and policy rule.

A finding names a rule ID of ``rules.md`` or a schema error kind (a stable slug), its
severity (错误 / 提醒), where it is (unit, file, sheet, row, column — as the school sees
them) and a Chinese message that tells a school clerk what to fix. :class:`Report` is what
validation returns; the CLI's ``--json`` prints ``Report.to_dict()`` unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

ERROR = "错误"
WARNING = "提醒"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True)
class Kind:
    """A schema-level error kind: stable slug, severity, Chinese message template."""

    slug: str
    severity: str
    title: str
    template: str


def _k(slug: str, severity: str, title: str, template: str) -> Kind:
    return Kind(slug, severity, title, template)


# The message templates use str.format with: sheet, row, column, value, and extra keys.
KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        _k("file-error", ERROR, "文件无法读取", "{detail}"),
        _k("sheet-cut", WARNING, "远处的单元格未读入",
           "工作表「{sheet}」在{detail}，超出报表可能的大小，这些单元格未读入。通常是误操作在远处留下了"
           "内容（如空格），请删除多余的行列后再保存"),
        _k("no-teaching", WARNING, "本月不在学期内",
           "报送月份 {value} 与 kcbx.yml 中的任何学期（terms）都不重叠：按教学周计算的规则（如每周送教、"
           "先制定计划再送教）本月不检查。如本月有教学，请在 terms 中补上这个学期"),
        _k("mail-refused", ERROR, "邮件附件未采用",
           "{when}从 {sender} 发来的邮件附件“{value}”未采用：{detail}"),
        _k("ignored-file", WARNING, "不是工作簿的文件", "这不是 Excel 工作簿，已跳过：{detail}"),
        _k("duplicate-workbook", ERROR, "同一单位重复报送",
           "单位代码 {value} 已由文件 {other} 报送，本文件未读入。请只保留一份报表"),
        _k("missing-sheet", ERROR, "缺少工作表",
           "缺少工作表「{sheet}」。{detail}"),
        _k("extra-sheet", WARNING, "多余的工作表",
           "工作表「{sheet}」不是报表模板中的表，其内容未读入。如是报表，请把表名改回模板中的名称"),
        _k("header-error", ERROR, "找不到表头",
           "工作表「{sheet}」前 {value} 行中找不到表头。表头应包含：{detail}"),
        _k("missing-label", ERROR, "缺少必填列",
           "工作表「{sheet}」第{row}行（表头）缺少必填列「{column}」。请从报表模板中把这一列补回来"),
        _k("extra-label", WARNING, "多余的列",
           "工作表「{sheet}」第{row}行（表头）的「{column}」不是模板中的列，未读入。如是改过名的列，请改回模板中的列名"),
        _k("duplicate-label", WARNING, "重复的列",
           "工作表「{sheet}」第{row}行（表头）的「{column}」出现了两次，只读入了第一列"),
        _k("cover-rows", ERROR, "报送信息行数不对",
           "工作表「{sheet}」应只有一行数据，第{row}行起多出的行未读入"),
        _k("type-error", ERROR, "日期或数字格式不对",
           "「{sheet}」第{row}行「{column}」的“{value}”{detail}"),
        _k("required-error", ERROR, "必填项为空",
           "「{sheet}」第{row}行「{column}」不能为空{detail}，请填写"),
        _k("enum-error", ERROR, "不是可选项",
           "「{sheet}」第{row}行「{column}」的“{value}”不是可选项。请从下拉列表中选择：{detail}"),
        _k("pattern-error", ERROR, "填写格式不对",
           "「{sheet}」第{row}行「{column}」的“{value}”格式不对：{detail}"),
        _k("range-error", ERROR, "超出范围",
           "「{sheet}」第{row}行「{column}」的“{value}”超出范围：{detail}"),
        _k("unique-error", ERROR, "重复登记",
           "「{sheet}」第{row}行「{column}」的“{value}”重复出现（{detail}）。同一人只能登记一次，请核对后删除重复行"),
        _k("primary-key-error", ERROR, "同一记录重复",
           "「{sheet}」第{row}行的{column}组合“{value}”重复出现（{detail}），请核对后合并"),
        _k("foreign-key-error", ERROR, "找不到对应记录",
           "「{sheet}」第{row}行「{column}」的“{value}”在{detail}中找不到。请核对是否填错"),
        _k("date-order-error", ERROR, "日期先后不对",
           "「{sheet}」第{row}行「{column}」的 {value} {detail}"),
    )
}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    unit_code: str | None
    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str
    # the rule's message parameters as text (e.g. HOME-2's missed weeks), for outputs that
    # need the verdict's parts rather than the sentence
    params: dict[str, str] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.unit_code or "",
            0 if self.severity == ERROR else 1,
            self.file or "",
            self.sheet or "",
            self.row or 0,
            self.column or "",
            self.rule,
        )


def finding(
    kind: str,
    *,
    unit_code: str | None = None,
    file: str | None = None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
    severity: str | None = None,
    **extra: Any,
) -> Finding:
    """Build a schema-level finding of ``kind`` from its message template."""
    spec = KINDS[kind]
    text_value = None if value is None else str(value)
    context = {
        "sheet": sheet or "",
        "row": row if row is not None else "",
        "column": column or "",
        "value": text_value if text_value is not None else "",
        "detail": "",
        **extra,
    }
    return Finding(
        rule=kind,
        severity=severity or spec.severity,
        unit_code=unit_code,
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        value=text_value,
        message=spec.template.format(**context),
    )


@dataclass
class Report:
    """The outcome of a validation run: valid when no finding is a 错误."""

    findings: list[Finding] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # unit codes in 单位名录 order
    unit_names: dict[str, str] = field(default_factory=dict)
    snapshot: str | None = None
    focus: set[tuple[str, str, int]] = field(default_factory=set)  # FOCUS-1 rows

    def is_focus(self, f: Finding) -> bool:
        return (f.file, f.sheet, f.row) in self.focus

    @property
    def valid(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def sorted(self) -> list[Finding]:
        """FOCUS-1 children first, then by unit in 单位名录 order, 错误 before 提醒, place."""
        order = {code: i for i, code in enumerate(self.units)}
        return sorted(
            self.findings,
            key=lambda f: (not self.is_focus(f),
                           order.get(f.unit_code or "", -1 if not f.unit_code else len(order)),
                           *f.sort_key),
        )

    def counts(self) -> dict[str, Any]:
        total = Counter(f.severity for f in self.findings)
        by_unit: dict[str, Counter[str]] = {}
        for f in self.findings:
            by_unit.setdefault(f.unit_code or "", Counter())[f.severity] += 1
        return {
            ERROR: total.get(ERROR, 0),
            WARNING: total.get(WARNING, 0),
            "by_unit": {
                unit: {s: c.get(s, 0) for s in SEVERITIES} for unit, c in sorted(by_unit.items())
            },
        }

    def frame(self) -> pl.DataFrame:
        """The findings as a table with the rows' provenance columns (``_unit, _file,
        _sheet, _row``), so outputs join findings to the tables instead of looping."""
        return pl.DataFrame(
            {"rule": [f.rule for f in self.findings],
             "severity": [f.severity for f in self.findings],
             "_unit": [f.unit_code for f in self.findings],
             "_file": [f.file for f in self.findings],
             "_sheet": [f.sheet for f in self.findings],
             "_row": [f.row for f in self.findings],
             "column": [f.column for f in self.findings],
             "value": [f.value for f in self.findings]},
            schema={"rule": pl.String, "severity": pl.String, "_unit": pl.String,
                    "_file": pl.String, "_sheet": pl.String, "_row": pl.Int64,
                    "column": pl.String, "value": pl.String})

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.sorted()],
        }
