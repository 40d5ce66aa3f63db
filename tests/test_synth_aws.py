"""Synthesizing one AWS component into a CloudFormation template."""

from __future__ import annotations

import os
import subprocess
import sys
import typing

import attrs
import pytest
import yaml
from helpers import (
    AMIS,
    ROOT,
    Buckets,
    BucketsInputs,
    Conditional,
    Mapped,
    NoInputs,
    NoOutputs,
    Pair,
    Store,
    component,
)
from shop.network import Network, NetworkInputs

import infrakit as ik
from infrakit.aws import ec2, fn, s3, sqs


@pytest.fixture(scope="module")
def buckets() -> dict[str, typing.Any]:
    return ik.synth(Buckets, BucketsInputs(count=2)).to_dict()


@pytest.fixture(scope="module")
def conditional() -> dict[str, typing.Any]:
    return ik.synth(Conditional).to_dict()


@pytest.fixture(scope="module")
def pair() -> dict[str, typing.Any]:
    return ik.synth(Pair).to_dict()


# --- the shape of a template ------------------------------------------------------------


def test_template_has_the_format_version_and_the_component_docstring_as_description(buckets):
    assert buckets["AWSTemplateFormatVersion"] == "2010-09-09"
    assert buckets["Description"] == "Buckets: Buckets named from parameters."


class OneVpc(ik.Component[NoInputs, NoOutputs]):
    def build(self, inputs):
        self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16", enable_dns_hostnames=True))
        return NoOutputs()


def test_properties_are_rendered_in_cloudformation_spelling():
    assert ik.synth(OneVpc).to_dict()["Resources"] == {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": True}}
    }


class Versioned(ik.Component[NoInputs, NoOutputs]):
    def build(self, inputs):
        self.add(s3.Bucket("B", versioning_configuration=s3.Bucket.VersioningConfiguration(status="Enabled")))
        return NoOutputs()


def test_nested_property_classes_render_as_nested_objects():
    assert ik.synth(Versioned).to_dict()["Resources"]["B"]["Properties"] == {
        "VersioningConfiguration": {"Status": "Enabled"}
    }


class WholeVpcSubnet(ik.Component[NoInputs, NoOutputs]):
    def build(self, inputs):
        vpc = self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16"))
        self.add(ec2.Subnet("Sub", vpc_id=vpc.ref, cidr_block=vpc.attrs.cidr_block))
        return NoOutputs()


def test_resource_ref_and_attrs_render_as_ref_and_get_att():
    props = ik.synth(WholeVpcSubnet).to_dict()["Resources"]["Sub"]["Properties"]
    assert props == {"VpcId": {"Ref": "Vpc"}, "CidrBlock": {"Fn::GetAtt": ["Vpc", "CidrBlock"]}}


# --- parameters ---------------------------------------------------------------------------


def test_str_param_is_a_string_parameter_with_its_description_default_and_constraints(buckets):
    assert buckets["Parameters"]["Prefix"] == {
        "Type": "String",
        "Description": "Bucket name prefix",
        "Default": "shop",
        "AllowedPattern": "^[a-z][a-z0-9-]*$",
        "MinLength": 3,
        "MaxLength": 20,
    }


def test_int_param_is_a_number_parameter_with_min_and_max_value(buckets):
    assert buckets["Parameters"]["Retention"] == {
        "Type": "Number",
        "Default": 345600,
        "MinValue": 60,
        "MaxValue": 1209600,
    }


def test_float_param_is_a_number_parameter(buckets):
    assert buckets["Parameters"]["Ratio"] == {"Type": "Number", "Default": 0.5}


def test_list_param_is_a_comma_delimited_list_whose_default_is_comma_joined(buckets):
    assert buckets["Parameters"]["Zones"] == {"Type": "CommaDelimitedList", "Default": "us-east-1a,us-east-1b"}


def test_literal_param_is_a_string_with_allowed_values(buckets):
    assert buckets["Parameters"]["Environment"] == {
        "Type": "String",
        "Default": "dev",
        "AllowedValues": ["dev", "prod"],
    }


def test_secret_param_has_no_echo_and_no_default(buckets):
    assert buckets["Parameters"]["ApiKey"] == {
        "Type": "String",
        "Description": "Never written in clear",
        "NoEcho": True,
    }


def test_aws_type_picks_the_aws_specific_parameter_type(buckets):
    assert buckets["Parameters"]["Vpc"] == {"Type": "AWS::EC2::VPC::Id"}


