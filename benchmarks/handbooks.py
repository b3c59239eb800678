"""送教手册: 1,000 handbooks of a whole term's records, typst vs WeasyPrint on the same handbook.

Setup: the demo district's 送教 children, cloned to ``--children`` (default 1,000) fictional
children across its three 送教 units, each with a visit in every teaching week of the
2022年秋季学期 (pull date 2023-01-14: the whole term, ≈ 18 visits, ≈ 10 pages).
  1. Compile all handbooks (PDF + DOCX, and each unit's 合订本) on ``--workers`` processes
     (default 2): wall time (target ≤ 90 s on 2 cores).
  2. The same again with nothing changed: wall time (target ≤ 5 s).
  3. Baseline: one full-term handbook through typst and through WeasyPrint (an HTML
     rendering of the same record with the same Noto fonts), one process each, measured in
     this run; prints the ratio. Skipped with a message if WeasyPrint is not installed.

    python benchmarks/handbooks.py [--children 1000] [--workers 2] [--baseline-runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import jinja2
import polars as pl
from common import timed

from kcbx.config import load_config
from kcbx.demo import write_demo
from kcbx.outputs.fonts import resolve_fonts
from kcbx.outputs.handbooks import build_records, write_handbooks
from kcbx.outputs.handbooks.data import TABLES, dated
from kcbx.outputs.handbooks.pdf import render_pdf
from kcbx.pipeline import current_snapshot
from kcbx.schema import load_package
from kcbx.validation import Tables
from kcbx.validation.rules.home import teaching_weeks

PULLED = dt.date(2023, 1, 14)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "华明芳强丽军静敏伟杰娜磊洋艳勇涛超秀霞平刚桂英兰玉萍红梅鹏飞宇晨浩然欣怡子轩梓涵一诺思雨佳琪嘉"


def term_tables(config, typed: dict[str, pl.DataFrame], children: int) -> dict[str, pl.DataFrame]:
    """``children`` fictional 送教 children with a visit in every teaching week of the term."""
    home, iep, visits = typed["home_students"], typed["iep"], typed["visits"]
    templates = home.to_dicts()
    weeks = teaching_weeks(config, PULLED)
    home_rows, iep_rows, visit_rows = [], [], []
    for i in range(children):
        t = templates[i % len(templates)]
        ident = f"110101{t['birth_date']:%Y%m%d}{i:04d}"
        name = f"{SURNAMES[i % len(SURNAMES)]}某{GIVEN[(i // len(SURNAMES)) % len(GIVEN)]}"
        home_rows.append({**t, "id_number": ident, "student_no": f"G{ident}", "name": name,
                          "started_on": dt.date(2022, 9, 1), "_row": i + 2, "remark": None})
        for p in iep.filter(pl.col("id_number") == t["id_number"]).to_dicts():
            iep_rows.append({**p, "id_number": ident, "made_on": dt.date(2022, 8, 30)})
        own = visits.filter(pl.col("id_number") == t["id_number"]).to_dicts()
        for n, monday in enumerate(weeks):
            v = own[n % len(own)]
            day = max(monday + dt.timedelta(days=1 + i % 3), config.terms[0].start)
            visit_rows.append({**v, "id_number": ident, "name": name, "on": day,
                               "_row": len(visit_rows) + 2})
    return {**typed,
            "home_students": pl.DataFrame(home_rows, schema=home.schema),
            "iep": pl.DataFrame(iep_rows, schema=iep.schema),
            "visits": pl.DataFrame(visit_rows, schema=visits.schema)}


HTML = jinja2.Template("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><style>
@font-face { font-family: "KSerif"; src: url("{{ serif }}"); }
@font-face { font-family: "KSans"; src: url("{{ sans }}"); }
@page { size: A4; margin: 2.6cm 2.2cm 2.2cm;
  @top-left { content: "{{ m.district }} 送教手册 · {{ d.student.name }}"; font: 9pt KSans; }
  @top-right { content: "编号：{{ m.number }}"; font: 9pt KSans; }
  @bottom-center { content: "第 " counter(page) " 页　共 " counter(pages) " 页"; font: 9pt KSerif; } }
@page cover { @top-left { content: none; } @top-right { content: none; } @bottom-center { content: none; } }
@page wide { size: A4 landscape; margin: 2.4cm 2cm 2cm; }
body { font: 10.5pt/1.5 KSerif; }
h1 { font: 15pt KSans; margin: 1.2em 0 0.6em; } h2 { font: 12pt KSans; }
table { width: 100%; border-collapse: collapse; margin-bottom: 0.8em; }
td, th { border: 0.5pt solid black; padding: 4pt; vertical-align: middle; }
th, td.l { font-family: KSans; background: #eee; text-align: center; }
tr { page-break-inside: avoid; } thead { display: table-header-group; }
.cover { page: cover; text-align: center; page-break-after: always; }
.cover .t { font: 36pt KSans; letter-spacing: 0.35em; margin-top: 3cm; }
.wide { page: wide; font-size: 9pt; } .note { font-size: 9pt; color: #444; }
</style></head><body>
<div class="cover"><p>{{ m.cover_line }}</p><p class="t">送教手册</p><p>（送教上门服务档案）</p>
<p>{{ m.school_year }}　{{ m.term }}</p>
<table style="width: 12cm; margin: 2cm auto;">{% for f in m.cover_fields %}
<tr><td class="l">{{ f.label }}</td><td>{{ f.value }}</td></tr>{% endfor %}</table>
<p>{{ m.issuer }}</p><p>编制日期：{{ m.compiled_on }}</p></div>
<div class="note">{% for n in d.notes %}<p>{{ loop.index }}. {{ n }}</p>{% endfor %}</div>
{% for title, rows in (("一、学生基本情况", d.basic), ("二、申请与评估", d.assessment),
                       ("三、个别化教学计划", d.plan.info)) %}
<h1>{{ title }}</h1><table>{% for r in rows %}<tr>{% for c in r %}<td class="l">{{ c.label }}</td>
<td{% if r|length == 1 %} colspan="3"{% endif %}>{{ c.value or "—" }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% endfor %}
<table><thead><tr><th>领域</th><th>长期目标</th><th>短期目标</th><th>教学方法与措施</th><th>学期评价</th></tr></thead>
{% for p in d.plan.domains %}<tr><td class="l">{{ p.domain }}</td><td>{{ p.long_goal }}</td>
<td>{{ p.short_goal }}</td><td>{{ p.methods }}</td><td>{{ p.evaluation or "—" }}</td></tr>{% endfor %}</table>
<div class="wide"><h1>四、送教记录</h1><p class="note">{{ d.records_note }}</p><table>
<thead><tr><th>序号</th><th>送教日期</th><th>课时</th><th>送教教师</th><th>地点</th><th>补偿训练领域</th>
<th>送教内容</th><th>家庭训练布置</th><th>家长培训</th><th>效果评价</th><th>家长签字</th></tr></thead>
{% for v in d.visits %}<tr><td>{{ v.n }}</td><td>{{ v.date }}</td><td>{{ v.hours }}</td>
<td>{{ v.teachers|join("<br>"|safe) }}</td><td>{{ v.site }}</td><td>{{ v.domains|join("<br>"|safe) }}</td>
<td>{{ v.content }}</td><td>{{ v.family_task }}</td><td>{{ v.parent_training }}</td><td>{{ v.effect }}</td>
<td style="width: 2cm"></td></tr>{% endfor %}</table></div>
<h1>五、每月跟踪记录</h1><table><thead><tr><th>月份</th><th>送教次数</th><th>课时</th><th>涉及领域</th>
<th>教学周</th><th>未送教的教学周</th><th>检查签字</th></tr></thead>{% for r in d.months %}<tr>
<td>{{ r.month }}</td><td>{{ r.visits }}</td><td>{{ r.hours }}</td><td>{{ r.domains }}</td>
<td>{{ r.weeks }}</td>
<td>{{ r.missed }}</td><td></td></tr>{% endfor %}</table>
<h1>六、家长培训与家庭训练</h1><table><thead><tr><th>日期</th><th>家长培训内容</th><th>家庭训练布置</th>
<th>家长反馈</th></tr></thead>{% for r in d.family %}<tr><td>{{ r.date }}</td><td>{{ r.parent_training }}</td>
<td>{{ r.family_task }}</td><td></td></tr>{% endfor %}</table>
<h1>七、学期总结</h1><table>{% for f in d.summary.facts %}<tr><td class="l">{{ f.label }}</td>
<td>{{ f.value }}</td></tr>{% endfor %}</table>
<table><thead><tr><th>检查项目</th><th>结果</th><th>具体情况</th></tr></thead>{% for c in d.summary.checks %}
<tr><td class="l">{{ c.item }}</td><td>{{ c.result }}</td><td>{{ c.detail }}</td></tr>{% endfor %}</table>
<h1 style="page-break-before: always">八、检查记录</h1><table><thead><tr><th>检查日期</th><th>检查人</th>
<th>检查意见</th><th>检查人签字</th></tr></thead>{% for _ in range(d.inspection_rows) %}
<tr style="height: 1.9cm"><td></td><td></td><td></td><td></td></tr>{% endfor %}</table>
</body></html>""", autoescape=True)


