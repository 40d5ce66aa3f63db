"""The assembly: one directory of independently synthesized templates and a manifest.

Writing is atomic: everything goes into a fresh sibling directory that replaces the
old one only when complete, so a failed synth leaves the previous assembly as it was.
Instances whose component code and inputs did not change since the previous assembly
are not re-rendered: their template files are carried over (hard-linked when possible).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import enum
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

import infrakit
from infrakit import _outdir
from infrakit._app import App, Instance, OutputRef
from infrakit._asset import Asset, assets_in, known_asset, remember_assets
from infrakit._component import Synthesis
from infrakit._contract import UNSET, output_name, parameter_name
from infrakit._describe import contract_of, provenance_of
from infrakit._distributions import distribution_of
from infrakit._manifest import (
    MANIFEST,
    MANIFEST_VERSION,
    AssetEntry,
    InstanceEntry,
    Manifest,
    ParameterEntry,
    WireSource,
    entry_data,
    read_manifest,
)
from infrakit._provider import PROVIDERS, Provider, supporting
from infrakit._synth import Template, dumps_json, render_synthesis, synthesize
from infrakit._tags import instance_tags
from infrakit.errors import AssemblyError, InfrakitError, SynthError, WiringError, error_context

__all__ = ["MANIFEST", "MANIFEST_VERSION", "Session", "read_manifest", "synth_app", "synth_instance"]


class Session:
    """One synthesis of an app: what it learns about the instances while it runs (each one's
    provider, its outputs' names in its template, its inputs digest), kept here rather than
    written into the :class:`~infrakit._app.App`, which only describes the instances.

    ``previous`` is the assembly being replaced: its entries name the outputs of instances
    that are not rendered in this run, so a consumer synthesized alone (``--only``) never
    re-runs its producer's ``build``.
    """

    def __init__(self, app: App, previous: dict[str, InstanceEntry] | None = None) -> None:
        self.app = app
        self.providers: dict[str, Provider] = {}
        self.output_names: dict[str, dict[str, str]] = {}
        self._shared: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        self._digests: dict[str, str] = {}
        for name, entry in (previous or {}).items():
            provider = PROVIDERS.get(entry.provider)
            if provider is not None and name in app.instances:
                self.providers[name] = provider
            if entry.output_names:
                self.output_names[name] = dict(entry.output_names)

    def learned(self, instance: Instance[Any, Any], synthesis: Synthesis) -> None:
        """Record what rendering ``instance`` told: its provider and its outputs' names."""
        self.providers[instance.name] = synthesis.provider
        names = {
            name: output_name(synthesis.provider, instance.component.outputs_type, name)
            for name, _t, _v in synthesis.outputs
        }
        # One dict for every instance that names its outputs alike (instances of one
        # component): the manifest of many instances holds it once (never mutated).
        self.output_names[instance.name] = self._shared.setdefault(tuple(names.items()), names)

    def output_name(self, ref: OutputRef[Any]) -> str:
        """The name of a wired output in its producer's template: from this run or the previous
        assembly; else in the spelling every registered provider agrees on (an output given its
        own name); else, as a last resort, the producer is built (not rendered) to learn its
        provider."""
        producer = ref.instance
        known = self.output_names.get(producer.name, {}).get(ref.field)
        if known is not None:
            return known
        outputs_type = producer.component.outputs_type
        provider = self.providers.get(producer.name)
        if provider is None:
            spellings = {output_name(p, outputs_type, ref.field) for p in PROVIDERS.values()}
            if len(spellings) == 1:
                return spellings.pop()
            provider = synthesize(producer.component, _resolved_inputs(self.app, producer)).provider
            self.providers[producer.name] = provider
        return output_name(provider, outputs_type, ref.field)

    def digest(self, instance: Instance[Any, Any], *, last: bool = False) -> str:
        """:func:`inputs_digest` of an instance's inputs, computed once (inputs are frozen);
        ``last``: its last use (the manifest entry holds it from then on), no longer kept here."""
        digest = self._digests.pop(instance.name, None) if last else self._digests.get(instance.name)
        if digest is None:
            digest = inputs_digest(instance.inputs, f"instance {instance.name!r}: ")
            tags = instance_tags(instance)
            if tags:  # ik.tags on the app or instance shape the template too
                digest = hashlib.sha256(f"{digest}\0".encode() + _canonical_json(tags)).hexdigest()
            if not last:
                self._digests[instance.name] = digest
        return digest


# --- one instance -------------------------------------------------------------------


def _resolved_inputs(app: App, instance: Instance[Any, Any]) -> Any:
    """The instance's inputs with every wire's integration pattern made explicit."""
    changes: dict[str, Any] = {
        field: OutputRef(ref.instance, ref.field, ref.type, app.integration_of(ref)) for field, ref in instance.wires()
    }
    return attrs.evolve(instance.inputs, **changes) if changes else instance.inputs


def synth_instance(app: App, instance: Instance[Any, Any], session: Session | None = None) -> Template:
    """Synthesize one instance from its component and its own inputs only (recording its
    provider and output names in ``session``)."""
    # An error names the instance (a field, and a prefix of its message): the same exception,
    # its class, cause and traceback kept.
    with error_context(instance=instance.name), _noted(instance):
        synthesis = synthesize(instance.component, _resolved_inputs(app, instance))
        synthesis.app, synthesis.instance = app.name, instance.name
        synthesis.outer_tags = instance_tags(instance)
        synthesis.publish = app.published(instance.name)
        annotate = getattr(synthesis.provider, "annotate", None)
        if app.provenance_in_templates and annotate is not None:
            annotate(synthesis, "infrakit:provenance", provenance_of(instance.component))
    _check_cross_provider(app, instance, synthesis)
    with error_context(instance=instance.name):
        template = render_synthesis(synthesis)
    if session is not None:
        session.learned(instance, synthesis)
    return template


@contextlib.contextmanager
def _noted(instance: Instance[Any, Any]) -> Iterator[None]:
    """A bug in a component's own ``build`` (a ``KeyError``, ...) keeps its class and
    traceback (the user's own line), with a note saying which instance and component raised it
    (shown by Python's traceback and by the CLI's message)."""
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, InfrakitError) and hasattr(exc, "add_note"):
            exc.add_note(f"in instance {instance.name!r} ({_component_name(instance.component)})")
        # Marked as the build's own (an OSError from reading the user's file is not one of
        # writing the assembly: synth_app lets it through unchanged).
        exc._infrakit_build_error = True  # type: ignore[attr-defined]
        raise


