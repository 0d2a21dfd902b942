"""The bureau service: its routes, its admin calls and its tick (advance transfers, send callbacks)."""

from __future__ import annotations

import threading
from typing import Any

from flask import request

from sandbox.bureau import admin, documents, employment, transfers
from sandbox.bureau.callbacks import CallbackSender, list_callbacks
from sandbox.errors import invalid
from sandbox.service import Ctx, ServiceApp, ServiceRuntime


class BureauService:
    """One bureau: a Flask app plus the tick that advances transfers and delivers callbacks."""

    def __init__(self, runtime: ServiceRuntime, *, callback_url: str | None, sender: CallbackSender) -> None:
        self.runtime = runtime
        self.default_callback_url = callback_url
        self.sender = sender
        self._tick_lock = threading.Lock()
        self.api = ServiceApp(runtime)
        self.flask = self.api.flask
        self._routes()

    def callback_url(self) -> str | None:
        """Where callbacks go: the admin setting if one was made, else the configured URL."""
        conn = self.runtime.db.connect()
        try:
            row = conn.execute("SELECT value FROM settings WHERE key = 'callback_url'").fetchone()
        finally:
            conn.close()
        return (row["value"] or None) if row else self.default_callback_url

    def tick(self) -> dict[str, int]:
        """Advance every open transfer to the current business date, then deliver due callbacks."""
        with self._tick_lock:
            with self.runtime.db.transaction() as tx:
                reached = transfers.advance_all(tx, self.runtime, self.runtime.today())
            delivered = self.sender.deliver_due(self.callback_url())
        return {"stages_reached": reached, "callbacks_delivered": delivered}

    def _routes(self) -> None:
        api = self.api
        api.effect("/v1/removals")(employment.file_removal)
        api.effect("/v1/enrolments")(employment.file_enrolment)
        api.read("/v1/contributions/query", methods=("POST",))(documents.history)
        api.effect("/v1/certificates")(documents.issue_certificate)
        api.effect("/v1/transfers")(transfers.apply)
        api.read("/v1/transfers/<application_id>")(transfers.status)
        api.admin("/admin/seed", methods=("POST",))(admin.seed)
        api.admin("/admin/arrears", methods=("PUT",))(admin.set_arrears)

        @api.admin("/admin/callbacks")
        def callbacks(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
            return {"callbacks": list_callbacks(ctx.tx)}

        @api.admin("/admin/settings", methods=("GET", "PUT"))
        def settings(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
            if request.method == "PUT":
                url = body.get("callback_url")
                if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
                    raise invalid([{"field": "callback_url", "reason": "must be an http(s) URL or null"}])
                ctx.tx.execute(
                    "INSERT INTO settings (key, value) VALUES ('callback_url', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (url or "",),
                )
            row = ctx.tx.execute("SELECT value FROM settings WHERE key = 'callback_url'").fetchone()
            return {"callback_url": (row["value"] or None) if row else self.default_callback_url}

        api.admin_view("/admin/tick", ("POST",), lambda: {"as_of": self.runtime.today().isoformat(), **self.tick()})
