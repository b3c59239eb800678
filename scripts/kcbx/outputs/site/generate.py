"""The pre-build step: Markdown pages written through jinja2 templates into the docs folder.

mkdocs (or Zensical) then builds them like hand-written pages: no hooks, no gen-files.
The generator owns three folders of the docs dir (``GENERATED``) and rewrites them whole.
The schema-derived pages and the "no data yet" status and forms pages are committed in the
repo's ``site/`` so that a plain ``mkdocs build`` works; ``tests/test_site_pages.py``
checks they match the code, and ``python -m kcbx.outputs.site`` refreshes them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from ...config import work_year
from ...findings import KINDS
from ...schema import DataPackage, load_package, schemas_dir
from ...validation.rules import catalogue
from ..compiled import bytecode_cache
from .charts import fmt
from .config_page import config_rows
from .reference import rules_view, tables_view
from .status import PublicData, StatusSite

GENERATED = ("reference", "forms", "status")
BULK = ("status/units/", "status/months/")  # off the sidebar and out of the search index
# status/years/<year>.md: one page per past work year (off the sidebar, searchable)
FORM_NOTES = {
    "空白模板.xlsx": "各单位每月填报用的空白工作簿（含全部工作表和填写说明）",
    "基础数据模板.xlsx": "区教育局维护基础数据用：单位名录、户籍网格包保表",
}
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class FormFile:
    name: str
    size: str
    note: str


def _cell(value: Any) -> str:
    """A value inside a Markdown table cell."""
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##", comment_end_string="##}",  # "{#id}" is Markdown attr_list
        bytecode_cache=bytecode_cache("site-pages"))
    env.filters["num"] = lambda v: fmt(v)
    env.filters["pct"] = lambda v: fmt(v, percent=True)
    env.filters["cell"] = _cell
    env.globals["md_rule_links"] = lambda ids, prefix: "、".join(
        f"[{i}]({prefix}rules.md#{i.lower()})" for i in ids)
    chart = env.get_template("chart.svg.j2")
    env.globals["chart"] = lambda c: markupsafe.Markup(chart.render(c=c).strip())
    return env


def reference_pages(env: jinja2.Environment, package: DataPackage | None = None) -> dict[str, str]:
    """Data dictionary, how-to-fill per sheet, rule catalogue, public data dictionary."""
    package = package or load_package()
    rules = catalogue()
    tables = tables_view(package, rules)
    desc = package.descriptor
    pages = {
        "reference/dictionary.md": env.get_template("dictionary.md.j2").render(
            tables=tables, package_title=desc.get("title", ""),
            package_description=desc.get("description", "")),
        "reference/rules.md": env.get_template("rules.md.j2").render(rules=rules_view(rules)),
        "reference/config.md": env.get_template("config.md.j2").render(rows=config_rows()),
    }
    groups = []
    for key, name, note in (
            ("reference", "基础数据（区教育局）",
             "区教育局维护，放在基础数据工作簿中；单位或包保有变动时更新。"),
            ("school", "各单位每月报送",
             "每个单位每月报送一个工作簿；用不到的工作表（如没有送教学生）可以没有，「报送信息」每次都必须有。"),
            ("home", "送教上门", "承担送教上门的单位在月报工作簿中加填这些工作表。")):
        group = [t for t in tables if package.table(t.name).workbook == key]
        if group:
            groups.append({"name": name, "note": note, "tables": group})
    pages["reference/fill/index.md"] = env.get_template("fill_index.md.j2").render(groups=groups)
    fill = env.get_template("fill_table.md.j2")
    for t in tables:
        pages[f"reference/fill/{t.name}.md"] = fill.render(t=t)
    public = load_package(schemas_dir() / "public")
    pages["reference/public-data.md"] = env.get_template("public_data.md.j2").render(
        tables=tables_view(public, []), package_title=public.descriptor.get("title", ""),
        package_description=public.descriptor.get("description", ""))
    return pages


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def forms_pages(env: jinja2.Environment, files: list[Path]) -> dict[str, str]:
    items = [FormFile(p.name, _size(p.stat().st_size), FORM_NOTES.get(p.name, "填报模板"))
             for p in files]
    return {"forms/index.md": env.get_template("forms.md.j2").render(files=items)}


def status_pages(env: jinja2.Environment, data: PublicData | None, *, district: str = "",
                 min_count: int = 3, year: int | None = None,
                 progress: Progress | None = None) -> dict[str, str]:
    """The status pages of work year ``year`` (every past year keeps a page and its months
    theirs); with no package, each fixed page says to run ``kcbx report``."""
    names = {"status/index.md": "status_index.md.j2",
             "status/submission.md": "status_submission.md.j2",
             "status/progress.md": "status_progress.md.j2",
             "status/home-teaching.md": "status_home.md.j2",
             "status/quality.md": "status_quality.md.j2",
             "status/units/index.md": "status_units_index.md.j2",
             "status/months/index.md": "status_months_index.md.j2"}
    common: dict[str, Any] = {"district": district, "min_count": min_count}
    rules = {r["id"]: r["title"] for r in catalogue()}
    site = None if data is None else StatusSite(
        data, {**{k: kind.title for k, kind in KINDS.items()}, **rules}, set(rules), year)
    if site is None or not site.periods:  # no package yet, or an empty one
        return {path: env.get_template(t).render(s=None, **common) for path, t in names.items()}
    views = {"status/index.md": {"o": site.overview()},
             "status/submission.md": {"v": site.submission()},
             "status/progress.md": {"v": site.progress()},
             "status/home-teaching.md": {"v": site.home()},
             "status/quality.md": {"v": site.quality()},
             "status/units/index.md": {"towns": site.townships()},
             "status/months/index.md": {"years": site.periods_by_year()}}
    pages = {path: env.get_template(names[path]).render(s=site, **common, **views[path])
             for path in names}
    unit_t, month_t = env.get_template("status_unit.md.j2"), env.get_template("status_month.md.j2")
    total = len(site.units) + len(site.all_periods)
    for i, unit in enumerate(site.units, start=1):
        pages[f"status/units/{unit['unit_code']}.md"] = unit_t.render(
            v=site.unit_page(unit), **common)
        if progress and i % 20 == 0:
            progress("生成统计页面", i, total)
    sites = {site.year: site, **{y: site.for_year(y) for y in site.other_years}}
    for period in site.all_periods:  # each month with its own year's trends
        pages[f"status/months/{period}.md"] = month_t.render(
            v=sites[work_year(period)].month_page(period), **common)
    year_t = env.get_template("status_year.md.j2")
    for other in site.other_years:
        pages[f"status/years/{other}.md"] = year_t.render(
            year=other, v=sites[other].submission(), p=sites[other].progress(), **common)
    if progress:
        progress("生成统计页面", total, total)
    return pages


def repo_pages(package: DataPackage | None = None) -> dict[str, str]:
    """The generated pages as committed in the repo: no workspace, so no data and no forms."""
    env = environment()
    return {**reference_pages(env, package), **forms_pages(env, []), **status_pages(env, None)}


def write_pages(docs: Path, pages: dict[str, str]) -> None:
    """Replace the generated folders of ``docs`` with ``pages`` (relative path → Markdown)."""
    for folder in GENERATED:
        target = docs / folder
        if target.is_dir():
            shutil.rmtree(target)
    for rel, text in pages.items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