@ik.inputs
class Named:
    name: ik.Param[str]


def _named_queue(self, inputs):
    self.add(sqs.Queue("Q", queue_name=inputs.name))
    return NoOutputs()


NamedQueue = component(_named_queue, inputs=Named, name="NamedQueue")


def test_param_left_out_is_a_parameter_without_default():
    template = ik.synth(NamedQueue).to_dict()
    assert template["Parameters"] == {"Name": {"Type": "String"}}
    assert template["Resources"]["Q"]["Properties"] == {"QueueName": {"Ref": "Name"}}


def test_param_given_a_plain_value_makes_that_value_its_default():
    template = ik.synth(NamedQueue, Named(name="jobs")).to_dict()
    assert template["Parameters"] == {"Name": {"Type": "String", "Default": "jobs"}}


def test_params_are_refs_where_they_are_used(buckets):
    props = buckets["Resources"]["Bucket1"]["Properties"]
    assert props["Tags"][0] == {"Key": "zone", "Value": {"Fn::Select": [0, {"Ref": "Zones"}]}}
    assert props["Tags"][1] == {"Key": "key", "Value": {"Ref": "ApiKey"}}
    assert props["Tags"][2] == {"Key": "vpc", "Value": {"Ref": "Vpc"}}


def test_build_time_setting_shapes_the_template_and_is_not_a_parameter(buckets):
    assert sorted(r for r in buckets["Resources"] if r.startswith("Bucket")) == ["Bucket0", "Bucket1"]
    assert "Count" not in buckets["Parameters"]


# --- outputs ------------------------------------------------------------------------------


def test_list_output_is_published_comma_joined_with_fn_join(buckets):
    assert buckets["Outputs"]["BucketNames"] == {"Value": {"Fn::Join": [",", [{"Ref": "Bucket0"}, {"Ref": "Bucket1"}]]}}


def test_str_output_is_the_expression_itself(buckets):
    assert buckets["Outputs"]["FirstArn"] == {"Value": {"Fn::GetAtt": ["Bucket0", "Arn"]}}


def test_outputs_are_named_in_pascal_case_in_declaration_order(buckets):
    assert list(buckets["Outputs"]) == ["BucketNames", "FirstArn"]


@ik.outputs
class Count:
    count: ik.Out[int]


Counted = component(lambda self, inputs: (self.add(sqs.Queue("Q")), Count(count=3))[1], outputs=Count, name="Counted")


def test_plain_int_output_is_written_as_a_string():
    # CloudFormation output values are strings.
    assert ik.synth(Counted).to_dict()["Outputs"] == {"Count": {"Value": "3"}}


# --- conditions ---------------------------------------------------------------------------


def test_self_condition_defines_a_named_condition_with_fn_equals(conditional):
    assert conditional["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Environment"}, "prod"]}
    assert conditional["Conditions"]["InVirginia"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "RegionName"}]}


def test_and_not_refer_to_named_conditions_with_condition(conditional):
    assert conditional["Conditions"]["ProdOutsideVirginia"] == {
        "Fn::And": [{"Condition": "IsProd"}, {"Fn::Not": [{"Condition": "InVirginia"}]}]
    }


def test_or_refers_to_named_conditions(conditional):
    assert conditional["Conditions"]["ProdOrVirginia"] == {
        "Fn::Or": [{"Condition": "IsProd"}, {"Condition": "InVirginia"}]
    }


def test_if_renders_fn_if_with_the_condition_name(conditional):
    assert conditional["Resources"]["Queue"]["Properties"] == {
        "MessageRetentionPeriod": {"Fn::If": ["ProdOutsideVirginia", 1209600, 345600]}
    }


def test_condition_on_a_resource_renders_its_condition_attribute(conditional):
    assert conditional["Resources"]["Archive"]["Condition"] == "IsProd"


def test_condition_on_a_resource_may_be_given_by_name(conditional):
    assert conditional["Resources"]["Logs"] == {"Type": "AWS::S3::Bucket", "Condition": "ProdOrVirginia"}


@ik.inputs
class Env:
    environment: ik.Param[str] = "dev"


class Optional(ik.Component[Env, NoOutputs]):
    def build(self, inputs):
        prod = self.condition("IsProd", fn.equals(inputs.environment, "prod"))
        self.add(sqs.Queue("Q", queue_name=fn.if_(prod, "prod-jobs", fn.no_value)))
        return NoOutputs()


