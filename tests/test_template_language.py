"""The CloudFormation template language around resources: outputs' and parameters' options,
template sections (Description, Metadata, Rules, Transform, Globals), conditions and fn.sub.

Every template that should deploy is also checked by cfn-lint (no error, no warning)."""

from __future__ import annotations

import types
import typing

import pytest
from helpers import cfn_lint

import infrakit as ik
from infrakit.aws import ec2, fn, s3, serverless, sqs, template
from infrakit.errors import (
    DanglingReferenceError,
    DefinitionError,
    InputValueError,
    LogicalIdError,
    PropertyTypeError,
    SynthError,
    UnusedConditionError,
)

# --- outputs --------------------------------------------------------------------------


@ik.inputs
class EnvInputs:
    env: ik.Param[typing.Literal["dev", "prod"]] = "dev"


@ik.outputs
class DescribedOutputs:
    queue_url: ik.Out[str] = ik.out(description="The URL of the work queue", export_name="${AWS::StackName}-Queue")
    queue_arn: ik.Out[str]


class Described(ik.Component[EnvInputs, DescribedOutputs]):
    def build(self, inputs: EnvInputs) -> DescribedOutputs:
        queue = self.add(sqs.Queue("Queue", queue_name=fn.sub("${Env}-work")))
        return DescribedOutputs(queue_url=queue.ref, queue_arn=queue.attrs.arn)


def test_an_output_has_its_description_and_export_name():
    body = ik.synth(Described).to_dict()
    assert body["Outputs"]["QueueUrl"] == {
        "Description": "The URL of the work queue",
        "Value": {"Ref": "Queue"},
        "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-Queue"}},
    }
    assert body["Outputs"]["QueueArn"] == {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}
    assert cfn_lint(body) == []


def test_a_bare_out_keeps_working_and_ik_out_takes_a_fixed_export_name_or_an_expression():
    @ik.outputs
    class Outs:
        plain: ik.Out[str] = ik.out(export_name="shared-queue")
        joined: ik.Out[str] = ik.out(export_name=fn.join("-", [fn.stack_name, "Joined"]))

    def build(self, inputs):
        q = self.add(sqs.Queue("Queue"))
        return Outs(plain=q.ref, joined=q.attrs.arn)

    comp = _component("Exported", _no_inputs("Exported"), build, Outs)
    body = ik.synth(comp).to_dict()
    assert body["Outputs"]["Plain"]["Export"] == {"Name": "shared-queue"}
    assert body["Outputs"]["Joined"]["Export"] == {"Name": {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "Joined"]]}}
    assert cfn_lint(body) == []


@ik.inputs
class FlagInputs:
    with_queue: ik.Param[bool] = False


@ik.outputs
class MaybeOutputs:
    queue_url: ik.Out[str]
    bucket: ik.Out[str] = ik.out(condition="WithQueue")


class Conditional(ik.Component[FlagInputs, MaybeOutputs]):
    def build(self, inputs: FlagInputs) -> MaybeOutputs:
        with_queue = self.condition("WithQueue", fn.equals(inputs.with_queue, True))
        queue = self.add(sqs.Queue("Queue", condition=with_queue))
        bucket = self.add(s3.Bucket("Bucket"))
        return MaybeOutputs(queue_url=queue.ref, bucket=bucket.ref)


def test_an_output_of_a_conditional_resource_gets_its_condition():
    body = ik.synth(Conditional).to_dict()
    assert body["Outputs"]["QueueUrl"]["Condition"] == "WithQueue"
    assert body["Outputs"]["Bucket"]["Condition"] == "WithQueue"  # declared with ik.out
    assert cfn_lint(body) == []  # no W1001


def test_an_output_of_resources_with_two_conditions_must_be_given_one():
    @ik.outputs
    class Outs:
        both: ik.Out[str]

    def build(self, inputs):
        a = self.add(sqs.Queue("A", condition=self.condition("IsA", fn.equals(fn.region, "eu-west-1"))))
        b = self.add(sqs.Queue("B", condition=self.condition("IsB", fn.equals(fn.region, "us-east-1"))))
        return Outs(both=fn.join(",", [a.ref, b.ref]))

    comp = _component("TwoConditions", _no_inputs("Two"), build, Outs)
    with pytest.raises(
        SynthError,
        match=r"TwoConditions: output `both` refers to resources of different conditions \(IsA, IsB\).*ik.out\(condition=name\)",
    ):
        ik.synth(comp)


