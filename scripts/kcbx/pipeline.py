"""The main job: pull → validate → (outputs, as later stages arrive), for one workspace."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .atomic import write_json
from .config import CONFIG_NAME, Config, load_config
from .errors import ConfigError, KcbxError
from .findings import Report
from .lock import WorkspaceBusy, workspace_lock
from .mailserver import MailError, MailServerDown, addresses
from .schema import DataPackage, load_package
from .tables import Snapshot, list_snapshots, pull
from .tables.snapshot import Progress, is_current, snapshots_dir
from .validation import Tables, of_the_year, validate_snapshot
from .validation.cached import load_report, report_key, save_report

if TYPE_CHECKING:
    from .outputs.documents.samples import Sample
    from .outputs.mail import SendResult
    from .sources.mail import FetchResult

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
    before = {s.name for s in list_snapshots(snapshots_dir(config))}
    snap = pull(config, package, progress)
    return snap, snap.name not in before  # a month's own earlier pull may be reused


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
    # by month, then by time: a pull taken later for an earlier month (a month set wrong and
    # corrected) is not what this month's 台账 is compared with
    order = sorted(list_snapshots(snapshots_dir(config)), key=lambda s: (s.period, s.name))
    earlier = [s for s in order if (s.period, s.name) < (current.period, current.name)]
    return earlier[-1] if earlier else None


def last_of_year(config: Config, year: int) -> Snapshot | None:
    """The last pull of work year ``year``: this workspace's own, else ``previous`` when
    it is a pull of that year (a workspace kept elsewhere)."""
    kept = [*list_snapshots(snapshots_dir(config)),  # and last month's workspace, pulled here
            *list_snapshots(config.outputs_path / PREVIOUS / snapshots_dir(config).name)]
    # the latest month, its latest pull (a month pulled again after going back a year with
    # --force is not the year's last)
    own = sorted((s for s in kept if s.year == year), key=lambda s: (s.period, s.name))
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
    tables = Tables.build(package, of_the_year(config, snapshot.tables()), snapshot.files())
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


def calendar_year(config: Config, year: int) -> dict[str, Any]:
    """Each month of calendar year ``year`` the workspace pulled (``reports.year.Month``):
    its latest pull; the settings of the work year the month belongs to (its own terms and
    reference date) with the month's own pull date and deadline; the pulls REP-4 and HOME-7
    compare it with."""
    from .config import work_year
    from .init.year import config_of_year
    from .outputs.reports.year import Month, months_of

    package = load_package()
    out = {}
    for period, snap in months_of(config, year).items():
        settings = config_of_year(config, work_year(period)).model_dump(exclude={"root"})
        settings.update(period=period, pulled_on=snap.manifest["pulled_on"],
                        deadline=snap.manifest.get("deadline"))  # none kept: the month's last day
        month = Config.model_validate({**settings, "root": config.root})
        before = previous_snapshot(month, package, snap)
        out[period] = Month(snap, month, _rep4_tables(package, before),
                            _handover_tables(package, last_of_year(month, month.year - 1)))
    return out


def year_figures(config: Config, year: int, progress: Progress | None = None) -> Any:
    """The calendar year's figures (the December 全年总结), each month with its own settings."""
    from .outputs.reports.year import year_figures as figures

    return figures(config, load_package(), year, calendar_year(config, year), progress)


@locked
def year_summary(config: Config, year: int, progress: Progress | None = None) -> tuple[Path, list[str]]:
    """``kcbx report --year``: the calendar year's months, each with its own year's settings;
    the summary's path and the months it holds (a month without a pull is not in it)."""
    from .outputs.reports.year import year_summary as write

    figures = year_figures(config, year, progress)
    return write(config, figures), [m["period"] for m in figures.months]


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
    run: Run | None = None  # what the outputs were made from


