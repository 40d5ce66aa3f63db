"""infrakit.testing.strategies: valid inputs drawn from types, defaults and validators."""

from __future__ import annotations

import datetime
import enum
import math
import re
import subprocess
import sys
import typing

import attrs
import pytest
from attrs import validators as v
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import infrakit as ik
from infrakit.errors import InfrakitError, StrategyError
from infrakit.testing import strategies

FEW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


@ik.inputs
class Tag:
    key: str = attrs.field(validator=v.matches_re(r"[a-z][a-z0-9-]{0,9}"))
    value: str = attrs.field(default="", validator=v.max_len(8))


@ik.inputs
class Everything:
    """One field of every supported kind, each with validators."""

    name: str = attrs.field(default="web", validator=[v.min_len(1), v.max_len(12)])
    count: int = attrs.field(default=2, validator=[v.ge(1), v.le(6)])
    ratio: float = attrs.field(default=0.5, validator=[v.gt(0), v.lt(1)])
    enabled: bool = False
    environment: typing.Literal["dev", "staging", "prod"] = "dev"
    size: Size = Size.SMALL
    zone: str = attrs.field(default="a", validator=v.in_(["a", "b", "c"]))
    bucket: str = attrs.field(default="logs", validator=v.matches_re(r"[a-z]{3,10}"))
    suffix: str | None = attrs.field(default=None, validator=v.optional(v.max_len(3)))
    ports: list[int] = attrs.field(
        factory=list, validator=[v.max_len(4), v.deep_iterable(v.and_(v.ge(1), v.le(65535)))]
    )
    tags: list[Tag] = attrs.field(factory=list, validator=v.max_len(3))
    limits: dict[str, int] = attrs.field(
        factory=dict, validator=v.deep_mapping(v.matches_re(r"[a-z]{1,4}"), v.ge(0), v.max_len(3))
    )
    pair: tuple[int, str] = (1, "a")
    weights: tuple[float, ...] = attrs.field(default=(), validator=v.deep_iterable(v.ge(0.0)))
    vpc_id: ik.Param[str]


# --- every supported type and validator ---------------------------------------------


@FEW
@given(strategies.inputs(Everything))
def test_every_drawn_instance_passes_the_real_validators(inputs: Everything) -> None:
    attrs.validate(inputs)
    assert isinstance(inputs, Everything)


@FEW
@given(strategies.inputs(Everything))
def test_inclusive_int_bounds_are_respected(inputs: Everything) -> None:
    assert isinstance(inputs.count, int) and 1 <= inputs.count <= 6


@FEW
@given(strategies.inputs(Everything))
def test_exclusive_float_bounds_are_respected_and_finite(inputs: Everything) -> None:
    assert 0 < inputs.ratio < 1 and math.isfinite(inputs.ratio)


@FEW
@given(strategies.inputs(Everything))
def test_string_lengths_are_respected(inputs: Everything) -> None:
    assert 1 <= len(inputs.name) <= 12


@FEW
@given(strategies.inputs(Everything))
def test_literal_fields_take_only_their_values(inputs: Everything) -> None:
    assert inputs.environment in ("dev", "staging", "prod")


@FEW
@given(strategies.inputs(Everything))
def test_enum_fields_take_members(inputs: Everything) -> None:
    assert isinstance(inputs.size, Size)


@FEW
@given(strategies.inputs(Everything))
def test_in_validator_limits_the_values(inputs: Everything) -> None:
    assert inputs.zone in ("a", "b", "c")


@FEW
@given(strategies.inputs(Everything))
def test_matches_re_strings_match_the_whole_pattern(inputs: Everything) -> None:
    assert re.fullmatch(r"[a-z]{3,10}", inputs.bucket)


@FEW
@given(strategies.inputs(Everything))
def test_deep_iterable_members_are_valid(inputs: Everything) -> None:
    assert len(inputs.ports) <= 4 and all(1 <= p <= 65535 for p in inputs.ports)


