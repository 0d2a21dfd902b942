"""What every sandbox service shares: signed requests, idempotency, the ledger, faults, JSON errors.

A service is a Flask app built by :class:`ServiceApp`. Handlers are plain functions
``handler(ctx, body, **path_args) -> dict | (status, dict)`` registered as *effects* (POST with an
``Idempotency-Key``; the handler, its ledger entries and the stored answer share one transaction),
*reads* or *admin* calls. A handler refuses by raising :class:`sandbox.errors.Refusal`; nothing it
wrote is kept and nothing is stored under the idempotency key, so a retry after the cause is fixed can
succeed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from connectors.signing import HEADER_IDEMPOTENCY_KEY, HEADER_REPLAYED, SignatureError, verify
from engine.clock import Clock
from sandbox.db import Database
from sandbox.errors import Refusal
from sandbox.faults import FaultConfig, FaultInjector
from sandbox.messages import text

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_BODY_BYTES = 5 * 1024 * 1024  # a card photo is well below; larger bodies are refused with 413
log = logging.getLogger("sandbox")

Handler = Callable[..., "dict[str, Any] | tuple[int, dict[str, Any]]"]


@dataclass
class ServiceRuntime:
    """A running service's state: identity, database, credentials, clock, calendar and faults."""

    code: str  # "bureau" or a bank code
    kind: str  # "bureau" or "bank"
    name: str  # display name, e.g. 中国工商银行
    db: Database
    secrets: dict[str, str]  # app key -> secret
    clock: Clock
    calendar: Any
    faults: FaultInjector = field(default_factory=FaultInjector)
    max_skew_seconds: int = 300
    options: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        """The product clock's time (UTC)."""
        return self.clock.now()

    def today(self) -> date:
        """The product clock's date in Asia/Shanghai: the business date."""
        return self.clock.now().astimezone(SHANGHAI).date()


@dataclass
class Ctx:
    """What a handler gets: the open transaction, the business time and who is calling."""

    runtime: ServiceRuntime
    tx: sqlite3.Connection
    now: datetime
    today: date
    app_key: str | None
    idempotency_key: str | None
    lang: str = "zh"

    def record(self, effect: str, *, subject: str = "", reference: str = "", **data: Any) -> None:
        """Write one business effect to the ledger (in the handler's transaction)."""
        self.tx.execute(
            "INSERT INTO ledger (recorded_at, business_date, effect, subject, reference, idempotency_key, app_key, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.now.isoformat(),
                self.today.isoformat(),
                effect,
                subject,
                reference,
                self.idempotency_key,
                self.app_key,
                json.dumps(data, ensure_ascii=False, sort_keys=True),
            ),
        )


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer (UTF-8, Chinese kept as is)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=headers, content_type="application/json; charset=utf-8")


def error_response(code: str, status: int, lang: str = "zh", /, **details: Any) -> Response:
    """The adapter API's error answer ``{"error": {"code", "message", "details"}}``."""
    shown = {k: v for k, v in details.items() if k != "summary"}
    return json_response({"error": {"code": code, "message": text(code, lang, **details), "details": shown}}, status)


