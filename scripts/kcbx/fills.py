"""Which tables a unit fills, from what 基础数据 says of it (its type, the villages it 包保).

One rule, used by the forms (which sheets a unit's form has), by intake (an expected sheet
that is missing is a 提醒, whatever the source) and by the district model. It depends on
the reference data alone — never on an earlier pull — so the first pull of a year and
every later one read and check the same way.

送教上门: "对不能到校就读的义务段残儿由户籍地包保单位负责落实送教上门服务" — the units that
包保 户籍 groups, and the special-education schools, fill the 送教 tables.
"""

from __future__ import annotations

from .schema import DataPackage, Table

SCHOOL_TYPES = frozenset({"直属学校", "小学", "初中", "九年一贯制学校", "教学点", "特殊教育学校"})
HOME_TYPES = frozenset({"特殊教育学校"})
SCHOOL_TABLES = ("roster", "absences", "changes")
HOME_WORKBOOK = "home"


def tables_for(package: DataPackage, kind: str, keeps_grid: bool) -> list[Table]:
    """The tables a unit of type ``kind`` fills, in package order (``keeps_grid``: it
    包保 at least one 村（居）民小组 of the 户籍网格包保表)."""
    chosen = []
    for table in package.submitted_tables:
        if table.name == "cover":
            keep = True
        elif table.name == "census":
            keep = keeps_grid
        elif table.name in SCHOOL_TABLES:
            keep = kind in SCHOOL_TYPES
        elif table.workbook == HOME_WORKBOOK:
            keep = keeps_grid or kind in HOME_TYPES
        else:  # 台账 and 关爱帮扶: every reporting unit
            keep = True
        if keep:
            chosen.append(table)
    return chosen
