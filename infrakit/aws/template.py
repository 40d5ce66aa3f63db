"""CloudFormation template sections beyond resources: ``Metadata``, ``Rules``, ``Transform``
and SAM ``Globals``, declared from inside a component's ``build``::

    from infrakit.aws import fn, template

    class Network(ik.Component[NetworkInputs, NetworkOutputs]):
        description = "Network: one VPC"          # the template's Description

        def build(self, inputs):
            template.metadata(self, "Owner", {"team": "network"})
            template.rule(self, "ProdSizes",
                          [template.Assert(fn.contains(["m5.large"], inputs.size), "prod uses m5")],
                          when=fn.equals(inputs.env, "prod"))
            template.transform(self, "AWS::LanguageExtensions")
            ...

The template's ``AWS::CloudFormation::Interface`` metadata (the console's parameter groups and
labels) is made from ``ik.param(group=..., label=...)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from infrakit._expr import Expr, describe_value
from infrakit.aws._provider import LANGUAGE_EXTENSIONS as _LANGUAGE_EXTENSIONS
from infrakit.errors import DefinitionError, LogicalIdError

__all__ = ["Assert", "Loop", "for_each", "metadata", "rule", "sam_globals", "transform"]

_NAME = re.compile(r"^[A-Za-z0-9]+$")
#: The sections SAM's ``Globals`` accepts.
_GLOBALS = ("Api", "Function", "HttpApi", "LayerVersion", "SimpleTable", "StateMachine", "CapacityProvider")
#: ``template.transform`` names that infrakit also adds by itself when needed.
LANGUAGE_EXTENSIONS = _LANGUAGE_EXTENSIONS


@attrs.frozen
class Assert:
    """One assertion of a rule: a condition (``fn.contains``, ``fn.equals``, ...) that must
    hold for a deploy to go ahead, and the message shown when it does not."""

    condition: Expr[bool]
    description: str | None = None


def _scope(component: Any, function: str) -> Any:
    scope = getattr(component, "_scope", None)
    if scope is None:
        raise DefinitionError(
            f"template.{function} takes the component (self) as its first argument, got {describe_value(component)}"
        )
    return scope()


def _section(synthesis: Any, name: str) -> dict[str, Any]:
    section: dict[str, Any] = synthesis.extras.setdefault(name, {})
    return section


def metadata(component: Any, key: str, value: Any) -> None:
    """Add ``key: value`` to the template's ``Metadata`` (the value may hold expressions)."""
    synthesis = _scope(component, "metadata")
    if not isinstance(key, str) or not key:
        raise DefinitionError(f"{synthesis.name}: template.metadata: the key must be a str, got {describe_value(key)}")
    section = _section(synthesis, "Metadata")
    if key in section:
        raise LogicalIdError(f"{synthesis.name}: template metadata {key!r} is set twice")
    section[key] = value


def rule(
    component: Any, name: str, assertions: Sequence[Assert | Expr[bool]], *, when: Expr[bool] | None = None
) -> None:
    """Add a rule to the template's ``Rules``: before a deploy, CloudFormation checks each
    assertion (where ``when`` holds, if given) and refuses parameter values that break one.
    Rules see parameters only (``fn.contains``, ``fn.each_member_in``, ``fn.value_of``,
    ``fn.equals``, ``fn.and_``, ...), not resources."""
    synthesis = _scope(component, "rule")
    name = getattr(component, "_prefix", "") + name if isinstance(name, str) else name
    if not isinstance(name, str) or not _NAME.match(name):
        raise LogicalIdError(f"{synthesis.name}: rule name {name!r} must be letters and digits")
    section = _section(synthesis, "Rules")
    if name in section:
        raise LogicalIdError(f"{synthesis.name}: rule {name!r} is defined twice")
    if isinstance(assertions, (Assert, Expr)) or not assertions:
        raise DefinitionError(
            f"{synthesis.name}: rule {name!r}: assertions must be a non-empty list of template.Assert"
        )
    body: dict[str, Any] = {}
    if when is not None:
        body["RuleCondition"] = _boolean(synthesis, name, "when", when)
    listed = []
    for item in assertions:
        check = item if isinstance(item, Assert) else Assert(item)
        entry: dict[str, Any] = {"Assert": _boolean(synthesis, name, "assertion", check.condition)}
        if check.description is not None:
            if not isinstance(check.description, str):
                raise DefinitionError(f"{synthesis.name}: rule {name!r}: an assertion's description must be a str")
            entry["AssertDescription"] = check.description
        listed.append(entry)
    body["Assertions"] = listed
    section[name] = body


def _boolean(synthesis: Any, rule_name: str, what: str, value: Any) -> Expr[bool]:
    if not isinstance(value, Expr) or value.type is not bool:
        raise DefinitionError(
            f"{synthesis.name}: rule {rule_name!r}: the {what} must be a condition (fn.contains, fn.equals, ...), "
            f"got {describe_value(value)}"
        )
    return value


def transform(component: Any, name: str, parameters: Mapping[str, Any] | None = None) -> None:
    """Declare a transform (macro) the template is processed with: ``"AWS::LanguageExtensions"``,
    ``"AWS::Serverless-2016-10-31"`` (SAM, added by itself for SAM resources), or
    ``"AWS::Include"`` with ``{"Location": "s3://..."}``. Transforms run in the order declared."""
    synthesis = _scope(component, "transform")
    if not isinstance(name, str) or not name:
        raise DefinitionError(
            f"{synthesis.name}: template.transform: the name must be a str, got {describe_value(name)}"
        )
    if parameters is not None and not isinstance(parameters, Mapping):
        raise DefinitionError(f"{synthesis.name}: template.transform {name!r}: parameters must be a dict")
    listed: list[Any] = synthesis.extras.setdefault("Transform", [])
    if parameters is None:
        if not any(item is name or (isinstance(item, str) and item == name) for item in listed):
            listed.append(name)
    else:
        listed.append({"Name": name, "Parameters": dict(parameters)})


