"""examples/gcp_app.py deployed end to end, both providers in one run: the GCP web
networks on infrakit's local Compute server, then the Route 53 records wired from their
static IPs on moto's CloudFormation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import gcp_app  # examples/ is on sys.path (conftest)
import pytest
from _moto import moto_server

import infrakit as ik
from infrakit._deploy import DeployResult, DeploySettings
from infrakit.gcp._names import deployed_name
from infrakit.testing import compute_server
from infrakit.testing._compute_server import ComputeServer

PROJECT = "gcp-app"


@pytest.fixture(scope="module")
def endpoints() -> Iterator[tuple[str, ComputeServer]]:
    with moto_server() as aws, compute_server() as gcp:
        boto3.client("route53", endpoint_url=aws).create_hosted_zone(Name="example.com.", CallerReference="test")
        yield aws, gcp


@pytest.fixture(scope="module")
def deployed(
    endpoints: tuple[str, ComputeServer], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, DeployResult, DeploySettings]:
    _aws, gcp = endpoints
    out = tmp_path_factory.mktemp("gcp-app") / "out"
    gcp_app.app.synth(str(out))
    settings = DeploySettings(project=PROJECT, gcp_endpoint=gcp.endpoint)
    return out, ik.deploy(str(out), yes=True, jobs=4, settings=settings), settings


def _records(aws: str) -> dict[str, list[str]]:
    route53 = boto3.client("route53", endpoint_url=aws)
    (zone,) = route53.list_hosted_zones()["HostedZones"]
    sets = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    return {s["Name"]: [r["Value"] for r in s.get("ResourceRecords", [])] for s in sets if s["Type"] == "A"}


def test_every_instance_of_both_providers_is_created(deployed: tuple[Path, DeployResult, Any]) -> None:
    _out, result, _settings = deployed
    assert {n: r.status for n, r in result.instances.items()} == {
        "web-eu": "created",
        "web-us": "created",
        "dns-eu": "created",
        "dns-us": "created",
    }, {n: r.message for n, r in result.instances.items()}


def test_each_dns_record_points_at_its_regions_static_ip(
    deployed: tuple[Path, DeployResult, Any], endpoints: tuple[str, ComputeServer]
) -> None:
    _out, result, _settings = deployed
    aws, gcp = endpoints
    records = _records(aws)
    for short, region in (("eu", "europe-west1"), ("us", "us-central1")):
        name = deployed_name(f"web-{short}", f"web-{short}-ip")
        address = gcp.resource(f"projects/{PROJECT}/regions/{region}/addresses/{name}")
        assert address is not None
        assert result.outputs[f"web-{short}"]["external_ip"] == address["address"]
        assert records[f"www-{short}.example.com."] == [address["address"]]


def test_a_redeploy_of_both_providers_is_unchanged(
    deployed: tuple[Path, DeployResult, DeploySettings],
) -> None:
    out, _result, settings = deployed
    again = ik.deploy(str(out), yes=True, jobs=4, settings=settings)
    assert {r.status for r in again.instances.values()} == {"unchanged"}


def test_destroy_removes_both_providers_deployments(
    deployed: tuple[Path, DeployResult, DeploySettings], endpoints: tuple[str, ComputeServer]
) -> None:
    out, _result, settings = deployed
    aws, gcp = endpoints
    result = ik.destroy(str(out), yes=True, settings=settings)
    assert {r.status for r in result.instances.values()} == {"deleted"}, {
        n: r.message for n, r in result.instances.items()
    }
    assert gcp.resources(PROJECT) == []
    assert _records(aws) == {}


# --- the other way round: an AWS output wired into a GCP instance ---------------------------


@ik.inputs
class QueueInputs:
    retention_days: int = 1


@ik.outputs
class QueueOutputs:
    queue_name: ik.Out[str]


class Queue(ik.Component[QueueInputs, QueueOutputs]):
    """An SQS queue."""

    def build(self, inputs: QueueInputs) -> QueueOutputs:
        from infrakit.aws import sqs

        queue = self.add(sqs.Queue("Queue", message_retention_period=inputs.retention_days * 86400))
        return QueueOutputs(queue_name=queue.attrs.queue_name)


@ik.inputs
class WorkerInputs:
    queue_name: ik.Param[str]


@ik.outputs
class WorkerOutputs:
    network: ik.Out[str]


class Worker(ik.Component[WorkerInputs, WorkerOutputs]):
    """A network whose description names the queue its workers read."""

    def build(self, inputs: WorkerInputs) -> WorkerOutputs:
        from infrakit import gcp
        from infrakit.gcp import compute

        net = self.add(compute.Network("net", description=gcp.sub("reads {q}", q=inputs.queue_name)))
        return WorkerOutputs(network=net.ref)


def test_an_aws_output_is_wired_into_a_gcp_instance(endpoints: tuple[str, ComputeServer], tmp_path: Path) -> None:
    aws, gcp = endpoints
    app = ik.App("mixed")
    queue = app.add("queue", Queue)
    app.add("worker", Worker, WorkerInputs(queue_name=queue.outputs.queue_name))
    out = str(tmp_path / "out")
    app.synth(out)
    settings = DeploySettings(project="mixed", gcp_endpoint=gcp.endpoint)
    result = ik.deploy(out, yes=True, settings=settings)
    assert {n: r.status for n, r in result.instances.items()} == {"queue": "created", "worker": "created"}, {
        n: r.message for n, r in result.instances.items()
    }
    name = result.outputs["queue"]["QueueName"]
    assert name in [u.rsplit("/", 1)[1] for u in boto3.client("sqs", endpoint_url=aws).list_queues()["QueueUrls"]]
    network = gcp.resource(f"projects/mixed/global/networks/{deployed_name('worker', 'net')}")
    assert network is not None and network["description"] == f"reads {name}"
