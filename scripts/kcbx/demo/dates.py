"""The demo's calendar: ages on the reference date, school days and teaching weeks."""

from __future__ import annotations

import datetime as dt
import random

from .model import HOLIDAYS, REFERENCE_DATE, TERM, WORKDAYS

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


def d(text: str) -> dt.date:
    """``d("2022-09-01")``: a date, for the story's readable literals."""
    return dt.date.fromisoformat(text)


def birth_window(age: int) -> tuple[int, int]:
    """Ordinals of the first and last birthday giving ``age`` on the reference date."""
    ref = REFERENCE_DATE
    last = ref.replace(year=ref.year - age)
    first = ref.replace(year=ref.year - age - 1) + DAY
    return first.toordinal(), last.toordinal()


def birth_for_age(age: int, rng: random.Random) -> dt.date:
    first, last = birth_window(age)
    return dt.date.fromordinal(rng.randint(first + 20, last - 20))


def age_on_reference(birth: dt.date) -> int:
    ref = REFERENCE_DATE
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


def is_holiday(day: dt.date) -> bool:
    return any(start <= day <= end for _, start, end in HOLIDAYS)


def is_school_day(day: dt.date) -> bool:
    """A term day that is a weekday and no holiday, or a configured 调休 workday."""
    if not TERM[1] <= day <= TERM[2]:
        return False
    if day in WORKDAYS:
        return True
    return day.weekday() < 5 and not is_holiday(day)


def monday(day: dt.date) -> dt.date:
    return day - day.weekday() * DAY


def visit_days(start: dt.date, pulled_on: dt.date, skip: dt.date | None = None) -> list[dt.date]:
    """One 送教 day in every teaching week from ``start`` to the last week ended by the pull.

    The first visit is ``start`` itself (or the first school day of the term when the child
    was already served before it); later weeks are visited on Wednesday, or on the week's
    first school day when Wednesday is none. ``skip`` leaves out the week holding that day.
    """
    first = max(start, TERM[1])
    while not is_school_day(first):
        first += DAY
    days = [first]
    week = monday(first) + WEEK
    while week + 6 * DAY <= pulled_on and week <= TERM[2]:
        day = week + 2 * DAY
        if not is_school_day(day):
            day = next((week + i * DAY for i in range(7) if is_school_day(week + i * DAY)), day)
        if is_school_day(day) and not (skip and monday(skip) == week):
            days.append(day)
        week += WEEK
    return days


def months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """Calendar months (year, month) from ``start``'s to ``end``'s, inclusive."""
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


TEXT_STYLES = ("{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}.{m}.{d}")


def text_date(day: dt.date, style: int) -> str:
    """A date as people type it in China: 2022/9/1, 2022年9月1日 or 2022.9.1."""
    return TEXT_STYLES[style % 3].format(y=day.year, m=day.month, d=day.day)
