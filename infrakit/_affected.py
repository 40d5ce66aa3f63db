"""Which consumers a change really affects: ``infrakit diff``'s ``affected``.

A consumer is affected when an output it consumes can have a new value. An output can have
one when its producer changed and the output's definition, or anything it refers to
(resources, parameters, conditions, mappings, transitively), differs between the two
templates, or when it refers to a parameter (or import) wired from an output that can have a
new value, or rewired.
Which outputs a template change can move, the instance's provider says
(``moved_outputs``, an optional method of :class:`~infrakit._provider.Provider`): this module
reads only the manifests. A template that cannot be read, or a provider that cannot tell,
counts as changing every output. Sound, not exact.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from infrakit._manifest import InstanceEntry, Manifest, ParameterEntry, read_template
from infrakit._provider import provider_named
from infrakit.errors import AssemblyError

__all__ = ["affected_consumers"]


def affected_consumers(
    old_dir: str | os.PathLike[str],
    new_dir: str | os.PathLike[str],
    old_manifest: Manifest,
    new_manifest: Manifest,
    changed: Collection[str],
) -> list[str]:
    """The instances not in ``changed`` that consume (directly or through other instances)
    an output of a changed instance that can have a new value, sorted."""
    from infrakit._deploy import _ordered

    old, new = old_manifest.instances, new_manifest.instances
    order = _ordered(set(new), {n: e.depends_on for n, e in new.items()})
    # For each instance: the names of its outputs that can have a new value.
    moved: dict[str, set[str]] = {}
    affected: set[str] = set()
    for name in order:
        entry = new[name]
        wired_moved = {
            key
            for key, p in _wired(entry).items()
            if p.source is not None and p.source.output in moved.get(p.source.instance, set())
        }
        if wired_moved and name not in changed:
            affected.add(name)
        if name in changed or wired_moved:
            moved[name] = _moved_outputs(
                Path(old_dir), Path(new_dir), old.get(name), entry, name in changed, wired_moved
            )
    return sorted(affected)


def _wired(entry: InstanceEntry) -> dict[str, ParameterEntry]:
    return {**entry.parameters, **entry.imports}


def _load(directory: Path, entry: InstanceEntry | None) -> Mapping[str, Any] | None:
    if entry is None:
        return None
    try:
        return read_template(directory / entry.template)
    except AssemblyError:  # unreadable: the caller assumes everything changed
        return None


def _moved_outputs(
    old_dir: Path,
    new_dir: Path,
    old_entry: InstanceEntry | None,
    new_entry: InstanceEntry,
    template_changed: bool,
    wired_moved: set[str],
) -> set[str]:
    """The outputs of one instance that can have a new value."""
    everything = set(new_entry.outputs) | set(new_entry.output_names.values())
    moved_by = getattr(provider_named(new_entry.provider), "moved_outputs", None)
    new_t = _load(new_dir, new_entry)
    old_t = _load(old_dir, old_entry) if template_changed else new_t
    if moved_by is None or new_t is None or old_t is None:
        return everything
    # The parameters fed a value that can differ: from a moved output, or rewired (another
    # source or integration, the same template). An import is read with Fn::ImportValue, not
    # a parameter: every import counts then.
    old_wires = _wired(old_entry) if old_entry is not None else {}
    fed = wired_moved | {k for k, p in _wired(new_entry).items() if old_wires.get(k) != p}
    moved: set[str] | None = moved_by(old_t, new_t, fed, bool(fed & set(new_entry.imports)))
    return everything if moved is None else moved
