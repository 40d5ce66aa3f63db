"""Every Python block of the guides runs: each page top to bottom, in one namespace.

A block that is not meant to run on its own (a fragment of a method, an app wired to a
component defined elsewhere) is marked on the line just above its fence with
``<!-- docs-test: skip (why) -->``, an HTML comment that neither GitHub nor the site
shows. Pages run from a copy of ``examples/shop`` (its ``config/`` files), with
``examples/`` importable, so they can use the shop components as the guides do.
docs/testing.md runs in tests/test_testing_docs.py, which also checks what it prints.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SKIP = re.compile(r"^ *<!-- docs-test: skip \(.+\) -->$")
# A fence may be indented (a block inside a list item): its lines are dedented to run.
FENCE = re.compile(r"^( *)```python\n(.*?)^\1```", re.M | re.S)
OWN_TEST = {"testing.md"}


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """``(line number, code, marked to skip)`` of every ```` ```python ```` block of a page."""
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        code = textwrap.dedent(match.group(2)) if match.group(1) else match.group(2)
        blocks.append((line, code, bool(SKIP.match(before))))
    return blocks


def guide_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(p for p in DOCS.glob("*.md") if p.name not in OWN_TEST)]


def test_the_block_finder_sees_blocks_and_skip_marks() -> None:
    page = "text\n<!-- docs-test: skip (a fragment) -->\n```python\nself.add(x)\n```\n\n```python\nx = 1\n```\n"
    assert python_blocks(page) == [(3, "self.add(x)\n", True), (7, "x = 1\n", False)]


def test_an_indented_block_is_found_and_dedented() -> None:
    page = "- item:\n\n  <!-- docs-test: skip (fragment) -->\n  ```python\n  x = 1\n  ```\n"
    assert python_blocks(page) == [(4, "x = 1\n", True)]


def test_a_skip_mark_must_say_why() -> None:
    assert python_blocks("<!-- docs-test: skip -->\n```python\nx\n```\n") == [(2, "x\n", False)]


def test_every_guide_has_blocks_that_run() -> None:
    # A page whose blocks are all skipped tests nothing: each guide with Python runs some of it.
    for page in guide_pages():
        blocks = python_blocks(page.read_text())
        if blocks:
            assert any(not skip for _line, _code, skip in blocks), f"{page.name}: every Python block is skipped"


@pytest.mark.parametrize("page", guide_pages(), ids=lambda p: p.name)
def test_every_python_block_of_the_page_runs(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "examples" / "shop", tmp_path / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path / "shop")
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    ran = 0
    for line, code, skip in python_blocks(page.read_text()):
        if skip:
            continue
        try:
            exec(compile(code, f"{page}:{line}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"{page.relative_to(ROOT)}, the block at line {line}: {error!r}") from error
        ran += 1
    capsys.readouterr()
    assert ran == sum(1 for _l, _c, skip in python_blocks(page.read_text()) if not skip)
