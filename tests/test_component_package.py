"""The example components install as a reusable package and synthesize from there."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_shop_components_build_into_a_wheel_with_their_configuration(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    source.mkdir()
    shutil.copy(ROOT / "examples" / "pyproject.toml", source)
    shutil.copytree(ROOT / "examples" / "shop", source / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("infrakit_example_shop-0.1.0-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"shop/network.py", "shop/service.py", "shop/monitoring.py", "shop/config/prod.yaml"} <= names
    assert not any(name.startswith(("tests/", "gcp_")) for name in names)

    # Installed on its own (its infrakit is this one), an app imports and synthesizes it.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import infrakit as ik\n"
        "from shop.network import Network, NetworkInputs\n"
        "import shop.network\n"
        f"assert shop.network.__file__.startswith({str(target)!r}), shop.network.__file__\n"
        "print(len(ik.synth(Network, NetworkInputs(az_count=3)).to_dict()['Resources']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env={"PYTHONPATH": str(target)}
    )
    # vpc, gateway, attachment, route table, route, 3 subnets, 3 associations, security group
    assert done.stdout.strip() == "12"