def test_an_output_guarded_by_if_needs_no_condition():
    @ik.outputs
    class Outs:
        url: ik.Out[str]

    def build(self, inputs):
        on = self.condition("On", fn.equals(fn.region, "eu-west-1"))
        q = self.add(sqs.Queue("Q", condition=on))
        return Outs(url=fn.if_(on, q.ref, "none"))

    comp = _component("Guarded", _no_inputs("Guarded"), build, Outs)
    body = ik.synth(comp).to_dict()
    assert "Condition" not in body["Outputs"]["Url"]
    assert cfn_lint(body) == []


def test_an_output_condition_that_is_never_defined_is_an_error():
    @ik.outputs
    class Outs:
        url: ik.Out[str] = ik.out(condition="Nowhere")

    def build(self, inputs):
        return Outs(url=self.add(sqs.Queue("Q")).ref)

    comp = _component("Undefined", _no_inputs("Undefined"), build, Outs)
    with pytest.raises(DanglingReferenceError, match=r"Undefined: output `url`: condition 'Nowhere'"):
        ik.synth(comp)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"condition": "not a name"}, "condition must be the name of a condition"),
        ({"export_name": 5}, "export_name must be a str"),
        ({"description": 3}, "description must be a str"),
        ({"name": "Bad-Name"}, "name must be 1 or more letters and digits"),
    ],
)
def test_ik_out_checks_its_options(kwargs, message):
    with pytest.raises(DefinitionError, match=message):
        ik.out(**kwargs)


