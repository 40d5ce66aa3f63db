"""Typed expressions: values that are known only when a template is deployed.

An :class:`Expr` carries the type of the value it stands for (``str``, ``int``,
``list[str]``, ...), so a ``list[str]`` expression is refused where a ``str`` is
expected, both at runtime and, through ``Expr[T]``'s type parameter, for type
checkers. The core defines the provider-neutral nodes (references to resources,
their attributes, parameters and conditions, and a generic function call);
providers add their functions and render every node in their own template shape
through the :class:`Renderer` protocol.
"""

from __future__ import annotations

import re
import reprlib
import types
import typing
from collections.abc import Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from infrakit.errors import PropertyTypeError, did_you_mean

if typing.TYPE_CHECKING:
    from infrakit._contract import Parameter
    from infrakit._resource import Resource

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

__all__ = ["Call", "ConditionRef", "Expr", "GetAtt", "ListExpr", "ParamRef", "Ref", "Renderer", "expr_list"]


class Renderer(Protocol):
    """What a provider implements to turn expressions into template values.

    ``call`` renders a function of the provider's template language (a :class:`Call` made
    by its function module, such as ``infrakit.aws.fn``) and ``condition`` a named condition;
    a provider whose templates have neither refuses them with a
    :class:`~infrakit.errors.SynthError` naming the expression."""

    def value(self, value: Any) -> Any: ...
    def ref(self, resource: Resource) -> Any: ...
    def get_att(self, resource: Resource, name: str) -> Any: ...
    def param(self, parameter: Parameter) -> Any: ...
    def call(self, name: str, args: Any) -> Any: ...
    def condition(self, condition: ConditionRef) -> Any: ...


class Expr(Generic[T_co]):
    """A value of type ``T`` known only at deploy time.

    Expressions are built by resources (``.ref``, ``.attrs.x``), by deploy-time
    parameters (``ik.Param`` inputs inside ``build``) and by a provider's functions
    (``infrakit.aws.fn``). They have no value while synthesizing: using one as a
    Python ``bool``, iterating it or formatting it into a string is an error; use the
    provider's functions (``fn.if_``, ``fn.select``, ``fn.sub``/``fn.join``) instead.
    """

    __slots__ = ("type",)

    #: The runtime type of the value: ``str``, ``int``, ``float``, ``bool``,
    #: ``list[str]``, ``dict`` or ``typing.Any``.
    type: Any

    def __init__(self, type: Any) -> None:
        self.type = type

    def _render(self, r: Renderer) -> Any:
        raise NotImplementedError

    def _children(self) -> Iterator[Any]:
        """Sub-values that may hold further expressions."""
        return iter(())

    # An expression has no value while synthesizing. Every Python operation that would need
    # one raises, instead of quietly using the expression object itself: `if i.env == "prod"`
    # would always be False, `{"dev": "a"}.get(i.env)` always None, `range(i.count)` a
    # TypeError without context.

    def _no_value(self, use: str, fix: str) -> PropertyTypeError:
        from infrakit._resource import building_prefix  # _resource imports this module

        return PropertyTypeError(f"{building_prefix()}{self!r} has no value at synth time; it cannot be {use}. {fix}")

    def __bool__(self) -> bool:
        raise self._no_value(
            "used as a Python bool",
            "Decide at deploy time with a condition and fn.if_, or use a build-time input.",
        )

    def __eq__(self, other: object) -> bool:
        raise self._no_value(
            "compared with == or != (or looked up with `in`) in Python",
            "Compare at deploy time with fn.equals(...) in a condition (self.condition), or use a build-time input.",
        )

    def __ne__(self, other: object) -> bool:
        return self.__eq__(other)

    def __hash__(self) -> int:
        raise self._no_value(
            "hashed (a dict key, a set member, dict.get)",
            "Look values up at deploy time with fn.mapping and fn.find_in_map, or use a build-time input.",
        )

    def __iter__(self) -> Iterator[Any]:
        raise self._no_value("iterated", "Pick items with fn.select(i, ...), or use a build-time input.")

    if not typing.TYPE_CHECKING:
        # Runtime only: declared for type checkers, these would make mypy and pyright accept
        # `"q-" + inputs.env` or `range(inputs.count)`, which they rightly refuse today.

        def _order(self, other: object) -> bool:
            raise self._no_value(
                "compared with <, <=, > or >= in Python",
                "Decide at deploy time with a condition, or use a build-time input.",
            )

        __lt__ = __le__ = __gt__ = __ge__ = _order

        def __contains__(self, item: object) -> bool:
            raise self._no_value(
                "searched with `in`",
                "Test at deploy time with a condition (fn.contains, fn.equals), or use a build-time input.",
            )

        def __len__(self) -> int:
            raise self._no_value("measured with len()", "Use a build-time input for anything that counts.")

        def __getitem__(self, key: object) -> Any:
            raise self._no_value("indexed", "Pick items with fn.select(i, ...), or use a build-time input.")

        def _number(self, *_args: object) -> Any:
            raise self._no_value(
                "used as a Python number (range(), an index, int(), float(), round(), abs(), -x)",
                "Counts that shape the template are build-time inputs: declare the field as a plain int.",
            )

        __index__ = __int__ = __float__ = __complex__ = _number
        __round__ = __trunc__ = __floor__ = __ceil__ = __abs__ = __neg__ = __pos__ = __invert__ = _number

        def _arithmetic(self, other: object) -> Any:
            raise self._no_value(
                "computed with in Python (+, -, *, /, %)",
                "Build strings at deploy time with fn.sub or fn.join (in a GCP component: infrakit.gcp.sub); "
                "compute numbers with build-time inputs.",
            )

        __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arithmetic
        __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _arithmetic
        __pow__ = __rpow__ = __divmod__ = __rdivmod__ = _arithmetic

    def __format__(self, spec: str) -> str:
        raise self._no_value(
            "formatted into a Python string",
            "Build the string at deploy time with fn.sub or fn.join (in a GCP component: infrakit.gcp.sub).",
        )

    def __str__(self) -> str:
        return self.__format__("")

    def __repr__(self) -> str:
        # Used in messages, so it must not raise. A repr that ends up inside a template
        # (f"{x!r}", str([x])) is found when the template is rendered (find_expression_text).
        return f"<{type(self).__name__} {self._describe()}: {type_name(self.type)}>"

    def _describe(self) -> str:
        return ""


