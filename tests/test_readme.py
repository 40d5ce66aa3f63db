"""The README's two set-up commands are the ones that CI and users run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block is not None, "the README must open with a ```bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands_before_any_prose() -> None:
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    assert lines[0] == "# infrakit"
    assert lines[1] == "```bash"
    assert len(readme_commands()) == 2


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = readme_commands()[1]
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_readme_main_job_synthesizes_the_example_app(tmp_path: Path) -> None:
    main_job = readme_commands()[0]
    target = re.search(r"infrakit synth (\S+)", main_job)
    assert target is not None
    out = tmp_path / "infrakit.out"
    subprocess.run([sys.executable, "-m", "infrakit", "synth", target.group(1), "-o", str(out)], cwd=ROOT, check=True)
    assert (out / "manifest.json").is_file()
    assert len(list(out.glob("*.template.json"))) == 6
