"""Stand-ins: values for a consumer's wired parameters, so it is tested and deployed alone."""

from __future__ import annotations

import re
import typing

import pytest

import infrakit as ik
from infrakit.aws import ec2, fn, sqs, ssm
from infrakit.errors import InfrakitError
from infrakit.testing import assert_contract, standin_parameters, standins


@ik.inputs
class ServiceInputs:
    vpc_id: ik.Param[str] = ik.param(aws_type="AWS::EC2::VPC::Id")
    subnet_ids: ik.Param[list[str]] = ik.param(aws_type="List<AWS::EC2::Subnet::Id>")
    security_group_id: ik.Param[str] = ik.param(aws_type="AWS::EC2::SecurityGroup::Id")
    queue_arn: ik.Param[str]
    role_arn: ik.Param[str]
    zones: ik.Param[list[str]]
    db_password: ik.Param[str] = ik.param(secret=True)
    port: ik.Param[int] = ik.param(min_value=1024, max_value=65535)
    tier: ik.Param[typing.Literal["web", "worker"]]
    stage: ik.Param[str] = "dev"
    instance_count: int = 2


@ik.outputs
class ServiceOutputs:
    settings_name: ik.Out[str]


class Service(ik.Component[ServiceInputs, ServiceOutputs]):
    """Writes what it was wired to into one SSM parameter, next to a queue."""

    def build(self, inputs: ServiceInputs) -> ServiceOutputs:
        value = fn.join(
            ";",
            [
                inputs.vpc_id,
                fn.join(",", inputs.subnet_ids),
                inputs.security_group_id,
                inputs.queue_arn,
                inputs.role_arn,
                fn.join(",", inputs.zones),
                inputs.tier,
                inputs.stage,
            ],
        )
        self.add(ssm.Parameter("Settings", name="/service/settings", type="String", value=value))
        self.add(
            sqs.Queue(
                "Jobs",
                kms_master_key_id=fn.sub("${Password}-${Port}", {"Password": inputs.db_password, "Port": inputs.port}),
            )
        )
        return ServiceOutputs(settings_name="/service/settings")


@pytest.fixture(scope="module")
def values() -> dict[str, typing.Any]:
    return standins(Service)


def test_standins_cover_exactly_the_parameters_without_a_default(values: dict[str, typing.Any]) -> None:
    assert set(values) == {
        "VpcId",
        "SubnetIds",
        "SecurityGroupId",
        "QueueArn",
        "RoleArn",
        "Zones",
        "DbPassword",
        "Port",
        "Tier",
    }


def test_an_aws_vpc_id_looks_like_one(values: dict[str, typing.Any]) -> None:
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", values["VpcId"])


def test_a_list_of_subnet_ids_holds_distinct_subnet_ids(values: dict[str, typing.Any]) -> None:
    subnets = values["SubnetIds"]
    assert len(subnets) == 2 and len(set(subnets)) == 2
    assert all(re.fullmatch(r"subnet-[0-9a-f]{17}", s) for s in subnets)


def test_a_security_group_id_looks_like_one(values: dict[str, typing.Any]) -> None:
    assert re.fullmatch(r"sg-[0-9a-f]{17}", values["SecurityGroupId"])


def test_arns_follow_the_service_named_in_the_parameter(values: dict[str, typing.Any]) -> None:
    assert values["QueueArn"].startswith("arn:aws:sqs:us-east-1:123456789012:")
    assert values["RoleArn"].startswith("arn:aws:iam::123456789012:role/")


def test_a_plain_list_parameter_gets_a_list_of_strings(values: dict[str, typing.Any]) -> None:
    assert values["Zones"] == ["standin-zones", "standin-zones1"]


def test_a_number_parameter_respects_its_bounds(values: dict[str, typing.Any]) -> None:
    assert values["Port"] == 1024


def test_a_literal_parameter_takes_an_allowed_value(values: dict[str, typing.Any]) -> None:
    assert values["Tier"] == "web"


def test_a_secret_gets_a_value_too(values: dict[str, typing.Any]) -> None:
    assert isinstance(values["DbPassword"], str) and values["DbPassword"]


def test_standins_are_deterministic(values: dict[str, typing.Any]) -> None:
    assert standins(Service) == values


