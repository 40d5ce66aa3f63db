"""Resources and nested property types, built from catalogue tables on first use.

Generated provider modules hold their catalogue as literal tables (see
``infrakit._spec``); :func:`make_resource_class` and :func:`make_property_class` turn
one table entry into an attrs class whose fields check their values as they are set,
so a wrong type or an unknown keyword fails on the user's own line.
"""

from __future__ import annotations

import contextvars
import enum
import functools
import math
import operator
import sys
import threading
import typing
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from infrakit._expr import Expr, GetAtt, ParamRef, Ref, compatible, describe_value
from infrakit.errors import (
    DefinitionError,
    InfrakitError,
    MissingPropertyError,
    PropertyTypeError,
    UnknownAttributeError,
    UnknownPropertyError,
    did_you_mean,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from infrakit._provider import Provider

__all__ = [
    "BUILDING",
    "DEPENDS_ON",
    "PropertyType",
    "Resource",
    "ResourceOption",
    "building_prefix",
    "check_value",
    "collect",
    "find_class",
    "lazy_module",
    "make_property_class",
    "make_resource_class",
    "option_field",
    "option_value",
    "options_getter",
    "render_props",
    "render_value",
    "spec_type",
]

#: The name of the component being built, for messages (set by synth).
BUILDING: contextvars.ContextVar[str | None] = contextvars.ContextVar("infrakit_building", default=None)

Lookup = Callable[[str], type]


def building_prefix() -> str:
    """``"Component: "`` while a component is being built, for messages; else ``""``."""
    component = BUILDING.get()
    return f"{component}: " if component else ""


# --- value checking against type specs ----------------------------------------------

#: The integers a JSON template can hold (64-bit signed or unsigned).
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1

_SCALARS: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": bool, "json": dict, "any": Any}


def spec_type(spec: Any) -> Any:
    """The runtime value type of a type spec, for expression compatibility."""
    if isinstance(spec, str):
        return _SCALARS[spec]
    kind, arg = spec
    if kind == "list":
        return list[spec_type(arg)]  # type: ignore[misc]
    if kind == "enum":
        return str
    if kind in ("map", "obj"):
        return dict
    return Any  # union


def spec_name(spec: Any) -> str:
    if isinstance(spec, str):
        return "JSON object" if spec == "json" else spec
    kind, arg = spec
    if kind == "list":
        return f"list[{spec_name(arg)}]"
    if kind == "map":
        return f"dict[str, {spec_name(arg)}]"
    if kind == "enum":
        shown = ", ".join(repr(v) for v in arg[:8])
        return f"one of {shown}" + (f" (and {len(arg) - 8} more)" if len(arg) > 8 else "")
    if kind == "obj":
        return str(arg)
    return " | ".join(spec_name(a) for a in arg)


def check_value(spec: Any, value: Any, lookup: Lookup, numbers_as_text: bool = False) -> str | None:
    """``None`` if ``value`` fits ``spec``, else what is wrong (for a message).

    ``numbers_as_text``: a number expression may stand where a ``str`` is expected (the
    provider turns it into text, as CloudFormation does with a ``Ref`` to a ``Number``)."""
    if isinstance(value, Expr):
        if compatible(spec_type(spec), value.type):
            return None
        if numbers_as_text and spec == "str" and value.type is not bool and compatible(float, value.type):
            return None
        return f"expected {spec_name(spec)}, got {describe_value(value)}"
    if isinstance(spec, str):
        if spec == "str":
            ok = isinstance(value, str)
        elif spec == "int" or spec == "float":
            numbers = int if spec == "int" else (int, float)
            ok = isinstance(value, numbers) and not isinstance(value, bool)
            if ok and isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
                return f"expected {spec_name(spec)} within 64 bits (what a template can hold), got {value}"
            if ok and isinstance(value, float) and not math.isfinite(value):
                return f"expected a finite {spec_name(spec)} (JSON has no NaN or infinity), got {value}"
        elif spec == "bool":
            ok = isinstance(value, bool)
        elif spec == "json":
            ok = isinstance(value, (dict, list))
        else:
            ok = True
        return None if ok else f"expected {spec_name(spec)}, got {describe_value(value)}"
    kind, arg = spec
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            return f"expected {spec_name(spec)}, got {describe_value(value)}"
        for i, item in enumerate(value):
            problem = check_value(arg, item, lookup, numbers_as_text)
            if problem:
                return f"item {i}: {problem}"
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"expected {spec_name(spec)}, got {describe_value(value)}"
        for key, item in value.items():
            if not isinstance(key, str):
                return f"key {key!r}: expected str"
            problem = check_value(arg, item, lookup, numbers_as_text)
            if problem:
                return f"key {key!r}: {problem}"
        return None
    if kind == "enum":
        if isinstance(value, str) and value in arg:
            return None
        hint = did_you_mean(value, arg) if isinstance(value, str) else ""
        return f"expected {spec_name(spec)}, got {describe_value(value)}{hint}"
    if kind == "obj":
        cls = lookup(arg)
        if isinstance(value, cls):
            return None
        if isinstance(value, dict):
            return f"expected {cls.__qualname__}, got a dict; build it with {cls.__qualname__}(...)"
        return f"expected {cls.__qualname__}, got {describe_value(value)}"
    # union
    if any(check_value(a, value, lookup, numbers_as_text) is None for a in arg):
        return None
    return f"expected {spec_name(spec)}, got {describe_value(value)}"


# --- base classes -------------------------------------------------------------------


class _Attrs:
    """``resource.attrs``: the resource's attributes as typed expressions."""

    __slots__ = ("_resource",)

    def __init__(self, resource: Resource) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Expr[Any]:
        resource = self._resource
        spec = type(resource)._attr_specs.get(name)
        if spec is None:
            known = type(resource)._attr_specs
            listed = ", ".join(sorted(known)) if known else "none"
            raise UnknownAttributeError(
                f"{building_prefix()}{resource._describe()}: no attribute `{name}`{did_you_mean(name, known)}; "
                f"its attributes are: {listed}"
            )
        wire, type_spec = spec
        return GetAtt(resource, wire, spec_type(type_spec), name)

    def __dir__(self) -> list[str]:
        return sorted(type(self._resource)._attr_specs)


def _on_setattr(check: Callable[[Any, Any], None]) -> Callable[[Any, Any, Any], Any]:
    def setter(inst: Any, _attr: Any, value: Any) -> Any:
        check(inst, value)
        return value

    return setter


def option_field(check: Callable[[Any, Any], None]) -> Any:
    """A keyword option of a resource base class (``depends_on``, ``condition``, ...):
    ``check(resource, value)`` runs when the option is given and on every assignment."""
    return attrs.field(default=None, kw_only=True, on_setattr=_on_setattr(check), metadata={"infrakit.check": check})


def _option_checks(base: type) -> dict[str, Callable[[Any, Any], None]]:
    return {a.name: a.metadata["infrakit.check"] for a in attrs.fields(base) if "infrakit.check" in a.metadata}


@attrs.frozen
class ResourceOption:
    """One resource option: how the engine treats a resource, apart from what it is.

    A provider lists its options in one table (``Resource._options``), which makes the base
    class's keywords, the checks, the rendering, the references checked at synth, and the
    generator's stubs and reserved names. Keywords and properties share one namespace, so:

    * a ``reserved`` option (the first ones: ``depends_on``, ``condition``, ...) keeps its
      name for good: a property of that name is generated with a trailing underscore
      (``metadata_``);
    * any later option is a keyword unless the resource has a property of that name; then
      the property keeps the keyword and the option is set with
      :meth:`Resource.with_options` (``batch.ComputeEnvironment``'s ``update_policy``).
    """

    #: The keyword (``deletion_policy``).
    name: str
    #: Its key in the rendered resource (``DeletionPolicy``); ``""``: rendered by the provider.
    wire: str
    #: ``check(resource, value)``: refuses a wrong value when it is given or assigned.
    check: Callable[[Any, Any], None]
    #: Renders a value: ``render(renderer, resource, value)``; ``None``: ``renderer.value(value)``.
    render: Callable[[Any, Any, Any], Any] | None = None
    #: Its type in the generated stubs, in the generator's annotation vocabulary.
    annotation: str = "Any"
    #: Whether its value may hold expressions (checked like properties at synth).
    expressions: bool = False
    #: Whether a property of this name is renamed (``name_``) rather than shadowing it.
    reserved: bool = False

    def field(self) -> Any:
        """The attrs field of this option's keyword."""
        return option_field(self.check)


def _check_depends_on_option(inst: Any, value: Any) -> None:
    _check_depends_on(inst, value)


#: ``depends_on=``: resources this one is created after (every provider).
DEPENDS_ON = ResourceOption("depends_on", "", _check_depends_on_option, annotation="DependsOn", reserved=True)


def option_value(resource: Resource, name: str) -> Any:
    """The value of option ``name`` of ``resource`` (``None`` when not set), whether given as
    a keyword or through :meth:`Resource.with_options`."""
    if name in type(resource)._shadowed:
        return (resource._set_aside or {}).get(name)
    return getattr(resource, name, None)


@attrs.define(eq=False, slots=True)
class Resource:
    """Base of every generated resource class.

    The first positional argument is the logical id; properties are keywords.
    ``.ref`` is the resource's reference and ``.attrs.<name>`` its attributes.
    """

    logical_id: str = attrs.field(on_setattr=lambda inst, _a, value: _check_logical_id(inst, value))
    depends_on: Any = option_field(DEPENDS_ON.check)
    #: Options set through with_options() that a property of the same name shadows.
    _set_aside: dict[str, Any] | None = attrs.field(default=None, init=False, repr=False)

    resource_type: ClassVar[str] = ""
    #: The provider plug-in that renders this resource (set by the provider's base class).
    provider: ClassVar[Provider]
    _props: ClassVar[tuple[Any, ...]] = ()
    _attr_specs: ClassVar[dict[str, tuple[str, Any]]] = {}
    _keywords: ClassVar[frozenset[str]] = frozenset()
    #: A provider's own wire form of some properties, applied to their rendered values
    #: (GCP: 64-bit integers as decimal strings): ``{py_name: function}``.
    _wire_forms: ClassVar[dict[str, Callable[[Any], Any]]] = {}
    #: Whether a number expression may stand where a ``str`` is expected (CloudFormation:
    #: a ``Ref`` to a ``Number`` parameter is a string).
    _numbers_as_text: ClassVar[bool] = False
    #: The resource options of the class (the provider's table, ``depends_on`` first).
    _options: ClassVar[tuple[ResourceOption, ...]] = (DEPENDS_ON,)
    #: Options whose keyword a property of the same name takes (set with ``with_options``).
    _shadowed: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def _tags_field(cls) -> str | None:
        """The keyword of the property that holds the resource's tags (``None``: the type is
        not taggable); providers' base classes know it."""
        return None

    @property
    def ref(self) -> Expr[str]:
        """The resource's reference."""
        return Ref(self)

    @property
    def attrs(self) -> Any:
        """The resource's attributes, as expressions: ``vpc.attrs.cidr_block``."""
        return _Attrs(self)

    def _describe(self) -> str:
        return f"{self.resource_type} '{self.logical_id}'"

    def with_options(self, **options: Any) -> Self:
        """Set resource options by name and return the resource:
        ``self.add(batch.ComputeEnvironment("Ce", ...).with_options(update_policy=...))``.

        Every option can be set this way; it is the only way for an option whose keyword a
        property of the same name takes (see ``docs/aws.md``, "Resource options").
        """
        table = {o.name: o for o in type(self)._options}
        for name, value in options.items():
            option = table.get(name)
            if option is None:
                raise UnknownPropertyError(
                    f"{building_prefix()}{self._describe()}: unknown resource option `{name}`"
                    f"{did_you_mean(name, table)}; its options are: {', '.join(table)}"
                )
            if name in type(self)._shadowed:
                if value is not None:
                    option.check(self, value)
                self._set_aside = {**(self._set_aside or {}), name: value}
            else:
                setattr(self, name, value)
        return self

    def _values(self) -> Iterator[tuple[str, Any]]:
        """Every value set on the resource that may hold expressions, with how a message names
        it: its properties, then its options that take expressions (synth checks their
        references)."""
        cls = type(self)
        plan = cls.__dict__.get("_values_plan")
        if plan is None:
            plan = _values_plan(cls)
        labels, get, options = plan
        for label, value in zip(labels, get(self), strict=True):
            if value is not None:
                yield label, value
        if options:
            values = options_getter(cls)(self)
            for i, name in options:
                if values[i] is not None:
                    yield name, values[i]

    def dependencies(self) -> list[Resource]:
        """The resources named in ``depends_on``."""
        deps = option_value(self, "depends_on")
        if deps is None:
            return []
        return list(deps) if isinstance(deps, (list, tuple)) else [deps]


def props_getter(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the values of every property of an object of ``cls`` (a resource or
    property type class), in the order of ``cls._props``, in one call; made once per class."""
    get: Callable[[Any], tuple[Any, ...]] | None = cls.__dict__.get("_props_getter")
    if get is not None:
        return get
    names = tuple(prop[0] for prop in cls._props)  # type: ignore[attr-defined]
    if len(names) > 1:
        get = operator.attrgetter(*names)
    elif names:
        one = operator.attrgetter(names[0])
        get = lambda obj: (one(obj),)  # noqa: E731
    else:
        get = lambda _obj: ()  # noqa: E731
    cls._props_getter = get  # type: ignore[attr-defined]
    return get


def options_getter(cls: type[Resource]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the values of every option of a resource of ``cls``, in the order of
    ``cls._options`` (as :func:`option_value` reads each), in one call; made once per class:
    one ``attrgetter`` where every option is a field, else ``option_value`` per option (an
    option a property shadows lives in the resource's set-aside dict)."""
    get: Callable[[Any], tuple[Any, ...]] | None = cls.__dict__.get("_options_getter")
    if get is not None:
        return get
    names = tuple(option.name for option in cls._options)
    if cls._shadowed or len(names) < 2 or not all(hasattr(cls, n) for n in names):
        get = lambda resource: tuple(option_value(resource, n) for n in names)  # noqa: E731
    else:
        get = operator.attrgetter(*names)
    cls._options_getter = get  # type: ignore[attr-defined]
    return get


def _values_plan(
    cls: type[Resource],
) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]], tuple[tuple[int, str], ...]]:
    """What :meth:`Resource._values` reads, made once per class: each property's label, its
    properties' values (:func:`props_getter`) and the options that take expressions (their
    places among :func:`options_getter`'s values, and names)."""
    plan = (
        tuple(f"property `{prop[0]}`" for prop in cls._props),
        props_getter(cls),
        tuple((i, option.name) for i, option in enumerate(cls._options) if option.expressions),
    )
    cls._values_plan = plan  # type: ignore[attr-defined]
    return plan


