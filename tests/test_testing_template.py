"""infrakit.testing.Template, Match and Capture: assertions on synthesized templates."""

from __future__ import annotations

import re

import pytest

import infrakit as ik
from infrakit.aws import ec2, fn
from infrakit.testing import Capture, Match, Template

CFN = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"VpcId": {"Type": "AWS::EC2::VPC::Id"}, "Env": {"Type": "String", "Default": "dev"}},
    "Resources": {
        "Vpc": {
            "Type": "AWS::EC2::VPC",
            "Properties": {
                "CidrBlock": "10.0.0.0/16",
                "EnableDnsHostnames": True,
                "Tags": [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "net"}],
            },
        },
        "SubnetA": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24", "MapPublicIpOnLaunch": True},
        },
        "SubnetB": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
            "DependsOn": ["SubnetA"],
        },
        "Queue": {"Type": "AWS::SQS::Queue"},
    },
    "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}, "SubnetCount": {"Value": "2"}},
}


@pytest.fixture
def template() -> Template:
    return Template(CFN)


def _fails(pattern: str, call: object, *args: object) -> str:
    with pytest.raises(AssertionError) as caught:
        call(*args)  # type: ignore[operator]
    message = str(caught.value)
    assert re.search(pattern, message, re.S), message
    return message


# --- plain patterns -----------------------------------------------------------------


def test_a_plain_dict_matches_deep_partially(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/16"})
    template.has_resource("AWS::EC2::Subnet", {"Properties": {"VpcId": {"Ref": "Vpc"}}})


def test_a_plain_list_must_match_length_and_order(template: Template) -> None:
    _fails(
        r"Properties\.Tags: expected an array of 1 items, got 2",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"Tags": [{"Key": "env"}]},
    )


def test_a_plain_list_matches_its_object_items_partially(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::VPC", {"Tags": [{"Key": "env"}, {"Key": "team"}]})


def test_booleans_do_not_match_numbers() -> None:
    _fails(
        r"expected 1, got true",
        Template({"Resources": {"A": {"Type": "T", "Properties": {"X": True}}}}).has_resource_properties,
        "T",
        {"X": 1},
    )


def test_has_resource_matches_the_whole_definition(template: Template) -> None:
    template.has_resource("AWS::EC2::Subnet", {"DependsOn": ["SubnetA"]})


def test_has_resource_without_props_needs_only_the_type(template: Template) -> None:
    template.has_resource("AWS::SQS::Queue")


# --- Match --------------------------------------------------------------------------


def test_object_like_ignores_other_keys(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::VPC", Match.object_like({"EnableDnsHostnames": True}))


def test_object_equals_refuses_other_keys(template: Template) -> None:
    _fails(
        r"Properties\.MapPublicIpOnLaunch: unexpected key",
        template.has_resource_properties,
        "AWS::EC2::Subnet",
        Match.object_equals({"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"}),
    )


def test_object_equals_passes_on_exactly_the_keys(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::Subnet", Match.object_equals({"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"})
    )


def test_object_equals_is_exact_in_nested_objects(template: Template) -> None:
    _fails(
        r"Properties\.Tags\[0\]\.Value: unexpected key",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        Match.object_like({"Tags": Match.array_equals([{"Key": "env"}, {"Key": "team", "Value": "net"}])}),
    )


def test_array_with_finds_items_in_order_with_others_between(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::VPC", {"Tags": Match.array_with([{"Key": "team"}])})


def test_array_with_refuses_items_out_of_order(template: Template) -> None:
    _fails(
        r"no item after item 1 matches pattern item 1",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"Tags": Match.array_with([{"Key": "team"}, {"Key": "env"}])},
    )


def test_array_equals_needs_the_same_items(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::VPC",
        {"Tags": Match.array_equals([{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "net"}])},
    )
    _fails(
        r"Properties\.Tags\[1\]\.Value: expected \"ops\", got \"net\"",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"Tags": Match.array_equals([{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "ops"}])},
    )


def test_any_value_needs_the_key_present(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": Match.any_value()})
    _fails(
        r"Properties\.InstanceTenancy: missing; expected any value",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"InstanceTenancy": Match.any_value()},
    )


def test_absent_needs_the_key_missing(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::Subnet", {"MapPublicIpOnLaunch": Match.absent(), "CidrBlock": "10.0.1.0/24"}
    )
    _fails(
        r"Properties\.CidrBlock: expected to be absent, got \"10.0.0.0/16\"",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"CidrBlock": Match.absent()},
    )


def test_absent_properties_match_absent(template: Template) -> None:
    template.has_resource("AWS::SQS::Queue", {"Properties": Match.absent()})


