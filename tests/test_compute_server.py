"""infrakit.testing.compute_server: the local Compute REST server, driven by the real
google-cloud-compute clients (REST transport, anonymous credentials)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

from infrakit.testing import compute_server
from infrakit.testing._compute_server import ComputeServer

PROJECT = "server-test"


@pytest.fixture(scope="module")
def server() -> Iterator[ComputeServer]:
    with compute_server() as running:
        yield running


def _client(server: ComputeServer, cls: Any) -> Any:
    return cls(credentials=AnonymousCredentials(), transport="rest", client_options={"api_endpoint": server.endpoint})


def test_the_endpoint_is_loopback_http(server: ComputeServer) -> None:
    assert server.endpoint.startswith("http://127.0.0.1:")


def test_an_insert_returns_a_done_operation_and_the_resource_gets_server_fields(server: ComputeServer) -> None:
    networks = _client(server, compute_v1.NetworksClient)
    operation = networks.insert_unary(project=PROJECT, network_resource=compute_v1.Network(name="ins-net"))
    assert operation.status == compute_v1.Operation.Status.DONE
    waited = _client(server, compute_v1.GlobalOperationsClient).wait(project=PROJECT, operation=operation.name)
    assert waited.target_link.endswith(f"projects/{PROJECT}/global/networks/ins-net")
    network = networks.get(project=PROJECT, network="ins-net")
    assert network.self_link == f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/global/networks/ins-net"
    assert network.id and network.creation_timestamp and network.kind == "compute#network"


def test_a_second_insert_of_a_name_is_409_already_exists(server: ComputeServer) -> None:
    networks = _client(server, compute_v1.NetworksClient)
    networks.insert_unary(project=PROJECT, network_resource=compute_v1.Network(name="dup-net"))
    with pytest.raises(exceptions.Conflict) as caught:
        networks.insert_unary(project=PROJECT, network_resource=compute_v1.Network(name="dup-net"))
    assert caught.value.errors[0]["reason"] == "alreadyExists"
    assert "projects/server-test/global/networks/dup-net' already exists" in caught.value.message


def test_a_missing_resource_is_404_not_found(server: ComputeServer) -> None:
    with pytest.raises(exceptions.NotFound) as caught:
        _client(server, compute_v1.InstancesClient).get(project=PROJECT, zone="europe-west1-b", instance="nope")
    assert caught.value.errors[0]["reason"] == "notFound"


def test_an_unknown_field_in_a_body_is_400(server: ComputeServer) -> None:
    import requests

    response = requests.post(
        f"{server.endpoint}/compute/v1/projects/{PROJECT}/global/networks",
        json={"name": "bad", "subnetwrk": "x"},
        timeout=5,
    )
    assert response.status_code == 400
    assert "subnetwrk" in response.json()["error"]["message"]


def test_a_stale_label_fingerprint_is_412_and_the_current_one_applies(server: ComputeServer) -> None:
    instances = _client(server, compute_v1.InstancesClient)
    zone = "europe-west1-b"
    vm = compute_v1.Instance(name="fp-vm", machine_type=f"zones/{zone}/machineTypes/e2-small", labels={"a": "1"})
    instances.insert_unary(project=PROJECT, zone=zone, instance_resource=vm)
    current = instances.get(project=PROJECT, zone=zone, instance="fp-vm")
    assert current.machine_type.startswith("https://www.googleapis.com/compute/v1/projects/server-test/zones/")
    stale = compute_v1.InstancesSetLabelsRequest(labels={"a": "2"}, label_fingerprint="c3RhbGU=")
    with pytest.raises(exceptions.PreconditionFailed):
        instances.set_labels_unary(
            project=PROJECT, zone=zone, instance="fp-vm", instances_set_labels_request_resource=stale
        )
    fresh = compute_v1.InstancesSetLabelsRequest(labels={"a": "2"}, label_fingerprint=current.label_fingerprint)
    instances.set_labels_unary(
        project=PROJECT, zone=zone, instance="fp-vm", instances_set_labels_request_resource=fresh
    )
    after = instances.get(project=PROJECT, zone=zone, instance="fp-vm")
    assert dict(after.labels) == {"a": "2"} and after.label_fingerprint != current.label_fingerprint


def test_an_access_config_gets_an_ephemeral_nat_ip(server: ComputeServer) -> None:
    instances = _client(server, compute_v1.InstancesClient)
    zone = "us-central1-a"
    nic = compute_v1.NetworkInterface(access_configs=[compute_v1.AccessConfig(name="nat", type_="ONE_TO_ONE_NAT")])
    vm = compute_v1.Instance(
        name="nat-vm", machine_type="zones/us-central1-a/machineTypes/e2-small", network_interfaces=[nic]
    )
    instances.insert_unary(project=PROJECT, zone=zone, instance_resource=vm)
    got = instances.get(project=PROJECT, zone=zone, instance="nat-vm")
    assert got.network_interfaces[0].access_configs[0].nat_i_p.count(".") == 3


def test_a_reference_to_a_missing_resource_fails_the_operation(server: ComputeServer) -> None:
    subnets = _client(server, compute_v1.SubnetworksClient)
    subnet = compute_v1.Subnetwork(name="orphan", network="global/networks/absent", ip_cidr_range="10.0.0.0/24")
    operation = subnets.insert_unary(project=PROJECT, region="europe-west1", subnetwork_resource=subnet)
    assert operation.error.errors[0].code == "RESOURCE_NOT_FOUND"
    assert "global/networks/absent" in operation.error.errors[0].message
    assert f"projects/{PROJECT}/regions/europe-west1/subnetworks/orphan" not in server.resources(PROJECT)


def test_deleting_a_resource_in_use_fails_the_operation(server: ComputeServer) -> None:
    networks = _client(server, compute_v1.NetworksClient)
    networks.insert_unary(project=PROJECT, network_resource=compute_v1.Network(name="used-net"))
    subnet = compute_v1.Subnetwork(name="user", network="global/networks/used-net", ip_cidr_range="10.1.0.0/24")
    _client(server, compute_v1.SubnetworksClient).insert_unary(
        project=PROJECT, region="europe-west1", subnetwork_resource=subnet
    )
    operation = networks.delete_unary(project=PROJECT, network="used-net")
    assert operation.error.errors[0].code == "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE"
    assert networks.get(project=PROJECT, network="used-net").name == "used-net"


def test_changing_a_field_fixed_at_creation_is_400(server: ComputeServer) -> None:
    networks = _client(server, compute_v1.NetworksClient)
    networks.insert_unary(project=PROJECT, network_resource=compute_v1.Network(name="fixed-net"))
    subnets = _client(server, compute_v1.SubnetworksClient)
    subnet = compute_v1.Subnetwork(name="fixed", network="global/networks/fixed-net", ip_cidr_range="10.2.0.0/24")
    subnets.insert_unary(project=PROJECT, region="europe-west1", subnetwork_resource=subnet)
    current = subnets.get(project=PROJECT, region="europe-west1", subnetwork="fixed")
    change = compute_v1.Subnetwork(ip_cidr_range="10.3.0.0/24", fingerprint=current.fingerprint)
    with pytest.raises(exceptions.BadRequest) as caught:
        subnets.patch_unary(project=PROJECT, region="europe-west1", subnetwork="fixed", subnetwork_resource=change)
    assert "ipCidrRange" in caught.value.message


def test_an_injected_failure_is_an_operation_error(server: ComputeServer) -> None:
    server.fail_next("insert", "quota-net", "QUOTA_EXCEEDED", "Quota 'NETWORKS' exceeded.")
    operation = _client(server, compute_v1.NetworksClient).insert_unary(
        project=PROJECT, network_resource=compute_v1.Network(name="quota-net")
    )
    assert (operation.error.errors[0].code, operation.error.errors[0].message) == (
        "QUOTA_EXCEEDED",
        "Quota 'NETWORKS' exceeded.",
    )


def test_project_metadata_is_compare_and_swap(server: ComputeServer) -> None:
    projects = _client(server, compute_v1.ProjectsClient)
    before = projects.get(project=PROJECT).common_instance_metadata
    item = compute_v1.Items(key="k", value="v")
    projects.set_common_instance_metadata_unary(
        project=PROJECT, metadata_resource=compute_v1.Metadata(fingerprint=before.fingerprint, items=[item])
    )
    with pytest.raises(exceptions.PreconditionFailed):
        projects.set_common_instance_metadata_unary(
            project=PROJECT, metadata_resource=compute_v1.Metadata(fingerprint=before.fingerprint, items=[])
        )
    assert [i.key for i in projects.get(project=PROJECT).common_instance_metadata.items] == ["k"]


def test_every_call_is_recorded_with_its_client_method(server: ComputeServer) -> None:
    _client(server, compute_v1.NetworksClient).list(project=PROJECT)
    assert server.calls[-1] == f"NetworksClient.list projects/{PROJECT}/global/networks"


def test_a_request_sent_again_with_its_request_id_is_carried_out_once(server: ComputeServer) -> None:
    networks = _client(server, compute_v1.NetworksClient)
    request = compute_v1.InsertNetworkRequest(
        project=PROJECT, network_resource=compute_v1.Network(name="once-net"), request_id="3b2c0f4e-once"
    )
    first = networks.insert_unary(request=request)
    again = networks.insert_unary(request=request)  # no 409: the first operation again
    assert again.name == first.name
    with pytest.raises(exceptions.Conflict):
        networks.insert_unary(project=PROJECT, network_resource=compute_v1.Network(name="once-net"))
