"""A worker process for crash tests: the real worker loop with the ledger operators.

Usage: python -m tests.support.ledger_worker LEDGER_PATH [--once]   (configuration from SHEBAO_* env)
"""

from __future__ import annotations

import os
import sys

from engine.core import Engine
from engine.settings import Settings
from tests.support.ledger import Ledger, ledger_operators
from web.worker import run_worker


def main() -> None:
    ledger = Ledger(sys.argv[1])
    engine = Engine(Settings.from_env(dict(os.environ)), ledger_operators(ledger, delay=0.02))
    run_worker(engine, once="--once" in sys.argv, tick_seconds=0.2)


if __name__ == "__main__":
    main()