def test_a_resource_without_properties_has_empty_properties() -> None:
    # infrakit leaves out an empty Properties, as CloudFormation allows.
    topic = Template({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    topic.has_resource_properties("AWS::SNS::Topic", {"TopicName": Match.absent()})
    topic.has_resource_properties("AWS::SNS::Topic", Match.object_equals({}))
    topic.all_resources_properties("AWS::SNS::Topic", {"TopicName": Match.absent()})
    topic.has_resource_properties("AWS::SNS::Topic", Match.absent())
    _fails(r"Properties\.TopicName: missing", topic.has_resource_properties, "AWS::SNS::Topic", {"TopicName": "t"})


def test_string_like_regexp_searches_strings(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": Match.string_like_regexp(r"^10\.0\.")})
    _fails(
        r"expected a string matching /\^192/",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"CidrBlock": Match.string_like_regexp(r"^192")},
    )


def test_string_like_regexp_refuses_non_strings(template: Template) -> None:
    _fails(
        r"expected a string matching /true/, got true",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"EnableDnsHostnames": Match.string_like_regexp("true")},
    )


def test_not_inverts_a_pattern(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": Match.not_("10.9.0.0/16")})
    _fails(
        r"expected not to match \"10.0.0.0/16\"",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"CidrBlock": Match.not_("10.0.0.0/16")},
    )


# --- Capture ------------------------------------------------------------------------


def test_capture_records_the_matched_value(template: Template) -> None:
    cidr = Capture()
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": cidr})
    assert cidr.as_string() == "10.0.0.0/16"


def test_capture_gives_arrays_and_objects(template: Template) -> None:
    tags, ref = Capture(), Capture()
    template.has_resource_properties("AWS::EC2::Subnet", {"VpcId": ref})
    template.has_resource_properties("AWS::EC2::VPC", {"Tags": tags})
    assert ref.as_object() == {"Ref": "Vpc"}
    assert tags.as_array()[0] == {"Key": "env", "Value": "dev"}


def test_capture_gives_numbers() -> None:
    count = Capture()
    Template({"Resources": {"A": {"Type": "T", "Properties": {"N": 3}}}}).has_resource_properties("T", {"N": count})
    assert count.as_number() == 3


def test_capture_of_the_wrong_kind_is_an_assertion_error(template: Template) -> None:
    cidr = Capture()
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": cidr})
    with pytest.raises(AssertionError, match=r"expected to be a number, got \"10.0.0.0/16\""):
        cidr.as_number()


def test_capture_without_a_value_is_an_assertion_error() -> None:
    with pytest.raises(AssertionError, match="no value was captured"):
        Capture().as_string()


def test_capture_next_walks_through_every_match(template: Template) -> None:
    cidr = Capture()
    template.has_resource_properties("AWS::EC2::Subnet", {"CidrBlock": cidr})
    seen = [cidr.as_string()]
    while cidr.next():
        seen.append(cidr.as_string())
    assert seen == ["10.0.0.0/24", "10.0.1.0/24"]


def test_capture_with_a_pattern_captures_only_matching_values(template: Template) -> None:
    tag = Capture({"Key": "team"})
    template.has_resource_properties("AWS::EC2::VPC", {"Tags": Match.array_with([tag])})
    assert tag.values == [{"Key": "team", "Value": "net"}]


def test_capture_keeps_nothing_from_a_failed_match(template: Template) -> None:
    cidr = Capture()
    with pytest.raises(AssertionError):
        template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": cidr, "InstanceTenancy": "dedicated"})
    assert cidr.values == []


# --- failure messages ---------------------------------------------------------------


def test_a_failure_shows_the_closest_candidates_with_paths_and_values(template: Template) -> None:
    message = _fails(
        r"no AWS::EC2::Subnet resource whose properties match",
        template.has_resource_properties,
        "AWS::EC2::Subnet",
        {"CidrBlock": "10.0.2.0/24", "MapPublicIpOnLaunch": True},
    )
    assert "SubnetA (1 difference):" in message
    assert 'Properties.CidrBlock: expected "10.0.2.0/24", got "10.0.0.0/24"' in message
    assert "SubnetB (2 differences):" in message
    assert message.index("SubnetA") < message.index("SubnetB")  # closest first


def test_a_failure_shows_at_most_three_candidates() -> None:
    many = Template({"Resources": {f"Q{i}": {"Type": "T", "Properties": {"N": i}} for i in range(6)}})
    message = _fails(r"The closest of 6 T resources", many.has_resource_properties, "T", {"N": 99})
    assert "... and 3 more" in message


def test_a_missing_type_lists_the_types_and_suggests_one(template: Template) -> None:
    _fails(
        r"no AWS::EC2::Vpc resource \(did you mean 'AWS::EC2::VPC'\?\); its resource types are: AWS::EC2::Subnet, "
        r"AWS::EC2::VPC, AWS::SQS::Queue",
        template.has_resource,
        "AWS::EC2::Vpc",
    )


# --- counting and finding -----------------------------------------------------------


def test_resource_count_is_counts_one_type(template: Template) -> None:
    template.resource_count_is("AWS::EC2::Subnet", 2)
    template.resource_count_is("AWS::S3::Bucket", 0)


def test_resource_count_is_names_what_it_found(template: Template) -> None:
    _fails(
        r"has 2 AWS::EC2::Subnet resources, expected 3: SubnetA, SubnetB",
        template.resource_count_is,
        "AWS::EC2::Subnet",
        3,
    )


def test_find_resources_returns_matches_by_logical_id(template: Template) -> None:
    assert list(template.find_resources("AWS::EC2::Subnet")) == ["SubnetA", "SubnetB"]
    found = template.find_resources("AWS::EC2::Subnet", {"DependsOn": Match.any_value()})
    assert list(found) == ["SubnetB"] and found["SubnetB"]["Properties"]["CidrBlock"] == "10.0.1.0/24"


def test_all_resources_passes_when_every_one_matches(template: Template) -> None:
    template.all_resources("AWS::EC2::Subnet", {"Properties": {"VpcId": {"Ref": "Vpc"}}})
    template.all_resources_properties("AWS::EC2::Subnet", {"VpcId": {"Ref": "Vpc"}})


def test_all_resources_names_each_one_that_does_not_match(template: Template) -> None:
    _fails(
        r"1 of 2 AWS::EC2::Subnet resources do not match.*SubnetB:\n\s+Properties\.MapPublicIpOnLaunch: missing",
        template.all_resources_properties,
        "AWS::EC2::Subnet",
        {"MapPublicIpOnLaunch": True},
    )


# --- outputs and parameters ---------------------------------------------------------


def test_has_output_by_template_name_or_field_name(template: Template) -> None:
    template.has_output("VpcId", {"Value": {"Ref": "Vpc"}})
    template.has_output("subnet_count")


def test_has_output_shows_the_difference(template: Template) -> None:
    _fails(
        r"output 'VpcId' does not match.*Value\.Ref: expected \"Other\", got \"Vpc\"",
        template.has_output,
        "VpcId",
        {"Value": {"Ref": "Other"}},
    )


def test_a_missing_output_suggests_the_closest_name(template: Template) -> None:
    _fails(
        r"no output 'VpcIds' \(did you mean 'VpcId'\?\); its outputs are: VpcId, SubnetCount",
        template.has_output,
        "VpcIds",
    )


def test_has_parameter_checks_its_definition(template: Template) -> None:
    template.has_parameter("vpc_id", {"Type": "AWS::EC2::VPC::Id"})
    _fails(
        r"parameter 'Env' does not match.*Default: expected \"prod\"",
        template.has_parameter,
        "Env",
        {"Default": "prod"},
    )


def test_find_outputs_and_parameters_filter_by_pattern(template: Template) -> None:
    assert list(template.find_outputs("*", {"Value": {"Ref": Match.any_value()}})) == ["VpcId"]
    assert list(template.find_parameters("*", {"Default": Match.any_value()})) == ["Env"]


# --- CDK parity -----------------------------------------------------------------------


def test_find_outputs_and_parameters_take_a_logical_id_or_a_star(template: Template) -> None:
    assert list(template.find_outputs("VpcId")) == ["VpcId"]
    assert list(template.find_outputs("*")) == ["VpcId", "SubnetCount"]
    assert template.find_outputs("Nope") == {}
    assert list(template.find_parameters("Env", {"Default": "dev"})) == ["Env"]
    assert template.find_parameters("Env", {"Default": "prod"}) == {}
    assert list(template.find_parameters("vpc_id")) == ["VpcId"]  # the field name, as has_parameter


def test_find_outputs_refuses_a_pattern_in_place_of_the_logical_id(template: Template) -> None:
    with pytest.raises(TypeError, match=r"logical id or '\*' first"):
        template.find_outputs({"Value": "2"})  # type: ignore[arg-type]


def test_has_output_with_a_star_matches_any_output(template: Template) -> None:
    template.has_output("*", {"Value": "2"})
    _fails(r"no output matching", template.has_output, "*", {"Value": "3"})


def test_string_like_regexp_is_multi_line() -> None:
    user_data = Template(
        {"Resources": {"I": {"Type": "AWS::EC2::Instance", "Properties": {"UserData": "#!/bin/sh\nyum -y update\n"}}}}
    )
    user_data.has_resource_properties("AWS::EC2::Instance", {"UserData": Match.string_like_regexp(r"^yum -y update$")})


def test_a_plain_dict_inside_not_is_matched_exactly(template: Template) -> None:
    # {"Key": "env"} matches {"Key": "env", "Value": "dev"} partially, but not exactly.
    template.has_resource_properties("AWS::EC2::VPC", {"Tags": [Match.not_({"Key": "env"}), Match.any_value()]})
    _fails(
        r"expected not to match",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"Tags": [Match.not_({"Key": "env", "Value": "dev"}), Match.any_value()]},
    )


