"""CloudFormation intrinsic functions and pseudo parameters, as typed expressions.

Each function checks its arguments when called and returns an ``Expr[T]`` whose
``T`` is the type of the value CloudFormation computes, so ``fn.select(0, fn.get_azs())``
is an ``Expr[str]`` and ``fn.cidr(...)`` an ``Expr[list[str]]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from infrakit._expr import (
    Call,
    ConditionRef,
    Expr,
    ParamRef,
    Renderer,
    compatible,
    describe_value,
    type_name,
    value_type,
)
from infrakit._resource import Resource, building_prefix
from infrakit.aws._dynamic import resolve_secret, resolve_ssm_secure
from infrakit.errors import PropertyTypeError, UnknownAttributeError, did_you_mean

__all__ = [
    "CfnMapping",
    "account_id",
    "and_",
    "as_str",
    "base64",
    "cidr",
    "contains",
    "each_member_equals",
    "each_member_in",
    "equals",
    "find_in_map",
    "get_att",
    "get_azs",
    "if_",
    "import_value",
    "include",
    "join",
    "length",
    "mapping",
    "no_value",
    "not_",
    "notification_arns",
    "or_",
    "partition",
    "ref",
    "ref_all",
    "region",
    "resolve_secret",
    "resolve_ssm_secure",
    "select",
    "split",
    "stack_id",
    "stack_name",
    "sub",
    "to_json_string",
    "transform",
    "url_suffix",
    "value_of",
    "value_of_all",
]

T = TypeVar("T")
Str = str | Expr[str]
Int = int | Expr[int]


def _type_of(value: Any) -> Any:
    """A value's type for the functions' checks: other objects (a property type in an
    ``fn.if_`` branch) are ``Any``, left to the property's own check."""
    return value_type(value, Any)


def _expect(function: str, argument: str, expected: Any, value: Any) -> None:
    if not compatible(expected, _type_of(value)):
        raise PropertyTypeError(
            f"{building_prefix()}fn.{function}: {argument} must be {type_name(expected)}, got {describe_value(value)}"
        )


def _pseudo(name: str, type: Any) -> Expr[Any]:
    return Call("Ref", name, type)


#: ``AWS::Region``: the region the stack is deployed in.
region: Expr[str] = _pseudo("AWS::Region", str)
#: ``AWS::AccountId``: the account the stack is deployed in.
account_id: Expr[str] = _pseudo("AWS::AccountId", str)
#: ``AWS::StackName``.
stack_name: Expr[str] = _pseudo("AWS::StackName", str)
#: ``AWS::StackId``.
stack_id: Expr[str] = _pseudo("AWS::StackId", str)
#: ``AWS::Partition``: ``aws``, ``aws-cn``, ``aws-us-gov``...
partition: Expr[str] = _pseudo("AWS::Partition", str)
#: ``AWS::URLSuffix``: ``amazonaws.com`` in most regions.
url_suffix: Expr[str] = _pseudo("AWS::URLSuffix", str)
#: ``AWS::NotificationARNs``.
notification_arns: Expr[list[str]] = _pseudo("AWS::NotificationARNs", list[str])
#: ``AWS::NoValue``: removes the property it is given to (use inside ``if_``).
no_value: Expr[Any] = _pseudo("AWS::NoValue", Any)

_PSEUDO = {
    "AWS::Region": region,
    "AWS::AccountId": account_id,
    "AWS::StackName": stack_name,
    "AWS::StackId": stack_id,
    "AWS::Partition": partition,
    "AWS::URLSuffix": url_suffix,
    "AWS::NotificationARNs": notification_arns,
    "AWS::NoValue": no_value,
}


def ref(target: Resource | str) -> Expr[str]:
    """``Ref``: a resource's reference (same as ``resource.ref``) or a pseudo parameter
    by name (``fn.ref("AWS::Region")``)."""
    if isinstance(target, Resource):
        return target.ref
    if isinstance(target, str) and target in _PSEUDO:
        return _PSEUDO[target]
    raise PropertyTypeError(
        f"fn.ref takes a resource or a pseudo parameter ({', '.join(_PSEUDO)}), got {describe_value(target)}"
    )


