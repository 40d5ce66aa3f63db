"""Hypothesis strategies of valid inputs for infrakit components.

``strategies.inputs(NetworkInputs)`` draws instances of an inputs class that pass its
validators, derived field by field from the field's type (``str``, ``int``, ``float``,
``bool``, ``Literal``, ``Enum``, ``X | None``, ``list``, ``tuple``, ``set``, ``dict``,
nested attrs classes), its default and its attrs validators (``ge``/``gt``/``le``/``lt``,
``in_``, ``matches_re``, ``min_len``/``max_len``, ``instance_of``, ``optional``,
``deep_iterable``, ``deep_mapping``, ``and_``, ``or_`` and lists of them)::

    from hypothesis import given
    from infrakit.testing import assert_contract, strategies

    @given(strategies.inputs(NetworkInputs, cidr="10.0.0.0/16"))
    def test_network_contract(inputs):
        assert_contract(Network, inputs)

``ik.Param`` fields stay symbolic: nothing is drawn for them unless overridden, so they
become template parameters. A field whose values cannot be derived (a custom validator, a
type infrakit does not know) raises :class:`infrakit.errors.StrategyError` when the
strategy is made — pass an override for it (a value or a strategy), or teach this module
the type or validator with :func:`register`. Values are never made up: where the derived
strategy cannot follow every rule exactly (two patterns on one string, a pattern and a
length), the field's real validators filter what is drawn.
"""

from __future__ import annotations

import enum
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, MutableMapping, MutableSequence, MutableSet, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

import attrs
from attr import _make as _attr_make
from attr import validators as _attr_validators
from hypothesis import strategies as st

from infrakit._contract import _plain_matches
from infrakit._expr import type_name
from infrakit.errors import InfrakitError, StrategyError, did_you_mean

__all__ = ["inputs", "register"]

T = TypeVar("T")

_DEFAULT = object()  # drawn for a field: leave it out, so attrs applies its default

_NoneType = type(None)
_MISSING = object()


def _private(module: Any, name: str) -> Any:
    # attrs' validator classes are private; an older attrs without one simply has none of it.
    found = getattr(module, name, None)
    return found if isinstance(found, type) else type(f"_Absent{name}", (), {})


_And = _private(_attr_make, "_AndValidator")
_Number = _private(_attr_validators, "_NumberValidator")
_In = _private(_attr_validators, "_InValidator")
_MatchesRe = _private(_attr_validators, "_MatchesReValidator")
_MinLen = _private(_attr_validators, "_MinLengthValidator")
_MaxLen = _private(_attr_validators, "_MaxLengthValidator")
_InstanceOf = _private(_attr_validators, "_InstanceOfValidator")
_Optional = _private(_attr_validators, "_OptionalValidator")
_DeepIterable = _private(_attr_validators, "_DeepIterable")
_DeepMapping = _private(_attr_validators, "_DeepMapping")
_Or = _private(_attr_validators, "_OrValidator")


# --- registry -----------------------------------------------------------------------


class _Rule:
    __slots__ = ("factory", "target")

    def __init__(self, target: Any, factory: Callable[[Any], st.SearchStrategy[Any]]) -> None:
        self.target = target
        self.factory = factory

    def matches_type(self, tp: Any) -> bool:
        target = self.target
        if _is_type_like(target):
            if tp is target or tp == target:
                return True
            return isinstance(tp, type) and isinstance(target, type) and issubclass(tp, target)
        return _safe_predicate(target, tp)

    def matches_validator(self, validator: Any) -> bool:
        target = self.target
        if _is_type_like(target):
            return isinstance(target, type) and isinstance(validator, target)
        return _safe_predicate(target, validator)


def _is_type_like(target: Any) -> bool:
    return isinstance(target, type) or typing.get_origin(target) is not None


def _safe_predicate(predicate: Callable[[Any], bool], value: Any) -> bool:
    try:
        return bool(predicate(value))
    except Exception:  # a predicate written for types, asked about a validator
        return False


_REGISTRY: list[_Rule] = []


