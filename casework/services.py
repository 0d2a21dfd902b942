"""The casework services assembled on one engine, for entrypoints (web, command line, worker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casework.audit import AuditLog
from casework.cases import CaseService
from casework.employers import EmployerRegistry
from casework.people import PersonRegistry
from casework.policy import PolicyLookup


@dataclass(frozen=True)
class Casework:
    """People, employers, cases, policy lookups and the audit trail on one engine."""

    people: PersonRegistry
    employers: EmployerRegistry
    cases: CaseService
    policy: PolicyLookup
    audit: AuditLog

    @classmethod
    def from_engine(cls, engine: Any) -> Casework:
        """Build every service on ``engine`` (an ``engine.core.Engine``)."""
        people = PersonRegistry.from_engine(engine)
        employers = EmployerRegistry.from_engine(engine)
        return cls(people, employers, CaseService(engine, people, employers), PolicyLookup(engine), AuditLog(engine.db))

    def register_scans(self, jobs: Any) -> None:
        """Register the recurring scans casework needs (closing finished cases) with a JobExecutor."""
        self.cases.register_scan(jobs)