def _check_logical_id(inst: Any, value: Any) -> str:
    if not isinstance(value, str):
        raise PropertyTypeError(
            f"{building_prefix()}{type(inst).resource_type}: the logical id must be a str, got {describe_value(value)}"
        )
    return value


def _check_depends_on(inst: Any, value: Any) -> None:
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if item is not None and not isinstance(item, Resource):
            raise PropertyTypeError(
                f"{building_prefix()}{inst._describe()}: depends_on takes resources, got {describe_value(item)}"
            )


class PropertyType:
    """Base of every generated nested property type (and GCP message) class."""

    __slots__ = ()
    _props: ClassVar[tuple[Any, ...]] = ()
    _keywords: ClassVar[frozenset[str]] = frozenset()
    _wire_forms: ClassVar[dict[str, Callable[[Any], Any]]] = {}
    _numbers_as_text: ClassVar[bool] = False


def _checker(owner: Callable[[Any], str], py: str, spec: Any, lookup: Lookup) -> Callable[[Any, Any], None]:
    plain = _SCALARS.get(spec) if isinstance(spec, str) and spec in ("str", "bool") else None
    number = spec in ("int", "float")
    expected: list[Any] = []  # the spec's value type, made when an expression is first given

    def check(inst: Any, value: Any) -> None:
        # The common cases, decided as check_value would, without its call.
        kind = type(value)
        if value is None or kind is plain:
            return
        if number and kind is int and _INT_MIN <= value <= _INT_MAX:
            return
        if isinstance(value, Expr):
            if not expected:
                expected.append(spec_type(spec))
            if compatible(expected[0], value.type):
                return
        problem = check_value(spec, value, lookup, type(inst)._numbers_as_text)
        if problem and isinstance(inst, Resource) and py == type(inst)._tags_field():
            from infrakit._tags import tags_fit

            if tags_fit(value):  # ik.Tag objects or a {key: value} dict: rendered in the type's shape
                return
        if problem:
            raise PropertyTypeError(
                f"{building_prefix()}{owner(inst)}: property `{py}`: {problem}",
                resource=getattr(inst, "logical_id", None),
                property=py,
            )

    return check


