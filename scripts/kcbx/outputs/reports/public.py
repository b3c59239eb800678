"""The public aggregates package (contract: ``schemas/public/datapackage.json``) that the site
reads: counts and rates per unit, 乡镇 and district, no personal field, small counts hidden.

Months accumulate: writing a period replaces that period's rows and keeps the others.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from ...atomic import building, swap_in, write_json
from ...errors import KcbxError
from ...schema import schemas_dir

PUBLIC = "public"


def public_descriptor() -> dict[str, Any]:
    return json.loads((schemas_dir() / "public" / "datapackage.json").read_text(encoding="utf-8"))


def _dtype(field: dict[str, Any]) -> pl.DataType:
    return {"integer": pl.Int64, "number": pl.Float64, "date": pl.Date}.get(
        field["type"], pl.String)


def read_public(folder: Path) -> dict[str, pl.DataFrame]:
    """The package's tables (empty frames where a file is missing)."""
    out = {}
    for res in public_descriptor()["resources"]:
        schema = {f["name"]: _dtype(f) for f in res["schema"]["fields"]}
        path = folder / res["path"]
        if path.is_file():
            frame = pl.read_csv(path, schema=schema, encoding="utf8")
        else:
            frame = pl.DataFrame(schema=schema)
        out[res["name"]] = frame
    return out


def write_public(folder: Path, frames: dict[str, pl.DataFrame], *, district: str,
                 replace: dict[str, tuple[str, list[str]]]) -> Path:
    """Merge ``frames`` into the package in ``folder`` and write it atomically.

    ``replace[name] = (column, values)``: existing rows whose column is in values are dropped
    first (the period or pull being rewritten).
    """
    descriptor = public_descriptor()
    existing = read_public(folder)
    merged = {}
    for res in descriptor["resources"]:
        name = res["name"]
        names = [f["name"] for f in res["schema"]["fields"]]
        old = existing[name]
        if name in replace:
            column, values = replace[name]
            old = old.filter(~pl.col(column).is_in(values))
        new = frames.get(name)
        if new is not None:
            new = new.select(names).cast(old.schema)
            old = pl.concat([old, new], how="vertical")
        merged[name] = old.sort([c for c in ("period", "pulled") if c in names], maintain_order=True)
    descriptor = {**descriptor, "title": f"{district}控辍保学公开统计数据"}
    try:
        with building(folder.parent, ".public-") as tmp:
            for name, frame in merged.items():
                frame.write_csv(tmp / f"{name}.csv")
            write_json(tmp / "datapackage.json", descriptor)
            swap_in(tmp, folder)
    except OSError as exc:
        raise KcbxError(f"无法写入公开统计数据 {folder}（{exc.strerror or exc}）") from None
    return folder
