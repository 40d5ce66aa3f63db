"""The three integration patterns, deployed for real on moto's CloudFormation server.

For each pattern a producer (an SQS queue publishing its name and a list) and a consumer
(SSM parameters and a bucket tag recording those values) are synthesized as an app and
deployed as two stacks, producer first. The consumer must receive the producer's values:
``parameters`` — the test passes the producer's stack outputs as the consumer's
parameters, reading which ones from ``manifest.json``; ``registry`` — CloudFormation
resolves the SSM parameter path by itself; ``exports`` — through ``Fn::ImportValue``.

What moto 5.2.5 does not show (checked by hand, not asserted here): it lets a stack whose
export is imported be deleted (CloudFormation refuses), its ListImports fails with a 500,
a registry consumer deployed before its producer crashes the server (500) instead of a
ValidationError, and it returns no Outputs for the consumer stacks, so the tests read the
consumer's resources (SSM parameters, bucket tags) instead.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import moto.server as moto_server
import pytest
from _app_support import Queue, Recorder, RecorderInputs, manifest

import infrakit as ik

REGION = "us-east-1"
PATTERNS = ("parameters", "registry", "exports")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto server on 127.0.0.1, with dummy credentials, for the whole module."""
    patch = pytest.MonkeyPatch()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        patch.setenv(key, value)
    patch.delenv("AWS_PROFILE", raising=False)
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        patch.undo()


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION)


def _app(pattern: str) -> ik.App:
    app = ik.App(f"patterns-{pattern}", integration=pattern)  # type: ignore[arg-type]
    queue = app.add("queue", Queue)
    app.add(
        "recorder",
        Recorder,
        RecorderInputs(queue_name=queue.outputs.queue_name, names=queue.outputs.names, path=f"/{pattern}"),
    )
    return app


def _deploy(cfn: Any, stack: str, template: Path, parameters: dict[str, str] | None = None) -> dict[str, Any]:
    cfn.create_stack(
        StackName=stack,
        TemplateBody=template.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    description: dict[str, Any] = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert description["StackStatus"] == "CREATE_COMPLETE", description
    return description


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.fixture(scope="module")
def deployed(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each pattern's app synthesized and deployed: producer, then consumer."""
    cfn = _client(endpoint, "cloudformation")
    result: dict[str, dict[str, Any]] = {}
    for pattern in PATTERNS:
        out = tmp_path_factory.mktemp(pattern) / "assembly"
        _app(pattern).synth(str(out))
        entries = manifest(out)["instances"]
        producer = _deploy(cfn, f"{pattern}-queue", out / entries["queue"]["template"])
        produced = _outputs(producer)
        passed: dict[str, str] = {}
        # What a deployer does: each parameter wired with the parameters pattern gets the
        # producer's output named in the manifest; the other patterns need nothing.
        for name, spec in entries["recorder"]["parameters"].items():
            if "from" in spec and "integration" not in spec:
                assert spec["from"]["instance"] == "queue"
                passed[name] = produced[spec["from"]["output"]]
        consumer = _deploy(cfn, f"{pattern}-recorder", out / entries["recorder"]["template"], passed)
        result[pattern] = {"dir": out, "produced": produced, "consumer": consumer, "passed": passed}
    return result


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_producer_publishes_its_outputs(deployed: dict[str, dict[str, Any]], pattern: str) -> None:
    produced = deployed[pattern]["produced"]
    assert produced["QueueName"].startswith(f"{pattern}-queue-Work-")
    assert produced["QueueUrl"].endswith("/" + produced["QueueName"])
    assert produced["Names"] == produced["QueueName"] + ",extra"  # a list, published comma-joined


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_consumer_receives_the_producers_string(
    deployed: dict[str, dict[str, Any]], endpoint: str, pattern: str
) -> None:
    ssm = _client(endpoint, "ssm")
    expected = deployed[pattern]["produced"]["QueueName"]
    assert ssm.get_parameter(Name=f"/{pattern}/name")["Parameter"]["Value"] == expected


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_consumer_receives_the_producers_list(
    deployed: dict[str, dict[str, Any]], endpoint: str, pattern: str
) -> None:
    ssm = _client(endpoint, "ssm")
    expected = deployed[pattern]["produced"]["QueueName"] + ",extra"
    assert ssm.get_parameter(Name=f"/{pattern}/names")["Parameter"]["Value"] == expected


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_consumer_tags_its_bucket_with_the_producers_value(
    deployed: dict[str, dict[str, Any]], endpoint: str, pattern: str
) -> None:
    cfn, s3 = _client(endpoint, "cloudformation"), _client(endpoint, "s3")
    bucket = cfn.describe_stack_resource(StackName=f"{pattern}-recorder", LogicalResourceId="Tagged")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags["queue"] == deployed[pattern]["produced"]["QueueName"]


def test_parameters_pattern_needs_the_deployer_to_pass_every_wired_output(deployed: dict[str, dict[str, Any]]) -> None:
    entries = manifest(deployed["parameters"]["dir"])["instances"]
    assert entries["recorder"]["parameters"] == {
        "QueueName": {"from": {"instance": "queue", "output": "QueueName"}},
        "Names": {"from": {"instance": "queue", "output": "Names"}},
    }
    assert set(deployed["parameters"]["passed"]) == {"QueueName", "Names"}


def test_registry_pattern_publishes_outputs_to_ssm_and_needs_no_parameters_at_deploy(
    deployed: dict[str, dict[str, Any]], endpoint: str
) -> None:
    assert deployed["registry"]["passed"] == {}
    ssm = _client(endpoint, "ssm")
    produced = deployed["registry"]["produced"]
    published = ssm.get_parameters_by_path(Path="/infrakit/patterns-registry/queue", Recursive=True)["Parameters"]
    assert {p["Name"]: (p["Type"], p["Value"]) for p in published} == {
        "/infrakit/patterns-registry/queue/QueueName": ("String", produced["QueueName"]),
        "/infrakit/patterns-registry/queue/Names": ("StringList", produced["Names"]),
    }
    # The consumer's parameters are the SSM paths, which CloudFormation resolved.
    parameters = {p["ParameterKey"]: p for p in deployed["registry"]["consumer"]["Parameters"]}
    assert parameters["QueueName"]["ParameterValue"] == produced["QueueName"]


def test_exports_pattern_imports_by_export_name(deployed: dict[str, dict[str, Any]], endpoint: str) -> None:
    assert deployed["exports"]["passed"] == {}
    entry = manifest(deployed["exports"]["dir"])["instances"]["recorder"]
    assert entry["parameters"] == {}
    assert entry["imports"] == {
        "QueueName": {"from": {"instance": "queue", "output": "QueueName"}},
        "Names": {"from": {"instance": "queue", "output": "Names"}},
    }
    assert not deployed["exports"]["consumer"].get("Parameters")
    exports = {e["Name"]: e["Value"] for e in _client(endpoint, "cloudformation").list_exports()["Exports"]}
    produced = deployed["exports"]["produced"]
    assert exports["patterns-exports-queue-QueueName"] == produced["QueueName"]
    assert exports["patterns-exports-queue-Names"] == produced["Names"]
    assert "patterns-exports-queue-QueueUrl" not in exports  # only wired outputs are exported


def test_every_template_passes_cfn_lint(deployed: dict[str, dict[str, Any]]) -> None:
    templates = sorted(str(p) for pattern in PATTERNS for p in deployed[pattern]["dir"].glob("*.template.json"))
    assert len(templates) == 2 * len(PATTERNS)
    # One cfn-lint run for all of them: it takes a second to start.
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--", *templates], capture_output=True, text=True, check=False
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
