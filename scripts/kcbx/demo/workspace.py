"""Writing a month's workspace: ``kcbx.yml``, ``基础数据.xlsx`` and one workbook per unit."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import CONFIG_NAME, dump_config, parse_config
from ..fills import HOME_TYPES
from ..schema import DataPackage
from .district import GRID, ORDER, UNITS, grid_rows, head_of, principal_of, unit_phone, unit_rows
from .homeschool import TEACHERS
from .model import DISTRICT, HOLIDAYS, TERM, WORKDAYS, YEAR, MonthCell, Progress, Row, Unit
from .people import Story
from .population import Population
from .rows import absence_rows, census_rows, change_rows, roster_rows
from .sheets import BookWriter, Layout, Written

REFERENCE = "基础数据.xlsx"
SUBMISSIONS = "submissions"
KEEPERS = {g.unit for g in GRID}  # units that keep 户籍 groups: they fill the census
HALF_WIDTH_UNITS = {"BYJN"}  # typed their headers with () instead of （）
MONTH_CELL_UNITS = {"LHZX"}  # their 报送月份 became a date cell


def _address(row: Row) -> str | None:
    town, village = row.get("hukou_township"), row.get("hukou_village")
    return f"{town}{village}（虚构）" if town and village else None


LAYOUTS: dict[tuple[str, str], Layout] = {
    ("QSZZ", "dropouts"): Layout(title="青石镇初级中学失学辍学学生工作台账"),
    ("LHXX", "roster"): Layout(title="柳河乡中心小学在校学生名册（2022年秋季学期）"),
    ("SYXX", "roster"): Layout(shuffle=True),
    ("DGXX", "census"): Layout(shuffle=True),
    ("XGXX", "census"): Layout(blank_after=5),
    ("LHZZ", "dropouts"): Layout(blank_after=1),
    ("LHZZ", "roster"): Layout(extra=("家庭住址", _address)),
}


@dataclass
class Month:
    """One pull's settings and what it wrote."""

    root: Path
    rel: str  # the workspace folder relative to the demo folder ("" or "previous/")
    period: str
    pulled_on: dt.date
    previous: str | None
    months: tuple[str, ...]  # months whose 缺课 the cumulative ledger holds
    first_submission: dt.date
    days_to_submit: int
    missing: frozenset[str] = frozenset()
    written: dict[tuple[str, str], Written] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def units(self) -> list[Unit]:
        return [u for u in UNITS if u.must_report and u.code not in self.missing]


def write_config(month: Month) -> Path:
    data = {
        "district": DISTRICT,
        "year": YEAR,
        "terms": [{"name": TERM[0], "start": TERM[1], "end": TERM[2]}],
        "holidays": [{"name": n, "start": s, "end": e} for n, s, e in HOLIDAYS],
        "workdays": list(WORKDAYS),
        "period": month.period,
        "pulled_on": month.pulled_on,
        "previous": month.previous,
    }
    path = month.root / CONFIG_NAME
    config = parse_config(data, root=month.root, source=str(path))
    path.write_text(dump_config(config), encoding="utf-8")
    month.files.append(path)
    return path


def write_reference(month: Month, package: DataPackage, seed: int) -> Path:
    path = month.root / REFERENCE
    book = BookWriter(str(path), f"kcbx-demo-{seed}-{month.period}-reference")
    plain = Layout(text_dates=0)
    month.written[(month.rel + REFERENCE, "units")] = book.write(
        package.table("units"), unit_rows(), plain)
    month.written[(month.rel + REFERENCE, "grid")] = book.write(
        package.table("grid"), grid_rows(), plain)
    book.close()
    month.files.append(path)
    return path


def interleave(bulk: Iterable[Row], n: int, extra: list[Row], rng: random.Random) -> Iterator[Row]:
    """The bulk rows with the story rows slipped in at random places."""
    positions = sorted(rng.randrange(n + 1) for _ in extra)
    k = 0
    for i, row in enumerate(bulk):
        while k < len(extra) and positions[k] <= i:
            yield extra[k]
            k += 1
        yield row
    yield from extra[k:]


