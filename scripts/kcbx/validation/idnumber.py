"""ID-1 and ID-2: 身份证号 per GB 11643-1999, and agreement with 出生日期 / 性别.

A vectorised screen passes the IDs that are certainly valid (length, digits, mod 11-2
check character, a real date in characters 7–14); every other value gets its verdict and
its reason from python-stdnum's ``cn.ric``. A property test keeps the screen and stdnum in
agreement. Birth place is not checked: the standard does not require a known region code.
"""

from __future__ import annotations

import re

import polars as pl
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.util import isdigits

AS_NUMBER = r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$|^[0-9]+\.0+$"
_AS_NUMBER = re.compile(AS_NUMBER)


def as_number(ids: pl.Expr) -> pl.Expr:
    """True where the value is how a spreadsheet shows an ID it turned into a number."""
    return ids.str.contains(AS_NUMBER).fill_null(False)


def screen(ids: pl.Expr) -> pl.Expr:
    """True where the ID is certainly valid; False or null means: ask stdnum.

    The mod 11-2 check uses stdnum's own identity: the weights 2^k mod 11 equal 13^k mod 11,
    so the check is (1 - 2 * int(first 17, base 13)) mod 11 — one integer parse per ID.
    A lowercase x is the check character X, as stdnum reads it.
    """
    ids = ids.str.to_uppercase()
    body = ids.str.slice(0, 17).str.to_integer(base=13, strict=False)
    check = (1 - 2 * (body % 11)) % 11  # polars' % follows the divisor's sign, like Python
    check_char = pl.when(check == 10).then(pl.lit("X")).otherwise(check.cast(pl.String))
    birth = ids.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    return (
        ids.str.contains(r"^[0-9]{17}[0-9X]$")
        & (ids.str.slice(17, 1) == check_char)
        & birth.is_not_null()
    ).fill_null(False)


def problem(value: str) -> str | None:
    """Why ``value`` is not a valid 身份证号 (Chinese), or None when it is valid."""
    if _AS_NUMBER.match(value):
        return ("格式被表格软件改成了数字，后几位已经丢失。请把这一列设为“文本”格式，"
                "再对照户口簿重新输入完整的18位号码")
    number = ric.compact(value)
    if len(number) != 18:
        return f"应为18位，现在是{len(number)}位。请对照户口簿或身份证核对"
    if not isdigits(number[:-1]) or not (number[-1].isdigit() or number[-1] == "X"):
        return "只能是17位数字加最后一位数字或X，不能有空格、字母或其他符号"
    try:
        if number[-1] != ric.calc_check_digit(number):
            raise InvalidChecksum()
        ric.get_birth_date(number)
    except InvalidChecksum:
        return "校验位不对，号码中有数字输错。请对照户口簿或身份证逐位核对"
    except (InvalidComponent, ValueError):
        return f"第7–14位的出生日期“{number[6:14]}”不是有效日期。请对照户口簿核对"
    except ValidationError:
        return "不是有效的身份证号。请对照户口簿或身份证核对"
    return None


def birth_date(ids: pl.Expr) -> pl.Expr:
    return ids.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)


def sex(ids: pl.Expr) -> pl.Expr:
    """男 when the 17th digit is odd, else 女."""
    digit = ids.str.slice(16, 1).cast(pl.Int64, strict=False)
    return pl.when(digit % 2 == 1).then(pl.lit("男")).otherwise(pl.lit("女"))
