"""Rendering one GCP component into a compute template.

The template keeps Deployment Manager's declarative shape, whose properties are the
Compute API's request bodies, with parameters and outputs as ordered lists::

    {
      "description": "Network: a custom-mode VPC ...",
      "parameters": [
        {"name": "region", "type": "string", "default": "europe-west1"},
        {"name": "ssh_source", "type": "string", "description": "...", "secret": true}
      ],
      "resources": [
        {"name": "net", "type": "compute.v1.network",
         "properties": {"autoCreateSubnetworks": false}},
        {"name": "subnet", "type": "compute.v1.subnetwork",
         "properties": {"region": "$(params.region)", "network": "$(ref.net.selfLink)",
                        "ipCidrRange": "10.0.0.0/24"},
         "metadata": {"dependsOn": ["router"]}}
      ],
      "outputs": [{"name": "network", "value": "$(ref.net.selfLink)"}]
    }

* ``resources`` are in dependency order: a resource comes after every resource it
  references or names in ``depends_on`` (``metadata.dependsOn`` lists only the latter).
  The order is deterministic: among the resources ready to be created, the one added
  first comes first.
* ``properties`` are the API's JSON fields, plus ``zone`` / ``region`` for zonal and
  regional kinds (the request's path, as Deployment Manager had it). 64-bit integer
  fields are decimal strings, their canonical JSON form in the API (``"sizeGb": "10"``).
* References are whole-value strings: ``$(ref.NAME.selfLink)`` for ``.ref``,
  ``$(ref.NAME.<jsonName>)`` for ``.attrs.<field>``, ``$(params.<name>)`` for a
  deploy-time parameter.
* Parameters are JSON-Schema-like: ``type`` is ``string``, ``integer``, ``number``,
  ``boolean`` or ``array`` (with ``items``); ``default``, ``description``, ``enum``,
  ``pattern``, ``minLength``/``maxLength``, ``minimum``/``maximum`` and ``secret`` when set.
* Parameter and output names are the inputs' and outputs' snake_case field names
  (``vpc_id``); resource names match ``^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`` (RFC 1035).

A compute template has no functions and no conditions: a CloudFormation function
(``infrakit.aws.fn``) or a condition in a GCP component is refused with a
:class:`~infrakit.errors.SynthError`. There are no template-level quotas to check.
"""

from __future__ import annotations

import heapq
import re
import typing
from typing import Any

from infrakit._contract import UNSET, Parameter
from infrakit._expr import ConditionRef, base_type, type_name
from infrakit._resource import Resource, render_props, render_value
from infrakit.errors import LogicalIdError, SynthError

__all__ = ["NAME", "order", "render"]

#: A Compute resource name (RFC 1035 label).
NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")


def _suggest(name: str) -> str:
    fixed = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()
    fixed = re.sub(r"[^a-z0-9-]+", "-", fixed)
    fixed = re.sub(r"^[^a-z]+", "", fixed)[:63].rstrip("-")
    return f"; for example {fixed!r}" if fixed and fixed != name and NAME.match(fixed) else ""


def check_name(synthesis: Any, resource: Resource) -> None:
    """Refuse a resource whose name is not a valid Compute name, suggesting a valid one."""
    name = resource.logical_id
    if not NAME.match(name):
        raise LogicalIdError(
            f"{synthesis.name}: {resource._describe()}: {name!r} is not a valid Compute resource name: use 1 to 63 "
            f"lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen{_suggest(name)}"
        )


class _Renderer:
    """Renders values and expressions into compute-template JSON (the core's Renderer protocol)."""

    def __init__(self, synthesis: Any) -> None:
        self.synthesis = synthesis
        self.where = synthesis.name

    def value(self, value: Any) -> Any:
        return render_value(value, self, self.where)

    def ref(self, resource: Resource) -> Any:
        return f"$(ref.{resource.logical_id}.selfLink)"

    def get_att(self, resource: Resource, name: str) -> Any:
        return f"$(ref.{resource.logical_id}.{name})"

    def param(self, parameter: Parameter) -> Any:
        return f"$(params.{parameter.key})"

    def call(self, name: str, args: Any) -> Any:
        shown = f"{name} {args}" if name == "Ref" and isinstance(args, str) else name
        raise SynthError(
            f"{self.where}: `{shown}` is a CloudFormation function (infrakit.aws.fn); a compute template has "
            "no functions. Use plain values, references (.ref, .attrs.<field>) and deploy-time parameters; "
            "write references and parameters into text with infrakit.gcp.sub('...{x}...', x=value) (fn.sub's "
            "counterpart, resolved at deploy time), or compute the value in Python from build-time inputs"
        )

    def condition(self, condition: ConditionRef) -> Any:
        raise SynthError(
            f"{self.where}: uses condition {condition.name!r}; a compute template has no conditions. Decide "
            "with a build-time input instead (an `if` in build)"
        )

    def props(self, obj: Any, where: str) -> dict[str, Any]:
        """A resource's or message's properties, under their JSON names (64-bit integers as
        decimal strings, through the classes' wire forms)."""
        self.where = where
        return render_props(obj, self, where)


