"""The ``shebao`` command line (DESIGN.md, public contract).

Every read command takes ``--json``. Errors print one clear line to stderr and exit non-zero:
1 for a refused or failed act, 2 for bad usage.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from engine.errors import EngineError
from engine.jsonutil import dumps


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handles_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the engine's errors into one line on stderr and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EngineError as exc:
            details = exc.params.get("errors") if isinstance(exc.params, dict) else None
            if details:
                for item in details[1:]:
                    click.echo(f"error: {_describe_item(item)}", err=True)
                _fail(_describe_item(details[0]) if len(details) else str(exc))
            _fail(str(exc))
        except (ValueError, FileNotFoundError, PermissionError) as exc:
            _fail(str(exc))

    return wrapper


def _describe_item(item: Any) -> str:
    if isinstance(item, dict):
        where = item.get("file") or item.get("field") or ""
        if item.get("line"):
            where += f":{item['line']}"
        if item.get("element"):
            where += f" ({item['element']})"
        msg = item.get("message") or item.get("code") or ""
        return f"{where}: {msg}" if where else str(msg)
    return str(item)


def _engine() -> Any:
    from web.bootstrap import build_engine

    return build_engine()


def _data(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.msg} at column {exc.colno}", param_hint="--data") from exc
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--data")
    return value


def _out(obj: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    click.echo(dumps(obj) if as_json else text(obj))


@click.group()
def cli() -> None:
    """Shebao Flow: BPMN casework for social insurance."""


# -- database and definitions -----------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Bring the database schema to the newest version."""
    from engine.settings import Settings
    from web.bootstrap import load_env_file, migrate_database

    load_env_file(os.environ.get("SHEBAO_ENV_FILE", "var/secrets.env"))
    revisions = migrate_database(Settings.from_env().database_url)
    click.echo(f"database at revision {', '.join(sorted(revisions))}")


@cli.command()
def keygen() -> None:
    """Print a new random data key for SHEBAO_DATA_KEY."""
    from engine.crypto import generate_data_key

    click.echo(generate_data_key())


def collect_files(paths: tuple[str, ...]) -> dict[str, bytes]:
    """Deployable files (.bpmn, .dmn, .json) under the given files or folders, by relative path."""
    from engine.definitions import file_kind

    files: dict[str, bytes] = {}
    for given in paths:
        p = Path(given)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and file_kind(f.name) and not any(part.startswith(".") for part in f.parts):
                    files[f.relative_to(p).as_posix()] = f.read_bytes()
        elif p.is_file():
            files[p.name] = p.read_bytes()
        else:
            raise FileNotFoundError(f"{given}: no such file or folder")
    return files


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--as", "actor", default=None, help="Who deploys.")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def deploy(paths: tuple[str, ...], actor: str | None, as_json: bool) -> None:
    """Deploy BPMN, DMN and form files (default: workflows/)."""
    files = collect_files(paths or ("workflows",))
    if not files:
        _fail("no .bpmn, .dmn or form .json files found")
    result = _engine().deploy(files, name=", ".join(paths or ("workflows",)), actor=actor)

    def text(r: dict[str, Any]) -> str:
        lines = [f"deployed {p['process_id']} version {p['version']}" for p in r["processes"]]
        lines += [f"deployed decision {d['decision_id']} version {d['version']}" for d in r["decisions"]]
        lines += [f"unchanged {name}" for name in r["unchanged"]]
        lines += [f"warning: {_describe_item(w)}" for w in r["warnings"]]
        return "\n".join(lines) or "nothing to deploy"

    _out(result.__dict__, as_json, text)


# -- instances --------------------------------------------------------------------------------------


@cli.command()
@click.argument("process_id")
@click.option("--key", default=None, help="Business key.")
@click.option("--unique", is_flag=True, help="Refuse when an active instance has the same key.")
@click.option("--data", default=None, help="Start data as a JSON object.")
@click.option("--subject", default=None, help="The person the case is about.")
@click.option("--employer", default=None)
@click.option("--city", default=None, help="6-digit division code of the insured city.")
@click.option("--as", "actor", default=None)
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def start(process_id: str, key: str | None, unique: bool, data: str | None, subject: str | None, employer: str | None, city: str | None, actor: str | None, as_json: bool) -> None:
    """Start an instance of the newest version of PROCESS_ID."""
    engine = _engine()
    instance_id = engine.start(
        process_id, _data(data), business_key=key, unique_key=unique, subject_person=subject,
        employer=employer, city=city, actor=actor,
    )
    _out({"instance_id": instance_id}, as_json, lambda o: o["instance_id"])


