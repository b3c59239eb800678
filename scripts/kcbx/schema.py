"""The data package in ``schemas/``: the one source of truth for every table.

Forms, readers, checks, the data dictionary and the site all read the tables from here;
nothing else lists columns by hand.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import SchemaError

_SPACES = re.compile(r"\s+")
_BRACKETED_SUFFIX = re.compile(r"\([^()]*\)$")


def normalize_label(text: str) -> str:
    """A header or sheet title as matched: NFKC (（）→()), no spaces at all."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text)))


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    description: str
    type: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    true_values: tuple[str, ...] = ("是",)
    false_values: tuple[str, ...] = ("否",)
    pii: bool = False
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        return normalize_label(self.title)

    @property
    def is_id_number(self) -> bool:
        return bool(self.extra.get("idNumber"))

    @property
    def rules(self) -> tuple[str, ...]:
        rule = self.extra.get("rule")
        if rule is None:
            return ()
        return tuple(rule) if isinstance(rule, list) else (rule,)

    @classmethod
    def from_descriptor(cls, d: dict[str, Any]) -> Field:
        c = d.get("constraints", {})
        return cls(
            name=d["name"],
            title=d.get("title", d["name"]),
            description=d.get("description", ""),
            type=d.get("type", "string"),
            required=bool(c.get("required", False)),
            unique=bool(c.get("unique", False)),
            enum=tuple(c["enum"]) if "enum" in c else None,
            pattern=c.get("pattern"),
            minimum=c.get("minimum"),
            maximum=c.get("maximum"),
            exclusive_minimum=c.get("exclusiveMinimum"),
            true_values=tuple(d.get("trueValues", ("是",))),
            false_values=tuple(d.get("falseValues", ("否",))),
            pii=bool(d.get("pii", False)),
            extra=dict(d.get("kcbx", {})),
        )


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    workbook: str
    ledger: bool
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    row_key: tuple[str, ...] = ()  # what identifies a row between two pulls (history)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}.{name}")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def label(self) -> str:
        return normalize_label(self.title)

    @property
    def sheet_labels(self) -> tuple[str, ...]:
        """Sheet titles accepted for this table: the title, and without its bracketed suffix."""
        short = _BRACKETED_SUFFIX.sub("", self.label)
        return (self.label,) if short == self.label else (self.label, short)


@dataclass(frozen=True)
class DataPackage:
    path: Path
    descriptor: dict[str, Any]
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def workbook_tables(self, workbook: str) -> list[Table]:
        return [t for t in self.tables if t.workbook == workbook]

    @property
    def submitted_tables(self) -> list[Table]:
        """Tables that units submit (school and 送教 sheets), in package order."""
        return [t for t in self.tables if t.workbook in ("school", "home")]

    @property
    def reference_tables(self) -> list[Table]:
        return self.workbook_tables("reference")

    def table_for_sheet(self, sheet_title: str) -> Table | None:
        label = normalize_label(sheet_title)
        for t in self.tables:
            if label in t.sheet_labels:
                return t
        return None


def schemas_dir() -> Path:
    """Where the data package lives: inside the installed package, or the repo's ``schemas/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / "schemas", here.parents[1] / "schemas"):
        if (candidate / "datapackage.json").is_file():
            return candidate
    raise SchemaError("找不到数据包 schemas/datapackage.json：kcbx 安装不完整，请重新安装")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"数据包文件 {path} 无法读取：{exc}") from None


@cache
def load_package(path: Path | None = None) -> DataPackage:
    """Load ``datapackage.json`` and every Table Schema it references."""
    folder = path or schemas_dir()
    descriptor = _read_json(folder / "datapackage.json")
    tables = []
    for res in descriptor["resources"]:
        schema = res["schema"]
        if isinstance(schema, str):
            schema = _read_json(folder / schema)
        fks = tuple(
            ForeignKey(
                fields=tuple(_as_list(fk["fields"])),
                resource=fk["reference"]["resource"] or res["name"],
                reference_fields=tuple(_as_list(fk["reference"]["fields"])),
            )
            for fk in schema.get("foreignKeys", [])
        )
        extra = res.get("kcbx", {})
        tables.append(
            Table(
                name=res["name"],
                title=res.get("title", res["name"]),
                description=res.get("description", ""),
                workbook=extra.get("workbook", "school"),
                ledger=bool(extra.get("ledger", False)),
                fields=tuple(Field.from_descriptor(f) for f in schema["fields"]),
                primary_key=tuple(_as_list(schema.get("primaryKey", []))),
                foreign_keys=fks,
                row_key=tuple(extra.get("rowKey", [])),
            )
        )
    return DataPackage(path=folder, descriptor=descriptor, tables=tuple(tables))


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