def test_an_output_can_keep_a_name_chosen_by_the_user():
    @ik.outputs
    class Outs:
        vpc_id: ik.Out[str] = ik.out(name="VPCID")

    def build(self, inputs):
        return Outs(vpc_id=self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16")).ref)

    comp = _component("Named", _no_inputs("Named"), build, Outs)
    assert list(ik.synth(comp).to_dict()["Outputs"]) == ["VPCID"]


# --- parameters -----------------------------------------------------------------------


@ik.inputs
class ParamInputs:
    subnet_a: ik.Param[str] = ik.param(
        name="subnetA",
        default="subnet-0123abcd",
        pattern="subnet-[0-9a-f]+",
        constraint_description="a subnet id such as subnet-0123abcd",
        group="Network",
        label="First subnet",
    )
    port: ik.Param[int] = ik.param(default=8080, min_value=1, max_value=65535, group="Network")
    versioned: ik.Param[bool] = True


@ik.outputs
class ParamOutputs:
    bucket: ik.Out[str]


class Parameters(ik.Component[ParamInputs, ParamOutputs]):
    def build(self, inputs: ParamInputs) -> ParamOutputs:
        self.add(ec2.SubnetNetworkAclAssociation("Assoc", subnet_id=inputs.subnet_a, network_acl_id="acl-1"))
        versioned = self.condition("Versioned", inputs.versioned)
        bucket = self.add(
            s3.Bucket(
                "Bucket",
                bucket_name=fn.sub("site-${Port}"),  # the port counts as used through fn.sub's text
                versioning_configuration=fn.if_(
                    versioned, s3.Bucket.VersioningConfiguration(status="Enabled"), fn.no_value
                ),
                object_lock_enabled=inputs.versioned,
            )
        )
        return ParamOutputs(bucket=bucket.ref)


def test_parameters_render_their_options_names_and_interface_metadata():
    body = ik.synth(Parameters).to_dict()
    assert body["Parameters"]["subnetA"] == {
        "Type": "String",
        "Default": "subnet-0123abcd",
        "AllowedPattern": "subnet-[0-9a-f]+",
        "ConstraintDescription": "a subnet id such as subnet-0123abcd",
    }
    assert body["Parameters"]["Versioned"] == {"Type": "String", "Default": "true", "AllowedValues": ["true", "false"]}
    assert body["Resources"]["Assoc"]["Properties"]["SubnetId"] == {"Ref": "subnetA"}
    assert body["Resources"]["Bucket"]["Properties"]["ObjectLockEnabled"] == {"Ref": "Versioned"}
    assert body["Conditions"]["Versioned"] == {"Fn::Equals": [{"Ref": "Versioned"}, "true"]}
    assert body["Metadata"]["AWS::CloudFormation::Interface"] == {
        "ParameterGroups": [{"Label": {"default": "Network"}, "Parameters": ["subnetA", "Port"]}],
        "ParameterLabels": {"subnetA": {"default": "First subnet"}},
    }
    assert cfn_lint(body) == []


def test_a_chosen_parameter_name_is_what_the_manifest_and_stand_ins_use(tmp_path):
    import json

    from infrakit.testing import standins

    app = ik.App("names")
    app.add("params", Parameters, ParamInputs())
    app.synth(str(tmp_path / "out"), cache=False)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "subnetA" in manifest["instances"]["params"]["parameters"]
    assert "SubnetA" not in manifest["instances"]["params"]["parameters"]

    @ik.inputs
    class Undefaulted:
        subnet_a: ik.Param[str] = ik.param(name="subnetA")

    def build(self, inputs):
        self.add(ec2.SubnetNetworkAclAssociation("Assoc", subnet_id=inputs.subnet_a, network_acl_id="acl-1"))

    assert list(standins(_component("Standins", Undefaulted, build))) == ["subnetA"]


def _component(name, inputs, build, outputs=None):
    """A component class ``name``; ``build`` may return nothing when there are no outputs."""
    outputs = outputs or ik.outputs(type(f"{name}Out", (), {}))

    def run(self, i):
        result = build(self, i)
        return result if isinstance(result, outputs) else outputs()

    cls = types.new_class(name, (ik.Component[inputs, outputs],), exec_body=lambda ns: ns.update(build=run))
    cls.__qualname__ = name
    return cls


def _no_inputs(name):
    return ik.inputs(type(f"{name}Inputs", (), {}))


def test_a_parameter_used_only_in_sub_text_counts_as_used():
    @ik.inputs
    class Inputs:
        env: ik.Param[str] = "dev"

    def build(self, inputs):
        self.add(sqs.Queue("Q", queue_name=fn.sub("${Env}-jobs")))

    body = ik.synth(_component("SubOnly", Inputs, build)).to_dict()
    assert body["Parameters"]["Env"] == {"Type": "String", "Default": "dev"}
    assert cfn_lint(body) == []


def test_a_number_parameter_goes_where_a_string_is_expected_through_as_str():
    @ik.inputs
    class Inputs:
        port: ik.Param[int] = 5432

    def build(self, inputs):
        self.add(ec2.SecurityGroup("Sg", group_description=fn.as_str(inputs.port)))

    body = ik.synth(_component("PortText", Inputs, build)).to_dict()
    assert body["Resources"]["Sg"]["Properties"]["GroupDescription"] == {"Ref": "Port"}
    assert body["Parameters"]["Port"]["Type"] == "Number"
    assert cfn_lint(body) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_length": "x"}, "min_length must be an int of 0 or more, got str 'x'"),
        ({"max_length": -1}, "max_length must be an int of 0 or more"),
        ({"min_value": "1"}, "min_value must be a number"),
        ({"pattern": "["}, r"pattern '\[' is not a valid regular expression"),
        ({"min_length": 5, "max_length": 2}, r"min_length \(5\) is greater than max_length \(2\)"),
        ({"min_value": 5, "max_value": 2}, r"min_value \(5\) is greater than max_value \(2\)"),
        ({"allowed": []}, "allowed is empty"),
        ({"allowed": "abc"}, "allowed must be a list of values"),
        ({"name": "sub-net"}, "name must be 1 or more letters and digits"),
        ({"constraint_description": 1}, "constraint_description must be a str"),
    ],
)
def test_ik_param_checks_its_options_where_they_are_declared(kwargs, message):
    with pytest.raises(DefinitionError, match=message):
        ik.param(**kwargs)


def test_a_java_only_pattern_is_accepted():
    ik.param(pattern=r"[\p{L}]+")


