"""Tables: raw sheets → normalised tables with provenance, kept as dated snapshots."""

from .intake import PROVENANCE, Intake, intake
from .snapshot import Snapshot, latest_snapshot, list_snapshots, pull

__all__ = [
    "PROVENANCE",
    "Intake",
    "Snapshot",
    "intake",
    "latest_snapshot",
    "list_snapshots",
    "pull",
]
