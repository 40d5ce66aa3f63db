"""GCP instances in apps: alone, beside AWS instances, wired through parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gcp_app  # examples/ is on sys.path (conftest)
import pytest
from gcp_app import Dns, DnsInputs
from gcp_network import WebNetwork, WebNetworkInputs
from helpers import cfn_lint

import infrakit as ik
from infrakit.errors import WiringError
from infrakit.gcp.validate import validate_template


def two_regions() -> ik.App:
    app = ik.App("web")
    app.add("web-eu", WebNetwork, WebNetworkInputs(prefix="web-eu", region="europe-west1"))
    app.add("web-us", WebNetwork, WebNetworkInputs(prefix="web-us", region="us-central1"))
    return app


def read(out: Path, name: str) -> Any:
    return json.loads((out / name).read_text())


def test_a_gcp_app_writes_compute_templates_listed_as_gcp_in_the_manifest(tmp_path: Path) -> None:
    manifest = two_regions().synth(str(tmp_path / "out"))
    assert sorted(manifest["instances"]) == ["web-eu", "web-us"]
    for name, entry in manifest["instances"].items():
        assert entry["provider"] == "gcp"
        assert entry["template"] == f"{name}.compute.json"
        assert entry["component"] == "gcp_network:WebNetwork"
        assert entry["outputs"] == ["network", "subnetwork", "instance", "external_ip"]
        assert entry["parameters"] == {"ssh_source_range": {"default": "35.235.240.0/20"}}


def test_each_region_gets_its_own_regional_resources(tmp_path: Path) -> None:
    out = tmp_path / "out"
    two_regions().synth(str(out))
    for name, region in (("web-eu", "europe-west1"), ("web-us", "us-central1")):
        template = read(out, f"{name}.compute.json")
        regions = {r["properties"]["region"] for r in template["resources"] if "region" in r["properties"]}
        zones = {r["properties"]["zone"] for r in template["resources"] if "zone" in r["properties"]}
        assert regions == {region}
        assert zones == {f"{region}-b"}
        assert all(r["name"].startswith(f"{name}-") for r in template["resources"])


def test_every_compute_template_of_the_app_parses_into_compute_v1_messages(tmp_path: Path) -> None:
    out = tmp_path / "out"
    two_regions().synth(str(out))
    for name in ("web-eu", "web-us"):
        assert validate_template(read(out, f"{name}.compute.json")) is None


def test_gcp_and_aws_instances_wire_through_parameters(tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = gcp_app.app.synth(str(out))
    dns = manifest["instances"]["dns-eu"]
    assert dns["provider"] == "aws"
    assert dns["parameters"] == {"Address": {"from": {"instance": "web-eu", "output": "external_ip"}}}
    assert dns["depends_on"] == ["web-eu"]
    template = read(out, "dns-eu.template.json")
    assert template["Parameters"]["Address"]["Type"] == "String"
    assert template["Resources"]["Record"]["Properties"]["ResourceRecords"] == [{"Ref": "Address"}]
    assert cfn_lint(template) == []
    assert manifest["instances"]["web-eu"]["provider"] == "gcp"


def test_changing_the_gcp_producer_leaves_the_aws_consumer_byte_identical(tmp_path: Path) -> None:
    def app(machine_type: str) -> ik.App:
        a = ik.App("web")
        web = a.add("web-eu", WebNetwork, WebNetworkInputs(prefix="web-eu", machine_type=machine_type))
        a.add("dns-eu", Dns, DnsInputs(address=web.outputs.external_ip))
        return a

    app("e2-small").synth(str(tmp_path / "a"))
    app("e2-medium").synth(str(tmp_path / "b"))
    assert (tmp_path / "a/web-eu.compute.json").read_bytes() != (tmp_path / "b/web-eu.compute.json").read_bytes()
    assert (tmp_path / "a/dns-eu.template.json").read_bytes() == (tmp_path / "b/dns-eu.template.json").read_bytes()


@pytest.mark.parametrize("integration", ["registry", "exports"])
def test_registry_and_exports_from_a_gcp_producer_are_refused(tmp_path: Path, integration: str) -> None:
    app = ik.App("web")
    web = app.add("web-eu", WebNetwork, WebNetworkInputs(prefix="web-eu"))
    app.add("dns-eu", Dns, DnsInputs(address=ik.wire(web.outputs.external_ip, integration=integration)))  # type: ignore[arg-type]
    with pytest.raises(WiringError, match=rf"web-eu.*{integration}.*AWS instances only"):
        app.synth(str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
