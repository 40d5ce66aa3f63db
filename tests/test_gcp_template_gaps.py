"""Compute templates: nested attribute references, references inside text (gcp.sub), and
their deployment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import infrakit as ik
from infrakit import errors, gcp
from infrakit._deploy import DeploySettings
from infrakit.gcp import compute
from infrakit.gcp._names import deployed_name
from infrakit.gcp.validate import TemplateValidationError, validate_template
from infrakit.testing import compute_server
from infrakit.testing._compute_server import ComputeServer

ZONE = "europe-west1-b"


@ik.inputs
class EdgeInputs:
    port: ik.Param[int] = 8080


@ik.outputs
class EdgeOutputs:
    nat_ip: ik.Out[str]
    url: ik.Out[str]
    ip_of_address: ik.Out[str]


class Edge(ik.Component[EdgeInputs, EdgeOutputs]):
    """A VM on an ephemeral IP, and a second one told the first's address."""

    def build(self, inputs: EdgeInputs) -> EdgeOutputs:
        front = self.add(
            compute.Instance(
                "front",
                zone=ZONE,
                machine_type=f"zones/{ZONE}/machineTypes/e2-small",
                network_interfaces=[
                    compute.NetworkInterface(access_configs=[compute.AccessConfig(name="nat", type="ONE_TO_ONE_NAT")])
                ],
            )
        )
        nat_ip = front.attrs.network_interfaces[0].access_configs[0].nat_ip
        url = gcp.sub("http://{ip}:{port}/", ip=nat_ip, port=inputs.port)
        address = self.add(compute.Address("addr", region="europe-west1"))
        self.add(
            compute.Instance(
                "back",
                zone=ZONE,
                machine_type=f"zones/{ZONE}/machineTypes/e2-small",
                metadata=compute.Metadata(items=[compute.Items(key="frontend", value=url)]),
                labels={"peer": "front"},
                description=gcp.sub("reserved {a} for {name}", a=address.attrs.address, name=front.attrs.name),
            )
        )
        return EdgeOutputs(nat_ip=nat_ip, url=url, ip_of_address=address.attrs.address)


# --- synthesis ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template() -> dict[str, object]:
    return ik.synth(Edge).to_dict()


def test_a_nested_attribute_renders_as_a_field_path(template: dict[str, object]) -> None:
    outputs = {o["name"]: o["value"] for o in template["outputs"]}  # type: ignore[attr-defined]
    assert outputs["nat_ip"] == "$(ref.front.networkInterfaces[0].accessConfigs[0].natIP)"


def test_gcp_sub_writes_references_and_parameters_into_text(template: dict[str, object]) -> None:
    outputs = {o["name"]: o["value"] for o in template["outputs"]}  # type: ignore[attr-defined]
    assert outputs["url"] == "http://$(ref.front.networkInterfaces[0].accessConfigs[0].natIP):$(params.port)/"
    back = next(r for r in template["resources"] if r["name"] == "back")  # type: ignore[attr-defined]
    assert back["properties"]["description"] == "reserved $(ref.addr.address) for $(ref.front.name)"


def test_a_reference_inside_text_orders_the_resources(template: dict[str, object]) -> None:
    names = [r["name"] for r in template["resources"]]  # type: ignore[attr-defined]
    assert names.index("front") < names.index("back") and names.index("addr") < names.index("back")


def test_the_template_with_paths_and_text_validates(template: dict[str, object]) -> None:
    assert validate_template(template) is None


def test_the_validator_refuses_a_path_the_message_does_not_have(template: dict[str, object]) -> None:
    broken = json.loads(json.dumps(template))
    broken["outputs"][0]["value"] = "$(ref.front.networkInterfaces[0].accessConfig[0].natIP)"
    with pytest.raises(TemplateValidationError, match=r"field 'accessConfig'.*did you mean `accessConfigs`"):
        validate_template(broken)
    broken["outputs"][0]["value"] = "$(ref.front.name[0])"
    with pytest.raises(TemplateValidationError, match=r"indexes a field that is not a list"):
        validate_template(broken)


def test_the_validator_checks_references_inside_text(template: dict[str, object]) -> None:
    broken = json.loads(json.dumps(template))
    back = next(r for r in broken["resources"] if r["name"] == "back")
    back["properties"]["description"] = "near $(ref.adr.address)"
    with pytest.raises(TemplateValidationError, match=r"names resource 'adr'.*did you mean `addr`"):
        validate_template(broken)


def test_a_nested_field_named_like_an_expression_attribute_is_reached_by_subscript() -> None:
    vm = compute.Instance("vm", zone=ZONE)
    assert vm.attrs.network_interfaces[0].access_configs[0]["name"].name == (
        "networkInterfaces[0].accessConfigs[0].name"
    )


def test_a_wrong_step_is_an_error_naming_the_message() -> None:
    vm = compute.Instance("vm", zone=ZONE)
    with pytest.raises(errors.UnknownAttributeError, match=r"compute_v1.NetworkInterface has no field `acess_configs`"):
        _ = vm.attrs.network_interfaces[0].acess_configs
    with pytest.raises(errors.PropertyTypeError, match=r"takes a whole number from 0"):
        _ = vm.attrs.network_interfaces[-1]


def test_formatting_a_gcp_reference_suggests_gcp_sub() -> None:
    vm = compute.Instance("vm", zone=ZONE)
    with pytest.raises(errors.PropertyTypeError, match=r"infrakit\.gcp\.sub"):
        _ = f"http://{vm.attrs.network_interfaces[0].access_configs[0].nat_ip}/"
    with pytest.raises(errors.PropertyTypeError, match=r"infrakit\.gcp\.sub"):
        _ = "link: " + vm.ref  # type: ignore[operator]