#: Types whose attributes are named at deploy time: a nested stack's ``Outputs.<Name>``,
#: a custom resource's any name.
_DYNAMIC_ATTRIBUTES = {
    "AWS::CloudFormation::Stack": "Outputs.",
    "AWS::Serverless::Application": "Outputs.",
    "AWS::ServiceCatalog::CloudFormationProvisionedProduct": "Outputs.",
    "AWS::CloudFormation::CustomResource": "",
}


def get_att(resource: Resource, attribute: str) -> Expr[Any]:
    """``Fn::GetAtt``: an attribute by its CloudFormation name (``"Arn"``, ``"Endpoint.Address"``)
    or its Python name; same as ``resource.attrs.<name>``."""
    if not isinstance(resource, Resource):
        raise PropertyTypeError(f"{building_prefix()}fn.get_att takes a resource, got {describe_value(resource)}")
    if not isinstance(attribute, str):
        raise PropertyTypeError(
            f"{building_prefix()}fn.get_att: the attribute of {resource._describe()} must be its name as a str "
            f'("Arn" or "arn"), got {describe_value(attribute)}'
        )
    specs = type(resource)._attr_specs
    if attribute in specs:
        return getattr(resource.attrs, attribute)  # type: ignore[no-any-return]
    for py, (wire, _spec) in specs.items():
        if wire == attribute:
            return getattr(resource.attrs, py)  # type: ignore[no-any-return]
    prefix = _DYNAMIC_ATTRIBUTES.get(resource.resource_type)
    if prefix is None and resource.resource_type.startswith("Custom::"):
        prefix = ""  # a custom resource returns attributes of any name
    if prefix is not None and attribute.startswith(prefix) and len(attribute) > len(prefix):
        from infrakit._expr import GetAtt

        return GetAtt(resource, attribute, Any)
    wires = [w for w, _s in specs.values()]
    raise UnknownAttributeError(
        f"{resource._describe()}: no attribute {attribute!r}{did_you_mean(attribute, wires)}; "
        f"its attributes are: {', '.join(sorted(wires)) or 'none'}"
    )


_SUB_VAR = re.compile(r"\$\{(?!!)([^}]+)\}")


def sub(template: str, variables: Mapping[str, Any] | None = None) -> Expr[str]:
    """``Fn::Sub``: ``${Name}`` placeholders replaced by resources, parameters, pseudo
    parameters (``${AWS::Region}``) or the given ``variables``."""
    if not isinstance(template, str):
        raise PropertyTypeError(
            f"{building_prefix()}fn.sub: the template must be a str, got {describe_value(template)}"
        )
    if variables is not None and not isinstance(variables, Mapping):
        raise PropertyTypeError(
            f"{building_prefix()}fn.sub: variables must be a dict of name to value, got {describe_value(variables)}"
        )
    if variables:
        for key, value in variables.items():
            if not isinstance(key, str):
                raise PropertyTypeError(f"{building_prefix()}fn.sub: variable names must be str, got {key!r}")
            _expect("sub", f"variable {key!r}", str | int | float, value)
        return _Sub("Fn::Sub", [template, dict(variables)], str)
    return _Sub("Fn::Sub", template, str)


class _Sub(Call[str]):
    """``Fn::Sub``: its text names parameters and resources too (``${Name}``)."""

    __slots__ = ()

    def text_names(self) -> list[str]:
        """The parameters and resources the text names (``${Name}``, ``${Name.Attribute}``;
        not its own variables or pseudo parameters), which count as used."""
        template, variables = (self.args[0], self.args[1]) if isinstance(self.args, list) else (self.args, {})
        return [n.split(".", 1)[0] for n in sub_names(template) if n not in variables and not n.startswith("AWS::")]


def sub_names(template: str) -> list[str]:
    """The ``${Name}`` placeholders of a ``Fn::Sub`` template (``${!Literal}`` excluded)."""
    return _SUB_VAR.findall(template)


