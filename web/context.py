"""The app's services as request code reaches them: the engine and the casework services.

Both are built once per app (the engine by :func:`web.app.create_app`, casework on first use) and
kept in ``app.extensions``; the API and the pages use these two functions, never their own copies.
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def engine() -> Any:
    """The engine of the current app."""
    return current_app.extensions["shebao_engine"]


def casework() -> Any:
    """The casework services (people, employers, cases, policy, audit) on the app's engine."""
    services = current_app.extensions.get("shebao_casework")
    if services is None:
        from casework.services import Casework

        services = current_app.extensions["shebao_casework"] = Casework.from_engine(engine())
    return services
