"""``shebao users …``: accounts from the command line (add, list, set-password, token, disable-totp)."""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from typing import Any

import click

from engine.jsonutil import dumps
from web.cli_common import handles_errors


def _services() -> Any:
    from web.auth.accounts import Accounts
    from web.auth.sessions import Credentials
    from web.auth.signin import SignIn
    from web.bootstrap import build_engine

    engine = build_engine()
    accounts = Accounts(engine.db, engine.settings.lane_groups)
    return accounts, Credentials(engine.db, accounts), SignIn(engine.db, accounts, engine.cipher)


def generate_password() -> str:
    """A random password that meets the policy (about 100 bits)."""
    return secrets.token_urlsafe(16)


def _password(from_stdin: bool) -> tuple[str, bool]:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return generate_password(), True


def _scope(value: str) -> tuple[str, str]:
    employer, sep, city = value.rpartition(":")
    if not sep or not employer:
        raise click.BadParameter(f"{value!r}: use EMPLOYER:CITY, e.g. emp-1:440300", param_hint="--scope")
    return employer, city


@click.group("users")
def users() -> None:
    """User accounts: add, list, set passwords, issue API tokens."""


@users.command("add")
@click.argument("username")
@click.option("--name", "display_name", default=None, help="Display name.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["employee", "hr", "hr_lead", "designer", "admin"]), help="Repeat for several roles.")
@click.option("--person", "person_id", default=None, help="Person id (employees).")
@click.option("--scope", "scopes", multiple=True, help="EMPLOYER:CITY an HR user works for (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def add(username: str, display_name: str | None, roles: tuple[str, ...], person_id: str | None, scopes: tuple[str, ...], password_stdin: bool, as_json: bool) -> None:
    """Create an account; prints the generated password once."""
    accounts, _, _ = _services()
    password, generated = _password(password_stdin)
    user = accounts.create(username, display_name or username, password, roles, person_id=person_id, scopes=[_scope(s) for s in scopes])
    out = {"id": user.id, "username": user.username, "roles": sorted(user.roles), "groups": list(user.groups)}
    if generated:
        out["password"] = password
    click.echo(dumps(out) if as_json else f"created {user.username}" + (f"\npassword: {password}" if generated else ""))


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def list_users(as_json: bool) -> None:
    """List accounts with roles, person and groups."""
    accounts, _, _ = _services()
    items = [
        {"username": u.username, "display_name": u.display_name, "roles": sorted(u.roles), "person_id": u.person_id,
         "groups": list(u.groups), "totp_enabled": u.totp_enabled}
        for u in accounts.list()
    ]
    if as_json:
        click.echo(dumps(items))
        return
    for u in items:
        extra = f"  person {u['person_id']}" if u["person_id"] else ""
        groups = f"  groups {', '.join(u['groups'])}" if u["groups"] else ""
        click.echo(f"{u['username']}  {','.join(u['roles'])}{extra}{groups}")
    if not items:
        click.echo("no users")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@handles_errors
def set_password(username: str, password_stdin: bool) -> None:
    """Replace a user's password (their sessions end); prints a generated one once."""
    accounts, _, _ = _services()
    password, generated = _password(password_stdin)
    accounts.set_password(username, password, actor="cli")
    click.echo(f"password of {username} set" + (f"\npassword: {password}" if generated else ""))


@users.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 3650), default=None, help="Expire after this many days.")
@handles_errors
def token(username: str, name: str, days: int | None) -> None:
    """Issue an API token for a user; prints the secret once."""
    accounts, creds, _ = _services()
    user = accounts.by_username(username)
    if user is None:
        from web.auth.accounts import UserNotFound

        raise UserNotFound(f"no user {username!r}", username=username)
    info, secret = creds.create_token(user.id, name, expires_in=timedelta(days=days) if days else None)
    click.echo(secret)


@users.command("disable-totp")
@click.argument("username")
@handles_errors
def disable_totp(username: str) -> None:
    """Turn two-step sign-in off for a user (e.g. a lost phone)."""
    _, _, signin = _services()
    signin.disable_totp(username, actor="cli")
    click.echo(f"two-step sign-in off for {username}")

