"""A property-based fuzz test over the whole AWS and GCP catalogues: bad values, unknown
keywords and bad ids. Every failure is an InfrakitError; every success renders valid JSON
holding no null (and no NaN) that a bad value put there.

Sized to run in seconds: each run samples resource types (any of the catalogue), one
property and one value per example; under CI=true hypothesis is derandomized, so CI runs
the same examples every time.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import infrakit as ik
from infrakit import aws, gcp
from infrakit._expr import Expr
from infrakit.aws import ec2, fn
from infrakit.errors import InfrakitError

FUZZ = settings(
    max_examples=int(os.environ.get("INFRAKIT_FUZZ_EXAMPLES", "120")),
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI", "").lower() == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_VPC = ec2.VPC("FuzzVpc", cidr_block="10.0.0.0/16")


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def _looped() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1}
    loop["self"] = loop
    return loop


#: Values a user should never get a silently wrong template from.
BAD_VALUES: list[Any] = [
    None,
    math.nan,
    math.inf,
    -math.inf,
    2**70,
    -(2**70),
    True,
    "",
    "bad\udc80surrogate",
    b"bytes",
    object(),
    1.5,
    -1,
    [],
    [None],
    [math.nan],
    {},
    {"k": None},
    {"k": math.nan},
    {1: "int key"},
    {"k": object()},
    _nested(1200),
    _looped(),
    ("tuple",),
    {"a", "set"},
    _VPC,
    _VPC.ref,
    fn.get_azs(),
    fn.cidr("10.0.0.0/16", 2, 8),
    fn.select(0, ["a"]),
    "x" * 5000,
]

BAD_IDS: list[Any] = [None, 5, "", "has space", "dash-ed", "x" * 300, "ünïcode", ["list"], _VPC]


class Case:
    """One construction to try, shown readably in hypothesis's falsifying example."""

    def __init__(self, cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.cls, self.args, self.kwargs = cls, args, kwargs

    def __call__(self) -> Any:
        return self.cls(*self.args, **self.kwargs)

    def __repr__(self) -> str:
        shown = [repr(a)[:60] for a in self.args] + [f"{k}={repr(v)[:60]}" for k, v in self.kwargs.items()]
        return f"{self.cls.__module__}.{self.cls.__qualname__}({', '.join(shown)})"


def _plain_value(spec: Any) -> Any:
    """A value of the right shape for a catalogue type spec (for the success path)."""
    if isinstance(spec, str):
        return {"str": "fuzz", "int": 1, "float": 1.5, "bool": True, "json": {"Key": "value"}, "any": "fuzz"}[spec]
    kind, arg = spec
    if kind == "list":
        inner = _plain_value(arg)
        return [] if inner is None else [inner]
    if kind == "map":
        inner = _plain_value(arg)
        return {} if inner is None else {"key": inner}
    if kind == "enum":
        return arg[0]
    return None  # a nested property type or a union: left out


def _no_nulls(value: Any, path: str = "") -> None:
    if value is None:
        raise AssertionError(f"null at {path or 'the top'}")
    if isinstance(value, float):
        assert math.isfinite(value), f"{value} at {path}"
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nulls(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_nulls(item, f"{path}[{i}]")


@ik.inputs
class FuzzInputs:
    pass


@ik.outputs
class FuzzOutputs:
    pass


def _synth(make: Any) -> dict[str, Any]:
    """Synthesize a component whose build adds ``make()``; the template's data."""

    class Fuzzed(ik.Component[FuzzInputs, FuzzOutputs]):
        def build(self, inputs: FuzzInputs) -> FuzzOutputs:
            resource = make()
            self.add(resource)
            for value in _expressions_of(resource):
                target = getattr(value, "resource", None)
                if target is _VPC and target not in self._synthesis.by_id.values():
                    self.add(_VPC)
            return FuzzOutputs()

    template = ik.synth(Fuzzed)
    text = template.to_json()
    data: dict[str, Any] = json.loads(text)
    return data


def _expressions_of(resource: Any) -> list[Expr[Any]]:
    from infrakit._resource import collect

    found: list[Expr[Any]] = []
    for py, *_ in type(resource)._props:
        with contextlib.suppress(RecursionError):  # a self-referencing value: synth refuses it
            collect(getattr(resource, py), found)
    return found


def _check(make: Any) -> None:
    try:
        body = _synth(make)
    except InfrakitError:
        return  # a clear error is a right answer to a bad value
    except Exception as exc:  # anything else is a bug this test exists to find
        raise AssertionError(f"raw {type(exc).__name__}: {exc}") from exc
    _no_nulls(body)


_AWS_TYPES = sorted(aws.RESOURCE_TYPES)
_GCP_TYPES = sorted(gcp.RESOURCE_TYPES)


@st.composite
def _aws_cases(draw: st.DrawFn) -> Any:
    cls = aws.resource_class(draw(st.sampled_from(_AWS_TYPES)))
    props = cls._props
    kind = draw(st.sampled_from(["value", "value", "value", "plain", "keyword", "id"]))
    if kind == "keyword" or not props:
        keyword = draw(st.sampled_from(["cidr", "Name", "not_a_property", "logical_id_x", "__class__"]))
        return Case(cls, ("Fuzz",), {keyword: "x"})
    if kind == "id":
        bad_id = draw(st.sampled_from(BAD_IDS))
        return Case(cls, (bad_id,), {})
    py, _wire, spec, _required = draw(st.sampled_from(props))
    value = _plain_value(spec) if kind == "plain" else draw(st.sampled_from(BAD_VALUES))
    return Case(cls, ("Fuzz",), {py: value})


@st.composite
def _gcp_cases(draw: st.DrawFn) -> Any:
    cls = gcp.resource_class(draw(st.sampled_from(_GCP_TYPES)))
    props = cls._props
    scope = {p: "us-central1-a" if p == "zone" else "us-central1" for p, *_ in props if p in ("zone", "region")}
    kind = draw(st.sampled_from(["value", "value", "value", "plain", "keyword", "id"]))
    if kind == "keyword":
        keyword = draw(st.sampled_from(["IPProtocol", "selfLink", "not_a_field", "autoCreateSubnetworks"]))
        return Case(cls, ("fuzz",), {**scope, keyword: "x"})
    if kind == "id":
        bad_id = draw(st.sampled_from([*BAD_IDS, "UPPER", "-lead", "trail-", "a" * 70]))
        return Case(cls, (bad_id,), scope)
    py, _wire, spec, _required = draw(st.sampled_from(props))
    value = _plain_value(spec) if kind == "plain" else draw(st.sampled_from(BAD_VALUES))
    return Case(cls, ("fuzz",), {**scope, py: value})


@FUZZ
@given(_aws_cases())
def test_the_aws_catalogue_answers_every_bad_construction_with_an_infrakit_error_or_a_clean_template(
    make: Any,
) -> None:
    _check(make)


@FUZZ
@given(_gcp_cases())
def test_the_gcp_catalogue_answers_every_bad_construction_with_an_infrakit_error_or_a_clean_template(
    make: Any,
) -> None:
    _check(make)


def test_the_fuzzed_values_include_every_kind_of_past_failure() -> None:
    # The pool keeps the values of the findings: NaN, infinity, None, a deep list,
    # a self-referencing dict, a lone surrogate, an expression of the wrong type.
    kinds = {type(v).__name__ for v in BAD_VALUES}
    assert {"NoneType", "float", "list", "dict", "str", "bytes", "object"} <= kinds
    assert any(isinstance(v, Expr) for v in BAD_VALUES)


_FN_CALLS: dict[str, Any] = {
    "ref": fn.ref,
    "get_att": fn.get_att,
    "sub": fn.sub,
    "join": fn.join,
    "select": fn.select,
    "split": fn.split,
    "base64": fn.base64,
    "cidr": fn.cidr,
    "get_azs": fn.get_azs,
    "import_value": fn.import_value,
    "equals": fn.equals,
    "and_": fn.and_,
    "or_": fn.or_,
    "not_": fn.not_,
    "mapping": fn.mapping,
    "find_in_map": fn.find_in_map,
    "resolve_secret": fn.resolve_secret,
    "resolve_ssm_secure": fn.resolve_ssm_secure,
}


@FUZZ
@given(
    st.sampled_from(sorted(_FN_CALLS)),
    st.lists(st.sampled_from([*BAD_VALUES, "a", 1, ["a", "b"], {"k": {"x": "y"}}]), min_size=0, max_size=3),
)
def test_every_function_answers_bad_arguments_with_an_infrakit_error_or_an_expression(
    name: str, args: list[Any]
) -> None:
    try:
        result = _FN_CALLS[name](*args)
    except InfrakitError:
        return
    except TypeError as exc:  # a wrong number of arguments is Python's own TypeError, before infrakit runs
        assert "argument" in str(exc), f"fn.{name}{tuple(args)!r}: raw TypeError: {exc}"
        return
    except Exception as exc:
        raise AssertionError(f"fn.{name}: raw {type(exc).__name__}: {exc}") from exc
    assert isinstance(result, (Expr, fn.CfnMapping)), f"fn.{name} returned {result!r}"


@ik.inputs
class ConfigFuzzInputs:
    count: int = 1
    ratio: float = 0.5
    name: str = "x"
    zones: list[str] = attrs.Factory(list)
    secret: ik.Param[str] = ik.param(secret=True)


_YAML_PIECES = [
    "count: 3\n",
    "count: .nan\n",
    "ratio: .inf\n",
    "name: [1, 2]\n",
    "zones: &z [a, b]\n",
    "other: *z\n",
    "zones: *missing\n",
    "count: 1\ncount: 2\n",
    "- a\n",
    "{",
    "name: !!python/object:os.system x\n",
    "secret: [hunter2xyz]\n",
    "\t bad indent\n",
    "ünï: cödé\n",
    "nam: typo\n",
    'zones: "abc"\n',
    "~\n",
]


@FUZZ
@given(
    st.lists(st.sampled_from(_YAML_PIECES), max_size=5),
    st.text(max_size=20),
    st.sampled_from([".yaml", ".json", ".toml"]),
)
def test_a_hostile_configuration_file_is_loaded_or_refused_with_a_config_error(
    pieces: list[str], noise: str, suffix: str
) -> None:
    import tempfile
    from pathlib import Path

    from infrakit.errors import ConfigError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"config{suffix}"
        path.write_bytes(("".join(pieces) + noise).encode("utf-8", "surrogatepass"))
        try:
            loaded = ik.load_inputs(ConfigFuzzInputs, path)
        except ConfigError as exc:
            assert "hunter2xyz" not in str(exc)  # a secret field's value is never shown
            return
        except Exception as exc:
            raise AssertionError(f"raw {type(exc).__name__}: {exc}") from exc
    assert isinstance(loaded, ConfigFuzzInputs)
    assert math.isfinite(loaded.ratio)
