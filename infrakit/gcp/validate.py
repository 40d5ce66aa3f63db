"""Check a compute template against the real ``google.cloud.compute_v1`` messages.

:func:`validate_template` parses every resource's properties into its kind's
``compute_v1`` message with ``Message.from_json(..., ignore_unknown_fields=False)``,
the same parser the official client uses, so a property the API does not know or a
value of the wrong JSON type is caught before anything is deployed.

Placeholders have no value before deployment, so they are replaced by plausible
stand-ins of the type the field expects: ``$(ref.NAME.selfLink)`` by the URL the
resource ``NAME`` would have, other ``$(ref.NAME.x)`` and ``$(params.x)`` by a
parameter's default or a sample value. Each must name a resource or parameter of the
template (wherever it stands, ``zone``/``region`` and outputs included), and a
``$(ref.NAME.x)`` a field ``x`` of that resource's message. Resource names must be
valid Compute names, each used once.

``google-cloud-compute`` is an optional dependency (``pip install infrakit[gcp]``); it is
imported only when this function runs, never to define or synthesize.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from infrakit.errors import TemplateValidationError, did_you_mean

__all__ = ["TemplateValidationError", "parse_template", "validate_template"]

_PLACEHOLDER = re.compile(r"^\$\((ref|params)\.([^.()]+)(?:\.([^()]+))?\)$")
#: A placeholder inside a longer string (``gcp.sub``): ``"http://$(ref.ip.address)/"``.
_EMBEDDED = re.compile(r"\$\((?:ref|params)\.[^()]*\)")
#: One step of a field path: ``networkInterfaces``, ``[0]``.
_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_PROJECT = "infrakit-validate"
_SCOPE_PATHS = {"zone": ("zones", "us-central1-a"), "region": ("regions", "us-central1")}

# google.protobuf.descriptor.FieldDescriptor.TYPE_*
_STRING, _BOOL, _MESSAGE, _BYTES, _ENUM = 9, 8, 11, 12, 14
_FLOATS = {1, 2}
_INT64 = {3, 4, 6, 16, 18}


class _Context:
    def __init__(self, template: Mapping[str, Any], compute_v1: Any) -> None:
        from infrakit.gcp._render import NAME
        from infrakit.gcp._types import KINDS

        self.kinds = KINDS
        self.compute_v1 = compute_v1
        resources = template.get("resources")
        if not isinstance(resources, list):
            raise TemplateValidationError("the template has no `resources` list")
        self.resources: dict[str, Mapping[str, Any]] = {}
        for i, resource in enumerate(resources):
            if not isinstance(resource, Mapping) or not isinstance(resource.get("name"), str):
                raise TemplateValidationError(f"resources[{i}]: expected an object with a `name`, got {resource!r}")
            name = resource["name"]
            if name in self.resources:
                raise TemplateValidationError(
                    f"resources[{i}]: a second resource named {name!r}; each resource needs its own name"
                )
            if not NAME.match(name):
                raise TemplateValidationError(
                    f"resources[{i}]: {name!r} is not a valid Compute resource name "
                    "(^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$)"
                )
            self.resources[name] = resource
        parameters = template.get("parameters") or []
        self.parameters: dict[str, Mapping[str, Any]] = {
            str(p.get("name")): p for p in parameters if isinstance(p, Mapping)
        }

    def url(self, name: str) -> str:
        """The selfLink resource ``name`` would have."""
        resource = self.resources[name]
        _message, scope, collection = self.kinds[resource["type"]]
        if scope == "global":
            return f"https://www.googleapis.com/compute/v1/projects/{_PROJECT}/global/{collection}/{name}"
        segment, sample = _SCOPE_PATHS[scope]
        where = (resource.get("properties") or {}).get(scope)
        if not isinstance(where, str) or _PLACEHOLDER.match(where):
            where = sample
        return f"https://www.googleapis.com/compute/v1/projects/{_PROJECT}/{segment}/{where}/{collection}/{name}"

    def stand_in(self, text: str, field: Any, where: str) -> Any:
        """A value of ``field``'s type for the placeholder ``text``."""
        kind, name, attribute = _PLACEHOLDER.match(text).groups()  # type: ignore[union-attr]
        default: Any = None
        if kind == "ref":
            if name not in self.resources:
                raise TemplateValidationError(
                    f"{where}: {text} names resource {name!r}, which is not in the template"
                    f"{did_you_mean(name, self.resources)}"
                )
            if attribute is None:
                raise TemplateValidationError(f"{where}: {text}: a reference placeholder is $(ref.NAME.<field>)")
            kind_type = self.resources[name].get("type")
            if kind_type in self.kinds:
                message = self.kinds[kind_type][0]
                _check_path(getattr(self.compute_v1, message).pb().DESCRIPTOR, attribute, text, where, kind_type, name)
                if attribute == "selfLink":
                    default = self.url(name)
        else:
            if attribute is not None:
                raise TemplateValidationError(f"{where}: {text}: a parameter placeholder is $(params.NAME)")
            if name not in self.parameters:
                raise TemplateValidationError(
                    f"{where}: {text} names parameter {name!r}, which the template does not declare"
                    f"{did_you_mean(name, self.parameters)}"
                )
            default = self.parameters[name].get("default")
        if field.is_repeated and not _is_map(field):
            items = default if isinstance(default, list) else [default]
            return [_sample(field, item) for item in items]
        if field.type == _MESSAGE:
            return {}
        return _sample(field, default)


