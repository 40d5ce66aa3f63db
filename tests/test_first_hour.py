"""What a new user tries in their first hour (issue 14): each works, and says what it did."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_version_prints_the_installed_version_and_the_catalogue_source() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "infrakit", "--version"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    version = importlib.metadata.version("infrakit")
    assert result.stdout.startswith(f"infrakit {version} (AWS catalogue: cfn-lint ")
    assert result.stderr == ""


def test_the_package_version_is_the_project_version() -> None:
    import infrakit

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert infrakit.__version__ == project["version"]
