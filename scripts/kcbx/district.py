"""The district as forms, the Google pull and the site see it: its units and their types,
the 包保 grid, the units that teach at home, and so which sheets each unit fills.

Read from a workspace's reference workbook (and the latest pull, for 送教 units).
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Config
from .errors import KcbxError
from .schema import DataPackage, Table
from .sources import SourceProblem
from .sources.contain import read_contained
from .tables import latest_snapshot
from .tables.intake import intake
from .tables.snapshot import snapshots_dir

SCHOOL_TYPES = frozenset({"直属学校", "小学", "初中", "九年一贯制学校", "教学点", "特殊教育学校"})
HOME_TYPES = frozenset({"特殊教育学校"})
SCHOOL_TABLES = ("roster", "absences", "changes")
HOME_WORKBOOK = "home"


class DistrictError(KcbxError):
    """No usable reference workbook (单位名录, 户籍网格包保表)."""


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    type: str
    must_report: bool


@dataclass(frozen=True)
class GridGroup:
    township: str
    village: str
    group: str
    unit_code: str


@dataclass(frozen=True)
class District:
    """What forms take from a workspace: names, the reference tables, who 送教."""

    name: str | None = None
    period: str | None = None  # YYYY-MM, prefilled in 报送信息
    year: int | None = None
    units: tuple[UnitInfo, ...] = ()
    grid: tuple[GridGroup, ...] = ()
    home_units: frozenset[str] = frozenset()  # units with 送教 rows in the latest snapshot

    def unit(self, code: str) -> UnitInfo | None:
        return next((u for u in self.units if u.code == code), None)

    @property
    def reporting_units(self) -> list[UnitInfo]:
        return [u for u in self.units if u.must_report]


def unit_tables(package: DataPackage, district: District, code: str,
                *, all_sheets: bool = False) -> list[Table]:
    """The tables unit ``code`` fills, in package order."""
    info = district.unit(code)
    kind = info.type if info else ""
    keeps_grid = any(g.unit_code == code for g in district.grid)
    chosen = []
    for table in package.submitted_tables:
        if all_sheets or table.name == "cover":
            keep = True
        elif table.name == "census":
            keep = keeps_grid
        elif table.name in SCHOOL_TABLES:
            keep = kind in SCHOOL_TYPES
        elif table.workbook == HOME_WORKBOOK:
            keep = kind in HOME_TYPES or code in district.home_units
        else:  # 台账 and 关爱帮扶: every reporting unit
            keep = True
        if keep:
            chosen.append(table)
    return chosen


def load_district(config: Config, package: DataPackage) -> District:
    """Units and grid from the reference workbook; 送教 units from the latest snapshot."""
    path = config.reference_path
    if not path.is_file():
        raise DistrictError(f"找不到基础数据工作簿 {path}（配置项 sources.reference）。"
                         "填报表格按单位名录生成，请先准备基础数据（可用 forms/templates/基础数据模板.xlsx）")
    try:
        book = read_contained(path, name=path.name, limits=config.limits)
    except SourceProblem as problem:
        raise DistrictError(f"基础数据工作簿无法读取：{problem}") from None
    tables = intake(package, book, []).tables
    must = package.table("units").field("must_report")
    units = tuple(
        UnitInfo(code=r["code"], name=r["name"] or r["code"], type=r["type"] or "",
                 must_report=(r["must_report"] or "") in must.true_values)
        for r in tables["units"].iter_rows(named=True) if r["code"]
    )
    grid = tuple(
        GridGroup(township=r["township"] or "", village=r["village"] or "",
                  group=r["group"] or "", unit_code=r["unit_code"] or "")
        for r in tables["grid"].iter_rows(named=True) if r["unit_code"]
    )
    return District(name=config.district, period=config.period, year=config.year,
                    units=units, grid=grid, home_units=_home_units(config, package))


def _home_units(config: Config, package: DataPackage) -> frozenset[str]:
    snap = latest_snapshot(snapshots_dir(config))
    if snap is None:
        return frozenset()
    codes: set[str] = set()
    for table in package.workbook_tables(HOME_WORKBOOK):
        if table.name in snap.manifest.get("tables", []):
            codes.update(c for c in snap.table(table.name)["_unit"].to_list() if c)
    return frozenset(codes)
