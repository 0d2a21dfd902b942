"""Deployed definitions: storing versions by content hash, and the caches of parsed specs and decisions.

Process versions are immutable: the parsed specs of one version are cached for the life of the
process. Decisions bind late: :meth:`DefinitionStore.resolve_decision` always answers with the newest
deployed version of a decision.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from engine import bundle as bundles
from engine.db.models import DecisionDefinition, DefinitionFile, Deployment, ProcessDefinition, new_id
from engine.db.session import Database
from engine.errors import DefinitionNotFound
from engine.statements import DefinitionRef, find_definition

KINDS = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}


def file_kind(path: str) -> str | None:
    """The kind of a deployable file by its extension, or None when it is not one."""
    for ext, kind in KINDS.items():
        if path.lower().endswith(ext):
            return kind
    return None


@dataclass
class DeployResult:
    """What a deployment added; an unchanged redeploy adds nothing and has no deployment id."""

    deployment_id: str | None
    processes: list[dict[str, Any]] = field(default_factory=list)  # new versions
    decisions: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


class DefinitionStore:
    """Deploys bundles and serves parsed specs and decisions from caches."""

    def __init__(self, db: Database, clock: Any, operators: Container[str], evaluator: Any) -> None:
        self.db = db
        self.clock = clock
        self.operators = operators
        self.evaluator = evaluator
        self._specs: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._decisions: dict[tuple[str, int], Any] = {}
        self._lock = threading.Lock()

    # -- deploying --------------------------------------------------------------------------------

    def deploy(self, session: Session, files: Mapping[str, bytes], *, name: str, actor: str | None) -> DeployResult:
        """Validate and store the given files inside the caller's unit of work.

        :raises InvalidDefinition: naming file, line and element when anything is wrong; nothing is
            stored then.
        """
        available = self._newest_files(session, exclude=files)
        available_processes = {p: d for p, d in available.items() if file_kind(p) == "bpmn"}
        available_decisions = self._newest_decision_files(session, exclude=files)
        parsed = bundles.parse_bundle(
            files,
            operators=self.operators,
            evaluator=self.evaluator,
            available_decisions=available_decisions,
            available_processes=available_processes,
            available_forms={p: d for p, d in available.items() if file_kind(p) == "form"},
        )
        now = self.clock.now()
        shas = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
        result = DeployResult(deployment_id=None, warnings=[_as_dict(w) for w in parsed.warnings])
        deployment = Deployment(id=new_id(), name=name, created_at=now, created_by=actor, files=json.dumps(shas))
        new_rows: list[Any] = []
        for did, dinfo in parsed.decisions.items():
            version = self._new_version(session, DecisionDefinition, DecisionDefinition.decision_id, did, dinfo.content_hash)
            if version is None:
                result.unchanged.append(did)
                continue
            new_rows.append(
                DecisionDefinition(
                    decision_id=did,
                    version=version,
                    name=dinfo.name,
                    content_hash=dinfo.content_hash,
                    path=dinfo.path,
                    file_sha256=shas[dinfo.path],
                    deployment_id=deployment.id,
                    created_at=now,
                )
            )
            result.decisions.append({"decision_id": did, "version": version, "path": dinfo.path})
        for pid, info in parsed.processes.items():
            version = self._new_version(session, ProcessDefinition, ProcessDefinition.process_id, pid, info.content_hash)
            if version is None:
                result.unchanged.append(pid)
                continue
            needed = {p: shas.get(p) or hashlib.sha256(available.get(p, b"")).hexdigest() for p in info.files}
            new_rows.append(
                ProcessDefinition(
                    process_id=pid,
                    version=version,
                    name=info.name,
                    content_hash=info.content_hash,
                    bpmn_path=info.bpmn_path,
                    files=json.dumps(needed),
                    info=json.dumps(_as_dict(info.details) if hasattr(info, "details") else {}, ensure_ascii=False),
                    deployment_id=deployment.id,
                    created_at=now,
                )
            )
            result.processes.append({"process_id": pid, "version": version, "name": info.name})
        if not new_rows:
            return result
        for path, data in files.items():
            if session.get(DefinitionFile, shas[path]) is None:
                session.add(
                    DefinitionFile(
                        sha256=shas[path],
                        kind=file_kind(path) or "other",
                        content=data.decode("utf-8"),
                        size=len(data),
                    )
                )
        deployment.new_processes = len(result.processes)
        deployment.new_decisions = len(result.decisions)
        session.add(deployment)
        session.flush()  # parents first: no relationships tell the flush the order
        session.add_all(new_rows)
        session.flush()
        result.deployment_id = deployment.id
        return result

    @staticmethod
    def _new_version(session: Session, model: Any, column: Any, key: str, content_hash: str) -> int | None:
        """The version number new content of ``key`` gets, or None when that content is deployed."""
        if session.scalars(select(model.id).where(column == key, model.content_hash == content_hash)).first():
            return None
        current = session.scalar(select(func.max(model.version)).where(column == key))
        return (current or 0) + 1

    def _newest_files(self, session: Session, exclude: Mapping[str, bytes]) -> dict[str, bytes]:
        """BPMN and form files of each process's newest version, by path (what new BPMN may call)."""
        newest: dict[str, str] = {}
        for row in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version)):
            for path, sha in json.loads(row.files).items():
                if path not in exclude:
                    newest[path] = sha
        out: dict[str, bytes] = {}
        for path, sha in newest.items():
            f = session.get(DefinitionFile, sha)
            if f is not None:
                out[path] = f.content.encode("utf-8")
        return out

    def _newest_decision_files(self, session: Session, exclude: Mapping[str, bytes]) -> dict[str, bytes]:
        newest: dict[str, DecisionDefinition] = {}
        for row in session.scalars(select(DecisionDefinition).order_by(DecisionDefinition.version)):
            newest[row.decision_id] = row
        out: dict[str, bytes] = {}
        for row in newest.values():
            if row.path in exclude or row.path in out:
                continue
            f = session.get(DefinitionFile, row.file_sha256)
            if f is not None:
                out[row.path] = f.content.encode("utf-8")
        return out

    # -- reading ----------------------------------------------------------------------------------

    def latest(self, session: Session, process_id: str) -> ProcessDefinition:
        """The newest version of a process.

        :raises DefinitionNotFound: when the process was never deployed.
        """
        row = session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.process_id == process_id)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        ).first()
        if row is None:
            raise _not_found(process_id, None)
        return row

    def version(self, session: Session, process_id: str, version: int) -> ProcessDefinition:
        """One version of a process.

        :raises DefinitionNotFound: when that version does not exist.
        """
        row = session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.process_id == process_id, ProcessDefinition.version == version
            )
        ).first()
        if row is None:
            raise _not_found(process_id, version)
        return row

    def ref(self, conn: Connection, process_id: str, version: int | None = None) -> DefinitionRef:
        """Id and number of the newest (or the given) version of a process, in one light query.

        Read in the caller's transaction every time (no cache), so a deployment made by another
        process is seen by the next start.

        :raises DefinitionNotFound: when the process (version) is not deployed.
        """
        found = find_definition(conn, process_id, version)
        if found is None:
            raise _not_found(process_id, version)
        return found

    def file_text(self, session: Session, definition: ProcessDefinition, path: str) -> str | None:
        """The content of one file of a process version, or None when the version has no such file."""
        sha = json.loads(definition.files).get(path)
        if sha is None:
            return None
        f = session.get(DefinitionFile, sha)
        return f.content if f else None

    def specs_for(self, definition_id: str) -> tuple[Any, dict[str, Any]]:
        """Parsed (spec, subprocess specs) of a process version, cached."""
        cached = self._specs.get(definition_id)
        if cached is not None:
            return cached
        with self.db.reading() as uow:
            row = uow.session.get(ProcessDefinition, definition_id)
            if row is None:
                raise DefinitionNotFound(f"no process definition {definition_id}", definition_id=definition_id)
            bpmn: dict[str, bytes] = {}
            for path, sha in json.loads(row.files).items():
                if file_kind(path) == "bpmn":
                    f = uow.session.get(DefinitionFile, sha)
                    if f is not None:
                        bpmn[path] = f.content.encode("utf-8")
            dmn = self._newest_decision_files(uow.session, exclude={})
            process_id = row.process_id
        specs = bundles.load_specs(bpmn, dmn, process_id)
        with self._lock:
            self._specs.setdefault(definition_id, specs)
        return self._specs[definition_id]

    def resolve_decision(self, decision_id: str) -> tuple[Any, int]:
        """(DMN engine, version) of the newest deployed version of ``decision_id``.

        :raises DefinitionNotFound: when the decision was never deployed.
        """
        with self.db.reading() as uow:
            row = uow.session.scalars(
                select(DecisionDefinition)
                .where(DecisionDefinition.decision_id == decision_id)
                .order_by(DecisionDefinition.version.desc())
                .limit(1)
            ).first()
            if row is None:
                raise DefinitionNotFound(f"no deployed decision {decision_id!r}", decision_id=decision_id)
            key = (decision_id, row.version)
            engine = self._decisions.get(key)
            if engine is None:
                f = uow.session.get(DefinitionFile, row.file_sha256)
                assert f is not None
                engine = bundles.parse_decision(f.content.encode("utf-8"), row.path)[decision_id]
                with self._lock:
                    self._decisions[key] = engine
        return engine, key[1]


def _not_found(process_id: str, version: int | None) -> DefinitionNotFound:
    if version is None:
        return DefinitionNotFound(f"no deployed process {process_id!r}", process_id=process_id)
    return DefinitionNotFound(f"process {process_id!r} has no version {version}", process_id=process_id, version=version)


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    return {"value": str(obj)}

