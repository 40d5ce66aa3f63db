"""Deploying assemblies to CloudFormation: ``infrakit plan/deploy/destroy/outputs`` and
``ik.plan/deploy/destroy``, end to end on moto's server (127.0.0.1, one per module).

moto is taught what its CloudFormation lacks (``tests/_moto.py``: Fn::Cidr, outputs after a
change set, failed change-set executions as CREATE_FAILED events and ROLLBACK_COMPLETE).
What moto cannot show at all is covered by focused tests at the end: Replacement values in a
change set (moto reports Add/Modify/Remove only), capabilities (moto does not require them),
and destroying shop's network stacks (moto cannot delete a VPC stack: its delete order
differs from CloudFormation's), so destroy is shown on stacks of other resources.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import boto3
import pytest
from _app_support import Queue, QueueInputs, Topic, TopicInputs
from _moto import moto_server
from shop.monitoring import Monitoring, MonitoringInputs
from shop.network import Network, NetworkInputs
from shop.service import Service, ServiceInputs

import infrakit as ik
from infrakit import cli
from infrakit._deploy import InstancePlan, ResourceChange, parameter_env_name
from infrakit.aws import ec2, sqs
from infrakit.aws._deploy import capabilities
from infrakit.errors import DeployError


@pytest.fixture(scope="module", autouse=True)
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


SECRET = "Tr0ub4dor-never-shown-3x"


def _shop(*, dev_versioned: bool = True, dev_retention: int = 4, dev_depth: int = 100) -> ik.App:
    """examples/shop/app.py, with the dev service's inputs as given."""
    config = Path(__file__).resolve().parent.parent / "examples" / "shop" / "config"
    app = ik.App("shop")
    for env in ("dev", "prod"):
        net = app.add(f"network-{env}", Network, ik.load_inputs(NetworkInputs, config / f"{env}.yaml", key="network"))
        svc = app.add(
            f"service-{env}",
            Service,
            ServiceInputs(
                vpc_id=net.outputs.vpc_id,
                subnet_ids=net.outputs.subnet_ids,
                retention_days=dev_retention if env == "dev" else 14,
                versioned=dev_versioned if env == "dev" else True,
            ),
        )
        app.add(
            f"monitoring-{env}",
            Monitoring,
            MonitoringInputs(queue_name=svc.outputs.queue_name, max_depth=1000 if env == "prod" else dev_depth),
        )
    return app


def _cfn(endpoint: str) -> Any:
    return boto3.client("cloudformation", endpoint_url=endpoint, region_name="us-east-1")


def _stack(endpoint: str, name: str) -> dict[str, Any]:
    stack: dict[str, Any] = _cfn(endpoint).describe_stacks(StackName=name)["Stacks"][0]
    return stack


def _params(stack: dict[str, Any]) -> dict[str, str]:
    """A stack's parameter values; moto shows a list parameter's value as a Python list's
    repr, read back here as the comma-joined value CloudFormation shows."""

    def value(text: str) -> str:
        return ",".join(ast.literal_eval(text)) if text.startswith("[") else text

    return {p["ParameterKey"]: value(p["ParameterValue"]) for p in stack.get("Parameters", [])}


def _live_stacks(endpoint: str, prefix: str) -> list[str]:
    summaries = _cfn(endpoint).list_stacks()["StackSummaries"]
    return sorted(
        s["StackName"]
        for s in summaries
        if s["StackName"].startswith(prefix) and s["StackStatus"] not in ("DELETE_COMPLETE",)
    )


def _change_sets(endpoint: str, stack: str) -> list[dict[str, Any]]:
    # (moto lists every stack's change sets whatever StackName says: filtered here)
    summaries = _cfn(endpoint).list_change_sets(StackName=stack)["Summaries"]
    return [s for s in summaries if s["StackName"] == stack]


def _executed_change_sets(endpoint: str, stack: str) -> int:
    return sum(1 for s in _change_sets(endpoint, stack) if s.get("ExecutionStatus") == "EXECUTE_COMPLETE")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# --- shop: 6 stacks wired from outputs -----------------------------------------------------


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("shop") / "v1"
    _shop().synth(directory)
    return directory


@pytest.fixture(scope="module")
def shop_first(shop_dir: Path, moto_endpoint: str) -> dict[str, Any]:
    status = cli.main(["deploy", str(shop_dir), "--yes", "--jobs", "4"])
    return {"status": status}


def test_deploy_creates_all_six_shop_stacks(shop_first: dict[str, Any], moto_endpoint: str) -> None:
    assert shop_first["status"] == 0
    assert _live_stacks(moto_endpoint, "shop-") == [
        f"shop-{kind}-{env}" for kind in ("monitoring", "network", "service") for env in ("dev", "prod")
    ]
    for env in ("dev", "prod"):
        assert _stack(moto_endpoint, f"shop-service-{env}")["StackStatus"] == "CREATE_COMPLETE"


def test_consumer_parameters_equal_the_producers_outputs(shop_first: dict[str, Any], moto_endpoint: str) -> None:
    for env in ("dev", "prod"):
        net = {o["OutputKey"]: o["OutputValue"] for o in _stack(moto_endpoint, f"shop-network-{env}")["Outputs"]}
        svc_stack = _stack(moto_endpoint, f"shop-service-{env}")
        assert _params(svc_stack) == {"VpcId": net["VpcId"], "SubnetIds": net["SubnetIds"]}
        svc = {o["OutputKey"]: o["OutputValue"] for o in svc_stack["Outputs"]}
        assert _params(_stack(moto_endpoint, f"shop-monitoring-{env}")) == {"QueueName": svc["QueueName"]}