def join(delimiter: str, values: Sequence[Any] | Expr[list[str]]) -> Expr[str]:
    """``Fn::Join``: the values joined by ``delimiter``."""
    if not isinstance(delimiter, str):
        raise PropertyTypeError(
            f"{building_prefix()}fn.join: the delimiter must be a str, got {describe_value(delimiter)}"
        )
    if isinstance(values, Expr):
        _expect("join", "values", list[str], values)
    elif isinstance(values, (list, tuple)):
        for i, value in enumerate(values):
            _expect("join", f"item {i}", str | int | float, value)
        values = list(values)
    else:
        raise PropertyTypeError(f"{building_prefix()}fn.join: values must be a list, got {describe_value(values)}")
    return Call("Fn::Join", [delimiter, values], str)


def select(index: int | Expr[int], values: Sequence[T] | Expr[list[T]]) -> Expr[T]:
    """``Fn::Select``: the item at ``index`` of a list."""
    if isinstance(index, bool) or not isinstance(index, (int, Expr)):
        raise PropertyTypeError(f"{building_prefix()}fn.select: the index must be an int, got {describe_value(index)}")
    if isinstance(index, int) and index < 0:
        raise PropertyTypeError(f"{building_prefix()}fn.select: the index must be 0 or more, got {index}")
    if isinstance(values, Expr):
        kind = values.type
        if kind is not Any and getattr(kind, "__origin__", kind) is not list:
            raise PropertyTypeError(
                f"{building_prefix()}fn.select: values must be a list, got {describe_value(values)}"
            )
        args = getattr(kind, "__args__", None)
        item = args[0] if args else Any
    elif isinstance(values, (list, tuple)):
        if isinstance(index, int) and index >= len(values):
            raise PropertyTypeError(
                f"{building_prefix()}fn.select: index {index} is out of range for a list of {len(values)}"
            )
        types = {_type_of(v) for v in values}
        item = types.pop() if len(types) == 1 else Any
        values = list(values)
    else:
        raise PropertyTypeError(f"{building_prefix()}fn.select: values must be a list, got {describe_value(values)}")
    return Call("Fn::Select", [index, values], item)


def split(delimiter: str, source: Str) -> Expr[list[str]]:
    """``Fn::Split``: a string split into a list."""
    if not isinstance(delimiter, str):
        raise PropertyTypeError(
            f"{building_prefix()}fn.split: the delimiter must be a str, got {describe_value(delimiter)}"
        )
    _expect("split", "source", str, source)
    return Call("Fn::Split", [delimiter, source], list[str])


def base64(value: Str) -> Expr[str]:
    """``Fn::Base64``: the value base64-encoded (EC2 user data)."""
    _expect("base64", "value", str, value)
    return Call("Fn::Base64", value, str)


def cidr(ip_block: Str, count: Int, cidr_bits: int | str | Expr[Any]) -> Expr[list[str]]:
    """``Fn::Cidr``: ``count`` CIDR blocks of ``cidr_bits`` host bits carved from ``ip_block``."""
    _expect("cidr", "ip_block", str, ip_block)
    if isinstance(count, int) and not isinstance(count, bool):
        if not 1 <= count <= 256:
            raise PropertyTypeError(f"{building_prefix()}fn.cidr: count must be 1 to 256, got {count}")
    else:
        _expect("cidr", "count", int, count)
    bits = int(cidr_bits) if isinstance(cidr_bits, str) and cidr_bits.isdigit() else cidr_bits
    if isinstance(bits, int) and not isinstance(bits, bool):
        if not 1 <= bits <= 128:
            raise PropertyTypeError(f"{building_prefix()}fn.cidr: cidr_bits must be 1 to 128, got {cidr_bits!r}")
    elif not isinstance(bits, Expr):
        raise PropertyTypeError(
            f"{building_prefix()}fn.cidr: cidr_bits must be an int, got {describe_value(cidr_bits)}"
        )
    return Call("Fn::Cidr", [ip_block, count, cidr_bits], list[str])


def get_azs(region: Str = "") -> Expr[list[str]]:
    """``Fn::GetAZs``: the availability zones of a region (``""``: the stack's region)."""
    _expect("get_azs", "region", str, region)
    return Call("Fn::GetAZs", region, list[str])


