"""The service component: a work queue, a versioned bucket, a role and a secret."""

from __future__ import annotations

import attrs

import infrakit as ik
from infrakit.aws import fn, iam, s3, secretsmanager, sqs


@ik.inputs
class ServiceInputs:
    """The network a service runs in (wired at deploy time) and its build-time settings."""

    vpc_id: ik.Param[str] = ik.param(aws_type="AWS::EC2::VPC::Id", description="The VPC the service runs in")
    subnet_ids: ik.Param[list[str]] = ik.param(description="The subnets the service runs in")
    retention_days: int = attrs.field(default=4, validator=[attrs.validators.ge(1), attrs.validators.le(14)])
    versioned: bool = True


@ik.outputs
class ServiceOutputs:
    """What a service publishes."""

    queue_url: ik.Out[str]
    queue_name: ik.Out[str]
    bucket_name: ik.Out[str]
    role_arn: ik.Out[str]


class Service(ik.Component[ServiceInputs, ServiceOutputs]):
    """A worker's resources: its queue, its bucket, the role it runs as and its secret."""

    def build(self, inputs: ServiceInputs) -> ServiceOutputs:
        queue = self.add(sqs.Queue("WorkQueue", message_retention_period=inputs.retention_days * 86400))
        bucket = self.add(
            s3.Bucket(
                "Artifacts",
                versioning_configuration=s3.Bucket.VersioningConfiguration(
                    status="Enabled" if inputs.versioned else "Suspended"
                ),
                tags=[s3.Bucket.Tag(key="vpc", value=inputs.vpc_id)],
            )
        )
        secret = self.add(
            secretsmanager.Secret(
                "ApiKey",
                description=fn.join(" ", ["API key of the service in", inputs.vpc_id]),
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
                                {
                                    "Effect": "Allow",
                                    "Action": "ec2:DescribeSubnets",
                                    "Resource": "*",
                                    "Condition": {"StringEquals": {"ec2:Vpc": inputs.vpc_id}},
                                },
                            ],
                        },
                    )
                ],
                tags=[iam.Role.Tag(key="subnets", value=fn.join(":", inputs.subnet_ids))],
            )
        )
        return ServiceOutputs(
            queue_url=queue.ref, queue_name=queue.attrs.queue_name, bucket_name=bucket.ref, role_arn=role.attrs.arn
        )
