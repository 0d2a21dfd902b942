"""People and employers on a real database (SQLite and PostgreSQL): keyed-hash lookups, the resident ID
encrypted at rest, audited reveals and credit-code overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from casework.audit import AuditLog
from casework.employers import EmployerRegistry
from casework.errors import DuplicateCreditCode, PersonNotFound
from casework.models import AuditEvent, Employer, Person
from casework.people import PersonRegistry
from engine.errors import InvalidInput
from tests.integration.casework_fixtures import CREDIT_CODE, RESIDENT_ID, engine  # noqa: F401
from tests.support.processes import row_count, run_in_threads

PILOT_CODE = CREDIT_CODE[:-1] + "A"  # right structure, wrong check character


@pytest.fixture
def people(engine):  # noqa: F811
    return PersonRegistry.from_engine(engine)


@pytest.fixture
def employers(engine):  # noqa: F811
    return EmployerRegistry.from_engine(engine)


def test_a_registered_person_is_found_by_resident_id_with_gender_and_birth_date_from_the_number(people):
    person = people.register(RESIDENT_ID, "王芳", hukou_province="11", actor="hr-1")

    found = people.find_by_resident_id(" 11010519491231002x ")  # spaces and lower-case x normalised
    assert found == person
    assert (person.gender, person.birth_date.isoformat(), person.hukou_province) == ("F", "1949-12-31", "11")
    assert person.resident_id_masked == "110105********002X"
    assert people.find_by_resident_id("110105194912310038") is None  # another valid number


def test_registering_the_same_number_again_returns_the_same_person(people, engine):  # noqa: F811
    first = people.register(RESIDENT_ID, "王芳")
    again = people.register(RESIDENT_ID, "王 芳")
    assert again.id == first.id and again.name == "王芳"
    assert row_count(engine, Person) == 1


def test_two_concurrent_registrations_of_one_number_make_one_person(people, engine):  # noqa: F811
    results, errors = [], []

    def register():
        try:
            results.append(people.register(RESIDENT_ID, "王芳").id)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    run_in_threads(register, 4)
    assert errors == [] and len(set(results)) == 1
    assert row_count(engine, Person) == 1


def test_an_invalid_resident_id_is_refused_with_its_code_and_nothing_is_stored(people, engine):  # noqa: F811
    with pytest.raises(InvalidInput) as err:
        people.register("110105194912310021", "王芳")
    assert err.value.code == "RESIDENT_ID_INVALID"
    assert [e["code"] for e in err.value.params["errors"]] == ["RESIDENT_ID_CHECK_CHARACTER"]
    assert "110105194912310021" not in str(err.value) + str(err.value.params)
    assert row_count(engine, Person) == 0


def test_the_resident_id_is_stored_encrypted_and_only_its_keyed_hash_is_searchable(people, engine, engine_env):  # noqa: F811
    person = people.register(RESIDENT_ID, "王芳")
    with engine.db.reading() as uow:
        rows = [tuple(map(str, r)) for r in uow.session.execute(text("SELECT * FROM persons"))]
    flat = " ".join(" ".join(r) for r in rows)
    assert RESIDENT_ID not in flat and RESIDENT_ID.lower() not in flat
    assert engine.cipher.lookup_hash(RESIDENT_ID) in flat  # the lookup key, not the number
    url = engine_env["SHEBAO_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        db = Path(url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
        assert RESIDENT_ID.encode() not in raw
    assert person.id in flat


def test_revealing_the_full_number_writes_an_audit_row_with_who_and_why(people, engine):  # noqa: F811
    person = people.register(RESIDENT_ID, "王芳")
    assert people.masked_resident_id(person.id) == "110105********002X"

    assert people.reveal_resident_id(person.id, "hr-1", "bureau asked for the full number") == RESIDENT_ID

    [entry] = AuditLog(engine.db).entries(subject_type="person", subject_id=person.id)
    assert (entry.actor, entry.action, entry.reason) == ("hr-1", "resident_id_revealed", "bureau asked for the full number")
    assert RESIDENT_ID not in str(entry.details)


@pytest.mark.parametrize(("actor", "reason", "code"), [("hr-1", "  ", "REASON_REQUIRED"), ("", "why", "ACTOR_REQUIRED")])
def test_a_reveal_without_a_reason_or_actor_is_refused_and_not_audited(people, engine, actor, reason, code):  # noqa: F811
    person = people.register(RESIDENT_ID, "王芳")
    with pytest.raises(InvalidInput) as err:
        people.reveal_resident_id(person.id, actor, reason)
    assert err.value.code == code
    assert row_count(engine, AuditEvent) == 0


def test_an_unknown_person_is_not_found(people):
    with pytest.raises(PersonNotFound):
        people.reveal_resident_id("nobody", "hr-1", "check")


def test_people_are_searched_by_name_or_exact_number(people):
    a = people.register(RESIDENT_ID, "王芳")
    people.register("110105194912310038", "李雷")
    assert [p.id for p in people.search("王")] == [a.id]
    assert [p.id for p in people.search(RESIDENT_ID)] == [a.id]
    assert people.search("%") == []


def test_an_employer_with_a_valid_credit_code_and_its_cities_is_registered(employers):
    emp = employers.register("深圳分公司", CREDIT_CODE.lower(), cities=["440300", "440300", "110000"])
    assert (emp.credit_code, emp.credit_code_override, emp.cities) == (CREDIT_CODE, False, ("110000", "440300"))
    assert employers.find_by_credit_code(CREDIT_CODE).id == emp.id
    assert [e.id for e in employers.find(city="440300")] == [emp.id]


def test_a_code_failing_only_its_check_character_is_refused_without_an_override(employers, engine):  # noqa: F811
    with pytest.raises(InvalidInput) as err:
        employers.register("试点公司", PILOT_CODE, actor="hr-1")
    assert err.value.code == "CREDIT_CODE_OVERRIDE_REQUIRED"
    assert err.value.params["errors"][0]["params"]["override_required"] is True
    assert row_count(engine, Employer) == 0


def test_hr_may_override_the_check_character_with_a_reason_and_the_override_is_audited(employers, engine):  # noqa: F811
    emp = employers.register("试点公司", PILOT_CODE, actor="hr-1", override_reason="pilot-era code on the licence")
    assert emp.credit_code_override is True
    [entry] = AuditLog(engine.db).entries(subject_type="employer", subject_id=emp.id)
    assert (entry.actor, entry.action, entry.reason) == ("hr-1", "credit_code_override", "pilot-era code on the licence")
    assert entry.details == {"credit_code": PILOT_CODE, "expected": "Q", "got": "A"}


def test_an_override_needs_an_actor_and_a_malformed_code_is_refused_even_with_a_reason(employers, engine):  # noqa: F811
    with pytest.raises(InvalidInput) as err:
        employers.register("试点公司", PILOT_CODE, override_reason="pilot")
    assert err.value.code == "ACTOR_REQUIRED"
    with pytest.raises(InvalidInput) as err:
        employers.register("坏公司", "91110108551385082", actor="hr-1", override_reason="pilot")
    assert err.value.code == "CREDIT_CODE_INVALID"
    assert row_count(engine, Employer) == 0 and row_count(engine, AuditEvent) == 0


def test_a_credit_code_belongs_to_one_employer(employers):
    employers.register("甲", CREDIT_CODE)
    with pytest.raises(DuplicateCreditCode):
        employers.register("乙", CREDIT_CODE)


def test_correcting_a_credit_code_to_a_valid_one_clears_the_override(employers):
    emp = employers.register("试点公司", PILOT_CODE, actor="hr-1", override_reason="pilot")
    fixed = employers.change_credit_code(emp.id, CREDIT_CODE, actor="hr-1")
    assert (fixed.credit_code, fixed.credit_code_override) == (CREDIT_CODE, False)
    assert employers.set_cities(emp.id, ["510100"]).cities == ("510100",)
    with pytest.raises(InvalidInput) as err:
        employers.set_cities(emp.id, ["99"])
    assert err.value.code == "DIVISION_CODE_INVALID"


def test_the_services_come_together_on_one_engine_with_their_scan(engine):  # noqa: F811
    from casework.services import Casework

    cw = Casework.from_engine(engine)
    person = cw.people.register(RESIDENT_ID, "王芳")
    cw.register_scans(engine.jobs)
    assert cw.cases.people.get(person.id) == person
    assert "casework.close_finished" in engine.jobs.scans
