"""Which installed distribution a package comes from, read from the ``*.dist-info`` folders
beside it (PEP 376/627), without ``importlib.metadata``'s scan of every installed
distribution (which costs more than a whole one-instance synth).

Used for the synth cache (a distribution's ``RECORD`` lists every file it installed, data
files included, with their hashes) and for provenance (its name and version).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import attrs

__all__ = ["Distribution", "distribution_of"]


@attrs.frozen
class Distribution:
    """An installed distribution: its ``*.dist-info`` folder."""

    info: Path

    @property
    def name(self) -> str:
        return self._metadata().get("Name", self.info.name.split("-", 1)[0])

    @property
    def version(self) -> str:
        return self._metadata().get("Version", self.info.name[: -len(".dist-info")].rpartition("-")[2])

    def _metadata(self) -> dict[str, str]:
        found: dict[str, str] = {}
        try:
            text = (self.info / "METADATA").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return found
        for line in text.splitlines():
            if not line:  # the headers end at the first blank line
                break
            key, sep, value = line.partition(":")
            if sep and key in ("Name", "Version"):
                found.setdefault(key, value.strip())
        return found

    def record(self) -> bytes | None:
        """The ``RECORD`` file's bytes (every installed file with its sha256), or None."""
        try:
            return (self.info / "RECORD").read_bytes()
        except OSError:
            return None


_INDEXES: dict[str, dict[str, Path]] = {}


def distribution_of(module_name: str) -> Distribution | None:
    """The distribution that installed the top-level package of ``module_name`` into the
    folder it was imported from, or None (the app's own source, an editable install, the
    standard library, a module not imported)."""
    top = module_name.split(".", 1)[0]
    module = sys.modules.get(top)
    folder = _folder_of(module)
    if folder is None:
        return None
    index = _INDEXES.get(str(folder))
    if index is None:
        index = _INDEXES[str(folder)] = _index(folder)
    info = index.get(top)
    return Distribution(info) if info is not None else None


def _folder_of(module: Any) -> Path | None:
    """The folder a top-level module or package was imported from."""
    paths = list(getattr(module, "__path__", None) or ())
    if paths:
        return Path(paths[0]).parent
    file = getattr(module, "__file__", None)
    return Path(file).parent if isinstance(file, str) else None


def _index(folder: Path) -> dict[str, Path]:
    """Top-level name -> ``*.dist-info`` folder, for the distributions installed in ``folder``
    (from each one's ``RECORD``: the first path segment of every file it installed)."""
    index: dict[str, Path] = {}
    try:
        infos = sorted(folder.glob("*.dist-info"))
    except OSError:
        return index
    for info in infos:
        try:
            lines = (info / "RECORD").read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            first = line.split(",", 1)[0].split("/", 1)[0]
            name = first[:-3] if first.endswith(".py") else first
            if name and not name.endswith((".dist-info", ".data", ".pth")) and name not in ("..", "__pycache__"):
                index.setdefault(name, info)
    return index