def _instance_dict(engine: Any, instance_id: str) -> dict[str, Any]:
    from engine.tasks import InboxFilter

    row = engine.instances.get(instance_id)
    tasks = engine.tasks.list(InboxFilter(instance_id=instance_id))
    with engine.db.reading() as uow:
        history = engine.history.read(uow.session, instance_id)
    return {
        "id": row.id,
        "process_id": row.process_id,
        "business_key": row.business_key,
        "status": row.status.value,
        "stage": row.current_stage,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "open_tasks": [_task_dict(t) for t in tasks],
        "history": [
            {"at": h.at, "event": h.event, "element_id": h.element_id, "element_name": h.element_name, "actor": h.actor}
            for h in history
        ],
    }


def _task_dict(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "instance_id": t.instance_id,
        "process_id": t.process_id,
        "element_id": t.element_id,
        "title": t.title,
        "lane": t.lane,
        "candidate_group": t.candidate_group,
        "assignee": t.assignee,
        "stage": t.stage,
        "status": t.status.value,
        "due_at": t.due_at,
        "form": t.form_schema,
    }


@cli.command()
@click.argument("instance_id")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def show(instance_id: str, as_json: bool) -> None:
    """Show an instance: status, stage, open tasks and history."""
    info = _instance_dict(_engine(), instance_id)

    def text(i: dict[str, Any]) -> str:
        lines = [f"{i['id']}  {i['process_id']}  {i['status']}" + (f"  stage: {i['stage']}" if i["stage"] else "")]
        lines += [f"  task {t['id']}  {t['title']}  ({t['lane'] or '-'})" for t in i["open_tasks"]]
        lines += [f"  {h['at']:%Y-%m-%d %H:%M:%S}  {h['event']}  {h['element_id'] or ''}" for h in i["history"]]
        return "\n".join(lines)

    _out(info, as_json, text)


def _lifecycle(name: str, method: str, doc: str) -> None:
    @cli.command(name=name, help=doc)
    @click.argument("instance_id")
    @click.option("--as", "actor", default=None)
    @handles_errors
    def command(instance_id: str, actor: str | None) -> None:
        getattr(_engine().instances, method)(instance_id, actor)
        click.echo(f"{name}ed {instance_id}".replace("eed", "ed"))


_lifecycle("suspend", "suspend", "Suspend a running instance.")
_lifecycle("resume", "resume", "Resume a suspended instance.")
_lifecycle("terminate", "terminate", "Terminate an active instance.")


@cli.command()
@click.argument("instance_id")
@click.option("--to", "to_version", type=int, required=True, help="Target version of the same process.")
@click.option("--as", "actor", default=None)
@handles_errors
def migrate(instance_id: str, to_version: int, actor: str | None) -> None:
    """Move a running instance to another version of its process."""
    result = _engine().instances.migrate(instance_id, to_version, actor)
    click.echo(f"migrated {instance_id} to version {to_version}" if result["migrated"] else "already at that version")


# -- tasks ------------------------------------------------------------------------------------------


@cli.command()
@click.option("--as", "actor", default=None, help="List this user's tasks.")
@click.option("--group", "groups", multiple=True, help="Also list this group's tasks.")
@click.option("--instance", "instance_id", default=None)
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def tasks(actor: str | None, groups: tuple[str, ...], instance_id: str | None, as_json: bool) -> None:
    """List open human tasks (all of them, or those of a user and groups)."""
    from engine.tasks import InboxFilter

    rows = _engine().tasks.list(InboxFilter(assignee=actor, groups=groups, instance_id=instance_id))
    items = [_task_dict(t) for t in rows]

    def text(ts: list[dict[str, Any]]) -> str:
        return "\n".join(f"{t['id']}  {t['title']}  {t['process_id']}  {t['assignee'] or t['candidate_group'] or '-'}" for t in ts) or "no open tasks"

    _out(items, as_json, text)


@cli.command()
@click.argument("task_id")
@click.option("--as", "actor", required=True)
@handles_errors
def claim(task_id: str, actor: str) -> None:
    """Claim an open task."""
    _engine().tasks.claim(task_id, actor)
    click.echo(f"claimed {task_id}")


@cli.command()
@click.argument("task_id")
@click.option("--as", "actor", required=True)
@handles_errors
def unclaim(task_id: str, actor: str) -> None:
    """Give a claimed task back to its group."""
    _engine().tasks.unclaim(task_id, actor)
    click.echo(f"released {task_id}")


