"""The hand-made children of the demo's stories, and the rows they appear in.

Each story child is made once, in a fixed order, so the current month and the previous
month see the same IDs; :class:`Story` collects the rows a story adds to each unit's
workbook and the mistakes it plants.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from .dates import age_on_reference, birth_for_age
from .district import UNIT, groups_of
from .model import Group, Plant, Row
from .names import IdFactory, child_name, guardian_name, phone
from .rows import GRADES, head_teacher


@dataclass(frozen=True)
class Person:
    key: str
    id: str
    name: str
    male: bool
    birth: dt.date
    group: Group
    guardian: str
    phone: str
    disability: str = "无"
    disability_grade: str | None = None
    key_group: str = "无"

    @property
    def sex(self) -> str:
        return "男" if self.male else "女"

    @property
    def age(self) -> int:
        return age_on_reference(self.birth)

    @property
    def grade(self) -> int:
        return max(1, min(self.age - 5, 9))

    def census(self, status: str, school: str | None = None, grade: int | None = None,
               remark: str | None = None, **over: Any) -> Row:
        row: Row = {
            "id_number": self.id,
            "name": self.name,
            "sex": self.sex,
            "birth_date": self.birth,
            "hukou_type": "本地户籍",
            "township": self.group.township,
            "village": self.group.village,
            "group": self.group.group,
            "guardian": self.guardian,
            "guardian_phone": self.phone,
            "disability": self.disability,
            "disability_grade": self.disability_grade,
            "key_group": self.key_group,
            "status": status,
            "school": UNIT[school].name if school in UNIT else school,
            "grade": GRADES[grade] if grade else None,
            "remark": remark,
            "_tag": f"{self.key}/census",
        }
        row.update(over)
        return row

    def roster(self, school: str, attendance: str = "正常在校", absent: int = 0,
               grade: int | None = None, **over: Any) -> Row:
        grade = grade or self.grade
        row: Row = {
            "student_no": f"G{self.id}",
            "id_number": self.id,
            "name": self.name,
            "sex": self.sex,
            "birth_date": self.birth,
            "grade": GRADES[grade],
            "class_name": "1班",
            "attendance": attendance,
            "absent_days": absent,
            "head_teacher": head_teacher(school, grade, 0),
            "hukou_township": self.group.township,
            "hukou_village": self.group.village,
            "remark": None,
            "_tag": f"{self.key}/roster/{school}",
        }
        row.update(over)
        return row

    def ledger(self) -> Row:
        """The identifying columns shared by 台账, 送教 and the other ledgers."""
        return {"id_number": self.id, "name": self.name}


@dataclass
class Story:
    """Rows the stories add, per unit and table, and the mistakes planted in them."""

    current: bool
    pulled_on: dt.date
    rows: dict[str, dict[str, list[Row]]] = field(default_factory=dict)
    plants: list[Plant] = field(default_factory=list)
    cover: dict[str, Row] = field(default_factory=dict)

    def add(self, unit: str, table: str, *rows: Row) -> None:
        self.rows.setdefault(unit, {}).setdefault(table, []).extend(rows)

    def plant(self, rule: str, unit: str, table: str, tag: str | None, column: str,
              note: str, file: str = "") -> None:
        if self.current:
            self.plants.append(Plant(rule, unit, table, tag, column, note, file))

    def known(self, day: dt.date | None) -> dt.date | None:
        """A date as the pull sees it: a date after the pull has not happened yet."""
        return day if day is not None and day <= self.pulled_on else None

    def census_count(self) -> int:
        return sum(len(tables.get("census", ())) for tables in self.rows.values())


class People:
    """Makes the story children: ages on the reference date, kept by a given unit."""

    def __init__(self, ids: IdFactory, seed: int) -> None:
        self.ids = ids
        self.rng = random.Random(f"kcbx-demo-{seed}-people")
        self.made: dict[str, Person] = {}

    def __call__(self, key: str, unit: str, age: int, *, male: bool | None = None,
                 group: int = 0, disability: tuple[str, str] | None = None,
                 key_group: str = "无", birth: dt.date | None = None) -> Person:
        rng = self.rng
        if male is None:
            male = rng.random() < 0.5
        birth = birth or birth_for_age(age, rng)
        surname = rng.randrange(97)
        groups = groups_of(unit)
        person = Person(
            key=key,
            id=self.ids.make(birth, male),
            name=child_name(surname, rng.randrange(30), male),
            male=male,
            birth=birth,
            group=groups[group % len(groups)],
            guardian=guardian_name(surname, rng.random() < 0.4, rng.randrange(97)),
            phone=phone(rng.randrange(10000)),
            disability=disability[0] if disability else "无",
            disability_grade=disability[1] if disability else None,
            key_group=key_group,
        )
        self.made[key] = person
        return person

    def outsider(self, key: str, unit: str, age: int) -> Person:
        """A child whose 户籍 is outside the district (on a roster, not in the census)."""
        rng = self.rng
        male = rng.random() < 0.5
        birth = birth_for_age(age, rng)
        surname = rng.randrange(97)
        person = Person(
            key=key, id=self.ids.make(birth, male, outside=True),
            name=child_name(surname, rng.randrange(30), male), male=male, birth=birth,
            group=groups_of(unit)[0] if groups_of(unit) else groups_of("DGXX")[0],
            guardian=guardian_name(surname, False), phone=phone(rng.randrange(10000)),
        )
        self.made[key] = person
        return person
