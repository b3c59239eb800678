"""The district as forms and the site see it: its units and their types, the 包保 grid,
and so which sheets each unit fills (``fills.tables_for``).

Read from a workspace's reference workbook alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Config
from .errors import KcbxError
from .fills import HOME_TYPES, HOME_WORKBOOK, SCHOOL_TABLES, SCHOOL_TYPES, tables_for
from .mailserver import addresses
from .schema import DataPackage, Table
from .sources import SourceProblem
from .sources.contain import read_contained
from .tables.intake import intake

__all__ = ["HOME_TYPES", "HOME_WORKBOOK", "SCHOOL_TABLES", "SCHOOL_TYPES", "District", "DistrictError",
           "GridGroup", "UnitInfo", "load_district", "unit_tables"]


class DistrictError(KcbxError):
    """No usable reference workbook (单位名录, 户籍网格包保表)."""


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    type: str
    must_report: bool
    emails: tuple[str, ...] = ()  # 报送邮箱: mail from these is the unit's; feedback goes to them


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

    def unit(self, code: str) -> UnitInfo | None:
        return next((u for u in self.units if u.code == code), None)

    @property
    def reporting_units(self) -> list[UnitInfo]:
        return [u for u in self.units if u.must_report]


def unit_tables(package: DataPackage, district: District, code: str,
                *, all_sheets: bool = False) -> list[Table]:
    """The tables unit ``code`` fills, in package order (``all_sheets``: every table)."""
    if all_sheets:
        return list(package.submitted_tables)
    info = district.unit(code)
    return tables_for(package, info.type if info else "", any(g.unit_code == code for g in district.grid))


def load_district(config: Config, package: DataPackage) -> District:
    """Units and grid from the reference workbook."""
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
                 must_report=(r["must_report"] or "") in must.true_values,
                 emails=tuple(addresses(r["email"])))
        for r in tables["units"].iter_rows(named=True) if r["code"]
    )
    grid = tuple(
        GridGroup(township=r["township"] or "", village=r["village"] or "",
                  group=r["group"] or "", unit_code=r["unit_code"] or "")
        for r in tables["grid"].iter_rows(named=True) if r["unit_code"]
    )
    return District(name=config.district, period=config.period, year=config.year,
                    units=units, grid=grid)
