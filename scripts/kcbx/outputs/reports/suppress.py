"""Small-count suppression with complementary suppression.

A published count of children below the threshold (but above 0) is hidden; then, wherever a
total and its parts are all published, a single hidden cell could be recovered by
subtraction — so another cell of that group is hidden too, repeatedly, until every group
with a hidden cell has at least two.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

Cell = tuple[int, str]  # (row index, column)


def groups_for(frame: pl.DataFrame, counts: Sequence[str],
               parts_of: dict[str, Sequence[str]]) -> list[tuple[Cell, list[Cell]]]:
    """The additive constraints of a rolled-up table (total, parts).

    Vertically: the district row is the sum of the 乡镇 rows, each 乡镇 row the sum of its
    unit rows (per column). Horizontally: ``parts_of`` (e.g. out_of_school = returned +
    still_out) within each row.
    """
    level = frame["level"].to_list()
    town = frame["township"].to_list()
    groups: list[tuple[Cell, list[Cell]]] = []
    district = [i for i, lv in enumerate(level) if lv == "全区"]
    towns = [i for i, lv in enumerate(level) if lv == "乡镇"]
    for col in counts:
        for d in district:
            groups.append(((d, col), [(t, col) for t in towns]))
        for t in towns:
            groups.append(((t, col), [(i, col) for i, lv in enumerate(level)
                                      if lv == "单位" and town[i] == town[t]]))
    for i in range(frame.height):
        for total, parts in parts_of.items():
            groups.append(((i, total), [(i, p) for p in parts]))
    return groups


def suppress(frame: pl.DataFrame, counts: Sequence[str], threshold: int,
             groups: list[tuple[Cell, list[Cell]]]) -> tuple[pl.DataFrame, set[Cell]]:
    """Hide counts 0 < n < threshold and their complements; hidden cells become null."""
    values = {(i, c): frame[c][i] for c in counts for i in range(frame.height)}
    hidden: set[Cell] = {cell for cell, v in values.items()
                         if v is not None and 0 < v < threshold}
    changed = bool(hidden)
    while changed:
        changed = False
        for total, parts in groups:
            cells = [total, *parts]
            shown = [c for c in cells if c not in hidden and values.get(c) is not None]
            if len(cells) - len(shown) == 1 and shown:
                # hide the smallest other cell of the group (parts before the total)
                pick = min(shown, key=lambda c: (c == total, values[c] == 0, values[c]))
                hidden.add(pick)
                changed = True
    out = frame.with_columns(
        pl.Series(c, [None if (i, c) in hidden else frame[c][i] for i in range(frame.height)],
                  dtype=frame.schema[c])
        for c in counts)
    return out, hidden
