"""Input forms generated from the data package: one workbook per unit, plus templates.

``spec.py`` describes a form as plain data (shared with the Google Sheets writer);
``xlsx.py`` draws it; :func:`write_forms` writes a workspace's forms under ``forms/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from ...atomic import write_text
from ...config import Config
from ...parallel import each
from ...schema import DataPackage, load_package
from .carry import carried_rows
from .district import FormsError, load_district
from .spec import District, FormSpec, blank_form, reference_form, unit_forms
from .xlsx import write_form

FORMS_DIR = "forms"
TEMPLATES_DIR = "templates"
PARALLEL_ROWS = 20_000  # carried rows from which forms are written on every core
Progress = Callable[[str, int, int], None]

__all__ = ["FORMS_DIR", "FormsError", "forms_dir", "write_forms", "write_form", "write_templates"]


def forms_dir(config: Config) -> Path:
    """Where forms go by default: ``<workspace>/forms/``."""
    return config.root / FORMS_DIR


def write_templates(folder: Path, package: DataPackage | None = None,
                    config: Config | None = None) -> list[Path]:
    """``空白模板.xlsx`` and ``基础数据模板.xlsx`` in ``folder``."""
    package = package or load_package()
    district = None
    if config is not None:
        district = District(name=config.district, year=config.year)
    specs: list[FormSpec] = [blank_form(package, district), reference_form(package, district)]
    return [write_form(spec, folder / spec.file_name) for spec in specs]


def write_forms(config: Config, *, unit: str | None = None, out: Path | None = None,
                all_sheets: bool = False, package: DataPackage | None = None,
                progress: Progress | None = None, carry: bool = True) -> list[Path]:
    """Write each reporting unit's ``<单位代码>.xlsx`` (or only ``unit``'s) and the templates.

    Returns the paths written, unit workbooks first.
    """
    package = package or load_package()
    district = load_district(config, package)
    if unit is not None and district.unit(unit) is None:
        known = "、".join(u.code for u in district.units[:30])
        raise FormsError(f"单位名录中没有单位代码 {unit}。已有的单位代码：{known}")
    folder = out or forms_dir(config)
    carried = carried_rows(config, package, district) if carry else None
    specs = unit_forms(package, district, unit=unit, all_sheets=all_sheets, carried=carried)
    if not specs:
        raise FormsError("单位名录中没有“是否报送月报”为“是”的单位，没有要生成的填报表格。下一步：在 "
                         f"{config.reference_path.name} 的「单位名录」中填写全区各单位，"
                         "要报送月报的单位填“是”")
    done: dict[str, Path] = {}

    def finished(job: tuple[FormSpec, Path], result: Callable[[], Path]) -> None:
        done[job[0].file_name] = result()
        if progress:
            progress("生成填报表格", len(done), len(specs))

    rows = sum(len(s.rows) for spec in specs for s in spec.sheets)
    jobs = sorted(((spec, folder / spec.file_name) for spec in specs),  # the largest first
                  key=lambda job: -sum(len(s.rows) for s in job[0].sheets))
    each(_write_one, jobs, workers=(os.cpu_count() or 1) if rows >= PARALLEL_ROWS else 1,
         finished=finished, in_flight=1)
    written = [done[spec.file_name] for spec in specs]
    written += write_templates(folder / TEMPLATES_DIR, package, config)
    if folder == forms_dir(config):
        _record(config, [spec.file_name for spec in specs])
    return written


FORMS_RECORD = "forms.json"  # in the private outputs: the month the forms folder was written for


def _record(config: Config, names: list[str]) -> None:
    """Which forms of the forms folder were written for which month (``kcbx status`` tells
    this month's forms from last month's)."""
    path = config.outputs_path / FORMS_RECORD
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    files = dict(known.get("files", {})) if isinstance(known, dict) else {}
    files.update({name: config.period for name in names})
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps({"files": files}, ensure_ascii=False, indent=1))


def forms_of_period(config: Config) -> set[str] | None:
    """The file names of the forms folder written for this month (``None``: no record, a
    workspace from before the record)."""
    try:
        files = json.loads((config.outputs_path / FORMS_RECORD).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {name for name, period in files.items() if period == config.period}


def _write_one(job: tuple[FormSpec, Path]) -> Path:
    return write_form(*job)