def test_stacks_are_tagged_with_app_and_instance(shop_first: dict[str, Any], moto_endpoint: str) -> None:
    tags = {t["Key"]: t["Value"] for t in _stack(moto_endpoint, "shop-service-dev")["Tags"]}
    assert tags == {"infrakit:app": "shop", "infrakit:instance": "service-dev"}


def test_redeploy_is_unchanged_and_executes_no_change_set(
    shop_first: dict[str, Any],
    shop_dir: Path,
    moto_endpoint: str,
) -> None:
    stacks = _live_stacks(moto_endpoint, "shop-")
    before = {s: _executed_change_sets(moto_endpoint, s) for s in stacks}
    result = ik.deploy(shop_dir, yes=True)
    assert {n: r.status for n, r in result.instances.items()} == dict.fromkeys(result.instances, "unchanged")
    assert len(result.instances) == 6
    assert {s: _executed_change_sets(moto_endpoint, s) for s in stacks} == before
    # ... and no change set is left behind
    for stack in stacks:
        assert [s for s in _change_sets(moto_endpoint, stack) if s.get("ExecutionStatus") != "EXECUTE_COMPLETE"] == []


def test_redeploy_returns_every_instances_outputs(
    shop_first: dict[str, Any], shop_dir: Path, moto_endpoint: str
) -> None:
    result = ik.deploy(shop_dir, yes=True, jobs=2)
    assert sorted(result.outputs["network-dev"]) == ["SecurityGroupId", "SubnetIds", "VpcId"]
    assert (
        result.outputs["service-dev"]["QueueName"] == _params(_stack(moto_endpoint, "shop-monitoring-dev"))["QueueName"]
    )


