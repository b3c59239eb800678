"""What the privacy gate last passed, so that the next check reads only what is new.

A rebuild after one school resends changes a few pages and a handful of personal values;
checking the whole site against every value again (≈ 0.5 s on a district of 100,000
children) is the gate's largest cost. The gate keeps, privately in the workspace's
outputs (never in the published site), a :class:`Checked` record: the digest of every file
it passed and a short digest of every personal value it passed them against. A file whose
bytes are the same as a passed one can then only leak a value that is new since — it is
scanned for those alone; every other file is scanned in full. A record made by other gate
code, other patterns or other public examples is not used.

Value digests are polars' 64-bit hashes (stable within one polars version, which is part of
the record's key): two values that share one are treated as one (a new value could be
skipped in unchanged files with odds of about 10⁻¹⁴ per value). The record is personal
data like the snapshots beside it: an ID number has few enough possible values that its
digest can be reversed by trying them all. It stays in the private outputs folder and is
never published.
"""

from __future__ import annotations

import base64
import hashlib
import json
from array import array
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ...atomic import write_text

RECORD = ".site-gate.json"  # in the workspace's (private) outputs folder
CODE = Path(__file__)  # part of the gate's version: what a record means
SEED = 0x6B636278  # any fixed seed


def value_digests(values: list[str]) -> pl.Series:
    """Each value's 64-bit digest."""
    return pl.Series(values, dtype=pl.String).hash(SEED)


def key_part() -> str:
    """What the value digests depend on besides the values."""
    return f"polars {pl.__version__}"


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Checked:
    """Files that passed the gate (path → digest) and the values they passed against."""

    gate: str  # the gate's code, patterns and public examples
    files: dict[str, str]
    values: pl.Series  # UInt64 digests

    def new_values(self, values: list[str], digests: pl.Series) -> list[str]:
        """The ``values`` (with their ``digests``) not among those the files passed against."""
        fresh = ~digests.is_in(self.values.implode())
        return [v for v, new in zip(values, fresh.to_list(), strict=True) if new]

    def passed(self, rel: str, digest: str) -> bool:
        return self.files.get(rel) == digest

    @classmethod
    def read(cls, path: Path, gate: str) -> Checked | None:
        """The record at ``path`` when it was made by this ``gate``; else ``None``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("gate") != gate:
                return None
            packed = array("Q", base64.b64decode(data["values"]))
            values = pl.Series(packed, dtype=pl.UInt64)
            return cls(gate, {str(k): str(v) for k, v in data["files"].items()}, values)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self, path: Path) -> None:
        packed = base64.b64encode(array("Q", self.values.unique().sort().to_list()).tobytes()).decode()
        write_text(path, json.dumps({"gate": self.gate, "files": self.files, "values": packed},
                                    sort_keys=True))
