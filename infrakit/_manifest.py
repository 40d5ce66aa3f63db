"""``manifest.json``: the typed on-disk contract of an assembly.

One definition, many readers: the assembly writer, :func:`read_manifest`, ``infrakit diff``
and the deployers all use these classes (as the CDK cloud-assembly schema types the CDK
manifest). The JSON shape is documented in DESIGN.md; this module is its schema.

Reading is strict about shape (a wrong type is an :class:`~infrakit.errors.AssemblyError`
naming the JSON path) and lenient about keys it does not know, so a manifest written by a
newer infrakit of the same ``version`` still reads.
"""

from __future__ import annotations

import functools
import json
import os
import typing
from pathlib import Path
from typing import Any

import attrs

from infrakit.errors import AssemblyError

__all__ = [
    "MANIFEST",
    "MANIFEST_VERSION",
    "AssetEntry",
    "InstanceEntry",
    "Manifest",
    "ParameterEntry",
    "WireSource",
    "read_manifest",
    "read_template",
]

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


@attrs.frozen
class WireSource:
    """Where a wired parameter's value comes from: another instance's output."""

    instance: str
    #: The output's name in the producer's template (``VpcId`` for AWS, ``vpc_id`` for GCP).
    output: str


@attrs.frozen
class ParameterEntry:
    """One parameter of an instance's template, and how the deployer gets its value.

    ``source`` set: wired from another instance (``integration`` says how; ``None`` is the
    default ``parameters`` pattern, where the deployer passes the producer's output).
    ``secret``: the value is given at deploy time and never written anywhere.
    ``default``: the template's default, when it has one. None of these: the deployer must be
    given a value (``--parameter``, an environment variable or a file).
    """

    source: WireSource | None = None
    integration: str | None = None
    secret: bool = False
    default: Any = None


@attrs.frozen
class AssetEntry:
    """A file or directory packaged into the assembly, uploaded by ``deploy``."""

    #: The packaged file, relative to the assembly directory.
    path: str
    sha256: str
    #: What the asset was made from, as the user gave it (for messages only).
    source: str = ""
    packaging: str = "file"


@attrs.frozen
class InstanceEntry:
    """One instance of the app: its provider, template file and contract."""

    provider: str
    component: str
    template: str
    sha256: str
    inputs_sha256: str = ""
    parameters: dict[str, ParameterEntry] = attrs.Factory(dict)
    outputs: list[str] = attrs.Factory(list)
    depends_on: list[str] = attrs.Factory(list)
    #: Values read with ``Fn::ImportValue`` (exports pattern): no template parameter.
    imports: dict[str, ParameterEntry] = attrs.Factory(dict)
    #: Asset ids (keys of :attr:`Manifest.assets`) this instance's template uses.
    assets: list[str] = attrs.Factory(list)
    #: Output field name -> output name in the template (``vpc_id`` -> ``VpcId``).
    output_names: dict[str, str] = attrs.Factory(dict)
    #: The component's contract (``infrakit._describe.contract_of``): input and output
    #: fields with their types, for ``infrakit diff``'s breaking-change view.
    contract: dict[str, Any] = attrs.Factory(dict)
    #: What produced the template: ``{"infrakit": version, "package": {"name", "version"}}``
    #: (``package`` only for a component from an installed distribution).
    provenance: dict[str, Any] = attrs.Factory(dict)
    cache_key: str = ""


@attrs.frozen(kw_only=True)
class Manifest:
    """The whole ``manifest.json`` of an assembly."""

    version: int = MANIFEST_VERSION
    app: str
    integration: str = "parameters"
    instances: dict[str, InstanceEntry]
    assets: dict[str, AssetEntry] = attrs.Factory(dict)

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON data, in DESIGN.md's shape (empty optional keys left out)."""
        data: dict[str, Any] = _unstructure(self, {})
        return data

    def consumers(self) -> dict[str, list[str]]:
        """For every instance, the sorted names of the instances that depend on it."""
        result: dict[str, set[str]] = {name: set() for name in self.instances}
        for name, entry in self.instances.items():
            for producer in entry.depends_on:
                result.setdefault(producer, set()).add(name)
        return {name: sorted(names) for name, names in result.items()}


#: Fields written even when they hold their default (the rest are left out when they do).
_ALWAYS: dict[type, frozenset[str]] = {
    InstanceEntry: frozenset({"inputs_sha256", "parameters", "outputs", "depends_on"}),
    Manifest: frozenset({"version", "integration", "instances"}),
}


