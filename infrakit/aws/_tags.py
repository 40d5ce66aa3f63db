"""Tags on CloudFormation resources: which property holds them, and their shape.

Most types take ``Tags`` as a list of ``{"Key", "Value"}``; some as a map; a few under
another name (``infrakit.aws._tagging``, generated from the schemas' ``tagging``
metadata). ``ik.Tag`` objects, ``{key: value}`` dicts and the tags of ``ik.tags`` are
rendered in each type's own shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infrakit._expr import Expr, describe_value
from infrakit._tags import Tag, merged_tags
from infrakit.errors import SynthError

__all__ = ["render_tags", "tags_field"]


_FIELDS: dict[type, tuple[str, str, Any] | None] = {}


def _field(cls: type) -> tuple[str, str, Any] | None:
    """``(keyword, wire name, spec)`` of a type's tags property, if it is taggable (cached)."""
    try:
        return _FIELDS[cls]
    except KeyError:
        found = _FIELDS[cls] = _find_field(cls)
        return found


def _find_field(cls: type) -> tuple[str, str, Any] | None:
    from infrakit.aws._tagging import NOT_TAGGABLE, TAG_PROPERTY

    resource_type = cls.__dict__.get("resource_type", getattr(cls, "resource_type", ""))
    if not isinstance(resource_type, str) or resource_type in NOT_TAGGABLE:
        return None
    wire = TAG_PROPERTY.get(resource_type, "Tags")
    for py, prop_wire, spec, _required in cls._props:  # type: ignore[attr-defined]
        if prop_wire == wire:
            return py, wire, spec
    return None


def tags_field(cls: type) -> str | None:
    """The keyword of the property that holds a resource type's tags, if it is taggable."""
    found = _field(cls)
    return found[0] if found is not None else None


def _key_value_class(cls: type, spec: Any) -> type | None:
    """The nested class of a ``list`` of Key/Value objects, else ``None``."""
    if isinstance(spec, tuple) and spec[0] == "list" and isinstance(spec[1], tuple) and spec[1][0] == "obj":
        nested: type = getattr(cls, spec[1][1])
        wires = {wire for _py, wire, *_ in nested._props}  # type: ignore[attr-defined]
        if {"Key", "Value"} <= wires:
            return nested
    return None


def _shape(cls: type, spec: Any) -> tuple[str, Any]:
    """``("list", nested class)``, ``("items", (outer class, nested class))`` (a
    ``{"Items": [...]}`` object) or ``("map", None)``."""
    nested = _key_value_class(cls, spec)
    if nested is not None:
        return "list", nested
    if isinstance(spec, tuple) and spec[0] == "obj":
        outer: Any = getattr(cls, spec[1])
        for _py, wire, inner, _required in outer._props:
            found = _key_value_class(cls, inner)
            if wire == "Items" and found is not None:
                return "items", found
    return "map", None


def _entry(r: Any, nested: type, key: Any, value: Any) -> dict[str, Any]:
    entry = {"Key": r.value(key), "Value": r.value(value)}
    for _py, wire, spec, required in nested._props:  # type: ignore[attr-defined]
        if required and wire not in entry and spec == "bool":
            entry[wire] = True  # Auto Scaling's PropagateAtLaunch: tag the instances too
    return entry


def _neutral(value: Any) -> bool:
    return isinstance(value, Mapping) or (
        isinstance(value, (list, tuple)) and any(isinstance(item, Tag) for item in value)
    )


def render_tags(r: Any, synthesis: Any, resource: Any, properties: dict[str, Any], where: str) -> None:
    """Write a resource's tags into its rendered ``properties``: the tags of ``ik.tags``
    (app, instance, enclosing components) and the resource's own (which win on a key),
    in the resource type's own shape."""
    cls = type(resource)
    found = _field(cls)
    if found is None:
        return
    py, wire, spec = found
    own = getattr(resource, py)
    inherited = merged_tags(synthesis, synthesis.prefixes.get(resource, ""))
    if not inherited and (own is None or not _neutral(own)):
        return  # the resource's own tags, already rendered in its own shape
    if isinstance(own, Expr):
        raise SynthError(
            f"{where}: property `{py}` is {describe_value(own)}, so the tags of ik.tags cannot be added to it; "
            "give the resource's tags as a list or dict"
        )
    kind, nested = _shape(cls, spec)
    keys: list[Any] = []
    entries: list[Any] = []

    def add(key: Any, entry: Any) -> None:
        if isinstance(key, str):  # an expression key never equals another key
            for i, known in enumerate(keys):
                if isinstance(known, str) and known == key:
                    entries[i] = entry
                    return
        keys.append(key)
        entries.append(entry)

    def make(key: Any, value: Any) -> Any:
        if kind == "map":
            if not isinstance(key, str):
                raise SynthError(
                    f"{where}: property `{py}` is a map of tags, so each key must be a plain str, got "
                    f"{describe_value(key)}"
                )
            return value
        return _entry(r, nested, key, value)

    for key, value in inherited.items():
        add(key, make(key, value))
    if isinstance(own, Mapping):
        for key, value in own.items():
            add(key, make(key, value))
    elif own is not None:
        for item in own:
            if isinstance(item, Tag):
                add(item.key, make(item.key, item.value))
            else:  # the type's own tag object, with whatever else it holds
                rendered = r.value(item)
                add(getattr(item, "key", None), rendered if kind != "map" else rendered.get("Value"))
    if kind == "map":
        properties[wire] = {key: r.value(entry) for key, entry in zip(keys, entries, strict=True)}
    elif kind == "items":
        properties[wire] = {"Items": entries}
    else:
        properties[wire] = entries
