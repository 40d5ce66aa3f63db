"""A component's contract: its typed inputs and outputs.

``@ik.inputs`` classes hold *build-time settings* (plain typed fields: concrete values
that shape the template) and *deploy-time parameters* (fields typed ``ik.Param[T]``:
template parameters, expressions inside ``build``). ``@ik.outputs`` classes declare
what a component publishes, every field typed ``ik.Out[T]``.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, Union

import attrs

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover
    from typing_extensions import dataclass_transform

from infrakit._expr import Expr, compatible, describe_value, expected_one_of, type_name
from infrakit._resource import building_prefix
from infrakit.errors import (
    DefinitionError,
    InfrakitError,
    InputValueError,
    PropertyTypeError,
    UnknownPropertyError,
    WiringError,
    did_you_mean,
)

__all__ = [
    "UNSET",
    "Out",
    "OutOptions",
    "Param",
    "ParamOptions",
    "Parameter",
    "check_options",
    "inputs",
    "inputs_fields",
    "is_inputs",
    "is_outputs",
    "out",
    "out_options",
    "output_name",
    "outputs",
    "output_aliases",
    "outputs_fields",
    "param",
    "parameter_name",
]

T = TypeVar("T")
C = TypeVar("C", bound=type)


class _Unset:
    """The value of a parameter or output that was not given."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


class _ParamMark:
    def __repr__(self) -> str:
        return "ik.Param"


class _OutMark:
    def __repr__(self) -> str:
        return "ik.Out"


_PARAM_MARK = _ParamMark()
_OUT_MARK = _OutMark()

#: A deploy-time parameter of type ``T``: a value (its default), another instance's
#: output (wired), or nothing (a parameter without default). Inside ``build`` it is an
#: ``Expr[T]``.
Param = Annotated[T | Expr[T], _PARAM_MARK]
#: A published output of type ``T``: inside ``build`` bind it to an expression or value.
#: A ``list[str]`` output also takes a plain list of expressions at runtime
#: (``[s.ref for s in subnets]``); for type checkers, wrap it: ``ik.expr_list([...])``.
Out = Annotated[T | Expr[T], _OUT_MARK]


@attrs.frozen(kw_only=True)
class ParamOptions:
    """How one deploy-time parameter is declared (see :func:`param`)."""

    secret: bool = False
    description: str | None = None
    allowed: tuple[Any, ...] | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    constraint_description: str | None = None
    name: str | None = None
    group: str | None = None
    label: str | None = None
    #: Options of one provider's own, as ``(provider, option, value)`` triples: the core knows
    #: none of them, each provider reads its own (``ik.param(aws_type=...)`` is
    #: ``("aws", "type", ...)``, read by the AWS renderer).
    provider: tuple[tuple[str, str, Any], ...] = ()

    def provider_option(self, provider: str, option: str) -> Any:
        """The value of one of a provider's own options (``None`` when not given)."""
        return next((v for p, o, v in self.provider if p == provider and o == option), None)


_NAME = re.compile(r"^[A-Za-z0-9]+$")


def _option_error(message: str) -> DefinitionError:
    return DefinitionError(f"{building_prefix()}ik.param: {message}")