def test_if_with_no_value_removes_the_property():
    resources = ik.synth(Optional).to_dict()["Resources"]
    assert resources["Q"]["Properties"] == {"QueueName": {"Fn::If": ["IsProd", "prod-jobs", {"Ref": "AWS::NoValue"}]}}


# --- resource options ---------------------------------------------------------------------


def test_depends_on_lists_the_logical_ids(conditional):
    assert conditional["Resources"]["Archive"]["DependsOn"] == ["Queue"]


class Ordered(ik.Component[NoInputs, NoOutputs]):
    def build(self, inputs):
        first = self.add(sqs.Queue("First"))
        self.add(sqs.Queue("Second", depends_on=first))
        return NoOutputs()


def test_depends_on_takes_a_single_resource():
    assert ik.synth(Ordered).to_dict()["Resources"]["Second"]["DependsOn"] == ["First"]


def test_deletion_and_update_replace_policies_are_resource_attributes(conditional):
    archive = conditional["Resources"]["Archive"]
    assert archive["DeletionPolicy"] == "Retain"
    assert archive["UpdateReplacePolicy"] == "Retain"
    assert "DeletionPolicy" not in archive.get("Properties", {})


def test_metadata_is_rendered_with_expressions(conditional):
    assert conditional["Resources"]["Archive"]["Metadata"] == {"Purpose": "archive", "Region": {"Ref": "AWS::Region"}}


def test_a_resource_without_options_has_only_type_and_properties(buckets):
    assert set(buckets["Resources"]["Queue"]) == {"Type", "Properties"}


# --- mappings, pseudo parameters, fn.sub --------------------------------------------------


def test_find_in_map_writes_the_mapping_and_reads_it():
    template = ik.synth(Mapped).to_dict()
    assert template["Mappings"] == {"RegionMap": AMIS.values}
    data = template["Resources"]["Template"]["Properties"]["LaunchTemplateData"]
    assert data == {
        "ImageId": {"Fn::FindInMap": ["RegionMap", {"Ref": "AWS::Region"}, "Ami"]},
        "InstanceType": "t3.micro",
    }


def test_get_att_by_cloudformation_name_renders_fn_get_att():
    assert ik.synth(Mapped).to_dict()["Outputs"] == {
        "LaunchTemplateId": {"Value": {"Fn::GetAtt": ["Template", "LaunchTemplateId"]}}
    }


def pseudo_queue(expr):
    """A queue named by a pseudo parameter."""

    def build(self, inputs):
        self.add(sqs.Queue("Q", queue_name=expr))
        return NoOutputs()

    return component(build, name="Pseudo")