def test_not_on_a_missing_key_fails(template: Template) -> None:
    _fails(
        r"Properties\.InstanceTenancy: Missing key",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"InstanceTenancy": Match.not_("dedicated")},
    )


def test_exact_matches_deeply_and_exactly(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::Subnet", {"VpcId": Match.exact({"Ref": "Vpc"})})
    _fails(
        r"Tags\[0\]\.Value: unexpected key",
        template.has_resource_properties,
        "AWS::EC2::VPC",
        {"Tags": Match.exact([{"Key": "env"}, {"Key": "team", "Value": "net"}])},
    )
    with pytest.raises(TypeError):
        Match.exact(Match.any_value())


def test_serialized_json_parses_a_string_then_matches() -> None:
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}'
    body = Template({"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"Doc": policy}}}})
    body.has_resource_properties(
        "AWS::SNS::Topic", {"Doc": Match.serialized_json({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})}
    )
    _fails(
        r"unexpected key",
        body.has_resource_properties,
        "AWS::SNS::Topic",
        {"Doc": Match.serialized_json({"Version": "2012-10-17"})},
    )
    _fails(
        r"expected JSON as a string",
        Template(CFN).has_resource_properties,
        "AWS::EC2::VPC",
        {"EnableDnsHostnames": Match.serialized_json(True)},
    )


def test_capture_as_boolean(template: Template) -> None:
    captured = Capture()
    template.has_resource_properties("AWS::EC2::VPC", {"EnableDnsHostnames": captured})
    assert captured.as_boolean() is True
    with pytest.raises(AssertionError, match="a boolean"):
        cidr = Capture()
        template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": cidr})
        cidr.as_boolean()


def test_resource_properties_count_is(template: Template) -> None:
    template.resource_properties_count_is("AWS::EC2::Subnet", {"VpcId": {"Ref": "Vpc"}}, 2)
    template.resource_properties_count_is("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": True}, 1)
    _fails(
        r"has 1 AWS::EC2::Subnet resources whose properties match",
        template.resource_properties_count_is,
        "AWS::EC2::Subnet",
        {"MapPublicIpOnLaunch": True},
        2,
    )


def test_template_matches_the_whole_template_partially(template: Template) -> None:
    template.template_matches({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    _fails(
        r"Resources\.Queue\.Type: expected",
        template.template_matches,
        {"Resources": {"Queue": {"Type": "AWS::SNS::Topic"}}},
    )


MAPPED = {
    "Mappings": {"Regions": {"us-east-1": {"Ami": "ami-1"}}},
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
    "Parameters": {"Env": {"Type": "String"}},
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Condition": "IsProd"}},
}


def test_mappings_and_conditions_can_be_found_and_asserted() -> None:
    mapped = Template(MAPPED)
    mapped.has_mapping("Regions", {"us-east-1": {"Ami": "ami-1"}})
    mapped.has_mapping("*")
    assert list(mapped.find_mappings("*", {"us-east-1": Match.any_value()})) == ["Regions"]
    mapped.has_condition("IsProd", {"Fn::Equals": [{"Ref": "Env"}, "prod"]})
    assert list(mapped.find_conditions("IsProd")) == ["IsProd"]
    _fails(r"no mapping 'Zones'", mapped.has_mapping, "Zones")
    _fails(r"no conditions", Template(CFN).has_condition, "*")


CYCLIC = {
    "Resources": {
        "A": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["B", "Arn"]}}},
        },
        "B": {"Type": "AWS::SQS::Queue", "DependsOn": "C"},
        "C": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "${A.QueueName}-topic"}}},
    }
}


