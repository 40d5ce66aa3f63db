"""A component's contract as data: what a consumer reads before wiring it.

:func:`describe_component` gives a component's inputs (types, defaults, validators, which are
deploy-time) and outputs (types, descriptions) and the distribution (package and version) it
comes from. :func:`contract_of` is the part of it that the manifest records per instance, so
that ``infrakit diff`` can tell breaking changes of a contract from compatible ones
(:func:`compare_contracts`).
"""

from __future__ import annotations

from typing import Any

import attrs

from infrakit._contract import UNSET, inputs_fields, output_aliases, outputs_fields
from infrakit._expr import type_name

__all__ = [
    "ContractChange",
    "compare_contracts",
    "contract_of",
    "describe_component",
    "package_of",
    "provenance_of",
]


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n", 1)[0].strip()


def package_of(module: str) -> tuple[str, str] | None:
    """``(distribution name, version)`` of the installed distribution that provides
    ``module``'s top-level package, or ``None`` (a module of the app itself, not installed)."""
    from infrakit._distributions import distribution_of as find

    dist = find(module)
    return dist.identity() if dist is not None else None


def _field_description(field: attrs.Attribute[Any]) -> str | None:
    options = field.metadata.get("infrakit.param")
    description = getattr(options, "description", None)
    if description is None:
        out = field.metadata.get("infrakit.out")
        description = getattr(out, "description", None)
    return description if isinstance(description, str) else None


def _default(field: attrs.Attribute[Any], secret: bool) -> tuple[bool, Any]:
    """``(required, default as JSON data)``; a secret's default is never shown."""
    default = field.default
    if default is attrs.NOTHING or default is UNSET:
        return True, None
    if secret:
        return False, "<secret>"
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return False, "<factory>"
    return False, _jsonable(default)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    enum_value = getattr(value, "value", None)
    if enum_value is not None and isinstance(enum_value, (str, int, float, bool)):
        return enum_value
    return repr(value)


def _validators(field: attrs.Attribute[Any]) -> list[str]:
    found = field.metadata.get("infrakit.validators") or ()
    shown: list[str] = []
    for validator in found:
        inner = getattr(validator, "_validators", None)  # attrs.validators.and_
        for v in inner if inner is not None else (validator,):
            shown.append(repr(v))
    return shown


def describe_component(component: type) -> dict[str, Any]:
    """A component's contract as JSON data (see the module docstring)."""
    inputs_type = component.inputs_type  # type: ignore[attr-defined]
    outputs_type = component.outputs_type  # type: ignore[attr-defined]
    fields = {a.name: a for a in attrs.fields(inputs_type)}
    inputs: list[dict[str, Any]] = []
    for name, info in inputs_fields(inputs_type):
        field = fields[name]
        secret = bool(getattr(info.options, "secret", False))
        required, default = _default(field, secret)
        entry: dict[str, Any] = {
            "name": name,
            "type": type_name(info.type),
            "deploy_time": info.kind == "param",
            "required": required,
        }
        if not required:
            entry["default"] = default
        if secret:
            entry["secret"] = True
        description = _field_description(field)
        if description:
            entry["description"] = description
        validators = _validators(field)
        if validators:
            entry["validators"] = validators
        inputs.append(entry)
    out_fields = {a.name: a for a in attrs.fields(outputs_type)}
    outputs: list[dict[str, Any]] = []
    for name, t in outputs_fields(outputs_type):
        entry = {"name": name, "type": type_name(t)}
        description = _field_description(out_fields[name])
        if description:
            entry["description"] = description
        outputs.append(entry)
    types = {o["name"]: o["type"] for o in outputs}
    for alias, field in output_aliases(outputs_type).items():
        outputs.append({"name": alias, "type": types[field], "deprecated_alias_of": field})
    module = component.__module__
    dist = package_of(module)
    return {
        "component": f"{module}:{component.__qualname__}",
        "description": _first_line(component.__doc__),
        "package": {"name": dist[0], "version": dist[1]} if dist else None,
        "inputs": inputs,
        "outputs": outputs,
    }


_PROVENANCE: dict[type, dict[str, Any]] = {}
_CONTRACTS: dict[type, dict[str, Any]] = {}


def provenance_of(component: type) -> dict[str, Any]:
    """What produced a component's template: infrakit's version and, for a component from an
    installed distribution, that distribution's name and version (computed once per class)."""
    known = _PROVENANCE.get(component)
    if known is None:
        import infrakit

        known = {"infrakit": infrakit.__version__}
        dist = package_of(component.__module__)
        if dist is not None:
            known["package"] = {"name": dist[0], "version": dist[1]}
        _PROVENANCE[component] = known
    return known


def contract_of(component: type) -> dict[str, Any]:
    """What the manifest records of a component's contract: ``{"inputs": {field: {"type",
    "required", "deploy_time"}}, "outputs": {field: type}}`` (computed once per class)."""
    known = _CONTRACTS.get(component)
    if known is None:
        known = _CONTRACTS[component] = _contract(component)
    return known


def _contract(component: type) -> dict[str, Any]:
    described = describe_component(component)
    return {
        "inputs": {
            i["name"]: {"type": i["type"], "required": i["required"], "deploy_time": i["deploy_time"]}
            for i in described["inputs"]
        },
        "outputs": {o["name"]: o["type"] for o in described["outputs"]},
    }


