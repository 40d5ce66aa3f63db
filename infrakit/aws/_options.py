"""CloudFormation's resource options (resource attributes): one table.

:data:`OPTIONS` drives everything about them: the keywords of every AWS resource class, their
checks, how they are rendered (``DependsOn``, ``Condition``, ``DeletionPolicy``, ...), which
of them may hold expressions, and the generator's stubs and reserved names
(``tools/gen_aws.py``). Adding an option is one entry here (and a regeneration).

``creation_policy=`` and ``update_policy=`` take the typed :class:`CreationPolicy` and
:class:`UpdatePolicy` of ``infrakit.aws._policies``, made on first use.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import attrs

from infrakit._expr import ConditionRef, describe_value
from infrakit._resource import DEPENDS_ON, ResourceOption, building_prefix, options_getter
from infrakit.errors import DanglingReferenceError, PropertyTypeError, did_you_mean

__all__ = ["OPTIONS"]

_DELETION = ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot")
_UPDATE_REPLACE = ("Delete", "Retain", "Snapshot")


# --- the table ----------------------------------------------------------------------------


def _one_of(option: str, allowed: tuple[str, ...]) -> Callable[[Any, Any], None]:
    def check(inst: Any, value: Any) -> None:
        if value is not None and value not in allowed:
            hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
            raise PropertyTypeError(
                f"{building_prefix()}{inst._describe()}: {option} must be one of {', '.join(allowed)}, "
                f"got {describe_value(value)}{hint}"
            )

    return check


def _instance_of(option: str, name: str, how: str) -> Callable[[Any, Any], None]:
    """The check that an option's value is the policy class ``name``: a value of it exists only
    once ``infrakit.aws._policies`` is loaded, so an unloaded module means a wrong value."""

    def check(inst: Any, value: Any) -> None:
        policies = sys.modules.get("infrakit.aws._policies")
        if value is not None and (policies is None or not isinstance(value, getattr(policies, name))):
            raise PropertyTypeError(
                f"{building_prefix()}{inst._describe()}: {option} takes {how}, got {describe_value(value)}"
            )

    return check


def _check_condition(inst: Any, value: Any) -> None:
    if value is not None and not isinstance(value, (str, ConditionRef)):
        raise PropertyTypeError(
            f"{building_prefix()}{inst._describe()}: condition takes a condition from self.condition(...), "
            f"got {describe_value(value)}"
        )


def _check_metadata(inst: Any, value: Any) -> None:
    if value is not None and not isinstance(value, dict):
        raise PropertyTypeError(
            f"{building_prefix()}{inst._describe()}: metadata must be a dict, got {describe_value(value)}"
        )


def _render_depends_on(_r: Any, resource: Any, _value: Any) -> Any:
    return [d.logical_id for d in resource.dependencies()] or None


def _render_condition(r: Any, resource: Any, value: Any) -> Any:
    name = value.name if isinstance(value, ConditionRef) else value
    if name not in r.synthesis.conditions:
        raise DanglingReferenceError(
            f"{r.synthesis.name}: {resource._describe()}: condition {name!r} is never defined; define it with "
            "self.condition(name, expr)"
        )
    return name


def _render_plain(_r: Any, _resource: Any, value: Any) -> Any:
    return value


#: CloudFormation's resource options, in the order they are written in a resource. The first
#: five are ``reserved`` (they were keywords from the start: a property of that name is
#: generated as ``name_``); a later option yields its keyword to a property of the same name
#: and is then set with ``resource.with_options(...)``.
OPTIONS: tuple[ResourceOption, ...] = (
    attrs.evolve(DEPENDS_ON, wire="DependsOn", render=_render_depends_on),
    ResourceOption(
        "condition",
        "Condition",
        _check_condition,
        _render_condition,
        annotation="ConditionArg",
        expressions=True,
        reserved=True,
    ),
    ResourceOption(
        "deletion_policy",
        "DeletionPolicy",
        _one_of("deletion_policy", _DELETION),
        _render_plain,
        annotation="DeletionPolicy | None",
        reserved=True,
    ),
    ResourceOption(
        "update_replace_policy",
        "UpdateReplacePolicy",
        _one_of("update_replace_policy", _UPDATE_REPLACE),
        _render_plain,
        annotation="UpdateReplacePolicy | None",
        reserved=True,
    ),
    ResourceOption(
        "metadata", "Metadata", _check_metadata, annotation="Metadata | None", expressions=True, reserved=True
    ),
    ResourceOption(
        "creation_policy",
        "CreationPolicy",
        _instance_of("creation_policy", "CreationPolicy", "a CreationPolicy(...)"),
        annotation="CreationPolicy | None",
        expressions=True,
    ),
    ResourceOption(
        "update_policy",
        "UpdatePolicy",
        _instance_of("update_policy", "UpdatePolicy", "an UpdatePolicy(...)"),
        annotation="UpdatePolicy | None",
        expressions=True,
    ),
)


def render_options(r: Any, resource: Any, body: dict[str, Any]) -> None:
    """Write a resource's options into its rendered ``body``, in the table's order."""
    cls = type(resource)
    for option, value in zip(cls._options, options_getter(cls)(resource), strict=True):
        if value is None and option.name != "depends_on":
            continue
        rendered = option.render(r, resource, value) if option.render is not None else r.value(value)
        if rendered is not None:
            body[option.wire] = rendered