def import_value(name: Str) -> Expr[str]:
    """``Fn::ImportValue``: an output exported by another stack."""
    _expect("import_value", "name", str, name)
    return Call("Fn::ImportValue", name, str)


class _If(Expr[T]):
    __slots__ = ("condition", "if_false", "if_true")

    def __init__(self, condition: ConditionRef, if_true: Any, if_false: Any, type: Any) -> None:
        super().__init__(type)
        self.condition = condition
        self.if_true = if_true
        self.if_false = if_false

    def _render(self, r: Renderer) -> Any:
        return {"Fn::If": [self.condition.name, r.value(self.if_true), r.value(self.if_false)]}

    def _children(self) -> Iterator[Any]:
        yield self.condition
        yield self.if_true
        yield self.if_false

    def _describe(self) -> str:
        return f"Fn::If {self.condition.name}"


def if_(condition: ConditionRef, if_true: T | Expr[T], if_false: T | Expr[T]) -> Expr[T]:
    """``Fn::If``: ``if_true`` where the condition holds, else ``if_false``
    (``fn.no_value`` removes the property)."""
    if not isinstance(condition, ConditionRef):
        raise PropertyTypeError(
            f"fn.if_ takes a condition from self.condition(name, expr), got {describe_value(condition)}"
        )
    a, b = _type_of(if_true), _type_of(if_false)
    if if_true is no_value:
        kind = b
    elif if_false is no_value or compatible(a, b):
        kind = a
    elif compatible(b, a):
        kind = b
    else:
        raise PropertyTypeError(
            f"{building_prefix()}fn.if_: both branches must have one type, got {type_name(a)} and {type_name(b)}"
        )
    return _If(condition, if_true, if_false, kind)


def _condition_operand(function: str, value: Any) -> Any:
    if isinstance(value, Expr) and value.type is bool:
        return value
    raise PropertyTypeError(
        f"fn.{function} takes conditions (self.condition(...), fn.equals, ...), got {describe_value(value)}"
    )


class _Condition(Call[bool]):
    """A condition function; a named condition inside it renders ``{"Condition": name}``."""

    __slots__ = ()

    def _render(self, r: Renderer) -> Any:
        operands = [_operand(r, a) if self.name != "Fn::Equals" else r.value(a) for a in self.args]
        return {self.name: operands}


def _operand(r: Renderer, value: Any) -> Any:
    """A condition operand: a named condition is ``{"Condition": name}``; a ``bool``
    parameter (a "true"/"false" String) is compared with ``"true"``."""
    if isinstance(value, ConditionRef):
        return r.condition(value)
    if isinstance(value, ParamRef):
        return {"Fn::Equals": [r.value(value), "true"]}
    return r.value(value)


def as_condition(r: Renderer, value: Any) -> Any:
    """Render a condition's expression: a bare ``bool`` parameter becomes ``Fn::Equals`` ``"true"``."""
    if isinstance(value, ParamRef):
        return {"Fn::Equals": [r.value(value), "true"]}
    return r.value(value)


def equals(a: Any, b: Any) -> Expr[bool]:
    """``Fn::Equals``: a condition true when both values are equal. A ``bool`` is compared
    as CloudFormation's text ``"true"``/``"false"`` (what an ``ik.Param[bool]`` holds)."""
    operands = []
    for side, value in (("first", a), ("second", b)):
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not isinstance(value, (str, int, float, Expr)):
            raise PropertyTypeError(
                f"{building_prefix()}fn.equals: the {side} value must be a str, number or bool, got "
                f"{describe_value(value)}"
            )
        operands.append(value)
    return _Condition("Fn::Equals", operands, bool)


def and_(*conditions: Expr[bool]) -> Expr[bool]:
    """``Fn::And``: true when all 2 to 10 conditions are."""
    if not 2 <= len(conditions) <= 10:
        raise PropertyTypeError(f"{building_prefix()}fn.and_ takes 2 to 10 conditions, got {len(conditions)}")
    return _Condition("Fn::And", [_condition_operand("and_", c) for c in conditions], bool)