@cli.command()
@click.argument("task_id")
@click.option("--data", default=None, help="Form data as a JSON object.")
@click.option("--as", "actor", default=None)
@handles_errors
def complete(task_id: str, data: str | None, actor: str | None) -> None:
    """Complete a task with form data."""
    _engine().complete_task(task_id, _data(data), actor)
    click.echo(f"completed {task_id}")


# -- jobs, incidents, clock -------------------------------------------------------------------------


@cli.command()
@click.option("--retry", "retry_id", default=None, help="Retry the job of this incident.")
@click.option("--as", "actor", default=None)
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def incidents(retry_id: str | None, actor: str | None, as_json: bool) -> None:
    """List open incidents, or retry one."""
    engine = _engine()
    if retry_id:
        engine.jobs.retry_incident(retry_id, actor)
        click.echo(f"retrying {retry_id}")
        return
    rows = engine.jobs.incidents()
    items = [
        {"id": r.id, "instance_id": r.instance_id, "element_id": r.element_id, "operator": r.operator, "error": r.error, "created_at": r.created_at}
        for r in rows
    ]
    _out(items, as_json, lambda xs: "\n".join(f"{i['id']}  {i['instance_id']}  {i['element_id']}  {i['error']}" for i in xs) or "no open incidents")


@cli.command()
@click.option("--once", is_flag=True, help="Run everything due now, then exit.")
@click.option("--id", "worker_id", default=None, help="Worker id (default: host and pid).")
@click.option("--tick", default=1.0, show_default=True, help="Seconds between polls.")
@handles_errors
def worker(once: bool, worker_id: str | None, tick: float) -> None:
    """Run service calls, timers and scans."""
    from web.worker import run_worker

    run_worker(_engine(), once=once, worker_id=worker_id, tick_seconds=tick)


@cli.command()
@click.option("--advance", "advance", default=None, help="ISO 8601 duration, e.g. P45D or PT2H.")
@click.option("--reset", is_flag=True, help="Back to real time.")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def clock(advance: str | None, reset: bool, as_json: bool) -> None:
    """Show the engine clock, or move it forward."""
    from engine.clock import MovableClock, clock_from_env, parse_duration
    from web.bootstrap import load_env_file

    load_env_file(os.environ.get("SHEBAO_ENV_FILE", "var/secrets.env"))
    c = clock_from_env()
    if (advance or reset) and not isinstance(c, MovableClock):
        _fail("the clock is the system clock (SHEBAO_CLOCK=system) and cannot be moved")
    if reset:
        assert isinstance(c, MovableClock)
        c.reset()
    if advance:
        assert isinstance(c, MovableClock)
        c.advance(parse_duration(advance))
    _out(
        {"now": c.now(), "offset_seconds": c.offset.total_seconds()},
        as_json,
        lambda o: f"{o['now']:%Y-%m-%d %H:%M:%S} UTC (offset {o['offset_seconds']:.0f} s)",
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def operators(as_json: bool) -> None:
    """List the service-task operators, their parameters and error codes."""
    from web.bootstrap import build_operators

    docs = build_operators().describe()
    _out(docs, as_json, lambda ds: "\n".join(f"{d['name']}: {d['description']}" for d in ds))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--threads", default=8, show_default=True)
@handles_errors
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app with a production WSGI server (waitress)."""
    from waitress import serve as waitress_serve

    from web.app import create_app

    click.echo(f"serving on http://{host}:{port}/")
    waitress_serve(create_app(), host=host, port=port, threads=threads)


@cli.command()
@click.option("--demo-data", is_flag=True, help="Seed the demo people, employers and cards.")
@handles_errors
def sandbox(demo_data: bool) -> None:
    """Run the stand-in bureau and banks on 127.0.0.1 until Ctrl-C."""
    from sandbox.run import run

    run(demo_data=demo_data)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def demo(host: str, port: int) -> None:
    """Set up var/, migrate, deploy workflows/, start sandbox, worker and web server."""
    from web.demo import run_demo

    run_demo(host, port)


def main() -> None:
    """Console entry point."""
    _register_optional_commands()
    cli(prog_name="shebao")


def _register_optional_commands() -> None:
    """Commands owned by other packages, added when those packages are present."""
    from web.cli_users import users

    cli.add_command(users, name="users")
    from web.scenario_cli import test_command

    cli.add_command(test_command, name="test")
    try:
        from connectors.ocr.cli import ocr_command
    except ImportError:
        return
    cli.add_command(ocr_command, name="ocr")


if __name__ == "__main__":
    main()
