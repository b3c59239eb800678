"""The validation report for the bureau as one self-contained HTML page (jinja2), by unit and rule.

Private: the messages name children, so it goes to the private outputs only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..atomic import write_text
from ..findings import ERROR, WARNING, Report
from ..validation.rules import rule_title
from .compiled import bytecode_cache

_env = Environment(loader=PackageLoader("kcbx.outputs", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                   lstrip_blocks=True, bytecode_cache=bytecode_cache("findings-page"))


def _title(rule: str) -> str:
    return rule_title(rule).removeprefix(f"{rule} ")


def render(report: Report, *, district: str, period: str, as_of: dt.date) -> str:
    """``as_of`` is the day the rules judged the pull on (not the clock), so a rebuild of
    the same report writes the same page."""
    findings = report.sorted()
    by_unit: dict[str, list] = defaultdict(list)
    for f in findings:
        by_unit[f.unit_code or ""].append(f)
    order = [u for u in report.units if u in by_unit] + sorted(set(by_unit) - set(report.units))
    units: list[dict[str, Any]] = []
    for code in order:
        groups: dict[str, list] = defaultdict(list)
        for f in by_unit[code]:
            groups[f.rule].append({**f.to_dict(), "focus": report.is_focus(f)})
        counts = Counter(f.severity for f in by_unit[code])
        units.append({"code": code, "name": report.unit_names.get(code, ""),
                      "errors": counts[ERROR], "warnings": counts[WARNING],
                      "groups": [{"rule": r, "title": _title(r), "findings": fs}
                                 for r, fs in groups.items()]})
    rules: dict[tuple[str, str], dict[str, Any]] = {}
    for f in findings:
        item = rules.setdefault((f.rule, f.severity), {
            "id": f.rule, "title": _title(f.rule), "severity": f.severity, "count": 0, "units": []})
        item["count"] += 1
        if f.unit_code and f.unit_code not in item["units"]:
            item["units"].append(f.unit_code)
    counts = Counter(f.severity for f in findings)
    return _env.get_template("findings.html.j2").render(
        district=district, period=period, snapshot=report.snapshot or "",
        as_of=as_of.isoformat(),
        counts={ERROR: counts[ERROR], WARNING: counts[WARNING]},
        focus=sum(1 for f in findings if report.is_focus(f)),
        units=units, rules=sorted(rules.values(), key=lambda r: (r["severity"] != ERROR, r["id"])))


def write(report: Report, path: Path, *, district: str, period: str, as_of: dt.date) -> Path:
    return write_text(path, render(report, district=district, period=period, as_of=as_of))