def or_(*conditions: Expr[bool]) -> Expr[bool]:
    """``Fn::Or``: true when any of 2 to 10 conditions is."""
    if not 2 <= len(conditions) <= 10:
        raise PropertyTypeError(f"{building_prefix()}fn.or_ takes 2 to 10 conditions, got {len(conditions)}")
    return _Condition("Fn::Or", [_condition_operand("or_", c) for c in conditions], bool)


def not_(condition: Expr[bool]) -> Expr[bool]:
    """``Fn::Not``: true when the condition is false."""
    return _Condition("Fn::Not", [_condition_operand("not_", condition)], bool)


class CfnMapping:
    """A template mapping (``Mappings`` section), read with :func:`find_in_map`."""

    __slots__ = ("name", "values")

    def __init__(self, name: str, values: Mapping[str, Mapping[str, Any]]) -> None:
        self.name = name
        self.values = {k: dict(v) for k, v in values.items()}


def mapping(name: str, values: Mapping[str, Mapping[str, Any]]) -> CfnMapping:
    """Declare a mapping: ``{top_key: {second_key: value}}``. It is written into the
    ``Mappings`` section of every template that reads it with :func:`find_in_map`."""
    if not isinstance(name, str) or not name.isalnum():
        raise PropertyTypeError(f"{building_prefix()}fn.mapping: the name must be letters and digits, got {name!r}")
    if not isinstance(values, Mapping) or not all(isinstance(v, Mapping) for v in values.values()):
        raise PropertyTypeError(f"{building_prefix()}fn.mapping {name!r}: values must be a dict of dicts")
    return CfnMapping(name, values)


class _FindInMap(Call[Any]):
    __slots__ = ()

    def _render(self, r: Renderer) -> Any:
        table, top, second, *default = self.args
        r.mapping(table)  # type: ignore[attr-defined]
        rendered = [table.name, r.value(top), r.value(second)]
        if default:  # AWS::LanguageExtensions' DefaultValue
            r.language_extensions = True  # type: ignore[attr-defined]
            rendered.append({"DefaultValue": r.value(default[0])})
        return {"Fn::FindInMap": rendered}

    def _children(self) -> Iterator[Any]:
        yield from self.args[1:]


_NO_DEFAULT: Any = object()


def find_in_map(table: CfnMapping, top_key: Str, second_key: Str, default: Any = _NO_DEFAULT) -> Expr[Any]:
    """``Fn::FindInMap``: the value at ``[top_key][second_key]`` of a :func:`mapping`;
    ``default=`` is the value when either key is missing (``DefaultValue``, which adds the
    ``AWS::LanguageExtensions`` transform)."""
    if not isinstance(table, CfnMapping):
        raise PropertyTypeError(
            f"{building_prefix()}fn.find_in_map takes a mapping from fn.mapping(...), got {describe_value(table)}"
        )
    _expect("find_in_map", "top_key", str, top_key)
    _expect("find_in_map", "second_key", str, second_key)
    if default is _NO_DEFAULT and isinstance(top_key, str) and top_key not in table.values:
        raise PropertyTypeError(
            f"fn.find_in_map: mapping {table.name!r} has no key {top_key!r}{did_you_mean(top_key, table.values)}"
        )
    kinds = {_type_of(v) for inner in table.values.values() for v in inner.values()}
    if default is not _NO_DEFAULT:
        if default is None:
            raise PropertyTypeError(f"{building_prefix()}fn.find_in_map: default must be a value, got None")
        kinds.add(_type_of(default))
        return _FindInMap(
            "Fn::FindInMap", [table, top_key, second_key, default], kinds.pop() if len(kinds) == 1 else Any
        )
    return _FindInMap("Fn::FindInMap", [table, top_key, second_key], kinds.pop() if len(kinds) == 1 else Any)


# --- conversions ------------------------------------------------------------------------


class _AsStr(Expr[str]):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        super().__init__(str)
        self.value = value

    def _render(self, r: Renderer) -> Any:
        return r.value(self.value)

    def _children(self) -> Iterator[Any]:
        yield self.value

    def _describe(self) -> str:
        return f"as_str({self.value._describe() if isinstance(self.value, Expr) else self.value!r})"


