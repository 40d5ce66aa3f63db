"""Which outputs of a CloudFormation template can have a new value (``infrakit diff``'s
``affected``, through :meth:`AwsProvider.moved_outputs`).

An output can have one when its definition, or anything it refers to (resources, parameters,
conditions, mappings, transitively), differs between the two templates, or when it refers to
a parameter fed a new value, or to an import (``Fn::ImportValue``) when an import is fed one.
Sound, not exact: a changed resource whose physical id survives the update still counts as
moving the outputs that refer to it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["moved_outputs"]

_SECTIONS = ("Resources", "Parameters", "Conditions", "Mappings")
#: What every ``Fn::ImportValue`` refers to (an import's export name is not traced).
_IMPORTS = ("Imports", "*")


def moved_outputs(
    old: Mapping[str, Any], new: Mapping[str, Any], fed: Collection[str], imports_fed: bool
) -> set[str] | None:
    """The outputs of ``new`` that can have another value than in ``old`` when the parameters
    named in ``fed`` (and, with ``imports_fed``, the imports) get new values; ``None`` for
    data that is not a CloudFormation template."""
    if not isinstance(old.get("Resources"), dict) or not isinstance(new.get("Resources"), dict):
        return None
    dirty: set[tuple[str, str]] = {("Parameters", k) for k in fed}
    if imports_fed:
        dirty.add(_IMPORTS)
    for section in _SECTIONS:
        a, b = old.get(section) or {}, new.get(section) or {}
        dirty |= {(section, k) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    moved: set[str] = set()
    outputs_old, outputs_new = old.get("Outputs") or {}, new.get("Outputs") or {}
    for name, definition in outputs_new.items():
        if outputs_old.get(name) != definition or _closure(new, definition) & dirty:
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
