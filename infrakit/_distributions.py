"""Which installed distribution a package comes from, read from the ``*.dist-info`` folders
beside it (PEP 376/627), without ``importlib.metadata``'s scan of every installed
distribution (which costs more than a whole one-instance synth).

Used for the synth cache (a distribution's ``RECORD`` lists every file it installed, data
files included, with their hashes) and for provenance (its name and version).
"""

from __future__ import annotations

import re
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
        return self.identity()[0]

    @property
    def version(self) -> str:
        return self.identity()[1]

    def identity(self) -> tuple[str, str]:
        """``(name, version)`` from one read of ``METADATA`` (the folder's name where the
        file lacks them)."""
        found = self._metadata()
        stem = self.info.name[: -len(".dist-info")]
        return found.get("Name", stem.split("-", 1)[0]), found.get("Version", stem.rpartition("-")[2])

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


_FOLDERS: dict[str, _Folder] = {}


def distribution_of(module_name: str) -> Distribution | None:
    """The distribution that installed the top-level package of ``module_name`` into the
    folder it was imported from, or None (the app's own source, an editable install, the
    standard library, a module not imported)."""
    top = module_name.split(".", 1)[0]
    folder = _folder_of(sys.modules.get(top))
    if folder is None:
        return None
    found = _FOLDERS.get(str(folder))
    if found is None:
        found = _FOLDERS[str(folder)] = _Folder(folder)
    info = found.find(top)
    return Distribution(info) if info is not None else None


def _folder_of(module: Any) -> Path | None:
    """The folder a top-level module or package was imported from."""
    paths = list(getattr(module, "__path__", None) or ())
    if paths:
        return Path(paths[0]).parent
    file = getattr(module, "__file__", None)
    return Path(file).parent if isinstance(file, str) else None


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


class _Folder:
    """The ``*.dist-info`` folders of one installation folder, searched cheaply first: the
    distribution named like the package (most are), then ``top_level.txt``, and only then
    the ``RECORD`` files, in order, until one lists the package (``attr``, installed by
    ``attrs``, which has no ``top_level.txt``), each searched as text rather than split
    into lines (site-packages with boto3 and google-cloud hold megabytes of them)."""

    def __init__(self, folder: Path) -> None:
        try:
            self.infos = sorted(p for p in folder.iterdir() if p.name.endswith(".dist-info"))
        except OSError:
            self.infos = []

    def find(self, top: str) -> Path | None:
        if not self.infos:
            return None
        wanted = _normalized(top)
        for info in self.infos:
            if _normalized(info.name.split("-", 1)[0]) == wanted and top in _record_tops(info):
                return info
        for info in self.infos:
            try:
                names = (info / "top_level.txt").read_text(encoding="utf-8").split()
            except (OSError, UnicodeDecodeError):
                continue
            if top in names and top in _record_tops(info):
                return info
        # The first distribution (in name order) whose RECORD lists the package: what
        # indexing every RECORD's top-level names would give, without reading them all.
        listed = re.compile(rf"^{re.escape(top)}(?:\.py)?[,/]", re.MULTILINE)
        for info in self.infos:
            try:
                text = (info / "RECORD").read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if listed.search(text):
                return info
        return None


def _record_tops(info: Path) -> set[str]:
    """The top-level names of the files a distribution installed (its ``RECORD``)."""
    try:
        lines = (info / "RECORD").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    tops = set()
    for line in lines:
        first = line.split(",", 1)[0].split("/", 1)[0]
        name = first[:-3] if first.endswith(".py") else first
        if name and not name.endswith((".dist-info", ".data", ".pth")) and name not in ("..", "__pycache__"):
            tops.add(name)
    return tops
