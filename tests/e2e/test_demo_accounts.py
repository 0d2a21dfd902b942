"""`shebao demo` seeds the sandbox's employers and people and one account per role, printed once."""

from __future__ import annotations

import stat

from casework.services import Casework
from tests.support.engines import make_engine
from web.auth.signin import SignIn
from web.demo_accounts import describe, seed_demo_accounts


def test_demo_accounts_are_created_once_and_can_sign_in(engine_env, tmp_path):
    engine = make_engine(engine_env)
    try:
        path = tmp_path / "var" / "demo-accounts.txt"
        first = seed_demo_accounts(engine, path)
        roles = {a.username: set(a.roles) for a, _ in first}
        assert {r for rs in roles.values() for r in rs} == {"employee", "hr", "hr_lead", "designer", "admin"}
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert all(f"{a.username} {p}" in path.read_text(encoding="utf-8") for a, p in first)

        again = seed_demo_accounts(engine, path)
        assert [(a.username, p) for a, p in again] == [(a.username, p) for a, p in first]

        from web.auth.accounts import Accounts

        accounts = Accounts(engine.db)
        signin = SignIn(engine.db, accounts, engine.cipher)
        employee = dict((a.username, p) for a, p in first)
        user = signin.password("chenjing", employee["chenjing"]).user
        person = Casework.from_engine(engine).people.get(user.person_id)
        assert person.name == "陈静" and "*" in person.resident_id_masked
        hr = accounts.by_username("hr.shanghai")
        assert hr is not None and len(hr.groups) == 1 and hr.groups[0].endswith(":310000")
        assert "chenjing" in describe(first, "http://127.0.0.1:8000/")
    finally:
        engine.dispose()
