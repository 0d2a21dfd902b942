"""``shebao test [PATH...]``: run BPMN scenario files against the product as it is wired for real.

The generic runner lives in ``engine.scenarios``; this module is the product's host for it: the
database schema with the product's own tables, the engine as ``web.bootstrap`` builds it (forms
validated like the API does, the domain's evaluator functions), the connectors pointed at an
in-process sandbox (bureau and banks over real HTTP) that reads the same movable clock, bureau
callbacks delivered to the engine's message intake, and generated case documents for file fields.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import click

from engine.clock import MovableClock
from engine.core import Engine
from engine.jsonutil import dumps
from engine.scenarios import (
    ScenarioFileError,
    ScenarioHost,
    ScenarioRunner,
    ScenarioStepError,
    collect,
    load_all,
)
from engine.scenarios.model import describe_problem
from engine.scenarios.report import as_dict, as_lines, below_full
from engine.settings import Settings
from web.cli_common import handles_errors

# Names a scenario may use for the OCR generator's document types.
DOCUMENT_ALIASES = {
    "id_card": "id_card_front",
    "contract": "labour_contract",
    "separation": "separation_certificate",
    "contribution": "contribution_certificate",
}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}


class ProductHost(ScenarioHost):
    """The product's wiring around the scenario runner."""

    def __init__(self) -> None:
        self.sandbox: Any = None
        self.receiver: Any = None
        self.operators: Any = None
        self.validate_form: Any = None

    def start(self, workdir: Path, clock: MovableClock) -> None:
        """Start the sandbox (bureau and banks) and a callback receiver; build operators and forms."""
        from connectors.registry import register_connectors
        from engine.operators import OperatorRegistry
        from sandbox.testing import CallbackReceiver, start_sandbox
        from web.bootstrap import form_validator

        self.receiver = CallbackReceiver()
        # Transfers advance and callbacks go out only when the runner ticks the bureau (after every
        # step), so a run does not depend on how fast the machine is.
        self.sandbox = start_sandbox(workdir / "sandbox", clock, callback_url=self.receiver.url, tick_seconds=3600.0)
        self.operators = OperatorRegistry()
        register_connectors(self.operators, self.sandbox.connector_config())
        self.validate_form = form_validator()

    def migrate(self, url: str) -> None:
        """The engine's schema and the product's tables."""
        from web import bootstrap

        migrate = getattr(bootstrap, "migrate_database", None)
        if migrate is None:
            super().migrate(url)
        else:
            migrate(url)

    def make_engine(self, settings: Settings, clock: MovableClock) -> Engine:
        """The engine as the product builds it, on the run's database, clock and sandbox."""
        from web.bootstrap import build_engine

        kwargs: dict[str, Any] = {"operators": self.operators, "validate_form": self.validate_form, "clock": clock}
        engine = build_engine(settings, **kwargs)
        missing = {k: v for k, v in _casework_functions().items() if k not in engine.evaluator.functions}
        if missing:  # the composition root does not register them (yet): add them here
            engine.dispose()
            engine = build_engine(settings, functions=missing, **kwargs)
        return engine

    def reset(self) -> None:
        """Empty the bureau and the banks, faults off, forget received callbacks."""
        self.sandbox.reset()
        self.receiver.received.clear()

    def arrange(self, sandbox: dict[str, Any]) -> None:
        """Seed the bureau and the banks and switch faults as the scenario's ``sandbox`` says."""
        admin = self.sandbox.admin
        if sandbox.get("seed"):
            admin["bureau"].seed(sandbox["seed"])
        if sandbox.get("bureau_faults"):
            admin["bureau"].set_faults(**sandbox["bureau_faults"])
        for code, bank in (sandbox.get("banks") or {}).items():
            if code not in admin or code == "bureau":
                known = ", ".join(sorted(c for c in admin if c != "bureau"))
                raise ScenarioStepError(f"sandbox.banks: no bank {code!r} (known: {known})")
            if bank.get("seed"):
                admin[code].seed(bank["seed"])
            if bank.get("faults"):
                admin[code].set_faults(**bank["faults"])

    def pump(self, engine: Engine) -> int:
        """Tick the bureau (transfers reach the business date) and hand its callbacks to the engine."""
        self.sandbox.admin["bureau"].tick()
        delivered = 0
        while self.receiver.received:
            body = self.receiver.received.pop(0)["json"] or {}
            engine.messages.receive(
                body.get("message", ""), body.get("correlation") or {}, body.get("payload") or {}, body.get("message_id", "")
            )
            delivered += 1
        return delivered

    def make_file(self, engine: Engine, instance_id: str, spec: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """A generated document (or ID photo) about the case's ``person``, saved as an attachment."""
        kind = DOCUMENT_ALIASES.get(spec["generated"], spec["generated"])
        content, ext, _truth = generated_document(kind, spec, data.get("person") if isinstance(data.get("person"), dict) else None)
        name = f"{kind}.{ext}"
        info = engine.save_attachment(name, CONTENT_TYPES[ext], content, instance_id=instance_id, actor="scenario")
        return {"attachment_id": info.id, "name": info.name, "content_type": info.content_type, "size": info.size}

    def close(self) -> None:
        """Stop the sandbox and the receiver."""
        if self.sandbox is not None:
            self.sandbox.stop()
        if self.receiver is not None:
            self.receiver.stop()


def _casework_functions() -> dict[str, Any]:
    try:
        from casework.expressions import FUNCTIONS
    except ImportError:
        return {}
    return dict(FUNCTIONS)


def generated_document(kind: str, spec: dict[str, Any], person: dict[str, Any] | None) -> tuple[bytes, str, dict[str, Any]]:
    """(content, extension, ground truth) of a generated document or photo about ``person``.

    :raises ScenarioStepError: on an unknown type or defect.
    """
    seed = int(spec.get("seed", 1))
    if kind == "photo":
        from connectors.ocr.synth_photo import PHOTO_VARIANTS, make_photo

        variant = (spec.get("defects") or ["good"])[0]
        if variant not in PHOTO_VARIANTS:
            raise ScenarioStepError(f"no photo variant {variant!r} (known: {', '.join(PHOTO_VARIANTS)})")
        content, ext, codes = make_photo(seed, variant)
        return content, ext, {"type": "photo", "findings": codes}
    from connectors.ocr.doctypes import DOCUMENT_TYPES
    from connectors.ocr.generator import DocumentSpec, generate_document

    if kind not in DOCUMENT_TYPES:
        known = ", ".join([*DOCUMENT_TYPES, *DOCUMENT_ALIASES, "photo"])
        raise ScenarioStepError(f"cannot generate {kind!r} documents (known: {known})")
    doc_spec = DocumentSpec(
        kind, seed, defects=tuple(spec.get("defects") or ()), profile="clean", format=spec.get("format", "jpeg"),
        subject=case_subject(person, seed),
    )
    try:
        doc = generate_document(doc_spec)
    except ValueError as exc:
        raise ScenarioStepError(f"cannot generate {kind}: {exc}") from exc
    return doc.data, doc.extension, doc.truth


def case_subject(person: dict[str, Any] | None, seed: int) -> Any:
    """The case's person as the OCR generator draws people (name, sex, birth date, resident ID), or None."""
    if not person or not person.get("resident_id"):
        return None
    from connectors.ocr import synth_identity

    drawn = synth_identity.person(random.Random(seed))  # noqa: S311 - made-up test data
    sex = {"M": "male", "F": "female"}.get(str(person.get("gender")), drawn.sex)
    try:
        birth = date.fromisoformat(str(person.get("birth_date")))
    except ValueError:
        birth = drawn.birth_date
    return dataclasses.replace(
        drawn, name=str(person.get("name") or drawn.name), sex=sex, birth_date=birth, id_number=str(person["resident_id"])
    )


@click.command("test")
@click.argument("paths", nargs=-1)
@click.option("--root", default=None, type=click.Path(file_okay=False, exists=True),
              help="The process library to deploy (default: the folder holding the process folders).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--require-full-coverage", is_flag=True, help="Fail when a tested process is below 100% coverage.")
@click.option("--keep", is_flag=True, help="Keep the run's temporary folder (databases, sandbox data).")
@click.option("--verbose", is_flag=True, help="Show the warnings of jobs and connectors (retries, failed calls).")
@handles_errors
def test_command(paths: tuple[str, ...], root: str | None, as_json: bool, require_full_coverage: bool, keep: bool, verbose: bool) -> None:
    """Run BPMN scenario tests (default: workflows/) and report coverage."""
    files = collect(paths or ("workflows",))
    if not files:
        _fail(f"no scenario files (*/scenarios/*.yaml) under {', '.join(paths or ('workflows',))}")
    try:
        scenarios = load_all(files, Path(root) if root else None)
    except ScenarioFileError as exc:
        for problem in exc.params["errors"]:
            click.echo(f"error: {describe_problem(problem)}", err=True)
        sys.exit(1)
    with _quiet_logs(not verbose), ScenarioRunner(ProductHost(), keep=keep) as runner:
        report = runner.run_all(scenarios)
        if keep:
            click.echo(f"kept {runner.workdir}", err=True)
    short = below_full(report)
    if as_json:
        click.echo(dumps({**as_dict(report), "below_full_coverage": short}))
    else:
        click.echo("\n".join(as_lines(report)))
    if not report.passed:
        sys.exit(1)
    if require_full_coverage and short:
        _fail(f"coverage below 100%: {', '.join(short)}")


@contextlib.contextmanager
def _quiet_logs(quiet: bool) -> Iterator[None]:
    """Keep the log lines of retried and failed jobs off stderr (scenarios provoke them on purpose)."""
    if not quiet:
        yield
        return
    handler = logging.NullHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)
