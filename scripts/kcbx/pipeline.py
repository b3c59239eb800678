"""The main job: pull → validate → (outputs, as later stages arrive), for one workspace."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .atomic import write_json
from .config import CONFIG_NAME, Config, load_config
from .errors import ConfigError
from .findings import Report
from .lock import workspace_lock
from .schema import DataPackage, load_package
from .tables import Snapshot, latest_snapshot, list_snapshots, pull
from .tables.snapshot import Progress, is_current, snapshots_dir
from .validation import Tables, validate_snapshot
from .validation.cached import load_report, report_key, save_report

if TYPE_CHECKING:
    from .outputs.documents.samples import Sample

T = TypeVar("T")
PREVIOUS = "previous"  # <outputs>/previous/: last month's workspace, when ``previous`` names one


def locked(func: Callable[..., T]) -> Callable[..., T]:
    """Run ``func(config, …)`` holding the workspace (one kcbx run at a time)."""

    @functools.wraps(func)
    def wrapper(config: Config, *args: Any, **kwargs: Any) -> T:
        with workspace_lock(config):
            return func(config, *args, **kwargs)

    return wrapper


@locked
def current_snapshot(config: Config, package: DataPackage | None = None,
                     progress: Progress | None = None,
                     on_pull: Callable[[], None] | None = None) -> tuple[Snapshot, bool]:
    """The snapshot of the sources as they are now; pulls only when they changed (calling
    ``on_pull`` first).

    Returns the snapshot and whether a new pull was made.
    """
    package = package or load_package()
    existing = is_current(config, package)
    if existing is not None:
        return existing, False
    if on_pull is not None:
        on_pull()
    before = latest_snapshot(snapshots_dir(config))
    snap = pull(config, package, progress)
    return snap, before is None or snap.path != before.path


def previous_snapshot(config: Config, package: DataPackage, current: Snapshot) -> Snapshot | None:
    """The previous pull (REP-4 compares its 台账): ``previous`` in the config, else the
    newest snapshot of this workspace taken before ``current``."""
    if config.previous:
        path = config.path(config.previous)
        if (path / "manifest.json").is_file():
            return Snapshot(path)
        if (path / CONFIG_NAME).is_file() or path.name == CONFIG_NAME:
            # last month's workspace, pulled into this one's outputs: read again only when
            # its files change (a rebuild costs a digest of them, not a second pull)
            other = load_config(path).model_copy(
                update={"outputs": str(config.outputs_path / PREVIOUS)})
            return is_current(other, package) or pull(other, package)
        raise ConfigError(f"“{config.previous}”既不是 kcbx 快照文件夹，也不是含 kcbx.yml 的"
                          "工作文件夹", path=str(config.root / CONFIG_NAME), key="previous")
    earlier = [s for s in list_snapshots(snapshots_dir(config)) if s.name < current.name]
    return earlier[-1] if earlier else None


def last_of_year(config: Config, year: int) -> Snapshot | None:
    """The last pull of work year ``year``: this workspace's own, else ``previous`` when
    it is a pull of that year (a workspace kept elsewhere)."""
    kept = [*list_snapshots(snapshots_dir(config)),  # and last month's workspace, pulled here
            *list_snapshots(config.outputs_path / PREVIOUS / snapshots_dir(config).name)]
    own = sorted((s for s in kept if s.year == year), key=lambda s: s.name)
    if own:
        return own[-1]
    if config.previous:
        path = config.path(config.previous)
        if (path / "manifest.json").is_file() and Snapshot(path).year == year:
            return Snapshot(path)
    return None


def _handover_tables(package: DataPackage, snap: Snapshot | None) -> Tables | None:
    """The old year's last tables HOME-7 reads (the others are empty)."""
    if snap is None:
        return None
    return Tables.build(package, snap.tables({"home_students", "units"}), snap.files())


def previous_tables(config: Config, package: DataPackage, current: Snapshot) -> Tables | None:
    """The previous pull's tables that REP-4 reads (the others are empty)."""
    return _rep4_tables(package, previous_snapshot(config, package, current))


