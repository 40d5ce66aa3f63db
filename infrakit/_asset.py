"""``ik.Asset``: a file or directory packaged deterministically, content-addressed, uploaded by
``deploy``.

A directory becomes a zip archive whose bytes depend on the files' relative paths, contents
and executable bits only: entries in sorted order, a fixed timestamp (1980-01-01), normalized
permissions (0644, or 0755 for executables), no directory entries. A file is used as it is.
The package's sha256 names it: ``.key`` is ``assets/<sha256>.zip`` (or the file's suffix), so
the same content is uploaded once, and a changed content is a new key (and a changed
template: the resource that uses it updates).

``.bucket`` is the asset bucket that ``infrakit bootstrap`` creates, read in the template
with ``Fn::ImportValue`` of the bootstrap stack's export ``infrakit-asset-bucket`` (one per
account and region), so templates name no account-specific bucket and need no parameter.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from infrakit._expr import Call, Expr
from infrakit.errors import DefinitionError

__all__ = ["ASSET_BUCKET_EXPORT", "Asset", "asset_key", "assets_in", "known_asset", "package", "remember_assets"]

#: The export of the bootstrap stack that names the asset bucket.
ASSET_BUCKET_EXPORT = "infrakit-asset-bucket"

_EPOCH = (1980, 1, 1, 0, 0, 0)

#: Every asset created in this process, by id: the assembly writer packs those whose key a
#: template holds.
_KNOWN: dict[str, Asset] = {}
_KEY = re.compile(rb"assets/([0-9a-f]{64})")


def asset_key(filename: str) -> str:
    """The object key in the asset bucket of the package ``asset.<sha256><suffix>`` of an
    assembly: ``assets/<sha256><suffix>``."""
    return "assets/" + filename.removeprefix("asset.")


def assets_in(template: bytes) -> list[str]:
    """The ids of the known assets whose key the template text holds, sorted."""
    return sorted({m.decode() for m in _KEY.findall(template)} & set(_KNOWN))


def known_asset(asset_id: str) -> Asset:
    """The asset created in this process with this id."""
    return _KNOWN[asset_id]


def remember_assets(assets: Iterable[Asset]) -> None:
    """Make assets created in another process (a synth worker) known here."""
    for asset in assets:
        _KNOWN.setdefault(asset.id, asset)


def package(path: str | os.PathLike[str]) -> tuple[bytes, str]:
    """The packaged bytes of a file or directory and the suffix of its key (``.zip`` for a
    directory)."""
    source = Path(path)
    if source.is_file():
        return source.read_bytes(), "".join(source.suffixes[-1:])
    if not source.is_dir():
        raise DefinitionError(f"ik.Asset({str(path)!r}): no such file or directory")
    import zipfile

    buffer = io.BytesIO()
    files = sorted(
        (p.relative_to(source).as_posix(), p) for p in source.rglob("*") if p.is_file() and not p.is_symlink()
    )
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, file in files:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            executable = os.stat(file).st_mode & stat.S_IXUSR
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the machine: the attributes above are Unix modes
            archive.writestr(info, file.read_bytes(), compresslevel=6)
    return buffer.getvalue(), ".zip"


class Asset:
    """A file or directory to upload at deploy time, usable in properties::

        code = ik.Asset("src/handler")
        lambda_.Function("Fn", code=lambda_.Function.Code(s3_bucket=code.bucket, s3_key=code.key), ...)

    The path is read when the asset is created (relative paths from the current directory).
    An instance uses the assets whose ``.key`` its template holds: ``synth`` writes their
    packages into the assembly and lists them in the manifest.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.source = os.fspath(path)
        self.data, suffix = package(path)
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        #: The file name of the package in the assembly directory, and its object key's tail.
        self.filename = f"asset.{self.sha256}{suffix}"
        _KNOWN.setdefault(self.sha256, self)

    @property
    def id(self) -> str:
        """The asset's key in the manifest's ``assets``: its sha256."""
        return self.sha256

    @property
    def key(self) -> str:
        """The object key in the asset bucket: ``assets/<sha256><suffix>``."""
        return asset_key(self.filename)

    @property
    def bucket(self) -> Expr[str]:
        """The asset bucket's name: ``Fn::ImportValue`` of the bootstrap stack's export."""
        return Call("Fn::ImportValue", ASSET_BUCKET_EXPORT, str)

    def entry(self) -> Any:
        """The asset's manifest entry."""
        from infrakit._manifest import AssetEntry

        packaging = "zip" if self.filename.endswith(".zip") and not self.source.endswith(".zip") else "file"
        return AssetEntry(path=self.filename, sha256=self.sha256, source=self.source, packaging=packaging)

    def __repr__(self) -> str:
        return f"Asset({self.source!r}, sha256={self.sha256[:12]}...)"