def register(
    type_or_predicate: type | Callable[[Any], bool], strategy_factory: Callable[[Any], st.SearchStrategy[Any]]
) -> Callable[[], None]:
    """Teach :func:`inputs` a type or a validator of your own.

    ``type_or_predicate`` is a type — matching fields of that type (or a subclass) and
    validators that are instances of it — or a predicate called with each field type and
    each validator. ``strategy_factory(matched)`` returns a strategy of values of that type,
    or of values that pass that validator. Later registrations win. Returns a function that
    undoes the registration::

        strategies.register(ipaddress.IPv4Network, lambda t: st.ip_addresses(v=4).map(...))
        strategies.register(lambda v: v is is_cidr, lambda v: st.sampled_from(["10.0.0.0/16"]))
    """
    if not (_is_type_like(type_or_predicate) or callable(type_or_predicate)):
        raise TypeError(f"register takes a type or a predicate, got {type_or_predicate!r}")
    if not callable(strategy_factory):
        raise TypeError(f"register takes a strategy factory (a callable), got {strategy_factory!r}")
    rule = _Rule(type_or_predicate, strategy_factory)
    _REGISTRY.append(rule)

    def unregister() -> None:
        if rule in _REGISTRY:
            _REGISTRY.remove(rule)

    return unregister


def _registered_type(tp: Any) -> _Rule | None:
    return next((r for r in reversed(_REGISTRY) if r.matches_type(tp)), None)


def _registered_validator(validator: Any) -> _Rule | None:
    return next((r for r in reversed(_REGISTRY) if r.matches_validator(validator)), None)


def _made(rule: _Rule, matched: Any, ctx: _Context) -> st.SearchStrategy[Any]:
    strategy = rule.factory(matched)
    if not isinstance(strategy, st.SearchStrategy):
        raise StrategyError(
            f"{ctx.where}: the strategy factory registered for {rule.target!r} returned {strategy!r}, "
            "not a hypothesis strategy"
        )
    return strategy


# --- what a field's validators require -----------------------------------------------


class _Context:
    """Where values are drawn (for messages), the attribute handed to validators, and how
    the user fixes a field that cannot be derived."""

    __slots__ = ("attribute", "depth", "fix", "where")

    def __init__(self, where: str, attribute: Any, fix: str, depth: int = 0) -> None:
        self.where = where
        self.attribute = attribute
        self.fix = fix
        self.depth = depth

    def deeper(self, where: str) -> _Context:
        if self.depth >= 20:
            raise StrategyError(f"{self.where}: the type nests too deeply (recursive?); {self.fix}")
        return _Context(where, self.attribute, self.fix, self.depth + 1)


class _Rules:
    """The requirements collected from a flat list of validators."""

    def __init__(self) -> None:
        self.low: Any = None
        self.low_open = False
        self.high: Any = None
        self.high_open = False
        self.min_len = 0
        self.max_len: int | None = None
        self.patterns: list[re.Pattern[str]] = []
        self.options: list[Any] | None = None
        self.kinds: tuple[type, ...] | None = None
        self.members: list[Any] = []
        self.keys: list[Any] = []
        self.values: list[Any] = []
        self.choice: Any = None  # the first or_ validator
        self.custom: list[tuple[Any, _Rule]] = []

    @property
    def has_bounds(self) -> bool:
        return self.low is not None or self.high is not None

    @property
    def has_lengths(self) -> bool:
        return self.min_len > 0 or self.max_len is not None


def _flatten(validators: Iterable[Any]) -> list[Any]:
    flat: list[Any] = []
    for v in validators:
        if v is None:
            continue
        if isinstance(v, (list, tuple)):
            flat.extend(_flatten(v))
        elif isinstance(v, _And):
            flat.extend(_flatten(v._validators))
        else:
            flat.append(v)
    return flat


def _describe_validator(v: Any) -> str:
    name = getattr(v, "__qualname__", None)
    return f"`{name}`" if name else repr(v)


