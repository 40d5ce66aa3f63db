"""Mistakes in GCP components, each caught with an error that names what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import infrakit as ik
from infrakit import errors
from infrakit.gcp import compute


@ik.inputs
class NoInputs:
    pass


@ik.outputs
class NoOutputs:
    pass


def synth(build: Callable[[Any], object], inputs: Any = None) -> ik.Template:
    """Synthesize a throwaway component whose ``build`` runs ``build(self)``."""

    class Broken(ik.Component[NoInputs, NoOutputs]):
        def build(self, inputs: NoInputs) -> NoOutputs:
            build(self)
            return NoOutputs()

    return ik.synth(Broken, inputs)


def network(name: str = "net") -> compute.Network:
    return compute.Network(name, auto_create_subnetworks=False)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("Net", "'net'"),
        ("my_net", "'my-net'"),
        ("1net", "'net'"),
        ("net-", "'net'"),
        ("a" * 64, None),
        ("", None),
    ],
)
def test_an_invalid_resource_name_is_refused_at_synth(name: str, suggestion: str | None) -> None:
    with pytest.raises(errors.LogicalIdError, match=r"not a valid Compute resource name") as caught:
        synth(lambda self: self.add(network(name)))
    if suggestion:
        assert f"for example {suggestion}" in str(caught.value)


def test_a_valid_63_character_name_is_accepted() -> None:
    template = synth(lambda self: self.add(network("a" * 62 + "1")))
    assert [r["name"] for r in template.to_dict()["resources"]] == ["a" * 62 + "1"]


def test_two_resources_with_one_name_are_refused() -> None:
    def build(self: Any) -> None:
        self.add(network("net"))
        self.add(network("net"))

    with pytest.raises(errors.LogicalIdError, match=r"duplicate logical id 'net'"):
        synth(build)


# --------------------------------------------------------------------------- properties


def test_an_unknown_property_suggests_the_closest() -> None:
    with pytest.raises(
        errors.UnknownPropertyError, match=r"unknown property `auto_create_subnetwork`.*`auto_create_subnetworks`"
    ):
        compute.Network("net", auto_create_subnetwork=False)  # type: ignore[call-arg]


def test_a_json_name_used_as_keyword_suggests_the_snake_case_one() -> None:
    with pytest.raises(errors.UnknownPropertyError, match=r"unknown property `IPProtocol`.*`ip_protocol`"):
        compute.Allowed(IPProtocol="tcp")  # type: ignore[call-arg]


def test_an_output_only_field_is_not_a_keyword_and_says_it_is_output_only() -> None:
    with pytest.raises(errors.UnknownPropertyError, match=r"`self_link` is output-only in compute_v1.Network.*\.attrs"):
        compute.Network("net", self_link="x")  # type: ignore[call-arg]
    with pytest.raises(errors.UnknownPropertyError, match=r"`network` is output-only in compute_v1.InstanceGroup"):
        compute.InstanceGroup("group", zone="europe-west1-b", network="x")  # type: ignore[call-arg]
    with pytest.raises(errors.UnknownPropertyError, match=r"`kind` is output-only in compute_v1.AccessConfig"):
        compute.AccessConfig(kind="compute#accessConfig")  # type: ignore[call-arg]


def test_the_validator_agrees_that_an_output_only_field_is_not_a_property() -> None:
    from infrakit.gcp.validate import TemplateValidationError, validate_template

    template = {
        "resources": [
            {
                "name": "group",
                "type": "compute.v1.instanceGroup",
                "properties": {"zone": "europe-west1-b", "network": "global/networks/x"},
            }
        ]
    }
    with pytest.raises(TemplateValidationError, match=r"properties.network: `network` is output-only"):
        validate_template(template)


@pytest.mark.parametrize(
    ("make", "value"),
    [
        (lambda v: compute.Firewall("fw", priority=v), 2**40),
        (lambda v: compute.Firewall("fw", priority=v), 2**31),
        (lambda v: compute.Firewall("fw", priority=v), -(2**31) - 1),
    ],
)
def test_a_32_bit_field_refuses_a_value_out_of_its_range_at_construction(make: Any, value: int) -> None:
    with pytest.raises(errors.PropertyValueError, match=rf"property `priority`: {value} is out of range for a 32-bit"):
        make(value)


def test_an_unsigned_32_bit_field_refuses_a_negative_value() -> None:
    with pytest.raises(errors.PropertyValueError, match=r"-1 is out of range for an unsigned 32-bit integer field"):
        compute.Router("r", region="europe-west1", bgp=compute.RouterBgp(asn=-1))


def test_32_bit_fields_take_their_whole_range() -> None:
    assert compute.Firewall("fw", priority=2**31 - 1).priority == 2**31 - 1
    assert compute.RouterBgp(asn=2**32 - 1).asn == 2**32 - 1


def test_a_value_of_the_wrong_type_is_refused_at_construction() -> None:
    with pytest.raises(
        errors.PropertyTypeError, match=r"property `auto_create_subnetworks`: expected bool, got str 'no'"
    ):
        compute.Network("net", auto_create_subnetworks="no")  # type: ignore[arg-type]


def test_an_int64_field_takes_an_int_not_a_string() -> None:
    with pytest.raises(errors.PropertyTypeError, match=r"property `disk_size_gb`: expected int"):
        compute.AttachedDiskInitializeParams(disk_size_gb="10")  # type: ignore[arg-type]


def test_a_dict_for_a_nested_message_says_which_class_to_use() -> None:
    with pytest.raises(errors.PropertyTypeError, match=r"expected Allowed, got a dict; build it with Allowed\(...\)"):
        compute.Firewall("fw", allowed=[{"IPProtocol": "tcp"}])  # type: ignore[list-item]


def test_an_enum_value_outside_the_documented_values_is_refused() -> None:
    with pytest.raises(
        errors.PropertyTypeError, match=r"property `direction`: expected one of 'EGRESS', 'INGRESS'.*`INGRESS`"
    ):
        compute.Firewall("fw", direction="INGRES")  # type: ignore[arg-type]


def test_an_expression_of_the_wrong_type_is_refused() -> None:
    net = network()
    with pytest.raises(errors.PropertyTypeError, match=r"property `mtu`: expected int, got expression"):
        compute.Network("other", mtu=net.ref)  # type: ignore[arg-type]


def test_an_attribute_that_does_not_exist_suggests_the_closest() -> None:
    with pytest.raises(errors.UnknownAttributeError, match=r"no attribute `selflink`.*`self_link`"):
        network().attrs.selflink  # type: ignore[attr-defined]  # noqa: B018


def test_a_zonal_resource_without_a_zone_is_refused_at_synth() -> None:
    with pytest.raises(errors.MissingPropertyError, match=r"compute\.v1\.instance 'vm'.*required property `zone`"):
        synth(lambda self: self.add(compute.Instance("vm", machine_type="e2-small")))  # type: ignore[call-arg]


def test_a_regional_resource_without_a_region_is_refused_at_synth() -> None:
    with pytest.raises(errors.MissingPropertyError, match=r"required property `region`"):
        synth(lambda self: self.add(compute.Address("ip")))  # type: ignore[call-arg]


# --------------------------------------------------------------------------- the component


def test_a_reference_to_a_resource_not_in_the_component_is_refused() -> None:
    outside = network("outside")

    def build(self: Any) -> None:
        self.add(compute.Subnetwork("subnet", region="us-east1", network=outside.ref, ip_cidr_range="10.0.0.0/24"))

    with pytest.raises(errors.DanglingReferenceError, match=r"'subnet'.*refers to compute\.v1\.network 'outside'"):
        synth(build)


def test_depends_on_a_resource_not_in_the_component_is_refused() -> None:
    outside = network("outside")
    with pytest.raises(errors.DanglingReferenceError, match=r"depends_on names compute\.v1\.network 'outside'"):
        synth(lambda self: self.add(compute.Network("net", depends_on=outside)))


def test_mixing_aws_and_gcp_resources_in_one_component_is_refused_at_add() -> None:
    from infrakit.aws import s3

    def build(self: Any) -> None:
        self.add(network())
        self.add(s3.Bucket("Bucket"))

    with pytest.raises(
        errors.ProviderMixError, match=r"AWS::S3::Bucket 'Bucket' is a resource of AWS.*has GCP resources"
    ):
        synth(build)


def test_mixing_gcp_into_an_aws_component_is_refused_too() -> None:
    from infrakit.aws import s3

    def build(self: Any) -> None:
        self.add(s3.Bucket("Bucket"))
        self.add(network())

    with pytest.raises(errors.ProviderMixError, match=r"compute\.v1\.network 'net' is a resource of GCP"):
        synth(build)


def test_a_cloudformation_function_is_refused_in_a_compute_template() -> None:
    from infrakit.aws import fn

    with pytest.raises(errors.SynthError, match=r"`Fn::Join` is a CloudFormation function.*no functions"):
        synth(lambda self: self.add(compute.Network("net", description=fn.join("-", ["a", "b"]))))


def test_an_aws_pseudo_parameter_is_refused_in_a_compute_template() -> None:
    from infrakit.aws import fn

    with pytest.raises(errors.SynthError, match=r"`Ref AWS::Region` is a CloudFormation function"):
        synth(lambda self: self.add(compute.Address("ip", region=fn.region)))


def test_a_condition_is_refused_in_a_compute_template() -> None:
    from infrakit.aws import fn

    def build(self: Any) -> None:
        always = self.condition("always", fn.equals("a", "a"))  # used, so only the compute template refuses it
        self.add(compute.Network("net", description=fn.if_(always, "a", "b")))

    with pytest.raises(errors.SynthError, match=r"condition 'always'; a compute template has no conditions"):
        synth(build)


def test_a_parameter_type_without_a_template_type_is_refused() -> None:
    @ik.inputs
    class DictInputs:
        labels: ik.Param[dict[str, str]] = ik.param()

    class Labelled(ik.Component[DictInputs, NoOutputs]):
        def build(self, inputs: DictInputs) -> NoOutputs:
            self.add(compute.Instance("vm", zone="us-east1-b", labels=inputs.labels))
            return NoOutputs()

    with pytest.raises(
        errors.SynthError, match=r"DictInputs\.labels: a deploy-time parameter of type dict\[str, str\]"
    ):
        ik.synth(Labelled, DictInputs())


def test_parameters_render_as_json_schema_like_entries() -> None:
    @ik.inputs
    class Many:
        size: ik.Param[int] = ik.param(default=10, min_value=10, max_value=100)
        tier: ik.Param[str] = ik.param(default="PREMIUM", allowed=["PREMIUM", "STANDARD"], description="tier")
        ranges: ik.Param[list[str]] = ik.param()
        token: ik.Param[str] = ik.param(secret=True)

    class Uses(ik.Component[Many, NoOutputs]):
        def build(self, inputs: Many) -> NoOutputs:
            params = compute.AttachedDiskInitializeParams(disk_size_gb=inputs.size, description=inputs.token)
            self.add(
                compute.Instance(
                    "vm",
                    zone="us-east1-b",
                    disks=[compute.AttachedDisk(initialize_params=params)],
                    description=inputs.tier,
                )
            )
            self.add(compute.Firewall("fw", source_ranges=inputs.ranges))
            return NoOutputs()

    template = ik.synth(Uses, Many()).to_dict()
    assert template["parameters"] == [
        {"name": "size", "type": "integer", "default": 10, "minimum": 10, "maximum": 100},
        {
            "name": "tier",
            "type": "string",
            "description": "tier",
            "default": "PREMIUM",
            "enum": ["PREMIUM", "STANDARD"],
        },
        {"name": "ranges", "type": "array", "items": {"type": "string"}},
        {"name": "token", "type": "string", "secret": True},
    ]
    vm = template["resources"][0]["properties"]
    assert vm["disks"][0]["initializeParams"]["diskSizeGb"] == "$(params.size)"
    assert template["resources"][1]["properties"]["sourceRanges"] == "$(params.ranges)"
