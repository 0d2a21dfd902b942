"""Employers of the group and the places where they insure their staff.

A unified social credit code is checked with python-stdnum (through casework.identifiers): a malformed
code is refused; a code whose only fault is the MOD 31 check character (some real pilot-era codes) is
refused too, unless HR confirms it with a reason — that override is stored on the employer and
audited. The caller (the web) decides who counts as HR; this module records the actor it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import audit, divisions, identifiers
from casework.errors import DuplicateCreditCode, EmployerNotFound, check_name, field_error, invalid
from casework.models import AuditAction, Employer, EmployerCity
from engine.db.session import Database

MAX_NAME = 200


@dataclass(frozen=True)
class EmployerView:
    """An employer with its insured places (6-digit division codes, sorted)."""

    id: str
    name: str
    credit_code: str
    credit_code_override: bool
    cities: tuple[str, ...]
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "id": self.id,
            "name": self.name,
            "credit_code": self.credit_code,
            "credit_code_override": self.credit_code_override,
            "cities": list(self.cities),
            "created_at": self.created_at.isoformat(),
        }

    def process_data(self) -> dict[str, Any]:
        """The ``employer`` process data of CONTRACTS."""
        return {"employer_id": self.id, "name": self.name, "credit_code": self.credit_code}


@dataclass(frozen=True)
class _CheckedCode:
    value: str
    override: bool
    expected: str | None = None
    got: str | None = None


def check_credit_code(credit_code: Any, override_reason: str | None) -> _CheckedCode:
    """The normalised code and whether it needs (and got) an override.

    :raises InvalidInput: CREDIT_CODE_INVALID for a malformed code; CREDIT_CODE_OVERRIDE_REQUIRED when
        only the check character is wrong and no reason was given.
    """
    if not isinstance(credit_code, str) or not credit_code.strip():
        raise invalid("a credit code is required", "CREDIT_CODE_INVALID", field_error("credit_code", "CREDIT_CODE_REQUIRED"))
    result = identifiers.validate_credit_code(credit_code)
    if result.valid:
        return _CheckedCode(result.value, False)
    if result.override_possible:
        params = dict(result.errors[0].params)
        if override_reason is None or not str(override_reason).strip():
            raise invalid(
                "the credit code's check character does not match; HR may confirm it with a reason",
                "CREDIT_CODE_OVERRIDE_REQUIRED",
                field_error("credit_code", "CREDIT_CODE_CHECK_UNCONFIRMED", override_required=True, **params),
            )
        return _CheckedCode(result.value, True, params.get("expected"), params.get("got"))
    errors = [field_error("credit_code", i.code, **i.params) for i in result.errors]
    raise invalid("the credit code is not valid", "CREDIT_CODE_INVALID", *errors)


def _check_cities(cities: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for i, code in enumerate(cities):
        try:
            checked = divisions.check_division_code(code)
        except ValueError:
            raise invalid(
                "a division code is not valid", "DIVISION_CODE_INVALID", field_error(f"cities.{i}", "DIVISION_CODE_INVALID")
            ) from None
        if checked not in out:
            out.append(checked)
    return out


class EmployerRegistry:
    """Registers employers, their credit codes (with an audited override) and insured places."""

    def __init__(self, db: Database, clock: Any) -> None:
        self.db = db
        self.clock = clock

    @classmethod
    def from_engine(cls, engine: Any) -> EmployerRegistry:
        """A registry on the engine's database and clock."""
        return cls(engine.db, engine.clock)

    def _view(self, session: Session, row: Employer) -> EmployerView:
        cities = session.scalars(
            select(EmployerCity.division_code).where(EmployerCity.employer_id == row.id).order_by(EmployerCity.division_code)
        )
        return EmployerView(row.id, row.name, row.credit_code, row.credit_code_override, tuple(cities), row.created_at)

    @staticmethod
    def _row(session: Session, employer_id: str) -> Employer:
        row = session.get(Employer, employer_id) if isinstance(employer_id, str) else None
        if row is None:
            raise EmployerNotFound(f"no employer {employer_id}", employer_id=employer_id)
        return row

    def _audit_override(self, session: Session, row: Employer, code: _CheckedCode, actor: str, reason: str) -> None:
        audit.record(
            session, self.clock.now(), actor, AuditAction.CREDIT_CODE_OVERRIDE, "employer", row.id, reason,
            {"credit_code": code.value, "expected": code.expected, "got": code.got},
        )

    @staticmethod
    def _save(step: Any, credit_code: str) -> None:
        """Flush or commit, turning a clash on the credit code into DuplicateCreditCode."""
        try:
            step()
        except IntegrityError as exc:
            if "credit_code" in str(exc.orig):
                raise DuplicateCreditCode("another employer has this credit code", credit_code=credit_code) from None
            raise

    def register(
        self,
        name: str,
        credit_code: str,
        *,
        cities: Iterable[str] = (),
        actor: str | None = None,
        override_reason: str | None = None,
    ) -> EmployerView:
        """Register an employer with its insured places.

        ``override_reason`` confirms a code whose only fault is its check character (audited, needs
        an ``actor``); it is ignored for a valid code.

        :raises InvalidInput: NAME_REQUIRED, CREDIT_CODE_INVALID, CREDIT_CODE_OVERRIDE_REQUIRED,
            REASON_REQUIRED, ACTOR_REQUIRED, DIVISION_CODE_INVALID.
        :raises DuplicateCreditCode: when another employer has the code.
        """
        clean_name, places = check_name(name, MAX_NAME), _check_cities(cities)
        code = check_credit_code(credit_code, override_reason)
        who = why = ""
        if code.override:
            who, why = audit.check_actor(actor), audit.check_reason(override_reason, "override_reason")
        with self.db.unit_of_work() as uow:
            now = self.clock.now()
            row = Employer(
                name=clean_name, credit_code=code.value, credit_code_override=code.override,
                created_at=now, created_by=actor, updated_at=now,
            )
            uow.session.add(row)
            self._save(uow.session.flush, code.value)  # parents first: no relationship orders the inserts
            uow.session.add_all(EmployerCity(employer_id=row.id, division_code=c) for c in places)
            if code.override:
                self._audit_override(uow.session, row, code, who, why)
            self._save(uow.commit, code.value)
            return self._view(uow.session, row)

    def change_credit_code(
        self, employer_id: str, credit_code: str, *, actor: str, override_reason: str | None = None
    ) -> EmployerView:
        """Correct an employer's credit code (same checks and override as :meth:`register`).

        :raises EmployerNotFound: when there is none.
        :raises InvalidInput: as for :meth:`register`.
        :raises DuplicateCreditCode: when another employer has the code.
        """
        code = check_credit_code(credit_code, override_reason)
        who = why = ""
        if code.override:
            who, why = audit.check_actor(actor), audit.check_reason(override_reason, "override_reason")
        with self.db.unit_of_work() as uow:
            row = self._row(uow.session, employer_id)
            row.credit_code, row.credit_code_override = code.value, code.override
            row.updated_at = self.clock.now()
            if code.override:
                self._audit_override(uow.session, row, code, who, why)
            self._save(uow.commit, code.value)
            return self._view(uow.session, row)

    def rename(self, employer_id: str, name: str) -> EmployerView:
        """Change an employer's name.

        :raises EmployerNotFound: when there is none.
        :raises InvalidInput: NAME_REQUIRED, NAME_TOO_LONG.
        """
        clean = check_name(name, MAX_NAME)
        with self.db.unit_of_work() as uow:
            row = self._row(uow.session, employer_id)
            row.name, row.updated_at = clean, self.clock.now()
            uow.commit()
            return self._view(uow.session, row)

    def set_cities(self, employer_id: str, cities: Iterable[str]) -> EmployerView:
        """Replace the employer's insured places.

        :raises EmployerNotFound: when there is none.
        :raises InvalidInput: DIVISION_CODE_INVALID.
        """
        places = _check_cities(cities)
        with self.db.unit_of_work() as uow:
            row = self._row(uow.session, employer_id)
            uow.session.execute(delete(EmployerCity).where(EmployerCity.employer_id == row.id))
            uow.session.add_all(EmployerCity(employer_id=row.id, division_code=c) for c in places)
            row.updated_at = self.clock.now()
            uow.commit()
            return self._view(uow.session, row)

    def get(self, employer_id: str) -> EmployerView:
        """An employer by id.

        :raises EmployerNotFound: when there is none.
        """
        with self.db.reading() as uow:
            return self._view(uow.session, self._row(uow.session, employer_id))

    def find_by_credit_code(self, credit_code: str) -> EmployerView | None:
        """The employer with this credit code (normalised first), or None."""
        value = identifiers.normalise(credit_code or "").replace("-", "")
        with self.db.reading() as uow:
            row = uow.session.scalars(select(Employer).where(Employer.credit_code == value)).first()
            return self._view(uow.session, row) if row else None

    def find(self, *, city: str | None = None) -> list[EmployerView]:
        """Every employer by name, or those insuring in ``city`` (an exact division code)."""
        stmt = select(Employer).order_by(Employer.name, Employer.id)
        if city:
            stmt = stmt.where(Employer.id.in_(select(EmployerCity.employer_id).where(EmployerCity.division_code == city)))
        with self.db.reading() as uow:
            return [self._view(uow.session, r) for r in uow.session.scalars(stmt)]
