"""The demo district's planted mistakes are judged exactly: each found at its anchor, nothing
else reported (kcbx reports every copy of a duplicate ID: the second copy is named here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kcbx.config import load_config
from kcbx.pipeline import validate


@pytest.fixture(scope="module")
def demo(demo_copy) -> Path:
    return demo_copy("demo").dest


def key(rule: str, unit: str | None, sheet: str | None, row: int | None, column: str | None):
    return (rule, unit, sheet, row, column)


def test_demo_findings_are_exactly_the_planted_mistakes(demo: Path) -> None:
    report = validate(load_config(demo))
    planted = json.loads((demo / ".kcbx-demo" / "planted.json").read_text(encoding="utf-8"))
    expected = {key(p["rule"], p["unit_code"], p["sheet"], p["row"], p["column"]) for p in planted}
    found = {key(f.rule, f.unit_code, f.sheet, f.row, f.column) for f in report.findings}

    # The one deliberate extra: the other copy of the planted duplicate census ID.
    dup = [f for f in report.findings if f.rule == "unique-error"]
    assert len(dup) == 2 and len({f.value for f in dup}) == 1
    expected |= {key(f.rule, f.unit_code, f.sheet, f.row, f.column) for f in dup}

    assert found - expected == set(), "reported but not planted"
    assert expected - found == set(), "planted but not reported"
    assert len(report.findings) == len(found), "one mistake, one finding"
    assert not report.valid


def test_demo_covers_every_rule(demo: Path) -> None:
    rules_md = Path(__file__).resolve().parents[2] / "shared" / "spec" / "rules.md"
    if not rules_md.is_file():
        pytest.skip(f"{rules_md} is not here: the contract is needed to list the rules")
    import re

    # HOME-7 compares two work years: the two-year demo has it (test_demo.py)
    ids = set(re.findall(r"^\| ([A-Z]+-\d+) \|", rules_md.read_text("utf-8"), re.M)) - {"FOCUS-1", "HOME-7"}
    found = {f.rule for f in validate(load_config(demo)).findings}
    assert ids <= found, sorted(ids - found)
