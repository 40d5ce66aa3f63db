"""Shared helpers of the test suite: throwaway components, sample components and cfn-lint."""

from __future__ import annotations

import functools
import json
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

import infrakit as ik
from infrakit.aws import ec2, fn, s3, sqs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
if str(EXAMPLES) not in sys.path:  # the example app imports its components as `shop.*`
    sys.path.insert(0, str(EXAMPLES))


# --- throwaway components -------------------------------------------------------------


@ik.inputs
class NoInputs:
    """No inputs at all."""


@ik.outputs
class NoOutputs:
    """No outputs at all."""


def component(
    build: Callable[[Any, Any], Any],
    *,
    inputs: type = NoInputs,
    outputs: type = NoOutputs,
    name: str = "Broken",
) -> type[ik.Component[Any, Any]]:
    """A component class named ``name`` whose ``build(self, inputs)`` is ``build``."""
    cls = types.new_class(name, (ik.Component[inputs, outputs],), exec_body=lambda ns: ns.update(build=build))
    cls.__qualname__ = name
    return cls


def adding(*make: Callable[[], Any], name: str = "Broken") -> type[ik.Component[Any, Any]]:
    """A component that adds the resources made by ``make`` (each called inside ``build``)."""

    def build(self: Any, _inputs: Any) -> Any:
        for m in make:
            self.add(m())
        return NoOutputs()

    return component(build, name=name)


# --- sample components: each exercises one synthesis feature, all lint-clean ----------


@ik.inputs
class BucketsInputs:
    """Every kind of deploy-time parameter, and build-time settings."""

    prefix: ik.Param[str] = ik.param(
        default="shop", description="Bucket name prefix", pattern="^[a-z][a-z0-9-]*$", min_length=3, max_length=20
    )
    retention: ik.Param[int] = ik.param(default=345600, min_value=60, max_value=1209600)
    ratio: ik.Param[float] = ik.param(default=0.5)
    zones: ik.Param[list[str]] = ik.param(default=["us-east-1a", "us-east-1b"])
    environment: ik.Param[typing.Literal["dev", "prod"]] = "dev"
    api_key: ik.Param[str] = ik.param(secret=True, description="Never written in clear")
    vpc: ik.Param[str] = ik.param(aws_type="AWS::EC2::VPC::Id")
    count: int = attrs.field(default=1, validator=[attrs.validators.ge(1), attrs.validators.le(5)])


@ik.outputs
class BucketsOutputs:
    """Names of the buckets."""

    bucket_names: ik.Out[list[str]]
    first_arn: ik.Out[str]


class Buckets(ik.Component[BucketsInputs, BucketsOutputs]):
    """Buckets named from parameters."""

    def build(self, inputs: BucketsInputs) -> BucketsOutputs:
        buckets = [
            self.add(
                s3.Bucket(
                    f"Bucket{i}",
                    bucket_name=fn.sub(
                        "${Prefix}-${Env}-" + str(i), {"Prefix": inputs.prefix, "Env": inputs.environment}
                    ),
                    tags=[
                        s3.Bucket.Tag(key="zone", value=fn.select(0, inputs.zones)),
                        s3.Bucket.Tag(key="key", value=inputs.api_key),
                        s3.Bucket.Tag(key="vpc", value=inputs.vpc),
                        s3.Bucket.Tag(key="region", value=fn.region),
                    ],
                )
            )
            for i in range(inputs.count)
        ]
        self.add(
            sqs.Queue(
                "Queue",
                message_retention_period=inputs.retention,
                tags=[sqs.Queue.Tag(key="ratio", value=fn.join("", [inputs.ratio]))],
            )
        )
        return BucketsOutputs(bucket_names=[b.ref for b in buckets], first_arn=buckets[0].attrs.arn)


@ik.inputs
class ConditionalInputs:
    """An environment decided at deploy time."""

    environment: ik.Param[typing.Literal["dev", "prod"]] = "dev"
    region_name: ik.Param[str] = "us-east-1"


@ik.outputs
class ConditionalOutputs:
    """The queue that always exists."""

    queue_url: ik.Out[str]


class Conditional(ik.Component[ConditionalInputs, ConditionalOutputs]):
    """Conditions: a bucket only in prod, a retention chosen by fn.if_."""

    def build(self, inputs: ConditionalInputs) -> ConditionalOutputs:
        is_prod = self.condition("IsProd", fn.equals(inputs.environment, "prod"))
        in_virginia = self.condition("InVirginia", fn.equals(fn.region, inputs.region_name))
        far_prod = self.condition("ProdOutsideVirginia", fn.and_(is_prod, fn.not_(in_virginia)))
        either = self.condition("ProdOrVirginia", fn.or_(is_prod, in_virginia))
        queue = self.add(sqs.Queue("Queue", message_retention_period=fn.if_(far_prod, 1209600, 345600)))
        self.add(
            s3.Bucket(
                "Archive",
                condition=is_prod,
                deletion_policy="Retain",
                update_replace_policy="Retain",
                depends_on=[queue],
                metadata={"Purpose": "archive", "Region": fn.region},
            )
        )
        self.add(s3.Bucket("Logs", condition="ProdOrVirginia"))
        assert either.name == "ProdOrVirginia"
        return ConditionalOutputs(queue_url=queue.ref)