def test_a_template_with_a_dependency_cycle_is_refused_when_loaded() -> None:
    with pytest.raises(AssertionError, match=r"dependency cycle: A -> B -> C -> A"):
        Template(CYCLIC)
    Template(CYCLIC, skip_cyclical_dependencies_check=True).resource_count_is("AWS::SQS::Queue", 2)


def test_a_compute_template_with_a_dependency_cycle_is_refused_when_loaded() -> None:
    body = {
        "resources": [
            {"name": "a", "type": "compute.v1.network", "properties": {"x": "$(ref.b.selfLink)"}},
            {"name": "b", "type": "compute.v1.subnetwork", "properties": {"y": ["$(ref.c.selfLink)"]}},
            {"name": "c", "type": "compute.v1.address", "metadata": {"dependsOn": ["a"]}},
        ]
    }
    with pytest.raises(AssertionError, match=r"dependency cycle: a -> b -> c -> a"):
        Template(body)


def test_a_sub_variable_named_like_a_resource_is_no_dependency() -> None:
    # ${B} here is the Sub's own variable, not resource B: A and B form no cycle.
    sub = {"Fn::Sub": ["${B}-dlq", {"B": "literal"}]}
    body = {
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": sub}},
            "B": {"Type": "AWS::SQS::Queue", "DependsOn": "A"},
        }
    }
    Template(body).resource_count_is("AWS::SQS::Queue", 2)


