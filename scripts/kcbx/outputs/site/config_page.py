"""The configuration reference page, generated from the config model itself: every key of
``kcbx.yml`` with its type, default and meaning, so documentation cannot drift from code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import Any

from pydantic import BaseModel

from ...config import Config

TYPES = {str: "文字", int: "整数", dt.date: "日期 YYYY-MM-DD", bool: "是/否"}


def _type(annotation: Any) -> tuple[str, Any]:
    """A Chinese name for a field's type, and the nested model or dataclass if any."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        name, nested = _type(args[0])
        return f"{name}（可为空 null）", nested
    if origin is list:
        inner, nested = _type(args[0])
        return f"{inner}的列表", nested
    if origin is tuple:
        return "两个整数的列表", None
    if origin is dict:
        return "“键: 值”的一组", None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "一组设置", annotation
    if dataclasses.is_dataclass(annotation):
        return "一组设置", annotation
    return TYPES.get(annotation, getattr(annotation, "__name__", str(annotation))), None


def _default(value: Any) -> str:
    if value is None:
        return "null（不写）"
    if isinstance(value, BaseModel) or dataclasses.is_dataclass(value):
        return "见下面各项"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    return str(value)


def config_rows(model: Any = Config, prefix: str = "") -> list[dict[str, str]]:
    """One row per key (nested keys as ``a.b``), in the order of the model."""
    rows: list[dict[str, str]] = []
    if dataclasses.is_dataclass(model):
        items = [(f.name, f.type if not isinstance(f.type, str) else int, f.default,
                  f.metadata.get("description", "")) for f in dataclasses.fields(model)]
    else:
        items = []
        for name, f in model.model_fields.items():
            if f.exclude:
                continue
            default = f.default_factory() if f.default_factory is not None else f.default
            required = f.is_required()
            items.append((name, f.annotation, "（必填）" if required else default, f.description or ""))
    for name, annotation, default, description in items:
        kind, nested = _type(annotation)
        if model is Config and name in ("terms", "holidays"):
            default = "按 year 生成（见说明）"
        rows.append({"key": f"{prefix}{name}", "type": kind,
                     "default": default if isinstance(default, str) else _default(default),
                     "description": description})
        if nested is not None and not (model is Config and name in ("terms", "holidays")):
            rows.extend(config_rows(nested, f"{prefix}{name}."))
    return rows
