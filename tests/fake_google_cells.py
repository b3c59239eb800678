"""The cell model of the Google fake: CellData as Sheets stores it, field masks, A1 columns,
USER_ENTERED parsing and FORMATTED_VALUE rendering (shared by ``fake_google``)."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fake_google import Sheet

EPOCH = dt.date(1899, 12, 30)


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _letters(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@functools.cache
def _paths(fields: str) -> tuple[str, ...]:
    """``a,b.c,d(e,f)`` → ('a', 'b.c', 'd.e', 'd.f') (the field-mask syntax Google uses)."""
    out: list[str] = []
    depth, token = 0, ""
    for ch in fields + ",":
        if ch == "," and depth == 0:
            token = token.strip()
            m = re.fullmatch(r"([\w.]+)\((.*)\)", token)
            out += [f"{m.group(1)}.{p}" for p in _paths(m.group(2))] if m else [token] if token else []
            token = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        token += ch
    return tuple(out)


@functools.cache
def _split(fields: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split(".")) for p in _paths(fields))


def _write_cell(sheet: Sheet, r: int, c: int, data: dict[str, Any], fields: str) -> None:
    cell = dict(sheet.cells.get((r, c), {}))
    _apply_mask(cell, data, fields)
    sheet.cells[(r, c)] = cell


def _apply_mask(target: dict[str, Any], source: dict[str, Any], fields: str) -> None:
    """Set (or clear) the masked fields. Stored values are shared, never changed in place:
    containers on the way down are copied before they are written to."""
    for parts in _split(fields):
        if parts == ("*",):
            target.clear()
            target.update(source)
            continue
        src: Any = source
        for p in parts:
            src = src.get(p) if isinstance(src, dict) else None
        node = target
        for p in parts[:-1]:
            child = node.get(p)
            node[p] = dict(child) if isinstance(child, dict) else {}
            node = node[p]
        if src is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = src


def _select(data: Any, fields: str | None) -> Any:
    """Only the fields asked for, as Google does with ``?fields=``."""
    if not fields:
        return data
    tree: dict[str, Any] = {}
    for path in _paths(fields):
        node = tree
        for p in path.split("."):
            node = node.setdefault(p, {})
    return _prune(data, tree)


def _prune(data: Any, tree: dict[str, Any]) -> Any:
    if not tree or data is None:
        return data
    if isinstance(data, list):
        return [_prune(d, tree) for d in data]
    return {k: _prune(data[k], sub) for k, sub in tree.items() if isinstance(data, dict) and k in data}


def _raw_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": str(value)}


def _user_value(value: Any, cell: dict[str, Any]) -> dict[str, Any]:
    """USER_ENTERED parsing as Sheets does it: numbers, dates, TRUE/FALSE, formulas."""
    if not isinstance(value, str):
        return _raw_value(value)
    number_format = cell.get("userEnteredFormat", {}).get("numberFormat", {})
    if value.startswith("'"):
        return {"stringValue": value[1:]}
    if number_format.get("type") == "TEXT":
        return {"stringValue": value}
    if value.startswith("="):
        return {"formulaValue": value}
    if re.fullmatch(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?", value.strip()):
        n = float(value)
        return {"numberValue": int(n) if n.is_integer() and abs(n) < 2**53 else n}
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", value.strip())
    if m:
        day = dt.date(*map(int, m.groups()))
        _default_date_format(cell)
        return {"numberValue": (day - EPOCH).days}
    if value.upper() in ("TRUE", "FALSE"):
        return {"boolValue": value.upper() == "TRUE"}
    return {"stringValue": value}


def _with_formatted(cell: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(cell)
    text = _formatted(cell)
    if text is not None:
        out["formattedValue"] = text
    return out


def _type(sheet: Sheet, r: int, c: int, value: Any) -> None:
    """A value as the school typed it into a formatted cell: text stays text, a date a date."""
    cell = dict(sheet.cells.get((r, c), {}))
    if value is None:
        cell.pop("userEnteredValue", None)
    elif isinstance(value, dt.date):
        cell["userEnteredValue"] = {"numberValue": (value - EPOCH).days}
        _default_date_format(cell)
    else:
        cell["userEnteredValue"] = _raw_value(value)
    sheet.cells[(r, c)] = cell


def _default_date_format(cell: dict[str, Any]) -> None:
    """A typed date gets a date format unless its cell already has one (copy-on-write)."""
    fmt = dict(cell.get("userEnteredFormat", {}))
    fmt.setdefault("numberFormat", {"type": "DATE", "pattern": "yyyy-mm-dd"})
    cell["userEnteredFormat"] = fmt


def _formatted(cell: dict[str, Any]) -> str | None:
    value = cell.get("userEnteredValue")
    if not value:
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    if "formulaValue" in value:
        m = re.fullmatch(r'=HYPERLINK\("[^"]*"\s*,\s*"([^"]*)"\)', value["formulaValue"])
        return m.group(1) if m else value["formulaValue"]
    n = value["numberValue"]
    fmt = cell.get("userEnteredFormat", {}).get("numberFormat", {})
    if fmt.get("type") in ("DATE", "DATE_TIME"):
        day = EPOCH + dt.timedelta(days=int(n))
        pattern = fmt.get("pattern", "yyyy/m/d")
        return (pattern.replace("yyyy", f"{day.year:04d}").replace("mm", f"{day.month:02d}")
                .replace("dd", f"{day.day:02d}").replace("m", str(day.month)).replace("d", str(day.day)))
    if float(n).is_integer() and abs(n) < 1e15:
        return str(int(n))
    if abs(n) >= 1e15:
        return format(n, ".5E")
    return format(n, ".10g")


def _grid_values(sheet: Sheet, r0: int, c0: int, r1: int, c1: int, option: str) -> list[list[Any]]:
    """Rows of a rectangle; trailing empty rows and cells left out, as Google does."""
    out: list[list[Any]] = []
    for r in range(r0, r1):
        row: list[Any] = []
        for c in range(c0, c1):
            cell = sheet.cells.get((r, c), {})
            if option == "FORMATTED_VALUE":
                value = _formatted(cell)
            else:
                uev = cell.get("userEnteredValue") or {}
                value = next(iter(uev.values()), None)
            row.append("" if value is None else value)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out
