"""The district as forms need it, read from a workspace: reference tables and who 送教."""

from __future__ import annotations

from ...config import Config
from ...errors import KcbxError
from ...schema import DataPackage
from ...sources import SourceProblem, read_workbook
from ...tables import latest_snapshot
from ...tables.intake import intake
from ...tables.snapshot import snapshots_dir
from .spec import HOME_WORKBOOK, District, GridGroup, UnitInfo


class FormsError(KcbxError):
    """Forms could not be generated (missing or unreadable reference workbook, unknown unit)."""


def load_district(config: Config, package: DataPackage) -> District:
    """Units and grid from the reference workbook; 送教 units from the latest snapshot."""
    path = config.reference_path
    if not path.is_file():
        raise FormsError(f"找不到基础数据工作簿 {path}（配置项 sources.reference）。"
                         "填报表格按单位名录生成，请先准备基础数据（可用 forms/templates/基础数据模板.xlsx）")
    try:
        book = read_workbook(path, name=path.name)
    except SourceProblem as problem:
        raise FormsError(f"基础数据工作簿无法读取：{problem}") from None
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
