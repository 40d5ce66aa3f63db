"""Tags: one ik.Tag type and {key: value} dicts for every taggable resource, and ik.tags on an
app, an instance or a component, rendered in each resource type's own tag shape."""

from __future__ import annotations

import json
import sys
import types

import pytest
from helpers import ROOT, cfn_lint, in_background

import infrakit as ik
from infrakit.aws import Tag, autoscaling, ec2, efs, fn, s3, ssm
from infrakit.errors import DefinitionError, PropertyTypeError, SynthError


def _component(name, build, inputs=None):
    inputs = inputs or ik.inputs(type(f"{name}Inputs", (), {}))
    outputs = ik.outputs(type(f"{name}Outputs", (), {}))

    def run(self, i):
        build(self, i)
        return outputs()

    cls = types.new_class(name, (ik.Component[inputs, outputs],), exec_body=lambda ns: ns.update(build=run))
    cls.__qualname__ = name
    return cls


def test_one_tag_type_and_dicts_are_accepted_by_every_taggable_resource():
    def build(self, _i):
        vpc = self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16", tags=[Tag("Name", "main")]))
        self.add(
            ec2.Subnet(
                "Subnet",
                vpc_id=vpc.ref,
                cidr_block="10.0.0.0/24",
                tags=[ec2.VPC.Tag(key="Name", value="a"), Tag("tier", fn.sub("${AWS::StackName}-public"))],
            )
        )
        self.add(s3.Bucket("Bucket", tags={"Name": "logs"}))
        self.add(ssm.Parameter("Param", type="String", value="x", tags=[Tag("Name", "p")]))

    body = ik.synth(_component("AnyShape", build)).to_dict()
    resources = body["Resources"]
    assert resources["Vpc"]["Properties"]["Tags"] == [{"Key": "Name", "Value": "main"}]
    assert resources["Subnet"]["Properties"]["Tags"] == [
        {"Key": "Name", "Value": "a"},
        {"Key": "tier", "Value": {"Fn::Sub": "${AWS::StackName}-public"}},
    ]
    assert resources["Bucket"]["Properties"]["Tags"] == [{"Key": "Name", "Value": "logs"}]
    assert resources["Param"]["Properties"]["Tags"] == {"Name": "p"}  # a map in this type's schema
    assert cfn_lint(body) == []


def test_a_component_tags_its_own_resources_and_those_of_what_it_embeds():
    def inner(self, _i):
        ik.tags(self, {"part": "db"})
        self.add(s3.Bucket("Data"))

    Inner = _component("Inner", inner)

    def outer(self, _i):
        ik.tags(self, {"team": "payments"})
        self.add(s3.Bucket("Logs", tags={"team": "audit"}))  # the resource's own tag wins
        self.embed(Inner, None, prefix="Db")

    body = ik.synth(_component("Outer", outer)).to_dict()["Resources"]
    assert body["Logs"]["Properties"]["Tags"] == [{"Key": "team", "Value": "audit"}]
    assert body["DbData"]["Properties"]["Tags"] == [
        {"Key": "team", "Value": "payments"},
        {"Key": "part", "Value": "db"},
    ]


def test_an_embedded_components_tags_stay_with_its_resources():
    def inner(self, _i):
        ik.tags(self, {"part": "db"})
        self.add(s3.Bucket("Data"))

    Inner = _component("Inner2", inner)

    def outer(self, _i):
        self.add(s3.Bucket("Logs"))
        self.embed(Inner, None, prefix="Db")

    body = ik.synth(_component("Outer2", outer)).to_dict()["Resources"]
    assert "Properties" not in body["Logs"]  # no tags: the outer component set none
    assert body["DbData"]["Properties"]["Tags"] == [{"Key": "part", "Value": "db"}]


def test_tags_on_an_app_and_an_instance_reach_every_taggable_resource(tmp_path):
    def build(self, _i):
        self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16"))
        self.add(efs.FileSystem("Files"))  # its tags property is FileSystemTags
        self.add(
            autoscaling.AutoScalingGroup(
                "Group",
                min_size="1",
                max_size="2",
                availability_zones=fn.get_azs(),
                launch_template=autoscaling.AutoScalingGroup.LaunchTemplateSpecification(
                    launch_template_id="lt-0123456789abcdef0", version="1"
                ),
            )
        )
        self.add(ssm.Parameter("Param", type="String", value="x"))

    app = ik.App("tagged")
    dev = app.add("dev", _component("Everything", build))
    ik.tags(app, {"app": "tagged", "env": "any"})
    ik.tags(dev, {"env": "dev"})
    out = tmp_path / "out"
    app.synth(str(out), cache=False)
    body = json.loads((out / "dev.template.json").read_text())
    resources = body["Resources"]
    expected = [{"Key": "app", "Value": "tagged"}, {"Key": "env", "Value": "dev"}]
    assert resources["Vpc"]["Properties"]["Tags"] == expected
    assert resources["Files"]["Properties"]["FileSystemTags"] == expected
    assert resources["Group"]["Properties"]["Tags"] == [dict(t, PropagateAtLaunch=True) for t in expected]
    assert resources["Param"]["Properties"]["Tags"] == {"app": "tagged", "env": "dev"}
    assert cfn_lint(body) == []


def test_changing_an_instances_tags_changes_its_inputs_digest(tmp_path):
    def build(self, _i):
        self.add(s3.Bucket("B"))

    def digest(tags):
        app = ik.App("digest")
        inst = app.add("one", _component("Digested", build))
        if tags:
            ik.tags(inst, tags)
        app.synth(str(tmp_path / "out"), cache=False)
        return json.loads((tmp_path / "out" / "manifest.json").read_text())["instances"]["one"]["inputs_sha256"]

    assert digest({}) != digest({"team": "a"}) != digest({"team": "b"})


