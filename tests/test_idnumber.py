"""The vectorised ID screen never passes an ID that python-stdnum rejects, and agrees with it
on valid ones (ID-1 asks stdnum for every value the screen does not pass)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from kcbx.validation.idnumber import problem, screen


def stdnum_valid(value: str) -> bool:
    """GB 11643 per stdnum, without the birth-place lookup (the standard does not need it)."""
    number = ric.compact(value)
    try:
        if len(number) != 18 or not number[:-1].isdigit():
            return False
        if number[-1] != ric.calc_check_digit(number):
            return False
        ric.get_birth_date(number)
    except (ValidationError, ValueError):
        return False
    return True


def screened(values: list[str]) -> list[bool]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(screen(pl.col("v")))["v"].to_list()


def valid_id(region: int, birth: dt.date, order: int) -> str:
    body = f"{region:06d}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


ids = st.builds(valid_id, st.integers(100000, 999999),
                st.dates(dt.date(1990, 1, 1), dt.date(2022, 12, 31)), st.integers(0, 999))


def test_a_lowercase_check_character_is_valid_on_both_paths():
    value = "29619520000101674x"  # found by the property test below on a clean clone
    assert stdnum_valid(value) and screened([value]) == [True] and problem(value) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(ids, min_size=1, max_size=50), st.data())
def test_screen_agrees_with_stdnum_on_valid_and_mutated_ids(values, data):
    mutated = []
    for v in values:
        pos = data.draw(st.integers(0, 17))
        ch = data.draw(st.sampled_from("0123456789X x-"))
        mutated.append(v[:pos] + ch + v[pos + 1:])
    sample = values + mutated
    for value, ok in zip(sample, screened(sample), strict=True):
        assert ok == stdnum_valid(value), value  # the screen and stdnum agree both ways
        assert (problem(value) is None) == stdnum_valid(value), value


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789X", min_size=0, max_size=20), max_size=30))
def test_screen_never_passes_an_invalid_string(values):
    for value, ok in zip(values, screened(values), strict=True):
        if ok:
            assert stdnum_valid(value), value


def test_known_cases():
    good = valid_id(110101, dt.date(2014, 5, 6), 11)
    assert screened([good, good[:-1] + ("0" if good[-1] != "0" else "1"), good[:17],
                     "110101201302300011", "4.12345678901234E+17"]) == [True, False, False, False,
                                                                        False]
    assert "改成了数字" in problem("4.12345678901234E+17")
    assert "校验位" in problem(good[:-1] + ("0" if good[-1] != "0" else "1"))
    body = "11010120130230001"  # 30 February, with its right check character
    assert "出生日期" in problem(body + ric.calc_check_digit(body + "0"))
