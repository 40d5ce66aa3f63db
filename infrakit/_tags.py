"""Tags: key/value labels that a provider writes onto every taggable resource.

``ik.tags(scope, {"team": "payments"})`` tags everything beneath ``scope``: an :class:`App`
(every instance), an :class:`Instance` (every resource of its template), or, inside
``build``, a component (``ik.tags(self, ...)``: the resources it and the components it
embeds add). The closest scope wins on a key (component, then instance, then app), and a
tag given on the resource itself wins over all. Each provider renders tags in each
resource type's own shape (CloudFormation: a list of ``Key``/``Value``, or a map).

A resource's tags property also takes :class:`Tag` objects or a plain ``{key: value}``
dict, whatever the shape of that resource type's own tags.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

import attrs

from infrakit._expr import Expr, compatible, describe_value
from infrakit._resource import PropertyType, building_prefix
from infrakit.errors import DefinitionError

__all__ = ["Tag", "merged_tags", "tags", "tags_fit", "tags_of"]

#: Tags set on apps and instances (the objects themselves are left as they are).
_SCOPED: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _text(inst: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, str) or (isinstance(value, Expr) and compatible(str, value.type)):
        return
    raise DefinitionError(f"{building_prefix()}Tag: {attribute.name} must be a str, got {describe_value(value)}")


@attrs.frozen
class Tag(PropertyType):
    """One tag, accepted by the tags property of every taggable resource:
    ``ec2.Subnet("A", ..., tags=[Tag("team", "payments")])``."""

    key: Any = attrs.field(validator=_text)
    value: Any = attrs.field(validator=_text)

    _props = (("key", "Key", "str", True), ("value", "Value", "str", True))
    _keywords = frozenset({"key", "value"})


def _check_tags(where: str, values: Any) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        raise DefinitionError(f"{where}: tags must be a dict of key -> value, got {describe_value(values)}")
    for key, value in values.items():
        if not isinstance(key, str) or not key:
            raise DefinitionError(f"{where}: a tag key must be a non-empty str, got {describe_value(key)}")
        if not (isinstance(value, str) or (isinstance(value, Expr) and compatible(str, value.type))):
            raise DefinitionError(f"{where}: tag {key!r} must have a str value, got {describe_value(value)}")
    return dict(values)


def tags(scope: Any, values: Mapping[str, Any]) -> None:
    """Tag every taggable resource beneath ``scope`` (an app, an instance, or a component
    inside its ``build``) with ``values`` (``{key: value}``; values may be ``str`` expressions
    inside ``build``)."""
    from infrakit._app import App, Instance
    from infrakit._component import Component

    if isinstance(scope, Component):
        synthesis = scope._scope()
        checked = _check_tags(f"{synthesis.name}: ik.tags", values)
        synthesis.tags.append((scope._prefix, checked))
        return
    if isinstance(scope, (App, Instance)):
        where = f"app {scope.name!r}" if isinstance(scope, App) else f"instance {scope.name!r}"
        checked = _check_tags(f"{where}: ik.tags", values)
        for value in checked.values():
            if isinstance(value, Expr):
                raise DefinitionError(
                    f"{where}: ik.tags: tag values of an app or instance are plain str (an expression belongs "
                    "to one component: tag it inside build with ik.tags(self, ...))"
                )
        _SCOPED.setdefault(scope, {}).update(checked)
        return
    raise DefinitionError(
        f"ik.tags takes an app, an instance or a component (self, inside build), got {describe_value(scope)}"
    )


def tags_of(scope: Any) -> dict[str, Any]:
    """The tags set on an app or instance with :func:`tags`."""
    return dict(_SCOPED.get(scope, {}))


def instance_tags(instance: Any) -> dict[str, Any]:
    """An instance's tags: its app's, then its own (which win)."""
    return {**tags_of(instance.app), **tags_of(instance)}


def merged_tags(synthesis: Any, prefix: str) -> dict[str, Any]:
    """The tags for a resource added by the component at embedding ``prefix``: the build's
    outer tags (app, instance), then each enclosing component's, closest last."""
    chain = [prefix]  # the component that added the resource, then each one embedding it
    while chain[-1] in synthesis.embeds:
        chain.append(synthesis.embeds[chain[-1]])
    if chain[-1] != "":
        chain.append("")
    result = dict(synthesis.outer_tags)
    for scope, values in synthesis.tags:
        if scope in chain:
            result.update(values)
    return result


def tags_fit(value: Any) -> bool:
    """Whether ``value`` is tags in a provider-neutral form: a ``{key: value}`` dict, or a
    list of :class:`Tag` (or of a resource's own Key/Value tag objects)."""
    if isinstance(value, Mapping):
        try:
            _check_tags("", value)
        except DefinitionError:
            return False
        return True
    if isinstance(value, (list, tuple)):
        return all(
            isinstance(item, Tag) or (isinstance(item, PropertyType) and _key_value(item) is not None) for item in value
        )
    return False


def _key_value(item: Any) -> tuple[Any, Any] | None:
    """``(key, value)`` of a tag object (:class:`Tag` or a resource type's own ``Tag``)."""
    wires = {wire: py for py, wire, *_ in type(item)._props}
    if "Key" in wires and "Value" in wires:
        return getattr(item, wires["Key"]), getattr(item, wires["Value"])
    return None


def as_pairs(value: Any) -> list[tuple[Any, Any]]:
    """Tags given in any accepted form, as ``(key, value)`` pairs in their order."""
    if isinstance(value, Mapping):
        return list(value.items())
    pairs = []
    for item in value:
        pair = _key_value(item)
        if pair is not None:
            pairs.append(pair)
    return pairs
