"""Deploying GCP instances: GcpDeployer through the real google-cloud-compute clients (REST
transport, anonymous credentials) against infrakit's local Compute server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gcp_network import WebNetwork, WebNetworkInputs  # examples/ is on sys.path (conftest)

import infrakit as ik
from infrakit._deploy import DeployResult, DeploySettings, InstancePlan
from infrakit._deploy import outputs as deployed_outputs
from infrakit.gcp import compute
from infrakit.gcp._deploy import GcpDeployer, choose_methods, state_key
from infrakit.gcp._names import deployed_name
from infrakit.testing import compute_server
from infrakit.testing._compute_server import ComputeServer

PROJECT = "deploy-test"
ZONE = "europe-west1-b"


@pytest.fixture(scope="module")
def server() -> Iterator[ComputeServer]:
    with compute_server() as running:
        yield running


@pytest.fixture(scope="module")
def settings(server: ComputeServer) -> DeploySettings:
    return DeploySettings(project=PROJECT, gcp_endpoint=server.endpoint)


# --- a component with a knob for every kind of change -------------------------------------


@ik.inputs
class KnobsInputs:
    label: str = "blue"
    startup: str = "echo hello"
    tag: str = "web"
    machine_type: str = "e2-small"
    description: str = "knobs network"
    cidr: str = "10.20.0.0/24"
    with_firewall: bool = True
    with_address: bool = False
    network_output: str = "net"
    fail_zone: bool = False


@ik.outputs
class KnobsOutputs:
    vm: ik.Out[str]
    network: ik.Out[str]


class Knobs(ik.Component[KnobsInputs, KnobsOutputs]):
    """A network, a subnetwork, maybe a firewall, and a VM."""

    def build(self, inputs: KnobsInputs) -> KnobsOutputs:
        net = self.add(compute.Network("net", auto_create_subnetworks=False, description=inputs.description))
        subnet = self.add(
            compute.Subnetwork("subnet", region="europe-west1", network=net.ref, ip_cidr_range=inputs.cidr)
        )
        if inputs.with_firewall:
            self.add(
                compute.Firewall(
                    "fw",
                    network=net.ref,
                    allowed=[compute.Allowed(ip_protocol="tcp", ports=["22"])],
                    source_ranges=["0.0.0.0/0"],
                )
            )
        if inputs.with_address:
            self.add(compute.Address("ip", region="europe-west1", address_type="INTERNAL", subnetwork=subnet.ref))
        vm = self.add(
            compute.Instance(
                "vm",
                zone=ZONE,
                machine_type=f"zones/{ZONE}/machineTypes/{inputs.machine_type}",
                labels={"color": inputs.label},
                metadata=compute.Metadata(items=[compute.Items(key="startup-script", value=inputs.startup)]),
                tags=compute.Tags(items=[inputs.tag]),
                network_interfaces=[
                    compute.NetworkInterface(
                        subnetwork=subnet.ref,
                        access_configs=[compute.AccessConfig(name="nat", type="ONE_TO_ONE_NAT")],
                    )
                ],
            )
        )
        return KnobsOutputs(vm=vm.ref, network=subnet.ref if inputs.network_output == "subnet" else net.ref)


def _synth(out: Path, instance: str, **knobs: Any) -> Path:
    app = ik.App("knobs")
    app.add(instance, Knobs, KnobsInputs(**knobs))
    app.synth(str(out))
    return out


def _deploy(out: Path, settings: DeploySettings, **kwargs: Any) -> DeployResult:
    return ik.deploy(str(out), yes=True, settings=settings, **kwargs)


def _path(instance: str, collection: str, name: str, where: str = "global") -> str:
    return f"projects/{PROJECT}/{where}/{collection}/{deployed_name(instance, name)}"


def _mutations(server: ComputeServer, since: int) -> list[str]:
    return [c for c in server.calls[since:] if not c.split(" ")[0].endswith((".get", ".wait"))]


# --- deploy, redeploy ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, settings: DeploySettings) -> tuple[Path, DeployResult]:
    out = tmp_path_factory.mktemp("web") / "out"
    app = ik.App("web")
    app.add("web-dev", WebNetwork, WebNetworkInputs(prefix="web", region="europe-west1"))
    app.synth(str(out))
    return out, _deploy(out, settings)


def test_deploying_the_network_example_creates_every_resource_under_instance_names(
    web: tuple[Path, DeployResult], server: ComputeServer
) -> None:
    _out, result = web
    assert result.instances["web-dev"].status == "created", result.instances["web-dev"].message
    mine = [p for p in server.resources(PROJECT) if "/web-dev-" in p]
    assert sorted(p.rsplit("/", 2)[1] + "/" + p.rsplit("/", 1)[1] for p in mine) == [
        "addresses/web-dev-web-ip",
        "firewalls/web-dev-web-allow-ssh",
        "firewalls/web-dev-web-allow-web",
        "instances/web-dev-web-vm",
        "networks/web-dev-web-net",
        "subnetworks/web-dev-web-subnet",
    ]


def test_references_resolve_from_the_deployed_resources(web: tuple[Path, DeployResult], server: ComputeServer) -> None:
    _out, result = web
    address = server.resource(_path("web-dev", "addresses", "web-ip", "regions/europe-west1"))
    vm = server.resource(_path("web-dev", "instances", "web-vm", f"zones/{ZONE}"))
    subnet = server.resource(_path("web-dev", "subnetworks", "web-subnet", "regions/europe-west1"))
    assert address and vm and subnet
    assert vm["networkInterfaces"][0]["accessConfigs"][0]["natIP"] == address["address"]
    assert vm["networkInterfaces"][0]["subnetwork"] == subnet["selfLink"]
    assert result.outputs["web-dev"]["external_ip"] == address["address"]
    assert result.outputs["web-dev"]["instance"] == vm["selfLink"]


def test_a_redeploy_is_unchanged_and_changes_nothing(
    web: tuple[Path, DeployResult], server: ComputeServer, settings: DeploySettings
) -> None:
    out, first = web
    since = len(server.calls)
    again = _deploy(out, settings)
    assert again.instances["web-dev"].status == "unchanged"
    assert again.outputs == first.outputs
    assert _mutations(server, since) == []


def test_outputs_are_read_from_the_state_in_the_project(
    web: tuple[Path, DeployResult], settings: DeploySettings
) -> None:
    out, first = web
    assert deployed_outputs(str(out), settings=settings) == {"web-dev": dict(first.outputs["web-dev"])}


def test_the_state_is_an_item_of_the_project_metadata(web: tuple[Path, DeployResult], server: ComputeServer) -> None:
    import json

    project = server.resource(f"projects/{PROJECT}")
    assert project is not None
    items = {i["key"]: i["value"] for i in project["commonInstanceMetadata"]["items"]}
    state = json.loads(items[state_key("web", "web-dev")])
    assert state["resources"][0]["deployed"] == "web-dev-web-net"
    assert "lock" not in state
    assert "35.235.240.0/20" not in items[state_key("web", "web-dev")]  # digests, never values


# --- changes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def knobs_dir(tmp_path_factory: pytest.TempPathFactory, settings: DeploySettings) -> Path:
    out = _synth(tmp_path_factory.mktemp("knobs") / "out", "kn")
    assert _deploy(out, settings).instances["kn"].status == "created"
    return out


@pytest.mark.parametrize(
    ("knob", "value", "method"),
    [
        ("label", "green", "InstancesClient.set_labels"),
        ("startup", "echo bye", "InstancesClient.set_metadata"),
        ("tag", "db", "InstancesClient.set_tags"),
        ("machine_type", "e2-medium", "InstancesClient.set_machine_type"),
    ],
)
def test_a_change_is_made_in_place_with_the_kinds_method(
    knobs_dir: Path, server: ComputeServer, settings: DeploySettings, knob: str, value: str, method: str
) -> None:
    _synth(knobs_dir, "kn", **{knob: value})
    since = len(server.calls)
    result = _deploy(knobs_dir, settings)
    assert result.instances["kn"].status == "updated", result.instances["kn"].message
    assert [c.split(" ")[0] for c in _mutations(server, since) if "setCommonInstanceMetadata" not in c] == [method]
    assert _deploy(knobs_dir, settings).instances["kn"].status == "unchanged"
    _synth(knobs_dir, "kn")  # back to the defaults for the next case
    assert _deploy(knobs_dir, settings).instances["kn"].status == "updated"


def test_the_label_is_changed_on_the_deployed_vm(
    knobs_dir: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    _synth(knobs_dir, "kn", label="red")
    _deploy(knobs_dir, settings)
    vm = server.resource(_path("kn", "instances", "vm", f"zones/{ZONE}"))
    assert vm is not None and vm["labels"] == {"color": "red"}
    _synth(knobs_dir, "kn")
    _deploy(knobs_dir, settings)


def test_the_plan_says_which_method_and_that_nothing_is_replaced(knobs_dir: Path, settings: DeploySettings) -> None:
    _synth(knobs_dir, "kn", label="plan", tag="planned")
    (planned,) = ik.plan(str(knobs_dir), settings=settings)
    assert planned.action == "update" and not planned.destructive
    assert {(c.logical_id, c.methods, c.replacement) for c in planned.changes} == {
        ("vm", ("set_labels", "set_tags"), "False"),
    }
    _synth(knobs_dir, "kn")


def test_a_field_the_kinds_patch_is_documented_not_to_change_is_a_replacement(
    knobs_dir: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    """A network's ``patch`` changes only ``routingConfig`` (its documentation says so, and
    the API refuses others): a new description replaces the network, and what uses it."""
    _synth(knobs_dir, "kn", description="renamed")
    (planned,) = ik.plan(str(knobs_dir), settings=settings)
    assert ("net", "True") in {(c.logical_id, c.replacement) for c in planned.changes}
    assert planned.destructive
    refused = _deploy(knobs_dir, settings).instances["kn"]
    assert refused.status == "failed" and "net (compute.v1.network): replaced" in refused.message
    _synth(knobs_dir, "kn")
    assert _deploy(knobs_dir, settings).instances["kn"].status == "unchanged"


def test_the_local_server_refuses_a_patch_of_a_field_the_method_does_not_change(server: ComputeServer) -> None:
    from google.cloud import compute_v1

    networks = _compute(server, "NetworksClient")
    networks.insert_unary(
        project=PROJECT, network_resource=compute_v1.Network(name="patched", auto_create_subnetworks=False)
    )
    with pytest.raises(Exception, match="patch changes only routingConfig"):
        networks.patch_unary(
            project=PROJECT, network="patched", network_resource=compute_v1.Network(description="another")
        )
    networks.patch_unary(
        project=PROJECT,
        network="patched",
        network_resource=compute_v1.Network(routing_config=compute_v1.NetworkRoutingConfig(routing_mode="GLOBAL")),
    )
    held = server.resource(f"projects/{PROJECT}/global/networks/patched")
    assert held is not None and held["routingConfig"] == {"routingMode": "GLOBAL"}


def test_an_immutable_change_needs_allow_replace(
    knobs_dir: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    _synth(knobs_dir, "kn", cidr="10.30.0.0/24")
    (planned,) = ik.plan(str(knobs_dir), settings=settings)
    replaced = {c.logical_id for c in planned.changes if c.replacement == "True"}
    assert replaced == {"subnet", "vm"}  # the VM uses the subnetwork: it is replaced with it
    refused = _deploy(knobs_dir, settings)
    assert refused.instances["kn"].status == "failed"
    assert "subnet (compute.v1.subnetwork): replaced" in refused.instances["kn"].message
    assert "--allow-replace" in refused.instances["kn"].message
    subnet_path = _path("kn", "subnetworks", "subnet", "regions/europe-west1")
    assert server.resource(subnet_path)["ipCidrRange"] == "10.20.0.0/24"  # type: ignore[index]
    done = _deploy(knobs_dir, settings, allow_replace=True)
    assert done.instances["kn"].status == "updated", done.instances["kn"].message
    assert server.resource(subnet_path)["ipCidrRange"] == "10.30.0.0/24"  # type: ignore[index]
    _synth(knobs_dir, "kn")
    assert _deploy(knobs_dir, settings, allow_replace=True).instances["kn"].status == "updated"


def test_a_removed_resource_is_deleted_with_allow_replace(
    knobs_dir: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    fw = _path("kn", "firewalls", "fw")
    assert server.resource(fw) is not None
    _synth(knobs_dir, "kn", with_firewall=False)
    (planned,) = ik.plan(str(knobs_dir), settings=settings)
    assert [(c.logical_id, c.action) for c in planned.changes] == [("fw", "Remove")]
    assert _deploy(knobs_dir, settings).instances["kn"].status == "failed"
    assert server.resource(fw) is not None
    assert _deploy(knobs_dir, settings, allow_replace=True).instances["kn"].status == "updated"
    assert server.resource(fw) is None
    _synth(knobs_dir, "kn")
    assert _deploy(knobs_dir, settings).instances["kn"].status == "updated"
    assert server.resource(fw) is not None


def test_a_dropped_resource_that_uses_a_replaced_one_is_deleted_before_it(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "drop", with_address=True)
    assert _deploy(out, settings).instances["drop"].status == "created"
    _synth(out, "drop", cidr="10.30.0.0/24", with_address=False)  # the address used the old subnetwork
    result = _deploy(out, settings, allow_replace=True).instances["drop"]
    assert result.status == "updated", result.message
    assert server.resource(_path("drop", "addresses", "ip", "regions/europe-west1")) is None
    subnet = server.resource(_path("drop", "subnetworks", "subnet", "regions/europe-west1"))
    assert subnet is not None and subnet["ipCidrRange"] == "10.30.0.0/24"
    assert _deploy(out, settings).instances["drop"].status == "unchanged"


def test_a_replacement_whose_delete_fails_is_not_inserted_again(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "stuck")
    assert _deploy(out, settings).instances["stuck"].status == "created"
    _synth(out, "stuck", cidr="10.30.0.0/24")
    server.fail_next("delete", deployed_name("stuck", "subnet"), "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", "In use.")
    result = _deploy(out, settings, allow_replace=True).instances["stuck"]
    assert result.status == "failed"
    assert "resource subnet (compute.v1.subnetwork): delete failed: RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: In use." in (
        result.message
    )
    assert "insert failed" not in result.message, result.message
    subnet_path = _path("stuck", "subnetworks", "subnet", "regions/europe-west1")
    assert server.resource(subnet_path)["ipCidrRange"] == "10.20.0.0/24"  # type: ignore[index]
    again = _deploy(out, settings, allow_replace=True).instances["stuck"]
    assert again.status == "updated", again.message
    assert server.resource(subnet_path)["ipCidrRange"] == "10.30.0.0/24"  # type: ignore[index]


def test_an_output_changed_without_a_resource_change_is_stored(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "outs")
    assert _deploy(out, settings).instances["outs"].status == "created"
    _synth(out, "outs", network_output="subnet")  # the same resources, another output value
    (planned,) = ik.plan(str(out), settings=settings)
    assert (planned.action, planned.changes) == ("update", ())
    since = len(server.calls)
    result = _deploy(out, settings).instances["outs"]
    assert result.status == "updated", result.message
    assert [c for c in _mutations(server, since) if "setCommonInstanceMetadata" not in c] == []
    stored = deployed_outputs(str(out), settings=settings)["outs"]["network"]
    assert stored == result.outputs["network"] and "/subnetworks/" in stored
    assert _deploy(out, settings).instances["outs"].status == "unchanged"


def test_a_confirmed_plan_is_carried_out_and_one_that_changed_meanwhile_is_not(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    """Confirming on a terminal: the deployer plans again and carries out only the plan the
    user saw (an outputs-only update included); another run changing the instance while the
    question was asked makes it refuse, changing nothing."""
    out = _synth(tmp_path / "out", "asked")
    assert _deploy(out, settings).instances["asked"].status == "created"
    _synth(out, "asked", network_output="subnet")  # an outputs-only update: confirmed, carried out
    result = ik.deploy(str(out), settings=settings, confirm=lambda plan: plan.action == "update")
    assert result.instances["asked"].status == "updated", result.instances["asked"].message
    other = _synth(tmp_path / "other", "asked", network_output="subnet", with_firewall=False)
    _synth(out, "asked", network_output="subnet", label="green")

    def approve_while_another_run_removes_the_firewall(plan: InstancePlan) -> bool:
        assert [(c.logical_id, c.action) for c in plan.changes] == [("vm", "Modify")]
        assert _deploy(other, settings, allow_replace=True).instances["asked"].status == "updated"
        return True

    since = len(server.calls)
    refused = ik.deploy(str(out), settings=settings, confirm=approve_while_another_run_removes_the_firewall)
    outcome = refused.instances["asked"]
    assert outcome.status == "failed" and "changed after you confirmed its plan" in outcome.message
    # The other run's changes only: the label was not set, the firewall not put back.
    mutations = _mutations(server, since)
    assert any(c.startswith("FirewallsClient.delete ") for c in mutations)  # the other run's
    assert [c for c in mutations if c.startswith(("InstancesClient.set_labels ", "FirewallsClient.insert "))] == []


# --- failures, concurrency -------------------------------------------------------------------


def test_an_operation_error_is_reported_and_dependents_are_skipped(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "opfail")
    server.fail_next("insert", deployed_name("opfail", "subnet"), "QUOTA_EXCEEDED", "Quota 'SUBNETWORKS' exceeded.")
    result = _deploy(out, settings).instances["opfail"]
    assert result.status == "failed"
    assert "resource subnet (compute.v1.subnetwork): insert failed: QUOTA_EXCEEDED: Quota 'SUBNETWORKS' exceeded." in (
        result.message
    )
    assert "resource vm (compute.v1.instance): skipped, it depends on subnet" in result.message
    assert server.resource(_path("opfail", "firewalls", "fw")) is not None  # independent of the failure
    assert server.resource(_path("opfail", "instances", "vm", f"zones/{ZONE}")) is None
    retried = _deploy(out, settings).instances["opfail"]
    assert retried.status == "updated", retried.message
    assert server.resource(_path("opfail", "instances", "vm", f"zones/{ZONE}")) is not None


def test_a_failed_update_keeps_the_outputs_the_resources_still_give(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "keepout")
    first = _deploy(out, settings).instances["keepout"]
    assert first.status == "created"
    _synth(out, "keepout", label="green")
    server.fail_next("set_labels", deployed_name("keepout", "vm"))
    assert _deploy(out, settings).instances["keepout"].status == "failed"
    assert deployed_outputs(str(out), settings=settings)["keepout"] == dict(first.outputs)


def test_concurrent_deploys_of_one_instance_give_one_clear_error(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "conc")
    started, go_on = threading.Event(), threading.Event()
    first: list[DeployResult] = []

    def slow(line: str) -> None:
        if "creating" in line and not started.is_set():
            started.set()
            go_on.wait(30)

    thread = threading.Thread(target=lambda: first.append(_deploy(out, settings, report=slow)))
    thread.start()
    try:
        assert started.wait(30)
        second = _deploy(out, settings).instances["conc"]
    finally:
        go_on.set()
        thread.join(60)
    assert second.status == "failed"
    assert "instance 'conc' is being deployed by another run" in second.message
    assert first[0].instances["conc"].status == "created"
    assert _deploy(out, settings).instances["conc"].status == "unchanged"


def test_a_lock_taken_over_mid_deploy_is_a_clear_error(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "lost")
    seen: list[str] = []

    def meddle(line: str) -> None:
        if "creating" in line and not seen:
            seen.append(line)
            GcpDeployer(settings).unlock("knobs", "lost")  # as an operator would, for a run they thought dead

    result = _deploy(out, settings, report=meddle).instances["lost"]
    assert result.status == "failed"
    assert "its state changed while this deploy ran" in result.message


def test_a_name_taken_by_something_else_is_a_clear_error(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import compute_v1

    networks = compute_v1.NetworksClient(
        credentials=AnonymousCredentials(), transport="rest", client_options={"api_endpoint": server.endpoint}
    )
    networks.insert_unary(project=PROJECT, network_resource=compute_v1.Network(name=deployed_name("taken", "net")))
    out = _synth(tmp_path / "out", "taken")
    result = _deploy(out, settings).instances["taken"]
    assert result.status == "failed"
    assert "'taken-net', which already exists in project 'deploy-test' and does not belong to this instance" in (
        result.message
    )


@pytest.mark.parametrize("value", ["not json", "[1, 2]", '{"app": "knobs"}'])
def test_a_metadata_item_of_the_state_key_that_is_not_state_is_a_clear_error(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings, value: str
) -> None:
    from google.cloud import compute_v1

    projects = _compute(server, "ProjectsClient")
    current = projects.get(project=PROJECT).common_instance_metadata
    items = [i for i in current.items if i.key != state_key("knobs", "alien")]
    items.append(compute_v1.Items(key=state_key("knobs", "alien"), value=value))
    projects.set_common_instance_metadata_unary(
        project=PROJECT, metadata_resource=compute_v1.Metadata(fingerprint=current.fingerprint, items=items)
    )
    out = _synth(tmp_path / "out", "alien")
    result = _deploy(out, settings).instances["alien"]
    assert result.status == "failed"
    assert "the project metadata item 'infrakit-knobs--alien' is not infrakit state" in result.message


def test_rate_limits_are_retried(tmp_path: Path, server: ComputeServer, settings: DeploySettings) -> None:
    out = _synth(tmp_path / "out", "busy")
    server.throttle_next(3)
    GcpDeployer.backoff, saved = 0.001, GcpDeployer.backoff
    try:
        assert _deploy(out, settings).instances["busy"].status == "created"
    finally:
        GcpDeployer.backoff = saved
    assert server.throttled == 3


def test_a_lost_answer_is_sent_again_with_its_request_id_and_carried_out_once(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "lossy")
    name = deployed_name("lossy", "net")
    server.lose_answer_next("insert", name)
    since = len(server.calls)
    GcpDeployer.backoff, saved = 0.001, GcpDeployer.backoff
    try:
        result = _deploy(out, settings).instances["lossy"]
    finally:
        GcpDeployer.backoff = saved
    assert result.status == "created", result.message
    assert server.calls[since:].count(f"NetworksClient.insert projects/{PROJECT}/global/networks") == 2  # sent again
    assert _deploy(out, settings).instances["lossy"].status == "unchanged"


def test_destroy_leaves_nothing(tmp_path: Path, server: ComputeServer, settings: DeploySettings) -> None:
    out = _synth(tmp_path / "out", "gone")
    assert _deploy(out, settings).instances["gone"].status == "created"
    assert any("/gone-" in p for p in server.resources(PROJECT))
    result = ik.destroy(str(out), yes=True, settings=settings)
    assert result.instances["gone"].status == "deleted"
    assert not any("/gone-" in p for p in server.resources(PROJECT))
    assert deployed_outputs(str(out), settings=settings) == {}
    assert ik.destroy(str(out), yes=True, settings=settings).instances["gone"].status == "unchanged"


def test_long_instance_names_get_distinct_state_keys_within_the_metadata_limit() -> None:
    app = "a" * 50
    one, two = state_key(app, "b" * 99 + "1"), state_key(app, "b" * 99 + "2")
    assert one != two
    assert len(one) <= 128 and len(two) <= 128
    assert state_key(app, "b" * 99 + "1") == one  # stable
    assert state_key("web", "web-dev") == "infrakit-web--web-dev"


# --- choosing methods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "changed", "methods"),
    [
        ("compute.v1.instance", {"labels"}, ["set_labels"]),
        ("compute.v1.instance", {"metadata"}, ["set_metadata"]),
        ("compute.v1.instance", {"tags"}, ["set_tags"]),
        ("compute.v1.instance", {"machineType"}, ["set_machine_type"]),
        ("compute.v1.instance", {"scheduling"}, ["set_scheduling"]),
        ("compute.v1.instance", {"labels", "tags"}, ["set_labels", "set_tags"]),
        ("compute.v1.instance", {"labels", "description"}, ["set_labels", "update"]),
        ("compute.v1.network", {"routingConfig"}, ["patch"]),
        ("compute.v1.firewall", {"sourceRanges"}, ["patch"]),
        ("compute.v1.subnetwork", {"privateIpGoogleAccess"}, ["set_private_ip_google_access"]),
        ("compute.v1.address", {"labels"}, ["set_labels"]),
        ("compute.v1.disk", {"labels"}, ["set_labels"]),
    ],
)
def test_each_kind_of_change_picks_the_method_the_client_has(
    type_name: str, changed: set[str], methods: list[str]
) -> None:
    chosen = choose_methods(type_name, changed)
    assert chosen is not None and [m[0] for m in chosen] == methods


@pytest.mark.parametrize(
    ("type_name", "changed"),
    [
        ("compute.v1.instance", {"zone"}),  # where it lives
        ("compute.v1.subnetwork", {"ipCidrRange"}),  # documented as fixed at creation
        ("compute.v1.address", {"description"}),  # no patch or update for addresses
        ("compute.v1.route", {"priority"}),  # routes have no in-place method at all
        ("compute.v1.network", {"description"}),  # its patch changes only routingConfig
        ("compute.v1.image", {"labels", "sourceDisk"}),  # labels by setLabels; its patch not sourceDisk
    ],
)
def test_a_change_no_method_makes_is_a_replacement(type_name: str, changed: set[str]) -> None:
    assert choose_methods(type_name, changed) is None


# --- connection ---------------------------------------------------------------------------


def test_without_google_cloud_compute_the_deployer_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import google.cloud

    from infrakit.errors import DeployError

    monkeypatch.setitem(sys.modules, "google.cloud.compute_v1", None)  # as if not installed
    monkeypatch.delattr(google.cloud, "compute_v1", raising=False)
    with pytest.raises(DeployError, match=r"needs google-cloud-compute.*pip install 'infrakit\[gcp\]'"):
        GcpDeployer(DeploySettings(project="p"))


def test_the_endpoint_must_be_loopback_when_plain_http() -> None:
    from infrakit.errors import DeployError

    with pytest.raises(DeployError, match="plain http on a non-loopback host"):
        GcpDeployer(DeploySettings(project="p", gcp_endpoint="http://example.com"))


def test_the_cli_plans_deploys_and_prints_outputs_of_a_gcp_instance(
    tmp_path: Path, server: ComputeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from infrakit import cli

    out = str(_synth(tmp_path / "out", "cli"))
    where = ["--project", PROJECT, "--gcp-endpoint", server.endpoint]
    assert cli.main(["plan", out, "--json", *where]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert planned["instances"][0]["action"] == "create"
    assert {c["logical_id"] for c in planned["instances"][0]["changes"]} == {"net", "subnet", "fw", "vm"}
    assert cli.main(["deploy", out, "--yes", *where]) == 0
    capsys.readouterr()
    assert cli.main(["outputs", out, "--json", *where]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["cli"]["network"].endswith(f"/global/networks/{deployed_name('cli', 'net')}")


def test_an_api_error_is_reported_with_its_status_not_as_a_traceback(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "refused")
    server.throttle_next(GcpDeployer.retries + 1)
    GcpDeployer.backoff, saved = 0.001, GcpDeployer.backoff
    try:
        result = _deploy(out, settings).instances["refused"]
    finally:
        GcpDeployer.backoff = saved
    assert result.status == "failed"
    assert "the Compute API refused a request of project 'deploy-test': HTTP 429 rateLimitExceeded" in result.message
    assert "Traceback" not in result.message


@ik.inputs
class SecretInputs:
    token: ik.Param[str] = ik.param(secret=True)


@ik.outputs
class SecretOutputs:
    network: ik.Out[str]


class Leaky(ik.Component[SecretInputs, SecretOutputs]):
    """A network whose description carries a secret."""

    def build(self, inputs: SecretInputs) -> SecretOutputs:
        from infrakit import gcp

        net = self.add(compute.Network("net", description=gcp.sub("token {t}", t=inputs.token)))
        return SecretOutputs(network=net.ref)


def test_a_secret_is_never_stored_in_the_project_state(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    import json

    app = ik.App("leaky")
    app.add("leaky", Leaky)
    out = str(tmp_path / "out")
    app.synth(out)
    secret = "s3cr3t-never-stored-9x"
    result = ik.deploy(out, yes=True, settings=settings, parameters={"leaky.token": secret}).instances["leaky"]
    assert result.status == "created", result.message
    project = server.resource(f"projects/{PROJECT}")
    assert project is not None
    state = next(
        i["value"] for i in project["commonInstanceMetadata"]["items"] if i["key"] == state_key("leaky", "leaky")
    )
    assert secret not in state
    assert set(json.loads(state)["outputs"]) == {"network"}
    assert json.loads(state)["resources"][0]["fields"]["description"]  # a digest of it, not it


def _state_of(server: ComputeServer, app: str, instance: str) -> dict[str, Any]:
    import json

    project = server.resource(f"projects/{PROJECT}")
    assert project is not None
    items = project["commonInstanceMetadata"]["items"]
    found: dict[str, Any] = json.loads(next(i["value"] for i in items if i["key"] == state_key(app, instance)))
    return found


def test_a_field_holding_a_secret_is_digested_slowly_and_still_tells_a_change(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    """The state is readable by whoever may read the project: a field holding a secret gets a
    slow digest (scrypt), so a weak secret is not recovered by trying guesses quickly; the
    other fields keep the fast one. A redeploy with the same secret changes nothing; another
    secret is a change."""
    import hashlib
    import json

    app = ik.App("weak")
    app.add("weak", Leaky)
    out = str(tmp_path / "out")
    app.synth(out)
    weak = "hunter2"

    def deploy(secret: str) -> str:
        # (the secret is in the network's description: a new one replaces the network)
        result = ik.deploy(
            out, yes=True, settings=settings, parameters={"weak.token": secret}, allow_replace=True
        ).instances["weak"]
        assert result.status != "failed", result.message
        return result.status

    assert deploy(weak) == "created"
    state = _state_of(server, "weak", "weak")
    fields = state["resources"][0]["fields"]
    text = json.dumps(f"token {weak}", separators=(",", ":"))
    assert fields["description"].startswith("k:") and len(fields["description"]) == 34
    assert hashlib.sha256(f"{state['salt']}:{text}".encode()).hexdigest()[:16] not in json.dumps(state)
    assert [k for k, d in fields.items() if d.startswith("k:")] == ["description"]  # the others: fast digests
    assert len(fields) > 1
    assert deploy(weak) == "unchanged"
    assert deploy("correct horse battery staple") == "updated"


def test_a_state_written_with_the_plain_digest_of_a_secret_field_is_not_a_change(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    import json

    from infrakit.gcp import _deploy as gcp_deploy

    app = ik.App("older")
    app.add("older", Leaky)
    out = str(tmp_path / "out")
    app.synth(out)
    values = {"older.token": "s3cr3t-of-an-older-state"}
    assert ik.deploy(out, yes=True, settings=settings, parameters=values).instances["older"].status == "created"
    # The state as infrakit wrote it before secret-bearing fields were digested with scrypt.
    state = _state_of(server, "older", "older")
    text = "token s3cr3t-of-an-older-state"
    state["resources"][0]["fields"]["description"] = gcp_deploy._digest(state["salt"], text)
    from google.cloud import compute_v1

    projects = _compute(server, "ProjectsClient")
    current = projects.get(project=PROJECT).common_instance_metadata
    items = [i for i in current.items if i.key != state_key("older", "older")]
    items.append(compute_v1.Items(key=state_key("older", "older"), value=json.dumps(state)))
    projects.set_common_instance_metadata_unary(
        project=PROJECT, metadata_resource=compute_v1.Metadata(fingerprint=current.fingerprint, items=items)
    )
    assert _state_of(server, "older", "older") == state  # the older form is what the project holds now
    assert ik.deploy(out, yes=True, settings=settings, parameters=values).instances["older"].status == "unchanged"


@ik.outputs
class MetadataOutputs:
    metadata: ik.Out[dict[str, object]]


class LeakyVm(ik.Component[SecretInputs, MetadataOutputs]):
    """A VM whose metadata carries a secret, and an output of its whole metadata (JSON text)."""

    def build(self, inputs: SecretInputs) -> MetadataOutputs:
        vm = self.add(
            compute.Instance(
                "vm",
                zone=ZONE,
                machine_type=f"zones/{ZONE}/machineTypes/e2-small",
                metadata=compute.Metadata(items=[compute.Items(key="token", value=inputs.token)]),
            )
        )
        return MetadataOutputs(metadata=vm.attrs.metadata)


def test_a_secret_in_an_output_written_as_json_is_not_stored_either(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    import json

    app = ik.App("leaky-vm")
    app.add("leaky-vm", LeakyVm)
    out = str(tmp_path / "out")
    app.synth(out)
    secret = 'pässwörd "quoted"'  # JSON text writes it escaped: "p\u00e4ssw\u00f6rd \"quoted\""
    result = ik.deploy(out, yes=True, settings=settings, parameters={"leaky-vm.token": secret})
    assert result.instances["leaky-vm"].status == "created", result.instances["leaky-vm"].message
    project = server.resource(f"projects/{PROJECT}")
    assert project is not None
    key = state_key("leaky-vm", "leaky-vm")
    state = next(i["value"] for i in project["commonInstanceMetadata"]["items"] if i["key"] == key)
    assert json.loads(state)["outputs"] == {}
    assert "p\\u00e4ssw" not in state and secret not in state


def _compute(server: ComputeServer, client: str) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import compute_v1

    return getattr(compute_v1, client)(
        credentials=AnonymousCredentials(), transport="rest", client_options={"api_endpoint": server.endpoint}
    )


def test_drift_made_outside_infrakit_is_put_back(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    from google.cloud import compute_v1

    out = _synth(tmp_path / "out", "drift")
    assert _deploy(out, settings).instances["drift"].status == "created"
    instances = _compute(server, "InstancesClient")
    vm = instances.get(project=PROJECT, zone=ZONE, instance=deployed_name("drift", "vm"))
    request = compute_v1.InstancesSetLabelsRequest(labels={"color": "hacked"}, label_fingerprint=vm.label_fingerprint)
    instances.set_labels_unary(
        project=PROJECT, zone=ZONE, instance=deployed_name("drift", "vm"), instances_set_labels_request_resource=request
    )
    (planned,) = ik.plan(str(out), settings=settings)
    assert [(c.logical_id, c.properties, c.methods) for c in planned.changes] == [("vm", ("labels",), ("set_labels",))]
    assert _deploy(out, settings).instances["drift"].status == "updated"
    assert server.resource(_path("drift", "instances", "vm", f"zones/{ZONE}"))["labels"] == {"color": "blue"}  # type: ignore[index]


def test_a_resource_deleted_outside_infrakit_is_created_again(
    tmp_path: Path, server: ComputeServer, settings: DeploySettings
) -> None:
    out = _synth(tmp_path / "out", "gone-fw")
    assert _deploy(out, settings).instances["gone-fw"].status == "created"
    _compute(server, "FirewallsClient").delete_unary(project=PROJECT, firewall=deployed_name("gone-fw", "fw"))
    (planned,) = ik.plan(str(out), settings=settings)
    assert [(c.logical_id, c.action) for c in planned.changes] == [("fw", "Add")]
    assert _deploy(out, settings).instances["gone-fw"].status == "updated"
    assert server.resource(_path("gone-fw", "firewalls", "fw")) is not None


def test_the_project_and_endpoint_come_from_the_environment(
    tmp_path: Path, server: ComputeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "from-env")
    monkeypatch.setenv("INFRAKIT_COMPUTE_ENDPOINT", server.endpoint)
    deployer = GcpDeployer(DeploySettings())
    assert (deployer.project, deployer.endpoint) == ("from-env", server.endpoint)
    out = _synth(tmp_path / "out", "envy")
    assert ik.deploy(str(out), yes=True).instances["envy"].status == "created"
    assert any(p.startswith("projects/from-env/global/networks/envy-net") for p in server.resources("from-env"))


def test_an_assembly_synthesized_as_yaml_deploys_and_redeploys_unchanged(
    tmp_path: Path, settings: DeploySettings
) -> None:
    """Templates written with ``synth --format yaml`` are read as YAML (the deployer read
    every compute template as JSON)."""
    out = tmp_path / "out"
    app = ik.App("knobs")
    app.add("yaml-vm", Knobs, KnobsInputs())
    app.synth(str(out), format="yaml")
    assert (out / "yaml-vm.compute.yaml").is_file()
    assert {r.status for r in _deploy(out, settings).instances.values()} == {"created"}
    assert {r.status for r in _deploy(out, settings).instances.values()} == {"unchanged"}
    assert ik.destroy(str(out), yes=True, settings=settings).ok
