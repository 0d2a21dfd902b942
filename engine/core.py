"""The engine assembled: one object per process that the entrypoints (command line, web, worker) use."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from engine.advance import Advancer
from engine.assignment import LaneAssignment
from engine.blobs import BlobStore, LocalBlobStore
from engine.clock import MovableClock, SystemClock
from engine.crypto import Cipher
from engine.db.models import Attachment, CalendarOverride
from engine.db.session import Database
from engine.definitions import DefinitionStore, DeployResult
from engine.errors import NotFound
from engine.evaluation import Evaluator
from engine.history import HistoryWriter
from engine.instances import Instances, StartRequest
from engine.jobs import JobExecutor
from engine.messages import Messages
from engine.operators import OperatorRegistry
from engine.scripting import RestrictedScriptEngine
from engine.settings import Settings
from engine.tasks import FormValidator, HumanTasks
from engine.workdays import WorkdayCalendar, evaluator_functions


@dataclass(frozen=True)
class AttachmentInfo:
    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    instance_id: str | None
    created_at: datetime
    created_by: str | None = None

    @classmethod
    def of(cls, row: Attachment) -> AttachmentInfo:
        return cls(row.id, row.name, row.content_type, row.size, row.sha256, row.instance_id, row.created_at, row.created_by)


class Engine:
    """Facade over storage, definitions, instances, tasks, jobs and messages."""

    def __init__(
        self,
        settings: Settings,
        operators: OperatorRegistry | None = None,
        *,
        validate_form: FormValidator | None = None,
        blobs: BlobStore | None = None,
        clock: Any = None,
        functions: Mapping[str, Any] | None = None,
        redact: Any = None,
    ) -> None:
        self.settings = settings
        self.db = Database(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        self.cipher = Cipher(settings.data_key)
        self.clock = clock or (MovableClock(settings.clock_file) if settings.movable_clock else SystemClock())
        self.operators = operators or OperatorRegistry()
        self.blobs = blobs or LocalBlobStore(settings.blob_dir)
        self.calendar = WorkdayCalendar(self._calendar_overrides())
        # The host's functions (e.g. the domain's calculations) join the engine's own; an engine
        # function cannot be replaced by accident.
        own = evaluator_functions(self.calendar, self.clock)
        clash = sorted(set(own) & set(functions or {}))
        if clash:
            raise ValueError(f"evaluator functions already defined by the engine: {', '.join(clash)}")
        self.evaluator = Evaluator(functions={**own, **(functions or {})})
        self.script_engine = RestrictedScriptEngine(self.evaluator)
        self.definitions = DefinitionStore(self.db, self.clock, self.operators, self.evaluator)
        self.history = HistoryWriter(self.cipher)
        self.advancer = Advancer(
            self.db,
            self.cipher,
            self.clock,
            self.definitions,
            self.script_engine,
            self.history,
            LaneAssignment(settings.lane_groups, self.calendar.deadline_after_workdays),
            default_retries=settings.default_retries,
            default_backoff=settings.default_backoff_seconds,
        )
        self.instances = Instances(self.advancer)
        self.tasks = HumanTasks(self.advancer, validate_form)
        self.messages = Messages(self.advancer, settings.message_ttl_seconds)
        self.jobs = JobExecutor(
            self.advancer,
            self.operators,
            lease_seconds=settings.job_lease_seconds,
            max_backoff_seconds=settings.max_backoff_seconds,
            attachments=self,
            redact=redact,
        )

    # -- configuration helpers --------------------------------------------------------------------

    def _calendar_overrides(self) -> dict[Any, bool]:
        try:
            with self.db.reading() as uow:
                return {r.day: r.is_workday for r in uow.session.scalars(select(CalendarOverride))}
        except Exception:  # noqa: BLE001 - not migrated yet: no overrides
            return {}

    # -- deploying --------------------------------------------------------------------------------

    def deploy(self, files: Mapping[str, bytes], *, name: str = "deployment", actor: str | None = None) -> DeployResult:
        """Validate and store BPMN, DMN and form files; unchanged files add nothing.

        :raises InvalidDefinition: naming file, line and element; nothing is stored then.
        """
        with self.db.unit_of_work() as uow:
            result = self.definitions.deploy(uow.session, files, name=name, actor=actor)
            uow.commit()
            return result

    # -- instances and tasks ----------------------------------------------------------------------

    def start(self, process_id: str, data: dict[str, Any] | None = None, **kwargs: Any) -> str:
        """Start an instance of the newest version of ``process_id``; see :class:`StartRequest`."""
        return self.instances.start(StartRequest(process_id=process_id, data=data or {}, **kwargs))

    def complete_task(self, task_id: str, data: dict[str, Any] | None, actor: str | None) -> None:
        """Complete a human task with form data; see :meth:`HumanTasks.complete`."""
        self.tasks.complete(task_id, data or {}, actor)

    def run_jobs(self, worker_id: str = "inline", max_jobs: int | None = None) -> int:
        """Run every due job now (``shebao worker --once``); returns how many ran."""
        self.jobs.schedule_scans()
        ran = 0
        while True:
            batch = self.jobs.claim(worker_id, limit=10)
            if not batch:
                break
            for job in batch:
                self.jobs.run(job, worker_id)
                ran += 1
                if max_jobs is not None and ran >= max_jobs:
                    return ran
        return ran

    # -- attachments ------------------------------------------------------------------------------

    def save_attachment(self, name: str, content_type: str, data: bytes, *, instance_id: str | None = None, actor: str | None = None) -> AttachmentInfo:
        """Store a file encrypted in blob storage and its metadata in the database."""
        key = self.blobs.put(self.cipher.encrypt_bytes(data))
        row = Attachment(
            instance_id=instance_id,
            owner=actor,
            name=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            blob_key=key,
            created_at=self.clock.now(),
            created_by=actor,
        )
        with self.db.unit_of_work() as uow:
            uow.session.add(row)
            uow.commit()
        return self.attachment(row.id)

    def attachment(self, attachment_id: str) -> AttachmentInfo:
        """Metadata of an attachment.

        :raises NotFound: when there is none.
        """
        with self.db.reading() as uow:
            row = uow.session.get(Attachment, attachment_id)
            if row is None:
                raise NotFound(f"no attachment {attachment_id}", attachment_id=attachment_id)
            return AttachmentInfo.of(row)

    def attachments(self, attachment_ids: list[str]) -> list[AttachmentInfo]:
        """Metadata of the attachments with these ids that exist, in no particular order."""
        if not attachment_ids:
            return []
        with self.db.reading() as uow:
            return [AttachmentInfo.of(r) for r in uow.session.scalars(select(Attachment).where(Attachment.id.in_(attachment_ids)))]

    def attachments_of(self, instance_id: str) -> list[AttachmentInfo]:
        """The attachments of an instance, oldest first."""
        with self.db.reading() as uow:
            rows = uow.session.scalars(
                select(Attachment).where(Attachment.instance_id == instance_id).order_by(Attachment.created_at, Attachment.id)
            )
            return [AttachmentInfo.of(r) for r in rows]

    def link_attachments(self, attachment_ids: list[str], instance_id: str, actor: str | None) -> int:
        """Give files that ``actor`` stored without an instance to ``instance_id``; returns how many moved.

        Files of other people, or already belonging to an instance, are left as they are.
        """
        if not attachment_ids:
            return 0
        with self.db.unit_of_work() as uow:
            result = uow.session.execute(
                update(Attachment)
                .where(Attachment.id.in_(attachment_ids), Attachment.created_by == actor, Attachment.instance_id.is_(None))
                .values(instance_id=instance_id)
            )
            uow.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    def read_attachment(self, attachment_id: str) -> bytes:
        """The decrypted content of an attachment.

        :raises NotFound: when there is none.
        """
        with self.db.reading() as uow:
            row = uow.session.get(Attachment, attachment_id)
            if row is None:
                raise NotFound(f"no attachment {attachment_id}", attachment_id=attachment_id)
            key = row.blob_key
        return self.cipher.decrypt_bytes(self.blobs.get(key))

    def read_for_instance(self, instance_id: str) -> Any:
        """An attachment reader for operators working on ``instance_id``."""
        return self.read_attachment

    def saver_for_instance(self, instance_id: str) -> Any:
        """An attachment writer for operators working on ``instance_id``: (name, type, data) -> id."""

        def save(name: str, content_type: str, data: bytes) -> str:
            return self.save_attachment(name, content_type, data, instance_id=instance_id).id

        return save

    def dispose(self) -> None:
        self.db.dispose()

