"""``infrakit diff``'s ``affected``: a consumer is affected only when an output it consumes can
have a new value, read from the producer's old and new templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from infrakit._affected import affected_consumers
from infrakit._manifest import InstanceEntry, Manifest, ParameterEntry, WireSource


def _template(queue_props: dict[str, Any], bucket_props: dict[str, Any], *, param: bool = False) -> dict[str, Any]:
    resources = {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": queue_props},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": bucket_props},
    }
    template: dict[str, Any] = {
        "Resources": resources,
        "Outputs": {
            "QueueName": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}},
            "Label": {"Value": {"Fn::Sub": "${Bucket}-label"}},
        },
    }
    if param:
        template["Parameters"] = {"Name": {"Type": "String"}}
        resources["Queue"]["Properties"] = {**queue_props, "QueueName": {"Ref": "Name"}}
    return template


def _assembly(directory: Path, producer: dict[str, Any], middle: dict[str, Any], output: str) -> Manifest:
    directory.mkdir()
    consumer = {"Parameters": {"In": {"Type": "String"}}, "Resources": {}, "Outputs": {}}
    files = {"producer": producer, "middle": middle, "consumer": consumer}
    instances = {}
    for name, body in files.items():
        (directory / f"{name}.template.json").write_text(json.dumps(body))
        source = {"producer": None, "middle": ("producer", output), "consumer": ("middle", "QueueName")}[name]
        parameters = {}
        if source is not None:
            key = "Name" if name == "middle" else "In"
            parameters[key] = ParameterEntry(source=WireSource(*source))
        instances[name] = InstanceEntry(
            provider="aws",
            component=f"x:{name}",
            template=f"{name}.template.json",
            sha256=json.dumps(body, sort_keys=True),
            parameters=parameters,
            outputs=list(body.get("Outputs", {})),
            depends_on=[source[0]] if source else [],
        )
    return Manifest(app="a", instances=instances)


def test_a_change_the_consumed_output_does_not_refer_to_affects_no_one(tmp_path: Path) -> None:
    middle = _template({}, {}, param=True)
    old = _assembly(tmp_path / "old", _template({}, {"X": 1}), middle, "QueueName")
    new = _assembly(tmp_path / "new", _template({}, {"X": 2}), middle, "QueueName")
    assert affected_consumers(tmp_path / "old", tmp_path / "new", old, new, ["producer"]) == []


def test_a_change_behind_a_sub_reference_moves_the_output_and_its_consumers_transitively(tmp_path: Path) -> None:
    # producer.Label refers to the bucket through Fn::Sub; middle's queue name is built from
    # it, so middle's QueueName can move too, and consumer reads that.
    middle = _template({}, {}, param=True)
    old = _assembly(tmp_path / "old", _template({}, {"X": 1}), middle, "Label")
    new = _assembly(tmp_path / "new", _template({}, {"X": 2}), middle, "Label")
    assert affected_consumers(tmp_path / "old", tmp_path / "new", old, new, ["producer"]) == ["consumer", "middle"]


def test_a_wired_parameter_the_consumers_output_does_not_use_stops_the_chain(tmp_path: Path) -> None:
    # middle consumes the moved output, but its QueueName output does not refer to it.
    middle = _template({}, {})
    middle["Parameters"] = {"Name": {"Type": "String"}}
    old = _assembly(tmp_path / "old", _template({"D": 1}, {}), middle, "QueueName")
    new = _assembly(tmp_path / "new", _template({"D": 2}, {}), middle, "QueueName")
    assert affected_consumers(tmp_path / "old", tmp_path / "new", old, new, ["producer"]) == ["middle"]


def test_an_unreadable_template_counts_as_moving_every_output(tmp_path: Path) -> None:
    middle = _template({}, {}, param=True)
    old = _assembly(tmp_path / "old", _template({}, {"X": 1}), middle, "QueueName")
    new = _assembly(tmp_path / "new", _template({}, {"X": 2}), middle, "QueueName")
    (tmp_path / "new" / "producer.template.json").write_text("not json")
    assert affected_consumers(tmp_path / "old", tmp_path / "new", old, new, ["producer"]) == ["consumer", "middle"]


def test_a_rewired_parameter_moves_the_outputs_that_refer_to_it(tmp_path: Path) -> None:
    # Only middle changed (its Name now wired from producer.Label, not QueueName: the same
    # template, another value); its QueueName output is built from Name, so consumer is hit.
    middle = _template({}, {}, param=True)
    old = _assembly(tmp_path / "old", _template({}, {}), middle, "QueueName")
    new = _assembly(tmp_path / "new", _template({}, {}), middle, "Label")
    assert affected_consumers(tmp_path / "old", tmp_path / "new", old, new, ["middle"]) == ["consumer"]


def test_a_moved_export_moves_the_importers_outputs_that_use_it(tmp_path: Path) -> None:
    # exports pattern: middle reads producer.QueueName with Fn::ImportValue (an `imports`
    # entry, no template parameter), and its own QueueName output is built from it.
    manifests = []
    for version, delay in (("old", 1), ("new", 2)):
        middle = _template({"QueueName": {"Fn::ImportValue": "a-producer-QueueName"}}, {})
        manifest = _assembly(tmp_path / version, _template({"D": delay}, {}), middle, "QueueName")
        wire = manifest.instances["middle"].parameters["Name"]
        manifest.instances["middle"] = attrs.evolve(
            manifest.instances["middle"], parameters={}, imports={"QueueName": wire}
        )
        manifests.append(manifest)
    old, new = manifests
    assert affected_consumers(tmp_path / "old", tmp_path / "new", old, new, ["producer"]) == ["consumer", "middle"]


# --- compute templates (GCP): the provider reads its own references ----------------------------


def _gcp_app(directory: Path, *, port: str = "22", description: str = "net") -> Path:
    import infrakit as ik
    from infrakit.gcp import compute

    @ik.inputs
    class NetInputs:
        port: str = "22"
        description: str = "net"

    @ik.outputs
    class NetOutputs:
        network: ik.Out[str]

    class Net(ik.Component[NetInputs, NetOutputs]):
        def build(self, inputs: NetInputs) -> NetOutputs:
            net = self.add(compute.Network("net", auto_create_subnetworks=False, description=inputs.description))
            self.add(
                compute.Firewall(
                    "fw", network=net.ref, allowed=[compute.Allowed(ip_protocol="tcp", ports=[inputs.port])]
                )
            )
            return NetOutputs(network=net.ref)

    @ik.inputs
    class RuleInputs:
        network: ik.Param[str] = ik.param()

    @ik.outputs
    class RuleOutputs:
        rule: ik.Out[str]

    class Rule(ik.Component[RuleInputs, RuleOutputs]):
        def build(self, inputs: RuleInputs) -> RuleOutputs:
            fw = self.add(
                compute.Firewall(
                    "web", network=inputs.network, allowed=[compute.Allowed(ip_protocol="tcp", ports=["80"])]
                )
            )
            return RuleOutputs(rule=fw.ref)

    app = ik.App("g")
    net = app.add("net", Net, NetInputs(port=port, description=description))
    rule = app.add("rule", Rule, RuleInputs(network=net.outputs.network))
    app.add("last", Rule, RuleInputs(network=rule.outputs.rule))  # consumes the consumer
    app.synth(str(directory))
    return directory


def test_a_compute_change_the_consumed_output_does_not_refer_to_affects_no_one(tmp_path: Path) -> None:
    from infrakit._diff import diff_assemblies

    old = _gcp_app(tmp_path / "old")
    new = _gcp_app(tmp_path / "new", port="2222")  # the firewall: the network output is not built from it
    found = diff_assemblies(old, new)
    assert (found.changed, found.affected) == (["net"], [])


def test_a_compute_change_behind_a_consumed_output_affects_its_consumers_transitively(tmp_path: Path) -> None:
    from infrakit._diff import diff_assemblies

    old = _gcp_app(tmp_path / "old")
    new = _gcp_app(tmp_path / "new", description="another")  # the network the output names
    found = diff_assemblies(old, new)
    assert (found.changed, found.affected) == (["net"], ["last", "rule"])
