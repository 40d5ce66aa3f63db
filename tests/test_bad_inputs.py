"""Every user mistake raises a specific InfrakitError whose message names what is wrong."""

from __future__ import annotations

import sys
import traceback
import typing
from pathlib import Path

import pytest
from helpers import NoInputs, NoOutputs, adding, component
from shop.network import Network, NetworkInputs
from shop.service import ServiceInputs

import infrakit as ik
from infrakit import errors
from infrakit.aws import ec2, fn, s3, sqs
from infrakit.errors import InfrakitError


def synth_build(build, *, inputs=NoInputs, outputs=NoOutputs, given=None):
    """Synthesize a component named ``Broken`` whose build is ``build`` (returning
    ``NoOutputs()`` for it when the component has no outputs)."""

    def run(self, inputs):
        result = build(self, inputs)
        return NoOutputs() if outputs is NoOutputs else result

    return ik.synth(component(run, inputs=inputs, outputs=outputs), given)


def synth_adding(*make):
    """Synthesize a component named ``Broken`` that adds the resources ``make`` returns."""
    return ik.synth(adding(*make))


@ik.inputs
class Subnets:
    subnet_ids: ik.Param[list[str]]


@ik.inputs
class Named:
    name: ik.Param[str]


@ik.inputs
class Secret:
    password: ik.Param[str] = ik.param(secret=True)


@ik.outputs
class OneStr:
    value: ik.Out[str]


@ik.outputs
class OneList:
    values: ik.Out[list[str]]


def _uses_password(self, inputs):
    self.add(sqs.Queue("Q", queue_name=inputs.password))
    return NoOutputs()


# Quotas: 201 parameters and 201 outputs, from inputs/outputs classes made in code.
_PARAMS_201 = {f"p{k}": ik.Param[str] for k in range(201)}
Params201 = ik.inputs(type("Params201", (), {"__annotations__": _PARAMS_201, **dict.fromkeys(_PARAMS_201, "x")}))
_OUTS_201 = {f"o{k}": ik.Out[str] for k in range(201)}
Outs201 = ik.outputs(type("Outs201", (), {"__annotations__": _OUTS_201}))


def _uses_201_params(self, inputs):
    tags = [s3.Bucket.Tag(key=name, value=getattr(inputs, name)) for name in _PARAMS_201]
    self.add(s3.Bucket("B", tags=tags))
    return NoOutputs()


def _binds_201_outputs(self, inputs):
    bucket = self.add(s3.Bucket("B"))
    return Outs201(**dict.fromkeys(_OUTS_201, bucket.ref))


# A condition defined in one component and leaked into another.
_LEAKED: dict[str, typing.Any] = {}


def _defines_condition(self, inputs):
    _LEAKED["IsProd"] = self.condition("IsProd", fn.equals(fn.region, "us-east-1"))
    self.add(sqs.Queue("Q", condition=_LEAKED["IsProd"]))
    return NoOutputs()


def _uses_leaked_condition(self, inputs):
    if "IsProd" not in _LEAKED:
        ik.synth(component(_defines_condition, name="Definer"))
    self.add(sqs.Queue("Q", queue_name=fn.if_(_LEAKED["IsProd"], "prod", "dev")))
    return NoOutputs()


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def _expr_as_bool():
    if ec2.VPC("Vpc").ref:
        pass


def _expr_in_fstring():
    return f"arn:{ec2.VPC('Vpc').attrs.cidr_block}"


def _mixed_providers():
    from infrakit.gcp import compute

    return synth_adding(lambda: s3.Bucket("Bucket"), lambda: compute.Network("net", auto_create_subnetworks=False))


def case(id, action, error, *words):
    return pytest.param(action, error, words, id=id)


B = "Broken"  # the component name every message must carry