def _check_text(option: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise _option_error(f"{option} must be a str, got {describe_value(value)}")


def _check_count(option: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise _option_error(f"{option} must be an int of 0 or more, got {describe_value(value)}")


def _check_number(option: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value != value):
        raise _option_error(f"{option} must be a number, got {describe_value(value)}")


def _compile(pattern: str) -> re.Pattern[str] | None:
    """The pattern as a Python regex; ``None`` for a Java-only construct (``\\p{L}``) that
    CloudFormation accepts and Python cannot check."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        if re.search(r"\\[pP]\{", pattern):
            return None
        raise _option_error(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None


def _check_provider_option(provider: str, option: str, value: Any) -> None:
    """A provider checks its own options where they are declared, if it can
    (``check_parameter_option``; the provider's light module is imported by name)."""
    from infrakit._provider import provider_named

    check = getattr(provider_named(provider), "check_parameter_option", None)
    if check is not None:
        check(option, value)


def check_options(options: ParamOptions) -> None:
    """Refuse options of ``ik.param`` that no template could hold (raised where declared)."""
    for option in ("description", "pattern", "constraint_description", "group", "label"):
        _check_text(option, getattr(options, option))
    for provider, option, value in options.provider:
        _check_text(f"{provider}_{option}", value)
        _check_provider_option(provider, option, value)
    if options.name is not None and (not isinstance(options.name, str) or not _NAME.match(options.name)):
        raise _option_error(f"name must be 1 or more letters and digits, got {describe_value(options.name)}")
    for option in ("min_length", "max_length"):
        _check_count(option, getattr(options, option))
    for option in ("min_value", "max_value"):
        _check_number(option, getattr(options, option))
    for low, high in (("min_length", "max_length"), ("min_value", "max_value")):
        a, b = getattr(options, low), getattr(options, high)
        if a is not None and b is not None and a > b:
            raise _option_error(f"{low} ({a}) is greater than {high} ({b})")
    if options.pattern is not None:
        _compile(options.pattern)
    if options.allowed is not None:
        if not options.allowed:
            raise _option_error("allowed is empty; list the values the parameter accepts")
        for value in options.allowed:
            if isinstance(value, Expr) or not isinstance(value, (str, int, float, bool)):
                raise _option_error(f"allowed values must be str, int, float or bool, got {describe_value(value)}")


def param(
    *,
    default: Any = UNSET,
    secret: bool = False,
    description: str | None = None,
    allowed: typing.Sequence[Any] | None = None,
    aws_type: str | None = None,
    pattern: str | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    min_value: float | None = None,
    max_value: float | None = None,
    constraint_description: str | None = None,
    name: str | None = None,
    group: str | None = None,
    label: str | None = None,
) -> Any:
    """Configure an ``ik.Param`` field of an inputs class.

    ``default`` is the parameter's default; ``secret=True`` keeps the value out of every
    file infrakit writes (CloudFormation ``NoEcho``); ``allowed`` lists the values the
    parameter accepts; ``aws_type`` picks an AWS-specific parameter type such as
    ``"AWS::EC2::VPC::Id"``; ``pattern``, ``min_length``, ``max_length``, ``min_value``
    and ``max_value`` are the provider's parameter constraints, and
    ``constraint_description`` the message shown when a value breaks them. ``name`` is the
    parameter's name in the template (default: the field's PascalCase in CloudFormation,
    ``vpc_id`` -> ``VpcId``); ``group`` and ``label`` arrange it in a console's form
    (CloudFormation: ``AWS::CloudFormation::Interface``). Options are checked here, and a
    default is checked against them at synth.
    """
    if isinstance(allowed, (str, bytes)) or (allowed is not None and not isinstance(allowed, typing.Iterable)):
        raise _option_error(f"allowed must be a list of values, got {describe_value(allowed)}")
    options = ParamOptions(
        secret=secret,
        description=description,
        allowed=tuple(allowed) if allowed is not None else None,
        pattern=pattern,
        min_length=min_length,
        max_length=max_length,
        min_value=min_value,
        max_value=max_value,
        constraint_description=constraint_description,
        name=name,
        group=group,
        label=label,
        provider=(("aws", "type", aws_type),) if aws_type is not None else (),
    )
    check_options(options)
    return attrs.field(default=default, metadata={"infrakit.param": options})


@attrs.frozen(kw_only=True)
class OutOptions:
    """How one output is declared (see :func:`out`)."""

    description: str | None = None
    condition: str | None = None
    export_name: Any = None
    name: str | None = None
    #: Former names of this output, kept for a release (see :func:`out`).
    aliases: tuple[str, ...] = ()
    #: What a consumer tested alone receives for this output (see :func:`out`).
    standin: Any = None


def out(
    *,
    description: str | None = None,
    condition: str | None = None,
    export_name: Any = None,
    name: str | None = None,
    aliases: typing.Sequence[str] = (),
    standin: Any = None,
) -> Any:
    """Configure an ``ik.Out`` field of an outputs class.

    ``description`` documents the output; ``condition`` names a condition of the component
    (``self.condition(name, ...)``) under which the output exists (an output bound to a
    conditional resource gets that resource's condition by itself); ``export_name``
    exports it for other stacks (CloudFormation ``Export``: a str, where ``${Name}``
    placeholders name parameters, resources or pseudo parameters as in ``fn.sub``, or a
    ``str`` expression such as ``fn.join("-", [fn.stack_name, "VpcId"])``); ``name`` is its
    name in the template (default: the field's PascalCase in CloudFormation).

    ``aliases`` keeps former names of a renamed output for a release: the template publishes
    the output under each alias too (so consumers deployed against the old name keep
    working), and wiring ``instance.outputs.<alias>`` still works, with a
    :class:`~infrakit.errors.DeprecatedOutputWarning`, and is wired to the new name. Drop an
    alias in a later release: ``infrakit diff`` reports that as a breaking change.

    ``standin`` is the shape of the output's value for consumers tested without this
    component (``infrakit.testing.standins``): a plain value of the output's type
    (``"https://sqs.us-east-1.amazonaws.com/123456789012/jobs"``, ``5432``), or a callable
    taking the consumer's parameter name and returning one.
    """
    _check_text("description", description)
    if condition is not None and (not isinstance(condition, str) or not _NAME.match(condition)):
        raise DefinitionError(
            f"ik.out: condition must be the name of a condition (letters and digits), got {describe_value(condition)}"
        )
    if not (export_name is None or isinstance(export_name, str)) and not (
        isinstance(export_name, Expr) and compatible(str, export_name.type)
    ):
        raise DefinitionError(
            f"ik.out: export_name must be a str or a str expression, got {describe_value(export_name)}"
        )
    if name is not None and (not isinstance(name, str) or not _NAME.match(name)):
        raise DefinitionError(f"ik.out: name must be 1 or more letters and digits, got {describe_value(name)}")
    if isinstance(aliases, str) or not all(isinstance(a, str) and a.isidentifier() for a in aliases):
        raise DefinitionError(
            f"ik.out: aliases must be a list of former field names (identifiers), got {describe_value(aliases)}"
        )
    if isinstance(standin, Expr):
        raise DefinitionError("ik.out: standin must be a plain value (or a callable making one), not an expression")
    options = OutOptions(
        description=description,
        condition=condition,
        export_name=export_name,
        name=name,
        aliases=tuple(aliases),
        standin=standin,
    )
    return attrs.field(default=UNSET, metadata={"infrakit.out": options})


def out_options(outputs_cls: type, field: str) -> OutOptions:
    """The declared options of one output field (defaults for a bare ``ik.Out``)."""
    found: OutOptions = outputs_cls.__dict__.get("__infrakit_out__", {}).get(field) or _NO_OUT_OPTIONS
    return found


_NO_OUT_OPTIONS = OutOptions()


def output_name(provider: Any, outputs_cls: type, field: str) -> str:
    """An output's name in its template: ``ik.out(name=...)``, else the provider's spelling."""
    chosen = out_options(outputs_cls, field).name
    return chosen if chosen is not None else str(provider.output_name(field))


def parameter_name(provider: Any, parameter: Parameter) -> str:
    """A parameter's name in its template: ``ik.param(name=...)`` (behind the embedding
    prefix, if any), else the provider's spelling of its key."""
    chosen = parameter.options.name
    if chosen is None:
        return str(provider.parameter_name(parameter.key))
    field = parameter.owner.rsplit(".", 1)[-1]
    prefix = parameter.key[: len(parameter.key) - len(field)] if parameter.key.endswith(field) else ""
    return str(provider.parameter_name(prefix + chosen)) if prefix else chosen


@attrs.frozen
class Parameter:
    """A deploy-time parameter of a synthesized component."""

    key: str
    """snake_case name (with the embedding prefix, if any)."""
    type: Any
    options: ParamOptions
    default: Any = UNSET
    source: Any = None
    """The wired output (an app instance's output) this parameter receives, if any."""
    owner: str = ""
    """``InputsClass.field`` that declared it, for messages."""

    def allowed_values(self) -> tuple[Any, ...] | None:
        """The values the parameter accepts: ``ik.param(allowed=...)``, else a ``Literal``'s."""
        if self.options.allowed is not None:
            return self.options.allowed
        if typing.get_origin(self.type) is typing.Literal:
            return typing.get_args(self.type)
        return None

    @property
    def integration(self) -> str:
        """How a wired parameter receives its value (``"parameters"``, ``"registry"``,
        ``"exports"``; ``""`` when not wired). The app resolves each wire's pattern (its own,
        else the app's: ``App.integration_of``) before the component is built."""
        if self.source is None:
            return ""
        return str(getattr(self.source, "integration", None) or "parameters")

    def constraints(self, names: typing.Mapping[str, str]) -> dict[str, Any]:
        """The parameter's value constraints that are set, under a provider's names for them:
        ``names`` maps ``pattern``, ``min_length``, ``max_length``, ``min_value`` and
        ``max_value`` to the template's keys (CloudFormation ``AllowedPattern``, ...; a
        compute template's ``pattern``, ``minLength``, ...)."""
        options = self.options
        values = {
            "pattern": options.pattern,
            "min_length": options.min_length,
            "max_length": options.max_length,
            "min_value": options.min_value,
            "max_value": options.max_value,
        }
        return {names[key]: value for key, value in values.items() if value is not None}

    def check_default(self) -> None:
        """Refuse a default that breaks the parameter's own constraints (``allowed``,
        ``pattern``, lengths, ``min_value``/``max_value``): no deploy could use it."""
        if self.default is UNSET or self.default is None:
            return
        values = list(self.default) if isinstance(self.default, (list, tuple)) else [self.default]
        for value in values:
            problem = self._problem(value)
            if problem:
                shown = "its default" if len(values) == 1 else f"item {value!r} of its default"
                raise InputValueError(
                    f"{building_prefix()}{self.owner}: {shown} {self.default!r} {problem}; change the default "
                    "or the constraint"
                )

    def _problem(self, value: Any) -> str | None:
        options = self.options
        allowed = self.allowed_values()
        if allowed is not None and value not in allowed and str(value) not in [str(a) for a in allowed]:
            return f"is not one of the allowed values {list(allowed)!r}"
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if options.pattern is not None:
            compiled = _compile(options.pattern)
            if compiled is not None and not compiled.fullmatch(text):
                return f"does not match the pattern {options.pattern!r}"
        if options.min_length is not None and len(text) < options.min_length:
            return f"is shorter than min_length {options.min_length}"
        if options.max_length is not None and len(text) > options.max_length:
            return f"is longer than max_length {options.max_length}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if options.min_value is not None and value < options.min_value:
                return f"is less than min_value {options.min_value}"
            if options.max_value is not None and value > options.max_value:
                return f"is greater than max_value {options.max_value}"
        return None


# --- the decorators -----------------------------------------------------------------


#: What a field of an inputs or outputs class is: a deploy-time parameter (``ik.Param[T]``),
#: a build-time setting (a plain typed field) or a published output (``ik.Out[T]``).
FieldKind = typing.Literal["param", "setting", "out"]


class _FieldInfo:
    __slots__ = ("kind", "options", "type")

    def __init__(self, kind: FieldKind, type: Any, options: ParamOptions | None = None) -> None:
        self.kind: FieldKind = kind
        self.type = type
        self.options = options


def _marked(hint: Any, mark: object) -> Any:
    """The ``T`` of ``Param[T]`` / ``Out[T]`` if ``hint`` carries ``mark``, else None."""
    if typing.get_origin(hint) is Annotated and mark in hint.__metadata__:
        inner = typing.get_args(hint)[0]
        return typing.get_args(inner)[0] if typing.get_origin(inner) is Union else inner
    return None


def _hints(cls: type, localns: dict[str, Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, localns=localns, include_extras=True)
    except Exception as exc:  # NameError, SyntaxError in a string annotation, ...
        raise DefinitionError(f"{cls.__qualname__}: cannot resolve its field types: {exc}") from exc


def _check_value(owner: str, expected: Any, value: Any) -> None:
    """Refuse a value (or expression) that cannot stand where ``expected`` is required
    (named with the component being built, if any: outputs and embedded inputs)."""
    if value is UNSET:
        return
    owner = building_prefix() + owner
    if isinstance(value, Expr):
        if compatible(expected, value.type):
            return
        error = WiringError if getattr(value, "is_wire", False) else PropertyTypeError
        raise error(f"{owner}: expected {type_name(expected)}, got {describe_value(value)}")
    if typing.get_origin(expected) is typing.Literal and not _plain_matches(expected, value):
        raise PropertyTypeError(f"{owner}: {expected_one_of(typing.get_args(expected), value)}")
    if not _plain_matches(expected, value):
        finite = " (a finite number: a template cannot hold NaN or infinity)" if _not_finite(value) else ""
        raise PropertyTypeError(f"{owner}: expected {type_name(expected)}{finite}, got {describe_value(value)}")


def _not_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, (list, tuple)) and any(_not_finite(v) for v in value)


def _plain_matches(expected: Any, value: Any) -> bool:
    origin = typing.get_origin(expected)
    if expected is Any:
        return True
    if isinstance(value, Expr):  # an expression inside a list or dict
        return compatible(expected, value.type)
    if origin is typing.Literal:
        return value in typing.get_args(expected)
    if origin is Union or origin is types.UnionType:
        return any(_plain_matches(a, value) for a in typing.get_args(expected))
    if expected is type(None):
        return value is None
    if expected is float:  # NaN and infinity: JSON (so a template) cannot hold them
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin in (list, tuple, set, frozenset) or origin is typing.Sequence:
        container = origin if origin is not typing.Sequence else (list, tuple)
        if not isinstance(value, container):
            return False
        args = typing.get_args(expected)
        if not args or origin is tuple:
            return True
        return all(_plain_matches(args[0], v) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if isinstance(expected, type):
        return isinstance(value, expected)
    return True  # a type we cannot check at runtime; the user's validators still run


def _type_validator(owner: str, expected: Any, secret: bool = False) -> Callable[[Any, Any, Any], None]:
    def check(_inst: Any, _attr: Any, value: Any) -> None:
        if secret and not isinstance(value, Expr):
            if value is not UNSET and not _plain_matches(expected, value):
                raise PropertyTypeError(
                    f"{owner}: expected {type_name(expected)}, got a value of type {type(value).__name__} (secret: not shown)"
                )
            return
        _check_value(owner, expected, value)

    return check


def redact(text: str, value: Any) -> str:
    """``text`` with a secret ``value`` (its ``repr`` and ``str``) replaced by ``***``; a
    value of fewer than 4 characters could be any letters of the text, so then the text is
    not shown at all."""
    if value is None or value is UNSET or isinstance(value, (bool, Expr)):
        return text
    forms = {repr(value), str(value)} - {"", "''", '""'}
    if any(len(shown) < 4 for shown in forms):
        return "the value was refused (the reason is not shown: it could reveal the secret)"
    for shown in sorted(forms, key=len, reverse=True):
        text = text.replace(shown, "***")
    return text


def _setting_validator(owner: str, expected: Any) -> Callable[[Any, Any, Any], None]:
    """A build-time setting takes a concrete value only: an expression (a wired output, a
    reference, a pseudo parameter) is known at deploy time, too late to shape the template."""

    def check(_inst: Any, _attr: Any, value: Any) -> None:
        expr = _find_expr(value)
        if expr is not None:
            error = WiringError if getattr(expr, "is_wire", False) else PropertyTypeError
            raise error(
                f"{owner} is a build-time setting, so it takes a concrete {type_name(expected)}, got "
                f"{describe_value(expr)}; declare the field ik.Param[{type_name(expected)}] to receive a "
                "deploy-time value"
            )
        _check_value(owner, expected, value)

    return check


def _find_expr(value: Any) -> Any:
    """The first expression in a value, looking into lists, tuples, sets and dicts (each
    container once: a value that contains itself is walked without end otherwise)."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Expr):
            return item
        if isinstance(item, (dict, list, tuple, set, frozenset)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            items = [*item.keys(), *item.values()] if isinstance(item, dict) else list(item)
            stack.extend(reversed(items))
    return None


def _transformer(cls_name: str, hints: dict[str, Any], kind: str) -> Callable[[type, list[Any]], list[Any]]:
    """An attrs field transformer: defaults and type checks for Param/Out/setting fields."""

    def transform(_cls: type, fields: list[Any]) -> list[Any]:
        result = []
        for a in fields:
            hint = hints.get(a.name, a.type)
            owner = f"{cls_name}.{a.name}"
            # The user's own validators, kept apart from the type checks chained below, so that
            # infrakit.testing can derive values from them.
            user_validators = () if a.validator is None else (a.validator,)
            out_type, param_type = _marked(hint, _OUT_MARK), _marked(hint, _PARAM_MARK)
            if kind == "outputs":
                if out_type is None:
                    raise DefinitionError(f"{owner}: every field of an @ik.outputs class must be typed ik.Out[T]")
                # Unbound outputs default to UNSET so that synth can name every one of them.
                a = a.evolve(default=UNSET, validator=_chain(_type_validator(owner, out_type), a.validator))
                info = _FieldInfo("out", out_type)
            elif param_type is not None:
                options = a.metadata.get("infrakit.param") or ParamOptions()
                default = UNSET if a.default is attrs.NOTHING else a.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    raise DefinitionError(f"{owner}: a Param's default must be a plain value")
                # The user's validators see plain values only; expressions are checked by type.
                validator = _chain(
                    _type_validator(owner, param_type, options.secret),
                    _plain_only(_user(owner, a.validator, options.secret)),
                )
                a = a.evolve(default=default, validator=validator)
                if options.secret:  # never in a repr: messages, tracebacks, hypothesis examples
                    a = a.evolve(repr=_secret_repr)
                info = _FieldInfo("param", param_type, options)
            elif out_type is not None:
                raise DefinitionError(f"{owner}: ik.Out[T] belongs in an @ik.outputs class; use ik.Param[T] here")
            else:
                a = a.evolve(validator=_chain(_setting_validator(owner, hint), _user(owner, a.validator)))
                info = _FieldInfo("setting", hint)
            metadata = {**a.metadata, "infrakit.field": info, "infrakit.validators": user_validators}
            result.append(a.evolve(metadata=metadata))
        return result

    return transform


def _secret_repr(value: Any) -> str:
    return repr(value) if value is UNSET or isinstance(value, Expr) else "'***'"


def _chain(*validators: Any) -> Any:
    present = [v for v in validators if v is not None]
    return attrs.validators.and_(*present) if len(present) > 1 else present[0]


def _user(owner: str, validator: Any, secret: bool = False) -> Any:
    """The user's own validators, their ``ValueError`` raised as an :class:`InputValueError`
    naming the inputs class and field (``args[1:]`` kept: ``load_inputs`` finds the field there;
    for a secret field, the value is taken out of the message and the arguments)."""
    if validator is None:
        return None

    def check(inst: Any, attr: Any, value: Any) -> None:
        try:
            validator(inst, attr, value)
        except InfrakitError:
            raise
        except ValueError as exc:
            message = str(exc.args[0] if exc.args else exc)
            if secret:
                raise InputValueError(f"{owner}: {redact(message, value)} (secret: value not shown)", attr) from None
            raise InputValueError(f"{owner}: {message}", attr, *exc.args[2:]) from None

    return check


def _plain_only(validator: Any) -> Any:
    if validator is None:
        return None

    def check(inst: Any, attr: Any, value: Any) -> None:
        if value is UNSET or isinstance(value, Expr):
            return
        validator(inst, attr, value)

    return check


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(attrs.field, attrs.Attribute))
def inputs(cls: C) -> C:
    """Declare a component's inputs: a frozen, keyword-only attrs class.

    Plain typed fields are build-time settings (checked against their type, then by
    their attrs validators). Fields typed ``ik.Param[T]`` are deploy-time parameters.
    """
    return _decorate(cls, "inputs", sys._getframe(1).f_locals)


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(attrs.field, attrs.Attribute))
def outputs(cls: C) -> C:
    """Declare a component's outputs: every field typed ``ik.Out[T]``, all bound by ``build``."""
    return _decorate(cls, "outputs", sys._getframe(1).f_locals)


def _decorate(cls: C, kind: str, localns: dict[str, Any]) -> C:
    hints = _hints(cls, dict(localns))
    made: Any = attrs.frozen(kw_only=True, field_transformer=_transformer(cls.__qualname__, hints, kind))(cls)
    made.__infrakit_kind__ = kind
    made.__infrakit_fields__ = tuple((a.name, a.metadata["infrakit.field"]) for a in attrs.fields(made))
    if kind == "outputs":
        declared = {a.name: a.metadata["infrakit.out"] for a in attrs.fields(made) if "infrakit.out" in a.metadata}
        made.__infrakit_aliases__ = _aliases(cls.__qualname__, made, declared)
        for alias, field in made.__infrakit_aliases__.items():
            # Published like the output itself, under the same condition.
            declared[alias] = OutOptions(description=f"Deprecated: use {field}", condition=declared[field].condition)
        made.__infrakit_out__ = declared
    _guard_init(made)
    return typing.cast(C, made)


def _guard_init(cls: Any) -> None:
    """Wrap attrs' ``__init__``: an unknown keyword is an :class:`UnknownPropertyError` with a
    did-you-mean, a missing required field a :class:`PropertyTypeError` naming it, positional
    arguments a :class:`PropertyTypeError` (inputs and outputs take keywords only): each is also a
    ``TypeError``, as Python's own errors for these calls are."""
    attrs_init = cls.__init__
    names = frozenset(a.alias or a.name for a in attrs.fields(cls) if a.init)
    required = [a.alias or a.name for a in attrs.fields(cls) if a.init and a.default is attrs.NOTHING]
    what = "inputs" if cls.__infrakit_kind__ == "inputs" else "outputs"

    @functools.wraps(attrs_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if args:
            raise PropertyTypeError(
                f"{cls.__qualname__} takes its {what} as keywords only ({', '.join(sorted(names)) or 'none'}), "
                f"got {len(args)} positional argument(s)"
            )
        if not names.issuperset(kwargs):
            unknown = sorted(set(kwargs) - names)[0]
            known = ", ".join(sorted(names)) or "none"
            raise UnknownPropertyError(
                f"{cls.__qualname__}: unknown field `{unknown}`{did_you_mean(unknown, names)}; its fields are: {known}"
            )
        missing = [name for name in required if name not in kwargs]
        if missing:
            listed = ", ".join(f"`{m}`" for m in missing)
            raise PropertyTypeError(f"{cls.__qualname__}: {listed} required; pass {missing[0]}=...")
        attrs_init(self, **kwargs)

    cls.__init__ = __init__


def _aliases(owner: str, made: Any, declared: dict[str, OutOptions]) -> dict[str, str]:
    """``{alias: field}`` of an outputs class; an alias may not shadow a field or another alias."""
    fields = {a.name for a in attrs.fields(made)}
    result: dict[str, str] = {}
    for field, options in declared.items():
        for alias in options.aliases:
            if alias in fields or alias in result:
                other = alias if alias in fields else result[alias]
                raise DefinitionError(
                    f"{owner}.{field}: alias `{alias}` is already the name of output `{other}`; "
                    "an alias is a former name no other output has"
                )
            result[alias] = field
    return result


def output_aliases(outputs_cls: type) -> dict[str, str]:
    """``{former name: output field}`` of an outputs class (``ik.out(aliases=...)``)."""
    found: dict[str, str] = outputs_cls.__dict__.get("__infrakit_aliases__", {})
    return found


def is_inputs(cls: Any) -> bool:
    return isinstance(cls, type) and cls.__dict__.get("__infrakit_kind__") == "inputs"


def is_outputs(cls: Any) -> bool:
    return isinstance(cls, type) and cls.__dict__.get("__infrakit_kind__") == "outputs"


def inputs_fields(cls: type) -> list[tuple[str, _FieldInfo]]:
    """``(name, info)`` of every field of an inputs class, in declaration order."""
    fields: list[tuple[str, _FieldInfo]] = list(cls.__dict__["__infrakit_fields__"])
    return fields


def outputs_fields(cls: type) -> list[tuple[str, Any]]:
    """``(name, T)`` of every ``Out[T]`` field of an outputs class, in declaration order."""
    return [(name, info.type) for name, info in cls.__dict__["__infrakit_fields__"]]