def _collect(validators: list[Any], ctx: _Context) -> _Rules:
    rules = _Rules()
    pending = list(validators)
    while pending:
        v = pending.pop(0)
        registered = _registered_validator(v)
        if registered is not None:
            rules.custom.append((v, registered))
        elif isinstance(v, _Optional):
            # None is checked by running the real validators; the rest applies to other values.
            pending[:0] = _flatten([v.validator])
        elif isinstance(v, _Number):
            _bound(rules, v.compare_op, v.bound)
        elif isinstance(v, _MinLen):
            rules.min_len = max(rules.min_len, v.min_length)
        elif isinstance(v, _MaxLen):
            rules.max_len = v.max_length if rules.max_len is None else min(rules.max_len, v.max_length)
        elif isinstance(v, _MatchesRe):
            rules.patterns.append(v.pattern)
        elif isinstance(v, _In):
            options = _options(v.options, ctx)
            rules.options = options if rules.options is None else [o for o in rules.options if o in options]
        elif isinstance(v, _InstanceOf):
            kinds = v.type if isinstance(v.type, tuple) else (v.type,)
            if rules.kinds is None:
                rules.kinds = kinds
            else:
                rules.kinds = tuple(k for k in rules.kinds if issubclass(k, kinds))
        elif isinstance(v, _DeepIterable):
            rules.members.extend(_flatten([v.member_validator]))
            pending[:0] = _flatten([v.iterable_validator])
        elif isinstance(v, _DeepMapping):
            rules.keys.extend(_flatten([v.key_validator]))
            rules.values.extend(_flatten([v.value_validator]))
            pending[:0] = _flatten([v.mapping_validator])
        elif isinstance(v, _Or):
            if rules.choice is None:
                rules.choice = v
        else:
            raise StrategyError(
                f"{ctx.where}: cannot derive values that pass the validator {_describe_validator(v)}: it is not one "
                "infrakit knows (ge, gt, le, lt, in_, matches_re, min_len, max_len, instance_of, optional, "
                f"deep_iterable, deep_mapping, and_, or_); {ctx.fix}"
            )
    return rules


def _options(options: Any, ctx: _Context) -> list[Any]:
    if isinstance(options, (str, bytes)):
        raise StrategyError(f"{ctx.where}: in_({options!r}) tests substrings; {ctx.fix}")
    if isinstance(options, Mapping):
        options = list(options)
    if isinstance(options, (set, frozenset)):
        return sorted(options, key=repr)  # a set's order changes with PYTHONHASHSEED
    if isinstance(options, range) and len(options) > 10_000:
        return options  # type: ignore[return-value]  # sampled lazily
    return list(options)


def _bound(rules: _Rules, op: str, bound: Any) -> None:
    if op in (">=", ">"):
        is_open = op == ">"
        if rules.low is None or bound > rules.low or (bound == rules.low and is_open):
            rules.low, rules.low_open = bound, is_open
    else:
        is_open = op == "<"
        if rules.high is None or bound < rules.high or (bound == rules.high and is_open):
            rules.high, rules.high_open = bound, is_open


def _accepts(validators: list[Any], attribute: Any, value: Any) -> bool:
    for v in validators:
        try:
            v(None, attribute, value)
        except Exception:
            return False
    return True


# --- values of a type ---------------------------------------------------------------


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin is typing.Union or origin is types.UnionType


def _values(tp: Any, validators: list[Any], ctx: _Context) -> st.SearchStrategy[Any]:
    """A strategy of values of type ``tp`` that pass ``validators`` (a flat list)."""
    tp = _strip(tp)
    registered = _registered_type(tp)
    if registered is not None:
        made = _made(registered, tp, ctx)
        return _checked(made, validators, ctx) if validators else made
    if _is_union(tp) and _NoneType in typing.get_args(tp):
        # None apart from the other members: an in_, an instance_of or a registered validator
        # wrapped in optional(...) describes the values other than None.
        members = typing.get_args(tp)
        not_none = _values(typing.Union[tuple(m for m in members if m is not _NoneType)], validators, ctx)  # noqa: UP007
        if not _accepts(validators, ctx.attribute, None):
            return not_none
        return st.one_of(st.none(), not_none) if members[0] is _NoneType else st.one_of(not_none, st.none())
    rules = _collect(validators, ctx)
    if rules.custom:
        validator, rule = rules.custom[0]
        made = _made(rule, validator, ctx)
        others = [v for v in validators if v is not validator]
        return _checked(made, others, ctx) if others else made
    if rules.choice is not None:
        rest = [v for v in validators if v is not rules.choice]
        branches = []
        for alternative in rules.choice.validators:
            try:
                branches.append(_values(tp, [*rest, *_flatten([alternative])], ctx))
            except StrategyError:
                continue  # this alternative admits no value of the type; another may
        if not branches:
            raise StrategyError(f"{ctx.where}: no alternative of {rules.choice!r} can be derived; {ctx.fix}")
        return st.one_of(branches)
    if rules.kinds is not None:
        tp = _narrow(tp, rules.kinds, ctx)

    candidates = _finite_candidates(tp, rules)
    if candidates is not None:
        return _sample(candidates, tp, validators, ctx)

    strategy, loose = _build(tp, rules, validators, ctx)
    return _checked(strategy, validators, ctx) if loose and validators else strategy