CASES = [
    # --- unknown properties (with did-you-mean) -----------------------------------------------
    case(
        "unknown-property",
        lambda t: synth_adding(lambda: ec2.VPC("Vpc", cidr_blok="10.0.0.0/16")),
        errors.UnknownPropertyError,
        B,
        "AWS::EC2::VPC",
        "'Vpc'",
        "`cidr_blok`",
        "did you mean `cidr_block`",
    ),
    case(
        "unknown-property-cloudformation-spelling",
        lambda t: synth_adding(lambda: ec2.VPC("Vpc", CidrBlock="10.0.0.0/16")),
        errors.UnknownPropertyError,
        B,
        "AWS::EC2::VPC",
        "'Vpc'",
        "`CidrBlock`",
        "did you mean `cidr_block`",
    ),
    case(
        "unknown-property-of-nested-type",
        lambda t: synth_adding(lambda: s3.Bucket("B", tags=[s3.Bucket.Tag(kee="a", value="b")])),
        errors.UnknownPropertyError,
        B,
        "Bucket.Tag",
        "`kee`",
        "did you mean `key`",
    ),
    # --- wrong value types --------------------------------------------------------------------
    case(
        "str-for-bool",
        lambda t: synth_adding(lambda: ec2.VPC("Vpc", cidr_block="10.0.0.0/16", enable_dns_hostnames="yes")),
        errors.PropertyTypeError,
        B,
        "AWS::EC2::VPC",
        "'Vpc'",
        "`enable_dns_hostnames`",
        "expected bool",
        "'yes'",
    ),
    case(
        "int-beyond-64-bits",
        lambda t: synth_adding(lambda: sqs.Queue("Q", delay_seconds=2**64)),
        errors.PropertyTypeError,
        B,
        "AWS::SQS::Queue",
        "'Q'",
        "`delay_seconds`",
        "within 64 bits",
    ),
    case(
        "int-for-str",
        lambda t: synth_adding(lambda: sqs.Queue("Q", queue_name=5)),
        errors.PropertyTypeError,
        B,
        "AWS::SQS::Queue",
        "'Q'",
        "`queue_name`",
        "expected str",
        "int 5",
    ),
    case(
        "list-for-str",
        lambda t: synth_adding(lambda: sqs.Queue("Q", queue_name=["jobs"])),
        errors.PropertyTypeError,
        B,
        "AWS::SQS::Queue",
        "`queue_name`",
        "expected str",
        "list",
    ),
    case(
        "bool-for-int",
        lambda t: synth_adding(lambda: sqs.Queue("Q", delay_seconds=True)),
        errors.PropertyTypeError,
        B,
        "AWS::SQS::Queue",
        "`delay_seconds`",
        "expected int",
        "bool True",
    ),
    case(
        "dict-for-nested-property-class",
        lambda t: synth_adding(lambda: s3.Bucket("B", versioning_configuration={"Status": "Enabled"})),
        errors.PropertyTypeError,
        B,
        "AWS::S3::Bucket",
        "`versioning_configuration`",
        "Bucket.VersioningConfiguration(...)",
    ),
    case(
        "int-for-str-in-nested-type",
        lambda t: synth_adding(lambda: s3.Bucket("B", tags=[s3.Bucket.Tag(key="a", value=5)])),
        errors.PropertyTypeError,
        B,
        "Bucket.Tag",
        "`value`",
        "expected str",
        "int 5",
    ),
    case(
        "get-azs-list-for-str",
        lambda t: synth_adding(lambda: ec2.Subnet("Sub", vpc_id="vpc-1", availability_zone=fn.get_azs())),
        errors.PropertyTypeError,
        B,
        "AWS::EC2::Subnet",
        "'Sub'",
        "`availability_zone`",
        "expected str",
        "list[str]",
    ),
    case(
        "list-param-for-str",
        lambda t: synth_build(
            lambda self, i: self.add(ec2.Subnet("Sub", vpc_id=i.subnet_ids, cidr_block="10.0.0.0/24")), inputs=Subnets
        ),
        errors.PropertyTypeError,
        B,
        "AWS::EC2::Subnet",
        "`vpc_id`",
        "expected str",
        "subnet_ids: list[str]",
    ),
    case(
        "list-output-wired-into-str-param",
        lambda t: ServiceInputs(
            vpc_id=ik.App("shop").add("net", Network).outputs.subnet_ids,
            subnet_ids=ik.App("shop").add("net", Network).outputs.subnet_ids,
        ),
        errors.WiringError,
        "ServiceInputs.vpc_id",
        "expected str",
        "got output net.subnet_ids (list[str])",
    ),
    # --- enums and options --------------------------------------------------------------------
    case(
        "invalid-enum-value",
        lambda t: synth_adding(
            lambda: s3.Bucket("B", versioning_configuration=s3.Bucket.VersioningConfiguration(status="Enable"))
        ),
        errors.PropertyTypeError,
        B,
        "Bucket.VersioningConfiguration",
        "`status`",
        "'Enable'",
        "did you mean `Enabled`",
    ),
    case(
        "invalid-enum-value-case",
        lambda t: synth_adding(lambda: ec2.VPC("Vpc", cidr_block="10.0.0.0/16", instance_tenancy="Default")),
        errors.PropertyTypeError,
        B,
        "AWS::EC2::VPC",
        "`instance_tenancy`",
        "'Default'",
        "did you mean `default`",
    ),
    case(
        "invalid-deletion-policy",
        lambda t: synth_adding(lambda: s3.Bucket("B", deletion_policy="Retian")),
        errors.PropertyTypeError,
        B,
        "AWS::S3::Bucket",
        "'B'",
        "deletion_policy",
        "did you mean `Retain`",
    ),
    case(
        "invalid-update-replace-policy",
        lambda t: synth_adding(lambda: s3.Bucket("B", update_replace_policy="Snapshop")),
        errors.PropertyTypeError,
        B,
        "AWS::S3::Bucket",
        "update_replace_policy",
        "did you mean `Snapshot`",
    ),
    case(
        "depends-on-a-name-not-a-resource",
        lambda t: synth_adding(lambda: s3.Bucket("B", depends_on="Vpc")),
        errors.PropertyTypeError,
        B,
        "AWS::S3::Bucket",
        "'B'",
        "depends_on takes resources",
        "'Vpc'",
    ),
    case(
        "condition-option-not-a-condition",
        lambda t: synth_adding(lambda: s3.Bucket("B", condition=5)),
        errors.PropertyTypeError,
        B,
        "AWS::S3::Bucket",
        "condition takes a condition",
        "int 5",
    ),
    case(
        "metadata-not-a-dict",
        lambda t: synth_adding(lambda: s3.Bucket("B", metadata=["a"])),
        errors.PropertyTypeError,
        B,
        "AWS::S3::Bucket",
        "metadata must be a dict",
    ),
    # --- missing, dangling ----------------------------------------------------------------------
    case(
        "missing-required-property",
        lambda t: synth_adding(lambda: ec2.Subnet("Sub", cidr_block="10.0.0.0/24")),
        errors.MissingPropertyError,
        B,
        "AWS::EC2::Subnet",
        "'Sub'",
        "`vpc_id`",
        "pass vpc_id=",
    ),
    case(
        "missing-required-property-of-nested-type",
        lambda t: synth_adding(lambda: s3.Bucket("B", tags=[s3.Bucket.Tag(key="a")])),
        errors.MissingPropertyError,
        B,
        "AWS::S3::Bucket",
        "'B'",
        "tags",
        "`value`",
    ),
    case(
        "ref-to-resource-not-added",
        lambda t: synth_build(
            lambda self, i: self.add(
                ec2.Subnet("Sub", vpc_id=ec2.VPC("Vpc", cidr_block="10.0.0.0/16").ref, cidr_block="10.0.0.0/24")
            )
        ),
        errors.DanglingReferenceError,
        B,
        "AWS::EC2::Subnet",
        "'Sub'",
        "`vpc_id`",
        "AWS::EC2::VPC 'Vpc'",
        "not part of the component",
    ),
    case(
        "get-att-of-resource-not-added",
        lambda t: synth_build(
            lambda self, i: self.add(
                sqs.Queue("Q", queue_name=ec2.VPC("Vpc", cidr_block="10.0.0.0/16").attrs.cidr_block)
            )
        ),
        errors.DanglingReferenceError,
        B,
        "AWS::SQS::Queue",
        "`queue_name`",
        "AWS::EC2::VPC 'Vpc'",
        "not part of the component",
    ),
    case(
        "depends-on-resource-not-added",
        lambda t: synth_adding(lambda: s3.Bucket("B", depends_on=sqs.Queue("Q"))),
        errors.DanglingReferenceError,
        B,
        "AWS::S3::Bucket",
        "'B'",
        "depends_on",
        "AWS::SQS::Queue 'Q'",
        "not part of the component",
    ),
    case(
        "unknown-attrs-attribute",
        lambda t: synth_build(lambda self, i: self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16")).attrs.cidr_blok),
        errors.UnknownAttributeError,
        B,
        "AWS::EC2::VPC",
        "'Vpc'",
        "`cidr_blok`",
        "did you mean `cidr_block`",
    ),
    case(
        "unknown-get-att-name",
        lambda t: fn.get_att(ec2.VPC("Vpc", cidr_block="10.0.0.0/16"), "CidrBlok"),
        errors.UnknownAttributeError,
        "AWS::EC2::VPC",
        "'Vpc'",
        "'CidrBlok'",
        "did you mean `CidrBlock`",
    ),
    # --- logical ids ------------------------------------------------------------------------------
    case(
        "logical-id-with-invalid-characters",
        lambda t: synth_adding(lambda: s3.Bucket("my-bucket")),
        errors.LogicalIdError,
        B,
        "AWS::S3::Bucket",
        "'my-bucket'",
        "letters and digits",
        "'mybucket'",
    ),
    case(
        "logical-id-too-long",
        lambda t: synth_adding(lambda: s3.Bucket("B" * 256)),
        errors.LogicalIdError,
        B,
        "AWS::S3::Bucket",
        "1 to 255",
    ),
    case(
        "logical-id-empty",
        lambda t: synth_adding(lambda: s3.Bucket("")),
        errors.LogicalIdError,
        B,
        "AWS::S3::Bucket",
        "''",
        "1 to 255",
    ),
    case(
        "duplicate-logical-id",
        lambda t: synth_adding(lambda: s3.Bucket("Store"), lambda: sqs.Queue("Store")),
        errors.LogicalIdError,
        B,
        "duplicate logical id 'Store'",
        "AWS::S3::Bucket 'Store'",
        "AWS::SQS::Queue 'Store'",
    ),
    case(
        "same-resource-added-twice",
        lambda t: synth_build(lambda self, i: self.add(self.add(s3.Bucket("B")))),
        errors.LogicalIdError,
        B,
        "AWS::S3::Bucket 'B'",
        "added twice",
    ),
    # --- outputs and parameters ---------------------------------------------------------------------
    case(
        "unbound-output",
        lambda t: synth_build(lambda self, i: (self.add(s3.Bucket("B")), OneStr())[1], outputs=OneStr),
        errors.UnboundOutputError,
        B,
        "`value`",
        "OneStr",
        "unbound",
    ),
    case(
        "list-output-bound-to-str",
        lambda t: synth_build(lambda self, i: OneStr(value=fn.get_azs()), outputs=OneStr),
        errors.PropertyTypeError,
        "OneStr.value",
        "expected str",
        "list[str]",
    ),
    case(
        "str-output-bound-to-list",
        lambda t: synth_build(lambda self, i: OneList(values=self.add(s3.Bucket("B")).ref), outputs=OneList),
        errors.PropertyTypeError,
        "OneList.values",
        "expected list[str]",
        "B.ref: str",
    ),
    case(
        "unused-parameter",
        lambda t: synth_build(lambda self, i: (self.add(s3.Bucket("B")), NoOutputs())[1], inputs=Named),
        errors.UnusedParameterError,
        B,
        "`name`",
        "Named.name",
        "never used",
    ),
    case(
        "secret-parameter-given-a-value",
        lambda t: synth_build(_uses_password, inputs=Secret, given=Secret(password="hunter2")),
        errors.SynthError,
        B,
        "Secret.password",
        "secret",
    ),
    # --- conditions ------------------------------------------------------------------------------------
    case(
        "condition-never-defined-in-if",
        lambda t: synth_build(_uses_leaked_condition),
        errors.DanglingReferenceError,
        B,
        "AWS::SQS::Queue",
        "`queue_name`",
        "'IsProd'",
        "never defined",
    ),
    case(
        "condition-never-defined-as-resource-condition",
        lambda t: synth_adding(lambda: s3.Bucket("B", condition="IsProd")),
        errors.DanglingReferenceError,
        B,
        "AWS::S3::Bucket",
        "'B'",
        "'IsProd'",
        "never defined",
    ),
    case(
        "condition-of-non-boolean-expression",
        lambda t: synth_build(lambda self, i: self.condition("IsProd", self.add(s3.Bucket("B")).ref)),
        errors.DefinitionError,
        B,
        "condition 'IsProd'",
        "boolean expression",
        "B.ref",
    ),
    case(
        "condition-of-plain-bool",
        lambda t: synth_build(lambda self, i: self.condition("IsProd", True)),
        errors.DefinitionError,
        B,
        "condition 'IsProd'",
        "boolean expression",
        "True",
    ),
    case(
        "condition-defined-twice",
        lambda t: synth_build(
            lambda self, i: [self.condition("IsProd", fn.equals(fn.region, "us-east-1")) for _ in range(2)]
        ),
        errors.LogicalIdError,
        B,
        "'IsProd'",
        "defined twice",
    ),
    # --- quotas -------------------------------------------------------------------------------------------
    case(
        "501-resources",
        lambda t: synth_adding(*[lambda k=k: sqs.Queue(f"Q{k}") for k in range(501)]),
        errors.QuotaError,
        B,
        "501 resources",
        "limit of 500",
    ),
    case(
        "201-parameters",
        lambda t: synth_build(_uses_201_params, inputs=Params201),
        errors.QuotaError,
        B,
        "201 parameters",
        "limit of 200",
    ),
    case(
        "201-outputs",
        lambda t: synth_build(_binds_201_outputs, outputs=Outs201),
        errors.QuotaError,
        B,
        "201 outputs",
        "limit of 200",
    ),
    case(
        "template-over-1000000-bytes",
        lambda t: synth_adding(*[lambda k=k: s3.Bucket(f"B{k}", metadata={"Note": "x" * 100_000}) for k in range(10)]),
        errors.QuotaError,
        B,
        "bytes",
        "1,000,000",
    ),
    # --- providers, synth and build ----------------------------------------------------------------------
    case(
        "aws-and-gcp-resources-in-one-component",
        lambda t: _mixed_providers(),
        errors.ProviderMixError,
        B,
        "compute.v1.network 'net'",
        "AWS::S3::Bucket 'Bucket'",
        "one provider",
    ),
    case(
        "build-called-outside-synth",
        lambda t: Network().build(NetworkInputs()),
        errors.SynthError,
        "Network",
        "only while synthesizing",
        "ik.synth",
    ),
    case(
        "wrong-inputs-class-passed-to-synth",
        lambda t: ik.synth(Network, ServiceInputs()),
        errors.DefinitionError,
        "Network",
        "NetworkInputs",
        "ServiceInputs",
    ),
    case(
        "synth-of-a-resource-class",
        lambda t: ik.synth(s3.Bucket),
        errors.SynthError,
        "Component subclass",
        "Bucket",
    ),
    case(
        "build-adds-no-resources",
        lambda t: synth_build(lambda self, i: NoOutputs()),
        errors.SynthError,
        B,
        "no resources",
    ),
    # --- inputs ---------------------------------------------------------------------------------------------
    case(
        "inputs-validator-le",
        lambda t: NetworkInputs(az_count=7),
        errors.InputValueError,
        "NetworkInputs.az_count",
        "<= 6",
        "7",
    ),
    case(
        "inputs-validator-ge",
        lambda t: NetworkInputs(az_count=0),
        errors.InputValueError,
        "NetworkInputs.az_count",
        ">= 1",
        "0",
    ),
    case(
        "inputs-validator-matches-re",
        lambda t: NetworkInputs(cidr="192.168.0.0/16"),
        errors.InputValueError,
        "NetworkInputs.cidr",
        "192.168.0.0/16",
    ),
    case(
        "build-time-setting-of-wrong-type",
        lambda t: NetworkInputs(az_count="3"),
        errors.PropertyTypeError,
        "NetworkInputs.az_count",
        "expected int",
        "str '3'",
    ),
    case(
        "build-time-literal-setting-not-allowed",
        lambda t: NetworkInputs(environment="staging"),
        errors.PropertyTypeError,
        "NetworkInputs.environment",
        "'dev'",
        "'prod'",
        "'staging'",
    ),
    case(
        "param-of-wrong-type",
        lambda t: Named(name=3),
        errors.PropertyTypeError,
        "Named.name",
        "expected str",
        "int 3",
    ),
    # --- intrinsic functions ----------------------------------------------------------------------------------
    case(
        "select-out-of-range",
        lambda t: fn.select(3, ["a", "b"]),
        errors.PropertyTypeError,
        "fn.select",
        "index 3",
        "out of range",
        "list of 2",
    ),
    case(
        "select-negative-index",
        lambda t: fn.select(-1, fn.get_azs()),
        errors.PropertyTypeError,
        "fn.select",
        "0 or more",
        "-1",
    ),
    case(
        "select-from-a-str",
        lambda t: fn.select(0, fn.region),
        errors.PropertyTypeError,
        "fn.select",
        "must be a list",
        "AWS::Region",
    ),
    case(
        "cidr-count-zero",
        lambda t: fn.cidr("10.0.0.0/16", 0, "8"),
        errors.PropertyTypeError,
        "fn.cidr",
        "count",
        "1 to 256",
        "0",
    ),
    case(
        "cidr-count-257",
        lambda t: fn.cidr("10.0.0.0/16", 257, "8"),
        errors.PropertyTypeError,
        "fn.cidr",
        "count",
        "1 to 256",
        "257",
    ),
    case(
        "cidr-bits-not-a-number",
        lambda t: fn.cidr("10.0.0.0/16", 2, "eight"),
        errors.PropertyTypeError,
        "fn.cidr",
        "cidr_bits",
        "'eight'",
    ),
    case(
        "join-of-a-non-list",
        lambda t: fn.join(",", "abc"),
        errors.PropertyTypeError,
        "fn.join",
        "must be a list",
        "str 'abc'",
    ),
    case(
        "join-of-a-list-expression-item",
        lambda t: fn.join(",", ["a", fn.get_azs()]),
        errors.PropertyTypeError,
        "fn.join",
        "item 1",
        "list[str]",
    ),
    case(
        "if-with-a-non-condition",
        lambda t: fn.if_("IsProd", "a", "b"),
        errors.PropertyTypeError,
        "fn.if_",
        "self.condition",
        "str 'IsProd'",
    ),
    case(
        "and-with-one-condition",
        lambda t: fn.and_(fn.equals(fn.region, "us-east-1")),
        errors.PropertyTypeError,
        "fn.and_",
        "2 to 10",
        "got 1",
    ),
    case(
        "equals-of-a-list",  # booleans are compared as "true"/"false"; a list is no value to compare
        lambda t: fn.equals(["a"], "a"),
        errors.PropertyTypeError,
        "fn.equals",
        "first value",
        "list ['a']",
    ),
    case(
        "find-in-map-unknown-key",
        lambda t: fn.find_in_map(fn.mapping("Amis", {"us-east-1": {"Ami": "ami-1"}}), "us-east1", "Ami"),
        errors.PropertyTypeError,
        "fn.find_in_map",
        "'Amis'",
        "'us-east1'",
        "did you mean `us-east-1`",
    ),
    case(
        "sub-placeholder-naming-nothing",
        lambda t: synth_adding(lambda: sqs.Queue("Q", queue_name=fn.sub("${Nothing}-jobs"))),
        errors.DanglingReferenceError,
        B,
        "AWS::SQS::Queue",
        "'Q'",
        "${Nothing}",
        "names nothing",
    ),
    case(
        "expression-used-as-python-bool",
        lambda t: _expr_as_bool(),
        errors.PropertyTypeError,
        "Vpc.ref",
        "no value at synth time",
        "Python bool",
        "fn.if_",
    ),
    case(
        "expression-in-f-string",
        lambda t: _expr_in_fstring(),
        errors.PropertyTypeError,
        "Vpc.attrs.cidr_block",
        "no value at synth time",
        "fn.sub",
    ),
    case(
        "expression-iterated",
        lambda t: list(fn.get_azs()),
        errors.PropertyTypeError,
        "Fn::GetAZs",
        "cannot be iterated",
        "fn.select",
    ),
    # --- configuration files ----------------------------------------------------------------------------------
    case(
        "load-inputs-unknown-key",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "prod.yaml", "cidr: 10.1.0.0/16\naz_cont: 2\n")),
        errors.ConfigError,
        "prod.yaml:2",
        "az_cont",
        "NetworkInputs",
        "did you mean `az_count`",
    ),
    case(
        "load-inputs-str-for-int",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "prod.yaml", 'cidr: 10.1.0.0/16\n\naz_count: "3"\n')),
        errors.ConfigError,
        "prod.yaml:3",
        "az_count",
        "expected int",
        "'3'",
    ),
    case(
        "load-inputs-validator-failure",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "prod.yaml", "cidr: 10.1.0.0/16\naz_count: 9\n")),
        errors.ConfigError,
        "prod.yaml:2",
        "az_count",
        "<= 6",
        "9",
    ),
    case(
        "load-inputs-in-a-section",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "all.yaml", "network:\n  az_count: 9\n"), key="network"),
        errors.ConfigError,
        "all.yaml",
        "network",
        "az_count",
        "<= 6",
    ),
    case(
        "load-inputs-unknown-section",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "all.yaml", "network:\n  az_count: 2\n"), key="netwrk"),
        errors.ConfigError,
        "all.yaml",
        "'netwrk'",
        "did you mean `network`",
    ),
    case(
        "load-inputs-bad-yaml",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "prod.yaml", "cidr: [10.1.0.0/16\naz_count: 2\n")),
        errors.ConfigError,
        "prod.yaml",
        "not valid YAML",
        "line 2",
    ),
    case(
        "load-inputs-str-for-a-list",
        lambda t: ik.load_inputs(ServiceInputs, _write(t, "svc.yaml", "instance_count: 2\nsubnet_ids: subnet-1\n")),
        errors.ConfigError,
        "svc.yaml:2",
        "subnet_ids",
        "expected a list",
        "'subnet-1'",
    ),
    case(
        "load-inputs-duplicate-yaml-key",
        lambda t: ik.load_inputs(
            NetworkInputs, _write(t, "prod.yaml", "cidr: 10.1.0.0/16\naz_count: 2\ncidr: 10.2.0.0/16\n")
        ),
        errors.ConfigError,
        "prod.yaml:3",
        "cidr",
        "duplicate key",
    ),
    case(
        "load-inputs-duplicate-json-key",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "prod.json", '{"az_count": 2, "az_count": 3}')),
        errors.ConfigError,
        "prod.json",
        "az_count",
        "duplicate key",
    ),
    case(
        "load-inputs-missing-file",
        lambda t: ik.load_inputs(NetworkInputs, t / "missing.yaml"),
        errors.ConfigError,
        "missing.yaml",
        "cannot read",
    ),
    case(
        "load-inputs-unknown-format",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "prod.ini", "az_count=2\n")),
        errors.ConfigError,
        "prod.ini",
        "unknown configuration format",
        ".yaml",
    ),
    case(
        "load-inputs-json-str-for-int",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "prod.json", '{"az_count": "3"}')),
        errors.ConfigError,
        "prod.json",
        "az_count",
        "expected int",
    ),
    case(
        "load-inputs-toml-unknown-key",
        lambda t: ik.load_inputs(NetworkInputs, _write(t, "prod.toml", "az_cont = 3\n")),
        errors.ConfigError,
        "prod.toml",
        "az_cont",
        "did you mean `az_count`",
    ),
]


