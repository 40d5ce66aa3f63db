"""CloudFormation's parameter types, for checking ``ik.param(aws_type=...)``."""

from __future__ import annotations

import functools
from typing import Any

from infrakit.errors import DefinitionError, did_you_mean

__all__ = ["check_parameter_type", "check_parameter_type_name", "is_list_type", "parameter_types"]

#: The AWS-specific types a console can list values of ("AWS-specific parameter types").
_AWS_SPECIFIC = (
    "AWS::EC2::AvailabilityZone::Name",
    "AWS::EC2::Image::Id",
    "AWS::EC2::Instance::Id",
    "AWS::EC2::KeyPair::KeyName",
    "AWS::EC2::SecurityGroup::GroupName",
    "AWS::EC2::SecurityGroup::Id",
    "AWS::EC2::Subnet::Id",
    "AWS::EC2::VPC::Id",
    "AWS::EC2::Volume::Id",
    "AWS::Route53::HostedZone::Id",
)
#: Types with no list form (a key pair's name is given one at a time).
_NO_LIST = frozenset({"AWS::EC2::KeyPair::KeyName"})
_SSM_NAME = "AWS::SSM::Parameter::Name"


@functools.cache
def parameter_types() -> dict[str, bool]:
    """Every parameter type CloudFormation accepts, mapped to whether its value is a list."""
    single = ["String", "Number", *_AWS_SPECIFIC, _SSM_NAME]
    lists = ["CommaDelimitedList", "List<String>", "List<Number>"]
    lists += [f"List<{t}>" for t in _AWS_SPECIFIC if t not in _NO_LIST]
    types = {t: False for t in single} | {t: True for t in lists}
    for t in single:
        types[f"AWS::SSM::Parameter::Value<{t}>"] = False
    for t in lists:
        types[f"AWS::SSM::Parameter::Value<{t}>"] = True
    return types


def is_list_type(aws_type: str) -> bool:
    """Whether a parameter of this (known) type holds a list."""
    return parameter_types().get(aws_type, False)


def check_parameter_type_name(owner: str, aws_type: Any) -> None:
    """Refuse an ``aws_type`` that CloudFormation does not know."""
    known = parameter_types()
    if not isinstance(aws_type, str) or aws_type not in known:
        hint = did_you_mean(aws_type, known) if isinstance(aws_type, str) else ""
        raise DefinitionError(
            f"{owner}: aws_type {aws_type!r} is not a CloudFormation parameter type{hint}; use one of String, "
            "Number, CommaDelimitedList, List<Number>, an AWS-specific type such as AWS::EC2::VPC::Id (or its "
            "List<...>), or AWS::SSM::Parameter::Value<...> of those"
        )


def check_parameter_type(owner: str, aws_type: Any, python_type: Any) -> None:
    """Refuse an ``aws_type`` that CloudFormation does not know, or whose value (a list or
    not) does not fit the field's Python type."""
    check_parameter_type_name(owner, aws_type)
    known = parameter_types()
    is_list = python_type is list or getattr(python_type, "__origin__", None) is list
    if known[aws_type] != is_list:
        wanted = "ik.Param[list[str]]" if known[aws_type] else "a single value (ik.Param[str])"
        raise DefinitionError(
            f"{owner}: aws_type {aws_type!r} holds {'a list' if known[aws_type] else 'one value'}; declare the field {wanted}"
        )
