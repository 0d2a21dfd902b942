"""What every ``shebao`` command shares: errors as one line on stderr with a non-zero exit, the engine
built from the environment, ``--data`` JSON objects and ``--json`` output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from connectors.masking import scrub
from engine.errors import EngineError
from engine.jsonutil import dumps


def fail(message: str, code: int = 1) -> None:
    """Print ``error: message`` (personal numbers masked) to stderr and exit with ``code``."""
    click.echo(f"error: {scrub(message)}", err=True)
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
                    click.echo(f"error: {describe_item(item)}", err=True)
                fail(describe_item(details[0]) if len(details) else str(exc))
            fail(str(exc))
        except (ValueError, FileNotFoundError, PermissionError) as exc:
            fail(str(exc))

    return wrapper


def describe_item(item: Any) -> str:
    """One field or file error in a line: ``where: message``."""
    if isinstance(item, dict):
        where = item.get("file") or item.get("field") or ""
        if item.get("line"):
            where += f":{item['line']}"
        if item.get("element"):
            where += f" ({item['element']})"
        msg = item.get("message") or item.get("code") or ""
        return f"{where}: {msg}" if where else str(msg)
    return str(item)


def load_engine() -> Any:
    """The engine built from the environment (``SHEBAO_*``)."""
    from web.bootstrap import build_engine

    return build_engine()


def json_data(text: str | None) -> dict[str, Any]:
    """A ``--data`` option as a JSON object (empty when not given).

    :raises click.BadParameter: when it is not a JSON object.
    """
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.msg} at column {exc.colno}", param_hint="--data") from exc
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--data")
    return value


def output(obj: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    """Print ``obj`` as JSON, or as ``text`` renders it for people."""
    click.echo(dumps(obj) if as_json else text(obj))