def entry_data(entry: InstanceEntry, shared: dict[Any, Any]) -> dict[str, Any]:
    """One instance's entry as :meth:`Manifest.to_dict` writes it. ``shared`` (one dict for
    all the entries of a manifest) keeps one copy of what many entries share: a component's
    contract, provenance, output names and outputs, and an empty ``parameters`` or
    ``depends_on``. (The manifest of ten thousand instances holds each once; unlike the data
    ``json.load`` reads, equal parts may be one object: copy an entry to change it in place.)"""
    data: dict[str, Any] = _unstructure(entry, shared)
    return data


#: Fields of an entry that many entries share by identity (see :func:`entry_data`).
_SHARED_FIELDS = frozenset({"contract", "provenance", "output_names"})
#: Fields of an entry whose JSON data many entries share when equal: a component's outputs.
_SHARED_LISTS = frozenset({"outputs"})
#: Fields of an entry whose JSON data is shared when empty.
_SHARED_EMPTY = frozenset({"parameters", "depends_on", "imports", "assets"})


def _unstructure(obj: Any, shared: dict[Any, Any]) -> Any:
    """A manifest object as JSON data, without importing cattrs to write a manifest (40-60 ms
    of a one-instance synth): attrs fields in order, a field left out when it equals its
    default (unless in :data:`_ALWAYS`), a parameter's ``source`` written as ``from``.
    tests/test_manifest_writer.py holds it equal to cattrs' own unstructuring with the same
    rules, and to what :func:`read_manifest` reads back.

    A shared field's value is copied once per component (``shared``, keyed by ``(field,
    component)``, checked equal), so the manifest of ten thousand instances of one component
    holds one copy of its contract; an entry's outputs, and an empty ``parameters`` or
    ``depends_on``, once per content (keyed by ``(field, *content)``)."""
    if isinstance(obj, dict):
        return {key: _unstructure(value, shared) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_unstructure(value, shared) for value in obj]
    cls = type(obj)
    if attrs.has(cls):
        always = _ALWAYS.get(cls, frozenset())
        data = _new_dict(cls)
        for field in attrs.fields(cls):
            value = getattr(obj, field.name)
            if field.name not in always and field.default is not attrs.NOTHING:
                default = field.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    default = default.factory()
                if value == default:
                    continue
            key = "from" if cls is ParameterEntry and field.name == "source" else field.name
            if cls is not InstanceEntry:
                data[key] = _unstructure(value, shared)
            elif field.name in _SHARED_FIELDS:
                # A function of the component alone; equal (not only identical) values count,
                # as entries rendered by worker processes (jobs > 1) come back as copies.
                slot = (field.name, obj.component)
                known = shared.get(slot)
                if known is None or (known[0] is not value and known[0] != value):
                    known = shared[slot] = (value, _unstructure(value, shared))
                data[key] = known[1]
            elif field.name in _SHARED_LISTS or (field.name in _SHARED_EMPTY and not value):
                # By content: (field, the names) -> the one list (names are plain str).
                content = (field.name, *value)
                found = shared.get(content)
                if found is None:
                    found = shared[content] = _unstructure(value, shared)
                data[key] = found
            else:
                data[key] = _unstructure(value, shared)
        return data
    return obj


def _new_dict(cls: type) -> dict[str, Any]:
    """An empty dict for the JSON data of one ``cls`` object: a plain ``dict``, made as the
    ``__dict__`` of an object of a class kept for ``cls`` alone, so that CPython stores it as a
    key-sharing dict (PEP 412): the dicts of every entry of a manifest share one table of keys,
    and each holds only its values (an entry's dict: about 190 bytes instead of 470; a
    parameter's, 100 instead of 190). Elsewhere, or past CPython's limit of keys per table,
    it is an ordinary dict."""
    holder = _HOLDERS.get(cls)
    if holder is None:
        holder = _HOLDERS[cls] = type(f"_{cls.__name__}Data", (), {})
    data: dict[str, Any] = holder().__dict__
    return data


_HOLDERS: dict[type, type] = {}


