"""How ``kcbx site build`` grows with the number of generated pages, and what keeping the bulk
status pages out of the search index saves.

    python benchmarks/site_build.py [--sizes 10,100,500,2000] [--skip-district]

For each size N the sample public package gets N-1 units and 1 month, so the status section
has N bulk pages (one per unit and per month) besides the ~40 fixed pages. Each size is built
twice through the same steps as ``build_site`` (copy site/, generate, mkdocs, gate):

* **kcbx**: bulk pages carry ``search: exclude: true`` (what kcbx ships);
* **baseline**: the same pages with the bulk pages left in the search index.

CPU seconds are this process's (mkdocs runs in-process). Then a district of 60 units × 12
months is built with ``build_site`` itself, with the demo's 12,000-child snapshot feeding the
privacy gate, against the target of 15 s on 2 cores; then with new numbers for the same
units, the page-level rebuild against a full build of the same sources.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

from kcbx.config import load_config
from kcbx.outputs.site.build import build_site, mkdocs_config, run_mkdocs
from kcbx.outputs.site.gate import Scanner, public_examples, scan_site
from kcbx.outputs.site.generate import environment, forms_pages, reference_pages, status_pages, write_pages
from kcbx.outputs.site.locate import site_sources
from kcbx.outputs.site.sample import write_sample_public
from kcbx.outputs.site.searchfix import write_search_fix
from kcbx.outputs.site.status import read_public
from kcbx.schema import load_package

EXCLUDE = "search:\n  exclude: true\n"


def build_once(work: Path, public: Path, *, bulk_in_search: bool) -> tuple[float, float, int, int]:
    """(wall s, CPU s, bulk pages, search index bytes) for one build of the site."""
    docs_src, mkdocs_src = site_sources()
    package = load_package()
    wall, cpu = time.perf_counter(), time.process_time()
    docs, out = work / "docs", work / "out"
    shutil.copytree(docs_src, docs)
    env = environment()
    status = status_pages(env, read_public(public), district="示例区")
    if bulk_in_search:
        status = {k: v.replace(EXCLUDE, "") for k, v in status.items()}
    write_pages(docs, {**reference_pages(env, package), **forms_pages(env, []), **status})
    write_search_fix(docs)
    config = work / "mkdocs.yml"
    config.write_text(yaml.safe_dump(mkdocs_config(mkdocs_src, docs, out, "示例区"),
                                     allow_unicode=True), encoding="utf-8")
    run_mkdocs(config)
    scan_site(out, Scanner({}, public_examples(package)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    bulk = sum(1 for k in status if k.count("/") == 2 and not k.endswith("index.md"))
    return wall, cpu, bulk, (out / "search" / "search_index.json").stat().st_size


def growth(sizes: list[int], root: Path) -> None:
    print("生成页面数 N（批量页）| kcbx：墙钟 s / CPU s / CPU ms每页 / 索引 MB | "
          "基线（批量页进搜索）：CPU s / 索引 MB | 基线/kcbx", flush=True)
    rows = []
    warm = Path(tempfile.mkdtemp(dir=root))  # jieba's dictionary and imports, once
    build_once(warm, write_sample_public(root / "public-warm", units=3, months=1), bulk_in_search=False)
    shutil.rmtree(warm)
    for n in sizes:
        public = write_sample_public(root / f"public-{n}", units=max(1, n - 1), months=1)
        results = {}
        for variant in (False, True):
            work = Path(tempfile.mkdtemp(dir=root))
            results[variant] = build_once(work, public, bulk_in_search=variant)
            shutil.rmtree(work)
        (w, c, bulk, size), (_, bc, _, bsize) = results[False], results[True]
        rows.append((bulk, c, bc))
        print(f"  N={bulk:5d} | {w:6.1f} / {c:6.1f} / {1000 * c / bulk:6.1f} / {size / 1e6:5.2f} | "
              f"{bc:6.1f} / {bsize / 1e6:5.2f} | {bc / c:4.2f}×", flush=True)
    print("每增加一页的 CPU 增量（相邻两档之差 / 页数差）：", flush=True)
    for (n0, c0, b0), (n1, c1, b1) in zip(rows, rows[1:], strict=False):
        print(f"  {n0:5d} → {n1:5d}: kcbx {1000 * (c1 - c0) / (n1 - n0):6.1f} ms/页，"
              f"基线 {1000 * (b1 - b0) / (n1 - n0):6.1f} ms/页", flush=True)


def district(root: Path) -> None:
    from kcbx.demo import write_demo
    from kcbx.pipeline import current_snapshot

    print("60 个单位 × 12 个月（build_site，隐私检查用 12,000 名儿童的快照）：", flush=True)
    ws = root / "示例区"
    write_demo(ws, children=12_000)
    config = load_config(ws)
    current_snapshot(config)
    write_sample_public(config.outputs_path / "public", units=60, months=12)
    wall, cpu = time.perf_counter(), time.process_time()
    result = build_site(config)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {result.pages} 个 HTML 页面（生成 {result.generated} 页）：墙钟 {wall:.1f} s，CPU {cpu:.1f} s"
          f"（目标 ≤ 15 s）", flush=True)
    # New numbers for the same units (a new pull): the pages whose Markdown changed, rebuilt
    # alone; baseline: the same sources built in full (the published site's record removed).
    write_sample_public(config.outputs_path / "public", units=60, months=12, seed=2)
    wall = time.perf_counter()
    build_site(config)
    pages = time.perf_counter() - wall
    (config.site_path / ".kcbx-site-key").unlink()
    wall = time.perf_counter()
    build_site(config)
    full = time.perf_counter() - wall
    print(f"  每个单位的数字都变了（同样的单位）：只重建变了的页面 {pages:.1f} s，"
          f"全部重建（基线）{full:.1f} s（{full / pages:.1f}×）", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,500,2000")
    parser.add_argument("--skip-district", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kcbx-site-bench-") as tmp:
        root = Path(tmp)
        growth([int(s) for s in args.sizes.split(",")], root)
        if not args.skip_district:
            district(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
