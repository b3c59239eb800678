"""FOCUS-1: 重点人群 and 重点学段 children with 缺课 or 疑似辍学 come first in every report.

Not a finding: an ordering. ``focus_rows`` names the rows (file, sheet, row) that concern
such children, and the report lists their findings first.
"""

from __future__ import annotations

import polars as pl

from .base import REGISTRY, Rule, RuleContext, present_in

KEY_GROUPS = ("脱贫户", "边缘易致贫户", "突发严重困难户")
KEY_GRADES = ("六年级", "八年级", "九年级")

REGISTRY["FOCUS-1"] = Rule(
    id="FOCUS-1", severity="—", title="重点人群、重点学段优先",
    policy="针对重点人群（脱贫户、边缘易致贫户、突发严重困难户以及残儿等）、重点学段"
           "（小学六年级及初中八、九年级）逐人逐项精准排查、靶向施策",
    check="重点人群和重点学段中缺课或疑似辍学的学生，在每份报告中排在最前（排序，不是问题）",
    anchor="—", template="", func=None, layer="ordering")


def focus_rows(ctx: RuleContext) -> set[tuple[str, str, int]]:
    """(file, sheet, row) of every row about a focus child, in any table."""
    census = ctx.typed("census")
    key_people = census.filter(pl.col("key_group").is_in(KEY_GROUPS)
                               | (pl.col("disability").is_not_null()
                                  & (pl.col("disability") != "无")))
    roster = ctx.typed("roster")
    absent_ids = ctx.typed("absences").select("_unit", "id_number")
    troubled = roster.filter(pl.col("attendance").is_in(["缺课", "疑似辍学"])
                             | pl.col("id_number").is_in(absent_ids["id_number"].drop_nulls().implode()))
    focus = troubled.filter(pl.col("grade").is_in(KEY_GRADES)
                            | present_in(troubled, key_people)
                            | present_in(troubled, ctx.typed("home_students")))
    ids = set(focus["id_number"].drop_nulls().to_list())
    rows: set[tuple[str, str, int]] = set()
    for name in ("roster", "absences", "dropouts", "census", "care", "changes"):
        frame = ctx.typed(name)
        if "id_number" not in frame.columns:
            continue
        picked = frame.filter(pl.col("id_number").is_in(list(ids)))
        rows.update(picked.select("_file", "_sheet", "_row").iter_rows())
    rows.update(focus.select("_file", "_sheet", "_row").iter_rows())
    return rows