def _one_param(name, hint, field, use=lambda self, i: self.add(sqs.Queue("Q", queue_name=i.value))):
    inputs = ik.inputs(type(f"{name}Inputs", (), {"__annotations__": {"value": hint}, "value": field}))
    return _component(name, inputs, use)


@pytest.mark.parametrize(
    ("hint", "field", "message"),
    [
        (
            ik.Param[str],
            ik.param(default="prod", allowed=["dev", "test"]),
            r"is not one of the allowed values \['dev', 'test'\]",
        ),
        (ik.Param[str], ik.param(default="abc", pattern="[0-9]+"), "does not match the pattern '\\[0-9\\]\\+'"),
        (ik.Param[str], ik.param(default="ab", min_length=3), "is shorter than min_length 3"),
        (ik.Param[str], ik.param(default="abcd", max_length=3), "is longer than max_length 3"),
    ],
)
def test_a_default_that_breaks_its_own_constraints_is_an_error_at_synth(hint, field, message):
    comp = _one_param("BadDefault", hint, field)
    with pytest.raises(InputValueError, match=f"BadDefaultInputs.value: its default .*{message}"):
        ik.synth(comp)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (ik.param(default=0, min_value=1), "is less than min_value 1"),
        (ik.param(default=70000, max_value=65535), "is greater than max_value 65535"),
    ],
)
def test_a_number_default_outside_its_bounds_is_an_error_at_synth(field, message):
    def use(self, i):
        self.add(sqs.Queue("Q", delay_seconds=i.value))

    comp = _one_param("BadNumber", ik.Param[int], field, use)
    with pytest.raises(InputValueError, match=message):
        ik.synth(comp)


def test_a_value_given_to_a_parameter_is_checked_like_a_default():
    inputs = ik.inputs(
        type("GivenInputs", (), {"__annotations__": {"value": ik.Param[str]}, "value": ik.param(allowed=["a", "b"])})
    )
    comp = _component("Given", inputs, lambda self, i: self.add(sqs.Queue("Q", queue_name=i.value)))
    assert ik.synth(comp, inputs(value="a")).to_dict()["Parameters"]["Value"]["Default"] == "a"
    with pytest.raises(InputValueError, match=r"GivenInputs\.value: its default 'c' is not one of"):
        ik.synth(comp, inputs(value="c"))


@pytest.mark.parametrize(
    ("aws_type", "message"),
    [
        ("Bogus", "ik.param: aws_type 'Bogus' is not a CloudFormation parameter type"),
        ("AWS::EC2::VPC::ID", r"did you mean `AWS::EC2::VPC::Id`"),
        ("AWS::SSM::Parameter::Value<Bogus>", "is not a CloudFormation parameter type"),
    ],
)
def test_aws_type_must_be_a_cloudformation_parameter_type_where_it_is_declared(aws_type, message):
    with pytest.raises(DefinitionError, match=message):
        ik.param(aws_type=aws_type)


@pytest.mark.parametrize(
    ("hint", "aws_type", "message"),
    [
        (ik.Param[str], "List<AWS::EC2::Subnet::Id>", r"holds a list; declare the field ik.Param\[list\[str\]\]"),
        (ik.Param[list[str]], "AWS::EC2::Subnet::Id", "holds one value"),
    ],
)
def test_aws_type_must_fit_the_field_a_list_or_not(hint, aws_type, message):
    def use(self, i):
        self.add(
            ec2.SubnetNetworkAclAssociation(
                "A", subnet_id=fn.select(0, i.value) if "list" in str(hint) else i.value, network_acl_id="acl-1"
            )
        )

    comp = _one_param("Typed", hint, ik.param(aws_type=aws_type), use)
    with pytest.raises(DefinitionError, match=message):
        ik.synth(comp)


@pytest.mark.parametrize(
    "aws_type",
    [
        "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        "AWS::SSM::Parameter::Value<String>",
        "AWS::EC2::KeyPair::KeyName",
    ],
)
def test_ssm_and_aws_specific_types_are_accepted(aws_type):
    def use(self, i):
        self.add(sqs.Queue("Q", queue_name=i.value))

    comp = _one_param("Ssm", ik.Param[str], ik.param(aws_type=aws_type), use)
    assert ik.synth(comp).to_dict()["Parameters"]["Value"]["Type"] == aws_type