def test_a_malformed_reference_is_no_dependency_and_no_traceback() -> None:
    # A Ref to a list, a GetAtt of an object: the cycle check reads past them (TypeError before).
    body = {
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": ["B"]}}},
            "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": [{"x": 1}, "Arn"]}}},
        }
    }
    Template(body).resource_count_is("AWS::SQS::Queue", 2)


# --- what a Template wraps ----------------------------------------------------------


@ik.inputs
class NetInputs:
    cidr: str = "10.0.0.0/16"


@ik.outputs
class NetOutputs:
    vpc_id: ik.Out[str]


class Net(ik.Component[NetInputs, NetOutputs]):
    """A VPC."""

    def build(self, inputs: NetInputs) -> NetOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr))
        self.add(ec2.Subnet("Subnet", vpc_id=vpc.ref, cidr_block=fn.select(0, fn.cidr(inputs.cidr, 1, "8"))))
        return NetOutputs(vpc_id=vpc.ref)


def test_template_wraps_a_synthesized_template() -> None:
    synthesized = ik.synth(Net, NetInputs(cidr="10.5.0.0/16"))
    template = Template(synthesized)
    assert template.source is synthesized and template.provider == "aws"
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.5.0.0/16"})


def test_from_synth_synthesizes_and_wraps() -> None:
    Template.from_synth(Net).has_output("vpc_id", {"Value": {"Ref": "Vpc"}})


def test_to_dict_is_a_copy(template: Template) -> None:
    template.to_dict()["Resources"].clear()
    template.resource_count_is("AWS::EC2::VPC", 1)
    assert CFN["Resources"]["Vpc"]["Properties"]["CidrBlock"] == "10.0.0.0/16"


def test_template_refuses_something_else() -> None:
    with pytest.raises(TypeError, match=r"takes an ik\.Template or a template dict"):
        Template("Resources: {}")


# --- compute templates --------------------------------------------------------------

COMPUTE = {
    "parameters": [{"name": "network", "type": "string"}],
    "resources": [
        {"name": "net", "type": "compute.v1.network", "properties": {"autoCreateSubnetworks": False}},
        {
            "name": "vm",
            "type": "compute.v1.instance",
            "properties": {"zone": "us-central1-a", "networkInterfaces": [{"network": "$(ref.net.selfLink)"}]},
        },
    ],
    "outputs": [{"name": "vm_link", "value": "$(ref.vm.selfLink)"}],
}


def test_compute_templates_are_matched_by_name_type_and_properties() -> None:
    template = Template(COMPUTE)
    assert template.provider == "gcp"
    template.resource_count_is("compute.v1.instance", 1)
    template.has_resource_properties(
        "compute.v1.instance",
        {"networkInterfaces": Match.array_with([{"network": Match.string_like_regexp("ref.net")}])},
    )
    assert list(template.find_resources("compute.v1.network")) == ["net"]


def test_compute_outputs_and_parameters_are_found_by_name() -> None:
    template = Template(COMPUTE)
    template.has_output("vm_link", {"value": "$(ref.vm.selfLink)"})
    template.has_parameter("network")
    _fails(r"no parameter 'subnet'", template.has_parameter, "subnet")


def test_compute_failures_show_paths_under_properties() -> None:
    _fails(
        r"vm \(1 difference\):\n\s+properties\.zone: expected \"europe-west1-b\", got \"us-central1-a\"",
        Template(COMPUTE).has_resource_properties,
        "compute.v1.instance",
        {"zone": "europe-west1-b"},
    )
