"""What the reference pages show, computed from the data package and the rule catalogue.

The data dictionary, the how-to-fill guide of each sheet and the rule catalogue are views of
``kcbx.schema.load_package()`` and ``kcbx.validation.rules.catalogue()``: nothing here lists a
column or a rule by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...config import Config
from ...schema import DataPackage, Field, Table

TYPE_NAMES = {"string": "文本", "integer": "整数", "number": "数字", "date": "日期",
              "boolean": "是/否", "datetime": "日期时间"}
WORKBOOKS = {
    "reference": ("基础数据", "区教育局维护的基础数据工作簿"),
    "school": ("单位月报", "每个单位每月报送的工作簿"),
    "home": ("送教上门", "承担送教上门的单位在月报工作簿中加填的工作表"),
}
SHORT_TITLE = re.compile(r"（[^（）]*）$")


@dataclass(frozen=True)
class FieldView:
    name: str
    title: str
    type: str
    need: str  # 必填 / 条件必填 / 选填
    constraints: list[str]
    choices: list[str]
    hint: str
    pii: bool
    rules: list[str]


@dataclass(frozen=True)
class TableView:
    name: str
    title: str
    description: str
    workbook: str
    workbook_note: str
    ledger: bool
    keys: list[str]
    fields: list[FieldView]
    rules: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pii_titles(self) -> list[str]:
        return [f.title for f in self.fields if f.pii]

    @property
    def required_titles(self) -> list[str]:
        return [f.title for f in self.fields if f.need == "必填"]


def _titles(table: Table, names: list[str] | tuple[str, ...]) -> str:
    out = []
    for n in names:
        try:
            out.append(f"「{table.field(n).title}」")
        except KeyError:
            out.append(f"「{n}」")
    return "、".join(out)


def _values(values: list[str] | tuple[str, ...]) -> str:
    return "、".join(str(v) for v in values)


def _condition(table: Table, spec: dict[str, Any]) -> str:
    other = _titles(table, [spec["field"]])
    if "in" in spec:
        return f"{other}为 {_values(spec['in'])} 时"
    if "notIn" in spec:
        return f"{other}不是 {_values(spec['notIn'])} 时"
    if spec.get("filled"):
        return f"{other}已填写时"
    if "matches" in spec:
        return f"{other}符合格式 {spec['matches']} 时"
    return f"视{other}而定时"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value) == int(value) else str(value)


def field_constraints(package: DataPackage, table: Table, f: Field) -> list[str]:
    """Every check the schema makes on one column, in words."""
    out: list[str] = []
    extra = f.extra
    if f.required:
        out.append("必填")
    if "requiredIf" in extra:
        out.append(_condition(table, extra["requiredIf"]) + "必填")
    if "requiredUnless" in extra:
        out.append("必填；" + _condition(table, extra["requiredUnless"]) + "可以不填")
    if f.unique:
        out.append("全区不得重复" if table.workbook != "reference" else "不得重复")
    if extra.get("uniqueInUnit"):
        out.append("本单位内不得重复")
    if f.is_id_number:
        out.append("按 GB 11643-1999 核对位数、校验位和其中的出生日期")
    if f.pattern:
        out.append(f"格式：{f.pattern}")
    if f.minimum is not None:
        out.append(f"不小于 {_number(f.minimum)}")
    if f.exclusive_minimum is not None:
        out.append(f"大于 {_number(f.exclusive_minimum)}")
    if f.maximum is not None:
        out.append(f"不大于 {_number(f.maximum)}")
    if extra.get("list"):
        out.append("可填多项，用“、”或“，”分隔")
    if "itemEnum" in extra:
        out.append("每一项须是：" + _values(extra["itemEnum"]))
    if "after" in extra:
        out.append("须晚于" + _titles(table, [extra["after"]]))
    if "notBefore" in extra:
        out.append("不得早于" + _titles(table, [extra["notBefore"]]))
    if "unitRef" in extra:
        out.append(_condition(table, extra["unitRef"]) + "须是单位名录中的单位名称或单位代码")
    if "sameUnitRef" in extra:
        ref = extra["sameUnitRef"]
        target = package.table(ref["resource"])
        text = f"须在本单位「{target.title}」的{_titles(target, [ref['field']])}中"
        if "where" in ref:
            text += "，且" + _condition(target, ref["where"]).removesuffix("时")
        out.append(text)
    for fk in table.foreign_keys:
        if f.name in fk.fields:
            target = package.table(fk.resource)
            together = "（与" + _titles(table, [n for n in fk.fields if n != f.name]) + "一起）" \
                if len(fk.fields) > 1 else ""
            out.append(f"须在「{target.title}」的{_titles(target, fk.reference_fields)}中{together}")
    return out


def _need(f: Field) -> str:
    if f.required:
        return "必填"
    if "requiredIf" in f.extra or "requiredUnless" in f.extra:
        return "条件必填"
    return "选填"


def _choices(f: Field) -> list[str]:
    if f.enum:
        return list(f.enum)
    if f.type == "boolean":
        return [*f.true_values, *f.false_values]
    return []


def field_rules(f: Field) -> list[str]:
    ids = list(f.rules)
    if f.is_id_number:
        ids = ["ID-1", "ID-2", *ids]
    return ids


def table_rules(table: Table, catalogue: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules that check this sheet: those its columns name, and those whose text names it."""
    named = {r for f in table.fields for r in field_rules(f)}
    titles = {table.title, SHORT_TITLE.sub("", table.title)}
    out = []
    for rule in catalogue:
        text = " ".join(str(rule.get(k, "")) for k in ("title", "policy", "check", "anchor"))
        if rule["id"] in named or any(t in text for t in titles):
            out.append(rule)
    return out


def table_view(package: DataPackage, table: Table, catalogue: list[dict[str, Any]]) -> TableView:
    workbook, note = WORKBOOKS.get(table.workbook, (table.workbook, ""))
    keys = []
    if table.primary_key:
        keys.append(_titles(table, table.primary_key) + "的组合不得重复")
    return TableView(
        name=table.name, title=table.title, description=table.description, workbook=workbook,
        workbook_note=note, ledger=table.ledger, keys=keys,
        fields=[FieldView(name=f.name, title=f.title, type=TYPE_NAMES.get(f.type, f.type),
                          need=_need(f), constraints=field_constraints(package, table, f),
                          choices=_choices(f), hint=f.description, pii=f.pii,
                          rules=field_rules(f))
                for f in table.fields],
        rules=table_rules(table, catalogue),
    )


def tables_view(package: DataPackage, catalogue: list[dict[str, Any]]) -> list[TableView]:
    return [table_view(package, t, catalogue) for t in package.tables]


def _setting(config: Config, key: str) -> str:
    value: Any = config
    for part in key.split("."):
        value = getattr(value, part, None)
    if value is None:
        return "未设置时按配置说明取默认值"
    if isinstance(value, (list, tuple)):
        if value and hasattr(value[0], "name"):
            return "见 kcbx.yml"
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def rules_view(catalogue: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The catalogue with each threshold's default value from the config model."""
    defaults = Config(district="示例区")
    layers = {"schema": "结构校验（数据包）", "rule": "政策规则", "ordering": "排序（不产生问题）"}
    out = []
    for rule in catalogue:
        item = dict(rule)
        item["anchor_id"] = rule["id"].lower()
        item["layer_name"] = layers.get(rule.get("layer", ""), rule.get("layer", ""))
        item["settings"] = [{"key": k, "default": _setting(defaults, k),
                             "text": f"`{k}`（{_setting(defaults, k)}）"} for k in rule["thresholds"]]
        out.append(item)
    return out
