"""The GCP catalogue at runtime: type listing, lookup, lazy classes and import cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import infrakit.gcp as gcp
from infrakit._expr import GetAtt, Ref
from infrakit._resource import PropertyType
from infrakit.errors import DefinitionError
from infrakit.gcp import compute
from infrakit.gcp._catalog import GcpResource

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout


def test_resource_types_are_sorted_unique_compute_type_names() -> None:
    types = gcp.RESOURCE_TYPES
    assert isinstance(types, tuple)
    assert list(types) == sorted(set(types))
    assert len(types) == 93
    assert all(t.startswith("compute.v1.") for t in types)
    assert {"compute.v1.instance", "compute.v1.globalAddress", "compute.v1.regionDisk"} <= set(types)


@pytest.mark.parametrize("type_name", gcp.RESOURCE_TYPES)
def test_every_resource_type_resolves_to_its_class(type_name: str) -> None:
    cls = gcp.resource_class(type_name)
    assert issubclass(cls, GcpResource)
    assert cls.resource_type == type_name
    assert cls.__module__ == "infrakit.gcp.compute"
    assert getattr(compute, cls.__name__) is cls


def test_an_unknown_resource_type_suggests_the_closest() -> None:
    with pytest.raises(
        DefinitionError, match=r"unknown GCP resource type 'compute\.v1\.instanse'.*compute\.v1\.instance"
    ):
        gcp.resource_class("compute.v1.instanse")


def test_an_unknown_class_in_the_module_suggests_the_closest() -> None:
    with pytest.raises(AttributeError, match=r"no resource or message 'Instanse'.*`Instance`"):
        compute.Instanse  # type: ignore[attr-defined]  # noqa: B018


def test_classes_are_built_once_and_cached() -> None:
    assert compute.Instance is compute.Instance
    assert "Instance" in vars(compute)
    assert "Instance" in dir(compute) and "AttachedDisk" in dir(compute)


def test_kinds_sharing_a_message_are_distinct_classes() -> None:
    assert (compute.Address.resource_type, compute.Address.scope) == ("compute.v1.address", "region")
    assert (compute.GlobalAddress.resource_type, compute.GlobalAddress.scope) == ("compute.v1.globalAddress", "global")
    assert compute.RegionDisk.resource_type == "compute.v1.regionDisk"
    assert issubclass(compute.ReservationMessage, PropertyType)


def test_nested_messages_are_module_level_classes() -> None:
    for name in ("AttachedDisk", "NetworkInterface", "Allowed", "AccessConfig"):
        cls = getattr(compute, name)
        assert issubclass(cls, PropertyType)
        assert cls.__qualname__ == name


def test_the_name_is_the_first_argument_and_ref_is_the_self_link() -> None:
    net = compute.Network("net", auto_create_subnetworks=False)
    assert net.name == net.logical_id == "net"
    assert isinstance(net.ref, Ref) and net.ref.type is str


def test_attributes_are_typed_expressions_of_json_names() -> None:
    vm = compute.Instance("vm", zone="europe-west1-b")
    self_link, ident = vm.attrs.self_link, vm.attrs.id
    assert isinstance(self_link, GetAtt) and (self_link.name, self_link.type) == ("selfLink", str)
    assert isinstance(ident, GetAtt) and (ident.name, ident.type) == ("id", int)
    assert "self_link" in dir(vm.attrs)


def test_the_scope_keyword_is_a_property_of_zonal_and_regional_kinds() -> None:
    assert compute.Instance("vm", zone="us-east1-b").zone == "us-east1-b"
    assert compute.Subnetwork("s", region="us-east1").region == "us-east1"


def test_importing_the_compute_module_does_not_import_compute_v1() -> None:
    modules = json.loads(
        run_python(
            "import sys, json\nimport infrakit.gcp.compute as c\nc.Instance, c.AttachedDisk\n"
            "print(json.dumps(sorted(sys.modules)))"
        )
    )
    assert "infrakit.gcp.compute" in modules
    assert [m for m in modules if m.startswith(("google.cloud", "google.protobuf", "proto"))] == []


def test_the_gcp_provider_is_registered_and_keeps_snake_case_names() -> None:
    from infrakit._provider import PROVIDERS
    from infrakit.gcp._provider import GCP

    assert PROVIDERS["gcp"] is GCP is compute.Network.provider
    assert (GCP.name, GCP.template_suffix) == ("gcp", ".compute.json")
    assert GCP.parameter_name("vpc_id") == GCP.output_name("vpc_id") == "vpc_id"
