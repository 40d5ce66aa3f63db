"""Deploying synthesized templates to moto's CloudFormation, on 127.0.0.1 only.

moto 5.2.5 does not evaluate ``Fn::Cidr``; the fixture teaches it (``tests/_moto.py``, with
the documented semantics: ``count`` blocks of ``cidr_bits`` host bits carved in order from
``ip_block``) so the template deployed is exactly what infrakit synthesized.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from _moto import DUMMY_ENV as _DUMMY_ENV
from _moto import teach_moto_fn_cidr as _teach_moto_fn_cidr
from moto import server as moto_server
from shop.network import Network, NetworkInputs
from shop.service import Service, ServiceInputs

import infrakit as ik


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    """Clients of a moto server on 127.0.0.1 (a free port), with dummy credentials."""
    saved = {k: os.environ.get(k) for k in _DUMMY_ENV}
    os.environ.update(_DUMMY_ENV)
    original = _teach_moto_fn_cidr()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    assert host == "127.0.0.1"
    clients = {
        name: boto3.client(name, endpoint_url=endpoint, region_name="us-east-1")
        for name in ("cloudformation", "ec2", "s3", "sqs", "iam")
    }
    try:
        yield clients
    finally:
        server.stop()
        from moto.cloudformation import parsing

        parsing.clean_json = original
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _deploy(cfn: Any, name: str, template: ik.Template, parameters: dict[str, str] | None = None) -> dict[str, str]:
    cfn.create_stack(
        StackName=name,
        TemplateBody=template.to_json(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.fixture(scope="module")
def network(aws: dict[str, Any]) -> dict[str, str]:
    return _deploy(
        aws["cloudformation"], "network-test", ik.synth(Network, NetworkInputs(cidr="10.1.0.0/16", az_count=2))
    )


@pytest.fixture(scope="module")
def service(aws: dict[str, Any], network: dict[str, str]) -> dict[str, str]:
    # Producer then consumer: the service's parameters are the network stack's outputs.
    template = ik.synth(Service, ServiceInputs(retention_days=3))
    return _deploy(
        aws["cloudformation"],
        "service-test",
        template,
        {"VpcId": network["VpcId"], "SubnetIds": network["SubnetIds"]},
    )


def test_network_stack_publishes_exactly_its_declared_outputs(network):
    assert sorted(network) == ["SecurityGroupId", "SubnetIds", "VpcId"]


def test_network_vpc_id_is_a_real_vpc_with_the_configured_cidr(aws, network):
    assert network["VpcId"].startswith("vpc-")
    (vpc,) = aws["ec2"].describe_vpcs(VpcIds=[network["VpcId"]])["Vpcs"]
    assert vpc["CidrBlock"] == "10.1.0.0/16"


def test_network_subnet_ids_are_two_comma_joined_subnets_of_the_vpc(aws, network):
    ids = network["SubnetIds"].split(",")
    assert len(ids) == 2 and all(i.startswith("subnet-") for i in ids)
    subnets = aws["ec2"].describe_subnets(SubnetIds=ids)["Subnets"]
    assert {s["VpcId"] for s in subnets} == {network["VpcId"]}


def test_network_subnets_have_the_cidrs_carved_by_fn_cidr_in_order(aws, network):
    # Fn::Cidr(10.1.0.0/16, 2, 8): two blocks with 8 host bits, i.e. the first two /24s.
    ids = network["SubnetIds"].split(",")
    by_id = {s["SubnetId"]: s for s in aws["ec2"].describe_subnets(SubnetIds=ids)["Subnets"]}
    assert [by_id[i]["CidrBlock"] for i in ids] == ["10.1.0.0/24", "10.1.1.0/24"]


def test_network_subnets_are_in_distinct_availability_zones(aws, network):
    ids = network["SubnetIds"].split(",")
    zones = [s["AvailabilityZone"] for s in aws["ec2"].describe_subnets(SubnetIds=ids)["Subnets"]]
    assert len(set(zones)) == 2


def test_network_security_group_exists_in_the_vpc_and_allows_https(aws, network):
    (group,) = aws["ec2"].describe_security_groups(GroupIds=[network["SecurityGroupId"]])["SecurityGroups"]
    assert group["VpcId"] == network["VpcId"]
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"]) for p in group["IpPermissions"]] == [("tcp", 443, 443)]


def test_network_internet_gateway_is_attached_to_the_vpc(aws, network):
    gateways = aws["ec2"].describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [network["VpcId"]]}]
    )["InternetGateways"]
    assert len(gateways) == 1


def test_service_stack_deploys_with_the_network_outputs_as_parameters(service):
    assert sorted(service) == ["BucketName", "QueueName", "QueueUrl", "RoleArn"]


def test_service_bucket_is_tagged_with_the_wired_vpc_id(aws, network, service):
    # (moto's CloudFormation ignores the bucket's VersioningConfiguration, so it is not checked here.)
    tags = aws["s3"].get_bucket_tagging(Bucket=service["BucketName"])["TagSet"]
    assert {"Key": "vpc", "Value": network["VpcId"]} in tags


def test_service_queue_keeps_messages_for_the_configured_days(aws, service):
    attributes = aws["sqs"].get_queue_attributes(QueueUrl=service["QueueUrl"], AttributeNames=["All"])["Attributes"]
    assert attributes["MessageRetentionPeriod"] == str(3 * 86400)
    assert attributes["QueueArn"].endswith(":" + service["QueueName"])


def test_service_role_reads_the_wired_subnet_list_as_a_list(aws, network, service):
    # SubnetIds arrives as a CommaDelimitedList; the role's tag joins it back with ':'.
    role_name = service["RoleArn"].rsplit("/", 1)[1]
    tags = aws["iam"].list_role_tags(RoleName=role_name)["Tags"]
    assert {"Key": "subnets", "Value": network["SubnetIds"].replace(",", ":")} in tags
