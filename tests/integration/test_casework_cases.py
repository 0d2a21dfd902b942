"""Cases on a real database (SQLite and PostgreSQL): opening starts the kind's process, one active case
per person and kind (also under concurrency), closing with the root instance, progress and warnings."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from casework.audit import AuditLog
from casework.cases import CaseService
from casework.employers import EmployerRegistry
from casework.errors import CaseAlreadyActive, CaseStateConflict
from casework.models import Case, CaseStatus
from casework.people import PersonRegistry
from engine.db.models import ProcessInstance
from engine.errors import DefinitionNotFound, InvalidInput
from engine.tasks import InboxFilter
from tests.integration.casework_fixtures import CREDIT_CODE, RESIDENT_ID, engine, process_xml  # noqa: F401
from tests.support.processes import row_count, run_in_threads

FORECAST = "warnings = add_warnings(warnings, gap_warnings(last_paid_month, month_of(employment_start)))"
ENROLMENT = process_xml("enrolment", [
    ("user", "collect", "材料收集完成", ""),
    ("script", "forecast", None, FORECAST),
    ("user", "review", "参保完成", ""),
])
JOINER = process_xml("cross_province_joiner", [
    ("user", "collect", "材料收集完成", ""),
    ("user", "old_stop", "原单位停保确认", ""),
    ("user", "enrol", "新单位参保完成", ""),
    ("user", "card", "社保卡就绪", ""),
])


@pytest.fixture
def world(engine):  # noqa: F811
    engine.deploy({"enrolment.bpmn": ENROLMENT, "joiner.bpmn": JOINER})
    people, employers = PersonRegistry.from_engine(engine), EmployerRegistry.from_engine(engine)
    person = people.register(RESIDENT_ID, "王芳", hukou_province="41")
    employer = employers.register("深圳分公司", CREDIT_CODE, cities=["440300"])
    return CaseService(engine, people, employers), person, employer


def open_enrolment(service, person, employer, **data):
    data = {"last_paid_month": "2025-12", "employment_start": "2026-03-02", **data}
    return service.open_case(person.id, "enrolment", employer.id, "440300", data, "hr-1")


def ready(engine, instance_id):  # noqa: F811
    return {t.element_id: t for t in engine.tasks.list(InboxFilter(instance_id=instance_id))}


def test_opening_a_case_starts_its_process_with_the_case_person_and_employer(world, engine):  # noqa: F811
    service, person, employer = world
    case = open_enrolment(service, person, employer, case_date="2026-03-01")

    assert (case.kind, case.status, case.process_id, case.region) == ("enrolment", "active", "enrolment", "440300")
    row = engine.instances.get(case.root_instance_id)
    assert (row.business_key, row.subject_person, row.employer_scope, row.city_scope) == (
        case.id, person.id, employer.id, "440300")
    data = engine.instances.data(case.root_instance_id)
    assert data["case_id"] == case.id and data["case_date"] == "2026-03-01" and data["region"] == "440300"
    assert data["person"] == {"person_id": person.id, "name": "王芳", "resident_id": RESIDENT_ID, "gender": "F",
                              "birth_date": "1949-12-31", "hukou_province": "41"}
    assert data["employer"] == {"employer_id": employer.id, "name": "深圳分公司", "credit_code": CREDIT_CODE}
    assert case.instances == ((case.root_instance_id, "enrolment", "root"),)
    assert service.case_for_instance(case.root_instance_id) == case
    assert [c.id for c in service.cases_for_person(person.id)] == [case.id]


def test_a_second_active_case_of_the_same_kind_is_refused_and_nothing_is_written(world, engine):  # noqa: F811
    service, person, employer = world
    first = open_enrolment(service, person, employer)
    before = (row_count(engine, Case), row_count(engine, ProcessInstance))

    with pytest.raises(CaseAlreadyActive) as err:
        open_enrolment(service, person, employer)

    assert (err.value.code, err.value.params["case_id"]) == ("CASE_ALREADY_ACTIVE", first.id)
    assert (row_count(engine, Case), row_count(engine, ProcessInstance)) == before
    other = service.open_case(person.id, "joiner", employer.id, "440300", {}, "hr-1")  # another kind is fine
    assert other.process_id == "cross_province_joiner"


def test_two_concurrent_opens_make_exactly_one_case_and_one_instance(world, engine):  # noqa: F811
    service, person, employer = world
    opened, refused, other = [], [], []
    barrier = threading.Barrier(3)

    def open_one():
        barrier.wait()
        try:
            opened.append(open_enrolment(service, person, employer).id)
        except CaseAlreadyActive:
            refused.append(1)
        except Exception as exc:  # noqa: BLE001
            other.append(exc)

    run_in_threads(open_one, 3)
    assert other == [] and len(opened) == 1 and len(refused) == 2
    assert row_count(engine, Case) == 1 and row_count(engine, ProcessInstance) == 1


def test_the_case_closes_when_its_root_instance_completes_and_a_new_one_may_then_open(world, engine):  # noqa: F811
    service, person, employer = world
    case = open_enrolment(service, person, employer)
    engine.complete_task(ready(engine, case.root_instance_id)["collect"].id, {}, "hr-1")
    engine.complete_task(ready(engine, case.root_instance_id)["review"].id, {}, "hr-1")

    assert service.close_finished() == [case.id]
    closed = service.get(case.id)
    assert (closed.status, closed.close_reason) == ("closed", "instance_completed") and closed.closed_at
    assert service.close_finished() == []
    assert open_enrolment(service, person, employer).active


def test_a_terminated_root_instance_cancels_the_case(world, engine):  # noqa: F811
    service, person, employer = world
    case = open_enrolment(service, person, employer)
    engine.instances.terminate(case.root_instance_id, "admin")
    assert service.refresh(case.id).status == "cancelled"


def test_cancelling_a_case_terminates_its_instance_and_is_audited(world, engine):  # noqa: F811
    service, person, employer = world
    case = open_enrolment(service, person, employer)

    cancelled = service.cancel(case.id, "hr-1", "employee withdrew")

    assert (cancelled.status, cancelled.closed_by) == ("cancelled", "hr-1")
    assert engine.instances.get(case.root_instance_id).status.value == "terminated"
    [entry] = AuditLog(engine.db).entries(subject_type="case", subject_id=case.id)
    assert (entry.action, entry.reason) == ("case_cancelled", "employee withdrew")
    with pytest.raises(CaseStateConflict):
        service.cancel(case.id, "hr-1", "again")


def test_progress_follows_the_milestones_the_instance_reaches(world, engine):  # noqa: F811
    service, person, employer = world
    case = open_enrolment(service, person, employer)

    def states():
        return [(m["name"], m["state"]) for m in service.progress(case.id)]

    assert states() == [("材料收集完成", "current"), ("参保完成", "pending")]
    engine.complete_task(ready(engine, case.root_instance_id)["collect"].id, {}, "hr-1")
    assert states() == [("材料收集完成", "done"), ("参保完成", "current")]
    engine.complete_task(ready(engine, case.root_instance_id)["review"].id, {}, "hr-1")
    assert states() == [("材料收集完成", "done"), ("参保完成", "done")]


def test_the_joiner_shows_its_five_contract_milestones_in_order_even_when_one_is_not_modelled(world):
    service, person, employer = world
    case = service.open_case(person.id, "joiner", employer.id, "440300", {}, "hr-1")
    progress = service.progress(case)
    assert [m["name"] for m in progress] == ["材料收集完成", "原单位停保确认", "社保转移中", "新单位参保完成", "社保卡就绪"]
    assert [m["state"] for m in progress] == ["current", "pending", "pending", "pending", "pending"]


def test_case_warnings_merge_the_instances_warnings_highest_severity_first_with_consequences(world, engine):  # noqa: F811
    service, person, employer = world
    case = open_enrolment(service, person, employer, last_paid_month="2025-10")
    engine.complete_task(ready(engine, case.root_instance_id)["collect"].id, {}, "hr-1")

    items = service.warnings(case.id)
    assert [w["code"] for w in items] == ["MEDICAL_WAITING_PERIOD", "GAP_FORECAST", "CONTINUITY_BROKEN"]
    assert items[0]["consequences"] == ["CONSEQUENCE_MEDICAL_WAITING_PERIOD"]


def test_a_case_for_an_undeployed_process_or_an_uninsured_region_is_refused_and_not_stored(world, engine):  # noqa: F811
    service, person, employer = world
    with pytest.raises(DefinitionNotFound):
        service.open_case(person.id, "card", employer.id, "440300", {}, "hr-1")
    with pytest.raises(InvalidInput) as err:
        service.open_case(person.id, "enrolment", employer.id, "110000", {}, "hr-1")
    assert err.value.code == "REGION_NOT_INSURED"
    with pytest.raises(InvalidInput) as err:
        service.open_case(person.id, "holiday", employer.id, "440300", {}, "hr-1")
    assert err.value.code == "CASE_KIND_INVALID"
    with pytest.raises(InvalidInput) as err:
        service.open_case(person.id, "enrolment", employer.id, "440300", {"person": {}}, "hr-1")
    assert err.value.code == "CASE_DATA_INVALID"
    assert row_count(engine, Case) == 0


def test_a_start_that_fails_leaves_no_case_behind(world, engine):  # noqa: F811
    service, person, employer = world
    engine.deploy({"joiner.bpmn": process_xml("cross_province_joiner", [("script", "boom", None, "x = month_gap('x', 'y')")])})
    with pytest.raises(Exception, match="YYYY-MM"):  # noqa: B017 - whatever the engine raises for a failed start
        service.open_case(person.id, "joiner", employer.id, "440300", {}, "hr-1")
    assert row_count(engine, Case) == 0


def test_the_scan_links_a_case_whose_open_crashed_after_the_start_and_cancels_one_that_never_started(world, engine):  # noqa: F811
    service, person, employer = world
    started = service._insert(person.id, service_kind("enrolment"), employer.id, "440300", "enrolment", "hr-1")
    instance_id = engine.start("enrolment", {"last_paid_month": "2025-12", "employment_start": "2026-03-02",
                                             "warnings": []}, business_key=started, unique_key=True)
    never = service._insert(person.id, service_kind("joiner"), employer.id, "440300", "cross_province_joiner", "hr-1")

    assert service.close_finished() == []  # too recent: an open may still be under way
    engine.clock.advance(timedelta(minutes=10))
    assert service.close_finished() == [never]

    assert service.get(started).root_instance_id == instance_id and service.get(started).active
    assert (service.get(never).status, service.get(never).close_reason) == ("cancelled", "start_failed")


def service_kind(kind):
    from casework.cases import check_kind

    return check_kind(kind)


def test_the_scan_is_registered_with_the_job_executor_and_closes_cases_when_jobs_run(world, engine):  # noqa: F811
    service, person, employer = world
    service.register_scan(engine.jobs, timedelta(minutes=1))
    case = open_enrolment(service, person, employer)
    engine.instances.terminate(case.root_instance_id, "admin")
    engine.run_jobs()
    with engine.db.reading() as uow:
        assert uow.session.get(Case, case.id).status == CaseStatus.CANCELLED