def _checked(strategy: st.SearchStrategy[Any], validators: list[Any], ctx: _Context) -> st.SearchStrategy[Any]:
    # The last safety net: a rule the strategy could not follow exactly is enforced by the
    # field's real validators, so a drawn value is never invalid.
    attribute = ctx.attribute
    return strategy.filter(lambda value: _accepts(validators, attribute, value))


def _narrow(tp: Any, kinds: tuple[type, ...], ctx: _Context) -> Any:
    if tp is Any or tp is object:
        return typing.Union[kinds] if len(kinds) > 1 else kinds[0]  # noqa: UP007
    if _is_union(tp):
        kept = [m for m in typing.get_args(tp) if _is_kind(m, kinds)]
        if not kept:
            raise StrategyError(f"{ctx.where}: no value of type {tp!r} is an instance of {kinds!r}")
        return typing.Union[tuple(kept)] if len(kept) > 1 else kept[0]  # noqa: UP007
    return tp


def _is_kind(member: Any, kinds: tuple[type, ...]) -> bool:
    base = typing.get_origin(member) or member
    if typing.get_origin(member) is typing.Literal:
        return all(isinstance(a, kinds) for a in typing.get_args(member))
    return isinstance(base, type) and issubclass(base, kinds)


def _finite_candidates(tp: Any, rules: _Rules) -> Sequence[Any] | None:
    """The values to pick from when the type or an ``in_`` enumerates them."""
    if rules.options is not None:
        return rules.options
    if typing.get_origin(tp) is typing.Literal:
        return list(typing.get_args(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return list(tp)
    if tp is bool:
        return [False, True]
    if tp is _NoneType or tp is None:
        return [None]
    return None


def _sample(candidates: Sequence[Any], tp: Any, validators: list[Any], ctx: _Context) -> st.SearchStrategy[Any]:
    if isinstance(candidates, range):
        return _checked(st.sampled_from(candidates), validators, ctx)
    fitting = [c for c in candidates if _plain_matches(tp, c) and _accepts(validators, ctx.attribute, c)]
    if not fitting:
        raise StrategyError(
            f"{ctx.where}: none of the values {list(candidates)!r} is of type {type_name(tp)} and passes the "
            f"validators; {ctx.fix}"
        )
    return st.sampled_from(fitting)


def _build(tp: Any, rules: _Rules, validators: list[Any], ctx: _Context) -> tuple[st.SearchStrategy[Any], bool]:
    """A strategy for ``tp`` following ``rules``, and whether some rule was left to the filter."""
    origin = typing.get_origin(tp)
    used_bounds = used_lengths = used_patterns = used_items = False
    loose = False

    if _is_union(tp):
        branches = []
        for member in typing.get_args(tp):
            if member is _NoneType:
                # None passes only if every validator lets it (optional(...) does).
                if _accepts(validators, ctx.attribute, None):
                    branches.append(st.none())
                continue
            if not _member_fits(_strip(member), rules):
                continue
            branches.append(_values(member, validators, ctx))
        if not branches:
            raise StrategyError(f"{ctx.where}: no member of {type_name(tp)} passes the validators; {ctx.fix}")
        return st.one_of(branches), False

    if tp is int:
        low, high = _int_bounds(rules, ctx)
        strategy: st.SearchStrategy[Any] = st.integers(low, high)
        used_bounds = True
    elif tp is float:
        strategy = _floats(rules, ctx)
        used_bounds = True
    elif tp is str:
        if rules.patterns:
            strategy = st.from_regex(rules.patterns[0], fullmatch=True)
            used_patterns = len(rules.patterns) == 1
            loose = rules.has_lengths
        else:
            strategy = st.text(min_size=rules.min_len, max_size=rules.max_len)
            used_lengths = True
    elif tp is bytes:
        strategy = st.binary(min_size=rules.min_len, max_size=rules.max_len)
        used_lengths = True
    elif origin in (list, tuple, set, frozenset, Sequence, MutableSequence, AbstractSet, MutableSet):
        strategy, used_items = _collection(tp, origin, rules, ctx)
        used_lengths = True
    elif tp in (list, tuple, set, frozenset, dict):
        raise StrategyError(f"{ctx.where}: a bare `{tp.__name__}` says nothing about its items; {ctx.fix}")
    elif origin in (dict, Mapping, MutableMapping):
        key_type, value_type = typing.get_args(tp) or (Any, Any)
        keys = _values(key_type, rules.keys, ctx.deeper(f"{ctx.where} (keys)"))
        values = _values(value_type, rules.values, ctx.deeper(f"{ctx.where} (values)"))
        strategy = st.dictionaries(keys, values, min_size=rules.min_len, max_size=rules.max_len)
        used_lengths = used_items = True
    elif isinstance(tp, type) and attrs.has(tp):
        strategy = _instances(tp, {}, ctx.deeper(f"{ctx.where} ({tp.__qualname__})"), nested=True)
    elif tp is Any or tp is object:
        raise StrategyError(f"{ctx.where}: its type says nothing about its values; {ctx.fix}")
    else:
        raise StrategyError(f"{ctx.where}: infrakit cannot draw values of type {type_name(tp)}; {ctx.fix}")

    if rules.has_bounds and not used_bounds:
        loose = True
    if rules.has_lengths and not used_lengths:
        loose = True
    if rules.patterns and not used_patterns:
        loose = True
    if (rules.members or rules.keys or rules.values) and not used_items:
        loose = True
    return strategy, loose


def _member_fits(member: Any, rules: _Rules) -> bool:
    """Whether a union member can satisfy the rules (``int | str`` with ``ge(1)``: only ``int``)."""
    numeric = member in (int, float)
    if rules.has_bounds:
        return numeric
    return not ((rules.patterns or rules.has_lengths) and numeric)


def _int_bounds(rules: _Rules, ctx: _Context) -> tuple[int | None, int | None]:
    low = high = None
    if rules.low is not None:
        low = math.floor(rules.low) + 1 if rules.low_open else math.ceil(rules.low)
    if rules.high is not None:
        high = math.ceil(rules.high) - 1 if rules.high_open else math.floor(rules.high)
    if low is not None and high is not None and low > high:
        raise StrategyError(f"{ctx.where}: no integer lies within its bounds; {ctx.fix}")
    return low, high


def _floats(rules: _Rules, ctx: _Context) -> st.SearchStrategy[float]:
    low, high = rules.low, rules.high
    if low is not None and high is not None and (low > high or (low == high and (rules.low_open or rules.high_open))):
        raise StrategyError(f"{ctx.where}: no number lies within its bounds; {ctx.fix}")
    # NaN and infinities cannot be written into a JSON template.
    return st.floats(
        min_value=low,
        max_value=high,
        exclude_min=rules.low_open and low is not None,
        exclude_max=rules.high_open and high is not None,
        allow_nan=False,
        allow_infinity=False,
    )


def _collection(tp: Any, origin: Any, rules: _Rules, ctx: _Context) -> tuple[st.SearchStrategy[Any], bool]:
    args = typing.get_args(tp)
    if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        # A fixed-shape tuple: each position its own type; member validators apply to each.
        parts = [_values(a, rules.members, ctx.deeper(f"{ctx.where}[{i}]")) for i, a in enumerate(args)]
        if not (rules.min_len <= len(args) <= (len(args) if rules.max_len is None else rules.max_len)):
            raise StrategyError(f"{ctx.where}: a {len(args)}-tuple cannot meet its length validators; {ctx.fix}")
        return st.tuples(*parts), True
    item_type = args[0] if args else Any
    items = _values(item_type, rules.members, ctx.deeper(f"{ctx.where} (items)"))
    low, high = rules.min_len, rules.max_len
    if origin in (set, AbstractSet, MutableSet):
        return st.sets(items, min_size=low, max_size=high), True
    if origin is frozenset:
        return st.frozensets(items, min_size=low, max_size=high), True
    drawn = st.lists(items, min_size=low, max_size=high)
    return (drawn.map(tuple) if origin is tuple else drawn), True


# --- instances ----------------------------------------------------------------------


def _field_validators(a: attrs.Attribute[Any]) -> list[Any]:
    if "infrakit.validators" in a.metadata:
        return _flatten(a.metadata["infrakit.validators"])
    return _flatten([a.validator])


def _default_value(a: attrs.Attribute[Any]) -> Any:
    default: Any = a.default
    if default is attrs.NOTHING:
        return _MISSING
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        # A factory makes a fresh value each time: let attrs call it (unless it needs self).
        return _MISSING if default.takes_self else _DEFAULT
    return default


def _field_strategy(cls: type, a: attrs.Attribute[Any], ctx: _Context) -> st.SearchStrategy[Any]:
    validators = _field_validators(a)
    tp = a.metadata["infrakit.field"].type if "infrakit.field" in a.metadata else a.type
    if isinstance(tp, str):
        try:
            tp = typing.get_type_hints(cls).get(a.name, Any)
        except Exception as exc:  # NameError for a name the class's module does not define
            raise StrategyError(f"{ctx.where}: cannot resolve its type annotation {tp!r}: {exc}; {ctx.fix}") from exc
    if tp is None:
        tp = Any
    derived = _values(tp, validators, ctx)
    default = _default_value(a)
    if default is _DEFAULT or (
        default is not _MISSING and _plain_matches(tp, default) and _accepts(validators, a, default)
    ):
        # The default first: hypothesis shrinks towards it, so a failing example differs
        # from the defaults only where it must.
        return st.one_of(st.just(_DEFAULT), derived)
    return derived


def _instances(
    cls: type, overrides: Mapping[str, Any], parent: _Context | None = None, *, nested: bool = False
) -> st.SearchStrategy[Any]:
    fields = {a.alias if a.alias else a.name: a for a in attrs.fields(cls) if a.init}
    unknown = [name for name in overrides if name not in fields]
    if unknown:
        name = unknown[0]
        raise StrategyError(
            f"strategies.inputs({cls.__qualname__}): no field `{name}`{did_you_mean(name, fields)}; "
            f"its fields are: {', '.join(fields)}"
        )
    drawn: dict[str, st.SearchStrategy[Any]] = {}
    depth = parent.depth if parent is not None else 0
    for name, a in fields.items():
        if name in overrides:
            value = overrides[name]
            drawn[name] = value if isinstance(value, st.SearchStrategy) else st.just(value)
            continue
        info = a.metadata.get("infrakit.field")
        if info is not None and info.kind == "param":
            continue  # deploy-time parameters stay symbolic: a template parameter
        fix = (
            f"pass an override, strategies.inputs({cls.__qualname__}, {name}=<value or strategy>), "
            "or teach infrakit the type or validator with strategies.register(...)"
        )
        if nested:
            fix = f"pass an override for the field that holds {cls.__qualname__}"
        ctx = _Context(f"{cls.__qualname__}.{name}", a, fix, depth)
        drawn[name] = _field_strategy(cls, a, ctx)

    def make(values: dict[str, Any]) -> Any:
        kwargs = {k: v for k, v in values.items() if v is not _DEFAULT}
        try:
            return cls(**kwargs)
        except (ValueError, TypeError, InfrakitError) as exc:
            given = {k: v for k, v in kwargs.items() if k in overrides}
            hint = (
                f"check the overrides {given!r}"
                if given
                else "the class checks something across fields (__attrs_post_init__?); pass overrides that fit it"
            )
            raise StrategyError(
                f"strategies.inputs({cls.__qualname__}): {cls.__qualname__}(**{kwargs!r}) was refused: {exc}; {hint}"
            ) from exc

    return st.fixed_dictionaries(drawn).map(make)


def inputs(cls: type[T], **overrides: Any) -> st.SearchStrategy[T]:
    """A hypothesis strategy of valid instances of the inputs class ``cls``.

    Each build-time setting is drawn from its type, default and attrs validators;
    ``ik.Param`` fields are left at their default (unset: a template parameter) unless
    overridden. An override is a value or a strategy for that field::

        strategies.inputs(NetworkInputs, environment="prod", az_count=st.integers(1, 3))

    Raises :class:`infrakit.errors.StrategyError`, naming the class and field, for a field
    whose values cannot be derived; pass an override for it.
    """
    if not (isinstance(cls, type) and attrs.has(cls)):
        raise StrategyError(f"strategies.inputs takes an @ik.inputs (or attrs) class, got {cls!r}")
    return _instances(cls, overrides)
