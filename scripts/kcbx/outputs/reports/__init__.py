"""Reports and status: 月报表 (xlsx, PDF), 报送情况, 控辍保学进展, 送教上门, 数据质量,
the public aggregates package for the site, and the year-end summary."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from ...atomic import write_json
from ...config import Config
from ...findings import Report
from ...schema import DataPackage
from ...tables import Snapshot
from ...validation import Tables, submitted_units
from ..manifest import Manifest, data_hash, renderer_hash
from ..typeset import PAPER
from . import aggregate, monthly, pdf, tables_xlsx
from .public import PUBLIC, read_public, write_public
from .suppress import groups_for, suppress


@dataclass
class ReportsResult:
    monthly: list[Path] = field(default_factory=list)  # xlsx
    monthly_pdf: list[Path] = field(default_factory=list)
    tables: Path | None = None
    public: Path | None = None
    year: Path | None = None
    hidden: int = 0  # counts suppressed in the public package


def summary_path(config: Config, snapshot: Snapshot) -> Path:
    return config.outputs_path / "validation" / f"{snapshot.name}.json"


def save_summary(config: Config, snapshot: Snapshot, report: Report) -> Path:
    """Counts per unit, rule and severity of one pull (the 数据质量 trend reads these)."""
    frame = aggregate.data_quality(snapshot.name, snapshot.manifest["period"], report,
                                   report.unit_names)
    path = summary_path(config, snapshot)
    write_json(path, frame.to_dicts())
    return path


def _quality_history(config: Config) -> pl.DataFrame:
    folder = config.outputs_path / "validation"
    frames = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(rows, list) and rows and "pulled" in rows[0]:
            frames.append(pl.DataFrame(rows, infer_schema_length=None))
    empty = read_public(Path("/nonexistent"))["data_quality"]
    if not frames:
        return empty
    return pl.concat(frames, how="diagonal_relaxed").select(empty.columns).cast(empty.schema)


def build_tables(config: Config, tables: Tables, report: Report,
                 submitted: set[str]) -> dict[str, pl.DataFrame]:
    """The status tables of one period, unsuppressed (private)."""
    status = aggregate.submission_status(config, tables, submitted)
    progress = aggregate.roll_up(aggregate.progress(config, tables, report),
                                 aggregate.PROGRESS_COUNTS)
    return {
        "submission_status": status,
        "submission_rates": aggregate.submission_rates(status),
        "progress": progress,
        "home_teaching": aggregate.home_teaching(config, tables, report),
    }


def public_tables(config: Config, frames: dict[str, pl.DataFrame]) -> tuple[dict, int]:
    """The same tables with small counts of children hidden (and their complements)."""
    threshold = config.privacy.min_count
    counts = aggregate.PROGRESS_COUNTS
    parts = {"out_of_school": ["returned", "still_out"],
             "still_out": ["stage1", "stage2", "stage3", "stage4"]}
    progress, hidden = suppress(frames["progress"], counts, threshold,
                                groups_for(frames["progress"], counts, parts))
    home = frames["home_teaching"]  # the district row first, then the units: one group
    home_groups = [((0, "children"), [(i, "children") for i in range(1, home.height)])] \
        if home.height else []
    home_public, hidden_home = suppress(home, ("children",), threshold, home_groups)
    # a share over children gives the hidden number away (23/27 weeks = 85.2 %): hide it too
    rows = {i for i, _ in hidden_home}
    home_public = home_public.with_columns(
        pl.when(pl.int_range(pl.len()).is_in(sorted(rows))).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("weekly_coverage", "handbook_complete"))
    out = {**frames, "progress": progress, "home_teaching": home_public}
    return out, len(hidden) + len(hidden_home)


def write_reports(config: Config, package: DataPackage, snapshot: Snapshot, tables: Tables,
                  report: Report, progress=None) -> ReportsResult:
    """Every report of the period into the private outputs, and the public package."""
    result = ReportsResult()
    submitted = submitted_units(tables, snapshot.files(), config.period)
    folder = config.outputs_path / "reports" / config.period
    reports = monthly.monthly_reports(config, tables, report, submitted)
    fonts = pdf.fonts_for(config, config.outputs_path / "reports")
    today = config.effective_pulled_on
    made = Manifest(folder / "月报表")  # a report whose data did not change is not made again
    here = Path(__file__).parent
    renderer = renderer_hash([pdf.TEMPLATE, here / "pdf.py", here / "monthly.py", *PAPER],
                             ("typst", "xlsxwriter"), fonts.signature, str(today))
    for i, item in enumerate(reports, 1):
        xlsx_path = folder / "月报表" / f"{item.file_stem}.xlsx"
        pdf_path = xlsx_path.with_suffix(".pdf")
        if not made.fresh(item.file_stem, data_hash(renderer, asdict(item)), xlsx_path, pdf_path):
            monthly.write_xlsx(item, xlsx_path)
            pdf.write_pdf(item, pdf_path, fonts, today)
        result.monthly.append(xlsx_path)
        result.monthly_pdf.append(pdf_path)
        if progress:
            progress("月报表", i, len(reports))
    made.save()
    current = {*result.monthly, *result.monthly_pdf}
    for old in (folder / "月报表").glob("*"):
        if old.suffix in (".xlsx", ".pdf") and old not in current:
            old.unlink()  # a unit whose workbook is gone: its report of the period goes too
    frames = build_tables(config, tables, report, submitted)
    save_summary(config, snapshot, report)
    quality = _quality_history(config)
    frames["data_quality"] = quality
    result.tables = tables_xlsx.write(frames, folder / f"{config.period}_统计表.xlsx",
                                      district=config.district, created=today)
    public, result.hidden = public_tables(config, frames)
    replace = {name: ("period", [config.period]) for name in frames if name != "data_quality"}
    replace["data_quality"] = ("pulled", quality["pulled"].unique().to_list()
                               if quality.height else [])
    result.public = write_public(config.outputs_path / PUBLIC, public, district=config.district,
                                 replace=replace)
    return result
