"""``infrakit diff``: what changed between two assemblies, and who that touches.

The set of pipelines to run after a change: the instances whose deployment changes
(``changed``), the consumers of those (``affected``), the instances gone (``removed``), and
the contract view (``contract``): per instance, outputs added/removed/retyped and inputs
added/removed/now required, each classified breaking or compatible, with the consumers that a
breaking change hits.
"""

from __future__ import annotations

import os
from typing import Any

import attrs

from infrakit._describe import ContractChange, compare_contracts
from infrakit._manifest import InstanceEntry, Manifest, read_manifest

__all__ = ["AssemblyDiff", "diff_assemblies"]


@attrs.frozen
class AssemblyDiff:
    """The result of :func:`diff_assemblies`."""

    changed: list[str]
    affected: list[str]
    removed: list[str]
    contract: list[ContractChange]

    @property
    def breaking(self) -> list[ContractChange]:
        """The contract changes that break a consumer or whoever configures the instance."""
        return [c for c in self.contract if c.breaking]

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "affected": self.affected,
            "removed": self.removed,
            "contract": [c.to_dict() for c in self.contract],
        }


def _deployed_shape(entry: InstanceEntry) -> tuple[Any, ...]:
    """Everything of an instance that changes what the deployer does: its template, and what it
    passes to each parameter (where a wired value comes from, how, defaults, secrets)."""
    return (entry.provider, entry.sha256, entry.parameters, entry.imports, entry.assets)


def _output_fields(entry: InstanceEntry) -> dict[str, str]:
    """Output name in the template -> output field of the component."""
    return {name: field for field, name in entry.output_names.items()}


def _wired_by(manifest: Manifest) -> dict[str, dict[str, list[str]]]:
    """producer -> output field -> consumers wiring it, in ``manifest``."""
    result: dict[str, dict[str, set[str]]] = {}
    for consumer, entry in manifest.instances.items():
        for parameter in [*entry.parameters.values(), *entry.imports.values()]:
            source = parameter.source
            if source is None or source.instance not in manifest.instances:
                continue
            field = _output_fields(manifest.instances[source.instance]).get(source.output, source.output)
            result.setdefault(source.instance, {}).setdefault(field, set()).add(consumer)
    return {p: {f: sorted(c) for f, c in fields.items()} for p, fields in result.items()}


def _contract_changes(old: Manifest, new: Manifest) -> list[ContractChange]:
    """The contract changes of every instance in both manifests. A breaking change hits the
    consumers wired to the output in the old assembly (those deployed against it) and in the
    new one."""
    old_wired, new_wired = _wired_by(old), _wired_by(new)
    contract: list[ContractChange] = []
    for name in sorted(set(old.instances) & set(new.instances)):
        wired: dict[str, list[str]] = {}
        for source in (old_wired.get(name, {}), new_wired.get(name, {})):
            for field, names in source.items():
                wired[field] = sorted({*wired.get(field, ()), *names})
        contract.extend(compare_contracts(name, old.instances[name].contract, new.instances[name].contract, wired))
    return contract


def diff_assemblies(old_dir: str | os.PathLike[str], new_dir: str | os.PathLike[str]) -> AssemblyDiff:
    """Which instances changed between the assemblies in ``old_dir`` and ``new_dir``.

    ``changed``: added, or whose deployment differs (template, or what its parameters are
    given: a consumer rewired to another output is changed even if its template is not);
    ``affected``: not changed themselves, but consuming (directly or not) an output of a
    changed one that can have a new value (read from the two templates: see
    :mod:`infrakit._affected`); ``removed``: gone from the new one; ``contract``: the
    contract changes of every instance in both.
    """
    from infrakit._affected import affected_consumers

    old, new = read_manifest(old_dir), read_manifest(new_dir)
    changed = sorted(
        name
        for name, entry in new.instances.items()
        if name not in old.instances or _deployed_shape(old.instances[name]) != _deployed_shape(entry)
    )
    return AssemblyDiff(
        changed=changed,
        affected=affected_consumers(old_dir, new_dir, old, new, changed),
        removed=sorted(n for n in old.instances if n not in new.instances),
        contract=_contract_changes(old, new),
    )
