"""Where a workspace stands, and the next step: ``kcbx status``.

Reads only what is cheap to read (the reference workbook, the folders, the last
validation result); never pulls. Each state names one next step in Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import Config, work_year, year_months
from .errors import KcbxError
from .names import safe_name
from .schema import load_package


@dataclass
class Status:
    district: str
    period: str
    year: int  # the work year (September–August)
    year_months: tuple[str, str] = ("", "")
    pulls_this_year: int = 0
    last_year_pull: str | None = None  # the last pull of the year before: the new year's baseline
    units: int = 0  # in 单位名录
    reporting: list[str] = field(default_factory=list)  # units that must report
    grid_groups: int = 0
    forms: list[str] = field(default_factory=list)  # reporting units with a generated form
    submitted: list[str] = field(default_factory=list)  # reporting units with a file of this month
    # reporting units whose file, as the last pull took it, reports another month (last month's)
    other_month: list[str] = field(default_factory=list)
    last_pull: str | None = None
    errors: int | None = None  # in the period's last validation
    warnings: int | None = None
    problem: str | None = None  # why 基础数据 cannot be read
    mailbox: str | None = None  # the 报送邮箱 (``mail.user``), when set
    mail: dict[str, int] = field(default_factory=dict)  # this month: mails, taken, refused, set_aside
    mail_checked: str | None = None  # when kcbx last took a mail
    # senders that are no unit's 报送邮箱 (never read): {sender, mails, last, subject}
    unregistered: list[dict[str, Any]] = field(default_factory=list)
    # attachments set aside, no error (a scan beside a workbook, an older workbook): {unit, name, reason}
    set_aside: list[dict[str, str]] = field(default_factory=list)
    next_step: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def workspace_status(config: Config, today: dt.date | None = None) -> Status:
    from .district import DistrictError, load_district
    from .outputs.forms import forms_dir, forms_of_period
    from .sources.xlsx import list_workbooks
    from .tables import list_snapshots
    from .tables.snapshot import snapshots_dir

    status = Status(config.district, config.period, config.year, year_months(config.year))
    snaps = list_snapshots(snapshots_dir(config))
    status.pulls_this_year = sum(1 for s in snaps if s.year == config.year)
    before = [s for s in snaps if s.year is not None and s.year < config.year]
    status.last_year_pull = before[-1].name if before else None
    try:
        district = load_district(config, load_package())
    except (DistrictError, KcbxError) as exc:
        status.problem = str(exc)
        status.next_step = (f"准备基础数据：{config.reference_path.name} 无法读取。"
                            "可运行 kcbx init 在新文件夹中生成空白的基础数据表")
        return status
    _mailbox(config, status)
    status.units = len(district.units)
    status.reporting = [u.code for u in district.reporting_units]
    status.grid_groups = len(district.grid)
    folder = forms_dir(config)
    this_month = forms_of_period(config)  # None: a workspace from before the forms record
    status.forms = [c for c in status.reporting if (folder / f"{safe_name(c)}.xlsx").is_file()
                    and (this_month is None or f"{safe_name(c)}.xlsx" in this_month)]
    books, _ = list_workbooks(config.submissions_path)
    stems = {p.stem for p in books}
    old = _reported_for_another_month(config, books, snaps)
    status.submitted = [c for c in status.reporting if c in stems and c not in old]
    status.other_month = [c for c in status.reporting if c in old]
    latest = snaps[-1] if snaps else None
    status.last_pull = latest.manifest.get("created") if latest else None
    result = config.outputs_path / "validation" / f"{config.period}_校验结果.json"
    if result.is_file():
        try:
            counts = json.loads(result.read_text(encoding="utf-8"))["counts"]
            status.errors, status.warnings = counts["错误"], counts["提醒"]
        except (ValueError, KeyError, OSError):
            pass
    status.next_step = _next(config, status, today or dt.date.today())
    return status


def _reported_for_another_month(config: Config, books: list[Path], snaps: list[Any]) -> set[str]:
    """The file names (stems) in the submissions folder that the latest pull took with these
    very bytes and whose 报送信息 names another month: last month's workbooks still lying
    there after ``kcbx period`` (a file changed since is not judged here: the next pull does)."""
    import polars as pl

    from .sources.folder import file_hash, relative
    from .sources.guard import MB

    if not snaps:
        return set()
    latest = snaps[-1]
    try:
        taken = {r.source: r.digest for r in latest.files() if r.digest}
        cover = latest.table("cover").select(pl.col("_file").cast(pl.String), "period")
    except (OSError, ValueError, KeyError, pl.exceptions.PolarsError):
        return set()
    months = {row["_file"]: row["period"] for row in cover.iter_rows(named=True)}
    limit = config.limits.file_mb * MB
    out = set()
    for path in books:
        name = relative(path, config.root)
        month = months.get(name)
        if not month or month == config.period or name not in taken:
            continue
        try:
            if file_hash(path, limit) == taken[name]:
                out.add(path.stem)
        except OSError:
            continue
    return out


def _mailbox(config: Config, status: Status) -> None:
    """What the 报送邮箱 brought this month, and who wrote to it unregistered."""
    from .privacy import mask_text
    from .sources.mail import Received
    from .sources.mail.record import UNREGISTERED

    if config.mail is None:
        return
    status.mailbox = config.mail.user
    mails = Received.load(config.outputs_path).of_period(config.period)
    attachments = [a for m in mails for a in m.attachments]
    status.mail = {"mails": len(mails), "taken": sum(bool(a.saved) for a in attachments),
                   "refused": sum(bool(a.refused) for a in attachments),
                   "set_aside": sum(bool(a.ignored) for a in attachments)}
    status.set_aside = [{"unit": a.unit or "", "name": a.name, "reason": a.ignored}
                        for a in attachments if a.ignored]
    status.mail_checked = max((m.received_at for m in mails), default=None)
    strangers: dict[str, dict[str, Any]] = {}
    for m in mails:
        if m.verdict == UNREGISTERED:
            seen = strangers.setdefault(m.sender, {"sender": m.sender, "mails": 0})
            seen.update(mails=seen["mails"] + 1, last=m.received_at,
                        subject=mask_text(m.subject[:40]))  # a subject may carry an ID
    status.unregistered = list(strangers.values())


def _next(config: Config, s: Status, today: dt.date) -> str:
    ref = config.reference_path.name
    now = work_year(f"{today:%Y-%m}")
    if not s.units:
        return (f"在 {ref} 的「单位名录」中填写全区各单位"
                "（单位代码、名称、类型、上级单位、乡镇、是否报送月报）")
    if not s.reporting:
        return f"在 {ref} 的「单位名录」中，把要报送月报的单位的“是否报送月报”填为“是”"
    if not s.grid_groups:
        return f"在 {ref} 的「户籍网格包保表」中填写每个村（居）民小组由哪个单位包保"
    if len(s.forms) < len(s.reporting) and not s.submitted and s.other_month:
        return "报表文件夹中是上个月的表格：运行 kcbx forms 生成本月的填报表格，发给各单位"
    if len(s.forms) < len(s.reporting) and not s.submitted:
        return "运行 kcbx forms，为各单位生成填报表格，发给各单位"
    if not s.submitted:
        return (f"把各单位报回的表格放进 {config.sources.submissions} 文件夹"
                "（文件名用单位代码，如 QSXX.xlsx），再运行 kcbx build")
    if s.errors is None:
        return "运行 kcbx build：校验、生成各校反馈、月报表、送教手册和网站"
    missing = len(s.reporting) - len(s.submitted)
    if missing:
        return f"还有 {missing} 个单位没有报送：催报后再运行 kcbx build"
    if s.errors:
        return (f"把 build/feedback/{config.period} 中的反馈表发回各单位，改正 {s.errors} 条错误后"
                "重新报送，再运行 kcbx build")
    done = f"本月报表没有错误：打印 build/reports/{config.period}/月报表 签字上报；"
    if config.period.endswith("-12"):
        return (done + f"12 月还要做全年总结：kcbx report --year {config.period[:4]}（全年汇总表），"
                "kcbx documents（年度工作总结草稿）")
    if now > config.year:
        return (done + f"{now} 学年已经开始（今天是 {today}），本工作文件夹还是 {config.year} 学年："
                f"运行 kcbx year {config.year + 1} 开始新学年，再运行 kcbx forms")
    if config.period == year_months(config.year)[1]:
        return done + f"这是本学年最后一个月，9 月开学前运行 kcbx year {config.year + 1} 开始新学年"
    return done + "下个月运行 kcbx period YYYY-MM 换到新的月份"
