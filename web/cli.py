"""The ``shebao`` command line (DESIGN.md, public contract).

Every read command takes ``--json``. Errors print one clear line to stderr and exit non-zero:
1 for a refused or failed act, 2 for bad usage.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from web.cli_common import describe_item, fail, handles_errors, json_data, load_engine, output


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
        fail("no .bpmn, .dmn or form .json files found")
    result = load_engine().deploy(files, name=", ".join(paths or ("workflows",)), actor=actor)

    def text(r: dict[str, Any]) -> str:
        lines = [f"deployed {p['process_id']} version {p['version']}" for p in r["processes"]]
        lines += [f"deployed decision {d['decision_id']} version {d['version']}" for d in r["decisions"]]
        lines += [f"unchanged {name}" for name in r["unchanged"]]
        lines += [f"warning: {describe_item(w)}" for w in r["warnings"]]
        return "\n".join(lines) or "nothing to deploy"

    output(result.__dict__, as_json, text)


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
    engine = load_engine()
    instance_id = engine.start(
        process_id, json_data(data), business_key=key, unique_key=unique, subject_person=subject,
        employer=employer, city=city, actor=actor,
    )
    output({"instance_id": instance_id}, as_json, lambda o: o["instance_id"])


def _instance_dict(engine: Any, instance_id: str) -> dict[str, Any]:
    from engine.tasks import InboxFilter
    from web import serialize

    row = engine.instances.get(instance_id)
    tasks = engine.tasks.list(InboxFilter(instance_id=instance_id))
    with engine.db.reading() as uow:
        history = engine.history.read(uow.session, instance_id)
    return serialize.instance_detail(row, tasks, history, engine.clock.now())


@cli.command()
@click.argument("instance_id")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def show(instance_id: str, as_json: bool) -> None:
    """Show an instance: status, stage, open tasks and history."""
    info = _instance_dict(load_engine(), instance_id)

    def text(i: dict[str, Any]) -> str:
        lines = [f"{i['id']}  {i['process_id']}  {i['status']}" + (f"  stage: {i['stage']}" if i["stage"] else "")]
        lines += [f"  task {t['id']}  {t['title']}  ({t['lane'] or '-'})" for t in i["open_tasks"]]
        lines += [f"  {h['at'][:19].replace('T', ' ')}  {h['event']}  {h['element_id'] or ''}" for h in i["history"]]
        return "\n".join(lines)

    output(info, as_json, text)


def _lifecycle(name: str, method: str, doc: str) -> None:
    @cli.command(name=name, help=doc)
    @click.argument("instance_id")
    @click.option("--as", "actor", default=None)
    @handles_errors
    def command(instance_id: str, actor: str | None) -> None:
        getattr(load_engine().instances, method)(instance_id, actor)
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
    result = load_engine().instances.migrate(instance_id, to_version, actor)
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
    from web import serialize

    engine = load_engine()
    rows = engine.tasks.list(InboxFilter(assignee=actor, groups=groups, instance_id=instance_id))
    items = [serialize.task(t, engine.clock.now()) for t in rows]

    def text(ts: list[dict[str, Any]]) -> str:
        return "\n".join(f"{t['id']}  {t['title']}  {t['process_id']}  {t['assignee'] or t['candidate_group'] or '-'}" for t in ts) or "no open tasks"

    output(items, as_json, text)


@cli.command()
@click.argument("task_id")
@click.option("--as", "actor", required=True)
@handles_errors
def claim(task_id: str, actor: str) -> None:
    """Claim an open task."""
    load_engine().tasks.claim(task_id, actor)
    click.echo(f"claimed {task_id}")


@cli.command()
@click.argument("task_id")
@click.option("--as", "actor", required=True)
@handles_errors
def unclaim(task_id: str, actor: str) -> None:
    """Give a claimed task back to its group."""
    load_engine().tasks.unclaim(task_id, actor)
    click.echo(f"released {task_id}")


@cli.command()
@click.argument("task_id")
@click.option("--data", default=None, help="Form data as a JSON object.")
@click.option("--as", "actor", default=None)
@handles_errors
def complete(task_id: str, data: str | None, actor: str | None) -> None:
    """Complete a task with form data."""
    load_engine().complete_task(task_id, json_data(data), actor)
    click.echo(f"completed {task_id}")


# -- jobs, incidents, clock -------------------------------------------------------------------------


@cli.command()
@click.option("--retry", "retry_id", default=None, help="Retry the job of this incident.")
@click.option("--as", "actor", default=None)
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def incidents(retry_id: str | None, actor: str | None, as_json: bool) -> None:
    """List open incidents, or retry one."""
    engine = load_engine()
    if retry_id:
        engine.jobs.retry_incident(retry_id, actor)
        click.echo(f"retrying {retry_id}")
        return
    from web import serialize

    items = [serialize.incident(r) for r in engine.jobs.incidents()]
    output(items, as_json, lambda xs: "\n".join(f"{i['id']}  {i['instance_id']}  {i['element_id']}  {i['error']}" for i in xs) or "no open incidents")


@cli.command()
@click.option("--once", is_flag=True, help="Run everything due now, then exit.")
@click.option("--id", "worker_id", default=None, help="Worker id (default: host and pid).")
@click.option("--tick", default=1.0, show_default=True, help="Seconds between polls.")
@handles_errors
def worker(once: bool, worker_id: str | None, tick: float) -> None:
    """Run service calls, timers and scans."""
    from web.worker import run_worker

    run_worker(load_engine(), once=once, worker_id=worker_id, tick_seconds=tick)


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
        fail("the clock is the system clock (SHEBAO_CLOCK=system) and cannot be moved")
    if reset:
        assert isinstance(c, MovableClock)
        c.reset()
    if advance:
        assert isinstance(c, MovableClock)
        c.advance(parse_duration(advance))
    output(
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
    output(docs, as_json, lambda ds: "\n".join(f"{d['name']}: {d['description']}" for d in ds))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--threads", default=8, show_default=True, help="Threads per worker process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes sharing the socket.")
@handles_errors
def serve(host: str, port: int, threads: int, workers: int) -> None:
    """Serve the web app with a production WSGI server (waitress), in one or more processes."""
    from web.app import create_app
    from web.serving import serve as serve_workers

    click.echo(f"serving on http://{host}:{port}/ ({workers} worker(s) of {threads} thread(s))")
    raise SystemExit(serve_workers(create_app, host, port, threads=threads, workers=workers))


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