def _rep4_tables(package: DataPackage, snap: Snapshot | None) -> Tables | None:
    if snap is None:
        return None
    return Tables.build(package, snap.tables({"dropouts", "cover", "units"}), snap.files())


def validation_dir(config: Config) -> Path:
    return config.outputs_path / "validation"


@dataclass
class Run:
    """The workspace's current pull, read once and validated: what every output is made from."""

    config: Config
    package: DataPackage
    snapshot: Snapshot
    pulled: bool  # a new pull was made for this run
    tables: Tables
    report: Report


@locked
def start(config: Config, progress: Progress | None = None,
          on_pull: Callable[[], None] | None = None) -> Run:
    """Pull if the sources changed (calling ``on_pull`` first), build the tables once,
    validate them (with the previous pull's 台账 for REP-4)."""
    package = load_package()
    snapshot, pulled = current_snapshot(config, package, progress, on_pull)
    if progress:
        progress("校验", 0, 1)
    tables = Tables.build(package, snapshot.tables(), snapshot.files())
    before = previous_snapshot(config, package, snapshot)
    year_before = last_of_year(config, config.year - 1)
    key = report_key(config, snapshot.name, " ".join(str(s.path) for s in (before, year_before) if s))
    folder = validation_dir(config)
    report = load_report(folder, key)
    if report is None:  # else the same snapshot, settings and code: the same report
        report = validate_snapshot(config, package, snapshot, _rep4_tables(package, before),
                                   tables=tables, last_year=_handover_tables(package, year_before))
        save_report(folder, key, report)
    if progress:
        progress("校验", 1, 1)
    return Run(config, package, snapshot, pulled, tables, report)


@locked
def validate(config: Config, progress: Progress | None = None) -> Report:
    """``kcbx validate``: the report of the current pull."""
    return start(config, progress).report


@locked
def feedback(config: Config, progress: Progress | None = None) -> tuple[Run, list[Path]]:
    """``kcbx feedback``: each unit's annotated workbook."""
    from .outputs.feedback import write_feedback

    run = start(config, progress)
    return run, write_feedback(config, run.snapshot, run.report, progress=progress)


@locked
def google_feedback(config: Config, progress: Progress | None = None) -> list[Any]:
    """``kcbx google feedback``: the results written back into each school's Google sheet."""
    from .outputs.feedback.google import write_google_feedback

    run = start(config, progress)
    return write_google_feedback(config, run.snapshot, run.report, progress=progress)


@locked
def reports(config: Config, progress: Progress | None = None) -> Any:
    """``kcbx report``: 月报表, 统计表 and the public aggregates of the period."""
    from .outputs.reports import write_reports

    run = start(config, progress)
    return write_reports(config, run.package, run.snapshot, run.tables, run.report, progress)


def calendar_year(config: Config, year: int) -> dict[str, tuple[Snapshot, Config]]:
    """Each month of calendar year ``year`` the workspace pulled: its latest pull, and the
    settings of the work year the month belongs to (its own terms and reference date)."""
    from .config import work_year
    from .init.year import config_of_year
    from .outputs.reports.year import months_of

    out = {}
    for period, snap in months_of(config, year).items():
        month = config_of_year(config, work_year(period))
        out[period] = (snap, month.with_overrides(period=period, pulled_on=snap.manifest["pulled_on"]))
    return out


def year_figures(config: Config, year: int, progress: Progress | None = None) -> Any:
    """The calendar year's figures (the December 全年总结), each month with its own settings."""
    from .outputs.reports.year import year_figures as figures

    return figures(config, load_package(), year, calendar_year(config, year), progress)


@locked
def year_summary(config: Config, year: int, progress: Progress | None = None) -> Path:
    """``kcbx report --year``: the calendar year's months, each with its own year's settings."""
    from .outputs.reports.year import year_summary as write

    return write(config, year_figures(config, year, progress))


@locked
def handbooks(config: Config, *, unit: str | None = None, child: str | None = None,
              formats: tuple[str, ...] = ("pdf", "docx"), progress: Progress | None = None,
              today: Any = None) -> Any:
    """``kcbx handbook``: every 送教上门 child's handbook, with the HOME findings."""
    from .outputs.handbooks import compile_handbooks

    run = start(config, progress)
    return compile_handbooks(config, run.tables, report=run.report, unit=unit, child=child,
                             formats=formats, progress=progress, today=today)