def as_str(value: int | float | Expr[int] | Expr[float]) -> Expr[str]:
    """A number as the text CloudFormation makes of it: ``fn.as_str(inputs.port)`` passes an
    ``ik.Param[int]`` (a ``Number`` parameter, whose ``Ref`` is a string to CloudFormation)
    where a ``str`` is expected. Renders as the value itself; it only tells type checkers."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Expr)):
        raise PropertyTypeError(f"{building_prefix()}fn.as_str takes a number, got {describe_value(value)}")
    if isinstance(value, Expr) and not compatible(float, value.type):
        raise PropertyTypeError(f"{building_prefix()}fn.as_str takes a number expression, got {describe_value(value)}")
    return _AsStr(value)


# --- rules (the template's Rules section) -------------------------------------------------


class _RuleCall(Call[T]):
    """A function CloudFormation accepts only in a rule (``infrakit.aws.template.rule``)."""

    __slots__ = ()

    def _render(self, r: Renderer) -> Any:
        if not getattr(r, "in_rules", False):
            raise PropertyTypeError(
                f"{getattr(r, 'where', '')}: fn.{_RULE_NAMES[self.name]} works only in a rule's assertions or "
                "condition (infrakit.aws.template.rule)"
            )
        return {self.name: r.value(self.args)}


_RULE_NAMES = {
    "Fn::Contains": "contains",
    "Fn::EachMemberEquals": "each_member_equals",
    "Fn::EachMemberIn": "each_member_in",
    "Fn::RefAll": "ref_all",
    "Fn::ValueOf": "value_of",
    "Fn::ValueOfAll": "value_of_all",
}


def _strings(function: str, argument: str, values: Any) -> Any:
    if isinstance(values, Expr):
        _expect(function, argument, list[str], values)
        return values
    if not isinstance(values, (list, tuple)):
        raise PropertyTypeError(
            f"{building_prefix()}fn.{function}: {argument} must be a list of str, got {describe_value(values)}"
        )
    for i, value in enumerate(values):
        _expect(function, f"{argument} item {i}", str, value)
    return list(values)


def contains(values: Sequence[Str] | Expr[list[str]], value: Str) -> Expr[bool]:
    """``Fn::Contains`` (rules only): true when ``value`` is one of ``values``."""
    listed = _strings("contains", "values", values)
    _expect("contains", "value", str, value)
    return _RuleCall("Fn::Contains", [listed, value], bool)


def each_member_equals(values: Sequence[Str] | Expr[list[str]], value: Str) -> Expr[bool]:
    """``Fn::EachMemberEquals`` (rules only): true when every item of ``values`` is ``value``."""
    listed = _strings("each_member_equals", "values", values)
    _expect("each_member_equals", "value", str, value)
    return _RuleCall("Fn::EachMemberEquals", [listed, value], bool)


def each_member_in(values: Sequence[Str] | Expr[list[str]], allowed: Sequence[Str] | Expr[list[str]]) -> Expr[bool]:
    """``Fn::EachMemberIn`` (rules only): true when every item of ``values`` is in ``allowed``."""
    listed = _strings("each_member_in", "values", values)
    return _RuleCall("Fn::EachMemberIn", [listed, _strings("each_member_in", "allowed", allowed)], bool)


def _parameter_type(function: str, parameter_type: Any) -> None:
    from infrakit.aws._parameters import parameter_types

    if not isinstance(parameter_type, str) or parameter_type not in parameter_types():
        raise PropertyTypeError(
            f"{building_prefix()}fn.{function}: {parameter_type!r} is not a CloudFormation parameter type "
            "(such as 'AWS::EC2::VPC::Id')"
        )


def ref_all(parameter_type: str) -> Expr[list[str]]:
    """``Fn::RefAll`` (rules only): every value of an AWS-specific parameter type in the
    account and region (``fn.ref_all("AWS::EC2::VPC::Id")``)."""
    _parameter_type("ref_all", parameter_type)
    return _RuleCall("Fn::RefAll", parameter_type, list[str])


class _ValueOf(_RuleCall[Any]):
    __slots__ = ()

    def _render(self, r: Renderer) -> Any:
        if not getattr(r, "in_rules", False):
            return super()._render(r)
        parameter, attribute = self.args
        name = r.value(parameter)["Ref"]  # Fn::ValueOf names the parameter
        return {"Fn::ValueOf": [name, attribute]}


def value_of(parameter: Expr[Any], attribute: str) -> Expr[Any]:
    """``Fn::ValueOf`` (rules only): an attribute (``"VpcId"``, ``"Tags"``, ...) of the AWS
    resource an AWS-specific parameter names: ``fn.value_of(inputs.subnet, "VpcId")``."""
    if not isinstance(parameter, ParamRef):
        raise PropertyTypeError(
            f"{building_prefix()}fn.value_of takes a deploy-time parameter (an ik.Param input), got "
            f"{describe_value(parameter)}"
        )
    if not isinstance(attribute, str) or not attribute:
        raise PropertyTypeError(f"{building_prefix()}fn.value_of: the attribute must be a str, got {attribute!r}")
    return _ValueOf("Fn::ValueOf", [parameter, attribute], Any)


def value_of_all(parameter_type: str, attribute: str) -> Expr[list[str]]:
    """``Fn::ValueOfAll`` (rules only): an attribute of every resource of an AWS-specific
    parameter type in the account and region."""
    _parameter_type("value_of_all", parameter_type)
    if not isinstance(attribute, str) or not attribute:
        raise PropertyTypeError(f"{building_prefix()}fn.value_of_all: the attribute must be a str, got {attribute!r}")
    return _RuleCall("Fn::ValueOfAll", [parameter_type, attribute], list[str])


# --- transforms -----------------------------------------------------------------------


def length(values: Sequence[Any] | Expr[list[Any]]) -> Expr[int]:
    """``Fn::Length`` (``AWS::LanguageExtensions``, added to the template): the number of items."""
    if isinstance(values, Expr):
        kind = values.type
        if kind is not Any and kind is not list and getattr(kind, "__origin__", None) is not list:
            raise PropertyTypeError(f"{building_prefix()}fn.length takes a list, got {describe_value(values)}")
    elif isinstance(values, (list, tuple)):
        values = list(values)
    else:
        raise PropertyTypeError(f"{building_prefix()}fn.length takes a list, got {describe_value(values)}")
    return Call("Fn::Length", values, int)


def to_json_string(value: Mapping[str, Any] | Sequence[Any] | Expr[Any]) -> Expr[str]:
    """``Fn::ToJsonString`` (``AWS::LanguageExtensions``, added to the template): a dict or
    list (which may hold expressions) as JSON text."""
    if isinstance(value, Expr):
        if value.type not in (dict, Any) and getattr(value.type, "__origin__", value.type) not in (list, dict):
            raise PropertyTypeError(
                f"{building_prefix()}fn.to_json_string takes a dict or list, got {describe_value(value)}"
            )
    elif isinstance(value, Mapping):
        value = dict(value)
    elif isinstance(value, (list, tuple)):
        value = list(value)
    else:
        raise PropertyTypeError(
            f"{building_prefix()}fn.to_json_string takes a dict or list, got {describe_value(value)}"
        )
    return Call("Fn::ToJsonString", value, str)


def transform(name: str, parameters: Mapping[str, Any] | None = None) -> Expr[Any]:
    """``Fn::Transform``: a macro (``name``) processing the part of the template it stands in."""
    if not isinstance(name, str) or not name:
        raise PropertyTypeError(f"{building_prefix()}fn.transform: the name must be a str, got {describe_value(name)}")
    body: dict[str, Any] = {"Name": name}
    if parameters is not None:
        body["Parameters"] = dict(parameters)
    return Call("Fn::Transform", body, Any)


def include(location: Str) -> Expr[Any]:
    """``AWS::Include``: the template snippet stored at ``location`` (an ``s3://`` URI),
    in place of this value: ``fn.include("s3://bucket/snippet.yaml")``."""
    _expect("include", "location", str, location)
    return transform("AWS::Include", {"Location": location})
