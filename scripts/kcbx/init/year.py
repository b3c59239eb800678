"""The next work year in the same workspace: ``kcbx year YYYY``.

``kcbx.yml`` gets the new year's settings — ``year``, ``reference_date``, the terms, the
法定节假日 and 调休 workdays (``chinese_calendar``, as ``kcbx init``), ``period: YYYY-09`` —
with every other line and comment left as it was; ``previous`` is cleared, so that the first
pull of the new year is compared with the last pull of the old one, which the workspace
keeps (REP-4, HOME-7). The old year's settings and 送教手册 are kept under
``<outputs>/years/<old year>/``: its months can still be judged with their own calendar (the
December 全年总结 spans two work years) and its handbooks are the schools' archive.

Retention (个人信息保护法 第十九条): pulls and private outputs of work years older than
``retention_years`` are listed by :func:`expired_outputs` and removed by
:func:`remove_expired` once the user agrees; public aggregates are never among them.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..atomic import write_text
from ..config import CONFIG_NAME, PERIOD_RE, Config, load_config, load_yaml, parse_config, work_year
from ..errors import ConfigError, WorkspaceError
from . import Calendar, Span, school_year_calendar
from .yaml_text import has_key, set_key, value_of

YEARS_DIR = "years"  # <outputs>/years/<year>/: a finished year's settings and handbooks
# <outputs>/<kind>/<YYYY-MM>/ (mail/attachments: the workbooks schools mailed, as they came)
PERIOD_FOLDERS = ("feedback", "reports", "documents", "mail/attachments")
SNAPSHOT_FOLDERS = ("snapshots", "previous/snapshots")


@dataclass
class Expired:
    """A pull or private output of a work year past ``retention_years``."""

    path: Path
    kind: str  # 拉取（快照）, 反馈表, 月报表, 文书, 校验结果, 送教手册
    year: int


@dataclass
class NewYear:
    old: int
    new: int
    period: str
    calendar: Calendar
    previous_pull: str | None  # the old year's last pull: the new year's first comparison
    kept: list[Path] = field(default_factory=list)  # the old year's settings and handbooks
    expired: list[Expired] = field(default_factory=list)
    changed: bool = True  # False: the workspace was in that year already (only retention)


def start_year(config_path: Path, year: int, *, force: bool = False) -> NewYear:
    """Move the workspace of ``config_path`` (its ``kcbx.yml``) to work year ``year``.

    Refuses a year skipped or an earlier year (unless ``force``); changes nothing when the
    new settings would not load. The year it is in already changes nothing but lists what
    is past retention (so that it can be removed later).
    """
    from ..tables import list_snapshots
    from ..tables.snapshot import snapshots_dir

    path = config_path / CONFIG_NAME if config_path.is_dir() else config_path
    before = path.read_text(encoding="utf-8-sig")
    old = _year_of(before, path)
    if year == old:
        config = load_config(path)
        last = [s for s in list_snapshots(snapshots_dir(config)) if s.year == old - 1]
        return NewYear(old, year, config.period, school_year_calendar(year),
                       last[-1].name if last else None, [], expired_outputs(config), changed=False)
    _allowed(old, year, force)
    current = load_config(path) if _loads(path) else None
    outputs = (current or _lenient(before, path)).outputs_path
    calendar, reference = _calendar_for(outputs, year, before)
    text = _new_year_text(before, year, calendar, reference)
    config = _checked(text, path, year)  # nothing is changed unless the new file reads right
    try:
        kept = _keep_old_year(config, old, before)  # kept before kcbx.yml moves on
    except OSError as exc:
        where = year_folder(config, old)
        raise WorkspaceError(f"无法把 {old} 学年的配置和送教手册存放到 {where}（{exc.strerror or exc}），"
                             "kcbx.yml 没有改动。请关闭打开着的送教手册等文件，或清理该位置后再运行 "
                             f"kcbx year {year}") from None
    write_text(path, text.replace("\r\n", "\n"))
    last = [s for s in list_snapshots(snapshots_dir(config)) if s.year == old]
    done = NewYear(old, year, config.period, calendar,
                   max(last, key=lambda s: (s.period, s.name)).name if last else None, kept)
    done.expired = expired_outputs(config)
    return done


def _loads(path: Path) -> bool:
    try:
        load_config(path)
    except (ConfigError, WorkspaceError):
        return False
    return True


def _lenient(text: str, path: Path) -> Config:
    """The settings of a kcbx.yml that does not load as it is (a month of the new year typed
    in early): only where its outputs are is needed."""
    data = load_yaml(text)
    outputs = data.get("outputs", "build") if isinstance(data, dict) else "build"
    return Config(district="-", outputs=str(outputs or "build"), root=path.parent)


def _calendar_for(outputs: Path, year: int, text: str) -> tuple[Calendar, str | None]:
    """The new year's calendar and reference date: the ones kept when the workspace last
    left that year (going back and forth with --force), else chinese_calendar's, the old
    reference date's day kept (a district may use 9月1日; none written stays none)."""
    kept = outputs / YEARS_DIR / str(year) / CONFIG_NAME
    if kept.is_file():
        try:
            old = load_config(kept)
        except (ConfigError, WorkspaceError):
            old = None
        if old is not None and old.year == year:
            spans = [Span(t.name, t.start, t.end) for t in old.terms]
            holidays = [Span(h.name, h.start, h.end) for h in old.holidays]
            reference = str(old.reference_date) if old.reference_date else None
            return Calendar(spans, holidays, list(old.workdays)), reference
    found = re.search(r"^reference_date:\s*['\"]?\d{4}-(\d{2})-(\d{2})", text, re.M)
    reference = str(dt.date(year, int(found.group(1)), int(found.group(2)))) if found else None
    return school_year_calendar(year), reference


