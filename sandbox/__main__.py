"""``python -m sandbox``: run the sandbox bureau and banks until Ctrl-C."""

from sandbox.run import main

raise SystemExit(main())