def order(synthesis: Any) -> list[Resource]:
    """The resources in dependency order; ties broken by the order they were added."""
    index = {r: i for i, r in enumerate(synthesis.resources)}
    waiting = {r: len(synthesis.depends.get(r, ())) for r in synthesis.resources}
    users: dict[Resource, list[Resource]] = {r: [] for r in synthesis.resources}
    for r in synthesis.resources:
        for dep in synthesis.depends.get(r, ()):
            users[dep].append(r)
    ready = [index[r] for r in synthesis.resources if waiting[r] == 0]
    heapq.heapify(ready)
    result: list[Resource] = []
    while ready:
        r = synthesis.resources[heapq.heappop(ready)]
        result.append(r)
        for user in users[r]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, index[user])
    if len(result) != len(synthesis.resources):  # synth's cycle check runs first; this is a safeguard
        raise SynthError(f"{synthesis.name}: resources depend on each other in a cycle")
    return result


_SCHEMA_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
#: A parameter's value constraints, as a compute template (JSON Schema) names them.
_CONSTRAINTS = {
    "pattern": "pattern",
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_value": "minimum",
    "max_value": "maximum",
}


def _parameter(p: Parameter) -> dict[str, Any]:
    options = p.options
    kind = base_type(p.type)
    body: dict[str, Any] = {"name": p.key}
    if kind in _SCHEMA_TYPES:
        body["type"] = _SCHEMA_TYPES[kind]
    elif typing.get_origin(p.type) is list and base_type(typing.get_args(p.type)[0]) in _SCHEMA_TYPES:
        body["type"] = "array"
        body["items"] = {"type": _SCHEMA_TYPES[base_type(typing.get_args(p.type)[0])]}
    else:
        raise SynthError(
            f"{p.owner}: a deploy-time parameter of type {type_name(p.type)} has no compute template type; "
            "use str, int, float, bool, a list of those, or a Literal"
        )
    if options.description:
        body["description"] = options.description
    if p.default is not UNSET:
        body["default"] = list(p.default) if isinstance(p.default, tuple) else p.default
    allowed = p.allowed_values()
    if allowed:
        body["enum"] = list(allowed)
    body.update(p.constraints(_CONSTRAINTS))
    if options.secret:
        body["secret"] = True
    return body


def _resource(r: _Renderer, resource: Any) -> dict[str, Any]:
    where = f"{r.synthesis.name}: {resource._describe()}"
    body: dict[str, Any] = {"name": resource.logical_id, "type": resource.resource_type}
    body["properties"] = r.props(resource, where)
    _labels(r, resource, body["properties"], where)
    explicit = list(dict.fromkeys(d.logical_id for d in resource.dependencies()))
    if explicit:
        body["metadata"] = {"dependsOn": explicit}
    return body


_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")


def _labels(r: _Renderer, resource: Any, properties: dict[str, Any], where: str) -> None:
    """A kind's ``labels``: the tags of ``ik.tags`` (app, instance, enclosing components) and the
    resource's own (which win), checked against Compute's label rules."""
    from infrakit._tags import as_pairs, merged_tags

    field = type(resource)._tags_field()
    if field is None:
        return
    own = getattr(resource, field)
    merged: dict[str, Any] = dict(merged_tags(r.synthesis, r.synthesis.prefixes.get(resource, "")))
    if not merged and (own is None or isinstance(own, dict)):
        return  # as given, already rendered
    for key, value in as_pairs(own) if own is not None else ():
        if not isinstance(key, str):
            raise SynthError(f"{where}: a label key must be a plain str, got {key!r}")
        merged[key] = value
    for key, value in merged.items():
        if not _LABEL_KEY.match(key) or (isinstance(value, str) and not _LABEL_VALUE.match(value)):
            raise SynthError(
                f"{where}: label {key}={value!r} (from ik.tags or the resource's labels) breaks Compute's label "
                "rules: keys start with a lowercase letter, keys and values hold up to 63 lowercase letters, "
                "digits, '_' and '-'"
            )
    properties["labels"] = {key: r.value(value) for key, value in merged.items()}


def _output(r: _Renderer, name: str, value: Any) -> Any:
    r.where = f"{r.synthesis.name}: output `{name}`"
    return r.value(value)


def _refuse_cloudformation_only(synthesis: Any) -> None:
    """CloudFormation-only declarations have no place in a compute template: refused, never dropped."""
    from infrakit._contract import out_options

    if synthesis.extras:
        section = next(iter(synthesis.extras))
        raise SynthError(
            f"{synthesis.name}: declares a template {section} (infrakit.aws.template); a compute template has none"
        )
    for field, _t, _v in synthesis.outputs:
        options = out_options(synthesis.component.outputs_type, field)
        for option in ("condition", "export_name"):
            if getattr(options, option) is not None:
                raise SynthError(
                    f"{synthesis.name}: output `{field}` declares ik.out({option}=...), which a compute template "
                    "cannot hold (CloudFormation only); remove it"
                )


def render(synthesis: Any) -> dict[str, Any]:
    """The compute template of a checked synthesis."""
    r = _Renderer(synthesis)
    if synthesis.conditions:
        name = next(iter(synthesis.conditions))
        raise SynthError(
            f"{synthesis.name}: defines condition {name!r}; a compute template has no conditions. Decide with a "
            "build-time input instead (an `if` in build)"
        )
    for resource in synthesis.resources:
        check_name(synthesis, resource)
    _refuse_cloudformation_only(synthesis)
    parameters = [_parameter(p) for p in synthesis.parameters.values()]
    resources = [_resource(r, res) for res in order(synthesis)]
    outputs = [{"name": name, "value": _output(r, name, value)} for name, _t, value in synthesis.outputs]
    return {
        "description": synthesis.description(),
        "parameters": parameters,
        "resources": resources,
        "outputs": outputs,
    }