@locked
def build(config: Config, progress: Progress | None = None, *, fetch: bool = True,
          run: Run | None = None) -> BuildResult:
    """Run every stage, writing private outputs under ``outputs``.

    (new mail of the 报送邮箱, when ``mail:`` is set and ``fetch``) → pull → validate (JSON +
    HTML report) → feedback for each school → reports (月报表, 统计表, public aggregates) →
    送教手册 → the published site (with the blank form templates, written first if the
    workspace has none yet). The tables are read once for all of them. A mailbox that
    cannot be reached is said in the outputs; the build goes on with what was received.
    ``run``: the pull and report already made for this config (a watch round that answered
    the schools first), not started again.
    """
    from .outputs import findings_html
    from .outputs.documents import write_documents
    from .outputs.feedback import write_feedback
    from .outputs.forms import forms_dir, write_templates
    from .outputs.handbooks import compile_handbooks
    from .outputs.reports import write_reports
    from .outputs.site import Helper, build_site

    helper: Helper | None = None
    mail = fetch_for_pull(config, progress) if fetch else None

    def get_ready() -> None:  # new data changes the site: mkdocs gets ready meanwhile
        nonlocal helper
        helper = Helper()

    try:
        run = run or start(config, progress, get_ready)
        snapshot, report, package = run.snapshot, run.report, run.package
        folder = validation_dir(config)
        outputs: dict[str, Path | str] = {} if mail is None else {"报送邮箱": mail}
        outputs |= {
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
    return BuildResult(snapshot, run.pulled, report, outputs, run)


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


# -- the 报送邮箱 (``mail:``) ----------------------------------------------------------------


@locked
def fetch_mail(config: Config, progress: Progress | None = None) -> FetchResult:
    """``kcbx mail fetch``: the mailbox's new mails → ``submissions/`` (registered senders'
    workbooks of their own units, through the hostile-file gate)."""
    from .district import load_district
    from .sources.contain import drop_handed, hand_over, read_contained
    from .sources.mail import fetch_mail as fetch
    from .tables.intake import workbook_unit

    _need_mailbox(config)
    package = load_package()
    district = load_district(config, package)
    senders: dict[str, list[str]] = {}
    for unit in district.units:
        for address in unit.emails:
            senders.setdefault(address, []).append(unit.code)

    def identify(path: Path, name: str) -> str | None:
        # every sheet: a workbook that a pull could not read never replaces the unit's last;
        # the pull that follows in this run takes this read instead of reading it again
        book = read_contained(path, name=name, limits=config.limits)
        hand_over(book, config.limits)
        return workbook_unit(package, book)

    drop_handed()  # what an earlier round read and no pull took
    return fetch(config, senders, {u.code: u.name for u in district.units}, identify, progress)


def _need_mailbox(config: Config) -> None:
    if config.mail is None:
        raise MailError(f"{config.root / CONFIG_NAME} 中没有设置 mail（报送邮箱）。设置方法见网站"
                        "“工作实务 › 报送邮箱”，或 kcbx mail --help")


def fetch_for_pull(config: Config, progress: Progress | None = None) -> str | None:
    """Before a pull (``kcbx pull``, ``kcbx build``): the new mails, when ``mail:`` is set.
    Returns what to tell the user (None without a mailbox); a mailbox that cannot be used
    is said, and the pull goes on with what was received before."""
    if config.mail is None:
        return None
    try:
        got = fetch_mail(config, progress)
    except MailError as exc:
        return f"未能收取新邮件（{exc}）；本次只用已收到的报表"
    return mail_summary(got)


def mail_summary(got: FetchResult) -> str:
    """One line on a fetch, in Chinese."""
    text = f"新邮件 {got.mails} 封，收下报表 {len(got.taken)} 份"
    if got.refused:
        text += f"，未采用 {len(got.refused)} 份"
    if got.set_aside:
        text += f"，未使用的附件 {len(got.set_aside)} 份"
    if got.unregistered:
        text += f"，未登记邮箱来信 {len(got.unregistered)} 封（kcbx status 可查看）"
    if got.older:
        text += f"；{got.before} 以前的旧邮件 {got.older} 封未读取"
    return text


@dataclass
class PullResult:
    snapshot: Snapshot
    pulled: bool  # a new snapshot was made
    mail: str | None = None  # what the mailbox brought, or why it could not be read


@locked
def pull_sources(config: Config, progress: Progress | None = None) -> PullResult:
    """``kcbx pull``: the mailbox's new mails (when ``mail:`` is set), then the snapshot."""
    mail = fetch_for_pull(config, progress)
    snapshot, pulled = current_snapshot(config, progress=progress)
    return PullResult(snapshot, pulled, mail)


@locked
def send_mail(config: Config, progress: Progress | None = None, run: Run | None = None) -> SendResult:
    """``kcbx mail send``: each unit's feedback that changed since its last mail, to its
    registered 报送邮箱. ``run``: a build's run (else the current pull is validated and its
    feedback written, as ``kcbx feedback`` does)."""
    from .outputs.feedback import write_feedback
    from .outputs.mail import Recipient, letters, send_letters
    from .sources.mail import Received

    _need_mailbox(config)
    if run is None:
        run = start(config, progress)
        write_feedback(config, run.snapshot, run.report, progress=progress)
    units = run.tables.text["units"]
    recipients = {code: Recipient(code, name or code, tuple(addresses(email)))
                  for code, name, email in units.select("code", "name", "email").iter_rows() if code}
    replies = {a.unit: m.message_id for m in Received.load(config.outputs_path).of_period(config.period)
               for a in m.attachments if a.saved and a.unit and m.message_id}
    planned = letters(config, run.report, run.snapshot.files(), recipients, replies,
                      raw=run.snapshot.path / "raw")
    return send_letters(config, planned, progress)


@dataclass
class Round:
    """One round of ``kcbx mail watch``."""

    number: int
    started: dt.datetime
    fetched: FetchResult | None = None
    built: bool = False
    sent: SendResult | None = None
    problem: str = ""  # why the round stopped short (the server is down, the folder is busy)
    answered: float = 0.0  # seconds until the schools' mail was sent (0: none this round)
    seconds: float = 0.0
    wait: float = 0.0  # seconds until the next round


def watch(load: Callable[[], Config], every: float, on_round: Callable[[Round], None], *,
          sleep: Callable[[float], None] = time.sleep, rounds: int | None = None,
          progress: Progress | None = None) -> None:
    """``kcbx mail watch``: fetch → build (only when something changed) → send, every
    ``every`` seconds, ``rounds`` times (forever by default; Ctrl-C stops it between any two
    steps, each of which leaves its files whole). The schools are answered first (pull,
    validate, feedback, send) and the other outputs (reports, handbooks, site) built from
    the same pull right after. A server that is down is waited for longer each time (twice
    as long, up to an hour); a wrong password or setting stops it. ``load`` reads kcbx.yml
    each round (a new period is taken up without a restart)."""
    failures = 0
    unsent = True  # feedback not yet mailed since it was made
    number = 0
    while rounds is None or number < rounds:
        number += 1
        here = Round(number, dt.datetime.now())
        clock = time.perf_counter()
        try:
            config = load()
            here.fetched = fetch_mail(config, progress)
            changed = bool(here.fetched.taken or here.fetched.refused) \
                or is_current(config, load_package()) is None
            if changed or number == 1:
                run, _ = feedback(config, progress)
                unsent = True
                try:
                    here.sent = send_mail(config, progress, run)
                    here.answered = time.perf_counter() - clock
                    unsent = False
                finally:  # the other outputs, from the same pull, even when mail cannot go
                    build(config, progress, fetch=False, run=run)
                    here.built = True
            elif unsent:
                here.sent = send_mail(config, progress)
                unsent = False
            failures = 0
        except (MailServerDown, WorkspaceBusy) as exc:
            failures += isinstance(exc, MailServerDown)
            here.problem = str(exc)
        except MailError:
            raise  # a password or setting the user must fix: trying again would not help
        except KcbxError as exc:  # the workspace mid-edit (基础数据 open, kcbx.yml half-typed)
            here.problem = str(exc)
        here.seconds = time.perf_counter() - clock
        here.wait = every if not failures else min(every * 2 ** (failures - 1), max(every, 3600.0))
        on_round(here)
        if rounds is None or number < rounds:
            sleep(here.wait)