@attrs.frozen
class ContractChange:
    """One change of an instance's contract between two assemblies."""

    instance: str
    #: ``output-added``, ``output-removed``, ``output-retyped``, ``input-added``,
    #: ``input-removed``, ``input-now-required``, ``input-retyped``, ``input-now-deploy-time``...
    kind: str
    name: str
    breaking: bool
    detail: str = ""
    #: Consumers that a breaking output change hits (they wire the output).
    consumers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "instance": self.instance,
            "kind": self.kind,
            "name": self.name,
            "breaking": self.breaking,
        }
        if self.detail:
            data["detail"] = self.detail
        if self.consumers:
            data["consumers"] = list(self.consumers)
        return data


def compare_contracts(
    instance: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    wired_by: dict[str, list[str]] | None = None,
) -> list[ContractChange]:
    """The changes from contract ``old`` to ``new`` of one instance, each classified.

    ``wired_by`` maps an output field to the instances (in the new assembly) that wire it: a
    removed or retyped output breaks exactly those. Removing or retyping an output nobody
    wires is still breaking (for consumers outside this app), with no consumers named.
    """
    if not old or not new:
        return []
    wired_by = wired_by or {}
    changes: list[ContractChange] = []
    old_out, new_out = old.get("outputs", {}), new.get("outputs", {})
    for name in sorted(set(old_out) | set(new_out)):
        hit = tuple(wired_by.get(name, ()))
        if name not in new_out:
            changes.append(ContractChange(instance, "output-removed", name, True, f"was {old_out[name]}", hit))
        elif name not in old_out:
            changes.append(ContractChange(instance, "output-added", name, False, new_out[name]))
        elif old_out[name] != new_out[name]:
            detail = f"{old_out[name]} -> {new_out[name]}"
            changes.append(ContractChange(instance, "output-retyped", name, True, detail, hit))
    old_in, new_in = old.get("inputs", {}), new.get("inputs", {})
    for name in sorted(set(old_in) | set(new_in)):
        before, after = old_in.get(name), new_in.get(name)
        if after is None:
            # The app code that set it no longer synthesizes: breaking for whoever configures it.
            changes.append(ContractChange(instance, "input-removed", name, True))
        elif before is None:
            required = bool(after.get("required"))
            detail = "required" if required else "optional"
            changes.append(ContractChange(instance, "input-added", name, required, detail))
        else:
            if after.get("type") != before.get("type"):
                detail = f"{before.get('type')} -> {after.get('type')}"
                changes.append(ContractChange(instance, "input-retyped", name, True, detail))
            if after.get("required") and not before.get("required"):
                changes.append(ContractChange(instance, "input-now-required", name, True))
            elif before.get("required") and not after.get("required"):
                changes.append(ContractChange(instance, "input-now-optional", name, False))
            if after.get("deploy_time") != before.get("deploy_time"):
                kind = "input-now-deploy-time" if after.get("deploy_time") else "input-now-build-time"
                changes.append(ContractChange(instance, kind, name, True))
    return changes


#: The entry-point group through which installed packages list their components:
#: ``[project.entry-points."infrakit.components"] network = "acme.network:Network"``.
ENTRY_POINT_GROUP = "infrakit.components"


def installed_components() -> dict[str, type]:
    """Every component that an installed distribution lists in the ``infrakit.components``
    entry-point group, by ``<distribution>:<entry point name>``.

    An entry point that does not load, or names something other than a component class, is
    an :class:`~infrakit.errors.DefinitionError` naming the distribution and entry point.
    """
    from importlib import metadata

    from infrakit._component import Component
    from infrakit.errors import DefinitionError

    found: dict[str, type] = {}
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.value, e.name)):
        dist = getattr(entry, "dist", None)
        owner = f"{dist.name if dist is not None else '?'}:{entry.name}"
        try:
            value = entry.load()
        except Exception as exc:
            raise DefinitionError(
                f"entry point {owner} ({entry.value}) in group {ENTRY_POINT_GROUP!r} does not load: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not (isinstance(value, type) and issubclass(value, Component)):
            raise DefinitionError(
                f"entry point {owner} ({entry.value}) in group {ENTRY_POINT_GROUP!r} names {value!r}, "
                "not an ik.Component subclass"
            )
        found[owner] = value
    return found


def format_description(described: dict[str, Any]) -> str:
    """:func:`describe_component`'s data as the text ``infrakit describe`` prints."""
    package = described.get("package")
    version = f"  [{package['name']} {package['version']}]" if package else ""
    lines = [f"{described['component']}{version}"]
    if described.get("description"):
        lines.append(f"  {described['description']}")
    lines.append("  inputs:")
    for i in described["inputs"]:
        when = "deploy-time" if i["deploy_time"] else "build-time"
        default = "required" if i["required"] else f"default {i['default']!r}"
        extra = [when, default]
        if i.get("secret"):
            extra.append("secret")
        lines.append(f"    {i['name']}: {i['type']}  ({', '.join(extra)})")
        if i.get("description"):
            lines.append(f"      {i['description']}")
        for v in i.get("validators", ()):
            lines.append(f"      validator: {v}")
    lines.append("  outputs:")
    for o in described["outputs"]:
        text = f"    {o['name']}: {o['type']}"
        if o.get("deprecated_alias_of"):
            text += f"  - deprecated: renamed {o['deprecated_alias_of']}"
        elif o.get("description"):
            text += f"  - {o['description']}"
        lines.append(text)
    return "\n".join(lines) + "\n"