def baseline(records, fonts, runs: int) -> None:
    """typst and WeasyPrint on the same ``runs`` full-term handbooks, one process each."""
    sample = records[1:runs + 1]
    print(f"\n3. the same {len(sample)} full-term handbooks "
          f"({len(sample[0].data['visits'])} visits each) through each renderer, one process")
    today = dt.date(2023, 1, 14)
    render_pdf(records[0].data, fonts, today)  # fonts loaded once per worker in real runs
    start, cpu = time.perf_counter(), time.process_time()
    for rec in sample:
        render_pdf(rec.data, fonts, today)
    typst_wall = (time.perf_counter() - start) / len(sample)
    typst_cpu = (time.process_time() - cpu) / len(sample)
    print(f"  typst: {typst_wall * 1000:.0f} ms wall, {typst_cpu * 1000:.0f} ms CPU per handbook")
    try:
        import weasyprint
    except ImportError:
        print("  WeasyPrint baseline skipped: WeasyPrint is not installed "
              "(pip install weasyprint; it also needs the system's Pango library)")
        return
    serif, sans = (Path(f).as_uri() for f in fonts.files[:2])
    pages = [HTML.render(d=dated(rec.data, today), m=dated(rec.data, today)["meta"],
                         serif=serif, sans=sans) for rec in [records[0], *sample]]
    try:
        weasyprint.HTML(string=pages[0]).write_pdf()
    except Exception as exc:  # noqa: BLE001 - a missing system library shows up only here
        print(f"  WeasyPrint baseline skipped: WeasyPrint does not render here ({exc})")
        return
    start, cpu = time.perf_counter(), time.process_time()
    for html in pages[1:]:
        pdf = weasyprint.HTML(string=html).write_pdf()
    wp_wall = (time.perf_counter() - start) / len(sample)
    wp_cpu = (time.process_time() - cpu) / len(sample)
    print(f"  WeasyPrint {weasyprint.__version__}: {wp_wall * 1000:.0f} ms wall, "
          f"{wp_cpu * 1000:.0f} ms CPU per handbook ({len(pdf) // 1024:,} KB)")
    print(f"  ratio: typst uses {wp_cpu / typst_cpu:.1f}x less CPU than WeasyPrint "
          f"({wp_wall / typst_wall:.1f}x less wall time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--formats", default="pdf,docx")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kcbx-handbooks-"))
    try:
        write_demo(work / "示例区")
        config = load_config(work / "示例区").with_overrides(pulled_on=PULLED)
        package = load_package()
        snap, _ = current_snapshot(config, package)
        tables = Tables.build(package, snap.tables(), snap.files())
        typed = term_tables(config, {n: tables.typed[n] for n in TABLES}, args.children)
        formats = tuple(args.formats.split(","))
        print(f"Setup: {args.children:,} children, {typed['visits'].height:,} visits "
              f"({typed['visits'].height / args.children:.1f} each), formats {'+'.join(formats)}, "
              f"{args.workers} workers, in {work}")
        results: dict[str, float] = {}
        print("\n1. every handbook from scratch")
        with timed("records", results):
            records = build_records(config, typed, findings=())
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with timed("compile (with 合订本)", results):
            first = write_handbooks(config, records, formats=formats, workers=args.workers)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        total = results["records"] + results["compile (with 合订本)"]
        print(f"  total: {total:.1f} s wall for {first.rebuilt:,} handbooks "
              f"({total / max(first.rebuilt, 1) * 1000:.0f} ms each; target ≤ 90 s); "
              f"workers' CPU {cpu:.1f} s ({cpu / max(first.rebuilt, 1) * 1000:.0f} ms each); "
              f"machine load average {os.getloadavg()[0]:.1f}")
        print("\n2. again, nothing changed")
        with timed("unchanged re-run (records + check)", results):
            again = write_handbooks(config, build_records(config, typed, findings=()), formats=formats,
                                    workers=args.workers)
        print(f"  rebuilt {again.rebuilt}, unchanged {again.unchanged:,} (target ≤ 5 s)")
        fonts = resolve_fonts(config, config.outputs_path / "handbooks" / ".fonts")
        baseline(records, fonts, args.baseline_runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