# --- conditions -----------------------------------------------------------------------


def test_an_unused_condition_is_an_error():
    def build(self, inputs):
        self.condition("Never", fn.equals(fn.region, "eu-west-1"))
        self.add(sqs.Queue("Q"))

    with pytest.raises(UnusedConditionError, match="Unused: condition 'Never' is never used"):
        ik.synth(_component("Unused", _no_inputs("Unused"), build))


def test_a_condition_used_only_by_another_condition_or_an_output_counts_as_used():
    @ik.outputs
    class Outs:
        url: ik.Out[str] = ik.out(condition="Both")

    def build(self, inputs):
        eu = self.condition("Eu", fn.equals(fn.region, "eu-west-1"))
        self.condition("Both", fn.and_(eu, fn.not_(fn.equals(fn.stack_name, "x"))))
        return Outs(url=self.add(sqs.Queue("Q")).ref)

    body = ik.synth(_component("Chained", _no_inputs("Chained"), build, Outs)).to_dict()
    assert body["Conditions"]["Both"] == {
        "Fn::And": [{"Condition": "Eu"}, {"Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::StackName"}, "x"]}]}]
    }
    assert cfn_lint(body) == []


def test_equals_takes_booleans_as_cloudformation_text():
    assert fn.equals(True, "true").args == ["true", "true"]
    assert fn.equals(fn.region, False).args[1] == "false"
    with pytest.raises(PropertyTypeError, match="must be a str, number or bool, got list"):
        fn.equals([1], "x")


def test_get_att_works_on_custom_resources():
    from infrakit.aws import CustomResource

    seed = CustomResource("Seed", type_name="Custom::Seed", service_token="arn:aws:lambda:x")
    assert fn.get_att(seed, "Version")._describe() == "Seed.attrs.Version"


# --- template sections ----------------------------------------------------------------


class Sections(ik.Component[ParamInputs, ParamOutputs]):
    """Not the description."""

    description = "A free description"

    def build(self, inputs: ParamInputs) -> ParamOutputs:
        template.metadata(self, "Owner", {"team": "storage", "stack": fn.stack_name})
        template.rule(
            self,
            "SubnetInDefault",
            [
                template.Assert(fn.contains(["subnet-0123abcd", "subnet-4567"], inputs.subnet_a), "a known subnet"),
                fn.each_member_in([inputs.subnet_a], ["subnet-0123abcd", "subnet-4567"]),
            ],
            when=fn.equals(inputs.versioned, True),
        )
        bucket = self.add(
            s3.Bucket("Bucket", bucket_name=fn.sub("b-${Port}-${subnetA}"), object_lock_enabled=inputs.versioned)
        )
        return ParamOutputs(bucket=bucket.ref)


def test_description_metadata_and_rules():
    body = ik.synth(Sections).to_dict()
    assert body["Description"] == "A free description"
    assert body["Metadata"]["Owner"] == {"team": "storage", "stack": {"Ref": "AWS::StackName"}}
    assert list(body) == [
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Rules",
        "Resources",
        "Outputs",
    ]
    assert body["Rules"]["SubnetInDefault"] == {
        "RuleCondition": {"Fn::Equals": [{"Ref": "Versioned"}, "true"]},
        "Assertions": [
            {
                "Assert": {"Fn::Contains": [["subnet-0123abcd", "subnet-4567"], {"Ref": "subnetA"}]},
                "AssertDescription": "a known subnet",
            },
            {"Assert": {"Fn::EachMemberIn": [[{"Ref": "subnetA"}], ["subnet-0123abcd", "subnet-4567"]]}},
        ],
    }
    assert cfn_lint(body) == []


def test_the_default_description_is_unchanged():
    assert ik.synth(Parameters).to_dict()["Description"] == "Parameters"