def _init_guard(cls: type, owner: Callable[[Any], str], checks: dict[str, Callable[[Any, Any], None]]) -> None:
    """Wrap attrs' ``__init__``: an unknown keyword is a did-you-mean error, and each
    property given is checked against its type (properties left out are not: checking
    only what was given keeps construction cheap for resources with many properties)."""
    attrs_init = cls.__init__  # type: ignore[misc]
    keywords = cls._keywords  # type: ignore[attr-defined]
    wire_to_py = {wire: py for py, wire, *_ in cls._props}  # type: ignore[attr-defined]
    # A provider's check of the values given against the resource's schema (AWS: patterns,
    # lengths, ranges), after their types are known to be right: ``cls._given_check(cls)``
    # makes it once per class, or gives None when the class has nothing such to check.
    make_check = getattr(cls, "_given_check", None)
    check_given = make_check(cls) if make_check is not None else None
    is_resource = issubclass(cls, Resource)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if is_resource and not args and "logical_id" in kwargs:  # keyword-given (attrs.evolve)
            args = (kwargs.pop("logical_id"),)
        if not keywords.issuperset(kwargs):
            unknown = sorted(set(kwargs) - keywords)[0]
            hint = (
                f" (did you mean `{wire_to_py[unknown]}`?)"
                if unknown in wire_to_py
                else did_you_mean(unknown, keywords)
            )
            where = f"{cls.resource_type} '{args[0]}'" if args and issubclass(cls, Resource) else owner(self)
            raise UnknownPropertyError(
                f"{building_prefix()}{where}: unknown property `{unknown}`{hint}",
                resource=args[0] if args and isinstance(args[0], str) and issubclass(cls, Resource) else None,
                property=unknown,
            )
        try:
            attrs_init(self, *args, **kwargs)
        except TypeError as exc:  # a wrong number of positional arguments
            if isinstance(exc, InfrakitError):
                raise
            raise _arguments_error(cls, owner, args, kwargs) from None
        if args and type(args[0]) is not str:
            _check_logical_id(self, args[0])
        for key, value in kwargs.items():
            check = checks.get(key)
            if check is not None and value is not None:
                check(self, value)
        if check_given is not None and kwargs:
            check_given(self, kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = attrs_init.__doc__
    cls.__init__ = __init__  # type: ignore[misc]
    _guard_setattr(cls, owner)


def _arguments_error(cls: Any, owner: Callable[[Any], str], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if issubclass(cls, Resource):
        if not args and "logical_id" not in kwargs:
            return PropertyTypeError(
                f"{building_prefix()}{cls.resource_type}: the logical id is required as the first argument: "
                f"{cls.__name__}('MyId', ...)"
            )
        return PropertyTypeError(
            f"{building_prefix()}{cls.resource_type} '{args[0] if args else kwargs.get('logical_id')}': takes the "
            f"logical id as its only positional argument, got {len(args)}; pass properties as keywords"
        )
    return PropertyTypeError(
        f"{building_prefix()}{cls.__qualname__}: takes properties as keywords only, got {len(args)} positional "
        "argument(s)"
    )


def _guard_setattr(cls: Any, owner: Callable[[Any], str]) -> None:
    """Setting a name that is no property (``vpc.cidr = ...``) is an
    :class:`UnknownAttributeError` with a did-you-mean, not a bare ``AttributeError``."""
    original = cls.__setattr__
    names = frozenset(a.name for a in attrs.fields(cls))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if name not in names and not name.startswith("_"):
            raise UnknownAttributeError(
                f"{building_prefix()}{owner(self)}: no property `{name}` to set{did_you_mean(name, names)}"
            )
        original(self, name, value)

    cls.__setattr__ = __setattr__


def _fields(
    props: tuple[Any, ...], owner: Callable[[Any], str], lookup: Lookup
) -> tuple[dict[str, Any], dict[str, Callable[[Any, Any], None]]]:
    """The attrs fields of a property table, and each property's type check (run by
    ``__init__`` for the keywords given, and on every later assignment)."""
    checks = {py: _checker(owner, py, spec, lookup) for py, _wire, spec, _required in props}
    fields = {py: attrs.field(default=None, kw_only=True, on_setattr=_on_setattr(checks[py])) for py, *_ in props}
    return fields, checks


class _LazyClass:
    """A class attribute built on first access (nested property types)."""

    def __init__(self, name: str, make: Callable[[], type]) -> None:
        self.name = name
        self.make = make

    def __get__(self, instance: Any, owner: type) -> type:
        made = self.make()
        setattr(owner, self.name, made)
        return made


def _repr_context() -> Any:
    # attrs' own record of the objects being repr'd (per thread), shared so that a cycle
    # through objects of attrs-generated reprs and of this one is cut where attrs cuts it.
    from attr import _compat

    return getattr(_compat, "repr_context", None) or threading.local()


_REPRING = _repr_context()


def _fields_repr(self: Any) -> str:
    """``Name(field=value, ...)``, exactly the ``__repr__`` attrs would generate (a field
    holding the object itself, directly or not, shows as ``...``). One function for every
    generated class: attrs compiles a ``__repr__`` per class, about a third of the time it
    takes to make one."""
    cls = self.__class__
    shown = cls.__dict__.get("_repr_fields")
    if shown is None:
        shown = tuple((a.name, a.repr, a.init) for a in attrs.fields(cls) if a.repr is not False)
        cls._repr_fields = shown
    try:
        already = _REPRING.already_repring
    except AttributeError:
        already = _REPRING.already_repring = set()
    if id(self) in already:
        return "..."
    already.add(id(self))
    try:
        parts = []
        for name, how, init in shown:
            value = getattr(self, name) if init else getattr(self, name, attrs.NOTHING)
            parts.append(f"{name}={value!r}" if how is True else f"{name}={how(value)}")
        return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({', '.join(parts)})"
    finally:
        already.remove(id(self))


def _describe_resource(inst: Any) -> str:
    lid = getattr(inst, "logical_id", "?")
    return f"{type(inst).resource_type} '{lid}'"


def make_resource_class(
    name: str,
    *,
    base: type[Resource],
    module: str,
    resource_type: str,
    doc: str,
    props: tuple[Any, ...],
    attributes: tuple[Any, ...],
    nested: dict[str, Callable[[type], type]] | None = None,
    lookup: Callable[[type], Lookup] | None = None,
) -> type[Resource]:
    """Build the resource class ``name`` from its catalogue entry.

    ``nested`` maps a nested type's name to a function building it from the resource
    class; ``lookup(cls)`` gives the resolver of ``("obj", Name)`` specs (by default,
    attributes of the resource class itself).
    """
    holder: list[type] = []

    def resolve(nested_name: str) -> type:
        owner = holder[0]
        found: type = getattr(owner, nested_name) if lookup is None else lookup(owner)(nested_name)
        return found

    body, checks = _fields(props, _describe_resource, resolve)
    shadowed = frozenset(o.name for o in base._options if o.name in body)
    checks = {**{k: c for k, c in _option_checks(base).items() if k not in shadowed}, **checks}
    cls: Any = attrs.make_class(name, body, bases=(base,), eq=False, slots=True, repr=False)
    cls.__repr__ = _fields_repr
    cls._shadowed = shadowed
    holder.append(cls)
    cls.__module__ = module
    cls.__doc__ = doc
    cls.resource_type = resource_type
    cls._props = props
    cls._attr_specs = {py: (wire, spec) for py, wire, spec in attributes}
    cls._keywords = frozenset(a.name for a in attrs.fields(cls) if a.kw_only)
    for nested_name, make in (nested or {}).items():
        setattr(cls, nested_name, _LazyClass(nested_name, functools.partial(make, cls)))
    _init_guard(cls, _describe_resource, checks)
    return typing.cast("type[Resource]", cls)


def make_property_class(
    name: str,
    *,
    qualname: str,
    module: str,
    doc: str,
    props: tuple[Any, ...],
    lookup: Lookup,
    base: type[PropertyType] = PropertyType,
) -> type[PropertyType]:
    """Build a nested property type (or GCP message) class from its catalogue entry."""

    def owner(_inst: Any) -> str:
        return qualname

    body, checks = _fields(props, owner, lookup)
    cls: Any = attrs.make_class(name, body, bases=(base,), slots=True, repr=False)
    cls.__repr__ = _fields_repr
    cls.__module__ = module
    cls.__qualname__ = qualname
    cls.__doc__ = doc
    cls._props = props
    cls._keywords = frozenset(py for py, *_ in props)
    _init_guard(cls, owner, checks)
    return typing.cast("type[PropertyType]", cls)


# --- lazy catalogue modules ---------------------------------------------------------


def lazy_module(
    module_name: str, names: Collection[str], make: Callable[[str], type], what: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a generated catalogue module: a class
    named in ``names`` is made by ``make(name)`` on first access and cached in the module;
    another name is an ``AttributeError`` with a suggestion (``what`` names the kind)."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {module_name!r} has no {what} {name!r}{did_you_mean(name, names)}")
        cls = make(name)
        setattr(sys.modules[module_name], name, cls)
        return cls

    def __dir__() -> list[str]:
        return sorted(set(names) | set(vars(sys.modules[module_name])))

    return __getattr__, __dir__


def find_class(provider: str, name: str, known: Collection[str], locate: Callable[[str], tuple[str, str]]) -> type[Any]:
    """The class of resource type ``name`` in a provider's catalogue (``known``: every type
    name); ``locate(name)`` gives its ``(module, class)``, and only that module is imported."""
    import importlib

    if not isinstance(name, str):
        raise DefinitionError(f"resource_class takes the name of a {provider} resource type (a str), got {name!r}")
    if name not in known:
        raise DefinitionError(f"unknown {provider} resource type {name!r}{did_you_mean(name, known)}")
    module, cls = locate(name)
    found: type[Any] = getattr(importlib.import_module(module), cls)
    return found


# --- rendering ----------------------------------------------------------------------


class _Located(Exception):
    """A problem deep inside a property value; the path grows as it propagates, so the
    happy path builds no location strings."""

    path = ""


class _Missing(_Located):
    """A required property missing in a nested property type."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _NotFinite(_Located):
    """A value a template cannot hold, deep inside a property value: NaN or infinity (JSON
    has neither), an object that is no template value."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def error(self, where: str) -> PropertyTypeError:
        return PropertyTypeError(f"{where}{self.path}: {self.detail}")


def _nan(value: float) -> _NotFinite:
    return _NotFinite(f"{value} cannot be written into a template (JSON has no NaN or infinity); give a finite number")


def render_props(obj: Any, r: Any, where: str | None = None) -> dict[str, Any]:
    """Render a resource's or property type's properties under their wire names.

    ``where`` names the resource for messages; nested property types pass ``None``.
    """
    out: dict[str, Any] = {}
    cls = type(obj)
    forms = cls._wire_forms
    for (py, wire, _spec, required), value in zip(cls._props, props_getter(cls)(obj), strict=True):
        if value is None:
            if not required:
                continue
            if where is None:
                raise _Missing(py)
            raise MissingPropertyError(
                f"{where}: required property `{py}` is missing; pass {py}=... when creating it",
                resource=getattr(obj, "logical_id", None),
                property=py,
            )
        kind = type(value)
        try:
            if kind is str or kind is int or kind is bool or kind is float:
                if kind is float and not math.isfinite(value):
                    raise _nan(value)
                out[wire] = forms[py](value) if forms and py in forms else value
                continue
            out[wire] = forms[py](_render_value(value, r, "")) if forms and py in forms else _render_value(value, r, "")
        except _NotFinite as bad:
            bad.path = f".{py}{bad.path}"
            if where is None:
                raise
            raise bad.error(f"{where}: property `{py}`{bad.path[len(py) + 1 :]}") from None
        except _Missing as missing:
            missing.path = f".{py}{missing.path}"
            if where is None:
                raise
            raise MissingPropertyError(
                f"{where}: required property `{missing.name}` of `{py}{missing.path[len(py) + 1 :]}` is missing; "
                f"pass {missing.name}=... when creating it",
                resource=getattr(obj, "logical_id", None),
                property=f"{py}{missing.path[len(py) + 1 :]}.{missing.name}",
            ) from None
    return out


def render_value(value: Any, r: Any, where: str = "") -> Any:
    """Render any property value: expressions, property types, lists and dicts."""
    if where:  # a renderer's own call (metadata, outputs, conditions): say where a NaN is
        try:
            return _render_value(value, r, where)
        except _NotFinite as bad:
            raise bad.error(where) from None
    return _render_value(value, r, where)


def _render_value(value: Any, r: Any, where: str) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise _nan(value)
        return value
    if kind is list or kind is tuple:
        result = []
        for i, item in enumerate(value):
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool:
                result.append(item)
                continue
            try:
                result.append(_render_value(item, r, ""))
            except _Located as missing:
                missing.path = f"[{i}]{missing.path}"
                raise
        return result
    if kind is dict:
        rendered = {}
        for key, item in value.items():
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool:
                rendered[key] = item
                continue
            try:
                rendered[key] = _render_value(item, r, "")
            except _Located as missing:
                missing.path = f"[{key!r}]{missing.path}"
                raise
        return rendered
    if isinstance(value, Expr):
        return value._render(r)
    if isinstance(value, PropertyType):
        return render_props(value, r)
    if value is None:
        return None
    if isinstance(value, enum.Enum):  # an enum member stands for its value
        return _render_value(value.value, r, where)
    for plain in (str, int, float):  # a subclass of a plain type (not bool: bool is final)
        if isinstance(value, plain):
            return _render_value(plain(value), r, where)
    raise _NotFinite(
        f"cannot render {describe_value(value)} into a template; give str, int, float, bool, list, dict, "
        "a property type or an expression"
    )


#: The types of plain values, which hold no expression.
_LEAVES = frozenset({str, int, bool, float, type(None)})
#: Expressions without sub-values (exact types: a subclass may have children).
_LEAF_EXPRESSIONS = frozenset({Ref, GetAtt, ParamRef})


def collect(value: Any, found: list[Expr[Any]]) -> None:
    """Append every expression inside ``value`` to ``found``, depth first."""
    kind = type(value)
    if kind in _LEAVES:
        return
    leaves = _LEAVES
    if kind is list or kind is tuple:
        for v in value:
            if type(v) not in leaves:
                collect(v, found)
    elif kind is dict:
        for v in value.values():
            if type(v) not in leaves:
                collect(v, found)
    elif isinstance(value, Expr):
        found.append(value)
        if kind not in _LEAF_EXPRESSIONS:
            for child in value._children():
                collect(child, found)
    elif isinstance(value, PropertyType):
        for v in props_getter(kind)(value):
            if type(v) not in leaves:
                collect(v, found)
