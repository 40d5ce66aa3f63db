"""The app that ``bench_app.py`` synthesizes: ``pairs`` wired (network, service) pairs.

``BenchNetwork``: a VPC, an internet gateway and its attachment, a route table with a
default route, two subnets and their route table associations. ``BenchService``: an SQS
queue, a versioned S3 bucket, an IAM role with an inline policy and a Secrets Manager
secret, taking the network's VPC id and subnet ids as deploy-time parameters.
``benchmarks/troposphere_app.py`` writes the same templates with troposphere.
"""

from __future__ import annotations

import attrs

import infrakit as ik
from infrakit.aws import ec2, fn, iam, s3, secretsmanager, sqs


@ik.inputs
class BenchNetworkInputs:
    """A /16 network with two public subnets."""

    cidr: str = "10.0.0.0/16"
    environment: str = "bench"


@ik.outputs
class BenchNetworkOutputs:
    vpc_id: ik.Out[str]
    subnet_ids: ik.Out[list[str]]


class BenchNetwork(ik.Component[BenchNetworkInputs, BenchNetworkOutputs]):
    """A VPC with two public subnets routed to an internet gateway."""

    def build(self, inputs: BenchNetworkInputs) -> BenchNetworkOutputs:
        vpc = self.add(
            ec2.VPC(
                "Vpc",
                cidr_block=inputs.cidr,
                enable_dns_hostnames=True,
                enable_dns_support=True,
                tags=[ec2.VPC.Tag(key="environment", value=inputs.environment)],
            )
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
        for i in range(2):
            subnet = self.add(
                ec2.Subnet(
                    f"Subnet{i}",
                    vpc_id=vpc.ref,
                    cidr_block=fn.select(i, fn.cidr(vpc.attrs.cidr_block, 2, "8")),
                    availability_zone=fn.select(i, fn.get_azs()),
                    map_public_ip_on_launch=True,
                )
            )
            self.add(
                ec2.SubnetRouteTableAssociation(f"Subnet{i}Routes", subnet_id=subnet.ref, route_table_id=routes.ref)
            )
            subnets.append(subnet)
        return BenchNetworkOutputs(vpc_id=vpc.ref, subnet_ids=[s.ref for s in subnets])


@ik.inputs
class BenchServiceInputs:
    """The network a service runs in (wired) and its retention."""

    vpc_id: ik.Param[str] = ik.param(description="The VPC the service runs in")
    subnet_ids: ik.Param[list[str]] = ik.param(description="The subnets the service runs in")
    retention_days: int = attrs.field(default=4, validator=[attrs.validators.ge(1), attrs.validators.le(14)])


@ik.outputs
class BenchServiceOutputs:
    queue_url: ik.Out[str]
    bucket_name: ik.Out[str]
    role_arn: ik.Out[str]


class BenchService(ik.Component[BenchServiceInputs, BenchServiceOutputs]):
    """A worker's queue, versioned bucket, role and secret."""

    def build(self, inputs: BenchServiceInputs) -> BenchServiceOutputs:
        queue = self.add(sqs.Queue("WorkQueue", message_retention_period=inputs.retention_days * 86400))
        bucket = self.add(
            s3.Bucket(
                "Artifacts",
                versioning_configuration=s3.Bucket.VersioningConfiguration(status="Enabled"),
                tags=[s3.Bucket.Tag(key="vpc", value=inputs.vpc_id)],
            )
        )
        secret = self.add(
            secretsmanager.Secret(
                "ApiKey",
                description="API key of the service",
                generate_secret_string=secretsmanager.Secret.GenerateSecretString(
                    password_length=32, exclude_punctuation=True
                ),
            )
        )
        role = self.add(
            iam.Role(
                "WorkerRole",
                assume_role_policy_document={
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                },
                policies=[
                    iam.Role.Policy(
                        policy_name="work",
                        policy_document={
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                                    "Resource": queue.attrs.arn,
                                },
                                {
                                    "Effect": "Allow",
                                    "Action": ["s3:GetObject", "s3:PutObject"],
                                    "Resource": fn.join("", [bucket.attrs.arn, "/*"]),
                                },
                                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret.ref},
                            ],
                        },
                    )
                ],
                tags=[iam.Role.Tag(key="subnets", value=fn.join(":", inputs.subnet_ids))],
            )
        )
        return BenchServiceOutputs(queue_url=queue.ref, bucket_name=bucket.ref, role_arn=role.attrs.arn)


def make_app(pairs: int, changed: str | None = None) -> ik.App:
    """``pairs`` networks, each wired into its own service: ``2 * pairs`` instances.

    ``changed`` names one instance (``"network-7"``, ``"service-7"``) whose inputs differ
    from the default app's, for the re-synthesis figures.
    """
    app = ik.App("bench")
    for i in range(pairs):
        environment = "changed" if changed == f"network-{i}" else "bench"
        retention = 14 - i % 14 if changed == f"service-{i}" else 1 + i % 14
        net = app.add(
            f"network-{i}", BenchNetwork, BenchNetworkInputs(cidr=f"10.{i % 256}.0.0/16", environment=environment)
        )
        app.add(
            f"service-{i}",
            BenchService,
            BenchServiceInputs(vpc_id=net.outputs.vpc_id, subnet_ids=net.outputs.subnet_ids, retention_days=retention),
        )
    return app
