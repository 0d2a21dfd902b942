"""Building a small world for the page tests: the fixture joiner process, a person, an employer,
an employee and HR accounts, and signed-in browsers (Flask test clients with cookies and CSRF)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "web" / "cross_province_joiner"
PASSWORD = "correct horse battery staple"
RESIDENT_ID = "11010519491231002X"
OTHER_RESIDENT_ID = "440524188001010014"
CITY = "440300"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def joiner_bundle(folder: Path = FIXTURE) -> dict[str, bytes]:
    """The fixture joiner process with its forms, as a deployable bundle."""
    return {
        f"cross_province_joiner/{p.relative_to(folder).as_posix()}": p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def valid_credit_code(body: str = "91440300MA5XXXXX") -> str:
    """A unified social credit code with the right check character for a 17-character body."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    body = (body + "00000000000000000")[:17].replace("X", "1")
    total = sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + alphabet[(31 - total % 31) % 31]


class Browser:
    """A signed-in test client that carries the CSRF token of the last page it saw."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.token = ""

    def _remember(self, response: Any) -> Any:
        found = _CSRF.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        """GET a page (its CSRF token is kept for the next POST)."""
        return self._remember(self.client.get(url, **kwargs))

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a form with the current CSRF token."""
        body = {"csrf_token": self.token, **(data or {})}
        return self._remember(self.client.post(url, data=body, **kwargs))

    def login(self, username: str) -> Any:
        """Sign in through the login page."""
        self.get("/login")
        response = self.post("/login", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response


@dataclass
class PagesWorld:
    """The app, its engine, the case service and the ids the tests use."""

    app: Any
    engine: Any
    person_id: str
    other_person_id: str
    employer_id: str
    users: dict[str, Any]

    def browser(self, role: str | None = None) -> Browser:
        """A new browser, signed in as the account of ``role`` (or anonymous)."""
        b = Browser(self.app.test_client())
        if role:
            b.login(self.users[role].username)
        return b

    def cases(self) -> Any:
        from casework.cases import CaseService

        return CaseService(self.engine)


def build_world(app: Any) -> PagesWorld:
    """Deploy the fixture, register people, an employer and accounts (employee, other employee, HR)."""
    from casework.employers import EmployerRegistry
    from casework.people import PersonRegistry

    eng = app.extensions["shebao_engine"]
    eng.deploy(joiner_bundle(), name="page tests")
    people = PersonRegistry.from_engine(eng)
    person = people.register(RESIDENT_ID, "张三", hukou_province="41")
    other = people.register(OTHER_RESIDENT_ID, "李四", hukou_province="44")
    employer = EmployerRegistry.from_engine(eng).register("深圳示例科技有限公司", valid_credit_code(), cities=[CITY])
    accounts = app.extensions["shebao_auth"].accounts
    users = {
        "employee": accounts.create("emp.zhang", "张三", PASSWORD, ("employee",), person_id=person.id),
        "other_employee": accounts.create("emp.li", "李四", PASSWORD, ("employee",), person_id=other.id),
        "hr": accounts.create("hr.wang", "王人事", PASSWORD, ("hr",), scopes=((employer.id, CITY),)),
        "other_hr": accounts.create("hr.zhao", "赵人事", PASSWORD, ("hr",), scopes=(("emp-x", "110100"),)),
    }
    return PagesWorld(app, eng, person.id, other.id, employer.id, users)
