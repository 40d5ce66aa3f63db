"""assert_contract: it passes a sound component and catches real mistakes, found by hypothesis."""

from __future__ import annotations

import itertools
import sys
import typing
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from attrs import validators as v
from hypothesis import given, settings

import infrakit as ik
from infrakit.aws import _check as cfn_check
from infrakit.aws import ec2, fn, sqs
from infrakit.aws._provider import AWS
from infrakit.gcp import _check as gcp_check
from infrakit.gcp import compute
from infrakit.gcp._provider import GCP
from infrakit.testing import Template, assert_contract, strategies
from infrakit.testing import _contract as contract

SEARCH = settings(max_examples=40, deadline=None, database=None)


@ik.inputs
class NetworkInputs:
    cidr: str = attrs.field(default="10.0.0.0/16", validator=v.matches_re(r"10\.[0-9]\.0\.0/16"))
    az_count: int = attrs.field(default=2, validator=[v.ge(1), v.le(6)])
    environment: typing.Literal["dev", "prod"] = "dev"


@ik.outputs
class NetworkOutputs:
    vpc_id: ik.Out[str]
    subnet_ids: ik.Out[list[str]]


class Network(ik.Component[NetworkInputs, NetworkOutputs]):
    """A VPC with one subnet per availability zone."""

    def build(self, inputs: NetworkInputs) -> NetworkOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr, enable_dns_hostnames=True))
        subnets = [
            self.add(
                ec2.Subnet(
                    f"Subnet{i}",
                    vpc_id=vpc.ref,
                    cidr_block=fn.select(i, fn.cidr(vpc.attrs.cidr_block, inputs.az_count, "8")),
                    availability_zone=fn.select(i, fn.get_azs()),
                )
            )
            for i in range(inputs.az_count)
        ]
        return NetworkOutputs(vpc_id=vpc.ref, subnet_ids=[s.ref for s in subnets])


def _search(component: type[Any], drawn: Any) -> None:
    """Run assert_contract over drawn inputs, as a user's property test would."""

    @SEARCH
    @given(drawn)
    def check(inputs: Any) -> None:
        assert_contract(component, inputs, lint=False)

    check()


# --- a sound component ----------------------------------------------------------------


def test_a_sound_component_passes_and_returns_a_template() -> None:
    template = assert_contract(Network, NetworkInputs(az_count=3))
    assert isinstance(template, Template)
    template.resource_count_is("AWS::EC2::Subnet", 3)


def test_a_sound_component_passes_for_every_drawn_input() -> None:
    _search(Network, strategies.inputs(NetworkInputs))


# --- mistakes found by hypothesis ------------------------------------------------------


class UnboundOutput(ik.Component[NetworkInputs, NetworkOutputs]):
    """Forgets its subnets in prod."""

    def build(self, inputs: NetworkInputs) -> NetworkOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr))
        if inputs.environment == "prod":
            return NetworkOutputs(vpc_id=vpc.ref)
        subnet = self.add(ec2.Subnet("Subnet", vpc_id=vpc.ref, cidr_block=inputs.cidr))
        return NetworkOutputs(vpc_id=vpc.ref, subnet_ids=[subnet.ref])


def test_hypothesis_finds_an_unbound_output() -> None:
    with pytest.raises(
        AssertionError, match=r"UnboundOutput with inputs NetworkInputs\(.*environment='prod'\).*subnet_ids"
    ):
        _search(UnboundOutput, strategies.inputs(NetworkInputs))


class DanglingReference(ik.Component[NetworkInputs, NetworkOutputs]):
    """Points its later subnets at a VPC it never adds."""

    def build(self, inputs: NetworkInputs) -> NetworkOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr))
        forgotten = ec2.VPC("Forgotten", cidr_block=inputs.cidr)
        subnets = [
            self.add(ec2.Subnet(f"Subnet{i}", vpc_id=(vpc if i < 3 else forgotten).ref, cidr_block=inputs.cidr))
            for i in range(inputs.az_count)
        ]
        return NetworkOutputs(vpc_id=vpc.ref, subnet_ids=[s.ref for s in subnets])


def test_hypothesis_finds_a_reference_to_a_resource_never_added() -> None:
    with pytest.raises(AssertionError, match=r"DanglingReference with inputs .*az_count=4.*'Forgotten'.*not part of"):
        _search(DanglingReference, strategies.inputs(NetworkInputs))


CIDRS = ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]