def write_unit(month: Month, unit: Unit, package: DataPackage, pop: Population,
               story: Story, seed: int) -> tuple[Path, dict[tuple[str, str], Written]]:
    """One unit's workbook; returns its path and where each table landed."""
    code = unit.code
    rel = f"{month.rel}{SUBMISSIONS}/{code}.xlsx"
    path = month.root / SUBMISSIONS / f"{code}.xlsx"
    book = BookWriter(str(path), f"kcbx-demo-{seed}-{month.period}-{code}")
    rng = random.Random(f"kcbx-demo-{seed}-{month.period}-{code}-mix")
    extra = story.rows.get(code, {})
    written: dict[tuple[str, str], Written] = {}

    def put(table: str, rows: Iterable[Row]) -> None:
        layout = LAYOUTS.get((code, table), Layout())
        if code in HALF_WIDTH_UNITS:
            layout = Layout(layout.title, layout.shuffle, layout.blank_after, True, layout.extra)
        written[(rel, table)] = book.write(package.table(table), rows, layout)

    dropouts = extra.get("dropouts", [])
    has_open = any(r.get("result") == "劝返中" for r in dropouts)
    submitted = month.first_submission + dt.timedelta(days=ORDER[code] % month.days_to_submit)
    cover: Row = {
        "unit_code": code,
        "period": MonthCell(dt.date.fromisoformat(month.period + "-01"))
        if code in MONTH_CELL_UNITS else month.period,
        "filled_by": head_of(code),
        "phone": unit_phone(code),
        "submitted_on": submitted,
        "zero_report": "否" if has_open else "是",
        "approved_by": principal_of(code),
        "_tag": "cover",
    }
    if story.current:
        cover.update(story.cover.get(code, {}))
    put("cover", [cover])
    if code in KEEPERS:
        bulk = pop.by_census_unit.get(code, [])
        put("census", interleave(census_rows(pop, code), len(bulk), extra.get("census", []), rng))
    if unit.grades:
        bulk = pop.by_school.get(code, [])
        put("roster", interleave(roster_rows(pop, code, month.months[-1]), len(bulk),
                                 extra.get("roster", []), rng))
        put("absences", [*absence_rows(pop, code, month.months), *extra.get("absences", [])])
        put("changes", [*change_rows(pop, code), *extra.get("changes", [])])
    put("dropouts", dropouts)
    put("care", extra.get("care", []))
    if code in TEACHERS or code in KEEPERS or unit.type in HOME_TYPES:  # as its form has them
        for table in ("home_students", "iep", "visits", "teachers"):
            put(table, extra.get(table, []))
    lost = set(extra) - {table for _, table in written}
    if lost:
        raise AssertionError(f"示例数据未写入：{code} {sorted(lost)}")
    book.close()
    return path, written


def book_size(unit: Unit, pop: Population) -> int:
    """Roughly how many cells a unit's workbook holds (to hand out the big ones first)."""
    census = len(pop.by_census_unit.get(unit.code, ()))
    roster = len(pop.by_school.get(unit.code, ()))
    return 17 * census + 13 * roster


@dataclass(frozen=True)
class Job:
    month: Month
    unit: Unit
    story: Story


_SHARED: dict[str, Any] = {}  # what forked workers read: set before the pool starts


def _work(i: int) -> tuple[int, Path, dict[tuple[str, str], Written]]:
    job: Job = _SHARED["jobs"][i]
    path, written = write_unit(job.month, job.unit, _SHARED["package"], _SHARED["pop"],
                               job.story, _SHARED["seed"])
    return i, path, written


def write_books(jobs: list[Job], package: DataPackage, pop: Population, seed: int,
                progress: Progress | None = None, workers: int = 1) -> None:
    """Write every unit workbook, in forked worker processes when there are many rows.

    Each workbook depends only on its own seed, so the order of work changes no byte.
    """
    results: dict[int, tuple[Path, dict[tuple[str, str], Written]]] = {}
    total = len(jobs)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _SHARED.update(jobs=jobs, package=package, pop=pop, seed=seed)
        order = sorted(range(total), key=lambda i: -book_size(jobs[i].unit, pop))
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for i, path, written in pool.imap_unordered(_work, order):
                    results[i] = (path, written)
                    if progress:
                        progress("生成示例区", len(results), total)
        finally:
            _SHARED.clear()
    else:
        for i, job in enumerate(jobs):
            results[i] = write_unit(job.month, job.unit, package, pop, job.story, seed)
            if progress:
                progress("生成示例区", i + 1, total)
    for i, job in enumerate(jobs):
        path, written = results[i]
        job.month.files.append(path)
        job.month.written.update(written)


def prepare_month(month: Month, package: DataPackage, seed: int) -> None:
    """The workspace folder, its ``kcbx.yml`` and the bureau's reference workbook."""
    (month.root / SUBMISSIONS).mkdir(parents=True, exist_ok=True)
    write_config(month)
    write_reference(month, package, seed)
