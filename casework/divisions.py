"""Administrative division codes (GB/T 2260): the 6-digit codes that key regions, and the 31 provinces.

A code ``AABBCC`` names a county or district; ``AABB00`` its city (prefecture) and ``AA0000`` its
province. Policy rows fall back from the most specific level to the national one; :func:`fallback_chain`
gives that order. Municipalities (Beijing, Tianjin, Shanghai, Chongqing) are provinces whose cities are
``AA0100`` (市辖区) — callers pass whatever code the employer's insured place uses.
"""

from __future__ import annotations

import re
from typing import Literal

NATIONAL = "000000"

# The 31 provincial-level divisions of mainland China by their 2-digit code.
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
    "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
    "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
    "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
}

_CODE = re.compile(r"\d{6}")

Level = Literal["county", "city", "province", "national"]


def check_division_code(code: object) -> str:
    """The code as a 6-digit string of a known province.

    :raises ValueError: when it is not six digits or its first two are not one of the 31 provinces.
    """
    if isinstance(code, int) and not isinstance(code, bool):
        code = f"{code:06d}"
    if not isinstance(code, str) or not _CODE.fullmatch(code.strip()):
        raise ValueError(f"a division code has six digits, e.g. '440300'; got {code!r}")
    code = code.strip()
    if code != NATIONAL and code[:2] not in PROVINCES:
        raise ValueError(f"division code {code!r} does not start with a province code (11-65)")
    return code


def is_division_code(code: object) -> bool:
    """True when ``code`` is six digits starting with a known province code."""
    try:
        check_division_code(code)
    except ValueError:
        return False
    return True


def province_of(code: object) -> str:
    """The 2-digit province part: ``'440305'`` -> ``'44'``.

    :raises ValueError: when ``code`` is not a division code.
    """
    return check_division_code(code)[:2]


def province_code(code: object) -> str:
    """The 6-digit code of the province: ``'440305'`` -> ``'440000'``."""
    return province_of(code) + "0000"


def city_code(code: object) -> str:
    """The 6-digit code of the city (prefecture): ``'440305'`` -> ``'440300'``."""
    return check_division_code(code)[:4] + "00"


def level_of(code: object) -> Level:
    """Whether a code names a province, a city or a county/district."""
    c = check_division_code(code)
    if c == NATIONAL:
        return "national"
    if c.endswith("0000"):
        return "province"
    if c.endswith("00"):
        return "city"
    return "county"


def fallback_chain(code: object) -> list[str]:
    """The codes a lookup tries, most specific first, ending with :data:`NATIONAL`.

    ``'440305'`` -> ``['440305', '440300', '440000', '000000']``; duplicates are left out.
    """
    c = check_division_code(code)
    chain: list[str] = []
    for candidate in (c, c[:4] + "00", c[:2] + "0000", NATIONAL):
        if candidate not in chain:
            chain.append(candidate)
    return chain


def province_name(code: object) -> str:
    """The Chinese name of the province of a 2- or 6-digit code; '' when unknown."""
    text = str(code).strip() if code is not None else ""
    return PROVINCES.get(text[:2], "") if len(text) in (2, 6) else ""