@pytest.mark.parametrize(("action", "error", "words"), CASES)
def test_bad_input_raises_its_specific_error_naming_what_is_wrong(action, error, words, tmp_path):
    with pytest.raises(InfrakitError) as raised:
        action(tmp_path)
    assert type(raised.value) is error, f"{type(raised.value).__name__}: {raised.value}"
    message = str(raised.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"{missing} not in {message!r}"


def test_the_table_covers_at_least_45_bad_inputs():
    assert len(CASES) >= 45


def _last_user_frame(exc: BaseException) -> traceback.FrameSummary:
    """The innermost frame of the traceback that is neither infrakit's nor a library's."""
    package = str(Path(ik.__file__).parent)
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not f.filename.startswith(package) and not f.filename.startswith("<") and "site-packages" not in f.filename
    ]
    return frames[-1]


def test_an_unknown_property_points_at_the_users_line():
    with pytest.raises(errors.UnknownPropertyError) as raised:
        ec2.VPC("Vpc", cidr_blok="10.0.0.0/16")
    line = sys._getframe().f_lineno - 1
    frame = _last_user_frame(raised.value)
    assert (frame.filename, frame.lineno) == (__file__, line)


def test_a_wrong_type_inside_build_points_at_the_line_in_build():
    lines = {}

    def build(self, inputs):
        lines["bad"] = sys._getframe().f_lineno + 1
        self.add(sqs.Queue("Q", queue_name=5))
        return NoOutputs()

    with pytest.raises(errors.PropertyTypeError) as raised:
        ik.synth(component(build))
    frame = _last_user_frame(raised.value)
    assert (frame.filename, frame.lineno) == (__file__, lines["bad"])


def test_an_unknown_attribute_points_at_the_users_line():
    vpc = ec2.VPC("Vpc", cidr_block="10.0.0.0/16")
    with pytest.raises(errors.UnknownAttributeError) as raised:
        _ = vpc.attrs.cidr_blok
    line = sys._getframe().f_lineno - 1
    frame = _last_user_frame(raised.value)
    assert (frame.filename, frame.lineno) == (__file__, line)


def test_a_shortened_property_name_gets_a_suggestion() -> None:
    with pytest.raises(errors.UnknownPropertyError, match=r"unknown property `cidr` \(did you mean `cidr_block`\?\)"):
        ec2.VPC("Vpc", cidr="10.0.0.0/16")


def test_a_yaml_section_error_names_the_file_line_and_dotted_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "prod.yaml", "network:\n  cidr: 10.1.0.0/16\n  az_count: 9\n")
    with pytest.raises(errors.ConfigError, match=r"prod\.yaml:3: network\.az_count: .*must be <= 6"):
        ik.load_inputs(NetworkInputs, path, key="network")