@FEW
@given(strategies.inputs(Everything))
def test_deep_mapping_keys_and_values_are_valid(inputs: Everything) -> None:
    assert len(inputs.limits) <= 3
    assert all(re.fullmatch(r"[a-z]{1,4}", k) and n >= 0 for k, n in inputs.limits.items())


@FEW
@given(strategies.inputs(Everything))
def test_nested_inputs_classes_are_drawn_valid(inputs: Everything) -> None:
    assert all(isinstance(t, Tag) and len(t.value) <= 8 for t in inputs.tags)


@FEW
@given(strategies.inputs(Everything))
def test_fixed_and_variable_tuples_keep_their_shape(inputs: Everything) -> None:
    assert isinstance(inputs.pair[0], int) and isinstance(inputs.pair[1], str)
    assert isinstance(inputs.weights, tuple) and all(w >= 0 for w in inputs.weights)


@FEW
@given(strategies.inputs(Everything))
def test_param_fields_stay_unset(inputs: Everything) -> None:
    assert inputs.vpc_id is ik.UNSET


def test_optional_fields_draw_none_and_values() -> None:
    drawn = strategies.inputs(Everything)
    assert find(drawn, lambda i: i.suffix is None).suffix is None
    assert len(find(drawn, lambda i: i.suffix is not None and len(i.suffix) == 3).suffix) == 3


def test_optional_in_draws_none_and_each_option() -> None:
    @ik.inputs
    class Mode:
        mode: str | None = attrs.field(default="a", validator=v.optional(v.in_(["a", "b"])))

    drawn = strategies.inputs(Mode)
    assert find(drawn, lambda i: i.mode is None).mode is None
    assert find(drawn, lambda i: i.mode == "b").mode == "b"


def test_optional_instance_of_draws_none_and_values() -> None:
    @ik.inputs
    class Count:
        n: int | None = attrs.field(default=1, validator=v.optional(v.instance_of(int)))

    drawn = strategies.inputs(Count)
    assert find(drawn, lambda i: i.n is None).n is None
    assert find(drawn, lambda i: i.n == 5).n == 5


def test_a_fixed_tuple_longer_than_max_len_zero_is_a_clear_error() -> None:
    @attrs.define
    class Pair:
        pair: tuple[int, int] = attrs.field(validator=v.max_len(0))

    with pytest.raises(StrategyError, match=r"Pair.pair: a 2-tuple cannot meet its length validators"):
        strategies.inputs(Pair)


def test_an_annotation_that_does_not_resolve_is_a_clear_error() -> None:
    @attrs.define
    class Unresolved:
        x: NoSuchType  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(StrategyError, match=r"Unresolved.x: cannot resolve its type annotation 'NoSuchType'"):
        strategies.inputs(Unresolved)


def test_bool_fields_draw_both_values() -> None:
    assert find(strategies.inputs(Everything), lambda i: i.enabled).enabled is True


def test_defaults_are_drawn() -> None:
    found = find(strategies.inputs(Everything), lambda i: i.count == 2 and i.name == "web")
    assert (found.count, found.name) == (2, "web")


def test_values_other_than_the_default_are_drawn() -> None:
    assert find(strategies.inputs(Everything), lambda i: i.count == 6).count == 6


def test_bounds_from_several_validators_combine() -> None:
    @ik.inputs
    class Bounded:
        n: int = attrs.field(validator=[v.ge(1), v.ge(3), v.le(10), v.lt(8)])

    values = {find(strategies.inputs(Bounded), lambda i, k=k: i.n == k).n for k in (3, 7)}
    assert values == {3, 7}

    @FEW
    @given(strategies.inputs(Bounded))
    def check(inputs: Bounded) -> None:
        assert 3 <= inputs.n <= 7

    check()


def test_fractional_bounds_on_int_fields_round_inwards() -> None:
    @ik.inputs
    class Fractional:
        n: int = attrs.field(validator=[v.gt(1.5), v.le(3.5)])

    @FEW
    @given(strategies.inputs(Fractional))
    def check(inputs: Fractional) -> None:
        assert inputs.n in (2, 3)

    check()


