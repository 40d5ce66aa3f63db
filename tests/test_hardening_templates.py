"""No silent wrong template: an expression used as a Python value, NaN or infinity, and None
where a function needs a value are errors naming where, never garbage in a template."""

from __future__ import annotations

import math
import typing
from pathlib import Path
from typing import Any

import pytest
from helpers import NoOutputs, component

import infrakit as ik
from infrakit.aws import ec2, fn, iam, sqs
from infrakit.errors import ConfigError, InfrakitError, PropertyTypeError
from infrakit.gcp import compute
from infrakit.testing import assert_contract


@ik.inputs
class EnvInputs:
    env: ik.Param[typing.Literal["dev", "prod"]] = "dev"
    count: ik.Param[int] = 2


def _queue_named(make_name: typing.Callable[[EnvInputs], Any]) -> type[ik.Component[Any, Any]]:
    def build(self: Any, inputs: EnvInputs) -> NoOutputs:
        self.add(sqs.Queue("Q", queue_name=make_name(inputs), delay_seconds=inputs.count))
        self.add(sqs.Queue("Tagged", tags=[sqs.Queue.Tag(key="env", value=inputs.env)]))
        return NoOutputs()

    return component(build, inputs=EnvInputs, name="Svc")


MISUSES = {
    "==": lambda i: "PRODQ" if i.env == "prod" else "DEVQ",
    "!=": lambda i: "DEVQ" if i.env != "prod" else "PRODQ",
    "in-tuple": lambda i: "d" if i.env in ("dev",) else "p",
    "dict-get": lambda i: {"dev": "a"}.get(i.env, "b"),
    "set": lambda i: str({i.env}),
    "fstring-repr": lambda i: f"q-{i.env!r}",
    "str-of-list": lambda i: str([i.env]),
    "fstring": lambda i: f"q-{i.env}",
    "percent": lambda i: "q-%s" % i.env,  # noqa: UP031
    "concat": lambda i: "q-" + i.env,
    "range": lambda i: f"q{len(range(i.count))}",
    "index": lambda i: ["a", "b", "c"][i.count],
    "less-than": lambda i: "big" if i.count > 1 else "small",
    "contains": lambda i: "x" if "d" in i.env else "y",
    "len": lambda i: f"q{len(i.env)}",
    "subscript": lambda i: i.env[0],
    "bool": lambda i: "x" if i.env else "y",
    "round": lambda i: f"q{round(i.count)}",
    "abs": lambda i: f"q{abs(i.count)}",
    "negative": lambda i: f"q{-i.count}",
    "power": lambda i: f"q{i.count**2}",
    "divmod": lambda i: f"q{divmod(i.count, 2)}",
}


REPRS = {"fstring-repr": MISUSES.pop("fstring-repr"), "str-of-list": MISUSES.pop("str-of-list")}


@pytest.mark.parametrize("misuse", list(MISUSES.values()), ids=list(MISUSES))
def test_an_expression_used_as_a_python_value_is_an_error_naming_the_component(misuse: Any) -> None:
    with pytest.raises(PropertyTypeError, match=r"Svc: .*parameter (env|count)") as caught:
        ik.synth(_queue_named(misuse))
    assert "no value at synth time" in str(caught.value)


@pytest.mark.parametrize("misuse", list(REPRS.values()), ids=list(REPRS))
def test_an_expression_formatted_with_its_repr_is_found_in_the_template(misuse: Any) -> None:
    with pytest.raises(PropertyTypeError, match=r"Svc: Resources.Q.Properties.QueueName holds the text .*ParamRef"):
        ik.synth(_queue_named(misuse))
    with pytest.raises(AssertionError, match=r"Resources.Q.Properties.QueueName holds the text"):
        assert_contract(_queue_named(misuse), lint=False)


