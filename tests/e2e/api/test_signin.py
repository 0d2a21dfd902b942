"""Signing in: password, rate limit, TOTP, sessions (fixation, logout, cookie flags), CSRF on writes."""

from __future__ import annotations

import re

import pyotp
import pytest

from tests.e2e.apiclient import Api, error_code
from tests.e2e.conftest import PASSWORD, make_world

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def w(app, checker):
    return make_world(app, checker, passwords=True)


def csrf_of(client, path="/login"):
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:300]
    return found.group(1)


def sign_in(client, username, password=PASSWORD, **extra):
    token = csrf_of(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token, **extra})


def session_cookie(client):
    cookie = client.get_cookie("shebao_session")
    return cookie.value if cookie else None


def test_signing_in_starts_a_fresh_session_with_safe_cookie_flags(w):
    client = w.app.test_client()
    assert client.get("/login").status_code == 200
    before = session_cookie(client)
    response = sign_in(client, "hr.wang", next="/api/v1/me")
    assert response.status_code == 302 and response.headers["Location"] == "/api/v1/me"
    cookie_header = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("shebao_session=")][0]
    assert "HttpOnly" in cookie_header and "SameSite=Lax" in cookie_header
    assert session_cookie(client) != before
    me = Api(client, w.checker).json("GET", "/me")
    assert me["username"] == "hr.wang" and me["auth"] == "session" and me["csrf_token"]


def test_the_secure_cookie_flag_is_on_unless_configured_off(w, web_engine):
    from web.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "k"}, engine=web_engine)
    client = app.test_client()
    response = sign_in(client, "hr.wang")
    assert any("Secure" in h for h in response.headers.getlist("Set-Cookie") if h.startswith("shebao_session="))


def test_an_open_redirect_after_sign_in_is_refused(w):
    client = w.app.test_client()
    assert sign_in(client, "hr.wang", next="//evil.example/").headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\t/evil.example/", "/\n/evil.example/", "/\\evil.example/", "https://evil.example/", " //evil.example/"])
def test_a_next_that_a_browser_would_read_as_another_site_is_refused(w, target):
    client = w.app.test_client()
    assert sign_in(client, "hr.wang", next=target).headers["Location"] == "/"
    # signed in already, the login page sends the browser on at once: the same check applies
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/login", query_string={"next": "/inbox/?view=mine"}).headers["Location"] == "/inbox/?view=mine"


def test_a_wrong_password_is_401_and_the_sixth_try_is_429_with_retry_after(w):
    client = w.app.test_client()
    for _ in range(5):
        response = sign_in(client, "hr.wang", "wrong password!")
        assert response.status_code == 401
    throttled = sign_in(client, "hr.wang")  # even the right password waits now
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    other = sign_in(w.app.test_client(), "hr.zhao")  # the limit is per user and address
    assert other.status_code == 302


def test_unknown_users_fail_like_wrong_passwords(w):
    assert sign_in(w.app.test_client(), "nobody").status_code == 401


def test_session_writes_need_the_csrf_header_and_tokens_do_not(w):
    client = w.app.test_client()
    sign_in(client, "emp.zhang")
    api = Api(client, w.checker)
    assert error_code(api.post("/me/tokens", 403, json={"name": "x"})) == "CSRF_INVALID"
    api.csrf = api.json("GET", "/me")["csrf_token"]
    assert api.json("POST", "/me/tokens", 201, json={"name": "x"})["token"].startswith("shb_")


def test_logging_in_without_the_form_token_is_refused(w):
    response = w.app.test_client().post("/login", data={"username": "hr.wang", "password": PASSWORD})
    assert response.status_code == 400


def test_logout_ends_the_session_on_the_server(w):
    client = w.app.test_client()
    sign_in(client, "hr.wang")
    stolen = session_cookie(client)
    api = Api(client, w.checker)
    token = api.json("GET", "/me")["csrf_token"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = w.app.test_client()
    replay.set_cookie("shebao_session", stolen)
    assert error_code(Api(replay, w.checker).get("/me", 401)) == "UNAUTHENTICATED"


def test_a_password_change_ends_existing_sessions(w):
    client = w.app.test_client()
    sign_in(client, "hr.wang")
    w.app.extensions["shebao_auth"].accounts.set_password("hr.wang", "another long password")
    Api(client, w.checker).get("/me", 401)


def test_html_pages_redirect_anonymous_users_to_the_login_page(w):
    response = w.app.test_client().get("/account/two-step")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_totp_enrolment_and_sign_in_with_the_second_factor(w):
    client = w.app.test_client()
    sign_in(client, "emp.zhang")
    token = csrf_of(client, "/account/two-step")
    page = client.post("/account/two-step", data={"action": "start", "csrf_token": token}).get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1)
    wrong = client.post("/account/two-step", data={"action": "confirm", "code": "000000", "csrf_token": token})
    assert wrong.status_code == 400
    ok = client.post("/account/two-step", data={"action": "confirm", "code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert ok.status_code == 200

    fresh = w.app.test_client()
    response = sign_in(fresh, "emp.zhang")
    assert response.status_code == 302 and response.headers["Location"] == "/login/totp"
    Api(fresh, w.checker).get("/me", 401)  # not signed in before the code
    token = csrf_of(fresh, "/login/totp")
    assert fresh.post("/login/totp", data={"code": "123456", "csrf_token": token}).status_code == 401
    done = fresh.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert done.status_code == 302
    me = Api(fresh, w.checker).json("GET", "/me")
    assert me["username"] == "emp.zhang" and me["totp_enabled"] is True


def test_sign_ins_are_audited(w):
    from sqlalchemy import select

    from web.auth.models import AuthEvent

    sign_in(w.app.test_client(), "hr.wang", "wrong password!")
    sign_in(w.app.test_client(), "hr.wang")
    with w.engine.db.reading() as uow:
        events = [(e.event.value, e.username) for e in uow.session.scalars(select(AuthEvent).order_by(AuthEvent.id))]
    assert ("login_failed", "hr.wang") in events and ("login_ok", "hr.wang") in events
