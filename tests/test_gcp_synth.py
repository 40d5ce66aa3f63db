"""Synthesizing GCP components into compute templates, and validating them with compute_v1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import infrakit as ik
from infrakit import gcp
from infrakit.gcp import compute
from infrakit.gcp.validate import TemplateValidationError, parse_template, validate_template

ROOT = Path(__file__).resolve().parent.parent


@ik.inputs
class NetInputs:
    region: str = "europe-west1"
    zone: str = "europe-west1-b"
    ssh_range: ik.Param[str] = "35.235.240.0/20"
    reverse: bool = False  # add the resources in reverse order (dependency order must not change)


@ik.outputs
class NetOutputs:
    network: ik.Out[str]
    external_ip: ik.Out[str]
    instance_id: ik.Out[int]


class Net(ik.Component[NetInputs, NetOutputs]):
    """A custom-mode network with a VM."""

    def build(self, inputs: NetInputs) -> NetOutputs:
        net = compute.Network("net", auto_create_subnetworks=False, mtu=1460)
        subnet = compute.Subnetwork("subnet", region=inputs.region, network=net.ref, ip_cidr_range="10.0.0.0/24")
        ssh = compute.Firewall(
            "allow-ssh",
            network=net.ref,
            direction="INGRESS",
            allowed=[compute.Allowed(ip_protocol="tcp", ports=["22"])],
            source_ranges=[inputs.ssh_range],
        )
        web = compute.Firewall(
            "allow-web",
            network=net.ref,
            allowed=[compute.Allowed(ip_protocol="tcp", ports=["80", "443"])],
            source_ranges=["0.0.0.0/0"],
            target_tags=["web"],
        )
        address = compute.Address("ip", region=inputs.region, address_type="EXTERNAL")
        vm = compute.Instance(
            "vm",
            zone=inputs.zone,
            machine_type=f"zones/{inputs.zone}/machineTypes/e2-small",
            tags=compute.Tags(items=["web"]),
            disks=[
                compute.AttachedDisk(
                    boot=True,
                    auto_delete=True,
                    initialize_params=compute.AttachedDiskInitializeParams(
                        source_image="projects/debian-cloud/global/images/family/debian-12", disk_size_gb=20
                    ),
                )
            ],
            network_interfaces=[
                compute.NetworkInterface(
                    subnetwork=subnet.ref,
                    access_configs=[compute.AccessConfig(type="ONE_TO_ONE_NAT", nat_ip=address.attrs.address)],
                )
            ],
            depends_on=[web],
        )
        resources = [net, subnet, ssh, web, address, vm]
        for resource in reversed(resources) if inputs.reverse else resources:
            self.add(resource)
        return NetOutputs(network=net.ref, external_ip=address.attrs.address, instance_id=vm.attrs.id)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    body: dict[str, Any] = ik.synth(Net, NetInputs()).to_dict()
    return body


def resource(template: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in template["resources"] if r["name"] == name]
    assert len(found) == 1
    return found[0]


# --------------------------------------------------------------------------- shape


def test_a_compute_template_has_parameters_resources_and_outputs(template: dict[str, Any]) -> None:
    assert list(template) == ["description", "parameters", "resources", "outputs"]
    assert template["description"] == "Net: A custom-mode network with a VM."
    assert ik.synth(Net, NetInputs()).provider == "gcp"


def test_resources_carry_their_name_type_and_api_properties(template: dict[str, Any]) -> None:
    assert resource(template, "net") == {
        "name": "net",
        "type": "compute.v1.network",
        "properties": {"autoCreateSubnetworks": False, "mtu": 1460},
    }
    assert resource(template, "subnet")["properties"] == {
        "region": "europe-west1",
        "ipCidrRange": "10.0.0.0/24",
        "network": "$(ref.net.selfLink)",
    }


def test_nested_messages_render_under_their_json_names(template: dict[str, Any]) -> None:
    ssh = resource(template, "allow-ssh")["properties"]
    assert ssh["allowed"] == [{"IPProtocol": "tcp", "ports": ["22"]}]
    assert ssh["direction"] == "INGRESS"
    vm = resource(template, "vm")["properties"]
    assert vm["zone"] == "europe-west1-b"
    assert vm["machineType"] == "zones/europe-west1-b/machineTypes/e2-small"
    assert vm["tags"] == {"items": ["web"]}
    assert vm["networkInterfaces"] == [
        {
            "accessConfigs": [{"natIP": "$(ref.ip.address)", "type": "ONE_TO_ONE_NAT"}],
            "subnetwork": "$(ref.subnet.selfLink)",
        }
    ]


def test_int64_fields_render_as_decimal_strings_and_int32_as_numbers(template: dict[str, Any]) -> None:
    [disk] = resource(template, "vm")["properties"]["disks"]
    assert disk == {
        "autoDelete": True,
        "boot": True,
        "initializeParams": {
            "diskSizeGb": "20",
            "sourceImage": "projects/debian-cloud/global/images/family/debian-12",
        },
    }
    assert resource(template, "net")["properties"]["mtu"] == 1460


@ik.inputs
class LicenseInputs:
    code: ik.Param[int] = 5


@ik.outputs
class DiskOutputs:
    disk: ik.Out[str]


class Licensed(ik.Component[LicenseInputs, DiskOutputs]):
    """Two disks whose int64 list field mixes a value and a parameter."""

    def build(self, inputs: LicenseInputs) -> DiskOutputs:
        zone = "europe-west1-b"
        plain = self.add(compute.Disk("plain", zone=zone, license_codes=[7, inputs.code]))
        self.add(
            compute.Disk("wrapped", zone=zone, license_codes=ik.expr_list([7, inputs.code]), depends_on=[plain, plain])
        )
        return DiskOutputs(disk=plain.ref)


def test_int64_items_of_an_expression_list_render_as_decimal_strings() -> None:
    resources = ik.synth(Licensed).to_dict()["resources"]
    assert [r["properties"]["licenseCodes"] for r in resources] == [["7", "$(params.code)"]] * 2


def test_a_resource_named_twice_in_depends_on_is_listed_once() -> None:
    wrapped = ik.synth(Licensed).to_dict()["resources"][1]
    assert wrapped["metadata"] == {"dependsOn": ["plain"]}


def test_references_and_parameters_are_placeholders(template: dict[str, Any]) -> None:
    assert resource(template, "allow-web")["properties"]["network"] == "$(ref.net.selfLink)"
    assert resource(template, "allow-ssh")["properties"]["sourceRanges"] == ["$(params.ssh_range)"]
    assert template["parameters"] == [{"name": "ssh_range", "type": "string", "default": "35.235.240.0/20"}]
    assert template["outputs"] == [
        {"name": "network", "value": "$(ref.net.selfLink)"},
        {"name": "external_ip", "value": "$(ref.ip.address)"},
        {"name": "instance_id", "value": "$(ref.vm.id)"},
    ]


def test_explicit_depends_on_is_listed_in_metadata(template: dict[str, Any]) -> None:
    assert resource(template, "vm")["metadata"] == {"dependsOn": ["allow-web"]}
    assert "metadata" not in resource(template, "subnet")


def test_resources_come_in_dependency_order_ties_in_add_order(template: dict[str, Any]) -> None:
    names = [r["name"] for r in template["resources"]]
    assert names == ["net", "subnet", "allow-ssh", "allow-web", "ip", "vm"]
    reverse = ik.synth(Net, NetInputs(reverse=True)).to_dict()
    # Added vm, ip, allow-web, allow-ssh, subnet, net: each still comes after what it uses.
    assert [r["name"] for r in reverse["resources"]] == ["ip", "net", "allow-web", "allow-ssh", "subnet", "vm"]


def test_synthesizing_twice_gives_byte_identical_json() -> None:
    assert ik.synth(Net, NetInputs()).to_json() == ik.synth(Net, NetInputs()).to_json()


def test_synthesis_is_identical_across_hash_seeds() -> None:
    code = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "import infrakit as ik, test_gcp_synth as t\n"
        "print(ik.synth(t.Net, t.NetInputs()).to_json(), end='')"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == ik.synth(Net, NetInputs()).to_dict()


def test_yaml_reads_back_to_the_same_data(template: dict[str, Any]) -> None:
    import yaml

    assert yaml.safe_load(ik.synth(Net, NetInputs()).to_yaml()) == template


# --------------------------------------------------------------------------- validation


def test_every_resource_of_the_template_parses_into_its_compute_v1_message(template: dict[str, Any]) -> None:
    from google.cloud import compute_v1

    validate_template(template)  # raises if anything does not parse
    parsed = parse_template(template)
    assert sorted(parsed) == ["allow-ssh", "allow-web", "ip", "net", "subnet", "vm"]
    vm = parsed["vm"]
    assert isinstance(vm, compute_v1.Instance)
    assert vm.disks[0].initialize_params.disk_size_gb == 20
    assert vm.network_interfaces[0].subnetwork.endswith("/regions/europe-west1/subnetworks/subnet")
    assert isinstance(parsed["allow-ssh"], compute_v1.Firewall)
    assert parsed["allow-ssh"].allowed[0].I_p_protocol == "tcp"


def test_the_validator_takes_a_template_object_too() -> None:
    assert len(parse_template(ik.synth(Net, NetInputs()))) == 6


def test_the_validator_rejects_an_unknown_property(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    resource(bad, "vm")["properties"]["networkInterfaces"][0]["subnetwrk"] = "x"
    with pytest.raises(TemplateValidationError, match=r"'vm'.*networkInterfaces\[0\]\.subnetwrk.*`subnetwork`"):
        validate_template(bad)


def test_the_validator_rejects_a_value_of_the_wrong_type(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    resource(bad, "net")["properties"]["autoCreateSubnetworks"] = "no"
    with pytest.raises(TemplateValidationError, match=r"'net' \(compute\.v1\.network\).*autoCreateSubnetworks"):
        validate_template(bad)


def test_the_validator_rejects_a_reference_to_a_missing_resource(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    resource(bad, "subnet")["properties"]["network"] = "$(ref.nett.selfLink)"
    with pytest.raises(TemplateValidationError, match=r"'subnet'.*'nett'.*not in the template"):
        validate_template(bad)


def test_the_validator_rejects_a_zonal_resource_without_a_zone(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    del resource(bad, "vm")["properties"]["zone"]
    with pytest.raises(TemplateValidationError, match=r"'vm'.*need `zone`"):
        validate_template(bad)


def test_the_validator_rejects_two_resources_with_one_name(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    # Without the check, the second `net` would replace the first, which would go unchecked.
    bad["resources"].insert(0, {**resource(bad, "net"), "properties": {"autoCreateSubnetworks": "no"}})
    with pytest.raises(TemplateValidationError, match=r"resources\[1\]: a second resource named 'net'"):
        validate_template(bad)


def test_the_validator_rejects_an_invalid_resource_name(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    resource(bad, "ip")["name"] = "My_IP"
    with pytest.raises(TemplateValidationError, match=r"'My_IP' is not a valid Compute resource name"):
        validate_template(bad)


def test_the_validator_rejects_a_zone_naming_an_undeclared_parameter(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    resource(bad, "vm")["properties"]["zone"] = "$(params.zone)"
    with pytest.raises(TemplateValidationError, match=r"'vm'.*properties\.zone.*parameter 'zone'.*not declare"):
        validate_template(bad)


def test_the_validator_rejects_a_reference_to_a_field_the_resource_does_not_have(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    resource(bad, "vm")["properties"]["networkInterfaces"][0]["accessConfigs"][0]["natIP"] = "$(ref.ip.adress)"
    with pytest.raises(TemplateValidationError, match=r"field 'adress' of compute\.v1\.address 'ip'.*`address`"):
        validate_template(bad)
    bad["outputs"][0]["value"] = "$(ref.net.selfLnk)"
    resource(bad, "vm")["properties"]["networkInterfaces"][0]["accessConfigs"][0]["natIP"] = "$(ref.ip.address)"
    with pytest.raises(TemplateValidationError, match=r"output 'network'.*field 'selfLnk'.*`selfLink`"):
        validate_template(bad)


@pytest.mark.parametrize("text", ["$(ref.net)", "$(params.ssh_range.value)"])
def test_the_validator_rejects_a_malformed_placeholder(template: dict[str, Any], text: str) -> None:
    bad = json.loads(json.dumps(template))
    resource(bad, "allow-web")["properties"]["network"] = text
    with pytest.raises(TemplateValidationError, match=r"'allow-web'.*properties\.network.*placeholder is"):
        validate_template(bad)


def test_the_validator_rejects_properties_that_are_not_an_object(template: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(template))
    resource(bad, "net")["properties"] = ["autoCreateSubnetworks"]
    with pytest.raises(TemplateValidationError, match=r"'net'.*`properties` must be an object"):
        validate_template(bad)


def _sample(spec: Any, depth: int) -> Any:
    """A value for every kind of spec, nested messages filled to ``depth`` levels."""
    if spec == "str":
        return "sample"
    if spec == "int":
        return 1
    if spec == "float":
        return 0.5
    if spec == "bool":
        return True
    kind, arg = spec
    if kind == "enum":
        return arg[0]
    if kind == "list":
        item = _sample(arg, depth)
        return [] if item is None else [item]
    if kind == "map":
        item = _sample(arg, depth)
        return {} if item is None else {"key": item}
    if depth == 0:
        return None
    cls = getattr(compute, arg)
    return cls(**_filled(cls, depth - 1))


def _filled(cls: Any, depth: int) -> dict[str, Any]:
    values = {py: _sample(spec, depth) for py, _wire, spec, _req in cls._props}
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.parametrize("type_name", gcp.RESOURCE_TYPES)
def test_every_property_of_every_kind_parses_into_compute_v1(type_name: str) -> None:
    """Each kind, with every property (and nested messages two levels deep) set, validates."""
    cls = gcp.resource_class(type_name)

    @ik.inputs
    class NoInputs:
        pass

    @ik.outputs
    class NoOutputs:
        pass

    class One(ik.Component[NoInputs, NoOutputs]):
        def build(self, inputs: NoInputs) -> NoOutputs:
            self.add(cls("thing", **_filled(cls, 2)))
            return NoOutputs()

    parsed = parse_template(ik.synth(One))
    assert list(parsed) == ["thing"]


def _message_names() -> list[str]:
    from infrakit.gcp import compute as table  # the generated table

    return sorted(vars(table)["_MESSAGES"])


@pytest.mark.parametrize("name", _message_names())
def test_every_field_of_every_message_parses_into_compute_v1(name: str) -> None:
    """Each nested message, every field set (one level deep), renders to JSON its compute_v1 message parses."""
    import types

    from google.cloud import compute_v1

    from infrakit.gcp._render import _Renderer

    cls = getattr(compute, name)
    source = name if hasattr(compute_v1, name) else name.removesuffix("Message")
    rendered = _Renderer(types.SimpleNamespace(name="test")).props(cls(**_filled(cls, 1)), name)
    getattr(compute_v1, source).from_json(json.dumps(rendered), ignore_unknown_fields=False)