def test_value_of_and_ref_all_in_a_rule():
    @ik.inputs
    class Inputs:
        subnet: ik.Param[str] = ik.param(aws_type="AWS::EC2::Subnet::Id")
        vpc: ik.Param[str] = ik.param(aws_type="AWS::EC2::VPC::Id")

    def build(self, inputs):
        template.rule(
            self,
            "SubnetInVpc",
            [
                template.Assert(fn.contains([inputs.vpc], fn.value_of(inputs.subnet, "VpcId")), "subnet in the VPC"),
                template.Assert(fn.contains(fn.ref_all("AWS::EC2::VPC::Id"), inputs.vpc)),
                template.Assert(fn.each_member_equals(fn.value_of_all("AWS::EC2::Subnet::Id", "VpcId"), inputs.vpc)),
            ],
        )
        self.add(ec2.SubnetNetworkAclAssociation("A", subnet_id=inputs.subnet, network_acl_id="acl-1"))
        self.add(ec2.SecurityGroup("Sg", group_description="x", vpc_id=inputs.vpc))

    body = ik.synth(_component("Ruled", Inputs, build)).to_dict()
    asserts = [a["Assert"] for a in body["Rules"]["SubnetInVpc"]["Assertions"]]
    assert asserts[0] == {"Fn::Contains": [[{"Ref": "Vpc"}], {"Fn::ValueOf": ["Subnet", "VpcId"]}]}
    assert asserts[1] == {"Fn::Contains": [{"Fn::RefAll": "AWS::EC2::VPC::Id"}, {"Ref": "Vpc"}]}
    assert asserts[2] == {
        "Fn::EachMemberEquals": [{"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]}, {"Ref": "Vpc"}]
    }
    assert cfn_lint(body) == []


def test_a_rule_that_names_a_resource_is_an_error():
    def build(self, inputs):
        q = self.add(sqs.Queue("Q"))
        template.rule(self, "R", [fn.equals(q.ref, "x")])

    with pytest.raises(SynthError, match=r"RuleRes: rule 'R': a rule sees parameters only, not AWS::SQS::Queue 'Q'"):
        ik.synth(_component("RuleRes", _no_inputs("RuleRes"), build))


def test_rule_functions_work_only_in_rules():
    def build(self, inputs):
        self.add(sqs.Queue("Q", queue_name=fn.if_(self.condition("C", fn.contains(["a"], "a")), "a", "b")))

    with pytest.raises(PropertyTypeError, match=r"fn\.contains works only in a rule"):
        ik.synth(_component("NotRule", _no_inputs("NotRule"), build))


def test_ref_all_checks_its_parameter_type():
    with pytest.raises(PropertyTypeError, match="'AWS::EC2::Nope' is not a CloudFormation parameter type"):
        fn.ref_all("AWS::EC2::Nope")


def test_language_extensions_functions_add_their_transform():
    @ik.inputs
    class Inputs:
        names: ik.Param[list[str]] = ik.param(default=["a", "b"])

    def build(self, inputs):
        self.add(
            sqs.Queue(
                "Q",
                delay_seconds=fn.length(inputs.names),
                queue_name=fn.select(0, inputs.names),
            )
        )
        self.add(ssm_parameter("P", fn.to_json_string({"names": inputs.names})))

    body = ik.synth(_component("Lang", Inputs, build)).to_dict()
    assert body["Transform"] == "AWS::LanguageExtensions"
    assert body["Resources"]["Q"]["Properties"]["DelaySeconds"] == {"Fn::Length": {"Ref": "Names"}}
    assert body["Resources"]["P"]["Properties"]["Value"] == {"Fn::ToJsonString": {"names": {"Ref": "Names"}}}
    assert cfn_lint(body) == []


def ssm_parameter(name, value):
    from infrakit.aws import ssm

    return ssm.Parameter(name, type="String", value=value)


def test_transforms_include_and_sam_globals():
    def build(self, inputs):
        template.transform(self, "AWS::LanguageExtensions")
        template.sam_globals(self, "Function", {"Timeout": 30, "Runtime": "python3.12"})
        self.add(
            serverless.Function("Fn", handler="app.handler", code_uri="s3://bucket/code.zip", runtime="python3.12")
        )
        self.add(sqs.Queue("Q", tags=fn.include("s3://bucket/tags.yaml")))

    body = ik.synth(_component("Sam", _no_inputs("Sam"), build)).to_dict()
    assert body["Transform"] == ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]
    assert body["Globals"] == {"Function": {"Timeout": 30, "Runtime": "python3.12"}}
    assert body["Resources"]["Q"]["Properties"]["Tags"] == {
        "Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://bucket/tags.yaml"}}
    }
    assert cfn_lint(body) == []