def _check_cross_provider(app: App, instance: Instance[Any, Any], synthesis: Synthesis) -> None:
    """Refuse a wire whose integration pattern the instance's provider does not support."""
    provider = synthesis.provider

    def works_between(integration: str) -> str:
        labels = supporting(integration)
        return f"works between {' and '.join(labels)} instances only" if labels else "is supported by no provider"

    for field, ref in instance.wires():
        integration = app.integration_of(ref)
        if integration not in provider.integrations:
            raise WiringError(
                f"app {app.name!r}: {instance.name}.{field} <- {ref.instance.name}.{ref.field}: the {integration} "
                f"integration {works_between(integration)}; use integration='parameters'"
            )
    unsupported = sorted({k for v in synthesis.publish.values() for k in v} - provider.integrations)
    if unsupported:
        raise WiringError(
            f"app {app.name!r}: instance {instance.name!r} is a {provider.label} instance, but consumers read its "
            f"outputs through {', '.join(unsupported)}; that {works_between(unsupported[0])}"
        )


# --- digests ------------------------------------------------------------------------


def _canonical(value: Any, path: str = "inputs", seen: frozenset[int] = frozenset()) -> Any:
    """Inputs as plain JSON data, by value (never through ``repr``, which may hide fields or
    hold a memory address), for a digest that is stable across processes. A value that has
    no such form is an :class:`AssemblyError` naming where it is."""
    if value is None or type(value) in (str, bool, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, OutputRef):
        return {"$wire": [value.instance.name, value.field, value.integration]}
    if value is UNSET:
        return {"$unset": True}
    if id(value) in seen:
        raise AssemblyError(f"{path} refers to itself; inputs must be plain data without cycles")
    seen = seen | {id(value)}
    kind = type(value)
    name = f"{kind.__module__}:{kind.__qualname__}"
    if attrs.has(kind):
        return {
            "$type": name,
            **{a.name: _canonical(getattr(value, a.name), f"{path}.{a.name}", seen) for a in attrs.fields(kind)},
        }
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return {"$type": name, **{f.name: _canonical(getattr(value, f.name), f"{path}.{f.name}", seen) for f in fields}}
    if isinstance(value, enum.Enum):
        return {"$enum": name, "value": _canonical(value.value, path, seen)}
    if isinstance(value, (str, int)):  # a str or int subclass
        return {"$type": name, "value": str(value) if isinstance(value, str) else int(value)}
    if isinstance(value, dict):
        items = [(_canonical(k, f"{path} key", seen), v) for k, v in value.items()]
        keys = [_canonical_json(k).decode() for k, _v in items]
        return {
            "$dict": [
                [key, _canonical(v, f"{path}[{key}]", seen)]
                for key, (_k, v) in sorted(zip(keys, items, strict=True), key=lambda pair: pair[0])
            ]
        }
    if isinstance(value, (list, tuple)):
        return [_canonical(v, f"{path}[{i}]", seen) for i, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        return {"$set": sorted((_canonical(v, f"{path} item", seen) for v in value), key=lambda c: _canonical_json(c))}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
        return {"$ref": f"{value.__module__}:{value.__qualname__}"}
    if isinstance(value, _by_text_types()):
        return {"$type": name, "value": str(value)}
    state = getattr(value, "__dict__", None)
    if not isinstance(state, dict):
        state = {}
    slots = [n for cls in kind.__mro__ for n in getattr(cls, "__slots__", ()) if n not in ("__dict__", "__weakref__")]
    state = {**state, **{n: getattr(value, n) for n in slots if hasattr(value, n)}}
    if state:
        return {"$type": name, "state": _canonical(state, path, seen)}
    text = repr(value)
    if " at 0x" in text or text.startswith("<"):
        raise AssemblyError(
            f"{path}: a {kind.__qualname__} has no value infrakit can digest (its repr, {text[:60]!r}, is not its "
            "value); use plain data, an attrs class or a dataclass in inputs, or synthesize with cache=False"
        )
    return {"$type": name, "repr": text}


def _by_text_types() -> tuple[type, ...]:
    """Values whose ``str`` is their value; their modules imported when first asked (not at
    import: datetime, decimal, fractions, ipaddress and uuid cost ~5 ms of every synth)."""
    if _BY_TEXT:
        return _BY_TEXT[0]
    import datetime
    import decimal
    import fractions
    import ipaddress
    import pathlib
    import uuid

    _BY_TEXT.append(
        (
            pathlib.PurePath,
            datetime.date,
            datetime.time,
            datetime.timedelta,
            decimal.Decimal,
            fractions.Fraction,
            uuid.UUID,
            ipaddress.IPv4Address,
            ipaddress.IPv6Address,
            ipaddress.IPv4Network,
            ipaddress.IPv6Network,
            complex,
        )
    )
    return _BY_TEXT[0]


_BY_TEXT: list[tuple[type, ...]] = []


def _canonical_json(data: Any) -> bytes:
    """Compact JSON with sorted keys, for digests (orjson; the standard library for what
    orjson cannot write, such as integers beyond 64 bits)."""
    import orjson

    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def inputs_digest(inputs: Any, where: str = "") -> str:
    """sha256 of an inputs object's canonical JSON (by value: see :func:`_canonical`)."""
    path = f"{where}{type(inputs).__qualname__}"
    try:
        data = _canonical(inputs, path)
    except RecursionError:
        raise AssemblyError(f"{path}: the inputs are nested too deeply to digest") from None
    return hashlib.sha256(_canonical_json(data)).hexdigest()


class _CodeDigests:
    """sha256 of the source that a component's template can depend on: infrakit's own, and
    every module file of each top-level package that the component's classes come from or
    that its module imports by name (a base class, an embedded component or a helper from a
    reusable package); the standard library aside.

    Files are found on disk, not in ``sys.modules``: which modules happen to be loaded
    (infrakit loads its renderer and service modules lazily) must not change the digest,
    or the manifest would differ between runs and the cache would miss.

    A package with no file on disk (a component typed into ``python -``, a notebook or
    ``exec``) has no source to digest: its components are never taken from the cache.
    """

    def __init__(self, out: Path | None = None) -> None:
        self._by_package: dict[str, str | None] = {}
        self._by_component: dict[type, str] = {}
        self._sourceless: set[type] = set()
        self._out = out  # the assembly directory: never part of a package's digest

    def __call__(self, component: type) -> str:
        known = self._by_component.get(component)
        if known is None:
            known = self._by_component[component] = self._digest(component)
        return known

    def cacheable(self, component: type) -> bool:
        """Whether all of the component's code was digested (see the class's docstring)."""
        self(component)
        return component not in self._sourceless

    def _digest(self, component: type) -> str:
        h = hashlib.sha256(_infrakit_digest().encode())
        for package in _packages(component):
            if package not in self._by_package:
                self._by_package[package] = _package_digest(package, self._out)
            digest = self._by_package[package]
            if digest is None:
                self._sourceless.add(component)
            h.update(f"{package}\0{digest}\0".encode())
        return h.hexdigest()


def _packages(component: type) -> list[str]:
    """The top-level packages whose code a component's template can depend on: those of its
    classes, and every package reachable from its module through imports, to any depth (an
    app's helper module that imports a reusable package counts); the standard library and
    infrakit aside.

    The walk follows module attributes (modules, classes and functions, by the module that
    defines them) and, within a package that is hashed anyway, every loaded submodule."""
    skip = _NOT_HASHED | set(getattr(sys, "stdlib_module_names", ()))
    tops: set[str] = set()
    seen: set[str] = set()
    todo = [cls.__module__ for cls in component.__mro__]
    while todo:
        name = todo.pop()
        if not isinstance(name, str) or name in seen:
            continue
        seen.add(name)
        top = name.split(".", 1)[0]
        if top in skip:
            continue
        if top not in tops:
            tops.add(top)
            todo.extend(m for m in list(sys.modules) if m.startswith(top + "."))
        module = sys.modules.get(name)
        for value in list(vars(module).values()) if module is not None else ():
            if isinstance(value, types.ModuleType):
                todo.append(value.__name__)
            elif isinstance(value, (type, types.FunctionType)):
                todo.append(value.__module__)
    return sorted(tops)


def _package_digest(package: str, skip: Path | None) -> str | None:
    """sha256 of everything of a top-level package that a build can read: for a package
    installed from a distribution, its RECORD (which lists every file it installed, data
    files included, with their sha256); otherwise every file of it (see ``_module_files``).
    ``None``: it has no file on disk (its source cannot be digested)."""
    dist = distribution_of(package)
    record = dist.record() if dist is not None else None
    if record is not None:
        return hashlib.sha256(b"RECORD\0" + record).hexdigest()
    found = _module_files(sys.modules.get(package), data=True, skip=skip)
    if not found:
        return None
    files = hashlib.sha256()
    _hash_files(files, found)
    return files.hexdigest()


_NOT_HASHED = frozenset({"builtins", "infrakit"})  # infrakit: in every digest already


def _module_files(module: Any, *, data: bool = False, skip: Path | None = None) -> list[tuple[str, str]]:
    """``(relative name, path)`` of every ``.py`` file of a package, or a module's one file.

    ``data``: every other file of the package too (a ``policy.json`` that ``build`` reads),
    except compiled bytecode, hidden files and directories, and the directory ``skip`` (an
    assembly written inside the package); of a single-file module (an ``app.py`` given to the
    CLI), every such file beside it, not in its directory's subdirectories (which may hold a
    virtual environment)."""
    paths = list(getattr(module, "__path__", None) or ())
    if paths:
        # os.scandir rather than os.walk and Path objects: a directory entry knows whether it
        # is a file or a directory without another system call (infrakit's own 700 files: 1 ms
        # instead of 9).
        found = []
        for i, root in enumerate(paths):
            todo = [(os.fspath(root), f"{i}/")]
            while todo:
                folder, prefix = todo.pop()
                with os.scandir(folder) as entries:
                    for entry in entries:
                        name = entry.name
                        if entry.is_dir(follow_symlinks=False):
                            hidden = name.startswith(".") or name == "__pycache__"
                            if not hidden and (skip is None or Path(entry.path) != skip):
                                todo.append((entry.path, f"{prefix}{name}/"))
                            continue
                        if _wanted(name, data) and entry.is_file():
                            found.append((prefix + name, entry.path))
        return sorted(found)
    path = getattr(module, "__file__", None)
    if not path or not os.path.isfile(path):
        return []
    if not data:
        return [(os.path.basename(path), path)]
    with os.scandir(os.path.dirname(path) or ".") as entries:  # the module's file among them
        return sorted((entry.name, entry.path) for entry in entries if _wanted(entry.name, True) and entry.is_file())


def _wanted(name: str, data: bool) -> bool:
    """Whether a file of a package is part of its digest (see :func:`_module_files`)."""
    return name.endswith(".py") or (data and not name.startswith(".") and not name.endswith((".pyc", ".pyo")))


def _hash_files(h: Any, files: list[tuple[str, str]]) -> None:
    for name, path in files:
        h.update(name.encode() + b"\0")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            file = hashlib.sha256()
            while chunk := os.read(fd, 1 << 20):
                file.update(chunk)
        finally:
            os.close(fd)
        h.update(file.digest())


_INFRAKIT_DIGEST: list[str] = []


def _infrakit_digest() -> str:
    """sha256 of infrakit's version and source, once per process.

    infrakit installed from a wheel: its distribution's ``RECORD``, which lists every file
    the installer wrote with that file's sha256, so it changes whenever any file does (the
    same measure as for every other installed package, see :func:`_package_digest`): one
    small file read instead of 11 MB of source, catalogues and schema tables hashed. In a
    source checkout or an editable install (no ``RECORD`` beside the package): every file
    of the source, hashed."""
    if not _INFRAKIT_DIGEST:
        h = hashlib.sha256(infrakit.__version__.encode())
        dist = distribution_of("infrakit")
        record = dist.record() if dist is not None else None
        if record is not None:
            h.update(b"RECORD\0" + record)
        else:
            _hash_files(h, _module_files(infrakit))
        _INFRAKIT_DIGEST.append(h.hexdigest())
    return _INFRAKIT_DIGEST[0]


def _digest_in_background() -> Callable[[], None]:
    """Start :func:`_infrakit_digest` on a thread; return the function that waits for it
    (if it failed, the caller's own call computes it again and raises where it belongs)."""
    if _INFRAKIT_DIGEST:
        return lambda: None
    import threading

    def run() -> None:
        with contextlib.suppress(Exception):
            _infrakit_digest()

    thread = threading.Thread(target=run, name="infrakit-digest", daemon=True)
    thread.start()
    return thread.join


# --- the assembly -------------------------------------------------------------------


def _previous(out: Path) -> Manifest | None:
    """The manifest of the assembly at ``out`` (``None``: no assembly there yet); refuses a
    directory that is not an assembly."""
    if not out.exists():
        return None
    if not out.is_dir():
        raise AssemblyError(f"{out} exists and is not a directory; choose another output directory")
    if not (out / MANIFEST).exists():
        if any(out.iterdir()):
            raise AssemblyError(
                f"{out} is not empty and holds no {MANIFEST}; refusing to replace it (choose another output directory)"
            )
        return None
    try:
        return read_manifest(out)
    except AssemblyError as exc:
        raise AssemblyError(f"{out} holds a {MANIFEST} that is not infrakit's; refusing to replace it: {exc}") from None


def _owned_previous(
    out: Path, app: App, force: bool
) -> tuple[dict[str, InstanceEntry], dict[str, AssetEntry], list[str]]:
    """The previous assembly's instances and assets, and the names of the entries of ``out``
    that are not infrakit's (a user's own files, carried over). An assembly of another app is
    refused unless ``force`` (then nothing of it is reused)."""
    manifest = _previous(out)
    if manifest is None:
        return {}, {}, []
    previous = dict(manifest.instances)
    owner = manifest.app
    if owner != app.name:
        if not force:
            raise AssemblyError(
                f"{out} holds the assembly of app {owner!r}, not of {app.name!r}; refusing to replace it. "
                "Choose another output directory, or pass force=True (CLI: --force) to replace it"
            )
        previous = {}
    known = {MANIFEST, *(entry.template for entry in manifest.instances.values())}
    known |= {asset.path for asset in manifest.assets.values()}
    return previous, dict(manifest.assets) if previous else {}, _outdir.foreign_entries(out, known)


def _entry(
    session: Session, instance: Instance[Any, Any], template: Template, filename: str, data: bytes
) -> InstanceEntry:
    synthesis = template.synthesis
    provider = synthesis.provider
    parameters: dict[str, ParameterEntry] = {}
    imports: dict[str, ParameterEntry] = {}
    for p in synthesis.parameters.values():
        name = parameter_name(provider, p)
        if p.source is not None:
            ref = p.source
            source = WireSource(instance=ref.instance.name, output=session.output_name(ref))
            if p.integration == "exports":
                # Read with Fn::ImportValue: the template has no such parameter to pass.
                imports[name] = ParameterEntry(source=source)
                continue
            integration = p.integration if p.integration != "parameters" else None
        else:
            source, integration = None, None
        default = None
        if not p.options.secret and p.default is not UNSET:
            default = list(p.default) if isinstance(p.default, tuple) else p.default
        parameters[name] = ParameterEntry(
            source=source, integration=integration, secret=p.options.secret, default=default
        )
    names = session.output_names[instance.name]
    return InstanceEntry(
        provider=provider.name,
        component=_component_name(instance.component),
        template=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        inputs_sha256=session.digest(instance, last=True),
        parameters=parameters,
        outputs=[names[field] for field, _t, _v in synthesis.outputs],
        depends_on=instance.depends_on(),
        imports=imports,
        output_names=names,
        contract=contract_of(instance.component),
        provenance=provenance_of(instance.component),
        assets=assets_in(data),
    )


def _render_one(session: Session, instance: Instance[Any, Any], format: str) -> tuple[str, bytes, InstanceEntry]:
    template = synth_instance(session.app, instance, session)
    suffix = template.synthesis.provider.template_suffix
    if format == "yaml":
        suffix = suffix.rsplit(".", 1)[0] + ".yaml"
        data = template.to_yaml().encode("utf-8")
    else:
        data = template.to_json().encode("utf-8")
    filename = instance.name + suffix
    return filename, data, _entry(session, instance, template, filename, data)


_FORKED: tuple[Session, str] | None = None


def _render_forked(name: str) -> tuple[tuple[str, bytes, InstanceEntry], list[Asset]]:
    assert _FORKED is not None
    session, format = _FORKED
    result = _render_one(session, session.app.instances[name], format)
    return result, [known_asset(i) for i in result[2].assets]  # the parent may not know them


def _render_many(
    session: Session,
    todo: list[Instance[Any, Any]],
    format: str,
    jobs: int,
    tick: Callable[[], None],
    write: Callable[[str, bytes], None],
    keep: Callable[[str, InstanceEntry], None],
) -> None:
    """Render ``todo``, handing each template file to ``write(filename, data)`` and its
    manifest entry to ``keep(name, entry)`` as soon as it is rendered: memory stays flat in
    the number of instances (no template, build or file content outlives its instance's turn)."""
    if jobs > 1 and len(todo) > jobs and sys.platform != "win32":
        import multiprocessing

        global _FORKED
        _FORKED = (session, format)
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                chunk = max(1, len(todo) // (jobs * 8))
                for instance, ((filename, data, entry), assets) in zip(
                    todo, pool.imap(_render_forked, [i.name for i in todo], chunksize=chunk), strict=False
                ):
                    write(filename, data)
                    keep(instance.name, entry)
                    remember_assets(assets)
                    tick()
        finally:
            _FORKED = None
        return
    for instance in todo:
        filename, data, entry = _render_one(session, instance, format)
        write(filename, data)
        keep(instance.name, entry)
        tick()


def synth_app(
    app: App,
    out_dir: str | os.PathLike[str],
    *,
    only: Sequence[str] | None = None,
    format: str = "json",
    jobs: int = 1,
    cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    force: bool = False,
    report: Callable[[str, bool], None] | None = None,
) -> dict[str, Any]:
    """Synthesize ``app`` into the assembly ``out_dir``; see :meth:`App.synth`."""
    if format not in ("json", "yaml"):
        raise AssemblyError(f"unknown format {format!r}; use json or yaml")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise AssemblyError(f"jobs must be a whole number of processes, at least 1; got {jobs!r}")
    if not isinstance(out_dir, (str, os.PathLike)) or not os.fspath(out_dir):
        raise AssemblyError(f"the output directory must be a path (str or pathlib.Path), got {out_dir!r}")
    if isinstance(only, str):
        raise AssemblyError(f"only takes a list of instance names, got the str {only!r}; write only=[{only!r}]")
    out = _output_path(out_dir)
    selected = app.select(only)
    _outdir.prepare_parent(out, out_dir)
    # One writer at a time: the previous manifest read here must still be the one in place
    # when the new assembly replaces it (see infrakit._outdir).
    with _outdir.locked(out):
        _outdir.clean_leftovers(out)
        try:
            return _synth_locked(app, out, selected, only, format, jobs, cache, progress, force, report)
        except OSError as exc:
            if getattr(exc, "_infrakit_build_error", False):
                raise  # the component's own build failed, not the writing (see _noted)
            where = f" ({exc.filename})" if exc.filename else ""
            raise AssemblyError(
                f"{out_dir}: cannot write the assembly{where}: {_outdir.describe_os_error(exc)}"
            ) from exc


def _synth_locked(
    app: App,
    out: Path,
    selected: list[Instance[Any, Any]],
    only: Sequence[str] | None,
    format: str,
    jobs: int,
    cache: bool,
    progress: Callable[[int, int], None] | None,
    force: bool,
    report: Callable[[str, bool], None] | None = None,
) -> dict[str, Any]:
    previous, previous_assets, foreign = _owned_previous(out, app, force)
    packaged: dict[str, bool] = {}  # whether a previous asset still packages to its id
    code = _CodeDigests(out)
    session = Session(app, previous)

    keys: dict[str, str] = {}
    reuse: dict[str, InstanceEntry] = {}
    todo: list[Instance[Any, Any]] = []
    # With no previous assembly nothing can be reused, and the cache keys are needed only for
    # the new manifest: infrakit's own digest (in a source checkout, hashing its 11 MB of
    # source) runs on a thread beside the rendering (hashing and reading release the GIL),
    # and the keys are computed after it. Not with jobs > 1: no thread may run at a fork.
    later = _digest_in_background() if not previous and jobs == 1 else None
    for instance in selected if later is None else ():
        key = _cache_key(session, instance, code, format)
        keys[instance.name] = key
        old = previous.get(instance.name)
        if (
            cache
            and old is not None
            and old.cache_key == key
            and all(code.cacheable(c) for c in _components_of(instance))
            and _intact(out, old)
            and _assets_current(old, previous_assets, packaged)
        ):
            reuse[instance.name] = old
        else:
            todo.append(instance)
    if later is not None:
        todo = list(selected)
    # Instances not selected keep what the previous assembly has for them.
    if only is not None:
        for name, old in previous.items():
            if name in app.instances and name not in keys and _intact(out, old):
                reuse[name] = old

    done = [0]
    total = len(todo)

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    writer = _Writer()
    try:
        os.chmod(staging, 0o777 & ~_umask())

        def write(filename: str, data: bytes) -> None:
            writer.submit(_write_new, os.path.join(staging, filename), data)

        # Of each instance, only its manifest data is kept (everything the rest of this function
        # reads is in it), never its InstanceEntry: memory flat in the number of instances.
        shared: dict[Any, Any] = {}
        entries: dict[str, dict[str, Any]] = {}

        def keep(name: str, entry: InstanceEntry) -> None:
            data = entries[name] = entry_data(entry, shared)
            key = keys.pop(name, None)
            if key is not None:  # cache_key is an entry's last field: added last, in its place
                data["cache_key"] = key

        # A consumer rendered now names its producers' outputs in the manifest, in the
        # producer's provider's spelling: the session knows them from the previous manifest.
        # Each template goes into the staging directory as it is rendered.
        _render_many(session, todo, format, jobs, tick, write, keep)
        if later is not None:
            later()
            for instance in todo:  # every instance (nothing to reuse), its inputs digest in its entry
                data = entries[instance.name]
                data["cache_key"] = _cache_key(session, instance, code, format, data["inputs_sha256"])
        for name, entry in reuse.items():
            writer.submit(_outdir.link_or_copy, out / entry.template, staging / entry.template)
            keep(name, entry)
        # Each asset an instance uses: packaged now (rendered instances) or carried over.
        assets: dict[str, AssetEntry] = {}
        for name in sorted(entries):
            for asset_id in entries[name].get("assets", ()):
                if asset_id in assets:
                    continue
                if name not in reuse:
                    asset = known_asset(asset_id)
                    assets[asset_id] = asset.entry()
                    writer.submit(_write_new, os.path.join(staging, asset.filename), asset.data)
                else:
                    assets[asset_id] = previous_assets[asset_id]
                    writer.submit(_outdir.link_or_copy, out / assets[asset_id].path, staging / assets[asset_id].path)
        writer.finish()
        # Rendered templates are read back from the staging directory, by a provider whose
        # names are shared (GCP) only.
        _check_shared_names(app, entries, reuse, out, staging)
        # A user's own files in the assembly directory are kept, never silently deleted.
        if foreign:
            written = {e["template"] for e in entries.values()} | {a.path for a in assets.values()} | {MANIFEST}
            _outdir.carry_foreign(out, staging, foreign, written)
        manifest = Manifest(app=app.name, integration=app.integration, instances={}, assets=assets).to_dict()
        manifest["instances"] = {name: entries.pop(name) for name in sorted(entries)}  # its place kept
        _write_manifest(staging / MANIFEST, manifest)
        _swap(staging, out)
    except BaseException:
        writer.abandon()  # no write may land in the staging directory once it is removed
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if report is not None:  # once the new assembly is in place: rendered now, or carried over
        for name in manifest["instances"]:
            report(name, name in reuse)
    return manifest


def _check_shared_names(
    app: App, entries: dict[str, dict[str, Any]], reused: dict[str, InstanceEntry], out: Path, staging: Path
) -> None:
    """Refuse two instances deploying one name where a provider's names are shared by every
    deployment (GCP: project-global); the provider says which names, with ``shared_names``.
    ``entries``: the new manifest's data; ``reused``: the instances carried over (their
    templates are in ``out``, the others' in ``staging``)."""
    seen: dict[str, tuple[str, str]] = {}
    for name in sorted(entries):
        entry = entries[name]
        provider = PROVIDERS.get(entry["provider"])
        if provider is None:
            continue
        # The template is read only by a provider whose names are shared (GCP), never for AWS.
        template = ((out if name in reused else staging) / entry["template"]).read_bytes
        for key, resource in provider.shared_names(name, template):
            if key in seen and seen[key][0] != name:
                other, theirs = seen[key]
                raise SynthError(
                    f"app {app.name!r}: instances {other!r} and {name!r} would both deploy {key} (resource {theirs!r} "
                    f"of {other!r}, resource {resource!r} of {name!r}); rename one of the resources or instances"
                )
            seen[key] = (name, resource)


def _output_path(out_dir: str | os.PathLike[str]) -> Path:
    """The real path of the assembly directory: through a symlink (which stays in place, and
    whose target is replaced), and never the current directory or one that holds it (which
    the swap would move away from under the process)."""
    try:
        out = Path(out_dir).resolve()
    except (RuntimeError, OSError):  # Python < 3.13 reports a symlink loop as a RuntimeError
        raise AssemblyError(f"{out_dir}: the output path has a symbolic link loop; choose another one") from None
    cwd = Path.cwd().resolve()
    if out == cwd or out in cwd.parents:
        raise AssemblyError(
            f"{out_dir}: the output directory is (or holds) the current directory; choose a directory inside it"
        )
    return out


def _cache_key(
    session: Session, instance: Instance[Any, Any], code: _CodeDigests, format: str, digest: str | None = None
) -> str:
    """The instance's cache key; ``digest``: its inputs digest, when already known."""
    app = session.app
    # The producer's component and its code too: the consumer's manifest entry names the
    # output in the producer's spelling, and its template may read the producer's output
    # options (an export_name), from a package the consumer's own code never imports.
    wires = [
        [
            f,
            ref.instance.name,
            _component_name(ref.instance.component),
            code(ref.instance.component),
            ref.field,
            app.integration_of(ref),
        ]
        for f, ref in instance.wires()
    ]
    material = {
        "app": app.name,
        "component": _component_name(instance.component),
        "code": code(instance.component),
        "inputs": session.digest(instance) if digest is None else digest,
        "wires": wires,
        "published": app.published(instance.name),
        "provenance": provenance_of(instance.component),
        "provenance_in_templates": app.provenance_in_templates,
        "format": format,
    }
    return hashlib.sha256(_canonical_json(material)).hexdigest()


def _components_of(instance: Instance[Any, Any]) -> list[type]:
    """The components whose code an instance's template depends on: its own and its producers'."""
    return [instance.component, *(ref.instance.component for _f, ref in instance.wires())]


def _component_name(component: type) -> str:
    # One string per class, not one per instance (the manifest data holds it per instance).
    name = _COMPONENT_NAMES.get(component)
    if name is None:
        name = _COMPONENT_NAMES[component] = f"{component.__module__}:{component.__qualname__}"
    return name


_COMPONENT_NAMES: dict[type, str] = {}


_WRITERS = 4
_SERIAL = 64  # writes done in line before the threads start: a small app starts none
_IN_FLIGHT = 64  # writes queued at most: their bytes are all the memory they hold


class _Writer:
    """File writes into the staging directory, as they come: in line for the first
    ``_SERIAL``, then on a few threads (creating a file is mostly waiting for the kernel,
    about 0.5-1 ms each on a virtual disk, and threads overlap that while the next
    instance renders), with at most ``_IN_FLIGHT`` queued so that memory stays flat."""

    def __init__(self) -> None:
        self._count = 0
        self._pool: Any = None
        self._pending: collections.deque[Any] = collections.deque()

    def submit(self, write: Callable[..., object], *args: Any) -> None:
        self._count += 1
        if self._pool is None:
            if self._count <= _SERIAL:
                write(*args)
                return
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=_WRITERS)
        self._pending.append(self._pool.submit(write, *args))
        while len(self._pending) > _IN_FLIGHT:
            self._pending.popleft().result()  # re-raises a failed write

    def finish(self) -> None:
        """Wait for every write; re-raise the first that failed."""
        while self._pending:
            self._pending.popleft().result()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def abandon(self) -> None:
        """Drop the queued writes and wait for those running (on an error)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _write_new(path: str, data: bytes) -> None:
    """Write a file that must not exist yet (the staging directory is fresh): plain
    ``os`` calls, half the cost of a file object for a thousand small templates."""
    fd = os.open(path, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write ``dumps_json(manifest)``'s bytes one instance at a time, so that the text of a
    manifest of ten thousand instances (megabytes) is never held whole."""
    import orjson

    indented = orjson.OPT_INDENT_2
    try:
        with open(path, "xb") as f:
            f.write(b"{")
            for i, (key, value) in enumerate(manifest.items()):
                f.write(b"\n  " if i == 0 else b",\n  ")
                f.write(orjson.dumps(key) + b": ")
                if key != "instances" or not value:
                    f.write(orjson.dumps(value, option=indented).replace(b"\n", b"\n  "))
                    continue
                f.write(b"{")
                for j, (name, entry) in enumerate(value.items()):
                    f.write(b"\n    " if j == 0 else b",\n    ")
                    f.write(orjson.dumps(name) + b": " + orjson.dumps(entry, option=indented).replace(b"\n", b"\n    "))
                f.write(b"\n  }")
            f.write(b"\n}\n" if manifest else b"}\n")
    except orjson.JSONEncodeError:
        path.unlink()
        path.write_bytes(dumps_json(manifest))  # raises the error that names where


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _intact(out: Path, entry: InstanceEntry) -> bool:
    """Whether a previous template file is there with the digest its manifest records."""
    try:
        data = (out / entry.template).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == entry.sha256


def _assets_current(entry: InstanceEntry, recorded: dict[str, AssetEntry], packaged: dict[str, bool]) -> bool:
    """Whether every asset a cached instance uses still packages to the same bytes: an
    asset's files are not part of the cache key (the component reads them in ``build``).
    ``recorded``: the previous manifest's assets; ``packaged``: the answers of this run so
    far, by asset id (an asset many instances share is packaged once)."""
    for asset_id in entry.assets:
        current = packaged.get(asset_id)
        if current is None:
            current = packaged[asset_id] = _packages_to(asset_id, recorded.get(asset_id))
        if not current:
            return False
    return True


def _packages_to(asset_id: str, recorded: AssetEntry | None) -> bool:
    from infrakit._asset import package

    if recorded is None:
        return False
    try:
        return hashlib.sha256(package(recorded.source)[0]).hexdigest() == asset_id
    except (InfrakitError, OSError):
        return False


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False
    where the system cannot, so the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # no renameat2 in this C library
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system or kernel cannot
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def _swap(staging: Path, out: Path) -> None:
    """Put the complete staging directory in place of ``out``: in one atomic exchange
    where the system offers it (readers see the old assembly or the new one, never
    neither), else by two renames (a crash between them leaves the old assembly as
    ``.<out>.old-*`` beside the new location, never a half-written one)."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old assembly
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    try:
        os.rename(out, retired / out.name)
    except BaseException:
        os.rmdir(retired)
        raise
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(retired / out.name, out)
        os.rmdir(retired)
        raise
    shutil.rmtree(retired, ignore_errors=True)