@functools.cache
def _by_json(descriptor: Any) -> dict[str, Any]:
    """A message's fields by JSON name (descriptors live as long as the process)."""
    return {f.json_name: f for f in descriptor.fields}


def _check_path(descriptor: Any, path: str, text: str, where: str, kind_type: str, name: str) -> None:
    """Refuse a field path the message does not have (``networkInterfaces[0].accessConfigs[0].natIP``)."""
    position, field, indexable = 0, None, False
    for match in _STEP.finditer(path):
        if match.start() != position:
            break
        position = match.end()
        key, index = match.group(1), match.group(2)
        if index is not None:
            if field is None or not indexable:
                raise TemplateValidationError(f"{where}: {text}: `[{index}]` indexes a field that is not a list")
            indexable = False
            continue
        if field is not None and (indexable or field.type != _MESSAGE or _is_map(field)):
            raise TemplateValidationError(f"{where}: {text}: `{key}` reads into a field that is not a message")
        current = descriptor if field is None else field.message_type
        fields = _by_json(current)
        if key not in fields:
            raise TemplateValidationError(
                f"{where}: {text} reads field {key!r} of {kind_type} {name!r}, which compute_v1.{current.name} "
                f"does not have{did_you_mean(key, fields)}"
            )
        field = fields[key]
        indexable = field.is_repeated and not _is_map(field)
    if position != len(path) or field is None:
        raise TemplateValidationError(f"{where}: {text}: {path!r} is not a field path (fields and [index]es)")


def _output_only(descriptor: Any) -> frozenset[str]:
    """The JSON names of a message's output-only fields (``selfLink``, ``InstanceGroup.network``)."""
    from infrakit.gcp._expr import message_fields

    fields = message_fields().get(descriptor.name, {})
    return frozenset(wire for wire, _spec, output_only in fields.values() if output_only)


def _is_map(field: Any) -> bool:
    return bool(field.type == _MESSAGE and field.message_type.GetOptions().map_entry)


def _sample(field: Any, default: Any) -> Any:
    """A JSON value that parses into a (non-repeated) ``field``: ``default`` if it fits."""
    kind = field.type
    if kind == _BOOL:
        return default if isinstance(default, bool) else True
    if kind in _FLOATS:
        return default if isinstance(default, (int, float)) and not isinstance(default, bool) else 1.0
    if kind in (_STRING, _BYTES):
        return default if isinstance(default, str) else "stand-in"
    if kind == _ENUM:
        return field.enum_type.values[-1].name
    if kind == _MESSAGE:
        return {}
    number = default if isinstance(default, int) and not isinstance(default, bool) else 1
    return str(number) if kind in _INT64 else number


def _fill(ctx: _Context, value: Any, descriptor: Any, where: str) -> Any:
    """``value`` (a message's JSON) with placeholders replaced; unknown fields refused."""
    if not isinstance(value, Mapping):
        return value  # the parser reports the type error
    by_json = _by_json(descriptor)
    result: dict[str, Any] = {}
    for key, item in value.items():
        field = by_json.get(key)
        path = f"{where}.{key}"
        if field is None:
            raise TemplateValidationError(
                f"{path}: compute_v1.{descriptor.name} has no field `{key}`{did_you_mean(key, by_json)}"
            )
        if key != "name" and key in _output_only(descriptor):
            raise TemplateValidationError(
                f"{path}: `{key}` is output-only in compute_v1.{descriptor.name}: the API sets it; a template "
                "reads it as $(ref.NAME.<field>) (.attrs in Python), never sets it"
            )
        result[key] = _fill_field(ctx, item, field, path)
    return result


