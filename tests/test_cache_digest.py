"""What the synth cache digests of infrakit itself (issue 15): an installed infrakit by its
distribution's RECORD, a source checkout by every file of its source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import infrakit
from infrakit import _assembly
from infrakit._distributions import Distribution


@pytest.fixture
def fresh_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_assembly, "_INFRAKIT_DIGEST", [])


def _installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, record: bytes) -> None:
    info = tmp_path / f"infrakit-{infrakit.__version__}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "RECORD").write_bytes(record)
    found = Distribution(info)
    monkeypatch.setattr(_assembly, "distribution_of", lambda name: found if name == "infrakit" else None)

    def no_hashing(*_args: Any) -> None:
        raise AssertionError("an installed infrakit is digested by its RECORD, not by hashing its files")

    monkeypatch.setattr(_assembly, "_hash_files", no_hashing)


@pytest.mark.usefixtures("fresh_digest")
def test_an_installed_infrakit_is_digested_by_its_record_and_any_change_of_it_changes_the_digest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _installed(monkeypatch, tmp_path, b"infrakit/__init__.py,sha256=AAAA,100\n")
    first = _assembly._infrakit_digest()
    monkeypatch.setattr(_assembly, "_INFRAKIT_DIGEST", [])
    _installed(monkeypatch, tmp_path, b"infrakit/__init__.py,sha256=BBBB,100\n")
    second = _assembly._infrakit_digest()
    assert first != second


@pytest.mark.usefixtures("fresh_digest")
def test_a_source_checkout_is_digested_by_every_file_of_infrakit(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[str] = []
    real = _assembly._hash_files

    def counting(h: Any, files: list[tuple[str, str]]) -> None:
        hashed.extend(name for name, _path in files)
        real(h, files)

    monkeypatch.setattr(_assembly, "_hash_files", counting)
    monkeypatch.setattr(_assembly, "distribution_of", lambda name: None)
    _assembly._infrakit_digest()
    root = Path(infrakit.__file__).parent
    expected = sorted(
        f"0/{p.relative_to(root).as_posix()}"
        for p in root.rglob("*.py")
        if "__pycache__" not in p.parts and not any(part.startswith(".") for part in p.relative_to(root).parts[:-1])
    )
    assert hashed == expected
    assert "0/aws/_schemas/ec2.py" in hashed and "0/_assembly.py" in hashed