@locked
def documents(config: Config, progress: Progress | None = None) -> Any:
    """``kcbx documents``: the paper of the period (报告单, 四步法, 一人一方案, 督查通报)."""
    from .outputs.documents import write_documents

    run = start(config, progress)
    return write_documents(config, run.tables, run.report, progress, _december(config, progress))


def _december(config: Config, progress: Progress | None) -> Any:
    """In a December period, the calendar year's figures (for the 年度工作总结), else None."""
    if not config.period.endswith("-12"):
        return None
    return year_figures(config, int(config.period[:4]), progress)


@dataclass
class BuildResult:
    snapshot: Snapshot
    pulled: bool
    report: Report
    outputs: dict[str, Path | str] = field(default_factory=dict)  # label → where, or a status


@locked
def build(config: Config, progress: Progress | None = None) -> BuildResult:
    """Run every stage, writing private outputs under ``outputs``.

    pull → validate (JSON + HTML report) → feedback for each school → reports (月报表,
    统计表, public aggregates) → 送教手册 → the published site (with the blank form templates,
    written first if the workspace has none yet). The tables are read once for all of them.
    """
    from .outputs import findings_html
    from .outputs.documents import write_documents
    from .outputs.feedback import write_feedback
    from .outputs.forms import forms_dir, write_templates
    from .outputs.handbooks import compile_handbooks
    from .outputs.reports import write_reports
    from .outputs.site import Helper, build_site

    helper: Helper | None = None

    def get_ready() -> None:  # new data changes the site: mkdocs gets ready meanwhile
        nonlocal helper
        helper = Helper()

    try:
        run = start(config, progress, get_ready)
        snapshot, report, package = run.snapshot, run.report, run.package
        folder = validation_dir(config)
        outputs: dict[str, Path | str] = {
            "校验结果（JSON）": write_json(folder / f"{config.period}_校验结果.json", report.to_dict()),
            "校验报告（网页）": findings_html.write(report, folder / f"{config.period}_校验报告.html",
                                             district=config.district, period=config.period,
                                             as_of=config.effective_pulled_on),
        }
        written = write_feedback(config, snapshot, report, progress=progress)
        if written:
            outputs["各校反馈"] = written[0].parent
        if config.sources.google is not None:
            from .outputs.feedback.google import write_google_feedback

            done = write_google_feedback(config, snapshot, report, progress=progress)
            outputs["Google 表格反馈"] = f"{sum(1 for d in done if d.written)}/{len(done)} 所学校已写回"
        made = write_reports(config, package, snapshot, run.tables, report, progress)
        outputs["月报表"] = made.monthly[0].parent if made.monthly else folder
        if made.tables:
            outputs["统计表"] = made.tables
        if made.public:
            outputs["公开统计数据"] = made.public
        books = compile_handbooks(config, run.tables, report=report, progress=progress)
        outputs["送教手册"] = books.folder
        papers = write_documents(config, run.tables, report, progress, _december(config, progress))
        if papers.files:
            outputs["文书"] = papers.folder
        templates = forms_dir(config) / "templates"
        if not templates.is_dir():
            write_templates(templates, package, config)
        site = build_site(config, package=package, progress=progress, snapshot=snapshot,
                          helper=helper)
        outputs["网站"] = site.index
    finally:
        if helper is not None:
            helper.close()
    return BuildResult(snapshot, run.pulled, report, outputs)


def document_samples(config: Config) -> list[Sample]:
    """A sample of each document the workspace makes, every personal value replaced: the
    pictures of the guide's 文书 page (``python -m kcbx.outputs.site``)."""
    from .outputs.documents.samples import document_samples as samples
    from .outputs.site.gate import private_values

    run = start(config)
    found = private_values(config, run.package, run.snapshot)
    private = {value: title for value, (title, _) in found.items()}
    # the 年度工作总结 is drawn from the months of the workspace's calendar year it has
    year = year_figures(config, int(config.period[:4]))
    return samples(config, run.tables, run.report, private, year=year)
