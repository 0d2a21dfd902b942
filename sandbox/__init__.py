"""Stand-ins for the social-security bureau and the card banks, speaking the adapter API over HTTP.

Each service runs on its own 127.0.0.1 port with its own SQLite file, follows the product's movable
clock and injects faults on request; see ``docs/adapter-api.md``. Start them with
:func:`sandbox.run.serve_all` (``shebao sandbox``, ``python -m sandbox``).
"""
