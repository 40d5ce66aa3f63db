"""Custom resources: ``Custom::<Name>`` types backed by a Lambda function or SNS topic.

Their properties and attributes are whatever the provider function takes and returns,
so they are not in the generated catalogue: :class:`CustomResource` takes the service
token, a free-form ``properties`` dict (which may hold expressions) and gives any
attribute name as an expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

import attrs

from infrakit._expr import Expr, GetAtt, describe_value
from infrakit._resource import _check_logical_id, _on_setattr, _option_checks, building_prefix, option_field
from infrakit.aws._catalog import AwsResource
from infrakit.errors import PropertyTypeError

__all__ = ["CustomResource"]

_TYPE_NAME = re.compile(r"^(Custom::[A-Za-z0-9_@-]{1,60}|AWS::CloudFormation::CustomResource)$")
_RESERVED = frozenset({"ServiceToken", "ServiceTimeout"})


def _check_type_name(inst: Any, value: Any) -> None:
    if not isinstance(value, str) or not _TYPE_NAME.match(value):
        raise PropertyTypeError(
            f"{building_prefix()}custom resource '{inst.logical_id}': type_name must be "
            f"'Custom::<Name>' (letters, digits, _ @ -; up to 60) or 'AWS::CloudFormation::CustomResource', "
            f"got {describe_value(value)}"
        )


def _check_properties(inst: Any, value: Any) -> None:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise PropertyTypeError(
            f"{building_prefix()}{inst._describe()}: properties must be a dict with str keys, got {describe_value(value)}"
        )
    clash = sorted(_RESERVED & set(value))
    if clash:
        raise PropertyTypeError(
            f"{building_prefix()}{inst._describe()}: properties may not set {clash[0]}; pass it as "
            f"{'service_token' if clash[0] == 'ServiceToken' else 'service_timeout'}=..."
        )


def _check_token(inst: Any, value: Any) -> None:
    if not isinstance(value, str) and not (isinstance(value, Expr) and value.type in (str, Any)):
        raise PropertyTypeError(
            f"{building_prefix()}{inst._describe()}: service_token must be a str (an ARN), got {describe_value(value)}"
        )


def _check_timeout(inst: Any, value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, Expr))
        or (isinstance(value, int) and not 1 <= value <= 3600)
    ):
        raise PropertyTypeError(
            f"{building_prefix()}{inst._describe()}: service_timeout must be 1 to 3600 seconds, got {describe_value(value)}"
        )


class _AnyAttrs:
    __slots__ = ("_resource",)

    def __init__(self, resource: CustomResource) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Expr[Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        return GetAtt(self._resource, name, Any, name)


@attrs.define(eq=False, slots=True)
class CustomResource(AwsResource):
    """A custom resource backed by a Lambda function or an SNS topic::

        seed = self.add(CustomResource(
            "Seed", type_name="Custom::Seed", service_token=seeder.attrs.arn,
            properties={"Table": table.ref, "Rows": 100},
        ))

    ``.attrs.<Name>`` is the ``Fn::GetAtt`` of any attribute the provider returns, under
    the name it returns it (``seed.attrs.Version``).
    """

    type_name: str = attrs.field(
        default="AWS::CloudFormation::CustomResource",
        kw_only=True,
        on_setattr=_on_setattr(_check_type_name),
        metadata={"infrakit.check": _check_type_name},
    )
    service_token: Any = option_field(_check_token)
    service_timeout: Any = option_field(_check_timeout)
    properties: Any = option_field(_check_properties)

    _props: ClassVar[tuple[Any, ...]] = (
        ("service_token", "ServiceToken", "str", True),
        ("service_timeout", "ServiceTimeout", "int", False),
    )

    def __attrs_post_init__(self) -> None:
        # Generated classes check what they are given in __init__; this hand-written one
        # does the same here, with the same checks.
        _check_logical_id(self, self.logical_id)
        for name, check in _option_checks(type(self)).items():
            value = getattr(self, name)
            if value is not None:
                check(self, value)

    def _values(self) -> Iterator[tuple[str, Any]]:
        yield from super()._values()
        if self.properties:
            yield "properties", self.properties

    @property
    def resource_type(self) -> str:  # type: ignore[override]
        """The type this custom resource is deployed as (``Custom::<Name>``)."""
        return str(self.type_name)

    @property
    def attrs(self) -> Any:
        """Any attribute the custom resource's provider returns: ``.attrs.Version``."""
        return _AnyAttrs(self)

    def extra_properties(self) -> dict[str, Any]:
        """The free-form properties, written after ``ServiceToken`` and ``ServiceTimeout``."""
        return dict(self.properties or {})
