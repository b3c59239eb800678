"""The frame every policy rule is written in.

A rule is a small unit: its ID, severity, what the policy says, what is checked, the
anchor cell, the config thresholds it reads, a Chinese message template — and one
function over the columnar tables that returns the offending rows. The framework turns
those rows into findings of the one shape every check shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ...config import Config
from ...findings import ERROR, Finding
from ...schema import DataPackage
from ..frames import LOCATION
from ..tableset import Tables

RuleFunc = Callable[["RuleContext"], "list[Hits]"]


@dataclass(frozen=True)
class Hits:
    """Rows of one table that break a rule, anchored at ``field`` (a field name).

    ``rows`` carries the location columns (``_unit, _file, _sheet, _row``), the anchor
    value in ``_value``, the message parameters the template names, and optionally
    ``_severity`` (a rule whose severity depends on the case, like REP-1).
    """

    table: str
    field: str
    rows: pl.DataFrame


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    policy: str  # what the policy says (quoted or paraphrased from the work plan)
    check: str  # what is checked, in words
    anchor: str  # the cell each finding points at
    template: str  # Chinese message: {sheet} {row} {column} {value} and rule parameters
    thresholds: tuple[str, ...] = ()  # config keys, e.g. "thresholds.stall_days"
    func: RuleFunc | None = None  # None: the check lives in the schema layer (ID-1, ID-2)
    layer: str = "rule"

    def run(self, ctx: RuleContext) -> list[Finding]:
        if self.func is None:
            return []
        out: list[Finding] = []
        for hits in self.func(ctx):
            out.extend(self._findings(ctx, hits))
        return out

    def _findings(self, ctx: RuleContext, hits: Hits) -> list[Finding]:
        table = ctx.package.table(hits.table)
        column = table.field(hits.field).title if hits.field in table.field_names else hits.field
        out = []
        for row in hits.rows.iter_rows(named=True):
            value = row.get("_value")
            value = None if value is None else _text(value)
            params = {k: _text(v) for k, v in row.items() if not k.startswith("_")}
            message = self.template.format(
                sheet=row["_sheet"], row=row["_row"], column=column,
                value=value if value is not None else "（空）", **params)
            out.append(Finding(
                rule=self.id, severity=row.get("_severity") or self.severity,
                unit_code=row["_unit"], file=row["_file"], sheet=row["_sheet"],
                row=row["_row"], column=column, value=value, message=message,
                params=params))
        return out


def _text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


@dataclass
class RuleContext:
    """What rules read: config, the snapshot's tables, and the previous pull's."""

    config: Config
    package: DataPackage
    tables: Tables
    previous: Tables | None = None
    submitted: set[str] = field(default_factory=set)  # units with a submission for the period
    last_year: Tables | None = None  # the last pull of the work year before (HOME-7)

    def typed(self, name: str) -> pl.DataFrame:
        return self.tables.typed[name]

    def text(self, name: str) -> pl.DataFrame:
        return self.tables.text[name]

    @property
    def pulled_on(self) -> dt.date:
        return self.config.effective_pulled_on

    def unit_order(self) -> pl.DataFrame:
        """``_unit`` → position in 单位名录 (for "the first" copy of a duplicate)."""
        codes = self.text("units")["code"].to_list()
        seen: dict[str, int] = {}
        for i, code in enumerate(codes):
            if code is not None and code not in seen:
                seen[code] = i
        return pl.DataFrame({"_unit": list(seen), "_unit_order": list(seen.values())},
                            schema={"_unit": pl.String, "_unit_order": pl.Int64})


def hits(rows: pl.DataFrame, table: str, field: str, value: pl.Expr | str | None = None,
         **params: pl.Expr) -> Hits:
    """Select the location, the anchor value and the message parameters of ``rows``."""
    value_expr = pl.col(field) if value is None else (
        pl.col(value) if isinstance(value, str) else value)
    extra = [pl.col("_severity")] if "_severity" in rows.columns else []
    selected = rows.select(*LOCATION, value_expr.alias("_value"), *extra,
                           *(expr.alias(name) for name, expr in params.items()))
    return Hits(table, field, selected)


REGISTRY: dict[str, Rule] = {}
WHO = pl.coalesce(pl.col("name"), pl.lit(""))  # the child's 姓名 for messages


def rule(id: str, *, severity: str = ERROR, title: str, policy: str, check: str, anchor: str,
         template: str, thresholds: tuple[str, ...] = ()) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function under its ID (decorator)."""

    def register(func: RuleFunc) -> RuleFunc:
        REGISTRY[id] = Rule(id, severity, title, policy, check, anchor, template, thresholds,
                            func)
        return func

    return register


def schema_rule(id: str, *, title: str, policy: str, check: str, anchor: str) -> None:
    """Register a rule whose check runs in the schema layer (for the catalogue)."""
    REGISTRY[id] = Rule(id, ERROR, title, policy, check, anchor, "", (), None, "schema")


# -- matching children across tables (tables.md: by 身份证号, else 姓名+出生日期+性别) ------

def person_key(frame: pl.DataFrame) -> pl.Expr:
    """姓名|出生日期|性别 — the key for a child without a 身份证号."""
    names = ("name", "birth_date", "sex")
    if not all(c in frame.columns for c in names):
        return pl.lit(None, dtype=pl.String)
    return pl.concat_str([pl.col(c).cast(pl.String) for c in names], separator="|",
                         ignore_nulls=False)


def present_in(left: pl.DataFrame, right: pl.DataFrame, *, by_unit: bool = False,
               left_unit: str = "_unit") -> pl.Series:
    """For each row of ``left``, whether the same child has a row in ``right``.

    By 身份证号 where the left row has one; by 姓名+出生日期+性别 where either side lacks
    it. With ``by_unit``, only rows of ``right`` whose ``_unit`` equals ``left[left_unit]``.
    The 姓名 key is built only for the few rows that need it (memory at province scale).
    """
    scope = ["_unit"] if by_unit else []
    cols = [c for c in ("id_number", "name", "birth_date", "sex") if c in left.columns]
    lhs = left.select(*cols, *([pl.col(left_unit).alias("_unit")] if by_unit else [])) \
        .with_row_index("_i")
    rhs = right.select(*[c for c in ("id_number", "name", "birth_date", "sex")
                         if c in right.columns], *scope)
    found = [lhs.join(rhs.filter(pl.col("id_number").is_not_null())
                      .select(*scope, "id_number").unique(),
                      on=[*scope, "id_number"], how="semi")["_i"]]
    # rows without an ID on one side: match 姓名+出生日期+性别 against the other side
    left_noid = lhs.filter(pl.col("id_number").is_null())
    right_noid = rhs.filter(pl.col("id_number").is_null())
    for small, other in ((left_noid, rhs), (right_noid, lhs)):
        if small.height == 0:
            continue
        names = small["name"].drop_nulls().unique().implode() if "name" in small.columns else []
        candidates = other.filter(pl.col("name").is_in(names)) if "name" in other.columns \
            else other.head(0)
        a = (small if small is left_noid else candidates)
        b = (candidates if small is left_noid else small)
        a = a.with_columns(person_key(a).alias("_pk")).filter(pl.col("_pk").is_not_null())
        b = b.with_columns(person_key(b).alias("_pk")).select(*scope, "_pk").drop_nulls().unique()
        found.append(a.join(b, on=[*scope, "_pk"], how="semi")["_i"])
    hit = pl.concat(found).unique()
    return lhs["_i"].is_in(hit.implode())
