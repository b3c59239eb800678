"""The policy rules of ``rules.md``, each a small registered unit (see ``base.rule``).

``run_rules`` runs them all on a snapshot's tables; ``catalogue`` lists them for the site.
"""

from __future__ import annotations

from typing import Any

from ...findings import KINDS, Finding
from . import cases, focus, handover, home, people, reporting  # noqa: F401 - registers the rules
from .base import REGISTRY, Rule, RuleContext
from .focus import focus_rows

# the order of rules.md's sections; a rule of a family not named here still runs, last
FAMILIES = ("ID", "AGE", "MATCH", "REP", "STEP", "CARE", "HOME", "CHG", "FOCUS")

__all__ = ["RuleContext", "catalogue", "focus_rows", "rule_name", "rule_title", "rules", "run_rules"]


def _order(rule_id: str) -> tuple[int, str, int]:
    family, _, number = rule_id.rpartition("-")
    rank = FAMILIES.index(family) if family in FAMILIES else len(FAMILIES)
    return rank, family, int(number) if number.isdigit() else 0


def rules() -> list[Rule]:
    """Every registered rule, in the order of rules.md."""
    return [REGISTRY[i] for i in sorted(REGISTRY, key=_order)]


def run_rules(ctx: RuleContext, only: set[str] | None = None) -> list[Finding]:
    out: list[Finding] = []
    for r in rules():
        if only is None or r.id in only:
            out.extend(r.run(ctx))
    return out


def rule_title(rule: str) -> str:
    """The Chinese name of a rule ID or a schema error kind, for people (e.g. ``HOME-3`` →
    ``HOME-3 两人同行，至少一名男教师``; ``enum-error`` → ``不是可选项``)."""
    if rule in REGISTRY:
        return f"{rule} {REGISTRY[rule].title}"
    return KINDS[rule].title if rule in KINDS else rule


def rule_name(rule: str) -> str:
    """The short Chinese name of a rule ID or schema error kind alone (``HOME-3`` →
    ``两人同行，至少一名男教师``; ``required-error`` → ``必填项为空``): what a clerk reads."""
    if rule in REGISTRY:
        return REGISTRY[rule].title
    return KINDS[rule].title if rule in KINDS else rule


def catalogue() -> list[dict[str, Any]]:
    """Every rule as data: ID, severity, what the policy says, what is checked, thresholds."""
    return [
        {"id": r.id, "severity": r.severity, "title": r.title, "policy": r.policy,
         "check": r.check, "anchor": r.anchor, "thresholds": list(r.thresholds),
         "layer": r.layer}
        for r in rules()
    ]
