"""The troposphere side of ``bench_app.py``: the same ``2 * pairs`` templates and a manifest.

Same resources, properties, parameters and outputs as ``bench_app_infrakit.make_app``;
each template written with ``json.dumps(indent=2)`` as infrakit does, and a manifest
with each template's sha256 and wiring. ``python troposphere_app.py OUT_DIR [PAIRS]``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from troposphere import (
    Cidr,
    GetAtt,
    GetAZs,
    Join,
    Output,
    Parameter,
    Ref,
    Select,
    Tags,
    Template,
    ec2,
    iam,
    s3,
    secretsmanager,
    sqs,
)


def network(cidr: str, environment: str = "bench") -> Template:
    t = Template(Description="BenchNetwork: A VPC with two public subnets routed to an internet gateway.")
    t.set_version("2010-09-09")
    vpc = t.add_resource(
        ec2.VPC(
            "Vpc",
            CidrBlock=cidr,
            EnableDnsHostnames=True,
            EnableDnsSupport=True,
            Tags=Tags(environment=environment),
        )
    )
    gateway = t.add_resource(ec2.InternetGateway("Gateway"))
    attachment = t.add_resource(
        ec2.VPCGatewayAttachment("GatewayAttachment", InternetGatewayId=Ref(gateway), VpcId=Ref(vpc))
    )
    routes = t.add_resource(ec2.RouteTable("PublicRoutes", VpcId=Ref(vpc)))
    t.add_resource(
        ec2.Route(
            "DefaultRoute",
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=Ref(gateway),
            RouteTableId=Ref(routes),
            DependsOn=[attachment.title],
        )
    )
    subnets = []
    for i in range(2):
        subnet = t.add_resource(
            ec2.Subnet(
                f"Subnet{i}",
                AvailabilityZone=Select(i, GetAZs("")),
                CidrBlock=Select(i, Cidr(GetAtt(vpc, "CidrBlock"), 2, "8")),
                MapPublicIpOnLaunch=True,
                VpcId=Ref(vpc),
            )
        )
        t.add_resource(
            ec2.SubnetRouteTableAssociation(f"Subnet{i}Routes", RouteTableId=Ref(routes), SubnetId=Ref(subnet))
        )
        subnets.append(subnet)
    t.add_output(Output("VpcId", Value=Ref(vpc)))
    t.add_output(Output("SubnetIds", Value=Join(",", [Ref(s) for s in subnets])))
    return t


def service(retention_days: int) -> Template:
    t = Template(Description="BenchService: A worker's queue, versioned bucket, role and secret.")
    t.set_version("2010-09-09")
    vpc_id = t.add_parameter(Parameter("VpcId", Type="String", Description="The VPC the service runs in"))
    subnet_ids = t.add_parameter(
        Parameter("SubnetIds", Type="CommaDelimitedList", Description="The subnets the service runs in")
    )
    queue = t.add_resource(sqs.Queue("WorkQueue", MessageRetentionPeriod=retention_days * 86400))
    bucket = t.add_resource(
        s3.Bucket(
            "Artifacts",
            Tags=Tags(vpc=Ref(vpc_id)),
            VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        )
    )
    secret = t.add_resource(
        secretsmanager.Secret(
            "ApiKey",
            Description="API key of the service",
            GenerateSecretString=secretsmanager.GenerateSecretString(ExcludePunctuation=True, PasswordLength=32),
        )
    )
    role = t.add_resource(
        iam.Role(
            "WorkerRole",
            AssumeRolePolicyDocument={
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            Policies=[
                iam.Policy(
                    PolicyDocument={
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                                "Resource": GetAtt(queue, "Arn"),
                            },
                            {
                                "Effect": "Allow",
                                "Action": ["s3:GetObject", "s3:PutObject"],
                                "Resource": Join("", [GetAtt(bucket, "Arn"), "/*"]),
                            },
                            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": Ref(secret)},
                        ],
                    },
                    PolicyName="work",
                )
            ],
            Tags=Tags(subnets=Join(":", Ref(subnet_ids))),
        )
    )
    t.add_output(Output("QueueUrl", Value=Ref(queue)))
    t.add_output(Output("BucketName", Value=Ref(bucket)))
    t.add_output(Output("RoleArn", Value=GetAtt(role, "Arn")))
    return t


def write(out: Path, pairs: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    instances: dict[str, Any] = {}
    for i in range(pairs):
        for name, template, entry in (
            (f"network-{i}", network(f"10.{i % 256}.0.0/16"), {"parameters": {}, "depends_on": []}),
            (
                f"service-{i}",
                service(1 + i % 14),
                {
                    "parameters": {
                        "VpcId": {"from": {"instance": f"network-{i}", "output": "VpcId"}},
                        "SubnetIds": {"from": {"instance": f"network-{i}", "output": "SubnetIds"}},
                    },
                    "depends_on": [f"network-{i}"],
                },
            ),
        ):
            body = template.to_dict()
            data = (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            filename = f"{name}.template.json"
            (out / filename).write_bytes(data)
            instances[name] = {
                "provider": "aws",
                "template": filename,
                "sha256": hashlib.sha256(data).hexdigest(),
                **entry,
                "outputs": list(body.get("Outputs", {})),
            }
    manifest = {"version": 1, "app": "bench", "instances": dict(sorted(instances.items()))}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 500)
