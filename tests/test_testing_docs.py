"""docs/testing.md: every Python block on the page runs, top to bottom."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "testing.md"


def _blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", PAGE.read_text(), re.M | re.S)


def test_the_testing_page_has_runnable_blocks() -> None:
    assert len(_blocks()) >= 10


def test_every_block_of_the_testing_page_runs(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "docs_testing"}
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"{PAGE}:block{i}", "exec"), namespace)
    # The failure message shown on the page is the one the code prints.
    shown = re.search(r"^```text\n(Template has no AWS::EC2::VPC.*?)^```", PAGE.read_text(), re.M | re.S)
    assert shown is not None
    assert shown.group(1) in capsys.readouterr().out