def _checked(text: str, path: Path, year: int) -> Config:
    """The new kcbx.yml read back: it loads, and says what kcbx meant to write."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError:
        data = None
    ok = isinstance(data, dict) and data.get("year") == year and str(data.get("period")) == \
        f"{year}-09" and all(str(t.get("start", "")).startswith((str(year), str(year + 1)))
                             for t in data.get("terms") or [{}] if isinstance(t, dict))
    if not ok:
        raise ConfigError(
            f"kcbx 无法自动修改这个文件的写法（year、period、terms 等项没能按预期改好），没有改动。"
            f"请手工改为：year: {year}，period: {year}-09，terms 和 holidays 改为 {year}—{year + 1} "
            "学年的日期（可参考 kcbx init 新建的 kcbx.yml），然后再运行 kcbx year", path=str(path))
    return parse_config(data, root=path.parent.resolve(), source=str(path))


def _year_of(text: str, path: Path) -> int:
    """The work year ``kcbx.yml`` is in now, read without the checks that a month of the
    new year (typed in early by hand) would fail."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError:
        load_config(path)  # raises the Chinese message naming the line
        raise
    year = data.get("year", 2022) if isinstance(data, dict) else None
    if isinstance(year, str) and year.strip().isdigit():  # year: "2022"
        year = int(year)
    if not isinstance(year, int):
        raise ConfigError("应为整数，如 2022", path=str(path), key="year")
    return year


def _allowed(old: int, year: int, force: bool) -> None:
    if force:
        return
    if year > old + 1:
        raise WorkspaceError(
            f"不能跳过 {old + 1} 学年：本工作文件夹现在是 {old} 学年，下一个学年是 {old + 1}，"
            f"没有改动。确要直接开始 {year} 学年（中间的学年不报送），请加 --force")
    if year < old:
        raise WorkspaceError(
            f"{year} 学年早于本工作文件夹现在的 {old} 学年，没有改动。确要回到 {year} 学年"
            f"（如补做以前的月份），请加 --force；做完后用 kcbx year {old} --force 回来")


def _new_year_text(text: str, year: int, calendar: Calendar, reference: str | None) -> str:
    def spans(items: Iterable) -> list[str]:
        return [f"  - {{name: {s.name}, start: {s.start}, end: {s.end}}}" for s in items]

    text = set_key(text, "year", str(year))
    if reference is not None:
        text = set_key(text, "reference_date", reference, add=False)
    elif value_of(text, "reference_date") not in (None, "", "null", "~"):
        text = set_key(text, "reference_date", "null")
    text = set_key(text, "terms", spans(calendar.terms))
    text = set_key(text, "holidays", spans(calendar.holidays))
    text = set_key(text, "workdays", f"[{', '.join(str(d) for d in calendar.workdays)}]")
    text = set_key(text, "period", f"{year}-09")
    for key in ("pulled_on", "deadline", "previous"):  # they belonged to the old year
        if has_key(text, key):
            text = set_key(text, key, "null")
    return text


