"""The example components' own contract tests: what a user of infrakit writes.

Each component is property-tested over the inputs it accepts (``strategies.inputs``),
its contract checked (``assert_contract``: synth, references, parameters, the built-in
schema check — CloudFormation resource schemas or the compute_v1 messages — determinism,
in a second process too), then its template asserted on. cfn-lint runs with
``pytest --infrakit-lint``; tests/test_cfn_lint.py lints these components' templates always.
"""

from __future__ import annotations

from gcp_network import WebNetwork, WebNetworkInputs
from hypothesis import HealthCheck, given, settings
from shop.monitoring import Monitoring, MonitoringInputs
from shop.network import Network, NetworkInputs
from shop.service import Service, ServiceInputs

from infrakit.testing import Match, assert_contract, standins, strategies

# The built-in schema check costs milliseconds a template: a hundred examples each.
EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EXAMPLES
@given(strategies.inputs(NetworkInputs))
def test_network_has_one_routed_public_subnet_per_zone(inputs: NetworkInputs) -> None:
    template = assert_contract(Network, inputs)
    template.resource_count_is("AWS::EC2::Subnet", inputs.az_count)
    template.resource_count_is("AWS::EC2::SubnetRouteTableAssociation", inputs.az_count)
    template.has_resource("AWS::EC2::VPC", {"Properties": {"CidrBlock": inputs.cidr}})
    template.has_resource("AWS::EC2::Route", {"Properties": {"DestinationCidrBlock": "0.0.0.0/0"}})
    template.has_output("SubnetIds")


@EXAMPLES
@given(strategies.inputs(ServiceInputs))
def test_service_keeps_messages_as_long_as_asked_and_versions_its_bucket(inputs: ServiceInputs) -> None:
    template = assert_contract(Service, inputs)
    template.has_resource("AWS::SQS::Queue", {"Properties": {"MessageRetentionPeriod": inputs.retention_days * 86400}})
    status = "Enabled" if inputs.versioned else "Suspended"
    template.has_resource("AWS::S3::Bucket", {"Properties": {"VersioningConfiguration": {"Status": status}}})
    template.has_parameter("VpcId", {"Type": "AWS::EC2::VPC::Id"})
    template.has_parameter("SubnetIds", {"Type": "CommaDelimitedList"})


def test_service_can_be_synthesized_and_given_parameters_without_its_network() -> None:
    values = standins(Service)
    assert values["VpcId"].startswith("vpc-")
    assert set(values) == {"VpcId", "SubnetIds"}


@EXAMPLES
@given(strategies.inputs(MonitoringInputs))
def test_monitoring_subscribes_an_email_only_when_given_one(inputs: MonitoringInputs) -> None:
    template = assert_contract(Monitoring, inputs)
    if inputs.email:
        subscription = Match.array_with([Match.object_like({"Protocol": "email", "Endpoint": inputs.email})])
        template.has_resource("AWS::SNS::Topic", {"Properties": {"Subscription": subscription}})
    else:
        (topic,) = template.find_resources("AWS::SNS::Topic").values()
        assert "Subscription" not in topic.get("Properties", {})
    template.has_resource("AWS::CloudWatch::Alarm", {"Properties": {"Threshold": inputs.max_depth}})


@EXAMPLES
@given(strategies.inputs(WebNetworkInputs))
def test_web_network_puts_everything_in_its_region(inputs: WebNetworkInputs) -> None:
    template = assert_contract(WebNetwork, inputs)
    template.resource_count_is("compute.v1.instance", 1)
    template.has_resource("compute.v1.instance", {"properties": {"zone": f"{inputs.region}-{inputs.zone_suffix}"}})
    template.has_resource(
        "compute.v1.subnetwork", {"properties": {"region": inputs.region, "ipCidrRange": inputs.cidr}}
    )
