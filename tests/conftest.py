"""Shared fixtures. Importing ``helpers`` puts ``examples/`` on ``sys.path`` (``shop.*``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers  # noqa: F401  (side effect: examples importable)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        "awaits_background: the test waits for a command started at collection (helpers.in_background); "
        "it runs after the others, so the command has run beside them",
    )


def pytest_collection_modifyitems(items: list[Any]) -> None:
    # A stable sort: the waiting tests last, everything else in its usual order.
    items.sort(key=lambda item: item.get_closest_marker("awaits_background") is not None)
