"""The bulk of the district's children, generated column by column so it scales to 10^6.

Every child here is clean: in range of age, a valid ID (or none, for 常住未取得户籍, with a
name no other child has), and when 在校就读 at a district school, on that school's roster
with the same data. Schools also teach some children whose 户籍 is outside the district
(``outside``): they are on a roster but not in the census.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate

from .dates import birth_window
from .district import GRID, ORDER, TOWNSHIPS, UNITS, school_choices
from .model import PERIOD, PREVIOUS_PERIOD
from .names import IdFactory, child_name, guardian_name, no_id_name

STATUSES = ("在校就读", "区外就读", "出国（境）", "已完成义务教育", "延缓入学")
AT_SCHOOL, ELSEWHERE, ABROAD, COMPLETED, DEFERRED = range(5)
DISABILITIES = (
    "无", "视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾",
)
DISABILITY_GRADES = ("", "一级", "二级", "三级", "四级")
KEY_GROUPS = ("无", "脱贫户", "边缘易致贫户", "突发严重困难户", "其他困难家庭")
KEY_WEIGHTS = (90, 5, 2, 1, 2)
ATTENDANCE = ("正常在校", "请假", "缺课")
OUTSIDE_SCHOOLS = ("邻县第一小学（虚构）", "市第三中学（虚构）", "外省某市实验学校（虚构）")
MONTHS = (PREVIOUS_PERIOD, PERIOD)
CLASS_SIZE = 45
SPECIAL_SCHOOL = ORDER["TJXX"]


@dataclass
class Population:
    """Children as columns; index i is one child. ``census`` children come first."""

    census: int
    ids: list[str | None] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    male: list[bool] = field(default_factory=list)
    birth: list[int] = field(default_factory=list)  # date ordinal
    group: list[int] = field(default_factory=list)  # index into GRID, -1 outside
    status: list[int] = field(default_factory=list)
    school: list[int] = field(default_factory=list)  # index into UNITS, or OUTSIDE_SCHOOLS
    grade: list[int] = field(default_factory=list)  # 1..9, 0 none
    disability: list[int] = field(default_factory=list)
    disability_grade: list[int] = field(default_factory=list)
    key_group: list[int] = field(default_factory=list)
    guardian: list[str] = field(default_factory=list)
    phone: list[int] = field(default_factory=list)
    klass: list[int] = field(default_factory=list)
    hukou_shown: list[bool] = field(default_factory=list)
    attendance: dict[str, list[int]] = field(default_factory=dict)
    absent: dict[str, list[int]] = field(default_factory=dict)
    transferred_in: list[bool] = field(default_factory=list)
    by_census_unit: dict[str, list[int]] = field(default_factory=dict)
    by_school: dict[str, list[int]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.names)


def generate(n: int, ids: IdFactory, seed: int) -> Population:
    """``n`` census children plus about 3 % more on rosters from outside the district."""
    rng = random.Random(f"kcbx-demo-{seed}-population")
    outside = n * 3 // 100
    total = n + outside
    pop = Population(census=n)
    group_weights = [rng.randint(2, 6) for _ in GRID]
    pop.group = rng.choices(range(len(GRID)), weights=group_weights, k=n) + [-1] * outside
    ages = rng.choices(range(6, 16), weights=(10,) * 9 + (6,), k=total)
    windows = {age: birth_window(age) for age in range(6, 16)}
    key_cum = list(accumulate(KEY_WEIGHTS))
    choice_cache: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    no_id_every = 1000
    no_id_names: set[tuple[str, int, bool]] = set()
    rand = rng.random
    for i in range(total):
        age = ages[i]
        first, last = windows[age]
        birth = first + int(rand() * (last - first + 1))
        male = rand() < 0.52
        grade = min(age - 5, 9)
        status = AT_SCHOOL
        if i < n:
            roll = rand()
            if age == 15 and roll < 0.6:
                status, grade = COMPLETED, 0
            elif age == 6 and roll < 0.005:
                status, grade = DEFERRED, 0
            elif roll > 0.995:
                status, grade = ABROAD, 0
            elif roll > 0.945:
                status = ELSEWHERE
        disability = grade_of_disability = 0
        if rand() < 0.01:
            disability = 1 + int(rand() * 7)
            grade_of_disability = 1 + int(rand() * 4)
        g = pop.group[i]
        township = GRID[g].township if g >= 0 else TOWNSHIPS[int(rand() * len(TOWNSHIPS))]
        if status == AT_SCHOOL:
            if disability and grade_of_disability <= 2 and rand() < 0.5:
                school = SPECIAL_SCHOOL
            else:
                units, cum = _choices(choice_cache, township, grade)
                school = units[bisect.bisect_right(cum, rand() * cum[-1])]
        elif status == ELSEWHERE:
            school = int(rand() * len(OUTSIDE_SCHOOLS))
        else:
            school = -1
        surname = int(rand() * 97)
        given = int(rand() * 30)
        no_id = i < n and status == AT_SCHOOL and i % no_id_every == no_id_every // 2
        if no_id:
            k = i // no_id_every
            name = no_id_name(k)
            while (name, birth, male) in no_id_names:
                birth = first + (birth - first + 1) % (last - first + 1)
            no_id_names.add((name, birth, male))
            pop.ids.append(None)
        else:
            name = child_name(surname, given, male)
            pop.ids.append(ids.make(birth, male, outside=i >= n))
        pop.names.append(name)
        pop.male.append(male)
        pop.birth.append(birth)
        pop.status.append(status)
        pop.school.append(school)
        pop.grade.append(grade)
        pop.disability.append(disability)
        pop.disability_grade.append(grade_of_disability)
        pop.key_group.append(bisect.bisect_right(key_cum, rand() * key_cum[-1]))
        mother = rand() < 0.35
        pop.guardian.append(guardian_name(surname, mother, int(rand() * 97)))
        pop.phone.append(int(rand() * 10000))
        pop.hukou_shown.append(i < n and rand() < 0.6)
        pop.transferred_in.append(i >= n and rand() < 0.3)
    for month in MONTHS:
        att, days = [], []
        for _ in range(total):
            roll = rand()
            if roll < 0.02:
                att.append(1)
                days.append(1 + int(rand() * 3))
            elif roll < 0.03:
                att.append(2)
                days.append(1 + int(rand() * 4))
            else:
                att.append(0)
                days.append(0)
        pop.attendance[month] = att
        pop.absent[month] = days
    _index(pop, rng)
    return pop


def _choices(cache: dict[tuple[str, int], tuple[list[int], list[int]]], township: str,
             grade: int) -> tuple[list[int], list[int]]:
    key = (township, grade)
    if key not in cache:
        pairs = school_choices(township, grade)
        cache[key] = ([ORDER[u] for u, _ in pairs], list(accumulate(w for _, w in pairs)))
    return cache[key]


def _index(pop: Population, rng: random.Random) -> None:
    """Who is on which unit's census and roster; classes of about 45 per grade."""
    census: dict[str, list[int]] = {}
    for i in range(pop.census):
        census.setdefault(GRID[pop.group[i]].unit, []).append(i)
    pop.by_census_unit = census
    schools: dict[int, list[int]] = {}
    for i in range(pop.size):
        if pop.status[i] == AT_SCHOOL:
            schools.setdefault(pop.school[i], []).append(i)
    pop.klass = [0] * pop.size
    rand = rng.random
    for school, members in schools.items():
        per_grade: dict[int, int] = {}
        for i in members:
            per_grade[pop.grade[i]] = per_grade.get(pop.grade[i], 0) + 1
        classes = {g: max(1, -(-count // CLASS_SIZE)) for g, count in per_grade.items()}
        for i in members:
            pop.klass[i] = int(rand() * classes[pop.grade[i]])
        members.sort(key=lambda i: (pop.grade[i], pop.klass[i]))
        pop.by_school[UNITS[school].code] = members


def birth_date(pop: Population, i: int) -> dt.date:
    return dt.date.fromordinal(pop.birth[i])
