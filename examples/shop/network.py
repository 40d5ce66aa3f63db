"""The network component: a VPC with one public subnet per availability zone."""

from __future__ import annotations

import typing

import attrs

import infrakit as ik
from infrakit.aws import ec2, fn


@ik.inputs
class NetworkInputs:
    """Build-time settings of a network."""

    cidr: str = attrs.field(
        default="10.0.0.0/16",
        validator=attrs.validators.matches_re(r"^10\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.0\.0/16$"),
    )
    az_count: int = attrs.field(default=2, validator=[attrs.validators.ge(1), attrs.validators.le(6)])
    environment: typing.Literal["dev", "prod"] = "dev"


@ik.outputs
class NetworkOutputs:
    """What a network publishes to the components that run in it."""

    vpc_id: ik.Out[str]
    subnet_ids: ik.Out[list[str]]
    security_group_id: ik.Out[str]


class Network(ik.Component[NetworkInputs, NetworkOutputs]):
    """A VPC with one public subnet per availability zone, routed to an internet gateway."""

    def build(self, inputs: NetworkInputs) -> NetworkOutputs:
        tags = [ec2.VPC.Tag(key="environment", value=inputs.environment)]
        vpc = self.add(
            ec2.VPC("Vpc", cidr_block=inputs.cidr, enable_dns_hostnames=True, enable_dns_support=True, tags=tags)
        )
        gateway = self.add(ec2.InternetGateway("Gateway"))
        attachment = self.add(
            ec2.VPCGatewayAttachment("GatewayAttachment", vpc_id=vpc.ref, internet_gateway_id=gateway.ref)
        )
        routes = self.add(ec2.RouteTable("PublicRoutes", vpc_id=vpc.ref))
        self.add(
            ec2.Route(
                "DefaultRoute",
                route_table_id=routes.ref,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=gateway.ref,
                depends_on=attachment,
            )
        )
        subnets = []
        for i in range(inputs.az_count):
            subnet = self.add(
                ec2.Subnet(
                    f"Subnet{i}",
                    vpc_id=vpc.ref,
                    cidr_block=fn.select(i, fn.cidr(vpc.attrs.cidr_block, inputs.az_count, "8")),
                    availability_zone=fn.select(i, fn.get_azs()),
                    map_public_ip_on_launch=True,
                )
            )
            self.add(
                ec2.SubnetRouteTableAssociation(f"Subnet{i}Routes", subnet_id=subnet.ref, route_table_id=routes.ref)
            )
            subnets.append(subnet)
        group = self.add(
            ec2.SecurityGroup(
                "WebSecurityGroup",
                group_description="HTTPS from anywhere",
                vpc_id=vpc.ref,
                security_group_ingress=[
                    ec2.SecurityGroup.Ingress(ip_protocol="tcp", from_port=443, to_port=443, cidr_ip="0.0.0.0/0")
                ],
            )
        )
        return NetworkOutputs(
            vpc_id=vpc.ref, subnet_ids=ik.expr_list([s.ref for s in subnets]), security_group_id=group.attrs.group_id
        )