class Ref(Expr[T_co]):
    """The reference of a resource (CloudFormation ``Ref``, a GCP ``selfLink``)."""

    __slots__ = ("resource",)

    def __init__(self, resource: Resource, type: Any = str) -> None:
        super().__init__(type)
        self.resource = resource

    def _render(self, r: Renderer) -> Any:
        return r.ref(self.resource)

    def _describe(self) -> str:
        return f"{self.resource.logical_id}.ref"


class GetAtt(Expr[T_co]):
    """An attribute of a deployed resource (``Fn::GetAtt``, a GCP output field)."""

    __slots__ = ("name", "py_name", "resource")

    def __init__(self, resource: Resource, name: str, type: Any, py_name: str = "") -> None:
        super().__init__(type)
        self.resource = resource
        self.name = name
        self.py_name = py_name or name

    def _render(self, r: Renderer) -> Any:
        return r.get_att(self.resource, self.name)

    def _describe(self) -> str:
        return f"{self.resource.logical_id}.attrs.{self.py_name}"


class ParamRef(Expr[T_co]):
    """A deploy-time parameter of the component (an ``ik.Param`` input)."""

    __slots__ = ("parameter",)

    def __init__(self, parameter: Parameter) -> None:
        super().__init__(parameter.type)
        self.parameter = parameter

    def _render(self, r: Renderer) -> Any:
        return r.param(self.parameter)

    def _describe(self) -> str:
        return f"parameter {self.parameter.key}"


class ConditionRef(Expr[bool]):
    """A named condition of the component (``self.condition(name, expr)``)."""

    __slots__ = ("expr", "name")

    def __init__(self, name: str, expr: Expr[bool]) -> None:
        super().__init__(bool)
        self.name = name
        self.expr = expr

    def _render(self, r: Renderer) -> Any:
        return r.condition(self)

    def _children(self) -> Iterator[Any]:
        yield self.expr

    def _describe(self) -> str:
        return f"condition {self.name}"


