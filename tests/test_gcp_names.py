"""Per-instance GCP names: what a resource is called in the project, and collisions in an app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import infrakit as ik
from infrakit.errors import SynthError
from infrakit.gcp import compute
from infrakit.gcp._names import deployed_name

_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")


@ik.inputs
class NetInputs:
    name: str = "net"


@ik.outputs
class NetOutputs:
    network: ik.Out[str]


class Net(ik.Component[NetInputs, NetOutputs]):
    """One network."""

    def build(self, inputs: NetInputs) -> NetOutputs:
        return NetOutputs(network=self.add(compute.Network(inputs.name, auto_create_subnetworks=False)).ref)


def test_a_resource_is_named_after_its_instance() -> None:
    assert deployed_name("web-dev", "net") == "web-dev-net"
    assert deployed_name("web-prod", "net") == "web-prod-net"


def test_a_long_name_is_cut_and_ends_with_a_digest_of_the_full_one() -> None:
    instance = "an-instance-with-a-rather-long-name-for-production"
    one, two = (
        deployed_name(instance, "frontend-backend-service-a"),
        deployed_name(instance, "frontend-backend-service-b"),
    )
    assert len(one) == len(two) == 63
    assert one[:54] == two[:54] and one != two
    assert _NAME.match(one) and _NAME.match(two)
    assert deployed_name(instance, "frontend-backend-service-a") == one  # stable


def test_two_instances_of_one_component_do_not_collide(tmp_path: Path) -> None:
    app = ik.App("nets")
    app.add("dev", Net, NetInputs())
    app.add("prod", Net, NetInputs())
    assert sorted(app.synth(str(tmp_path / "out"))["instances"]) == ["dev", "prod"]


def test_two_instances_deploying_one_name_are_a_synth_error_naming_both(tmp_path: Path) -> None:
    app = ik.App("nets")
    app.add("web", Net, NetInputs(name="eu-net"))
    app.add("web-eu", Net, NetInputs(name="net"))
    with pytest.raises(SynthError) as caught:
        app.synth(str(tmp_path / "out"))
    message = str(caught.value)
    assert "instances 'web' and 'web-eu' would both deploy global/networks/web-eu-net" in message
    assert "resource 'eu-net' of 'web', resource 'net' of 'web-eu'" in message
    assert not (tmp_path / "out").exists()