class FourCidrs(ik.Component[NetworkInputs, NetworkOutputs]):
    """Accepts up to 6 availability zones but only has 4 CIDRs."""

    def build(self, inputs: NetworkInputs) -> NetworkOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr))
        subnets = [
            self.add(ec2.Subnet(f"Subnet{i}", vpc_id=vpc.ref, cidr_block=fn.select(i, CIDRS)))
            for i in range(inputs.az_count)
        ]
        return NetworkOutputs(vpc_id=vpc.ref, subnet_ids=[s.ref for s in subnets])


def test_hypothesis_finds_an_input_range_the_component_cannot_handle() -> None:
    with pytest.raises(AssertionError, match=r"FourCidrs with inputs .*az_count=5.*index 4 is out of range"):
        _search(FourCidrs, strategies.inputs(NetworkInputs))


class PythonBug(ik.Component[NetworkInputs, NetworkOutputs]):
    """Indexes a Python list past its end for large az_count."""

    def build(self, inputs: NetworkInputs) -> NetworkOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr))
        subnets = [
            self.add(ec2.Subnet(f"Subnet{i}", vpc_id=vpc.ref, cidr_block=CIDRS[i])) for i in range(inputs.az_count)
        ]
        return NetworkOutputs(vpc_id=vpc.ref, subnet_ids=[s.ref for s in subnets])


def test_hypothesis_finds_a_plain_python_error_in_build() -> None:
    with pytest.raises(AssertionError, match=r"PythonBug with inputs .*az_count=5.*synthesis failed: IndexError"):
        _search(PythonBug, strategies.inputs(NetworkInputs))


class UndefinedCondition(ik.Component[NetworkInputs, NetworkOutputs]):
    """Makes its prod subnet conditional on a condition it never defines."""

    def build(self, inputs: NetworkInputs) -> NetworkOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr))
        condition = "IsProd" if inputs.environment == "prod" else None
        subnet = self.add(ec2.Subnet("Subnet", vpc_id=vpc.ref, cidr_block=inputs.cidr, condition=condition))
        return NetworkOutputs(vpc_id=vpc.ref, subnet_ids=[subnet.ref])


def test_hypothesis_finds_a_condition_never_defined() -> None:
    with pytest.raises(AssertionError, match=r"environment='prod'.*condition 'IsProd' is never defined"):
        _search(UndefinedCondition, strategies.inputs(NetworkInputs))


class WrongOutputType(ik.Component[NetworkInputs, NetworkOutputs]):
    """Publishes a single subnet id where a list is declared, when there is one subnet."""

    def build(self, inputs: NetworkInputs) -> NetworkOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr))
        subnets = [
            self.add(ec2.Subnet(f"Subnet{i}", vpc_id=vpc.ref, cidr_block=inputs.cidr)) for i in range(inputs.az_count)
        ]
        ids: Any = subnets[0].ref if len(subnets) == 1 else [s.ref for s in subnets]
        return NetworkOutputs(vpc_id=vpc.ref, subnet_ids=ids)


def test_hypothesis_finds_an_output_of_the_wrong_type() -> None:
    with pytest.raises(AssertionError, match=r"az_count=1.*subnet_ids: expected list\[str\]"):
        _search(WrongOutputType, strategies.inputs(NetworkInputs))


@ik.inputs
class QueueInputs:
    retention: int = attrs.field(default=60, validator=[v.ge(60), v.le(1_209_600)])
    kms_key_id: ik.Param[str]
    encrypted: bool = False


@ik.outputs
class QueueOutputs:
    queue_url: ik.Out[str]


class UnusedParameter(ik.Component[QueueInputs, QueueOutputs]):
    """Only uses its key parameter for encrypted queues."""

    def build(self, inputs: QueueInputs) -> QueueOutputs:
        key = inputs.kms_key_id if inputs.encrypted else None
        queue = self.add(sqs.Queue("Queue", message_retention_period=inputs.retention, kms_master_key_id=key))
        return QueueOutputs(queue_url=queue.ref)


def test_hypothesis_finds_a_parameter_never_used() -> None:
    with pytest.raises(AssertionError, match=r"encrypted=False.*parameter `kms_key_id`.*never used"):
        _search(UnusedParameter, strategies.inputs(QueueInputs))


_counter = itertools.count()


class Nondeterministic(ik.Component[QueueInputs, QueueOutputs]):
    """Names its queue from a global counter: a different template each time."""

    def build(self, inputs: QueueInputs) -> QueueOutputs:
        queue = self.add(sqs.Queue("Queue", queue_name=f"queue-{next(_counter)}", kms_master_key_id=inputs.kms_key_id))
        return QueueOutputs(queue_url=queue.ref)


