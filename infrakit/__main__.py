"""``python -m infrakit``: the command line."""

from infrakit.cli import main

raise SystemExit(main())
