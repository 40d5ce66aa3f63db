"""Built-in CloudFormation schema validation (``infrakit.aws._schema``) and its generator
(``tools/gen_aws_schema.py``): values checked at construction, whole resources at synth."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from helpers import in_background

import infrakit as ik
from infrakit.aws import ec2, iam, s3, sns, sqs
from infrakit.aws._schema import compile_pattern, resource_problems, template_problems, translate_pattern
from infrakit.errors import PropertyValueError, SchemaError

ROOT = Path(__file__).resolve().parent.parent


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_aws_schema", ROOT / "tools" / "gen_aws_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_aws_schema"] = module
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- the generated tables


#: Started at collection: it runs beside the rest of the suite (see helpers.in_background).
_CHECK = in_background(
    sys.executable, str(ROOT / "tools" / "gen_aws_schema.py"), "--check", env={"PYTHONHASHSEED": "4321"}
)


@pytest.mark.awaits_background
def test_regenerating_the_schema_tables_changes_nothing_under_another_hash_seed() -> None:
    done = _CHECK.result()
    assert done.returncode == 0, done.stderr


def test_every_schema_pattern_compiles_in_python() -> None:
    gen = _load_generator()
    files = {p.name: p.read_text(encoding="utf-8") for p in gen.OUTPUT_DIR.glob("*.py")}
    patterns = gen.patterns(files)
    assert len(patterns) > 2000
    assert [p for p in patterns if compile_pattern(p) is None] == []


def test_trim_keeps_what_constrains_a_value_and_drops_the_rest() -> None:
    gen = _load_generator()
    node = {"type": "string", "description": "x", "pattern": "^a$", "insertionOrder": False, "maxLength": 3}
    assert gen.trim(node) == {"type": "string", "pattern": "^a$", "maxLength": 3}


def test_read_only_properties_are_left_out_of_a_table() -> None:
    gen = _load_generator()
    schema = {
        "properties": {"Name": {"type": "string"}, "Arn": {"type": "string"}},
        "readOnlyProperties": ["/properties/Arn"],
        "required": ["Name"],
    }
    table = gen.resource_table(schema)
    assert set(table["properties"]) == {"Name"} and table["required"] == ["Name"]


# --------------------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", "Ünïcode tag 1", "tab\there"),
        (r"^[\P{C}]*$", "visible", "bell\x07"),
        (r"^[\w-\.]+$", "a-b.c", "a b"),
        (r"^[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*$", "emoji \U0001f600", "nul\x00"),
        (r"^(?:alias/.*|(?i)[0-9a-f]{8})$", "ABCDEF01", "xyz"),
        (r"^([\p{L}]*)${1,128}", "abc", "ab1"),
    ],
)
def test_ecma_patterns_are_translated_to_python(pattern: str, good: str, bad: str) -> None:
    compiled = compile_pattern(pattern)
    assert compiled is not None, translate_pattern(pattern)
    assert compiled.search(good) and not compiled.search(bad)


# --------------------------------------------------------------------------- at construction


def test_a_number_out_of_range_fails_at_construction_naming_the_property() -> None:
    with pytest.raises(PropertyValueError, match=r"AWS::SQS::Queue 'Q': property `message_retention_period`.*>= 60"):
        sqs.Queue("Q", message_retention_period=5)


def test_a_string_not_matching_its_pattern_fails_at_construction() -> None:
    with pytest.raises(PropertyValueError, match=r"`bucket_name` \(BucketName\).*does not match"):
        s3.Bucket("Logs", bucket_name="Not_A_Bucket!")


def test_a_string_too_long_fails_at_construction() -> None:
    with pytest.raises(PropertyValueError, match=r"`topic_name`.*at most 256 characters"):
        sns.Topic("T", topic_name="t" * 257)


def test_an_expression_is_not_checked_at_construction() -> None:
    vpc = ec2.VPC("Vpc", cidr_block="10.0.0.0/16")
    ec2.Subnet("Subnet", vpc_id=vpc.ref, cidr_block=vpc.attrs.cidr_block)


def test_valid_values_construct() -> None:
    sqs.Queue("Q", message_retention_period=60, queue_name="orders")


def test_a_dynamic_reference_is_not_checked() -> None:
    sns.Topic("T", topic_name="{{resolve:ssm:/topics/" + "n" * 256 + "}}")


# --------------------------------------------------------------------------- at synth


@ik.inputs
class NoInputs:
    pass


@ik.outputs
class NoOutputs:
    pass


def _synth_one(resource: Any) -> Any:
    class One(ik.Component[NoInputs, NoOutputs]):
        def build(self, inputs: NoInputs) -> NoOutputs:
            self.add(resource)
            return NoOutputs()

    return ik.synth(One)


def test_a_required_group_fails_at_synth_naming_component_resource_and_properties() -> None:
    policy = iam.Policy("Policy", policy_name="p", policy_document={"Version": "2012-10-17", "Statement": []})
    with pytest.raises(
        SchemaError, match=r"One: AWS::IAM::Policy 'Policy': .*Users, Groups, Roles|Users.*Groups.*Roles"
    ):
        _synth_one(policy)


def test_exclusive_properties_fail_at_synth() -> None:
    entry = ec2.NetworkAclEntry(
        "Entry",
        network_acl_id="acl-1",
        protocol=6,
        rule_action="allow",
        rule_number=100,
        cidr_block="10.0.0.0/8",
        ipv6_cidr_block="::/0",
    )
    with pytest.raises(SchemaError, match=r"exactly one of .*Ipv6CidrBlock.*CidrBlock"):
        _synth_one(entry)


def test_a_nested_value_fails_at_synth_with_its_path() -> None:
    bucket = s3.Bucket("Logs", versioning_configuration=s3.Bucket.VersioningConfiguration(status="Enabled"))
    bucket.versioning_configuration.status = "Enabled"  # type-checked on assignment already
    bucket.bucket_name = "UPPER"  # assigned later: checked at synth
    with pytest.raises(SchemaError, match=r"property `bucket_name` \(BucketName\)"):
        _synth_one(bucket)


# --------------------------------------------------------------------------- templates as data


def _template(resource_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": {"R": {"Type": resource_type, "Properties": properties}}}


@pytest.mark.parametrize(
    ("resource_type", "properties", "expected"),
    [
        ("AWS::SQS::Queue", {"MessageRetentionPeriod": 59}, ">= 60"),
        ("AWS::SQS::Queue", {"DelaySeconds": "nine hundred"}, "expected integer"),
        ("AWS::SQS::Queue", {"MessageRetentionPeriod": 60, "Colour": "red"}, "Colour: unknown property"),
        ("AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "On"}}, "expected one of"),
        ("AWS::S3::Bucket", {"VersioningConfiguration": {}}, "Status: required property is missing"),
        ("AWS::EC2::Subnet", {"CidrBlock": "10.0.0.0/24"}, "VpcId: required property is missing"),
        ("AWS::EC2::SecurityGroup", {"GroupDescription": "d", "SecurityGroupEgress": []}, "required when"),
        ("AWS::SNS::Topic", {"Subscription": [{"Protocol": "email"}]}, "Endpoint: required property is missing"),
    ],
)
def test_template_problems_name_the_resource_and_property(
    resource_type: str, properties: dict[str, Any], expected: str
) -> None:
    problems = list(template_problems(_template(resource_type, properties)))
    assert problems and all(p.startswith("Resources.R.Properties.") for p in problems)
    assert any(expected in p for p in problems), problems


def test_intrinsic_functions_are_skipped_and_both_branches_of_an_if_are_checked() -> None:
    assert resource_problems("AWS::SQS::Queue", {"MessageRetentionPeriod": {"Ref": "Retention"}}) == []
    problems = resource_problems("AWS::SQS::Queue", {"MessageRetentionPeriod": {"Fn::If": ["C", 60, 5]}})
    assert len(problems) == 1 and ">= 60" in problems[0]
    no_value = {"Fn::If": ["C", 60, {"Ref": "AWS::NoValue"}]}
    assert resource_problems("AWS::SQS::Queue", {"MessageRetentionPeriod": no_value}) == []


def test_cloudformation_style_scalars_are_accepted() -> None:
    # CloudFormation reads "60" as a number and 1 as a string, as cfn-lint does by default.
    assert resource_problems("AWS::SQS::Queue", {"MessageRetentionPeriod": "60", "QueueName": 1}) == []


def test_a_type_without_a_schema_has_no_problems() -> None:
    assert resource_problems("Custom::Thing", {"Anything": 1}) == []


def test_the_runtime_does_not_import_cfn_lint() -> None:
    code = (
        "import sys; from infrakit.aws._schema import template_problems; "
        "list(template_problems({'Resources': {'Q': {'Type': 'AWS::SQS::Queue', 'Properties': {}}}})); "
        "print(any(m.startswith('cfnlint') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_problem_paths_read_like_the_template() -> None:
    problems = list(template_problems(_template("AWS::SNS::Topic", {"Subscription": [{"Protocol": "nope"}]})))
    assert any(re.match(r"Resources\.R\.Properties\.Subscription\[0\]\.", p) for p in problems), problems


def test_a_property_set_to_no_value_counts_as_absent_for_every_keyword() -> None:
    # CloudFormation removes a property whose value is AWS::NoValue (cfn-lint agrees): it
    # neither excludes nor requires another, and does not satisfy a requiredOr group.
    no_value = {"Ref": "AWS::NoValue"}
    subnet = {"VpcId": "vpc-0123abcd", "CidrBlock": "10.0.0.0/24", "Ipv4IpamPoolId": no_value}
    assert resource_problems("AWS::EC2::Subnet", subnet) == []
    problems = resource_problems("AWS::EC2::Subnet", {"VpcId": "vpc-0123abcd", "CidrBlock": no_value})
    assert len(problems) == 1 and "at least one of" in problems[0], problems
    assert resource_problems("AWS::SQS::Queue", {"QueueName": no_value}) == []


def test_array_lengths_count_items_that_may_be_removed_leniently() -> None:
    # Two Fn::If items, each with an AWS::NoValue branch, under maxItems 1: cfn-lint accepts it
    # (the conditions exclude each other); an item that is AWS::NoValue itself never counts.
    no_value = {"Ref": "AWS::NoValue"}
    either = [{"Fn::If": ["IsArm", "arm64", no_value]}, {"Fn::If": ["NotArm", "x86_64", no_value]}]
    base = {"Role": "arn:aws:iam::123456789012:role/x", "Code": {"ZipFile": "x"}}
    assert resource_problems("AWS::Lambda::Function", {**base, "Architectures": either}) == []
    problems = resource_problems("AWS::Lambda::Function", {**base, "Architectures": ["arm64", "x86_64"]})
    assert problems == ["Architectures: expected at most 1 items, got 2"]
    problems = resource_problems("AWS::Lambda::Function", {**base, "Architectures": [no_value]})
    assert problems == ["Architectures: expected at least 1 items, got 0"]


def test_exclusive_properties_each_behind_a_condition_are_accepted() -> None:
    # CidrBlock or an IPAM pool, chosen by a condition: cfn-lint and CloudFormation accept it.
    no_value = {"Ref": "AWS::NoValue"}
    subnet = {
        "VpcId": "vpc-0123abcd",
        "CidrBlock": {"Fn::If": ["UseIpam", no_value, "10.0.0.0/24"]},
        "Ipv4IpamPoolId": {"Fn::If": ["UseIpam", "ipam-pool-0123456789abcdef0", no_value]},
        "Ipv4NetmaskLength": {"Fn::If": ["UseIpam", 24, no_value]},
    }
    assert resource_problems("AWS::EC2::Subnet", subnet) == []
    both = {**subnet, "CidrBlock": "10.0.0.0/24", "Ipv4IpamPoolId": "ipam-pool-0123456789abcdef0"}
    assert sorted(resource_problems("AWS::EC2::Subnet", both)) == [
        "CidrBlock: not allowed together with `Ipv4IpamPoolId`",
        "Ipv4IpamPoolId: not allowed together with `CidrBlock`",
    ]
    policy = {"PolicyName": "p", "PolicyType": "StepScaling", "ScalableDimension": "ecs:service:DesiredCount"}
    either = {
        **policy,
        "ServiceNamespace": "ecs",
        "ScalingTargetId": {"Fn::If": ["ById", "t", no_value]},
        "ResourceId": {"Fn::If": ["ById", no_value, "service/c/s"]},
    }
    assert resource_problems("AWS::ApplicationAutoScaling::ScalingPolicy", either) == []
    problems = resource_problems("AWS::ApplicationAutoScaling::ScalingPolicy", policy)
    assert any("expected exactly one of" in p for p in problems), problems
