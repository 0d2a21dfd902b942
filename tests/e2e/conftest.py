"""The web app on the real engine (SQLite and PostgreSQL), with one account per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from engine.operators import OperatorRegistry, Parameter
from tests.e2e.apiclient import Api, OpenApiChecker
from tests.support.engines import make_engine
from web.bootstrap import form_validator

FIXTURES = Path(__file__).parent / "fixtures"
EMPLOYER, CITY = "emp-1", "440300"
OTHER_EMPLOYER, OTHER_CITY = "emp-2", "110100"
PASSWORD = "correct horse battery staple"

# role name in the tests -> (username, roles, person, scopes)
ACCOUNTS: dict[str, tuple[str, tuple[str, ...], str | None, tuple[tuple[str, str], ...]]] = {
    "employee": ("emp.zhang", ("employee",), "person-1", ()),
    "other_employee": ("emp.li", ("employee",), "person-2", ()),
    "hr": ("hr.wang", ("hr",), None, ((EMPLOYER, CITY),)),
    "other_hr": ("hr.zhao", ("hr",), None, ((OTHER_EMPLOYER, OTHER_CITY),)),
    "hr_lead": ("lead.chen", ("hr_lead",), None, ((EMPLOYER, CITY),)),
    "designer": ("designer.sun", ("designer",), None, ()),
    "admin": ("admin.root", ("admin",), None, ()),
}
ROLES = ("anonymous", *ACCOUNTS)


def case_bundle() -> dict[str, bytes]:
    """The small three-lane test process with a resident ID, a bank card and a file in its form."""
    folder = FIXTURES / "api_case"
    return {f"api_case/{p.name}": p.read_bytes() for p in sorted(folder.iterdir())}


def pay_operators(switch: dict[str, bool]) -> OperatorRegistry:
    """``test.pay``: pays ``amount``; fails with a connection error while ``switch['fail']``."""
    registry = OperatorRegistry()

    def pay(params: dict[str, Any], call: Any) -> dict[str, Any]:
        if switch.get("fail"):
            raise ConnectionError("connection refused by 127.0.0.1 for card 6222021234567890128")
        return {"paid": params["amount"]}

    registry.register("test.pay", pay, parameters=[Parameter("amount", "integer")], result_fields=["paid"])
    return registry


@pytest.fixture
def operator_switch() -> dict[str, bool]:
    return {"fail": False}


@pytest.fixture
def web_engine(engine_env: dict[str, str], operator_switch: dict[str, bool]) -> Iterator[Any]:
    eng = make_engine(engine_env, pay_operators(operator_switch), validate_form=form_validator())
    yield eng
    eng.dispose()


@pytest.fixture
def app(web_engine: Any) -> Any:
    from web.app import create_app

    return create_app(
        {"TESTING": True, "SECRET_KEY": "test-secret-key", "SHEBAO_COOKIE_SECURE": False, "SHEBAO_MAX_UPLOAD_BYTES": 64 * 1024},
        engine=web_engine,
    )


@pytest.fixture
def checker(app: Any) -> OpenApiChecker:
    """The OpenAPI document as the app serves it."""
    with app.test_client() as c:
        response = c.get("/api/v1/openapi.json")
        assert response.status_code == 200
        return OpenApiChecker(response.get_json())


@dataclass
class World:
    """The app with one API client per role, plus the accounts' ids."""

    app: Any
    engine: Any
    checker: OpenApiChecker
    clients: dict[str, Api]
    users: dict[str, Any]

    def __getitem__(self, role: str) -> Api:
        return self.clients[role]

    def deploy_case(self) -> None:
        self.engine.deploy(case_bundle(), name="tests")

    def start_case(self, person: str = "person-1", employer: str = EMPLOYER, city: str = CITY, key: str | None = None) -> str:
        """Start the test process for ``person`` as admin through the API; returns the instance id."""
        body = {"process_id": "api_case", "subject_person": person, "employer": employer, "city": city, "business_key": key, "data": {}}
        return self.clients["admin"].json("POST", "/instances", 201, json={k: v for k, v in body.items() if v is not None})["id"]

    def open_task(self, instance_id: str, element_id: str) -> dict[str, Any]:
        """The open task of an instance at ``element_id`` (seen as admin)."""
        items = self.clients["admin"].json("GET", f"/tasks?instance_id={instance_id}")["items"]
        found = [t for t in items if t["element_id"] == element_id]
        assert found, f"no open {element_id} in {[t['element_id'] for t in items]}"
        return found[0]


@lru_cache(maxsize=1)
def password_hash() -> str:
    """PASSWORD hashed once per test run (Argon2id is slow on purpose)."""
    from web.auth.passwords import hash_password

    return hash_password(PASSWORD)


def make_world(app: Any, checker: OpenApiChecker, *, passwords: bool = False) -> World:
    """One account (with an API token) per role; with ``passwords`` each can sign in with PASSWORD."""
    services = app.extensions["shebao_auth"]
    clients: dict[str, Api] = {"anonymous": Api(app.test_client(), checker)}
    users: dict[str, Any] = {}
    for role, (username, roles, person, scopes) in ACCOUNTS.items():
        user = services.accounts.create(username, username, None, roles, person_id=person, scopes=scopes)
        _, secret = services.credentials.create_token(user.id, "tests")
        clients[role] = Api(app.test_client(), checker, token=secret)
        users[role] = user
    if passwords:
        from sqlalchemy import update

        from web.auth.models import UserAccount

        with services.accounts.db.unit_of_work() as uow:
            uow.session.execute(update(UserAccount).values(password_hash=password_hash()))
            uow.commit()
    return World(app, app.extensions["shebao_engine"], checker, clients, users)


@pytest.fixture
def world(app: Any, checker: OpenApiChecker) -> World:
    return make_world(app, checker)


RESIDENT_IDS = {"person-1": ("11010519491231002X", "张三"), "person-2": ("410302198001011230", "李四")}
CREDIT_CODE = "91110108551385082Q"


def card_bundle() -> dict[str, bytes]:
    """The test process deployed as ``card_issuance``, so that casework can open ``card`` cases with it."""
    out = {}
    for path, data in case_bundle().items():
        name = path.split("/", 1)[1].replace("api_case.bpmn", "card_issuance.bpmn")
        out[f"card_issuance/{name}"] = data.replace(b'id="api_case"', b'id="card_issuance"')
    return out


def register_casework(world: World) -> Any:
    """Casework people ``person-1``/``person-2`` and employer ``emp-1`` (insuring 440300), with
    the fixed ids the accounts use; returns the casework services."""
    from sqlalchemy import update

    from casework.models import Employer, Person
    from casework.services import Casework

    services = Casework.from_engine(world.engine)
    world.app.extensions["shebao_casework"] = services
    for fixed, (number, name) in RESIDENT_IDS.items():
        person = services.people.register(number, name, hukou_province="11")
        with world.engine.db.unit_of_work() as uow:
            uow.session.execute(update(Person).where(Person.id == person.id).values(id=fixed))
            uow.commit()
    employer = services.employers.register("深圳示例科技有限公司", CREDIT_CODE)
    with world.engine.db.unit_of_work() as uow:
        uow.session.execute(update(Employer).where(Employer.id == employer.id).values(id=EMPLOYER))
        uow.commit()
    services.employers.set_cities(EMPLOYER, [CITY])
    world.engine.deploy(card_bundle(), name="card")
    return services
