"""Custom resources: free-form properties, any attribute, checked like generated resources."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import cfn_lint

import infrakit as ik
from infrakit.aws import CustomResource, fn, sqs
from infrakit.errors import DanglingReferenceError, InfrakitError, MissingPropertyError, PropertyTypeError


@ik.inputs
class NoInputs:
    pass


@ik.outputs
class SeedOutputs:
    version: ik.Out[str]


def seeded(**options: Any) -> type[ik.Component[NoInputs, SeedOutputs]]:
    class Seeded(ik.Component[NoInputs, SeedOutputs]):
        def build(self, inputs: NoInputs) -> SeedOutputs:
            queue = self.add(sqs.Queue("Jobs"))
            seed = self.add(
                CustomResource(
                    "Seed",
                    type_name="Custom::Seed",
                    service_token=fn.sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:seed"),
                    properties={"Queue": queue.attrs.arn, "Rows": 100, "Nested": {"Url": queue.ref}},
                    **options,
                )
            )
            return SeedOutputs(version=seed.attrs.Version)

    return Seeded


def test_a_custom_resource_renders_its_type_token_and_free_form_properties() -> None:
    template = ik.synth(seeded()).to_dict()
    assert template["Resources"]["Seed"] == {
        "Type": "Custom::Seed",
        "Properties": {
            "ServiceToken": {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:seed"},
            "Queue": {"Fn::GetAtt": ["Jobs", "Arn"]},
            "Rows": 100,
            "Nested": {"Url": {"Ref": "Jobs"}},
        },
    }
    assert template["Outputs"]["Version"] == {"Value": {"Fn::GetAtt": ["Seed", "Version"]}}
    assert cfn_lint(template) == []


def test_a_custom_resource_takes_the_resource_options() -> None:
    template = ik.synth(seeded(deletion_policy="Retain", service_timeout=300)).to_dict()
    assert template["Resources"]["Seed"]["DeletionPolicy"] == "Retain"
    assert template["Resources"]["Seed"]["Properties"]["ServiceTimeout"] == 300


def test_the_default_type_is_the_generic_custom_resource() -> None:
    assert CustomResource("X", service_token="arn:aws:sns:us-east-1:123456789012:t").resource_type == (
        "AWS::CloudFormation::CustomResource"
    )


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"type_name": "Seed"}, "type_name must be 'Custom::<Name>'"),
        ({"type_name": "Custom::" + "x" * 61}, "type_name must be"),
        ({"properties": {"ServiceToken": "x"}}, "may not set ServiceToken; pass it as service_token"),
        ({"properties": ["Table"]}, "properties must be a dict"),
        ({"service_timeout": 0}, "service_timeout must be 1 to 3600"),
        ({"service_token": 5}, "service_token must be a str"),
        ({"deletion_policy": "Keep"}, "deletion_policy must be one of"),
    ],
)
def test_bad_custom_resource_arguments_are_refused_when_created(options: dict[str, Any], words: str) -> None:
    arguments = {"service_token": "arn:aws:sns:us-east-1:123456789012:t", **options}
    with pytest.raises(PropertyTypeError, match=words) as caught:
        CustomResource("X", **arguments)
    assert isinstance(caught.value, InfrakitError)


def test_a_custom_resource_without_a_service_token_fails_at_synth() -> None:
    class NoToken(ik.Component[NoInputs, SeedOutputs]):
        def build(self, inputs: NoInputs) -> SeedOutputs:
            seed = self.add(CustomResource("Seed", type_name="Custom::Seed"))
            return SeedOutputs(version=seed.attrs.Version)

    with pytest.raises(MissingPropertyError, match=r"'Seed': required property `service_token`"):
        ik.synth(NoToken)


def test_a_reference_in_free_form_properties_must_be_part_of_the_component() -> None:
    stray = sqs.Queue("Stray")

    class Dangling(ik.Component[NoInputs, SeedOutputs]):
        def build(self, inputs: NoInputs) -> SeedOutputs:
            seed = self.add(
                CustomResource(
                    "Seed", service_token="arn:aws:sns:us-east-1:123456789012:t", properties={"Q": stray.ref}
                )
            )
            return SeedOutputs(version=seed.attrs.Version)

    with pytest.raises(DanglingReferenceError, match=r"'Seed': properties refers to AWS::SQS::Queue 'Stray'"):
        ik.synth(Dangling)


def test_assigning_a_bad_value_later_is_refused_too() -> None:
    seed = CustomResource("X", service_token="arn:aws:sns:us-east-1:123456789012:t")
    with pytest.raises(PropertyTypeError, match="type_name must be"):
        seed.type_name = "Nope"
