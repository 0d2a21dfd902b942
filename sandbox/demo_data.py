"""Demo data for the sandbox: one employer group in three cities and five people whose cases show the
product's paths (a leaver, a removal blocked by arrears, a duplicate card, a transfer, a new joiner).

The product's demo creates the same employers and people on its side from :data:`DEMO`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.admin import AdminClient
from sandbox.validation import make_resident_id

GROUP = "示例科技"
EMPLOYERS = [
    {"credit_code": "91110108551385082Q", "region": "110000", "name": "北京示例科技有限公司"},
    {"credit_code": "91310115MA1H7XYQ3K", "region": "310000", "name": "上海示例科技有限公司"},
    {"credit_code": "91440300MA5F2KTR4B", "region": "440300", "name": "深圳示例科技有限公司",
     "arrears": [{"period": "2025-01", "amount": 18430.5}]},
]
DEMO: dict[str, dict[str, Any]] = {
    "leaver": {"name": "张伟", "resident_id": make_resident_id("110105", date(1988, 4, 12), 231), "region": "110000",
               "credit_code": "91110108551385082Q", "start_date": "2016-04-01", "base": 15000,
               "story": "leaves the Beijing company: removal, certificate, transfer to Shanghai"},
    "arrears": {"name": "王芳", "resident_id": make_resident_id("440305", date(1992, 8, 3), 442), "region": "440300",
                "credit_code": "91440300MA5F2KTR4B", "start_date": "2019-09-01", "base": 11000,
                "story": "removal in Shenzhen refused until the branch pays its arrears"},
    "card_holder": {"name": "李娜", "resident_id": make_resident_id("110108", date(1995, 1, 20), 126), "region": "110000",
                    "credit_code": "91110108551385082Q", "start_date": "2021-07-01", "base": 12000,
                    "card": {"bank": "icbc", "region": "110108", "status": "issued", "social_security_enabled": True},
                    "story": "holds an ICBC card: a new application at CCB is stopped as a duplicate"},
    "mover": {"name": "刘洋", "resident_id": make_resident_id("320502", date(1990, 11, 5), 317), "region": "110000",
              "credit_code": "91110108551385082Q", "start_date": "2022-03-01", "base": 16000,
              "earlier": {"credit_code": "91320505MA1MXQ7L8P", "region": "320500", "name": "苏州前东家电子有限公司",
                          "start_date": "2015-07-01", "stop_month": "2021-12", "base": 9000},
              "story": "contributed in Suzhou before Beijing: history with a gap, pension transfer"},
    "joiner": {"name": "陈静", "resident_id": make_resident_id("310104", date(2000, 6, 18), 528), "region": "310000",
               "credit_code": "91310115MA1H7XYQ3K", "start_date": None, "base": 13000,
               "story": "joins the Shanghai company: enrolment within 30 days, first card"},
}


def seed_demo(admin: dict[str, AdminClient]) -> dict[str, dict[str, Any]]:
    """Load the demo employers, people and cards into a running sandbox; returns :data:`DEMO`."""
    employers = list(EMPLOYERS)
    persons = []
    for person in DEMO.values():
        employments = []
        earlier = person.get("earlier")
        if earlier:
            employers.append({k: earlier[k] for k in ("credit_code", "region", "name")})
            employments.append({k: earlier[k] for k in ("credit_code", "region", "start_date", "stop_month", "base")})
        if person["start_date"]:
            employments.append({"credit_code": person["credit_code"], "region": person["region"],
                                "start_date": person["start_date"], "base": person["base"]})
        if employments:
            persons.append({"resident_id": person["resident_id"], "name": person["name"], "employments": employments})
    admin["bureau"].seed({"employers": employers, "persons": persons})
    for person in DEMO.values():
        card = person.get("card")
        if card:
            admin[card["bank"]].seed({"cards": [{"resident_id": person["resident_id"], "name": person["name"],
                                                 **{k: v for k, v in card.items() if k != "bank"}}]})
    return DEMO
