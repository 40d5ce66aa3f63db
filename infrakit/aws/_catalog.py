"""The runtime of the generated AWS catalogue: base classes and lazy service modules.

Each generated ``infrakit.aws.<service>`` module is a literal table (format in
``infrakit._spec``) handed to :func:`service`; a resource class is built from its
entry the first time it is accessed, then cached in the module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import attrs

from infrakit._expr import ConditionRef
from infrakit._provider import Provider
from infrakit._resource import (
    PropertyType,
    Resource,
    ResourceOption,
    lazy_module,
    make_property_class,
    make_resource_class,
)
from infrakit.aws._options import OPTIONS
from infrakit.aws._provider import AWS

if TYPE_CHECKING:
    from infrakit._expr import Expr
    from infrakit._tags import Tag
    from infrakit.aws._policies import CreationPolicy, UpdatePolicy

__all__ = [
    "AwsProperty",
    "AwsResource",
    "ConditionArg",
    "CreationPolicy",
    "DeletionPolicy",
    "DependsOn",
    "Json",
    "Metadata",
    "TagsArg",
    "UpdatePolicy",
    "UpdateReplacePolicy",
    "service",
]

DeletionPolicy = Literal["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"]
UpdateReplacePolicy = Literal["Delete", "Retain", "Snapshot"]
DependsOn = Resource | Sequence[Resource] | None
ConditionArg = str | ConditionRef | None
Metadata = Mapping[str, Any]
Json = Mapping[str, Any]
#: What a resource's tags property takes besides its own shape: ``ik.Tag`` objects or a
#: ``{key: value}`` dict (rendered in the type's shape; see ``infrakit._tags``).
TagsArg = Sequence["Tag"] | Mapping[str, "str | Expr[str]"]


@attrs.define(eq=False, slots=True, these={o.name: o.field() for o in OPTIONS[1:]})
class AwsResource(Resource):
    """Base of every AWS CloudFormation resource class; its option keywords (``condition``,
    ``deletion_policy``, ...) come from the table ``infrakit.aws._options.OPTIONS``."""

    provider: ClassVar[Provider] = AWS
    _options: ClassVar[tuple[ResourceOption, ...]] = OPTIONS
    #: A number (a ``Ref`` to a ``Number`` parameter) is text to CloudFormation.
    _numbers_as_text: ClassVar[bool] = True

    @classmethod
    def _tags_field(cls) -> str | None:
        """The keyword of the type's tags property (from the schemas' tagging metadata)."""
        from infrakit.aws._tags import tags_field

        return tags_field(cls)

    @staticmethod
    def _given_check(cls: type) -> Callable[[Any, Mapping[str, Any]], None] | None:
        """The check of the property values given at construction against the type's schema
        (``infrakit.aws._schema``), or None for a type with nothing to check then."""
        from infrakit.aws._schema import given_check

        return given_check(cls)


class AwsProperty(PropertyType):
    """Base of every AWS nested property type class."""

    __slots__ = ()
    _numbers_as_text: ClassVar[bool] = True


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


#: The catalogue module of each resource type whose class has been made (``"AWS::EC2::VPC"``:
#: ``"ec2"``): where its schema is found without loading the index of every type.
SERVICE_OF: dict[str, str] = {}


def service(
    module_name: str, table: dict[str, tuple[Any, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a generated service module."""

    service_name = module_name.rsplit(".", 1)[-1]

    def build(name: str) -> type:
        resource_type, doc, props, attributes, nested = table[name]
        SERVICE_OF[resource_type] = service_name
        return make_resource_class(
            name,
            base=AwsResource,
            module=module_name,
            resource_type=resource_type,
            doc=doc,
            props=props,
            attributes=attributes,
            nested={n: _nested_builder(n, module_name, d, p) for n, (d, p) in nested.items()},
        )

    return lazy_module(module_name, table, build, "resource type")


def __getattr__(name: str) -> Any:
    # The policy classes are made on first use (importing a service module does not make them).
    if name in ("CreationPolicy", "UpdatePolicy"):
        from infrakit.aws import _policies

        return getattr(_policies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
