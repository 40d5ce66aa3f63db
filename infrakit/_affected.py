"""Which consumers a change really affects: ``infrakit diff``'s ``affected``.

A consumer is affected when an output it consumes can have a new value. An output can have
one when its producer changed and the output's definition, or anything it refers to
(resources, parameters, conditions, mappings, transitively), differs between the two
templates, or when it refers to a parameter (or import) wired from an output that can have a
new value, or rewired.
Templates the analysis cannot read (another provider's format) count as changing every
output. Sound, not exact: a changed resource whose physical id survives the update still
counts as moving the outputs that refer to it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from infrakit._manifest import InstanceEntry, Manifest, ParameterEntry, read_template
from infrakit.errors import AssemblyError

__all__ = ["affected_consumers"]

_SECTIONS = ("Resources", "Parameters", "Conditions", "Mappings")
#: What every ``Fn::ImportValue`` refers to (an import's export name is not traced).
_IMPORTS = ("Imports", "*")


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


def _load(directory: Path, entry: InstanceEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    try:
        data = read_template(directory / entry.template)
    except AssemblyError:  # unreadable: the caller assumes everything changed
        return None
    return data if isinstance(data.get("Resources"), dict) else None


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
    new_t = _load(new_dir, new_entry)
    old_t = _load(old_dir, old_entry) if template_changed else new_t
    if new_t is None or old_t is None:
        return everything
    # Elements whose definition differs, and the parameters fed a value that can differ: from
    # a moved output, or rewired (another source or integration, the same template). An
    # import is read with Fn::ImportValue, not a parameter: every import counts then.
    old_wires = _wired(old_entry) if old_entry is not None else {}
    fed = wired_moved | {k for k, p in _wired(new_entry).items() if old_wires.get(k) != p}
    dirty: set[tuple[str, str]] = {("Parameters", k) for k in fed}
    if fed & set(new_entry.imports):
        dirty.add(_IMPORTS)
    for section in _SECTIONS:
        a, b = old_t.get(section) or {}, new_t.get(section) or {}
        dirty |= {(section, k) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    moved: set[str] = set()
    outputs_old, outputs_new = old_t.get("Outputs") or {}, new_t.get("Outputs") or {}
    for name, definition in outputs_new.items():
        if outputs_old.get(name) != definition or _closure(new_t, definition) & dirty:
            moved.add(name)
    return moved


def _closure(template: Mapping[str, Any], value: Any) -> set[tuple[str, str]]:
    """Every template element that ``value`` refers to, directly or through others."""
    found: set[tuple[str, str]] = set()
    todo = list(_refs(template, value))
    while todo:
        item = todo.pop()
        if item in found:
            continue
        found.add(item)
        section, name = item
        todo.extend(_refs(template, (template.get(section) or {}).get(name)))
    return found


def _refs(template: Mapping[str, Any], value: Any) -> set[tuple[str, str]]:
    """The elements a piece of a template names: Ref, Fn::GetAtt, Fn::Sub variables,
    Condition / Fn::If conditions, Fn::FindInMap maps, DependsOn, and imports."""
    found: set[tuple[str, str]] = set()
    stack = [value]
    sections = {s: template.get(s) or {} for s in _SECTIONS}

    def name(target: str) -> None:
        for section in ("Resources", "Parameters"):
            if target in sections[section]:
                found.add((section, target))

    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, arg in item.items():
                if key == "Ref" and isinstance(arg, str):
                    name(arg)
                elif key == "Fn::GetAtt":
                    target = arg[0] if isinstance(arg, list) and arg else str(arg).split(".", 1)[0]
                    if isinstance(target, str):
                        name(target)
                elif key == "Fn::Sub":
                    text = arg[0] if isinstance(arg, list) and arg else arg
                    if isinstance(text, str):
                        for part in text.split("${")[1:]:
                            name(part.split("}", 1)[0].split(".", 1)[0])
                elif key in ("Condition", "Fn::If") and isinstance(arg, (str, list)):
                    cond = arg if isinstance(arg, str) else (arg[0] if arg and isinstance(arg[0], str) else None)
                    if cond is not None and cond in sections["Conditions"]:
                        found.add(("Conditions", cond))
                elif key == "Fn::FindInMap" and isinstance(arg, list) and arg and isinstance(arg[0], str):
                    if arg[0] in sections["Mappings"]:
                        found.add(("Mappings", arg[0]))
                elif key == "Fn::ImportValue":
                    found.add(_IMPORTS)
                elif key == "DependsOn":
                    for dep in [arg] if isinstance(arg, str) else arg if isinstance(arg, list) else []:
                        if isinstance(dep, str):
                            name(dep)
                stack.append(arg)
        elif isinstance(item, list):
            stack.extend(item)
    return found