def test_names_hint_at_identifiers_without_an_aws_type() -> None:
    @ik.inputs
    class Hinted:
        vpc_id: ik.Param[str]
        private_subnet_ids: ik.Param[list[str]]

    @ik.outputs
    class Nothing:
        pass

    class Consumer(ik.Component[Hinted, Nothing]):
        def build(self, inputs: Hinted) -> Nothing:
            self.add(
                ssm.Parameter(
                    "P", type="String", value=fn.join(",", [inputs.vpc_id, fn.join(",", inputs.private_subnet_ids)])
                )
            )
            return Nothing()

    found = standins(Consumer)
    assert found["VpcId"].startswith("vpc-") and all(s.startswith("subnet-") for s in found["PrivateSubnetIds"])


def test_a_value_can_be_given_by_template_or_field_name() -> None:
    found = standins(Service, VpcId="vpc-1", role_arn="arn:aws:iam::1:role/r")
    assert found["VpcId"] == "vpc-1" and found["RoleArn"] == "arn:aws:iam::1:role/r"


def test_a_value_for_no_such_parameter_is_refused() -> None:
    with pytest.raises(InfrakitError, match=r"Stage is not an undefaulted parameter"):
        standins(Service, Stage="prod")


def _consumer_of(**options: typing.Any) -> type[typing.Any]:
    @ik.inputs
    class Patterned:
        code: ik.Param[str] = ik.param(**options)

    @ik.outputs
    class Nothing:
        pass

    class Consumer(ik.Component[Patterned, Nothing]):
        def build(self, inputs: Patterned) -> Nothing:
            self.add(ssm.Parameter("P", type="String", value=inputs.code))
            return Nothing()

    return Consumer


def test_a_standin_follows_the_parameters_pattern() -> None:
    assert standins(_consumer_of(pattern="[0-9]{4}")) == {"Code": "0000"}
    found = standins(_consumer_of(pattern=r"[A-Z]{2}-[0-9]+", min_length=5))["Code"]
    assert re.fullmatch(r"[A-Z]{2}-[0-9]+", found) and len(found) >= 5


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("vpc_cidr", r"10\.\d+\.0\.0/16"),
        ("subnet_cidr", r"10\.\d+\.1\.0/24"),
        ("ipv6_cidr_block", r"2001:db8:[0-9a-f]*::/56"),
        ("bastion_ip", r"10\.0\.0\.\d+"),
        ("alert_email", r"standin@example\.com"),
        ("api_domain", r"standin\.example\.com"),
        ("target_region", r"us-east-1"),
        ("listener_port", r"443"),
    ],
)
def test_a_standin_is_shaped_by_the_parameters_name(name: str, shape: str) -> None:
    from infrakit.testing._standins import _shaped

    shaped = _shaped(name, "aws", 0)
    assert shaped is not None and re.fullmatch(shape, shaped), shaped


def test_a_cidr_parameter_gets_a_cidr_that_a_subnet_accepts() -> None:
    @ik.inputs
    class SubnetInputs:
        vpc_id: ik.Param[str] = ik.param(aws_type="AWS::EC2::VPC::Id")
        vpc_cidr: ik.Param[str]

    @ik.outputs
    class SubnetOutputs:
        subnet_id: ik.Out[str]

    class OneSubnet(ik.Component[SubnetInputs, SubnetOutputs]):
        def build(self, inputs: SubnetInputs) -> SubnetOutputs:
            subnet = self.add(ec2.Subnet("Subnet", vpc_id=inputs.vpc_id, cidr_block=inputs.vpc_cidr))
            return SubnetOutputs(subnet_id=subnet.ref)

    values = standins(OneSubnet)
    assert values["VpcCidr"] == "10.0.0.0/16"
    assert values["VpcId"].startswith("vpc-")


def test_a_pattern_no_standin_fits_is_a_clear_error() -> None:
    @ik.inputs
    class Patterned:
        code: ik.Param[str] = ik.param(pattern="[0-9]{4}", max_length=3)

    @ik.outputs
    class Nothing:
        pass

    class Consumer(ik.Component[Patterned, Nothing]):
        def build(self, inputs: Patterned) -> Nothing:
            self.add(ssm.Parameter("P", type="String", value=inputs.code))
            return Nothing()

    with pytest.raises(InfrakitError, match=r"no stand-in fits parameter `code`.*standins\(\.\.\., code=\.\.\.\)"):
        standins(Consumer)
    assert standins(Consumer, code="1234") == {"Code": "1234"}