def test_template_helpers_check_their_arguments():
    def build(self, inputs):
        template.sam_globals(self, "Functions", {})

    with pytest.raises(DefinitionError, match="section 'Functions' is not one of"):
        ik.synth(_component("BadGlobals", _no_inputs("BadGlobals"), build))

    def conflicting(self, inputs):
        template.sam_globals(self, "Function", {"Timeout": 30, "Runtime": "python3.12"})
        template.sam_globals(self, "Function", {"Runtime": "python3.12"})  # the same value again: fine
        template.sam_globals(self, "Function", {"Timeout": 60})

    with pytest.raises(
        DefinitionError, match=r"'Function': 'Timeout' is set twice, to different values \(int 30 and int 60\)"
    ):
        ik.synth(_component("TwoTimeouts", _no_inputs("TwoTimeouts"), conflicting))

    def twice(self, inputs):
        template.rule(self, "R", [fn.contains(["a"], "a")])
        template.rule(self, "R", [fn.contains(["a"], "a")])

    with pytest.raises(LogicalIdError, match="rule 'R' is defined twice"):
        ik.synth(_component("Twice", _no_inputs("Twice"), twice))
    with pytest.raises(DefinitionError, match="takes the component"):
        template.metadata(object(), "k", "v")


def test_interface_metadata_and_explicit_interface_metadata_conflict():
    class Both(Parameters):
        def build(self, inputs):
            template.metadata(self, "AWS::CloudFormation::Interface", {})
            return super().build(inputs)

    with pytest.raises(SynthError, match=r"is set by template\.metadata and also made from"):
        ik.synth(Both)


def test_a_number_parameter_is_accepted_where_cloudformation_takes_a_string():
    from infrakit.aws import rds

    @ik.inputs
    class Inputs:
        port: ik.Param[int] = 5432

    def build(self, inputs):
        self.add(ec2.SecurityGroup("Sg", group_description=inputs.port))
        self.add(
            rds.DBClusterParameterGroup(
                "Params", description="x", family="aurora-postgresql16", parameters={"port": inputs.port}
            )
        )
        self.add(sqs.Queue("Q", queue_name=fn.join("-", ["q", inputs.port])))

    body = ik.synth(_component("NumberText", Inputs, build)).to_dict()
    assert body["Resources"]["Sg"]["Properties"]["GroupDescription"] == {"Ref": "Port"}
    assert cfn_lint(body) == []


def test_a_boolean_or_list_expression_is_still_refused_where_a_string_is_expected():
    @ik.inputs
    class Inputs:
        flag: ik.Param[bool] = True
        names: ik.Param[list[str]] = ik.param(default=["a"])

    with pytest.raises(PropertyTypeError, match="property `group_description`: expected str, got expression"):
        ik.synth(
            _component("BoolText", Inputs, lambda self, i: self.add(ec2.SecurityGroup("Sg", group_description=i.flag)))
        )
    with pytest.raises(PropertyTypeError, match="property `group_description`: expected str, got expression"):
        ik.synth(
            _component("ListText", Inputs, lambda self, i: self.add(ec2.SecurityGroup("Sg", group_description=i.names)))
        )


def test_assert_contract_knows_chosen_output_names_and_parameters_used_in_rules():
    from infrakit.testing import assert_contract

    @ik.inputs
    class Inputs:
        env: ik.Param[str] = "dev"

    @ik.outputs
    class Outs:
        url: ik.Out[str] = ik.out(name="QueueURL")

    def build(self, inputs):
        template.rule(self, "KnownEnv", [fn.contains(["dev", "prod"], inputs.env)])
        return Outs(url=self.add(sqs.Queue("Q")).ref)

    template_ = assert_contract(_component("RuleOnly", Inputs, build, Outs), None)
    template_.has_output("QueueURL")