def _fill_field(ctx: _Context, item: Any, field: Any, path: str) -> Any:
    if isinstance(item, str) and _PLACEHOLDER.match(item):
        return ctx.stand_in(item, field, path)
    if isinstance(item, str) and "$(" in item:
        return _fill_scalar(ctx, item, field, path)
    if _is_map(field):
        value_field = field.message_type.fields_by_name["value"]
        if not isinstance(item, Mapping):
            return item
        return {k: _fill_scalar(ctx, v, value_field, f"{path}.{k}") for k, v in item.items()}
    if field.is_repeated:
        if not isinstance(item, list):
            return item
        return [_fill_scalar(ctx, v, field, f"{path}[{i}]") for i, v in enumerate(item)]
    return _fill_scalar(ctx, item, field, path)


def _fill_scalar(ctx: _Context, item: Any, field: Any, path: str) -> Any:
    """One value of ``field``'s type (an item of a list or map, or the field itself)."""
    if isinstance(item, str) and _PLACEHOLDER.match(item):
        return ctx.stand_in(item, _Single(field), path)
    if isinstance(item, str) and "$(" in item:
        for match in _EMBEDDED.finditer(item):  # text with references: each must resolve
            ctx.stand_in(match.group(0), _StringField(), path)
    if field.type == _MESSAGE:
        return _fill(ctx, item, field.message_type, path)
    return item


class _Single:
    """A field seen as one of its items (for a placeholder inside a list)."""

    def __init__(self, field: Any) -> None:
        self._field = field
        self.is_repeated = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._field, name)


def validate_template(template: Any) -> None:
    """Check that every resource of a compute template parses into its ``compute_v1`` message.

    ``template`` is a synthesized :class:`~infrakit.Template` or its ``to_dict()``.
    Raises :class:`TemplateValidationError` naming the resource and field at the first
    property that does not parse, for a reference or parameter the template does not
    define (or a field the referenced resource does not have), and for an invalid or
    repeated resource name; returns ``None`` when the template is valid.
    """
    parse_template(template)


def parse_template(template: Any) -> dict[str, Any]:
    """Like :func:`validate_template`, and return the parsed ``compute_v1`` messages by
    resource name (references and parameters replaced by their stand-ins)."""
    from google.cloud import compute_v1  # optional dependency: only when validating
    from google.protobuf.json_format import ParseError  # type: ignore[import-untyped]

    body = template.to_dict() if hasattr(template, "to_dict") else template
    if not isinstance(body, Mapping):
        raise TemplateValidationError(f"expected a compute template (a dict), got {type(body).__name__}")
    ctx = _Context(body, compute_v1)
    parsed: dict[str, Any] = {}
    for name, resource in ctx.resources.items():
        type_name = resource.get("type")
        where = f"resource {name!r} ({type_name})"
        if type_name not in ctx.kinds:
            raise TemplateValidationError(
                f"{where}: unknown resource type {type_name!r}{did_you_mean(str(type_name), ctx.kinds)}"
            )
        message_name, scope, _collection = ctx.kinds[type_name]
        properties = resource.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise TemplateValidationError(f"{where}: `properties` must be an object, got {properties!r}")
        properties = dict(properties)
        if scope != "global":
            location = properties.pop(scope, None)
            if not isinstance(location, str) or not location:
                raise TemplateValidationError(f"{where}: properties need `{scope}`, the {scope} to create it in")
            if _PLACEHOLDER.match(location):
                ctx.stand_in(location, _StringField(), f"{where}: properties.{scope}")
        if "name" in properties:
            raise TemplateValidationError(f"{where}: `name` belongs to the resource, not to its properties")
        message = getattr(compute_v1, message_name)
        descriptor = message.pb().DESCRIPTOR
        body_json = _fill(ctx, properties, descriptor, f"{where}: properties")
        body_json["name"] = name
        try:
            parsed[name] = message.from_json(json.dumps(body_json), ignore_unknown_fields=False)
        except ParseError as exc:
            detail = str(exc).split("\n", 1)[0]
            raise TemplateValidationError(
                f"{where}: properties do not parse into compute_v1.{message_name}: {detail}"
            ) from None
    for i, output in enumerate(body.get("outputs") or []):
        value = output.get("value") if isinstance(output, Mapping) else None
        for text in _strings(value):
            for match in _EMBEDDED.finditer(text):
                ctx.stand_in(match.group(0), _StringField(), f"output {output.get('name', i)!r}")
    return parsed


class _StringField:
    type = _STRING
    is_repeated = False


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    return []