def test_standin_parameters_are_in_boto3_form_with_lists_joined(values: dict[str, typing.Any]) -> None:
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in standin_parameters(Service)}
    assert parameters["SubnetIds"] == ",".join(values["SubnetIds"])
    assert parameters["Port"] == "1024"
    assert all(isinstance(v, str) for v in parameters.values())


def test_the_consumer_passes_its_contract_alone() -> None:
    assert_contract(Service, ServiceInputs())


def test_the_consumer_deploys_on_moto_with_standins_alone() -> None:
    import boto3
    from moto import mock_aws

    template = ik.synth(Service)
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(
            StackName="service", TemplateBody=template.to_json(), Parameters=standin_parameters(Service)
        )
        stack = cloudformation.describe_stacks(StackName="service")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        stored = boto3.client("ssm", region_name="us-east-1").get_parameter(Name="/service/settings")
        assert stored["Parameter"]["Value"].startswith(standins(Service)["VpcId"] + ";")


def test_compute_standins_use_field_names_and_self_links() -> None:
    from infrakit.gcp import compute

    @ik.inputs
    class VmInputs:
        network: ik.Param[str]
        subnetwork: ik.Param[str]

    @ik.outputs
    class VmOutputs:
        firewall: ik.Out[str]

    class Vm(ik.Component[VmInputs, VmOutputs]):
        def build(self, inputs: VmInputs) -> VmOutputs:
            rule = self.add(
                compute.Firewall(
                    "allow",
                    network=inputs.network,
                    description=inputs.subnetwork,
                    allowed=[compute.Allowed(ip_protocol="tcp", ports=["22"])],
                )
            )
            return VmOutputs(firewall=rule.ref)

    found = standins(Vm)
    assert found["network"].startswith(
        "https://www.googleapis.com/compute/v1/projects/standin-project/global/networks/"
    )
    assert "/regions/us-central1/subnetworks/" in found["subnetwork"]
    assert standin_parameters(Vm)[0] == {"ParameterKey": "network", "ParameterValue": found["network"]}


def test_a_boolean_parameter_gets_a_boolean() -> None:
    from infrakit._contract import Parameter, ParamOptions
    from infrakit.gcp import compute
    from infrakit.testing._standins import standin_value

    @ik.inputs
    class NetInputs:
        auto_subnets: ik.Param[bool]

    @ik.outputs
    class NetOutputs:
        network: ik.Out[str]

    class Net(ik.Component[NetInputs, NetOutputs]):
        def build(self, inputs: NetInputs) -> NetOutputs:
            net = self.add(compute.Network("net", auto_create_subnetworks=inputs.auto_subnets))
            return NetOutputs(network=net.ref)

    assert standins(Net) == {"auto_subnets": False}
    assert standin_value(Parameter("flags", list[bool], ParamOptions()), "gcp") == [False, True]


def test_a_wired_parameter_takes_its_hint_from_the_producer_output() -> None:
    @ik.inputs
    class NetInputs:
        pass

    @ik.outputs
    class NetOutputs:
        vpc_id: ik.Out[str]

    class Net(ik.Component[NetInputs, NetOutputs]):
        def build(self, inputs: NetInputs) -> NetOutputs:
            return NetOutputs(vpc_id=self.add(ssm.Parameter("P", type="String", value="x")).ref)

    @ik.inputs
    class UserInputs:
        network: ik.Param[str]

    @ik.outputs
    class Nothing:
        pass

    class User(ik.Component[UserInputs, Nothing]):
        def build(self, inputs: UserInputs) -> Nothing:
            self.add(ssm.Parameter("P", type="String", value=inputs.network))
            return Nothing()

    app = ik.App("wired")
    net = app.add("net", Net, NetInputs())
    inputs = UserInputs(network=net.outputs.vpc_id)
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", standins(User, inputs)["Network"])