AMIS = fn.mapping(
    "RegionMap", {"us-east-1": {"Ami": "ami-0123456789abcdef0"}, "eu-west-1": {"Ami": "ami-0fedcba9876543210"}}
)


@ik.outputs
class MappedOutputs:
    """The launch template made."""

    launch_template_id: ik.Out[str]


class Mapped(ik.Component[NoInputs, MappedOutputs]):
    """A launch template whose image comes from a mapping keyed by region."""

    def build(self, inputs: NoInputs) -> MappedOutputs:
        image = fn.find_in_map(AMIS, fn.region, "Ami")
        template = self.add(
            ec2.LaunchTemplate(
                "Template",
                launch_template_data=ec2.LaunchTemplate.LaunchTemplateData(image_id=image, instance_type="t3.micro"),
            )
        )
        return MappedOutputs(launch_template_id=fn.get_att(template, "LaunchTemplateId"))


@ik.inputs
class StoreInputs:
    """A queue's retention and its name's suffix."""

    suffix: ik.Param[str] = "jobs"
    retention_days: int = 4


@ik.outputs
class StoreOutputs:
    """The queue and bucket made."""

    queue_arn: ik.Out[str]
    bucket_names: ik.Out[list[str]]


class Store(ik.Component[StoreInputs, StoreOutputs]):
    """A queue and a bucket, deployable alone or embedded."""

    def build(self, inputs: StoreInputs) -> StoreOutputs:
        queue = self.add(
            sqs.Queue(
                "Queue",
                queue_name=fn.join("-", [fn.stack_name, inputs.suffix]),
                message_retention_period=inputs.retention_days * 86400,
            )
        )
        bucket = self.add(s3.Bucket("Bucket"))
        return StoreOutputs(queue_arn=queue.attrs.arn, bucket_names=[bucket.ref])


@ik.outputs
class PairOutputs:
    """The ARNs of both embedded stores' queues."""

    first_queue_arn: ik.Out[str]
    second_bucket_names: ik.Out[list[str]]


class Pair(ik.Component[NoInputs, PairOutputs]):
    """Two embedded stores and a queue that reads the first store's output."""

    def build(self, inputs: NoInputs) -> PairOutputs:
        first = self.embed(Store, StoreInputs(), prefix="First")
        second = self.embed(Store, StoreInputs(suffix="second", retention_days=2), prefix="Second")
        self.add(sqs.Queue("Own", tags=[sqs.Queue.Tag(key="peer", value=first.queue_arn)]))
        return PairOutputs(first_queue_arn=first.queue_arn, second_bucket_names=second.bucket_names)


#: (name, component, inputs): every sample component at the inputs the tests use.
SAMPLES: list[tuple[str, type[ik.Component[Any, Any]], Any]] = [
    ("buckets-1", Buckets, BucketsInputs(count=1)),
    ("buckets-3", Buckets, BucketsInputs(count=3)),
    ("conditional", Conditional, None),
    ("mapped", Mapped, None),
    ("store", Store, None),
    ("pair", Pair, None),
]


# --- cfn-lint -------------------------------------------------------------------------


@functools.cache
def _lint_text(text: str) -> tuple[tuple[str, str, str], ...]:
    from cfnlint.api import ManualArgs

    from infrakit.aws._check import lint_with_shared_rules  # cfn-lint's rules loaded once per session

    matches = lint_with_shared_rules(text, ManualArgs(regions=["us-east-1"]))
    return tuple(
        (m.rule.id, str(m.rule.severity), f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})") for m in matches
    )


def cfn_lint(template: dict[str, Any] | str) -> list[str]:
    """cfn-lint's errors and warnings about a template (informational matches left out).

    Each distinct template text is linted once per test session (cfn-lint is slow).
    """
    text = template if isinstance(template, str) else json.dumps(template, indent=2, sort_keys=True)
    return [shown for rule_id, _severity, shown in _lint_text(text) if rule_id[:1] in ("E", "W")]


# --- slow subprocess checks, started early ----------------------------------------------


class _Background:
    """A command started when first asked for (at collection, by a test module's top level)
    and awaited by the test that checks it: the generators' ``--check`` runs take seconds of
    one core each, and run beside the rest of the suite on the machine's other core."""

    def __init__(self, argv: list[str], env: dict[str, str] | None) -> None:
        import subprocess

        self.argv = argv
        self.process = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        self.done: Any = None

    def result(self, timeout: float = 900) -> Any:
        import subprocess

        if self.done is None:
            out, err = self.process.communicate(timeout=timeout)
            self.done = subprocess.CompletedProcess(self.argv, self.process.returncode, out, err)
        return self.done


_STARTED: dict[tuple[str, ...], _Background] = {}


def in_background(*argv: str, env: dict[str, str] | None = None) -> _Background:
    """Start ``argv`` now (once per session); ``.result()`` waits for it and gives the
    ``subprocess.CompletedProcess``. Left-over processes are stopped when the session ends."""
    import atexit
    import os

    key = (*argv, *sorted((env or {}).items()))  # type: ignore[arg-type]
    started = _STARTED.get(key)
    if started is None:
        if not _STARTED:
            atexit.register(lambda: [b.process.kill() for b in _STARTED.values() if b.process.poll() is None])
        started = _STARTED[key] = _Background(list(argv), {**os.environ, **(env or {})})
    return started