class SetOrdered(ik.Component[QueueInputs, QueueOutputs]):
    """Makes one queue per name of a set: the order (and so the template) follows the hash seed."""

    def build(self, inputs: QueueInputs) -> QueueOutputs:
        names = {"orders", "payments", "refunds", "invoices", "shipments", "returns"}
        queues = [
            self.add(sqs.Queue(f"Queue{i}", queue_name=name, kms_master_key_id=inputs.kms_key_id))
            for i, name in enumerate(names)
        ]
        return QueueOutputs(queue_url=queues[0].ref)


def test_a_build_that_depends_on_the_hash_seed_is_caught_in_a_second_process() -> None:
    assert_contract(SetOrdered, QueueInputs(), cross_process=False)  # one process: consistent
    with pytest.raises(AssertionError, match=r"(?s)synthesis differs in another process.*PYTHONHASHSEED="):
        assert_contract(SetOrdered, QueueInputs(), cross_process=True)


def test_a_deterministic_component_passes_the_second_process() -> None:
    assert_contract(Network, NetworkInputs(cidr="10.2.0.0/16"), cross_process=True)


def test_the_second_process_runs_once_per_component_and_inputs_class() -> None:
    key = ("test_testing_contract.SetOrdered", "test_testing_contract.QueueInputs")
    contract._CROSS_CHECKED.discard(key)
    with pytest.raises(AssertionError, match="another process"):
        assert_contract(SetOrdered, QueueInputs())
    assert key in contract._CROSS_CHECKED
    assert_contract(SetOrdered, QueueInputs())  # not again this session


def test_a_local_component_cannot_be_checked_in_a_second_process_when_asked() -> None:
    class Local(Network):
        pass

    assert_contract(Local, NetworkInputs())  # auto: skipped, as documented
    with pytest.raises(AssertionError, match="not importable by its module and name"):
        assert_contract(Local, NetworkInputs(), cross_process=True)


def test_two_syntheses_that_differ_are_caught_with_a_diff() -> None:
    with pytest.raises(
        AssertionError, match=r"(?s)two syntheses differ.*\n\s+-\s+\"QueueName\": \"queue-\d+\"\n\s+\+\s+\"QueueName\""
    ):
        assert_contract(Nondeterministic, QueueInputs(), lint=False)


# --- schema validity: built in by default, cfn-lint when asked ---------------------------


@ik.inputs
class LooseInputs:
    cidr: str = "10.0.0.0/16"
    zone: str = ""


@ik.outputs
class LooseOutputs:
    vpc_id: ik.Out[str]


class Loose(ik.Component[LooseInputs, LooseOutputs]):
    """Takes any string as its CIDR and zone."""

    def build(self, inputs: LooseInputs) -> LooseOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr))
        if inputs.zone:
            self.add(ec2.Subnet("Subnet", vpc_id=vpc.ref, cidr_block=inputs.cidr, availability_zone=inputs.zone))
        return LooseOutputs(vpc_id=vpc.ref)


def test_a_schema_error_found_by_cfn_lint_fails_the_contract() -> None:
    with pytest.raises(AssertionError, match=r"cfn-lint E\d+ at Resources\.Vpc\.Properties\.CidrBlock: .*not-a-cidr"):
        assert_contract(Loose, LooseInputs(cidr="not-a-cidr"), lint=True)


def test_a_cfn_lint_warning_fails_the_contract() -> None:
    with pytest.raises(AssertionError, match=r"cfn-lint W3010 at Resources\.Subnet\.Properties\.AvailabilityZone"):
        assert_contract(Loose, LooseInputs(zone="us-east-1a"), lint=True)


def test_ignored_cfn_lint_checks_do_not_fail_the_contract() -> None:
    assert_contract(Loose, LooseInputs(zone="us-east-1a"), ignore_checks=["W3010"], lint=True)


def _fake_lint(monkeypatch: pytest.MonkeyPatch, *rule_ids: str) -> None:
    def lint(_text: str, config: Any = None) -> list[Any]:
        return [
            SimpleNamespace(rule=SimpleNamespace(id=r), message=f"{r} said so", path=["Resources"]) for r in rule_ids
        ]

    monkeypatch.setattr(cfn_check, "lint_with_shared_rules", lint)
    cfn_check.cfn_lint.cache_clear()


