"""A full validation run — schema checks and every policy rule — at province scale.

Setup: the demo district scaled to N census rows (default 1,000,000; the roster follows:
about 0.9 N rows), pulled once. Measured, in a fresh process each, so that memory is the
run's own: loading the snapshot's tables, the schema layer, the policy rules (per rule),
and the peak memory. Baseline, in the same run: stock ``frictionless validate`` of the
same census and roster CSVs (schema layer only; skip with --no-baseline).
Targets (issue): schema + all rules ≤ 60 s wall and ≤ 2 GB on 2 cores.

    python benchmarks/full_run.py [--children 1000000] [--workdir DIR] [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import timed

CHILD = r'''
import json, resource, sys, time
from kcbx.config import load_config
from kcbx.schema import load_package
from kcbx.tables import Snapshot
from kcbx.validation import Tables, submitted_units
from kcbx.validation.schema_checks import check_schema
from kcbx.validation.rules import RuleContext, rules
from kcbx.pipeline import previous_tables
times = {}
config = load_config(sys.argv[1]); snap = Snapshot(__import__("pathlib").Path(sys.argv[2]))
package = load_package()
t = time.perf_counter(); tables = Tables.build(package, snap.tables(), snap.files())
times["load tables (CSV → polars, typed)"] = time.perf_counter() - t
t = time.perf_counter(); schema = check_schema(tables)
times["schema checks + ID-1/ID-2"] = time.perf_counter() - t
t = time.perf_counter(); previous = previous_tables(config, package, snap)
times["previous pull (REP-4)"] = time.perf_counter() - t
ctx = RuleContext(config, package, tables, previous, submitted_units(tables, snap.files(), config.period))
per_rule = {}; n = 0
t0 = time.perf_counter()
for r in rules():
    t = time.perf_counter(); n += len(r.run(ctx)); per_rule[r.id] = time.perf_counter() - t
times["policy rules (all)"] = time.perf_counter() - t0
print(json.dumps({"times": times, "per_rule": per_rule, "findings": len(schema) + n,
                  "rows": {k: v.height for k, v in tables.text.items()},
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    from kcbx.config import load_config
    from kcbx.demo import write_demo
    from kcbx.schema import load_package
    from kcbx.tables import latest_snapshot, pull
    from kcbx.tables.snapshot import snapshots_dir

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kcbx-full-"))
    district = work / "district"
    setup: dict[str, float] = {}
    print(f"Setup in {work}")
    if not (district / "kcbx.yml").is_file():
        with timed(f"demo with {args.children:,} children written", setup):
            write_demo(district, children=args.children)
    config = load_config(district)
    snap = latest_snapshot(snapshots_dir(config))
    if snap is None:
        with timed("kcbx pull (xlsx intake of every workbook)", setup):
            snap = pull(config, load_package())
    print(f"snapshot: {snap.path}")

    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(district), str(snap.path)],
                         capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nrows: census {result['rows']['census']:,}, roster {result['rows']['roster']:,}")
    for label, seconds in result["times"].items():
        print(f"  {label}: {seconds:.2f} s")
    slow = sorted(result["per_rule"].items(), key=lambda kv: -kv[1])[:6]
    print("  slowest rules: " + ", ".join(f"{k} {v:.2f} s" for k, v in slow))
    total = sum(result["times"].values())
    print(f"  full run (schema + rules, incl. loading): {total:.2f} s; process wall {wall:.2f} s; "
          f"peak memory {result['peak_mb']:.0f} MB; findings {result['findings']:,}")
    print(f"  targets: ≤ 60 s → {'met' if wall <= 60 else 'NOT met'}; ≤ 2048 MB → "
          f"{'met' if result['peak_mb'] <= 2048 else 'NOT met'}")
    if args.no_baseline:
        return
    import frictionless

    desc = json.loads((snap.path / "tables" / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"] = [r for r in desc["resources"] if r["name"] in ("units", "grid", "census",
                                                                       "roster")]
    pkg = snap.path / "tables" / "bench-package.json"
    pkg.write_text(json.dumps(desc, ensure_ascii=False), encoding="utf-8")
    base: dict[str, float] = {}
    with timed("baseline: frictionless validate census + roster (schema only)", base):
        report = frictionless.validate(str(pkg), limit_errors=10**9)
    pkg.unlink()
    print(f"  frictionless errors: {report.stats['errors']:,}")
    ratio = list(base.values())[0] / result["times"]["schema checks + ID-1/ID-2"]
    print(f"  ratio: kcbx schema layer is {ratio:.1f}x faster than frictionless; the whole kcbx run "
          f"(schema + {len(result['per_rule'])} rules) takes {total / list(base.values())[0]:.2f}x "
          "frictionless's schema-only time")


if __name__ == "__main__":
    main()
