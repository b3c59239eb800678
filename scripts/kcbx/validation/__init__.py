"""Validation: schema checks (and, as they arrive, policy rules) on a snapshot → a Report."""

from __future__ import annotations

from ..findings import Report
from ..schema import DataPackage
from ..tables import Snapshot
from .schema_checks import Tables, check_schema

__all__ = ["Tables", "check_schema", "validate_snapshot"]


def validate_snapshot(package: DataPackage, snapshot: Snapshot) -> Report:
    """Every finding for a snapshot: what intake found, then the schema checks."""
    tables = Tables.build(package, snapshot.tables(), snapshot.files())
    findings = [*snapshot.intake_findings(), *check_schema(tables)]
    units = tables.text["units"]
    codes = units["code"].to_list()
    names = dict(zip(codes, units["name"].to_list(), strict=True))
    return Report(
        findings=findings,
        units=[c for c in codes if c],
        unit_names={c: n for c, n in names.items() if c and n},
        snapshot=snapshot.name,
    )