def test_informational_cfn_lint_messages_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lint(monkeypatch, "I3011")
    assert_contract(Network, NetworkInputs(cidr="10.7.0.0/16"), lint=True)


def test_every_cfn_lint_error_and_warning_is_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lint(monkeypatch, "E3002", "W2001", "I3011")
    with pytest.raises(AssertionError) as caught:
        assert_contract(Network, NetworkInputs(cidr="10.8.0.0/16"), lint=True)
    message = str(caught.value)
    assert "E3002 said so" in message and "W2001 said so" in message and "I3011" not in message


def test_without_cfn_lint_the_error_says_to_install_the_lint_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cfnlint.api", None)
    cfn_check.cfn_lint.cache_clear()
    with pytest.raises(ImportError, match=r"infrakit\[lint\]"):
        assert_contract(Network, NetworkInputs(cidr="10.9.0.0/16"), lint=True)


def test_lint_false_skips_cfn_lint() -> None:
    assert_contract(Loose, LooseInputs(cidr="not-a-cidr"), lint=False)


def test_cfn_lint_does_not_run_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRAKIT_LINT", raising=False)
    _fake_lint(monkeypatch, "E3002")
    assert_contract(Network, NetworkInputs(cidr="10.6.0.0/16"))


def test_the_session_default_turns_cfn_lint_on(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lint(monkeypatch, "E3002")
    contract.set_lint_default(True)
    try:
        with pytest.raises(AssertionError, match="E3002 said so"):
            assert_contract(Network, NetworkInputs(cidr="10.5.0.0/16"))
    finally:
        contract.set_lint_default(None)


def test_the_environment_turns_cfn_lint_on(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lint(monkeypatch, "E3002")
    monkeypatch.setenv("INFRAKIT_LINT", "1")
    with pytest.raises(AssertionError, match="E3002 said so"):
        assert_contract(Network, NetworkInputs(cidr="10.4.0.0/16"))


@ik.inputs
class AclInputs:
    ipv6: bool = False


@ik.outputs
class AclOutputs:
    entry: ik.Out[str]


class AclEntry(ik.Component[AclInputs, AclOutputs]):
    """Gives both an IPv4 and (when asked) an IPv6 range: the schema allows exactly one."""

    def build(self, inputs: AclInputs) -> AclOutputs:
        acl = self.add(ec2.NetworkAcl("Acl", vpc_id="vpc-1"))
        entry = self.add(
            ec2.NetworkAclEntry(
                "Entry",
                network_acl_id=acl.ref,
                protocol=-1,
                rule_action="allow",
                rule_number=100,
                cidr_block="10.0.0.0/8",
                ipv6_cidr_block="::/0" if inputs.ipv6 else None,
            )
        )
        return AclOutputs(entry=entry.ref)


def test_hypothesis_finds_a_schema_violation_without_cfn_lint() -> None:
    with pytest.raises(AssertionError, match=r"ipv6=True.*SchemaError.*AWS::EC2::NetworkAclEntry 'Entry'.*exactly one"):
        _search(AclEntry, strategies.inputs(AclInputs))


@ik.inputs
class RetentionInputs:
    days: int = attrs.field(default=4, validator=[v.ge(0), v.le(1000)])


@ik.outputs
class RetentionOutputs:
    queue_url: ik.Out[str]


class Retention(ik.Component[RetentionInputs, RetentionOutputs]):
    """Keeps messages for a number of days, which the inputs let be zero."""

    def build(self, inputs: RetentionInputs) -> RetentionOutputs:
        queue = self.add(sqs.Queue("Queue", message_retention_period=inputs.days * 86400))
        return RetentionOutputs(queue_url=queue.ref)


def test_hypothesis_finds_a_value_out_of_its_schema_range() -> None:
    with pytest.raises(AssertionError, match=r"days=0.*PropertyValueError.*message_retention_period.*>= 60"):
        _search(Retention, strategies.inputs(RetentionInputs))


def test_the_schema_check_of_a_template_is_part_of_the_template_problems() -> None:
    body = ik.synth(Network, NetworkInputs()).to_dict()
    body["Resources"]["Vpc"]["Properties"]["InstanceTenancy"] = "shared"
    assert any("InstanceTenancy: expected one of" in p for p in AWS.template_problems(body))


# --- expression reprs and nulls ---------------------------------------------------------


@ik.inputs
class LeakInputs:
    leak: typing.Literal["none", "repr", "null"] = "none"


@ik.outputs
class LeakOutputs:
    vpc_id: ik.Out[str]


class Leak(ik.Component[LeakInputs, LeakOutputs]):
    """Writes an expression's repr, or a null, into its metadata."""

    def build(self, inputs: LeakInputs) -> LeakOutputs:
        vpc = self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16"))
        note: Any = {"none": "plain", "repr": f"made by {vpc.ref!r}", "null": None}[inputs.leak]
        self.add(ec2.InternetGateway("Gateway", metadata={"Note": note}))
        return LeakOutputs(vpc_id=vpc.ref)


def test_an_expression_repr_in_a_template_breaks_the_contract() -> None:
    # Synthesis refuses it already; the contract's own scan of the template is a second line.
    with pytest.raises(AssertionError, match=r"leak='repr'.*Resources\.Gateway\.Metadata\.Note holds the"):
        assert_contract(Leak, LeakInputs(leak="repr"))
    body = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q-<ParamRef name: str>"}}}}
    assert [p.split(" holds")[0] for p in contract._leak_problems(body)] == ["Resources.Q.Properties.QueueName"]
    assert list(contract._leak_problems({"Description": "<html> is fine"})) == []


def test_a_null_in_a_template_breaks_the_contract() -> None:
    with pytest.raises(AssertionError, match=r"Resources\.Gateway\.Metadata\.Note is null"):
        assert_contract(Leak, LeakInputs(leak="null"))


# --- quotas and messages ----------------------------------------------------------------


@ik.inputs
class ManyInputs:
    count: int = 1


@ik.outputs
class ManyOutputs:
    first: ik.Out[str]


class Many(ik.Component[ManyInputs, ManyOutputs]):
    """As many queues as asked for."""

    def build(self, inputs: ManyInputs) -> ManyOutputs:
        queues = [self.add(sqs.Queue(f"Queue{i}")) for i in range(inputs.count)]
        return ManyOutputs(first=queues[0].ref)


def test_a_template_over_the_quota_fails_the_contract() -> None:
    with pytest.raises(AssertionError, match=r"Many with inputs ManyInputs\(count=501\).*limit of 500"):
        assert_contract(Many, ManyInputs(count=501), lint=False)


def test_a_failure_names_the_component_and_its_inputs() -> None:
    with pytest.raises(
        AssertionError,
        match=r"^UnboundOutput with inputs NetworkInputs\(cidr='10.0.0.0/16', az_count=2, environment='prod'\)",
    ):
        assert_contract(UnboundOutput, NetworkInputs(environment="prod"), lint=False)


def test_the_synth_error_is_kept_as_the_cause() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_contract(UnboundOutput, NetworkInputs(environment="prod"), lint=False)
    assert isinstance(caught.value.__cause__, ik.errors.UnboundOutputError)


# --- the template checks themselves (a second line behind synth's own) --------------------

_BROKEN_TEMPLATES = {
    "a Ref to nothing": ({"Resources": {"A": {"Type": "T", "Properties": {"X": {"Ref": "Nope"}}}}}, "refers to 'Nope'"),
    "a GetAtt of nothing": (
        {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["Nope", "Arn"]}}}}},
        "attribute of 'Nope'",
    ),
    "a Sub naming nothing": (
        {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${Nope.Arn}-x"}}}}},
        "${Nope.Arn} names nothing",
    ),
    "a DependsOn on nothing": ({"Resources": {"A": {"Type": "T", "DependsOn": ["Nope"]}}}, "depends on 'Nope'"),
    "an If on an undefined condition": (
        {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::If": ["IsProd", 1, 2]}}}}},
        "condition 'IsProd', which is not defined",
    ),
    "a resource Condition undefined": (
        {"Resources": {"A": {"Type": "T", "Condition": "IsProd"}}},
        "condition 'IsProd', which is not defined",
    ),
    "an unused parameter": (
        {"Parameters": {"P": {"Type": "String"}}, "Resources": {"A": {"Type": "T"}}},
        "'P' is never used",
    ),
    "a mapping never defined": (
        {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::FindInMap": ["Amis", "a", "b"]}}}}},
        "mapping 'Amis'",
    ),
}


@pytest.mark.parametrize("case", list(_BROKEN_TEMPLATES))
def test_the_template_check_finds(case: str) -> None:
    body, expected = _BROKEN_TEMPLATES[case]
    problems = list(AWS.template_problems(body))
    assert any(expected in p for p in problems), problems


def test_the_template_check_accepts_pseudo_parameters_and_used_parameters() -> None:
    body = {
        "Parameters": {"P": {"Type": "String"}, "Q": {"Type": "String"}},
        "Conditions": {"C": {"Fn::Equals": [{"Ref": "P"}, "x"]}},
        "Resources": {
            "A": {
                "Type": "T",
                "Properties": {"X": {"Fn::Sub": "${Q}-${AWS::Region}-${!Literal}"}, "Y": {"Ref": "AWS::StackName"}},
            },
            "B": {"Type": "T", "Condition": "C", "Properties": {"Z": {"Fn::GetAtt": "A.Arn"}}},
        },
    }
    assert list(AWS.template_problems(body)) == []


def test_the_template_check_finds_a_declared_output_missing_from_the_template() -> None:
    synthesized = ik.synth(Network, NetworkInputs())
    body = synthesized.to_dict()
    del body["Outputs"]["SubnetIds"]
    problems = list(contract._output_problems(synthesized, body))
    assert problems == ["output `subnet_ids` is declared but missing from the template (expected 'SubnetIds')"]


def test_the_compute_check_finds_a_reference_to_no_resource() -> None:
    body = {
        "resources": [{"name": "vm", "type": "compute.v1.instance", "properties": {"disk": "$(ref.gone.selfLink)"}}]
    }
    assert any("'gone'" in p for p in GCP.template_problems(body))


def test_lint_results_are_reused_for_an_identical_template() -> None:
    inputs = NetworkInputs(cidr="10.1.0.0/16")
    assert_contract(Network, inputs, lint=True)
    before = cfn_check.cfn_lint.cache_info()
    assert_contract(Network, inputs, lint=True)
    after = cfn_check.cfn_lint.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


# --- compute templates (GCP) ------------------------------------------------------------


@ik.inputs
class FirewallInputs:
    name: str = attrs.field(default="ssh", validator=v.matches_re(r"[a-z][a-z0-9]{0,20}"))
    port: int = attrs.field(default=22, validator=[v.ge(1), v.le(65535)])
    network: ik.Param[str]


@ik.outputs
class FirewallOutputs:
    firewall: ik.Out[str]


class Firewall(ik.Component[FirewallInputs, FirewallOutputs]):
    """One ingress rule on a network it is wired to."""

    def build(self, inputs: FirewallInputs) -> FirewallOutputs:
        rule = self.add(
            compute.Firewall(
                f"{inputs.name}-allow",
                network=inputs.network,
                direction="INGRESS",
                allowed=[compute.Allowed(ip_protocol="tcp", ports=[str(inputs.port)])],
                source_ranges=["10.0.0.0/8"],
            )
        )
        return FirewallOutputs(firewall=rule.ref)


def test_a_sound_compute_component_passes_its_contract() -> None:
    template = assert_contract(Firewall, FirewallInputs(port=443))
    assert template.provider == "gcp"
    template.has_resource_properties("compute.v1.firewall", {"allowed": [{"IPProtocol": "tcp", "ports": ["443"]}]})


def test_a_sound_compute_component_passes_for_every_drawn_input() -> None:
    _search(Firewall, strategies.inputs(FirewallInputs))


def test_a_compute_template_the_api_would_refuse_fails_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    from infrakit.gcp import validate

    def refuse(_template: Any) -> None:
        raise validate.TemplateValidationError("resource 'ssh-allow': properties do not parse")

    monkeypatch.setattr(validate, "validate_template", refuse)
    gcp_check._validate.cache_clear()  # this template's text was validated (and cached) by earlier tests
    with pytest.raises(
        AssertionError, match=r"invalid compute template: resource 'ssh-allow': properties do not parse"
    ):
        assert_contract(Firewall, FirewallInputs())


def test_the_compute_check_finds_an_unknown_or_unused_parameter() -> None:
    body = {
        "parameters": [{"name": "region", "type": "string"}],
        "resources": [{"name": "net", "type": "compute.v1.network", "properties": {"x": "$(params.zone)"}}],
    }
    problems = list(GCP.template_problems(body))
    assert any("parameter 'zone', which is not a parameter" in p for p in problems)
    assert any("parameter 'region' is never used" in p for p in problems)


def test_the_compute_check_finds_a_depends_on_to_no_resource() -> None:
    body = {"resources": [{"name": "vm", "type": "compute.v1.instance", "metadata": {"dependsOn": ["gone"]}}]}
    assert any("depends on 'gone'" in p for p in GCP.template_problems(body))
