"""`shebao users …`: accounts from the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from web.cli_users import users


def run(args, env, input=None):
    return CliRunner().invoke(users, args, env=env, input=input, catch_exceptions=False)


def test_add_list_set_password_and_token(engine_env):
    added = run(["add", "hr.wang", "--role", "hr", "--scope", "emp-1:440300", "--name", "王敏", "--json"], engine_env)
    assert added.exit_code == 0, added.output
    body = json.loads(added.output)
    assert body["groups"] == ["hr:emp-1:440300"] and len(body["password"]) >= 16

    listed = json.loads(run(["list", "--json"], engine_env).output)
    assert listed[0]["username"] == "hr.wang" and listed[0]["display_name"] == "王敏"

    assert run(["set-password", "hr.wang", "--password-stdin"], engine_env, input="a much longer secret\n").exit_code == 0
    token = run(["token", "hr.wang", "--name", "ci"], engine_env).output.strip()
    assert token.startswith("shb_")


def test_refusals_print_one_line_and_exit_non_zero(engine_env):
    run(["add", "emp", "--role", "employee", "--person", "p-1"], engine_env)
    for args, message in (
        (["add", "emp", "--role", "employee", "--person", "p-1"], "taken"),
        (["add", "hr2", "--role", "hr"], "scope"),
        (["add", "emp2", "--role", "employee"], "person"),
        (["token", "nobody"], "no user"),
    ):
        result = CliRunner().invoke(users, args, env=engine_env)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    short = CliRunner().invoke(users, ["set-password", "emp", "--password-stdin"], env=engine_env, input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
