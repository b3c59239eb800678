"""A real district's workspace from zero: ``kcbx init``.

Writes ``kcbx.yml`` (a Chinese comment above every key, valid as written), the school
year's calendar (two terms with editable default dates; the national 法定节假日 and 调休
working days from the ``chinese_calendar`` library), an empty ``基础数据.xlsx`` drawn from
the schemas, ``.gitignore`` for the private folders and ``说明.txt`` with the next steps.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from ..atomic import write_text
from ..config import CONFIG_NAME, load_config, work_year, year_months
from ..errors import ConfigError, WorkspaceError

HERE = Path(__file__).parent
GITIGNORE = """# 含学生个人信息的文件夹和报表：不进代码仓库（不得公开）
build/
submissions/
previous/
基础数据.xlsx
*.xlsx
!forms/templates/*.xlsx
# Google 凭据
*credentials*.json
"""
README = """{district} 控辍保学工作文件夹（kcbx）

接下来：
1. 打开 基础数据.xlsx，在“单位名录”中填写全区各单位（单位代码、名称、类型、上级单位、
   乡镇、是否报送月报），在“户籍网格包保表”中填写每个村（居）民小组由哪个单位包保。
2. 核对 kcbx.yml 中的学期日期（terms）和节假日（holidays、workdays）。
3. 运行 kcbx forms，为每个单位生成填报表格（在 forms 文件夹中），发给各单位。
4. 各单位填好后，把收回的表格放进 submissions 文件夹（文件名用单位代码，如 QSXX.xlsx）。
5. 运行 kcbx build：校验、生成各校反馈、月报表、送教手册和网站。
   build/feedback 中的反馈表发回各单位；build/reports 中的月报表打印签字。
6. 下个月：运行 kcbx period 新的月份（如 kcbx period 2023-10），重复 3–5。
7. 每年 9 月新学年：运行 kcbx year 新学年（如 kcbx year 2024），在本文件夹中继续，重复 3–5。
   12 月：kcbx report --year 做全年总结。

build 文件夹含学生个人信息，只在本机保存，不得公开；public 文件夹是可以发布的网站。
"""


@dataclass(frozen=True)
class Span:
    name: str
    start: dt.date
    end: dt.date


@dataclass
class Calendar:
    terms: list[Span]
    holidays: list[Span] = field(default_factory=list)
    workdays: list[dt.date] = field(default_factory=list)
    known: bool = True  # the library knows this school year's holidays


@dataclass
class Initialised:
    folder: Path
    files: list[Path]
    calendar: Calendar


HOLIDAY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                 "Labour Day": "劳动节", "Dragon Boat Festival": "端午节",
                 "National Day": "国庆节", "Mid-autumn Festival": "中秋节"}


def school_year_calendar(year: int) -> Calendar:
    """The terms of the ``year``–``year+1`` school year (default dates to edit) and, where
    ``chinese_calendar`` knows them, its 法定节假日 and 调休 working weekends."""
    terms = [Span(f"{year}年秋季学期", dt.date(year, 9, 1), dt.date(year + 1, 1, 19)),
             Span(f"{year + 1}年春季学期", dt.date(year + 1, 2, 24), dt.date(year + 1, 7, 4))]
    start, end = terms[0].start, terms[-1].end
    try:
        import chinese_calendar as cc

        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        named = []
        for day in days:
            holiday, name = cc.get_holiday_detail(day)
            if holiday and name:
                named.append((day, HOLIDAY_NAMES.get(str(name), str(name))))
        workdays = [d for d in days if d.weekday() >= 5 and cc.is_workday(d)]
    except NotImplementedError:  # a year the library does not know yet
        return Calendar(terms, known=False)
    holidays = []
    for name, run in itertools.groupby(named, key=lambda x: x[1]):
        run = list(run)
        # consecutive days of one holiday: a new span when a gap of more than a day opens
        group = [run[0][0]]
        for day, _ in run[1:]:
            if (day - group[-1]).days > 1:
                holidays.append(Span(name, group[0], group[-1]))
                group = []
            group.append(day)
        holidays.append(Span(name, group[0], group[-1]))
    return Calendar(terms, holidays, workdays)


def init_workspace(folder: Path, *, district: str, year: int, period: str | None = None,
                   today: dt.date | None = None) -> Initialised:
    """Make a workspace in ``folder``; refuses one that has a ``kcbx.yml`` already."""
    from ..outputs.forms import write_form
    from ..outputs.forms.spec import reference_form
    from ..schema import load_package

    if (folder / CONFIG_NAME).exists():
        raise WorkspaceError(f"{folder} 中已有 {CONFIG_NAME}，这里已经是一个工作文件夹，没有改动任何文件。"
                             "如要重新开始，请换一个空文件夹")
    today = today or dt.date.today()
    period = period or f"{year}-09"
    if work_year(period) != year:  # checked before the folder is made
        first, last = year_months(year)
        raise WorkspaceError(f"第一个报送月份 {period} 不在 {year} 学年（{first} 至 {last}）内："
                          f"请改用 --period {year}-09 之类的月份，或把 --year 改为 {work_year(period)}")
    calendar = school_year_calendar(year)
    note = ("取自 chinese_calendar（国务院办公厅每年公布的安排）。" if calendar.known else
            f"chinese_calendar 还不知道 {year}—{year + 1} 学年的安排：请按国务院办公厅公布的通知填写。")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), autoescape=False,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    p_year, p_month = (int(x) for x in period.split("-"))
    next_period = f"{p_year + p_month // 12}-{p_month % 12 + 1:02d}"
    text = env.get_template("kcbx.yml.j2").render(
        district=district, year=year, today=today, reference_date=dt.date(year, 8, 31),
        terms=calendar.terms, holidays=calendar.holidays, workdays=calendar.workdays,
        calendar_note=note, period=period, next_period=next_period)
    folder.mkdir(parents=True, exist_ok=True)
    files = [write_text(folder / CONFIG_NAME, text)]
    try:
        config = load_config(folder / CONFIG_NAME)
    except Exception:
        (folder / CONFIG_NAME).unlink()
        raise
    (folder / "submissions").mkdir(exist_ok=True)
    files.append(write_form(reference_form(load_package()), folder / config.sources.reference))
    files.append(write_text(folder / ".gitignore", GITIGNORE))
    files.append(write_text(folder / "说明.txt", README.format(district=district)))
    return Initialised(folder, files, calendar)


@dataclass
class RolledOver:
    old: str
    new: str
    previous_pull: str | None  # the pull REP-4 compares the new month with


def roll_over(config_path: Path, period: str) -> RolledOver:
    """Set the reported month in ``kcbx.yml`` (and clear ``pulled_on``/``deadline``, which
    belong to one month), keeping every comment; the earlier pulls stay for REP-4."""
    import re

    from ..config import outside_year
    from ..tables import latest_snapshot
    from ..tables.snapshot import snapshots_dir

    config = load_config(config_path)
    path = config.root / CONFIG_NAME
    why = outside_year(period, config.year)
    if why:
        raise ConfigError(why + "，没有改动", path=str(path), key="period")
    latest = latest_snapshot(snapshots_dir(config))
    if period == config.period:  # already this month: its pulled_on and deadline stay
        return RolledOver(period, period, latest.name if latest else None)
    before = path.read_text(encoding="utf-8")
    text = before
    for key, value in (("period", period), ("pulled_on", "null"), ("deadline", "null")):
        line = re.compile(rf"^{key}:[^\n#]*(#[^\n]*)?$", re.M)
        if line.search(text):
            text = line.sub(lambda m, k=key, v=value: f"{k}: {v}" + (f"  {m.group(1)}" if m.group(1)
                                                                     else ""), text, count=1)
        else:
            text = text.rstrip("\n") + f"\n{key}: {value}\n"
    write_text(path, text)
    try:
        load_config(path)
    except Exception:
        write_text(path, before)  # nothing half-changed
        raise
    return RolledOver(config.period, period, latest.name if latest else None)