class ServiceApp:
    """A Flask app for one sandbox service with the shared protocol wired in."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.flask = Flask(f"sandbox.{runtime.code}")
        self.flask.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
        self.flask.before_request(self._before)
        self.flask.after_request(self._after)
        self.flask.register_error_handler(Refusal, self._on_refusal)
        self.flask.register_error_handler(HTTPException, self._on_http_error)
        self.flask.register_error_handler(Exception, self._on_crash)
        self.flask.add_url_rule("/healthz", "healthz", self._health, methods=["GET"])
        self._register_common_admin()

    # -- registration -------------------------------------------------------------------------------

    def effect(self, rule: str) -> Callable[[Handler], Handler]:
        """Register a POST handler with a business effect: needs an Idempotency-Key, runs in one transaction."""

        def wrap(handler: Handler) -> Handler:
            def view(**args: Any) -> Response:
                return self._run_effect(handler, args)

            self.flask.add_url_rule(rule, f"effect:{rule}", view, methods=["POST"])
            return handler

        return wrap

    def read(self, rule: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[Handler], Handler]:
        """Register a query handler (it may still bring lazily computed state up to date)."""
        return self._plain(rule, methods, "read")

    def admin(self, rule: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[Handler], Handler]:
        """Register an ``/admin/`` handler for tests and the demo: signed, never faulted, not idempotent."""
        if not rule.startswith("/admin/"):
            raise ValueError("admin rules start with /admin/")
        return self._plain(rule, methods, "admin")

    def admin_view(self, rule: str, methods: tuple[str, ...], view: Callable[[], dict[str, Any]]) -> None:
        """Register an ``/admin/`` call that opens its own transactions (e.g. the bureau's tick)."""
        if not rule.startswith("/admin/"):
            raise ValueError("admin rules start with /admin/")
        self.flask.add_url_rule(rule, f"admin:{rule}", lambda: json_response(view()), methods=list(methods))

    def _plain(self, rule: str, methods: tuple[str, ...], kind: str) -> Callable[[Handler], Handler]:
        def wrap(handler: Handler) -> Handler:
            def view(**args: Any) -> Response:
                body = self._body()
                with self.runtime.db.transaction() as tx:
                    status, payload = _normalize(handler(self._ctx(tx), body, **args))
                return json_response(payload, status)

            self.flask.add_url_rule(rule, f"{kind}:{rule}", view, methods=list(methods))
            return handler

        return wrap

    # -- request handling ---------------------------------------------------------------------------

    def _ctx(self, tx: sqlite3.Connection) -> Ctx:
        now = self.runtime.now()
        return Ctx(
            runtime=self.runtime,
            tx=tx,
            now=now,
            today=now.astimezone(SHANGHAI).date(),
            app_key=g.get("app_key"),
            idempotency_key=request.headers.get(HEADER_IDEMPOTENCY_KEY),
            lang=_lang(),
        )

    def _body(self) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.args)
        raw = request.get_data(cache=True)
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise Refusal("INVALID_REQUEST", 400, errors=[{"field": "", "reason": "body is not JSON"}], summary="body is not JSON") from None
        if not isinstance(data, dict):
            raise Refusal("INVALID_REQUEST", 400, errors=[{"field": "", "reason": "body must be a JSON object"}], summary="body must be a JSON object")
        return data

    def _run_effect(self, handler: Handler, args: dict[str, Any]) -> Response:
        key = request.headers.get(HEADER_IDEMPOTENCY_KEY, "")
        if not key or len(key) > 200:
            raise Refusal("IDEMPOTENCY_KEY_REQUIRED", 400)
        body = self._body()
        fingerprint = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + request.get_data(cache=True)
        ).hexdigest()
        with self.runtime.db.transaction() as tx:
            row = tx.execute(
                "SELECT fingerprint, status, body FROM idempotency WHERE app_key = ? AND key = ?", (g.app_key, key)
            ).fetchone()
            if row is not None:
                if row["fingerprint"] != fingerprint:
                    raise Refusal("IDEMPOTENCY_KEY_REUSED", 422)
                g.replayed = True
                return Response(
                    row["body"], status=row["status"], headers={HEADER_REPLAYED: "true"},
                    content_type="application/json; charset=utf-8",
                )
            ctx = self._ctx(tx)
            status, payload = _normalize(handler(ctx, body, **args))
            stored = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            tx.execute(
                "INSERT INTO idempotency (app_key, key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (g.app_key, key, fingerprint, status, stored, ctx.now.isoformat()),
            )
        return Response(stored, status=status, content_type="application/json; charset=utf-8")

    def _before(self) -> Response | None:
        g.plan = None
        if request.path == "/healthz":
            return None
        path = request.path + (("?" + request.query_string.decode("latin-1")) if request.query_string else "")
        try:
            g.app_key = verify(
                self.runtime.secrets,
                request.method,
                path,
                request.headers,
                request.get_data(cache=True),
                max_skew_seconds=self.runtime.max_skew_seconds,
            )
        except SignatureError as exc:
            return error_response(exc.code, 401, _lang())
        if request.path.startswith("/admin/"):
            return None
        plan = self.runtime.faults.plan()
        g.plan = plan
        if plan.delay_seconds:
            time.sleep(plan.delay_seconds)
        if plan.error_status is not None:
            code = "INTERNAL_ERROR" if plan.error_status == 500 else "SERVICE_UNAVAILABLE"
            return error_response(code, plan.error_status, _lang())
        return None

    def _after(self, response: Response) -> Response:
        if request.path == "/healthz" or request.path.startswith("/admin/"):
            return response
        plan = g.get("plan")
        fault = None
        if plan is not None:
            fault = "error" if plan.error_status else "stall" if plan.stall_seconds else "malformed" if plan.malformed else None
        self._log_request(response.status_code, fault)
        if plan is not None and plan.error_status is None:
            if plan.malformed:
                response = Response('{"result": {"status": "ok", "id": ', status=200, content_type="application/json")
            if plan.stall_seconds:
                time.sleep(plan.stall_seconds)
        return response

    def _log_request(self, status: int, fault: str | None) -> None:
        try:
            with self.runtime.db.transaction() as tx:
                tx.execute(
                    "INSERT INTO request_log (at, method, path, status, app_key, idempotency_key, replayed, fault)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        datetime.now(UTC).isoformat(),
                        request.method,
                        request.path,
                        status,
                        g.get("app_key"),
                        request.headers.get(HEADER_IDEMPOTENCY_KEY),
                        1 if g.get("replayed") else 0,
                        fault,
                    ),
                )
        except sqlite3.Error:
            log.exception("%s: could not log a request", self.runtime.code)

    def _on_refusal(self, exc: Refusal) -> Response:
        return error_response(exc.code, exc.http_status, _lang(), **exc.details)

    def _on_http_error(self, exc: HTTPException) -> Response:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.code or 500, "INVALID_REQUEST")
        details = {"summary": exc.description or ""} if code == "INVALID_REQUEST" else {}
        return error_response(code, exc.code or 500, _lang(), **details)

    def _on_crash(self, exc: Exception) -> Response:
        log.exception("%s: %s %s failed", self.runtime.code, request.method, request.path)
        return error_response("INTERNAL_ERROR", 500, _lang())

    def _health(self) -> Response:
        return json_response({"status": "ok", "service": self.runtime.code, "kind": self.runtime.kind})

    # -- admin calls shared by every service ---------------------------------------------------------

    def _register_common_admin(self) -> None:
        runtime = self.runtime

        @self.admin("/admin/ledger")
        def ledger(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
            sql, args = "SELECT * FROM ledger WHERE seq > ?", [int(body.get("after_seq") or 0)]
            for column in ("effect", "idempotency_key", "reference"):
                if body.get(column):
                    sql += f" AND {column} = ?"  # noqa: S608 - column names are fixed above
                    args.append(body[column])
            rows = ctx.tx.execute(sql + " ORDER BY seq", args).fetchall()
            return {"service": runtime.code, "entries": [_ledger_entry(r) for r in rows]}

        @self.admin("/admin/requests")
        def requests_log(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
            rows = ctx.tx.execute("SELECT * FROM request_log ORDER BY seq").fetchall()
            return {"service": runtime.code, "requests": [dict(r) | {"replayed": bool(r["replayed"])} for r in rows]}

        @self.admin("/admin/faults", methods=("GET", "PUT"))
        def faults(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
            if request.method == "PUT":
                try:
                    runtime.faults.configure(FaultConfig.from_dict(body))
                except (TypeError, ValueError) as exc:
                    raise Refusal("INVALID_REQUEST", 400, errors=[{"field": "", "reason": str(exc)}], summary=str(exc)) from None
            return runtime.faults.config.as_dict()

        @self.admin("/admin/reset", methods=("POST",))
        def reset(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
            Database.empty(ctx.tx)
            runtime.faults.configure(FaultConfig(seed=runtime.faults.config.seed))
            return {"service": runtime.code, "reset": True}


def _ledger_entry(row: sqlite3.Row) -> dict[str, Any]:
    entry = dict(row)
    entry["data"] = json.loads(entry["data"])
    return entry


def _normalize(result: dict[str, Any] | tuple[int, dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    if isinstance(result, tuple):
        return result
    return 200, result


def _lang() -> str:
    best = request.accept_languages.best_match(["zh", "en"]) if request else None
    return "en" if best == "en" else "zh"
