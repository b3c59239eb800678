"""Obviously fake people: names like 王某华, phones like 1380000xxxx, valid-looking IDs.

IDs follow GB 11643-1999 with a real county code (python-stdnum accepts it), the birth
date, an order number (odd for 男) and the check character from ``stdnum.cn.ric``; one
factory hands them out so that no two children share an ID.
"""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
)
BOY_CHARS = "华明强伟军杰涛斌超鹏浩宇轩博文豪磊凯航阳晨睿峰林彬健鑫泽"
GIRL_CHARS = "芳娟丽敏静婷雪琳慧颖欣怡佳萱琪璐涵梦雨晴悦妍彤瑶蕾洁"
NO_ID_CHARS = "禾苗朵芽"  # reserved: children without an ID are matched by name + birth + sex
STAFF_CHARS = "明红军芳强丽伟静刚敏勇燕平霞斌艳春梅"

LOCAL_CODES = ("110101", "110102", "110105", "110106", "110108", "410102", "410105", "420102")
OUTSIDE_CODES = ("430102", "440103", "510104", "320102")
MAX_ORDER = 499  # order numbers 001–998: 499 a sex a day a county code


def child_name(surname: int, given: int, male: bool) -> str:
    chars = BOY_CHARS if male else GIRL_CHARS
    return f"{SURNAMES[surname % len(SURNAMES)]}某{chars[given % len(chars)]}"


def no_id_name(k: int) -> str:
    """The k-th name reserved for children without an ID (unique for k < 400)."""
    return f"{SURNAMES[k % len(SURNAMES)]}某{NO_ID_CHARS[(k // len(SURNAMES)) % 4]}"


def guardian_name(surname: int, mother: bool, mother_surname: int = 0) -> str:
    if mother:
        return f"{SURNAMES[mother_surname % len(SURNAMES)]}某母"
    return f"{SURNAMES[surname % len(SURNAMES)]}某父"


def staff_name(k: int) -> str:
    """A fake teacher or official: 赵某明."""
    return f"{SURNAMES[(k * 7) % len(SURNAMES)]}某{STAFF_CHARS[(k * 3) % len(STAFF_CHARS)]}"


def phone(k: int) -> str:
    return f"1380000{k % 10000:04d}"


class IdFactory:
    """Hands out unique 身份证号: per (birth date, sex) the next free order number."""

    def __init__(self) -> None:
        self._next: dict[tuple[bool, int, bool], int] = {}
        self._ymd: dict[int, str] = {}

    def ymd(self, ordinal: int) -> str:
        text = self._ymd.get(ordinal)
        if text is None:
            text = dt.date.fromordinal(ordinal).strftime("%Y%m%d")
            self._ymd[ordinal] = text
        return text

    def make(self, birth: dt.date | int, male: bool, *, outside: bool = False) -> str:
        ordinal = birth if isinstance(birth, int) else birth.toordinal()
        key = (outside, ordinal, male)
        k = self._next.get(key, 0)
        self._next[key] = k + 1
        codes = OUTSIDE_CODES if outside else LOCAL_CODES
        seq = k // len(codes)
        if seq >= MAX_ORDER:
            raise ValueError("示例区儿童人数太多：同一天出生的人数超出了身份证号顺序码的范围")
        body = f"{codes[k % len(codes)]}{self.ymd(ordinal)}{2 * seq + (1 if male else 2):03d}"
        return body + ric.calc_check_digit(body + "0")


def bad_check_digit(id_number: str) -> str:
    """The same ID with a wrong last character (a typo the checksum catches)."""
    right = id_number[-1]
    wrong = "0123456789X"[("0123456789X".index(right) + 3) % 11]
    return id_number[:-1] + wrong


def as_excel_number(id_number: str) -> float:
    """What Excel keeps of an 18-digit ID typed into a number cell: 15 significant digits."""
    return float(f"{int(id_number[:17] + ('0' if id_number[-1] == 'X' else id_number[-1])):.15g}")
