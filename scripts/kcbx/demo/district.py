"""The fictional 示例区: its units (单位名录) and household grid (户籍网格包保表).

Three townships each have a 中心校 with schools under it; two 街道 are kept by the
城区教育辅导组's schools; two 直属学校 and a 特殊教育学校 report to the bureau directly.
Every 村（居）民小组 is kept (包保) by its township's 中心校 or one of its schools.
"""

from __future__ import annotations

from .model import Group, Unit
from .names import phone, staff_name

BUREAU = "JYJ"
GUIDANCE = "CQFDZ"  # 城区教育辅导组: keeps no village, teaches no child; the one that never reports

UNITS: tuple[Unit, ...] = (
    Unit("JYJ", "示例区教育局", "区教育局", None, "东关街道", None, must_report=False),
    Unit("QSZX", "青石镇中心校", "乡镇中心校", "JYJ", "青石镇", None),
    Unit("QSXX", "青石镇中心小学", "小学", "QSZX", "青石镇", (1, 6)),
    Unit("QSZZ", "青石镇初级中学", "初中", "QSZX", "青石镇", (7, 9)),
    Unit("QSJD", "青石镇松林教学点", "教学点", "QSZX", "青石镇", (1, 3)),
    Unit("LHZX", "柳河乡中心校", "乡镇中心校", "JYJ", "柳河乡", None),
    Unit("LHXX", "柳河乡中心小学", "小学", "LHZX", "柳河乡", (1, 6)),
    Unit("LHZZ", "柳河乡初级中学", "初中", "LHZX", "柳河乡", (7, 9)),
    Unit("LHJD", "柳河乡杨庄教学点", "教学点", "LHZX", "柳河乡", (1, 3)),
    Unit("BYZX", "白云镇中心校", "乡镇中心校", "JYJ", "白云镇", None),
    Unit("BYJN", "白云镇九年一贯制学校", "九年一贯制学校", "BYZX", "白云镇", (1, 9)),
    Unit("BYXX", "白云镇山口小学", "小学", "BYZX", "白云镇", (1, 6)),
    Unit("CQFDZ", "城区教育辅导组", "城区教育辅导组", "JYJ", "东关街道", None),
    Unit("DGXX", "东关小学", "小学", "CQFDZ", "东关街道", (1, 6)),
    Unit("XGXX", "西关小学", "小学", "CQFDZ", "西关街道", (1, 6)),
    Unit("YZ", "示例区第一中学", "直属学校", "JYJ", "东关街道", (7, 9)),
    Unit("SYXX", "示例区实验学校", "直属学校", "JYJ", "西关街道", (1, 9)),
    Unit("TJXX", "示例区特殊教育学校", "特殊教育学校", "JYJ", "西关街道", (1, 9)),
)
UNIT = {u.code: u for u in UNITS}
ORDER = {u.code: i for i, u in enumerate(UNITS)}

# township → village → (number of groups, 包保 unit for each group)
_GRID: dict[str, dict[str, tuple[str, ...]]] = {
    "青石镇": {
        "石桥村": ("QSXX", "QSXX", "QSXX"),
        "青山村": ("QSZX", "QSZX"),
        "河湾村": ("QSZZ", "QSZZ", "QSZZ", "QSZZ"),
        "松林村": ("QSJD", "QSJD"),
    },
    "柳河乡": {
        "柳河村": ("LHXX", "LHXX", "LHZX"),
        "杨庄村": ("LHJD", "LHJD"),
        "北坡村": ("LHZZ", "LHZZ", "LHZZ"),
    },
    "白云镇": {
        "白云村": ("BYJN", "BYJN", "BYJN", "BYJN"),
        "山口村": ("BYXX", "BYXX", "BYXX"),
        "云溪村": ("BYZX", "BYZX"),
    },
    "东关街道": {
        "东关社区": ("DGXX", "DGXX", "DGXX", "DGXX"),
        "南门社区": ("DGXX", "DGXX", "DGXX"),
    },
    "西关街道": {
        "西关社区": ("XGXX", "XGXX", "XGXX"),
        "北门社区": ("XGXX", "XGXX"),
    },
}