@pytest.mark.parametrize("misuse", list(REPRS.values()), ids=list(REPRS))
def test_a_parameter_used_only_through_its_repr_is_reported_as_formatted_not_as_unused(misuse: Any) -> None:
    def build(self: Any, inputs: EnvInputs) -> NoOutputs:
        self.add(sqs.Queue("Q", queue_name=misuse(inputs), delay_seconds=inputs.count))
        return NoOutputs()

    message = r"Svc: AWS::SQS::Queue 'Q': property `queue_name` holds the text .*ParamRef parameter env.*formatted"
    with pytest.raises(PropertyTypeError, match=message):
        ik.synth(component(build, inputs=EnvInputs, name="Svc"))


class Env(__import__("enum").Enum):
    DEV = "dev"


def test_an_enum_member_renders_as_its_value_and_other_objects_name_where() -> None:
    def build(self: Any, _inputs: Any) -> NoOutputs:
        self.add(iam.ManagedPolicy("P", policy_document={"Env": Env.DEV, "Bad": object()}))
        return NoOutputs()

    with pytest.raises(PropertyTypeError, match=r"Broken: AWS::IAM::ManagedPolicy 'P'.*cannot render object"):
        ik.synth(component(build))


def test_the_repr_of_an_expression_is_still_readable_for_messages() -> None:
    vpc = ec2.VPC("Vpc")
    assert repr(vpc.ref) == "<Ref Vpc.ref: str>"
    assert "<GetAtt Vpc.attrs.cidr_block: str>" in repr([vpc.attrs.cidr_block])


# --- NaN and infinity ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused_in_a_number_property(value: float) -> None:
    from infrakit.aws import cloudwatch

    with pytest.raises(PropertyTypeError, match="finite"):
        cloudwatch.Alarm("A", threshold=value)


def test_nan_inside_a_json_property_is_refused_at_synth_naming_the_resource() -> None:
    def build(self: Any, _inputs: Any) -> NoOutputs:
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Limit": math.nan}]}
        self.add(iam.ManagedPolicy("P", policy_document=doc))
        return NoOutputs()

    with pytest.raises(PropertyTypeError, match=r"AWS::IAM::ManagedPolicy 'P'.*nan.*NaN or infinity"):
        ik.synth(component(build))


@ik.inputs
class RatioInputs:
    ratio: ik.Param[float] = math.nan


def test_a_nan_param_default_is_refused() -> None:
    with pytest.raises(PropertyTypeError, match=r"RatioInputs.ratio: expected float \(a finite number"):
        RatioInputs()


@ik.inputs
class PlainRatio:
    ratio: float = 0.5


@pytest.mark.parametrize("text", [".nan", ".inf", "-.inf"])
def test_nan_and_infinity_in_a_yaml_file_are_refused_naming_the_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "prod.yaml"
    path.write_text(f"ratio: {text}\n")
    with pytest.raises(ConfigError, match=r"prod.yaml:1: ratio: .*finite"):
        ik.load_inputs(PlainRatio, path)


def test_nan_is_refused_in_a_gcp_property() -> None:
    fields = [f for f in compute.Autoscaler.__attrs_attrs__ if f.name == "autoscaling_policy"]
    assert fields  # the GCP autoscaler has nested float fields
    with pytest.raises(PropertyTypeError, match="finite"):
        compute.AutoscalingPolicyCpuUtilization(utilization_target=math.nan)


# --- None where a function needs a value -------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: fn.import_value(None),  # type: ignore[arg-type]
        lambda: fn.cidr(None, 1, 8),  # type: ignore[arg-type]
        lambda: fn.join(",", ["a", None]),
        lambda: fn.base64(None),  # type: ignore[arg-type]
        lambda: fn.sub("${X}", {"X": None}),
    ],
    ids=["import_value", "cidr", "join", "base64", "sub"],
)
def test_none_given_to_a_function_is_refused(call: Any) -> None:
    with pytest.raises(PropertyTypeError, match=r"fn\.\w+: .*NoneType|fn\.\w+: .*None"):
        call()


def test_a_lone_surrogate_names_the_property() -> None:
    def build(self: Any, _inputs: Any) -> NoOutputs:
        self.add(sqs.Queue("Q", queue_name="bad\udc80name"))
        return NoOutputs()

    with pytest.raises(
        InfrakitError, match=r"Broken: cannot write the template as JSON at Resources.Q.Properties.QueueName"
    ):
        ik.synth(component(build))