def test_an_aws_function_in_a_gcp_component_suggests_gcp_sub() -> None:
    from infrakit.aws import fn

    class Broken(ik.Component[EdgeInputs, EdgeOutputs]):
        def build(self, inputs: EdgeInputs) -> EdgeOutputs:
            net = self.add(compute.Network("net", description=fn.sub("x-${AWS::Region}")))
            return EdgeOutputs(nat_ip=net.ref, url=gcp.sub("{p}", p=inputs.port), ip_of_address=net.ref)

    with pytest.raises(errors.SynthError, match=r"infrakit\.gcp\.sub\("):
        ik.synth(Broken)


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        ("http://{ip}/", {}, r"no value for `\{ip\}`"),
        ("http://{ip}/", {"ip": "1.2.3.4", "port": 80}, r"`port` is not used"),
        ("http://{ip/", {"ip": "x"}, r"literal braces"),
        ("{0}", {}, r"must be a plain name"),
    ],
)
def test_gcp_sub_refuses_text_and_values_that_do_not_match(text: str, values: dict[str, object], message: str) -> None:
    with pytest.raises(errors.DefinitionError, match=message):
        gcp.sub(text, **values)


# --- deployment -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[ComputeServer]:
    with compute_server() as running:
        yield running


def test_nested_references_and_text_resolve_from_the_deployed_resources(tmp_path: Path, server: ComputeServer) -> None:
    app = ik.App("edge")
    app.add("edge", Edge)
    out = str(tmp_path / "out")
    app.synth(out)
    settings = DeploySettings(project="edge", gcp_endpoint=server.endpoint)
    result = ik.deploy(out, yes=True, settings=settings).instances["edge"]
    assert result.status == "created", result.message
    front = server.resource(f"projects/edge/zones/{ZONE}/instances/{deployed_name('edge', 'front')}")
    back = server.resource(f"projects/edge/zones/{ZONE}/instances/{deployed_name('edge', 'back')}")
    address = server.resource(f"projects/edge/regions/europe-west1/addresses/{deployed_name('edge', 'addr')}")
    assert front and back and address
    nat_ip = front["networkInterfaces"][0]["accessConfigs"][0]["natIP"]
    assert result.outputs["nat_ip"] == nat_ip
    assert result.outputs["url"] == f"http://{nat_ip}:8080/"
    assert back["metadata"]["items"] == [{"key": "frontend", "value": f"http://{nat_ip}:8080/"}]
    assert back["description"] == f"reserved {address['address']} for {deployed_name('edge', 'front')}"
    assert ik.deploy(out, yes=True, settings=settings).instances["edge"].status == "unchanged"


# --- embedding without a prefix -------------------------------------------------------------


@ik.inputs
class SubnetInputs:
    network: ik.Param[str]
    name: str = "subnet"


@ik.outputs
class SubnetOutputs:
    subnetwork: ik.Out[str]


class Subnet(ik.Component[SubnetInputs, SubnetOutputs]):
    """One subnetwork of a given network."""

    def build(self, inputs: SubnetInputs) -> SubnetOutputs:
        subnet = self.add(
            compute.Subnetwork(inputs.name, region="europe-west1", network=inputs.network, ip_cidr_range="10.9.0.0/24")
        )
        return SubnetOutputs(subnetwork=subnet.ref)


@ik.inputs
class HostInputs:
    subnet_name: str = "subnet"


@ik.outputs
class HostOutputs:
    subnetwork: ik.Out[str]


class Host(ik.Component[HostInputs, HostOutputs]):
    """A network with an embedded subnetwork, embedded without a prefix."""

    def build(self, inputs: HostInputs) -> HostOutputs:
        net = self.add(compute.Network("net", auto_create_subnetworks=False))
        embedded = self.embed(Subnet, SubnetInputs(network=net.ref, name=inputs.subnet_name))
        return HostOutputs(subnetwork=embedded.subnetwork)


def test_embed_without_a_prefix_keeps_the_embedded_names() -> None:
    body = ik.synth(Host).to_dict()
    assert [r["name"] for r in body["resources"]] == ["net", "subnet"]  # type: ignore[index]
    assert body["resources"][1]["properties"]["network"] == "$(ref.net.selfLink)"  # type: ignore[index]
    assert validate_template(body) is None


def test_embed_without_a_prefix_refuses_a_name_used_twice() -> None:
    with pytest.raises(errors.LogicalIdError, match=r"duplicate logical id 'net'.*embed\(\.\.\., prefix=\.\.\.\)"):
        ik.synth(Host, HostInputs(subnet_name="net"))


def test_embed_with_a_prefix_still_prefixes() -> None:
    class Prefixed(ik.Component[HostInputs, HostOutputs]):
        def build(self, inputs: HostInputs) -> HostOutputs:
            net = self.add(compute.Network("net", auto_create_subnetworks=False))
            return HostOutputs(subnetwork=self.embed(Subnet, SubnetInputs(network=net.ref), prefix="Db").subnetwork)

    body = ik.synth(Prefixed).to_dict()
    assert [r["name"] for r in body["resources"]] == ["net", "db-subnet"]  # type: ignore[index]


def test_formatting_a_parameter_in_a_gcp_component_mentions_gcp_sub() -> None:
    class Formats(ik.Component[EdgeInputs, EdgeOutputs]):
        def build(self, inputs: EdgeInputs) -> EdgeOutputs:
            net = self.add(compute.Network("net", description=f"port {inputs.port}"))
            return EdgeOutputs(nat_ip=net.ref, url=net.ref, ip_of_address=net.ref)

    with pytest.raises(errors.PropertyTypeError, match=r"infrakit\.gcp\.sub"):
        ik.synth(Formats)