@pytest.mark.parametrize(
    ("scope", "values", "message"),
    [
        ("app", {"team": 3}, "tag 'team' must have a str value"),
        ("app", {"": "x"}, "a tag key must be a non-empty str"),
        ("app", ["team"], "tags must be a dict"),
        ("instance", {"stack": fn.stack_name}, "tag values of an app or instance are plain str"),
        ("nothing", {"team": "x"}, "ik.tags takes an app, an instance or a component"),
    ],
)
def test_ik_tags_checks_what_it_is_given(scope, values, message):
    app = ik.App("checks")
    inst = app.add("one", _component("Checked", lambda self, _i: self.add(s3.Bucket("B"))))
    target = {"app": app, "instance": inst, "nothing": object()}[scope]
    with pytest.raises(DefinitionError, match=message):
        ik.tags(target, values)


def test_a_tag_holds_strings():
    with pytest.raises(DefinitionError, match="Tag: value must be a str, got int 3"):
        Tag("team", 3)


def test_a_non_tag_list_is_still_refused_by_the_tags_property():
    with pytest.raises(PropertyTypeError, match="property `tags`"):
        s3.Bucket("B", tags=["team"])


def test_tags_cannot_be_merged_into_an_expression():
    def build(self, _i):
        ik.tags(self, {"team": "x"})
        self.add(s3.Bucket("B", tags=fn.include("s3://bucket/tags.yaml")))

    with pytest.raises(SynthError, match=r"AWS::S3::Bucket 'B': property `tags` is expression .* cannot be added"):
        ik.synth(_component("Included", build))


#: Started at collection: it runs beside the rest of the suite (see helpers.in_background).
_CHECK = in_background(sys.executable, str(ROOT / "tools" / "gen_aws_tags.py"), "--check")


@pytest.mark.awaits_background
def test_the_tag_property_table_is_generated_from_the_pinned_schemas():
    result = _CHECK.result()
    assert result.returncode == 0, result.stderr


def test_a_sibling_whose_prefix_starts_alike_does_not_get_the_tags():
    def tagged(self, _i):
        ik.tags(self, {"part": "db"})
        self.add(s3.Bucket("Data"))

    def plain(self, _i):
        self.add(s3.Bucket("Data"))

    Tagged, Plain = _component("TaggedPart", tagged), _component("PlainPart", plain)

    def outer(self, _i):
        self.embed(Tagged, None, prefix="Db")
        self.embed(Plain, None, prefix="DbReplica")

    body = ik.synth(_component("Siblings", outer)).to_dict()["Resources"]
    assert body["DbData"]["Properties"]["Tags"] == [{"Key": "part", "Value": "db"}]
    assert "Properties" not in body["DbReplicaData"]


# --- Google Cloud: tags are labels -------------------------------------------------------


def _gcp_component(name, build):
    return _component(name, build)


def test_tags_become_the_labels_of_gcp_resources_that_have_them(tmp_path):
    from infrakit.gcp import compute

    def build(self, _i):
        ik.tags(self, {"part": "edge"})
        self.add(compute.Address("ip", region="us-central1", labels=[Tag("owner", "net")]))
        self.add(compute.Firewall("fw", network="global/networks/default", source_ranges=["0.0.0.0/0"]))

    app = ik.App("labels")
    ik.tags(app.add("edge", _gcp_component("Edge", build)), {"env": "dev"})
    out = tmp_path / "out"
    app.synth(str(out), cache=False)
    body = json.loads((out / "edge.compute.json").read_text())
    resources = {r["name"]: r for r in body["resources"]}
    address = next(r for name, r in resources.items() if name.endswith("ip"))
    firewall = next(r for name, r in resources.items() if name.endswith("fw"))
    assert address["properties"]["labels"] == {"env": "dev", "part": "edge", "owner": "net"}
    assert "labels" not in firewall["properties"]  # a firewall has no labels


def test_a_tag_that_breaks_compute_label_rules_is_an_error():
    from infrakit.gcp import compute

    def build(self, _i):
        ik.tags(self, {"Team": "Payments"})
        self.add(compute.Address("ip", region="us-central1"))

    with pytest.raises(SynthError, match=r"label Team='Payments' .* breaks Compute's label rules"):
        ik.synth(_gcp_component("BadLabel", build))


def test_cloudformation_only_declarations_are_refused_in_a_compute_template():
    from infrakit.aws import template
    from infrakit.gcp import compute

    outputs = ik.outputs(
        types.new_class(
            "ExportedOut",
            (),
            exec_body=lambda ns: ns.update(__annotations__={"ip": ik.Out[str]}, ip=ik.out(export_name="x")),
        )
    )

    def exported(self, _i):
        return outputs(ip=self.add(compute.Address("ip", region="us-central1")).ref)

    inputs = ik.inputs(type("ExportedIn", (), {}))
    cls = types.new_class("Exported", (ik.Component[inputs, outputs],), exec_body=lambda ns: ns.update(build=exported))
    with pytest.raises(SynthError, match=r"output `ip` declares ik.out\(export_name=...\)"):
        ik.synth(cls)

    def with_metadata(self, _i):
        template.metadata(self, "Owner", "x")
        self.add(compute.Address("ip", region="us-central1"))

    with pytest.raises(SynthError, match="declares a template Metadata"):
        ik.synth(_gcp_component("GcpMeta", with_metadata))