def test_unbounded_floats_are_never_nan_or_infinite() -> None:
    @ik.inputs
    class Free:
        x: float

    @FEW
    @given(strategies.inputs(Free))
    def check(inputs: Free) -> None:
        assert math.isfinite(inputs.x)

    check()


def test_instance_of_narrows_a_union() -> None:
    @ik.inputs
    class Narrowed:
        x: int | str = attrs.field(validator=v.instance_of(int))

    @FEW
    @given(strategies.inputs(Narrowed))
    def check(inputs: Narrowed) -> None:
        assert isinstance(inputs.x, int)

    check()


def test_or_validator_draws_from_each_alternative() -> None:
    @ik.inputs
    class Either:
        x: int = attrs.field(validator=v.or_(v.le(-100), v.ge(100)))

    drawn = strategies.inputs(Either)
    assert find(drawn, lambda i: i.x < 0).x <= -100
    assert find(drawn, lambda i: i.x > 0).x >= 100


def test_a_pattern_with_a_length_limit_is_filtered_by_the_real_validators() -> None:
    @ik.inputs
    class Named:
        name: str = attrs.field(validator=[v.matches_re(r"[a-z]+"), v.max_len(4)])

    @FEW
    @given(strategies.inputs(Named))
    def check(inputs: Named) -> None:
        assert re.fullmatch(r"[a-z]{1,4}", inputs.name)

    check()


def test_sets_and_frozensets_are_drawn() -> None:
    @ik.inputs
    class Sets:
        a: frozenset[str] = attrs.field(default=frozenset(), validator=v.max_len(2))
        b: set[int] = attrs.field(factory=set)

    @FEW
    @given(strategies.inputs(Sets))
    def check(inputs: Sets) -> None:
        assert isinstance(inputs.a, frozenset) and len(inputs.a) <= 2 and isinstance(inputs.b, set)

    check()


def test_plain_attrs_classes_nest_too() -> None:
    @attrs.frozen
    class Point:
        x: int = attrs.field(validator=v.ge(0))

    @ik.inputs
    class Holder:
        point: Point

    @FEW
    @given(strategies.inputs(Holder))
    def check(inputs: Holder) -> None:
        assert inputs.point.x >= 0

    check()


def test_a_param_field_with_a_default_keeps_it() -> None:
    @ik.inputs
    class WithParam:
        size: ik.Param[int] = ik.param(default=3)

    assert find(strategies.inputs(WithParam), lambda i: True).size == 3


# --- overrides ----------------------------------------------------------------------


@FEW
@given(strategies.inputs(Everything, environment="prod"))
def test_a_value_override_is_used_as_is(inputs: Everything) -> None:
    assert inputs.environment == "prod"


@FEW
@given(strategies.inputs(Everything, count=st.sampled_from([5, 6])))
def test_a_strategy_override_draws_the_field(inputs: Everything) -> None:
    assert inputs.count in (5, 6)


@FEW
@given(strategies.inputs(Everything, vpc_id="vpc-123"))
def test_an_override_gives_a_param_its_default(inputs: Everything) -> None:
    assert inputs.vpc_id == "vpc-123"


def test_an_unknown_override_is_refused_with_a_suggestion() -> None:
    with pytest.raises(StrategyError, match=r"no field `cuont` \(did you mean `count`\?\)"):
        strategies.inputs(Everything, cuont=3)


def test_an_invalid_override_value_is_reported_when_drawn() -> None:
    drawn = strategies.inputs(Everything, count=99)
    with pytest.raises(StrategyError, match=r"Everything.*was refused.*check the overrides \{'count': 99\}"):
        find(drawn, lambda i: True)


# --- fields that cannot be derived ----------------------------------------------------


def _is_even(_inst: object, _attr: object, value: int) -> None:
    if value % 2:
        raise ValueError("must be even")


@ik.inputs
class Custom:
    n: int = attrs.field(default=2, validator=_is_even)


def test_an_unknown_validator_is_a_clear_error_naming_class_and_field() -> None:
    with pytest.raises(StrategyError) as caught:
        strategies.inputs(Custom)
    message = str(caught.value)
    assert "Custom.n" in message and "_is_even" in message
    assert "strategies.inputs(Custom, n=<value or strategy>)" in message


