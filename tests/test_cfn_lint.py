"""Every template the suite and the examples synthesize passes cfn-lint (no error, no warning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import SAMPLES, cfn_lint
from shop.monitoring import Monitoring, MonitoringInputs
from shop.network import Network, NetworkInputs
from shop.service import Service, ServiceInputs
from test_synth_aws import LINTED

import infrakit as ik

EXAMPLE_COMPONENTS = [
    ("network-az1", Network, NetworkInputs(az_count=1)),
    ("network-az2", Network, NetworkInputs(az_count=2)),
    ("network-az3-prod", Network, NetworkInputs(cidr="10.9.0.0/16", az_count=3, environment="prod")),
    ("network-az6", Network, NetworkInputs(az_count=6)),
    ("service-default", Service, None),
    ("service-unversioned-14d", Service, ServiceInputs(versioned=False, retention_days=14)),
    ("monitoring-default", Monitoring, None),
    ("monitoring-email", Monitoring, MonitoringInputs(email="ops@example.com", max_depth=5)),
]


@pytest.mark.parametrize(
    ("component", "inputs"),
    [(c, i) for _n, c, i in SAMPLES + LINTED + EXAMPLE_COMPONENTS],
    ids=[n for n, *_ in SAMPLES + LINTED + EXAMPLE_COMPONENTS],
)
def test_component_template_passes_cfn_lint(component, inputs):
    assert cfn_lint(ik.synth(component, inputs).to_dict()) == []


@pytest.fixture(scope="module")
def shop_assembly(tmp_path_factory) -> Path:
    from shop.app import app

    out = tmp_path_factory.mktemp("assembly") / "infrakit.out"
    app.synth(str(out), cache=False)
    return out


def _shop_instances() -> list[str]:
    from shop.app import app

    return list(app.instances)


@pytest.mark.parametrize("instance", _shop_instances())
def test_every_instance_of_the_shop_app_passes_cfn_lint(shop_assembly, instance):
    manifest = json.loads((shop_assembly / "manifest.json").read_text())
    template_file = shop_assembly / manifest["instances"][instance]["template"]
    assert cfn_lint(template_file.read_text()) == []


def test_cfn_lint_flags_a_broken_template():
    # A subnet without its required VpcId and a Ref to nothing: both CloudFormation errors.
    broken = ik.synth(Network, NetworkInputs(az_count=1)).to_dict()
    del broken["Resources"]["Subnet0"]["Properties"]["VpcId"]
    broken["Outputs"]["VpcId"]["Value"] = {"Ref": "NoSuchResource"}
    problems = cfn_lint(broken)
    assert any(p.startswith("E3003") and "VpcId" in p for p in problems), problems
    assert any(p.startswith("E6101") or "NoSuchResource" in p for p in problems), problems