def year_folder(config: Config, year: int) -> Path:
    return config.outputs_path / YEARS_DIR / str(year)


def _keep_old_year(config: Config, old: int, text: str) -> list[Path]:
    """The old year's ``kcbx.yml`` and its 送教手册 under ``<outputs>/years/<old>/``."""
    folder = year_folder(config, old)
    kept = [write_text(folder / CONFIG_NAME, text)]
    handbooks = config.outputs_path / "handbooks"
    if handbooks.is_dir() and any(p.name != ".fonts" for p in handbooks.iterdir()):
        target = folder / "handbooks"
        if target.exists():  # a year started again (--force): the newer handbooks win
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        handbooks.rename(target)
        fonts = target / ".fonts"
        if fonts.is_dir():  # the fonts cache serves every year: it stays where it was
            handbooks.mkdir()
            fonts.rename(handbooks / ".fonts")
        kept.append(target)
    return kept


def config_of_year(config: Config, year: int) -> Config:
    """The settings a month of work year ``year`` is judged with: this workspace's own when
    it is in that year, else the ones kept when the year ended, else the year's default
    calendar with this workspace's other settings."""
    if year == config.year:
        return config
    kept = year_folder(config, year) / CONFIG_NAME
    if kept.is_file():
        try:
            old = load_config(kept)
            return old.model_copy(update={"root": config.root, "outputs": config.outputs,
                                          "sources": config.sources, "site": config.site})
        except (ConfigError, WorkspaceError):
            pass
    calendar = school_year_calendar(year)
    data = config.model_dump(exclude={"root"})
    data.update(year=year, reference_date=None, period=f"{year}-09", previous=None,
                pulled_on=None, deadline=None,
                terms=[{"name": t.name, "start": t.start, "end": t.end} for t in calendar.terms],
                holidays=[{"name": h.name, "start": h.start, "end": h.end}
                          for h in calendar.holidays],
                workdays=list(calendar.workdays))
    return Config.model_validate({**data, "root": config.root})


# -- retention ---------------------------------------------------------------------------------


def expired_outputs(config: Config) -> list[Expired]:
    """Pulls and private outputs of work years before the last ``retention_years`` ones
    (never the newest pull of the year before this one: the new year compares with it)."""
    from ..tables import list_snapshots

    keep_from = config.year - config.retention_years
    out: list[Expired] = []
    root = config.outputs_path
    for folder in SNAPSHOT_FOLDERS:
        snaps = list_snapshots(root / folder)
        last_before = [s for s in snaps if s.year is not None and s.year < config.year][-1:]
        out += [Expired(s.path, "拉取（快照）", s.year) for s in snaps
                if s.year is not None and s.year < keep_from and s not in last_before]
    labels = {"feedback": "反馈表", "reports": "月报表和统计表", "documents": "文书",
              "mail/attachments": "邮件附件（各校发来的报表）"}
    for kind in PERIOD_FOLDERS:
        for path in sorted((root / kind).iterdir()) if (root / kind).is_dir() else []:
            if path.is_dir() and PERIOD_RE.match(path.name) and work_year(path.name) < keep_from:
                out.append(Expired(path, labels[kind], work_year(path.name)))
    validation = root / "validation"
    for path in sorted(validation.glob("*_校验*")) if validation.is_dir() else []:
        period = path.name.split("_", 1)[0]
        if PERIOD_RE.match(period) and work_year(period) < keep_from:
            out.append(Expired(path, "校验结果", work_year(period)))
    years = root / YEARS_DIR
    for path in sorted(years.glob("*/handbooks")) if years.is_dir() else []:
        year = int(path.parent.name) if path.parent.name.isdigit() else None
        if year is not None and year < keep_from:
            out.append(Expired(path, "送教手册", year))
    return out


def remove_expired(items: Iterable[Expired]) -> list[Path]:
    """Delete what :func:`expired_outputs` listed; returns what was removed."""
    removed = []
    for item in items:
        if item.path.is_dir():
            shutil.rmtree(item.path)
        elif item.path.exists():
            item.path.unlink()
        else:
            continue
        removed.append(item.path)
    return removed