def test_outputs_command_prints_every_deployed_instance_as_json(
    shop_first: dict[str, Any],
    shop_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _err = _run(capsys, "outputs", str(shop_dir), "--json")
    assert status == 0
    data = json.loads(out)
    assert sorted(data) == sorted(ik.deploy(shop_dir, yes=True).outputs)
    assert data["monitoring-prod"]["TopicArn"].startswith("arn:aws:sns:")


def test_outputs_command_reads_jobs_stacks_at_once(
    shop_first: dict[str, Any], shop_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import infrakit._deploy

    seen: list[int] = []
    real = infrakit._deploy.outputs

    def spy(directory: Any, **kwargs: Any) -> dict[str, dict[str, str]]:
        seen.append(kwargs.get("jobs", 4))
        return real(directory, **kwargs)

    monkeypatch.setattr(infrakit._deploy, "outputs", spy)
    status, out, _err = _run(capsys, "outputs", str(shop_dir), "--json", "--jobs", "2")
    assert status == 0 and seen == [2]
    assert sorted(json.loads(out)) == sorted(_shop().instances)


def test_plan_of_a_deployed_unchanged_app_is_unchanged_everywhere(
    shop_first: dict[str, Any], shop_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = _run(capsys, "plan", str(shop_dir), "--json")
    assert status == 0
    data = json.loads(out)
    assert [(i["name"], i["stack"], i["action"], i["changes"]) for i in data["instances"]][:3] == [
        ("network-dev", "shop-network-dev", "unchanged", []),
        ("service-dev", "shop-service-dev", "unchanged", []),
        ("monitoring-dev", "shop-monitoring-dev", "unchanged", []),
    ]


def test_diff_leaves_out_a_consumer_whose_consumed_outputs_cannot_move(
    shop_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Unversioning the dev bucket changes service-dev; monitoring-dev consumes only the
    # queue's name, which does not refer to the bucket: not affected. (Not deployed: moto
    # cannot update a bucket without a BucketName property, KeyError 'BucketName'.)
    new = tmp_path / "v2"
    _shop(dev_versioned=False).synth(new)
    status, out, _err = _run(capsys, "diff", str(shop_dir), str(new), "--json")
    assert status == 0
    diff = json.loads(out)
    assert (diff["changed"], diff["affected"]) == (["service-dev"], [])


def test_changed_since_plans_and_deploys_only_the_changed_instance(
    shop_first: dict[str, Any],
    shop_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    new = tmp_path / "v2"
    _shop(dev_depth=150).synth(new)
    status, out, _err = _run(capsys, "plan", str(new), "--changed-since", str(shop_dir), "--json")
    assert status == 0
    (planned,) = json.loads(out)["instances"]
    assert (planned["name"], planned["stack"], planned["action"]) == ("monitoring-dev", "shop-monitoring-dev", "update")
    # (moto lists every resource of an updated stack as modified; CloudFormation only the alarm)
    assert {
        "logical_id": "QueueBacklog",
        "type": "AWS::CloudWatch::Alarm",
        "action": "Modify",
        "replacement": "False",
    } in planned["changes"]
    result = ik.deploy(new, changed_since=shop_dir, yes=True)
    assert {n: (r.status, r.message) for n, r in result.instances.items()} == {"monitoring-dev": ("updated", "")}
    # back to v1 for the tests that follow
    assert ik.deploy(shop_dir, only=["monitoring-dev"], yes=True).instances["monitoring-dev"].status == "updated"


def test_changed_since_includes_consumers_of_an_output_that_can_move(
    shop_first: dict[str, Any], shop_dir: Path, tmp_path: Path
) -> None:
    # The queue's retention changes the queue, whose name monitoring-dev consumes.
    new = tmp_path / "v3"
    _shop(dev_retention=5).synth(new)
    result = ik.deploy(new, changed_since=shop_dir, yes=True)
    statuses = {n: r.status for n, r in result.instances.items()}
    # moto keeps the queue (an update in place): the consumer's parameters do not change.
    assert statuses == {"service-dev": "updated", "monitoring-dev": "unchanged"}
    assert ik.deploy(shop_dir, only=["service-dev"], yes=True).instances["service-dev"].status == "updated"


def test_a_no_op_redeploy_of_many_instances_creates_no_change_set(tmp_path: Path, moto_endpoint: str) -> None:
    # 10 instances: the stacks are listed at once, and each unchanged one is recognised from
    # its template, parameters and tags without a change set.
    app = ik.App("many")
    for i in range(10):
        app.add(f"queue-{i}", Queue, QueueInputs(retention_days=1 + i))
    app.synth(tmp_path / "out")
    assert {r.status for r in ik.deploy(tmp_path / "out", yes=True, jobs=3).instances.values()} == {"created"}
    result = ik.deploy(tmp_path / "out", yes=True, jobs=3)
    assert {r.status for r in result.instances.values()} == {"unchanged"}
    assert all(result.outputs[f"queue-{i}"]["QueueName"] for i in range(10))
    for i in range(10):
        assert len(_change_sets(moto_endpoint, f"many-queue-{i}")) == 1  # the one that created the stack


def test_a_changed_parameter_value_updates_the_stack(tmp_path: Path, moto_endpoint: str) -> None:
    app = ik.App("valued")
    app.add("named", Named)
    app.synth(tmp_path / "out")
    assert ik.deploy(tmp_path / "out", yes=True, parameters={"named.Name": "a"}).instances["named"].status == "created"
    assert (
        ik.deploy(tmp_path / "out", yes=True, parameters={"named.Name": "a"}).instances["named"].status == "unchanged"
    )
    assert ik.deploy(tmp_path / "out", yes=True, parameters={"named.Name": "b"}).instances["named"].status == "updated"
    assert _params(_stack(moto_endpoint, "valued-named")) == {"Name": "b"}


# --- failures -----------------------------------------------------------------------------


@ik.inputs
class SubnetInputs:
    vpc_id: str = "vpc-00000000000000000"


@ik.outputs
class SubnetOutputs:
    subnet_id: ik.Out[str]


class BrokenSubnet(ik.Component[SubnetInputs, SubnetOutputs]):
    """A subnet in a VPC that does not exist: CloudFormation fails to create it."""

    def build(self, inputs: SubnetInputs) -> SubnetOutputs:
        subnet = self.add(ec2.Subnet("Subnet", vpc_id=inputs.vpc_id, cidr_block="10.9.0.0/24"))
        return SubnetOutputs(subnet_id=subnet.ref)


@ik.inputs
class NamedInputs:
    name: ik.Param[str] = ik.param(description="A name to tag with")


@ik.outputs
class NamedOutputs:
    url: ik.Out[str]


class Named(ik.Component[NamedInputs, NamedOutputs]):
    def build(self, inputs: NamedInputs) -> NamedOutputs:
        queue = self.add(sqs.Queue("Q", tags=[sqs.Queue.Tag(key="name", value=inputs.name)]))
        return NamedOutputs(url=queue.ref)


def _failing_app(broken: bool = True) -> ik.App:
    app = ik.App("fails")
    if broken:
        subnet = app.add("subnet", BrokenSubnet)
        app.add("after", Named, NamedInputs(name=subnet.outputs.subnet_id))
    else:
        queue = app.add("subnet", Queue, QueueInputs())
        app.add("after", Named, NamedInputs(name=queue.outputs.queue_name))
    app.add("alone", Queue, QueueInputs(retention_days=2))
    return app


@pytest.fixture(scope="module")
def failed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("fails") / "out"
    _failing_app().synth(directory)
    return {"dir": directory}


def test_a_failing_instance_skips_its_dependents_and_the_others_deploy(
    failed: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    moto_endpoint: str,
) -> None:
    status, out, err = _run(capsys, "deploy", str(failed["dir"]), "--yes")
    assert status == 1
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert rows == {"subnet": "failed", "after": "skipped", "alone": "created"}
    # the failing event: logical id, type and reason, in the summary and the event stream
    failing = next(line for line in out.splitlines() if line.startswith("subnet"))
    assert "Subnet (AWS::EC2::Subnet)" in failing and "vpc-00000000000000000" in failing
    assert "CREATE_FAILED Subnet (AWS::EC2::Subnet)" in err
    assert "Traceback" not in out + err
    assert _stack(moto_endpoint, "fails-subnet")["StackStatus"] == "ROLLBACK_COMPLETE"


def test_a_stack_left_in_rollback_complete_is_recreated_with_a_message(
    failed: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    moto_endpoint: str,
) -> None:
    fixed = tmp_path / "fixed"
    _failing_app(broken=False).synth(fixed)
    status, out, err = _run(capsys, "deploy", str(fixed), "--yes")
    assert status == 0, out + err
    assert "ROLLBACK_COMPLETE after a failed first create: deleting it to create it again" in err
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert rows == {"subnet": "created", "after": "created", "alone": "unchanged"}
    assert _stack(moto_endpoint, "fails-subnet")["StackStatus"] == "CREATE_COMPLETE"


def test_destroy_refuses_a_producer_still_consumed_and_deletes_nothing(
    failed: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    moto_endpoint: str,
) -> None:
    status, _out, err = _run(capsys, "destroy", str(failed["dir"]), "--only", "subnet", "--yes")
    assert status == 1
    assert "subnet (consumed by after)" in err
    assert _live_stacks(moto_endpoint, "fails-") == ["fails-after", "fails-alone", "fails-subnet"]


def test_destroy_leaves_no_stacks(
    failed: dict[str, Any], capsys: pytest.CaptureFixture[str], moto_endpoint: str
) -> None:
    status, out, _err = _run(capsys, "destroy", str(failed["dir"]), "--yes")
    assert status == 0, out
    assert _live_stacks(moto_endpoint, "fails-") == []
    # destroying again finds nothing to delete
    result = ik.destroy(failed["dir"], yes=True)
    assert {r.status for r in result.instances.values()} == {"unchanged"}


def test_destroy_without_yes_off_a_terminal_refuses(failed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = _run(capsys, "destroy", str(failed["dir"]))
    assert status == 1 and "--yes" in err


# --- parameters and secrets -----------------------------------------------------------------


@ik.inputs
class SecretiveInputs:
    queue_name: ik.Param[str] = ik.param(description="A wired queue name")
    token: ik.Param[str] = ik.param(secret=True)


@ik.outputs
class SecretiveOutputs:
    url: ik.Out[str]


class Secretive(ik.Component[SecretiveInputs, SecretiveOutputs]):
    """A queue tagged with a wired name and a secret token."""

    def build(self, inputs: SecretiveInputs) -> SecretiveOutputs:
        queue = self.add(
            sqs.Queue(
                "Q",
                tags=[sqs.Queue.Tag(key="about", value=inputs.queue_name), sqs.Queue.Tag(key="t", value=inputs.token)],
            )
        )
        return SecretiveOutputs(url=queue.ref)


def _demo(retention: dict[str, int] | None = None) -> ik.App:
    """queue -> topic in two environments, and a consumer of the dev queue with a secret."""
    retention = retention or {}
    app = ik.App("demo")
    for env in ("dev", "prod"):
        queue = app.add(f"queue-{env}", Queue, QueueInputs(retention_days=retention.get(env, 4)))
        app.add(f"topic-{env}", Topic, TopicInputs(queue_name=queue.outputs.queue_name))
    app.add("tagged-dev", Secretive, SecretiveInputs(queue_name=app.instances["queue-dev"].outputs.queue_name))
    return app


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo") / "out"
    _demo().synth(directory)
    return directory


def test_missing_values_are_all_reported_before_any_stack_is_touched(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    moto_endpoint: str,
) -> None:
    app = ik.App("missing")
    app.add("one", Named)
    app.add("two", Named)
    app.add("three", Queue)
    app.synth(tmp_path / "out")
    status, _out, err = _run(capsys, "deploy", str(tmp_path / "out"), "--yes")
    assert status == 1
    assert "one.Name: the parameter has no value" in err and "two.Name: the parameter has no value" in err
    assert parameter_env_name("one", "Name") in err
    assert _live_stacks(moto_endpoint, "missing-") == []


def test_a_value_for_no_parameter_is_refused_with_a_suggestion(demo_dir: Path) -> None:
    with pytest.raises(DeployError, match=r"no parameter 'Tokn'.*did you mean `Token`"):
        ik.deploy(demo_dir, yes=True, parameters={"tagged-dev.Tokn": "x"})


def test_a_secret_parameter_never_appears_in_output(
    demo_dir: Path,
    capfd: pytest.CaptureFixture[str],
    moto_endpoint: str,
) -> None:
    status = cli.main(["deploy", str(demo_dir), "--yes", "--parameter", f"tagged-dev.Token={SECRET}"])
    status2 = cli.main(["plan", str(demo_dir), "--parameter", f"tagged-dev.Token={SECRET}x", "--json"])
    status3 = cli.main(["outputs", str(demo_dir)])
    out, err = capfd.readouterr()
    assert (status, status2, status3) == (0, 0, 0), out + err
    assert SECRET not in out + err
    assert _stack(moto_endpoint, "demo-tagged-dev")["StackStatus"] == "CREATE_COMPLETE"
    for path in demo_dir.iterdir():
        assert SECRET not in path.read_text()


@pytest.mark.parametrize(
    "mistake",
    [
        ["--parameter", SECRET],  # the name forgotten
        ["--parameter", f"Token={SECRET}"],  # the instance forgotten
        ["--paramter", f"tagged-dev.Token={SECRET}"],  # a mistyped option: unrecognized arguments
        ["--parameter", "tagged-dev.Token", SECRET],  # a space for the `=`: an unrecognized argument
        [f"--param=tagged-dev.Token={SECRET}"],  # an ambiguous option
    ],
)
def test_a_mistyped_parameter_never_echoes_its_value(
    demo_dir: Path, mistake: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("deploy", "plan"):
        try:
            status = cli.main([command, str(demo_dir), *(["--yes"] if command == "deploy" else []), *mistake])
        except SystemExit as exit:  # argparse's own refusal
            status = exit.code
        out, err = capsys.readouterr()
        assert status in (1, 2) and "error:" in err
        assert SECRET not in out + err
        assert SECRET[:8] not in out + err


def test_a_secret_from_the_environment_is_used_and_masked_in_messages(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(parameter_env_name("tagged-dev", "Token"), SECRET + "2")
    result = ik.deploy(demo_dir, yes=True, only=["tagged-dev"], report=print)
    assert result.instances["tagged-dev"].status == "updated"
    out, err = capfd.readouterr()
    assert SECRET not in out + err


def test_a_secret_quoted_by_the_providers_error_in_plan_is_masked(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # CloudFormation's messages (a change set's StatusReason, a validation error) may quote
    # a parameter's value; moto's never do in a plan, so the provider's error is made to.
    from infrakit.aws._deploy import AwsDeployer

    def quoting(self: AwsDeployer, target: Any) -> InstancePlan:
        raise DeployError(f"stack refused: parameter values {dict(target.parameters)}")

    monkeypatch.setattr(AwsDeployer, "_plan", quoting)
    status, out, err = _run(capsys, "plan", str(demo_dir), "--only", "tagged-dev", "-p", f"tagged-dev.Token={SECRET}")
    assert status == 1 and "stack refused: parameter values" in err
    assert SECRET not in out + err


def test_a_parameters_file_gives_values(demo_dir: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"tagged-dev": {"Token": SECRET + "2"}}))
    result = ik.deploy(demo_dir, yes=True, only=["tagged-dev"], parameters_file=values)
    assert result.instances["tagged-dev"].status == "unchanged"


def test_a_parameters_file_value_that_is_an_object_is_refused_without_showing_it(
    demo_dir: Path, tmp_path: Path
) -> None:
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"tagged-dev": {"Token": {"value": SECRET}, "QueueName": [[SECRET]]}}))
    with pytest.raises(DeployError) as caught:
        ik.plan(demo_dir, parameters_file=values)
    assert "tagged-dev.Token: a parameter value is a string, number, boolean or a list" in str(caught.value)
    assert "tagged-dev.QueueName: a parameter value" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_deploy_off_a_terminal_without_yes_refuses_before_anything(demo_dir: Path) -> None:
    with pytest.raises(DeployError, match="--yes"):
        ik.deploy(demo_dir)


def test_confirm_sees_each_plan_and_a_refusal_skips_the_instance(demo_dir: Path, tmp_path: Path) -> None:
    new = tmp_path / "out"
    _demo(retention={"prod": 6}).synth(new)
    seen: list[InstancePlan] = []

    def refuse(plan: InstancePlan) -> bool:
        seen.append(plan)
        return False

    result = ik.deploy(new, confirm=refuse, parameters={"tagged-dev.Token": SECRET + "2"})
    assert [p.name for p in seen] == ["queue-prod"]
    assert seen[0].changes[0].logical_id == "Work"
    assert result.instances["queue-prod"].status == "skipped"
    assert result.instances["topic-prod"].status == "skipped"
    assert result.instances["queue-dev"].status == "unchanged"


def _template_of(cfn: Any, stack: str) -> dict[str, Any]:
    body = cfn.get_template(StackName=stack)["TemplateBody"]  # boto3 parses a JSON body
    return json.loads(json.dumps(body) if not isinstance(body, str) else body)  # type: ignore[no-any-return]


def test_a_stack_changed_while_its_plan_was_being_confirmed_is_not_deployed(tmp_path: Path, moto_endpoint: str) -> None:
    """What is carried out is what was confirmed: another change to the stack between the
    question and the answer makes the deploy refuse (nothing done), not deploy another plan."""
    app = ik.App("approve")
    app.add("queue", Queue, QueueInputs(retention_days=4))
    app.synth(tmp_path / "v1")
    assert ik.deploy(tmp_path / "v1", yes=True).instances["queue"].status == "created"
    app = ik.App("approve")
    app.add("queue", Queue, QueueInputs(retention_days=6))
    app.synth(tmp_path / "v2")
    cfn = _cfn(moto_endpoint)
    executed = _executed_change_sets(moto_endpoint, "approve-queue")
    seen: list[InstancePlan] = []

    def approve_while_someone_else_adds_a_queue(plan: InstancePlan) -> bool:
        seen.append(plan)
        body = _template_of(cfn, "approve-queue")
        body["Resources"]["Extra"] = {"Type": "AWS::SQS::Queue"}
        cfn.update_stack(StackName="approve-queue", TemplateBody=json.dumps(body))
        cfn.get_waiter("stack_update_complete").wait(StackName="approve-queue", WaiterConfig={"Delay": 0.2})
        return True

    result = ik.deploy(tmp_path / "v2", confirm=approve_while_someone_else_adds_a_queue)
    assert [(c.logical_id, c.action) for c in seen[0].changes] == [("Work", "Modify")]
    outcome = result.instances["queue"]
    assert outcome.status == "failed" and "changed after you confirmed its plan" in outcome.message
    # Nothing of the confirmed plan was carried out: the stack is as the other change left it.
    template = _template_of(cfn, "approve-queue")
    assert "Extra" in template["Resources"]
    assert template["Resources"]["Work"]["Properties"]["MessageRetentionPeriod"] == 4 * 86400
    assert _executed_change_sets(moto_endpoint, "approve-queue") == executed
    assert [c for c in _change_sets(moto_endpoint, "approve-queue") if c.get("ExecutionStatus") == "AVAILABLE"] == []
    # Confirmed again with nothing changing in between, the plan is carried out.
    assert ik.deploy(tmp_path / "v2", confirm=lambda plan: True, allow_replace=True).instances["queue"].status == (
        "updated"
    )


# --- integration patterns -------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["registry", "exports"])
def test_registry_and_exports_apps_deploy_in_order(
    pattern: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    moto_endpoint: str,
) -> None:
    app = ik.App(f"wired-{pattern}", integration=pattern)  # type: ignore[arg-type]
    queue = app.add("queue", Queue)
    app.add("topic", Topic, TopicInputs(queue_name=queue.outputs.queue_name))
    app.synth(tmp_path / "out")
    status, out, err = _run(capsys, "deploy", str(tmp_path / "out"), "--yes", "--jobs", "8")
    assert status == 0, out + err
    producer = _stack(moto_endpoint, f"wired-{pattern}-queue")
    consumer = _stack(moto_endpoint, f"wired-{pattern}-topic")
    assert producer["CreationTime"] <= consumer["CreationTime"]
    assert consumer["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("pattern", ["registry", "exports"])
def test_a_consumer_whose_producer_is_not_deployed_is_refused_before_anything(
    pattern: str, tmp_path: Path, moto_endpoint: str
) -> None:
    app = ik.App(f"unready-{pattern}", integration=pattern)  # type: ignore[arg-type]
    queue = app.add("queue", Queue)
    app.add("topic", Topic, TopicInputs(queue_name=queue.outputs.queue_name))
    app.synth(tmp_path / "out")
    with pytest.raises(DeployError, match=rf"topic.QueueName: read from queue.QueueName through {pattern}"):
        ik.deploy(tmp_path / "out", only=["topic"], yes=True)
    assert _live_stacks(moto_endpoint, f"unready-{pattern}-") == []


# --- removal and replacement ----------------------------------------------------------------


@ik.inputs
class TwoQueuesInputs:
    second: bool = True


@ik.outputs
class TwoQueuesOutputs:
    url: ik.Out[str]


class TwoQueues(ik.Component[TwoQueuesInputs, TwoQueuesOutputs]):
    def build(self, inputs: TwoQueuesInputs) -> TwoQueuesOutputs:
        first = self.add(sqs.Queue("First"))
        if inputs.second:
            self.add(sqs.Queue("Second"))
        return TwoQueuesOutputs(url=first.ref)


def test_a_removal_needs_allow_replace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for version, second in (("a", True), ("b", False)):
        app = ik.App("removal")
        app.add("queues", TwoQueues, TwoQueuesInputs(second=second))
        app.synth(tmp_path / version)
    assert ik.deploy(tmp_path / "a", yes=True).instances["queues"].status == "created"
    status, out, _err = _run(capsys, "deploy", str(tmp_path / "b"), "--yes")
    assert status == 1
    assert "Second (AWS::SQS::Queue): removed" in out and "--allow-replace" in out
    status, out, _err = _run(capsys, "deploy", str(tmp_path / "b"), "--yes", "--allow-replace")
    assert status == 0 and "updated" in out
    assert ik.destroy(tmp_path / "b", yes=True).ok


# --- a real subprocess ----------------------------------------------------------------------


def test_the_infrakit_command_deploys_and_reads_outputs_in_a_subprocess(
    tmp_path: Path,
    moto_endpoint: str,
) -> None:
    app = ik.App("sub")
    app.add("queue", Queue)
    app.synth(tmp_path / "out")
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint}
    run = [sys.executable, "-m", "infrakit"]
    deployed = subprocess.run(
        [*run, "deploy", str(tmp_path / "out"), "--yes"], env=env, capture_output=True, text=True, timeout=120
    )
    assert deployed.returncode == 0, deployed.stderr
    assert "queue" in deployed.stdout and "created" in deployed.stdout
    shown = subprocess.run(
        [*run, "outputs", str(tmp_path / "out"), "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in _stack(moto_endpoint, "sub-queue")["Outputs"]}
    assert json.loads(shown.stdout) == {"queue": outputs}


def test_missing_credentials_are_a_message_not_a_traceback(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance metadata lookup
    deploy = ["deploy", str(demo_dir), "--yes", "--parameter", "tagged-dev.Token=x"]
    for argv in (["outputs", str(demo_dir)], ["plan", str(demo_dir)], deploy):
        status, out, err = _run(capsys, *argv)
        assert status == 1
        assert "Unable to locate credentials" in out + err and "set AWS credentials" in out + err
        assert "Traceback" not in out + err


def test_the_region_comes_from_aws_region_alone(
    shop_first: dict[str, Any], shop_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # boto3 itself reads only AWS_DEFAULT_REGION (or a profile's region).
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    status, out, err = _run(capsys, "outputs", str(shop_dir), "--json")
    assert status == 0, err
    assert "network-dev" in json.loads(out)


def test_deploying_without_boto3_installed_says_which_extra_to_install(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for module in ("boto3", "botocore", "botocore.config", "botocore.exceptions"):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed: importing it fails
    for argv in (["outputs", str(demo_dir)], ["bootstrap"]):
        status, out, err = _run(capsys, *argv, "--region", "eu-north-1")  # a region not cached yet
        assert status == 1
        assert "needs boto3" in err and "pip install 'infrakit[aws]'" in err
        assert "Traceback" not in out + err


# --- what moto cannot show ------------------------------------------------------------------


def test_capabilities_follow_the_template() -> None:
    assert capabilities({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}) == []
    assert capabilities({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {}}}}) == ["CAPABILITY_IAM"]
    named = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}}
    assert capabilities(named) == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
    transform = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {}}
    assert capabilities(transform) == ["CAPABILITY_AUTO_EXPAND"]


def test_a_replacement_is_destructive_and_a_plain_modify_is_not() -> None:
    # moto's change sets carry no Replacement; CloudFormation's do ("True" / "Conditional").
    modify = ResourceChange("Q", "AWS::SQS::Queue", "Modify", "False", ("DelaySeconds",))
    assert not InstancePlan("q", "app-q", "update", (modify,)).destructive
    for replacement in ("True", "Conditional"):
        replaced = attrs.evolve(modify, replacement=replacement)
        assert InstancePlan("q", "app-q", "update", (replaced,)).destructive


def test_plan_text_names_the_changed_properties_and_replacement() -> None:
    from infrakit._deploy import format_plan

    change = ResourceChange("Vpc", "AWS::EC2::VPC", "Modify", "True", ("CidrBlock",))
    assert format_plan([InstancePlan("net", "app-net", "update", (change,))]) == (
        "net (app-net): update\n  Modify Vpc (AWS::EC2::VPC), replaced [CidrBlock]\n"
    )


def test_change_set_details_become_changed_property_names() -> None:
    from infrakit.aws._deploy import _changes

    described = {
        "Changes": [
            {
                "Type": "Resource",
                "ResourceChange": {
                    "Action": "Modify",
                    "LogicalResourceId": "Vpc",
                    "ResourceType": "AWS::EC2::VPC",
                    "Replacement": "True",
                    "Details": [
                        {"Target": {"Attribute": "Properties", "Name": "CidrBlock", "RequiresRecreation": "Always"}},
                        {"Target": {"Attribute": "Tags"}},
                    ],
                },
            }
        ]
    }
    assert _changes(described) == (ResourceChange("Vpc", "AWS::EC2::VPC", "Modify", "True", ("CidrBlock",)),)


def test_importing_infrakit_and_defining_do_not_import_boto3() -> None:
    code = "import sys, infrakit as ik; ik.deploy; assert 'boto3' not in sys.modules, 'boto3 imported'"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60).returncode == 0


# --- bootstrap, assets and large templates --------------------------------------------------


def _s3(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture(scope="module")
def bucket(moto_endpoint: str) -> str:
    assert cli.main(["bootstrap"]) == 0
    outputs = {o["OutputKey"]: o["OutputValue"] for o in _stack(moto_endpoint, "infrakit-bootstrap")["Outputs"]}
    name: str = outputs["AssetBucket"]
    return name


def test_bootstrap_creates_a_versioned_encrypted_private_bucket(bucket: str, moto_endpoint: str) -> None:
    assert bucket in [b["Name"] for b in _s3(moto_endpoint).list_buckets()["Buckets"]]
    # moto's CloudFormation ignores these bucket properties, so the deployed template is read.
    body = _cfn(moto_endpoint).get_template(StackName="infrakit-bootstrap")["TemplateBody"]
    properties = (json.loads(body) if isinstance(body, str) else body)["Resources"]["AssetBucket"]["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert properties["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )


def test_bootstrap_again_changes_nothing(bucket: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = _run(capsys, "bootstrap", "--region", "us-east-1")
    assert status == 0 and "unchanged" in out and bucket in out


def test_an_asset_package_depends_on_content_names_and_modes_only(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name / "pkg").mkdir(parents=True)
        (tmp_path / name / "pkg" / "mod.py").write_text("x = 1\n")
        (tmp_path / name / "run.sh").write_text("#!/bin/sh\n")
    os.utime(tmp_path / "b" / "pkg" / "mod.py", (1, 1))
    a, b = ik.Asset(tmp_path / "a"), ik.Asset(tmp_path / "b")
    assert a.sha256 == b.sha256 and a.data == b.data
    assert a.key == f"assets/{a.sha256}.zip"
    (tmp_path / "b" / "run.sh").chmod(0o755)
    assert ik.Asset(tmp_path / "b").sha256 != a.sha256
    (tmp_path / "b" / "run.sh").chmod(0o644)
    (tmp_path / "b" / "pkg" / "mod.py").write_text("x = 2\n")
    assert ik.Asset(tmp_path / "b").sha256 != a.sha256


def test_an_asset_bucket_and_key_render_as_the_bootstrap_export_and_the_content_key(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    asset = ik.Asset(tmp_path / "handler.py")

    @ik.inputs
    class Nothing:
        pass

    @ik.outputs
    class Out:
        url: ik.Out[str]

    class UsesAsset(ik.Component[Nothing, Out]):
        def build(self, inputs: Nothing) -> Out:
            queue = self.add(
                sqs.Queue(
                    "Q",
                    tags=[sqs.Queue.Tag(key="bucket", value=asset.bucket), sqs.Queue.Tag(key="key", value=asset.key)],
                )
            )
            return Out(url=queue.ref)

    body = json.loads(ik.synth(UsesAsset).to_json())
    tags = body["Resources"]["Q"]["Properties"]["Tags"]
    assert tags == [
        {"Key": "bucket", "Value": {"Fn::ImportValue": "infrakit-asset-bucket"}},
        {"Key": "key", "Value": f"assets/{asset.sha256}.py"},
    ]


@ik.inputs
class CodeInputs:
    source: str = "."


@ik.outputs
class CodeOutputs:
    url: ik.Out[str]


class TaggedWithCode(ik.Component[CodeInputs, CodeOutputs]):
    """A queue tagged with an asset's bucket and key (as a function would use them)."""

    def build(self, inputs: CodeInputs) -> CodeOutputs:
        code = ik.Asset(inputs.source)
        queue = self.add(
            sqs.Queue(
                "Q", tags=[sqs.Queue.Tag(key="bucket", value=code.bucket), sqs.Queue.Tag(key="key", value=code.key)]
            )
        )
        return CodeOutputs(url=queue.ref)


def _code_app(source: Path) -> ik.App:
    app = ik.App("assets")
    app.add("code", TaggedWithCode, CodeInputs(source=str(source)))
    app.add("plain", Queue)
    return app


@pytest.mark.parametrize("jobs", [1, 2])
def test_synth_packs_an_instances_assets_into_the_assembly_and_lists_them(tmp_path: Path, jobs: int) -> None:
    from infrakit._manifest import read_manifest

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n")
    asset = ik.Asset(tmp_path / "src")
    app = _code_app(tmp_path / "src")
    for _ in range(2):  # the second synth carries the instance (and its asset) over
        app.synth(tmp_path / "out", jobs=jobs)
        manifest = read_manifest(tmp_path / "out")
        assert manifest.instances["code"].assets == [asset.id]
        assert manifest.instances["plain"].assets == []
        assert manifest.assets[asset.id].path == asset.filename
        assert (tmp_path / "out" / asset.filename).read_bytes() == asset.data


def test_a_changed_asset_is_packed_again_although_the_instance_is_cached(tmp_path: Path) -> None:
    from infrakit._manifest import read_manifest

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("v = 1\n")
    app = _code_app(tmp_path / "src")
    app.synth(tmp_path / "out")
    first = read_manifest(tmp_path / "out").instances["code"].assets
    (tmp_path / "src" / "app.py").write_text("v = 2\n")
    app.synth(tmp_path / "out")
    manifest = read_manifest(tmp_path / "out")
    assert manifest.instances["code"].assets == [ik.Asset(tmp_path / "src").id] != first
    assert sorted(manifest.assets) == manifest.instances["code"].assets
    assert not (tmp_path / "out" / f"asset.{first[0]}.zip").exists()


def test_deploy_uploads_an_instances_assets_once(
    bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], moto_endpoint: str
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('deployed')\n")
    asset = ik.Asset(tmp_path / "src")
    out = tmp_path / "out"
    _code_app(tmp_path / "src").synth(out)
    status, _out, err = _run(capsys, "deploy", str(out), "--yes")
    assert status == 0
    assert f"uploaded asset {asset.source} to s3://{bucket}/{asset.key}" in err
    assert err.count("uploaded asset") == 1
    assert _s3(moto_endpoint).get_object(Bucket=bucket, Key=asset.key)["Body"].read() == asset.data
    tags = _cfn(moto_endpoint).describe_stack_resource(StackName="assets-code", LogicalResourceId="Q")
    assert tags["StackResourceDetail"]["ResourceStatus"].endswith("COMPLETE")
    status, _out, err = _run(capsys, "deploy", str(out), "--yes")
    assert status == 0 and "uploaded asset" not in err


def test_an_asset_missing_from_the_manifest_fails_its_instance_with_a_message(bucket: str, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('dangling')\n")
    out = tmp_path / "out"
    _code_app(tmp_path / "src").synth(out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["assets"] = {}
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = ik.deploy(out, yes=True, only=["code"])
    assert result.instances["code"].status == "failed"
    assert "which the manifest's assets do not list: synthesize the assembly again" in result.instances["code"].message


@ik.inputs
class ManyInputs:
    count: int = 60


@ik.outputs
class ManyOutputs:
    first: ik.Out[str]


class ManyQueues(ik.Component[ManyInputs, ManyOutputs]):
    """Enough queues, with long tags, for a template over CloudFormation's inline limit."""

    def build(self, inputs: ManyInputs) -> ManyOutputs:
        queues = [
            self.add(sqs.Queue(f"Queue{i}", tags=[sqs.Queue.Tag(key=f"k{j}", value="v" * 200) for j in range(4)]))
            for i in range(inputs.count)
        ]
        return ManyOutputs(first=queues[0].ref)


def test_a_template_over_the_inline_limit_goes_through_the_asset_bucket(
    bucket: str, tmp_path: Path, moto_endpoint: str
) -> None:
    app = ik.App("large")
    app.add("queues", ManyQueues)
    app.synth(tmp_path / "out")
    template = next((tmp_path / "out").glob("queues.*"))
    assert template.stat().st_size > 51_200
    result = ik.deploy(tmp_path / "out", yes=True)
    assert result.instances["queues"].status == "created", result.instances["queues"].message
    keys = [o["Key"] for o in _s3(moto_endpoint).list_objects_v2(Bucket=bucket, Prefix="templates/")["Contents"]]
    assert len(keys) == 1 and keys[0].endswith(".json")
    assert ik.destroy(tmp_path / "out", yes=True).ok


def test_the_terminal_progress_block_redraws_one_line_per_instance_in_place() -> None:
    import io

    from infrakit._deploy_cli import LiveBlock

    stream = io.StringIO()
    block = LiveBlock(stream)
    block("net: CREATE_IN_PROGRESS Vpc (AWS::EC2::VPC)")
    block("svc: CREATE_IN_PROGRESS Queue (AWS::SQS::Queue)")
    stream.seek(0)
    stream.truncate()
    block("net: CREATE_COMPLETE Vpc (AWS::EC2::VPC)")
    text = stream.getvalue()
    assert text.startswith("\x1b[2F")  # back up over the two lines drawn
    lines = text[len("\x1b[2F") :].splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["\x1b[2Knet", "\x1b[2Ksvc"]
    assert lines[0].endswith("CREATE_COMPLETE Vpc (AWS::EC2::VPC)")
    assert lines[1].endswith("CREATE_IN_PROGRESS Queue (AWS::SQS::Queue)")