def test_a_parameter_named_only_in_an_export_name_counts_as_used():
    @ik.inputs
    class Inputs:
        environment_name: ik.Param[str] = "dev"

    @ik.outputs
    class Outs:
        vpc: ik.Out[str] = ik.out(export_name="${EnvironmentName}-VPCID")

    def build(self, inputs):
        return Outs(vpc=self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16")).ref)

    body = ik.synth(_component("ExportOnly", Inputs, build, Outs)).to_dict()
    assert body["Outputs"]["Vpc"]["Export"] == {"Name": {"Fn::Sub": "${EnvironmentName}-VPCID"}}
    assert cfn_lint(body) == []


def test_a_chosen_description_longer_than_cloudformation_takes_is_refused():
    class Long(Parameters):
        description = "x" * 1025

    with pytest.raises(SynthError, match="Long: description is 1,025 bytes, over CloudFormation's limit of 1,024"):
        ik.synth(Long)


@ik.inputs
class TopicInputs:
    topic_names: ik.Param[list[str]] = ik.param(default=["orders", "payments"])
    suffix: ik.Param[str] = "events"


def test_for_each_writes_resources_per_item_with_language_extensions():
    from infrakit.aws import sns

    def build(self, inputs):
        bucket = self.add(s3.Bucket("Bucket"))
        template.for_each(
            self,
            "Topics",
            "TopicName",
            inputs.topic_names,
            lambda name: [
                sns.Topic(
                    "Topic${TopicName}",
                    topic_name=fn.sub("${TopicName}-${Suffix}"),  # Suffix is used only here
                    display_name=name,
                    tags=[ik.Tag("bucket", bucket.ref)],
                )
            ],
        )

    body = ik.synth(_component("Looped", TopicInputs, build)).to_dict()
    assert body["Transform"] == "AWS::LanguageExtensions"
    assert body["Resources"]["Fn::ForEach::Topics"] == [
        "TopicName",
        {"Ref": "TopicNames"},
        {
            "Topic${TopicName}": {
                "Type": "AWS::SNS::Topic",
                "Properties": {
                    "DisplayName": {"Ref": "TopicName"},
                    "Tags": [{"Key": "bucket", "Value": {"Ref": "Bucket"}}],
                    "TopicName": {"Fn::Sub": "${TopicName}-${Suffix}"},
                },
            }
        },
    ]
    assert cfn_lint(body) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda item: [sqs.Queue("Queue")], r"a looped resource's logical id holds \$\{TopicName\}"),
        (lambda item: sqs.Queue("Q${TopicName}"), "make must return a non-empty list of resources"),
        (lambda item: ["x"], "make returned str 'x', not a resource"),
    ],
)
def test_for_each_checks_what_make_returns(make, message):
    def build(self, inputs):
        self.add(s3.Bucket("Bucket", bucket_name=inputs.suffix))
        template.for_each(self, "Topics", "TopicName", inputs.topic_names, make)

    with pytest.raises((DefinitionError, LogicalIdError), match=message):
        ik.synth(_component("BadLoop", TopicInputs, build))


def test_a_resource_named_in_sub_text_is_a_dependency_so_cycles_are_found():
    def build(self, inputs):
        a = sqs.Queue("A", queue_name=fn.sub("${B.QueueName}-a"))
        b = sqs.Queue("B", queue_name=fn.sub("${A}-b"))
        self.add(a)
        self.add(b)

    with pytest.raises(SynthError, match="resources depend on each other in a cycle"):
        ik.synth(_component("SubCycle", _no_inputs("SubCycle"), build))


def test_find_in_map_takes_a_default_with_language_extensions():
    sizes = fn.mapping("Sizes", {"prod": {"Delay": 5}})

    @ik.inputs
    class Inputs:
        env: ik.Param[str] = "dev"

    def build(self, inputs):
        self.add(sqs.Queue("Q", delay_seconds=fn.find_in_map(sizes, inputs.env, "Delay", default=0)))

    body = ik.synth(_component("MapDefault", Inputs, build)).to_dict()
    assert body["Transform"] == "AWS::LanguageExtensions"
    assert body["Resources"]["Q"]["Properties"]["DelaySeconds"] == {
        "Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Delay", {"DefaultValue": 0}]
    }
    assert cfn_lint(body) == []
    # with a default, a top key the mapping lacks is no error: the default is what it gives
    assert fn.find_in_map(sizes, "dev", "Delay", default=1).type is int
