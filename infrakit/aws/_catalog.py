"""The runtime of the generated AWS catalogue: base classes and lazy service modules.

Each generated ``infrakit.aws.<service>`` module is a literal table (format in
``infrakit._spec``) handed to :func:`service`; a resource class is built from its
entry the first time it is accessed, then cached in the module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal

import attrs

from infrakit._expr import ConditionRef, describe_value
from infrakit._provider import Provider
from infrakit._resource import (
    PropertyType,
    Resource,
    building_prefix,
    make_property_class,
    make_resource_class,
    option_field,
)
from infrakit.aws._provider import AWS
from infrakit.errors import PropertyTypeError, did_you_mean

__all__ = [
    "AwsProperty",
    "AwsResource",
    "ConditionArg",
    "DeletionPolicy",
    "DependsOn",
    "Json",
    "Metadata",
    "UpdateReplacePolicy",
    "service",
]

DeletionPolicy = Literal["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"]
UpdateReplacePolicy = Literal["Delete", "Retain", "Snapshot"]
DependsOn = Resource | Sequence[Resource] | None
ConditionArg = str | ConditionRef | None
Metadata = Mapping[str, Any]
Json = Mapping[str, Any]

_DELETION = ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot")
_UPDATE_REPLACE = ("Delete", "Retain", "Snapshot")


def _one_of(option: str, allowed: tuple[str, ...]) -> Callable[[Any, Any], None]:
    def check(inst: Any, value: Any) -> None:
        if value is not None and value not in allowed:
            hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
            raise PropertyTypeError(
                f"{building_prefix()}{inst._describe()}: {option} must be one of {', '.join(allowed)}, "
                f"got {describe_value(value)}{hint}"
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


@attrs.define(eq=False, slots=True)
class AwsResource(Resource):
    """Base of every AWS CloudFormation resource class."""

    condition: Any = option_field(_check_condition)
    deletion_policy: Any = option_field(_one_of("deletion_policy", _DELETION))
    update_replace_policy: Any = option_field(_one_of("update_replace_policy", _UPDATE_REPLACE))
    metadata: Any = option_field(_check_metadata)

    provider: ClassVar[Provider] = AWS
    _option_names: ClassVar[tuple[str, ...]] = ("condition", "metadata")

    def _check_given(self, given: Mapping[str, Any]) -> None:
        """Check the property values given at construction against the type's schema."""
        from infrakit.aws._schema import check_given

        check_given(self, given)


class AwsProperty(PropertyType):
    """Base of every AWS nested property type class."""

    __slots__ = ()


def _nested_builder(name: str, module: str, doc: str, props: tuple[Any, ...]) -> Callable[[type], type]:
    def build(resource_cls: type) -> type:
        return make_property_class(
            name,
            qualname=f"{resource_cls.__qualname__}.{name}",
            module=module,
            doc=doc,
            props=props,
            lookup=lambda n: getattr(resource_cls, n),
            base=AwsProperty,
        )

    return build


def service(
    module_name: str, table: dict[str, tuple[Any, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a generated service module."""

    def __getattr__(name: str) -> Any:
        entry = table.get(name)
        if entry is None:
            raise AttributeError(f"module {module_name!r} has no resource type {name!r}{did_you_mean(name, table)}")
        resource_type, doc, props, attributes, nested = entry
        cls = make_resource_class(
            name,
            base=AwsResource,
            module=module_name,
            resource_type=resource_type,
            doc=doc,
            props=props,
            attributes=attributes,
            nested={n: _nested_builder(n, module_name, d, p) for n, (d, p) in nested.items()},
        )
        setattr(sys.modules[module_name], name, cls)
        return cls

    def __dir__() -> list[str]:
        return sorted(set(table) | set(vars(sys.modules[module_name])))

    return __getattr__, __dir__