@pytest.mark.parametrize(
    ("expr", "name"),
    [
        (fn.region, "AWS::Region"),
        (fn.account_id, "AWS::AccountId"),
        (fn.stack_name, "AWS::StackName"),
        (fn.stack_id, "AWS::StackId"),
        (fn.partition, "AWS::Partition"),
        (fn.url_suffix, "AWS::URLSuffix"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_pseudo_parameter_renders_as_a_ref_to_its_name(expr, name):
    props = ik.synth(pseudo_queue(expr)).to_dict()["Resources"]["Q"]["Properties"]
    assert props == {"QueueName": {"Ref": name}}


def test_sub_with_variables_renders_the_template_and_the_variable_map(buckets):
    assert buckets["Resources"]["Bucket1"]["Properties"]["BucketName"] == {
        "Fn::Sub": ["${Prefix}-${Env}-1", {"Prefix": {"Ref": "Prefix"}, "Env": {"Ref": "Environment"}}]
    }


class Subbed(ik.Component[NoInputs, NoOutputs]):
    def build(self, inputs):
        self.add(sqs.Queue("First"))
        self.add(sqs.Queue("Second", queue_name=fn.sub("${AWS::StackName}-${First.QueueName}-2")))
        return NoOutputs()


def test_sub_may_name_resources_and_pseudo_parameters_directly():
    props = ik.synth(Subbed).to_dict()["Resources"]["Second"]["Properties"]
    assert props == {"QueueName": {"Fn::Sub": "${AWS::StackName}-${First.QueueName}-2"}}


# --- embedding ----------------------------------------------------------------------------


def test_embed_prefixes_the_embedded_logical_ids(pair):
    assert sorted(pair["Resources"]) == ["FirstBucket", "FirstQueue", "Own", "SecondBucket", "SecondQueue"]


def test_embed_makes_the_embedded_params_parameters_of_the_parent_with_prefixed_names(pair):
    assert pair["Parameters"] == {
        "FirstSuffix": {"Type": "String", "Default": "jobs"},
        "SecondSuffix": {"Type": "String", "Default": "second"},
    }
    assert pair["Resources"]["SecondQueue"]["Properties"] == {
        "QueueName": {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, {"Ref": "SecondSuffix"}]]},
        "MessageRetentionPeriod": 2 * 86400,
    }


def test_embed_returns_the_outputs_as_expressions_on_the_prefixed_resources(pair):
    assert pair["Resources"]["Own"]["Properties"]["Tags"] == [
        {"Key": "peer", "Value": {"Fn::GetAtt": ["FirstQueue", "Arn"]}}
    ]
    assert pair["Outputs"] == {
        "FirstQueueArn": {"Value": {"Fn::GetAtt": ["FirstQueue", "Arn"]}},
        "SecondBucketNames": {"Value": {"Fn::Join": [",", [{"Ref": "SecondBucket"}]]}},
    }


def test_an_embedded_component_synthesizes_alone_without_prefixes():
    alone = ik.synth(Store).to_dict()
    assert sorted(alone["Resources"]) == ["Bucket", "Queue"]
    assert list(alone["Parameters"]) == ["Suffix"]


# --- determinism and the text forms ---------------------------------------------------------


def test_two_syntheses_are_byte_identical():
    assert (
        ik.synth(Network, NetworkInputs(az_count=3)).to_json() == ik.synth(Network, NetworkInputs(az_count=3)).to_json()
    )


_HASHSEED_SCRIPT = """
import sys
sys.path[:0] = [{tests!r}, {examples!r}]
import infrakit as ik
from helpers import Buckets, BucketsInputs, Pair
from shop.network import Network, NetworkInputs
sys.stdout.write(ik.synth(Network, NetworkInputs(az_count=3)).to_json())
sys.stdout.write(ik.synth(Buckets, BucketsInputs(count=3)).to_json())
sys.stdout.write(ik.synth(Pair).to_yaml())
"""


def test_synthesis_is_byte_identical_across_hash_seeds():
    script = _HASHSEED_SCRIPT.format(tests=str(ROOT / "tests"), examples=str(ROOT / "examples"))
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert '"Subnet2"' in outputs.pop()


@pytest.mark.parametrize("make", [lambda: ik.synth(Pair), lambda: ik.synth(Conditional), lambda: ik.synth(Network)])
def test_to_yaml_parses_back_to_exactly_to_dict(make):
    template = make()
    assert yaml.safe_load(template.to_yaml()) == template.to_dict()


def test_to_json_ends_in_a_newline_and_parses_to_to_dict():
    import json

    template = ik.synth(Pair)
    assert template.to_json().endswith("}\n")
    assert json.loads(template.to_json()) == template.to_dict()


def test_to_dict_returns_a_copy():
    template = ik.synth(Pair)
    first = template.to_dict()
    first["Resources"].clear()
    first["Outputs"]["FirstQueueArn"]["Value"] = "changed"
    assert sorted(template.to_dict()["Resources"]) == [
        "FirstBucket",
        "FirstQueue",
        "Own",
        "SecondBucket",
        "SecondQueue",
    ]
    assert template.to_dict()["Outputs"]["FirstQueueArn"]["Value"] == {"Fn::GetAtt": ["FirstQueue", "Arn"]}


# --- the DESIGN.md example ------------------------------------------------------------------


@ik.inputs
class DesignNetworkInputs:
    cidr: str = "10.0.0.0/16"  # build-time setting
    az_count: int = attrs.field(default=2, validator=[attrs.validators.ge(1), attrs.validators.le(6)])
    environment: typing.Literal["dev", "prod"] = "dev"


@ik.outputs
class DesignNetworkOutputs:
    vpc_id: ik.Out[str]
    subnet_ids: ik.Out[list[str]]


class DesignNetwork(ik.Component[DesignNetworkInputs, DesignNetworkOutputs]):
    """A VPC with one public subnet per availability zone."""

    def build(self, inputs: DesignNetworkInputs) -> DesignNetworkOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr, enable_dns_hostnames=True))
        subnets = [
            self.add(
                ec2.Subnet(
                    f"Subnet{i}",
                    vpc_id=vpc.ref,
                    cidr_block=fn.select(i, fn.cidr(vpc.attrs.cidr_block, inputs.az_count, "8")),
                    availability_zone=fn.select(i, fn.get_azs()),
                )
            )
            for i in range(inputs.az_count)
        ]
        return DesignNetworkOutputs(vpc_id=vpc.ref, subnet_ids=[s.ref for s in subnets])