class Call(Expr[T_co]):
    """A provider function applied to arguments (``Fn::Join``, ``Fn::Select``, ...)."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, args: Any, type: Any) -> None:
        super().__init__(type)
        self.name = name
        self.args = args

    def _render(self, r: Renderer) -> Any:
        return r.call(self.name, self.args)

    def _children(self) -> Iterator[Any]:
        yield self.args

    def _describe(self) -> str:
        if self.name == "Ref" and isinstance(self.args, str):
            return self.args  # a pseudo parameter: say which one
        return self.name


class ListExpr(Expr[list[T_co]]):
    """A list whose items are expressions (or values), itself an expression."""

    __slots__ = ("items",)

    def __init__(self, items: list[Any], type: Any) -> None:
        super().__init__(type)
        self.items = items

    def _render(self, r: Renderer) -> Any:
        return [r.value(item) for item in self.items]

    def _children(self) -> Iterator[Any]:
        yield from self.items

    def _describe(self) -> str:
        return f"list of {len(self.items)}"


def expr_list(items: Iterable[T | Expr[T]]) -> Expr[list[T]]:
    """A list of expressions as one ``Expr[list[T]]``: ``ik.expr_list([s.ref for s in subnets])``.

    A plain list works the same at runtime; this form also satisfies type checkers,
    for which a ``list[Expr[str]]`` is not a ``list[str]``.
    """
    values = list(items)
    kinds = {value_type(v) for v in values}
    item = kinds.pop() if len(kinds) == 1 else Any
    return ListExpr(values, types.GenericAlias(list, (item,)))


# --- runtime value types -------------------------------------------------------------


def type_name(t: Any) -> str:
    """A short, readable name of a runtime value type: ``str``, ``list[str]``, ``any``."""
    if t is Any:
        return "any"
    if isinstance(t, type):
        return t.__name__
    origin = typing.get_origin(t)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in typing.get_args(t))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in typing.get_args(t))
    if origin is not None:
        args = ", ".join(type_name(a) for a in typing.get_args(t))
        return f"{getattr(origin, '__name__', origin)}[{args}]"
    return str(t)


def base_type(t: Any) -> Any:
    """``Literal["a", "b"]`` -> ``str``; everything else as it is."""
    if typing.get_origin(t) is typing.Literal:
        args = typing.get_args(t)
        return type(args[0]) if args else Any
    return t


def compatible(expected: Any, actual: Any) -> bool:
    """Whether a value of type ``actual`` may stand where ``expected`` is required."""
    if expected is actual or expected is Any or actual is Any:
        return True
    expected, actual = base_type(expected), base_type(actual)
    if expected is Any or actual is Any or expected == actual:
        return True
    if typing.get_origin(expected) in (typing.Union, types.UnionType):
        return any(compatible(option, actual) for option in typing.get_args(expected))
    if expected is float and actual is int:
        return True
    e_origin, a_origin = typing.get_origin(expected), typing.get_origin(actual)
    if e_origin is list and (a_origin is list or actual is list):
        e_args, a_args = typing.get_args(expected), typing.get_args(actual)
        return not a_args or compatible(e_args[0], a_args[0])
    return bool((e_origin or expected) is dict and (a_origin or actual) is dict)


_NO_TYPE: Any = object()


def value_type(value: Any, other: Any = _NO_TYPE, _depth: int = 0) -> Any:
    """The runtime type of a plain value or an expression: an expression's type; ``bool``,
    ``int``, ``float``, ``str``, ``NoneType``; ``list[T]`` for a list (or tuple) whose items all
    have type ``T`` (else ``list``); ``dict``. Any other object's type is ``other`` when given
    (``Any``: the functions of ``infrakit.aws.fn`` leave it to the property's own check), else
    its class."""
    if isinstance(value, Expr):
        return value.type
    if value is None or isinstance(value, (bool, int, float, str)):
        return type(value)
    if isinstance(value, (list, tuple)):
        if _depth > 32:  # nested deeper than any template value (or containing itself): untyped
            return list
        items = {value_type(v, other, _depth + 1) for v in value}
        return types.GenericAlias(list, (items.pop(),)) if len(items) == 1 else list
    if isinstance(value, dict):
        return dict
    return type(value) if other is _NO_TYPE else other


def describe_value(value: Any) -> str:
    """``int 5``, ``expression <Ref Vpc.ref: str>`` — what was given, for messages."""
    if isinstance(value, Expr):
        if getattr(value, "is_wire", False):  # another instance's output
            return f"{value._describe()} ({type_name(value.type)})"
        return f"expression {value!r}"
    try:
        text = repr(value)
    except RecursionError:  # nested ~1,000 levels deep: a bounded repr
        text = _SHORT.repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def expected_one_of(allowed: typing.Sequence[Any], value: Any) -> str:
    """``expected one of 'dev', 'prod', got str 'prd' (did you mean `prod`?)``: the one wording
    of a value outside a fixed set (a ``Literal`` input, a resource's enum property, a
    configuration file's value)."""
    shown = ", ".join(repr(v) for v in allowed[:8]) + (f" (and {len(allowed) - 8} more)" if len(allowed) > 8 else "")
    hint = did_you_mean(value, [a for a in allowed if isinstance(a, str)]) if isinstance(value, str) else ""
    return f"expected one of {shown}, got {describe_value(value)}{hint}"


def _short_repr() -> reprlib.Repr:
    # A bounded repr, for a value nested so deep that the built-in repr exceeds the
    # recursion limit while describing the mistake.
    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 3, 60, 60
    return short


_SHORT = _short_repr()


def _expression_classes() -> set[str]:
    names: set[str] = set()
    todo: list[type] = [Expr]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


_EXPRESSION_TEXT: dict[frozenset[str], re.Pattern[str]] = {}


def find_expression_text(text: str) -> str | None:
    """The first ``repr`` of an expression inside ``text`` (a template's JSON), if any: the
    trace of an expression formatted into a Python string (``f"{x!r}"``, ``str([x])``)."""
    if "<" not in text:
        return None
    names = frozenset(_expression_classes())
    pattern = _EXPRESSION_TEXT.get(names)
    if pattern is None:
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        pattern = _EXPRESSION_TEXT[names] = re.compile(rf"<(?:{alternatives}) [^<>\n]*?: [^<>\n]*>")
    found = pattern.search(text)
    return found.group(0) if found else None