def sam_globals(component: Any, section: str, values: Mapping[str, Any]) -> None:
    """Set SAM's ``Globals`` for one kind of SAM resource: ``sam_globals(self, "Function",
    {"Runtime": "python3.12", "Timeout": 30})`` (properties in CloudFormation's spelling).
    The template gets the SAM transform."""
    synthesis = _scope(component, "sam_globals")
    if section not in _GLOBALS:
        raise DefinitionError(
            f"{synthesis.name}: template.sam_globals: section {section!r} is not one of {', '.join(_GLOBALS)}"
        )
    if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
        raise DefinitionError(
            f"{synthesis.name}: template.sam_globals {section!r}: values must be a dict with str keys"
        )
    globals_ = _section(synthesis, "Globals")
    merged = dict(globals_.get(section, {}))
    for key, value in values.items():
        if key in merged and not _same(merged[key], value):
            raise DefinitionError(
                f"{synthesis.name}: template.sam_globals {section!r}: {key!r} is set twice, to different values "
                f"({describe_value(merged[key])} and {describe_value(value)}); set it once"
            )
    merged.update(values)
    globals_[section] = merged


def _same(a: Any, b: Any) -> bool:
    """Whether two values are the same (an expression only as itself: its == builds a condition)."""
    if isinstance(a, Expr) or isinstance(b, Expr):
        return a is b
    return type(a) is type(b) and bool(a == b)


class _LoopItem(Expr[str]):
    """The current item of a ``template.for_each`` loop: ``{"Ref": identifier}``."""

    __slots__ = ("identifier",)

    def __init__(self, identifier: str) -> None:
        super().__init__(str)
        self.identifier = identifier

    def _render(self, r: Any) -> Any:
        return {"Ref": self.identifier}

    def _describe(self) -> str:
        return f"for_each item {self.identifier}"


@attrs.frozen
class Loop:
    """One ``Fn::ForEach`` of the Resources section (see :func:`for_each`)."""

    name: str
    identifier: str
    collection: Any
    resources: tuple[Any, ...]


def for_each(
    component: Any,
    name: str,
    identifier: str,
    collection: Sequence[str] | Expr[list[str]],
    make: Callable[[Expr[str]], Sequence[Any]],
) -> None:
    """Write resources once per item of a list at deploy time (``Fn::ForEach``, which adds the
    ``AWS::LanguageExtensions`` transform)::

        template.for_each(self, "Topics", "TopicName", inputs.topic_names, lambda name: [
            sns.Topic("Topic${TopicName}", topic_name=fn.sub("${TopicName}-events")),
        ])

    ``make`` receives the item (a ``str`` expression; ``${TopicName}`` in ``fn.sub`` text
    names it too) and returns the resources of one iteration, whose logical ids hold
    ``${identifier}`` (or ``&{identifier}``, its letters and digits only). These resources
    exist only in the template: nothing else in the component can refer to them."""
    synthesis = _scope(component, "for_each")
    if not isinstance(name, str) or not _NAME.match(name):
        raise LogicalIdError(f"{synthesis.name}: for_each name {name!r} must be letters and digits")
    if not isinstance(identifier, str) or not _NAME.match(identifier):
        raise LogicalIdError(
            f"{synthesis.name}: for_each {name!r}: identifier {identifier!r} must be letters and digits"
        )
    if isinstance(collection, Expr):
        if collection.type is not Any and getattr(collection.type, "__origin__", None) is not list:
            raise DefinitionError(
                f"{synthesis.name}: for_each {name!r}: the collection must be a list, got {describe_value(collection)}"
            )
    elif not isinstance(collection, (list, tuple)) or not all(isinstance(v, (str, Expr)) for v in collection):
        raise DefinitionError(
            f"{synthesis.name}: for_each {name!r}: the collection must be a list of str, got {describe_value(collection)}"
        )
    made = make(_LoopItem(identifier))
    from infrakit._resource import Resource

    if isinstance(made, Resource) or not isinstance(made, (list, tuple)) or not made:
        raise DefinitionError(f"{synthesis.name}: for_each {name!r}: make must return a non-empty list of resources")
    marker = re.compile(rf"^[A-Za-z0-9]*(?:[$&]\{{{identifier}\}}[A-Za-z0-9]*)+$")
    for resource in made:
        if not isinstance(resource, Resource):
            raise DefinitionError(
                f"{synthesis.name}: for_each {name!r}: make returned {describe_value(resource)}, not a resource"
            )
        if not marker.match(resource.logical_id):
            raise LogicalIdError(
                f"{synthesis.name}: for_each {name!r}: {resource._describe()}: a looped resource's logical id holds "
                f"${{{identifier}}} or &{{{identifier}}} (letters and digits around it), so each item gets its own"
            )
    loops: list[Any] = synthesis.extras.setdefault("ForEach", [])
    if any(loop["name"] == name for loop in loops):
        raise LogicalIdError(f"{synthesis.name}: for_each {name!r} is defined twice")
    # Kept as plain data (the walk of synth's checks sees every expression in the resources).
    loops.append(
        {
            "name": name,
            "loop": Loop(
                name, identifier, list(collection) if isinstance(collection, tuple) else collection, tuple(made)
            ),
            "collection": collection,
            "values": [value for resource in made for _label, value in resource._values()],
        }
    )