@functools.lru_cache(maxsize=1)
def _converter() -> Any:
    """The cattrs converter that reads a manifest: ``from`` on disk is a parameter's
    ``source``, and JSON types are taken strictly. (Writing is :func:`_unstructure`'s.)"""
    import cattrs
    from cattrs.gen import make_dict_structure_fn, override

    converter = cattrs.Converter(forbid_extra_keys=False)
    converter.register_structure_hook(
        ParameterEntry, make_dict_structure_fn(ParameterEntry, converter, source=override(rename="from"))
    )
    # Manifest fields are JSON: refuse "1" for an int or 5 for a str rather than coerce.
    for prim in (str, int, bool):
        converter.register_structure_hook(prim, _strict(prim))
    converter.register_structure_hook(Any, lambda value, _t: value)
    return converter


def _strict(kind: type) -> Any:
    def structure(value: Any, _type: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
        return value

    return structure


def manifest_from_dict(data: Any, where: str = MANIFEST) -> Manifest:
    """Structure JSON data into a :class:`Manifest`; a wrong shape is an AssemblyError
    naming each JSON path that is wrong."""
    if not isinstance(data, dict):
        raise AssemblyError(f"{where}: not an infrakit manifest (expected a JSON object)")
    if data.get("version") != MANIFEST_VERSION:
        raise AssemblyError(
            f"{where}: not an infrakit manifest of version {MANIFEST_VERSION} (version is {data.get('version')!r})"
        )
    import cattrs

    wrong = list(_container_problems(Manifest, data, "manifest"))
    if wrong:
        raise AssemblyError(f"{where}: the manifest has the wrong shape: {'; '.join(wrong)}")
    try:
        manifest: Manifest = _converter().structure(data, Manifest)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path="manifest"))
        raise AssemblyError(f"{where}: the manifest has the wrong shape: {problems}") from None
    for name, entry in manifest.instances.items():
        _check_file_name(where, f"instances.{name}.template", entry.template)
    for key, asset in manifest.assets.items():
        _check_file_name(where, f"assets.{key}.path", asset.path)
    return manifest


def _container_problems(cls: Any, data: Any, path: str) -> typing.Iterator[str]:
    """JSON arrays and objects where the classes expect lists and mappings (cattrs would take a
    string for a list of its characters), field by field, with each wrong value's path."""
    if not isinstance(data, dict):
        return
    for field in attrs.fields(attrs.resolve_types(cls)):
        key = "from" if field.name == "source" else field.name
        if key not in data:
            continue
        value, kind = data[key], field.type
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        origin = typing.get_origin(kind)
        if origin is list and not isinstance(value, list):
            yield f"{path}.{key} must be a JSON array, got {type(value).__name__} {value!r}"
        elif origin is dict:
            if not isinstance(value, dict):
                yield f"{path}.{key} must be a JSON object, got {type(value).__name__} {value!r}"
            elif attrs.has(args[-1]):
                for name, item in value.items():
                    yield from _container_problems(args[-1], item, f"{path}.{key}.{name}")
        elif len(args) == 1 and attrs.has(args[0]):
            yield from _container_problems(args[0], value, f"{path}.{key}")


def _check_file_name(where: str, path: str, name: str) -> None:
    """A file named by the manifest lies inside the assembly directory: a plain file name."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise AssemblyError(f"{where}: {path} must be a file name inside the assembly directory, got {name!r}")


def read_template(path: Path) -> dict[str, Any]:
    """A template file of an assembly as data: JSON, or YAML (``synth --format yaml``) by its
    suffix. A file that cannot be read, or is not an object, is an AssemblyError naming it."""
    problem: type[BaseException] | None = None
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yaml", ".yml"):
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                problem = type(exc)
        else:
            data = json.loads(text)
    except (OSError, ValueError) as exc:  # ValueError: JSON and UTF-8 decoding
        problem = type(exc)
    if problem is not None:
        raise AssemblyError(f"{path}: not a readable template ({problem.__name__}); synthesize it again")
    if not isinstance(data, dict):
        raise AssemblyError(f"{path}: not a template (a JSON object); synthesize it again")
    return data


def read_manifest(directory: str | os.PathLike[str]) -> Manifest:
    """The typed manifest of the assembly in ``directory``."""
    path = Path(directory) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AssemblyError(f"{directory}: not an assembly (no {MANIFEST}); run `infrakit synth` first") from None
    except NotADirectoryError:
        raise AssemblyError(f"{directory}: not an assembly directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssemblyError(f"{path}: cannot read the manifest: {exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AssemblyError(f"{path}: not valid JSON: {exc}") from None
    return manifest_from_dict(data, str(path))
