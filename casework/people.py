"""Insured people, found by a keyed hash of their resident ID; the number is stored encrypted.

Lists, logs and errors only ever show the masked number (``110105********002X``). Reading the full
number for a person is :meth:`PersonRegistry.reveal_resident_id`, which writes an audit row; handing it
to a process (:meth:`PersonRegistry.process_person`, whose state the engine encrypts) is a system act
and not audited.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import audit, divisions, identifiers
from casework.errors import PersonNotFound, check_name, field_error, invalid
from casework.models import AuditAction, Person
from engine.crypto import Cipher
from engine.db.session import Database, with_retries

MAX_NAME = 100


@dataclass(frozen=True)
class PersonView:
    """A person as lists and pages show them: no full resident ID."""

    id: str
    name: str
    gender: str  # "M" | "F"
    birth_date: date
    hukou_province: str | None
    resident_id_masked: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (dates as ISO text)."""
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat()
        data["created_at"] = self.created_at.isoformat()
        return data


def _view(row: Person) -> PersonView:
    return PersonView(
        row.id, row.name, row.gender, row.birth_date, row.hukou_province, row.resident_id_masked, row.created_at
    )


def _check_hukou(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    code = text[:2] if len(text) in (2, 6) and text.isdigit() else ""
    if code not in divisions.PROVINCES:
        raise invalid(
            "the hukou province is not a province code",
            "HUKOU_PROVINCE_INVALID",
            field_error("hukou_province", "HUKOU_PROVINCE_INVALID"),
        )
    return code


class PersonRegistry:
    """Registers and finds people; reveals a full resident ID with an audit row."""

    def __init__(self, db: Database, cipher: Cipher, clock: Any) -> None:
        self.db = db
        self.cipher = cipher
        self.clock = clock

    @classmethod
    def from_engine(cls, engine: Any) -> PersonRegistry:
        """A registry on the engine's database, cipher and clock."""
        return cls(engine.db, engine.cipher, engine.clock)

    # -- checking ---------------------------------------------------------------------------------

    def _today(self) -> date:
        return self.clock.now().astimezone(identifiers.SHANGHAI).date()

    def check_resident_id(self, resident_id: Any) -> identifiers.ResidentIdResult:
        """The validated number (birth date and sex read from it).

        :raises InvalidInput: code RESIDENT_ID_INVALID, with the validator's problems (their codes,
            e.g. RESIDENT_ID_CHECK_CHARACTER) in ``params['errors']``; the number itself is not in it.
        """
        if not isinstance(resident_id, str):
            raise invalid("a resident ID is required", "RESIDENT_ID_INVALID", field_error("resident_id", "RESIDENT_ID_REQUIRED"))
        result = identifiers.validate_resident_id(resident_id, today=self._today())
        if not result.valid:
            errors = [field_error("resident_id", i.code, **i.params) for i in result.errors]
            raise invalid("the resident ID is not valid", "RESIDENT_ID_INVALID", *errors)
        return result

    def _hash(self, normalised: str) -> str:
        return self.cipher.lookup_hash(normalised)

    # -- registering and finding ------------------------------------------------------------------

    def register(
        self, resident_id: str, name: str, *, hukou_province: str | None = None, actor: str | None = None
    ) -> PersonView:
        """Register a person, or return the one already registered with this number (unchanged).

        Gender and birth date come from the number; ``hukou_province`` is a 2-digit (or 6-digit) code.

        :raises InvalidInput: RESIDENT_ID_INVALID, NAME_REQUIRED, NAME_TOO_LONG, HUKOU_PROVINCE_INVALID.
        """
        checked = self.check_resident_id(resident_id)
        clean_name, hukou = check_name(name, MAX_NAME), _check_hukou(hukou_province)
        number = checked.value
        key = self._hash(number)

        def attempt() -> PersonView:
            with self.db.unit_of_work() as uow:
                existing = self._by_hash(uow.session, key)
                if existing is not None:
                    return _view(existing)
                now = self.clock.now()
                assert checked.birth_date is not None
                row = Person(
                    resident_id_hash=key,
                    resident_id_enc=self.cipher.encrypt_text(number),
                    resident_id_masked=identifiers.mask_resident_id(number),
                    name=clean_name,
                    gender="M" if checked.sex == "male" else "F",
                    birth_date=checked.birth_date,
                    hukou_province=hukou,
                    created_at=now,
                    created_by=actor,
                    updated_at=now,
                )
                uow.session.add(row)
                try:
                    uow.commit()
                except IntegrityError:
                    uow.rollback()  # registered by someone else meanwhile
                    found = self._by_hash(uow.session, key)
                    if found is None:
                        raise
                    return _view(found)
                return _view(row)

        result: PersonView = with_retries(attempt)
        return result

    @staticmethod
    def _by_hash(session: Session, key: str) -> Person | None:
        return session.scalars(select(Person).where(Person.resident_id_hash == key)).first()

    def find_by_resident_id(self, resident_id: str) -> PersonView | None:
        """The person registered with this number, or None.

        :raises InvalidInput: RESIDENT_ID_INVALID when the number itself is not valid.
        """
        key = self._hash(self.check_resident_id(resident_id).value)
        with self.db.reading() as uow:
            row = self._by_hash(uow.session, key)
            return _view(row) if row else None

    def get(self, person_id: str) -> PersonView:
        """A person by id.

        :raises PersonNotFound: when there is none.
        """
        with self.db.reading() as uow:
            return _view(self._row(uow.session, person_id))

    def get_many(self, person_ids: list[str]) -> dict[str, PersonView]:
        """The people with these ids that exist, by id (for lists)."""
        if not person_ids:
            return {}
        with self.db.reading() as uow:
            rows = uow.session.scalars(select(Person).where(Person.id.in_(set(person_ids))))
            return {r.id: _view(r) for r in rows}

    def search(self, query: str, *, limit: int = 20) -> list[PersonView]:
        """People whose name contains ``query``, or the one whose resident ID it is (exact number)."""
        text = (query or "").strip()
        if not text:
            return []
        number = identifiers.normalise(text)
        if len(number) == 18 and identifiers.validate_resident_id(number, today=self._today()).valid:
            found = self.find_by_resident_id(number)
            return [found] if found else []
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self.db.reading() as uow:
            rows = uow.session.scalars(
                select(Person).where(Person.name.like(pattern, escape="\\")).order_by(Person.name, Person.id).limit(limit)
            )
            return [_view(r) for r in rows]

    @staticmethod
    def _row(session: Session, person_id: str) -> Person:
        row = session.get(Person, person_id) if isinstance(person_id, str) else None
        if row is None:
            raise PersonNotFound(f"no person {person_id}", person_id=person_id)
        return row

    def update(
        self, person_id: str, *, name: str | None = None, hukou_province: str | None = None, actor: str | None = None
    ) -> PersonView:
        """Change the name or the hukou province (the resident ID never changes).

        :raises PersonNotFound: when there is none.
        :raises InvalidInput: NAME_REQUIRED, NAME_TOO_LONG, HUKOU_PROVINCE_INVALID.
        """
        clean_name = check_name(name, MAX_NAME) if name is not None else None
        hukou = _check_hukou(hukou_province) if hukou_province is not None else None
        with self.db.unit_of_work() as uow:
            row = self._row(uow.session, person_id)
            if clean_name is not None:
                row.name = clean_name
            if hukou is not None:
                row.hukou_province = hukou
            row.updated_at = self.clock.now()
            uow.commit()
            return _view(row)

    # -- the full number --------------------------------------------------------------------------

    def masked_resident_id(self, person_id: str) -> str:
        """The masked number for display, e.g. ``110105********002X``.

        :raises PersonNotFound: when there is none.
        """
        return self.get(person_id).resident_id_masked

    def reveal_resident_id(self, person_id: str, actor: str, reason: str) -> str:
        """The full number, with an audit row (who, when, why) written in the same transaction.

        :raises InvalidInput: ACTOR_REQUIRED, REASON_REQUIRED or REASON_TOO_LONG (nothing is revealed).
        :raises PersonNotFound: when there is none.
        """
        who, why = audit.check_actor(actor), audit.check_reason(reason)
        with self.db.unit_of_work() as uow:
            row = self._row(uow.session, person_id)
            number = self.cipher.decrypt_text(row.resident_id_enc)
            audit.record(
                uow.session, self.clock.now(), who, AuditAction.RESIDENT_ID_REVEALED, "person", row.id, why,
                {"masked": row.resident_id_masked},
            )
            uow.commit()
        return number

    def process_person(self, person_id: str) -> dict[str, Any]:
        """The ``person`` process data of CONTRACTS (with the full number) for starting a process.

        Not for display: the engine keeps process state encrypted and masks it in history.

        :raises PersonNotFound: when there is none.
        """
        with self.db.reading() as uow:
            row = self._row(uow.session, person_id)
            return {
                "person_id": row.id,
                "name": row.name,
                "resident_id": self.cipher.decrypt_text(row.resident_id_enc),
                "gender": row.gender,
                "birth_date": row.birth_date.isoformat(),
                "hukou_province": row.hukou_province,
            }