def test_the_design_example_synthesizes_one_subnet_per_az_carved_by_fn_cidr():
    template = ik.synth(DesignNetwork, DesignNetworkInputs(az_count=3)).to_dict()
    assert template["Resources"]["Vpc"] == {
        "Type": "AWS::EC2::VPC",
        "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": True},
    }
    cidrs = {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 3, "8"]}
    for i in range(3):
        assert template["Resources"][f"Subnet{i}"] == {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": {"Ref": "Vpc"},
                "CidrBlock": {"Fn::Select": [i, cidrs]},
                "AvailabilityZone": {"Fn::Select": [i, {"Fn::GetAZs": ""}]},
            },
        }
    assert template["Outputs"] == {
        "VpcId": {"Value": {"Ref": "Vpc"}},
        "SubnetIds": {"Value": {"Fn::Join": [",", [{"Ref": f"Subnet{i}"} for i in range(3)]]}},
    }
    assert "Parameters" not in template


#: Every component of this module, at the inputs its tests use (test_cfn_lint lints each).
LINTED = [
    ("one-vpc", OneVpc, None),
    ("versioned", Versioned, None),
    ("whole-vpc-subnet", WholeVpcSubnet, None),
    ("named-queue", NamedQueue, None),
    ("named-queue-jobs", NamedQueue, Named(name="jobs")),
    ("counted", Counted, None),
    ("optional", Optional, None),
    ("ordered", Ordered, None),
    ("subbed", Subbed, None),
    ("pseudo-stack-name", pseudo_queue(fn.stack_name), None),
    ("design-network-3", DesignNetwork, DesignNetworkInputs(az_count=3)),
    ("buckets-2", Buckets, BucketsInputs(count=2)),
]


def test_a_generic_base_component_can_be_subclassed_with_concrete_types() -> None:
    from typing import Generic, TypeVar

    from infrakit.aws import sqs

    InT = TypeVar("InT")
    OutT = TypeVar("OutT")

    class QueueBase(ik.Component[InT, OutT], Generic[InT, OutT]):
        def queue(self) -> sqs.Queue:
            return self.add(sqs.Queue("Queue"))

    @ik.inputs
    class NoInputs:
        pass

    @ik.outputs
    class QueueOutputs:
        url: ik.Out[str]

    class Worker(QueueBase[NoInputs, QueueOutputs]):
        def build(self, inputs: NoInputs) -> QueueOutputs:
            return QueueOutputs(url=self.queue().ref)

    assert Worker.inputs_type is NoInputs
    assert ik.synth(Worker, NoInputs()).to_dict()["Outputs"]["Url"] == {"Value": {"Ref": "Queue"}}


def test_a_component_with_sam_resources_declares_the_sam_transform() -> None:
    from helpers import cfn_lint

    from infrakit.aws import serverless

    @ik.inputs
    class NoInputs:
        pass

    @ik.outputs
    class FunctionOutputs:
        name: ik.Out[str]

    class Api(ik.Component[NoInputs, FunctionOutputs]):
        def build(self, inputs: NoInputs) -> FunctionOutputs:
            function = self.add(
                serverless.Function(
                    "Handler",
                    runtime="python3.12",
                    handler="index.handler",
                    inline_code="def handler(event, context):\n    return event\n",
                )
            )
            return FunctionOutputs(name=function.ref)

    template = ik.synth(Api, NoInputs()).to_dict()
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert list(template)[:3] == ["AWSTemplateFormatVersion", "Description", "Transform"]
    assert cfn_lint(template) == []


def test_a_component_without_sam_resources_has_no_transform() -> None:
    from infrakit.aws import sqs

    @ik.inputs
    class NoInputs:
        pass

    @ik.outputs
    class QueueOutputs:
        url: ik.Out[str]

    class Plain(ik.Component[NoInputs, QueueOutputs]):
        def build(self, inputs: NoInputs) -> QueueOutputs:
            return QueueOutputs(url=self.add(sqs.Queue("Q")).ref)

    assert "Transform" not in ik.synth(Plain, NoInputs()).to_dict()