def test_the_strategy_error_is_an_infrakit_error() -> None:
    assert issubclass(StrategyError, InfrakitError)


def test_an_unsupported_type_is_a_clear_error() -> None:
    @ik.inputs
    class Dated:
        day: datetime.date = datetime.date(2024, 1, 1)

    with pytest.raises(StrategyError, match=r"Dated.day: infrakit cannot draw values of type date.*override"):
        strategies.inputs(Dated)


def test_an_underivable_field_is_fine_once_overridden() -> None:
    assert find(strategies.inputs(Custom, n=st.sampled_from([2, 4])), lambda i: i.n == 4).n == 4


def test_bounds_that_admit_no_integer_are_a_clear_error() -> None:
    @ik.inputs
    class Empty:
        n: int = attrs.field(validator=[v.gt(1), v.lt(2)])

    with pytest.raises(StrategyError, match=r"Empty.n: no integer lies within its bounds"):
        strategies.inputs(Empty)


def test_a_literal_that_no_validator_accepts_is_a_clear_error() -> None:
    @ik.inputs
    class Nothing:
        env: typing.Literal["dev", "prod"] = attrs.field(default="dev", validator=v.in_(["staging"]))

    with pytest.raises(StrategyError, match=r"Nothing.env: none of the values"):
        strategies.inputs(Nothing)


def test_a_rule_across_fields_is_reported_not_hidden() -> None:
    @ik.inputs
    class Ordered:
        low: int = attrs.field(default=0, validator=[v.ge(0), v.le(9)])
        high: int = attrs.field(default=9, validator=[v.ge(0), v.le(9)])

        def __attrs_post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low must not exceed high")

    with pytest.raises(StrategyError, match=r"__attrs_post_init__"):
        find(strategies.inputs(Ordered), lambda i: False)


def test_a_class_that_is_not_attrs_is_refused() -> None:
    with pytest.raises(StrategyError, match=r"takes an @ik\.inputs"):
        strategies.inputs(dict)


# --- register -----------------------------------------------------------------------


def test_register_teaches_a_type() -> None:
    @ik.inputs
    class Dated:
        day: datetime.date

    undo = strategies.register(
        datetime.date, lambda t: st.dates(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
    )
    try:
        assert find(strategies.inputs(Dated), lambda i: True).day.year == 2024
    finally:
        undo()
    with pytest.raises(StrategyError):
        strategies.inputs(Dated)


def test_register_teaches_a_validator_through_a_predicate() -> None:
    undo = strategies.register(lambda x: x is _is_even, lambda _v: st.integers(0, 50).map(lambda n: 2 * n))

    @FEW
    @given(strategies.inputs(Custom))
    def check(inputs: Custom) -> None:
        assert inputs.n % 2 == 0

    try:
        check()
    finally:
        undo()


def test_a_registered_validator_still_meets_the_other_validators() -> None:
    @ik.inputs
    class EvenSmall:
        n: int = attrs.field(validator=[_is_even, v.le(10)])

    undo = strategies.register(lambda x: x is _is_even, lambda _v: st.integers(0, 50).map(lambda n: 2 * n))

    @FEW
    @given(strategies.inputs(EvenSmall))
    def check(inputs: EvenSmall) -> None:
        assert inputs.n % 2 == 0 and inputs.n <= 10

    try:
        check()
    finally:
        undo()


def test_a_factory_that_returns_no_strategy_is_a_clear_error() -> None:
    undo = strategies.register(lambda x: x is _is_even, lambda _v: [2, 4])
    try:
        with pytest.raises(StrategyError, match="not a hypothesis strategy"):
            strategies.inputs(Custom)
    finally:
        undo()


# --- import cost --------------------------------------------------------------------


def test_importing_infrakit_and_its_pytest_plugin_does_not_import_hypothesis() -> None:
    code = (
        "import sys, infrakit, infrakit.testing, infrakit.testing.pytest_plugin\n"
        "assert 'hypothesis' not in sys.modules, 'hypothesis imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
