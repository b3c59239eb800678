"""The demo district 示例区: a complete, fictional workspace to try kcbx on and to test it.

``write_demo(dest)`` writes ``kcbx.yml``, the bureau's ``基础数据.xlsx``, one workbook per
reporting unit under ``submissions/``, and last month's workspace under ``previous/``.
Every name is obviously fake (王某华), and a known set of mistakes is planted — one
finding each — listed in the result and in ``.kcbx-demo/planted.json``.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

from ..errors import WorkspaceError
from ..schema import DataPackage, load_package
from .district import GUIDANCE, UNITS
from .model import (
    MARKER,
    PERIOD,
    PREVIOUS_PERIOD,
    PREVIOUS_PULLED_ON,
    PULLED_ON,
    DemoSummary,
    Plant,
    Planted,
    Progress,
)
from .names import IdFactory
from .population import generate
from .sheets import Written
from .story import build_story, make_people
from .workspace import Job, Month, prepare_month, write_books

__all__ = ["DemoSummary", "Planted", "write_demo"]

PLANTED_FILE = "planted.json"
PARALLEL_FROM = 50_000  # children from which workbooks are written by several processes


def write_demo(dest: Path, *, children: int = 2000, seed: int = 1, years: int = 1,
               progress: Progress | None = None) -> DemoSummary:
    """Write the demo workspace into ``dest`` (created; an earlier demo there is replaced).

    ``children`` is the number of census rows; the same ``seed`` gives the same bytes.
    ``years=2``: the workspace is then taken into work year 2023 (its October 2022 pulled,
    ``kcbx year 2023``) and the units' September 2023 returns are written
    (:mod:`.second_year`); the planted mistakes are those of September 2023.
    """
    if years not in (1, 2):
        raise WorkspaceError("示例区可以是 1 个或 2 个学年（--years 1 或 2）")
    dest = Path(dest)
    ids = IdFactory()
    people = make_people(ids, seed, second_year=years == 2)
    story = build_story(people, current=True, pulled_on=PULLED_ON)
    before = build_story(people, current=False, pulled_on=PREVIOUS_PULLED_ON)
    special = story.census_count()
    if children <= special:
        raise ValueError(f"示例区至少需要 {special + 1} 名儿童")
    _prepare(dest)
    package = load_package()
    pop = generate(children - special, ids, seed)
    now = Month(dest, "", PERIOD, PULLED_ON, "previous", ("2022-09", "2022-10"),
                PULLED_ON.replace(month=10, day=28), 4, frozenset({GUIDANCE}))
    last = Month(dest / "previous", "previous/", PREVIOUS_PERIOD, PREVIOUS_PULLED_ON, None,
                 ("2022-09",), PREVIOUS_PULLED_ON.replace(month=9, day=28), 3)
    prepare_month(last, package, seed)
    prepare_month(now, package, seed)
    jobs = [Job(last, unit, before) for unit in last.units()]
    jobs += [Job(now, unit, story) for unit in now.units()]
    workers = min(os.cpu_count() or 1, 4) if children >= PARALLEL_FROM else 1
    write_books(jobs, package, pop, seed, progress, workers)
    planted = resolve(story.plants, {**now.written, **last.written}, package)
    if years == 2:
        from .second_year import write_second_year

        if progress:
            progress("示例区第二学年", 0, 1)
        plants = write_second_year(dest, package, seed, people, story, now.written)
        planted = resolve(plants, now.written, package)
        if progress:
            progress("示例区第二学年", 1, 1)
    marker = dest / MARKER
    marker.mkdir(exist_ok=True)
    path = marker / PLANTED_FILE
    path.write_text(json.dumps([asdict(p) for p in planted], ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return DemoSummary(dest=dest, units=len(UNITS), children=children,
                       files=[*now.files, *last.files, path], planted=planted)


def resolve(plants: list[Plant], written: dict[tuple[str, str], Written],
            package: DataPackage) -> list[Planted]:
    """Planted mistakes with the sheet, row and column where they were written."""
    out = []
    for p in plants:
        file = p.file or f"submissions/{p.unit}.xlsx"
        where = written[(file, p.table)]
        table = package.table(p.table)
        row = where.header if p.tag is None else where.rows[p.tag]
        column = table.field(p.column).title if p.column in table.field_names else p.column
        out.append(Planted(p.rule, p.unit, table.title, row, column, p.note, file))
    return out


def is_demo(dest: Path) -> bool:
    """``dest`` holds a demo made earlier (which a new demo there replaces)."""
    return (dest / MARKER / PLANTED_FILE).is_file()


def _prepare(dest: Path) -> None:
    """Refuse a folder that holds anything but an earlier demo; clear an earlier demo."""
    if dest.exists() and not dest.is_dir():
        raise WorkspaceError(f"{dest} 已经存在，而且不是文件夹。请换一个新的文件夹名，如“示例区”")
    if dest.is_dir() and any(dest.iterdir()):
        if not is_demo(dest):
            raise WorkspaceError(
                f"文件夹 {dest} 里已有其他文件，不是以前生成的示例区。为免覆盖您的文件，"
                "请换一个新的文件夹名（如“示例区”），或先把它清空")
        for name in ("submissions", "previous", MARKER, "build", "forms", "public"):
            shutil.rmtree(dest / name, ignore_errors=True)
        for name in ("kcbx.yml", "基础数据.xlsx"):
            (dest / name).unlink(missing_ok=True)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"无法创建文件夹 {dest}：{exc.strerror or exc}") from None
