"""Made-up people, employers, agencies and dates for generated test documents (never real data)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.cn import ric, uscc

from casework.identifiers import CREDIT_CODE_ALPHABET

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国文斌宇浩凯鹏飞俊峰晨婷雪琳晓丹波辉宁欣怡梅健海燕志新春"
ETHNICITIES = ("汉",) * 12 + ("回", "满", "蒙古", "壮", "苗", "土家", "朝鲜", "藏")

# (area code, province, city, district) — area codes for generated numbers only
AREAS = (
    ("110105", "北京市", "北京", "朝阳区"),
    ("110108", "北京市", "北京", "海淀区"),
    ("310104", "上海市", "上海", "徐汇区"),
    ("310115", "上海市", "上海", "浦东新区"),
    ("440106", "广东省", "广州", "天河区"),
    ("440305", "广东省", "深圳", "南山区"),
    ("330106", "浙江省", "杭州", "西湖区"),
    ("320102", "江苏省", "南京", "玄武区"),
    ("510107", "四川省", "成都", "武侯区"),
    ("420106", "湖北省", "武汉", "武昌区"),
    ("370102", "山东省", "济南", "历下区"),
    ("410302", "河南省", "洛阳", "老城区"),
    ("340104", "安徽省", "合肥", "蜀山区"),
)
CORES = ("华信", "恒远", "东方", "瑞丰", "鼎盛", "安泰", "博达", "金桥", "新锐", "嘉禾", "天成", "宏图", "联创", "远航", "正和", "明德")
TRADES = ("科技", "贸易", "物流", "信息技术", "建筑工程", "餐饮管理", "商贸", "电子", "咨询", "医药", "文化传媒", "机械")
SUFFIXES = ("有限公司",) * 4 + ("股份有限公司", "有限责任公司")
STREETS = ("建国路", "中山路", "人民路", "解放路", "长江路", "和平街", "朝阳路", "文化路", "新华街", "学院路")
CREDIT_ALPHABET = CREDIT_CODE_ALPHABET


@dataclass(frozen=True)
class Person:
    """A made-up employee."""

    name: str
    sex: str  # "male" | "female"
    ethnicity: str
    birth_date: date
    id_number: str
    address: str


@dataclass(frozen=True)
class Organisation:
    """A made-up employer or social-insurance agency."""

    name: str
    credit_code: str
    city: str
    district: str
    address: str


def resident_id(rng: random.Random, area: str, birth: date, male: bool) -> str:
    """A resident ID number with a correct check character."""
    seq = rng.randrange(0, 999)
    if seq % 2 != (1 if male else 0):
        seq = seq + 1 if seq < 998 else seq - 1
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(rng: random.Random, area: str, kind: str = "91") -> str:
    """A unified social credit code with a correct check character."""
    org = "".join(rng.choice(CREDIT_ALPHABET[:10]) for _ in range(8)) + rng.choice(CREDIT_ALPHABET)
    body = f"{kind}{area}{org}"
    return body + uscc.calc_check_digit(body)


def wrong_check(rng: random.Random, number: str, alphabet: str) -> str:
    """``number`` with its check character replaced by a different, wrong one."""
    choices = [c for c in alphabet if c != number[-1]]
    return number[:-1] + rng.choice(choices)


def random_date(rng: random.Random, start: date, end: date) -> date:
    """A date in [start, end]."""
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def person(rng: random.Random) -> Person:
    """A made-up employee, 20–55 years old in 2024."""
    area, province, city, district = rng.choice(AREAS)
    male = rng.random() < 0.5
    birth = random_date(rng, date(1969, 1, 1), date(2002, 12, 31))
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    street = rng.choice(STREETS)
    addr = f"{province if province != city + '市' else ''}{city}市{district}{street}{rng.randrange(1, 300)}号"
    return Person(
        name=rng.choice(SURNAMES) + given,
        sex="male" if male else "female",
        ethnicity=rng.choice(ETHNICITIES),
        birth_date=birth,
        id_number=resident_id(rng, area, birth, male),
        address=addr,
    )


def employer(rng: random.Random) -> Organisation:
    """A made-up company (sometimes a branch)."""
    area, _province, city, district = rng.choice(AREAS)
    name = f"{city}{rng.choice(CORES)}{rng.choice(TRADES)}{rng.choice(SUFFIXES)}"
    if rng.random() < 0.15:
        other = rng.choice([a for a in AREAS if a[2] != city])
        name += f"{other[2]}分公司"
    address = f"{city}市{district}{rng.choice(STREETS)}{rng.randrange(1, 500)}号"
    return Organisation(name, credit_code(rng, area), city, district, address)


def agency(rng: random.Random, city: str | None = None) -> Organisation:
    """A made-up social-insurance agency (社会保险经办机构)."""
    area, _province, acity, district = rng.choice([a for a in AREAS if city in (None, a[2])])
    name = rng.choice(
        (
            f"{acity}市社会保险事业管理中心",
            f"{acity}市{district}社会保险事业管理中心",
            f"{acity}市社会保险基金管理中心",
            f"{acity}市人力资源和社会保障局",
        )
    )
    return Organisation(name, credit_code(rng, area, kind="12"), acity, district, f"{acity}市{district}")


def months_between(first: date, last: date) -> int:
    """Months from the month of ``first`` to the month of ``last``, both counted."""
    return (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1
