"""Which outputs of a compute template can have a new value (``infrakit diff``'s
``affected``, through :meth:`GcpProvider.moved_outputs`).

An output can have one when its definition, or a resource or parameter it refers to
(``$(ref.NAME...)``, ``$(params.NAME)``, ``metadata.dependsOn``, transitively), differs
between the two templates, or when it refers to a parameter fed a new value. Sound, not
exact: a changed resource whose self link survives the update still counts as moving the
outputs that refer to it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from infrakit._provider import walk
from infrakit.gcp._check import _COMPUTE_REF

__all__ = ["moved_outputs"]


def moved_outputs(
    old: Mapping[str, Any], new: Mapping[str, Any], fed: Collection[str], imports_fed: bool
) -> set[str] | None:
    """The outputs of ``new`` that can have another value than in ``old`` when the parameters
    named in ``fed`` get new values (a compute template has no imports); ``None`` for data
    that is not a compute template."""
    old_elements, new_elements = _elements(old), _elements(new)
    if old_elements is None or new_elements is None:
        return None
    dirty = {("params", k) for k in fed}
    dirty |= {k for k in set(old_elements) | set(new_elements) if old_elements.get(k) != new_elements.get(k)}
    old_outputs = _outputs(old)
    moved: set[str] = set()
    for name, value in _outputs(new).items():
        if old_outputs.get(name) != value or _closure(new_elements, value) & dirty:
            moved.add(name)
    return moved


def _elements(template: Mapping[str, Any]) -> dict[tuple[str, str], Any] | None:
    resources, parameters = template.get("resources"), template.get("parameters") or []
    if not isinstance(resources, list) or not isinstance(parameters, list):
        return None
    found: dict[tuple[str, str], Any] = {}
    for kind, entries in (("ref", resources), ("params", parameters)):
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                found[(kind, entry["name"])] = entry
    return found


def _outputs(template: Mapping[str, Any]) -> dict[str, Any]:
    return {
        o["name"]: o.get("value")
        for o in template.get("outputs") or []
        if isinstance(o, dict) and isinstance(o.get("name"), str)
    }


def _closure(elements: Mapping[tuple[str, str], Any], value: Any) -> set[tuple[str, str]]:
    """Every resource and parameter ``value`` refers to, directly or through others."""
    found: set[tuple[str, str]] = set()
    todo = list(_refs(value))
    while todo:
        item = todo.pop()
        if item in found or item not in elements:
            continue
        found.add(item)
        todo.extend(_refs(elements[item]))
    return found


def _refs(value: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for _path, node in walk(value, ""):
        if isinstance(node, str):
            found |= {(kind, target) for kind, target in _COMPUTE_REF.findall(node)}
    if isinstance(value, dict):  # a resource's dependsOn
        for dep in (value.get("metadata") or {}).get("dependsOn") or []:
            if isinstance(dep, str):
                found.add(("ref", dep))
    return found