GRID: tuple[Group, ...] = tuple(
    Group(town, village, f"{i + 1}组", unit)
    for town, villages in _GRID.items()
    for village, units in villages.items()
    for i, unit in enumerate(units)
)
TOWNSHIPS: tuple[str, ...] = tuple(_GRID)

# Where a township's children go to school: per grade band, (unit, weight).
_PRIMARY_LOW = {
    "青石镇": (("QSXX", 75), ("QSJD", 15), ("SYXX", 10)),
    "柳河乡": (("LHXX", 75), ("LHJD", 15), ("SYXX", 10)),
    "白云镇": (("BYJN", 60), ("BYXX", 30), ("SYXX", 10)),
    "东关街道": (("DGXX", 70), ("SYXX", 30)),
    "西关街道": (("XGXX", 70), ("SYXX", 30)),
}
_PRIMARY_HIGH = {
    "青石镇": (("QSXX", 90), ("SYXX", 10)),
    "柳河乡": (("LHXX", 90), ("SYXX", 10)),
    "白云镇": (("BYJN", 65), ("BYXX", 25), ("SYXX", 10)),
    "东关街道": (("DGXX", 70), ("SYXX", 30)),
    "西关街道": (("XGXX", 70), ("SYXX", 30)),
}
_JUNIOR = {
    "青石镇": (("QSZZ", 80), ("YZ", 15), ("SYXX", 5)),
    "柳河乡": (("LHZZ", 80), ("YZ", 20)),
    "白云镇": (("BYJN", 85), ("YZ", 15)),
    "东关街道": (("YZ", 60), ("SYXX", 40)),
    "西关街道": (("YZ", 60), ("SYXX", 40)),
}


def school_choices(township: str, grade: int) -> tuple[tuple[str, int], ...]:
    """The schools a child of this township and grade may attend, with weights."""
    table = _PRIMARY_LOW if grade <= 3 else _PRIMARY_HIGH if grade <= 6 else _JUNIOR
    return table[township]


def groups_of(unit: str) -> list[Group]:
    return [g for g in GRID if g.unit == unit]


def head_of(code: str) -> str:
    """控辍保学负责人 of a unit (also its 填报人)."""
    return staff_name(ORDER[code] * 5 + 1)


def principal_of(code: str) -> str:
    """单位负责人 (the head who signs the cover)."""
    return staff_name(ORDER[code] * 5 + 2)


def unit_phone(code: str) -> str:
    return phone(9000 + ORDER[code])


def unit_email(code: str) -> str | None:
    """报送邮箱: reserved example domains only (RFC 2606), never a real mailbox. A 中心校
    registers two addresses (its office and its 控辍保学 clerk); the bureau none (it receives)."""
    unit = UNIT[code]
    if unit.type == "区教育局":
        return None
    if unit.type == "乡镇中心校":
        return f"{code.lower()}@example.com;{code.lower()}-kcbx@example.org"
    if unit.type == "城区教育辅导组":
        return f"{code.lower()}@example.net"
    return f"{code.lower()}@example.com"


def unit_rows() -> list[dict[str, object]]:
    return [
        {
            "code": u.code,
            "name": u.name,
            "type": u.type,
            "parent_code": u.parent,
            "township": u.township,
            "head": head_of(u.code),
            "phone": unit_phone(u.code),
            "must_report": "是" if u.must_report else "否",
            "email": unit_email(u.code),
            "_tag": u.code,
        }
        for u in UNITS
    ]


def grid_rows() -> list[dict[str, object]]:
    return [
        {
            "township": g.township,
            "village": g.village,
            "group": g.group,
            "unit_code": g.unit,
            "person": staff_name(100 + i),
            "phone": phone(8000 + i),
        }
        for i, g in enumerate(GRID)
    ]
