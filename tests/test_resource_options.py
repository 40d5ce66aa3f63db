"""Resource options: one table (infrakit.aws._options.OPTIONS) drives keywords, checks,
rendering and stubs; CreationPolicy and UpdatePolicy are typed; options never take a
property's keyword away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import infrakit as ik
from infrakit.aws import CreationPolicy, UpdatePolicy, autoscaling, batch, ec2, fn, s3
from infrakit.aws._check import cfn_lint
from infrakit.aws._options import OPTIONS
from infrakit.errors import DanglingReferenceError, PropertyTypeError, UnknownPropertyError

ROOT = Path(__file__).resolve().parent.parent


@ik.inputs
class In:
    batch_size: ik.Param[int] = 1


@ik.outputs
class Out:
    name: ik.Out[str]


def _synth(make) -> dict:
    class Comp(ik.Component[In, Out]):
        def build(self, inputs: In) -> Out:
            resource = make(self, inputs)
            return Out(name=resource.ref)

    return ik.synth(Comp, In()).to_dict()


def _group(self, inputs, **options):
    template = self.add(
        ec2.LaunchTemplate("Lt", launch_template_data=ec2.LaunchTemplate.LaunchTemplateData(image_id="ami-12345678"))
    )
    return self.add(
        autoscaling.AutoScalingGroup(
            "Asg",
            min_size="1",
            max_size="4",
            availability_zones=fn.get_azs(),
            launch_template=autoscaling.AutoScalingGroup.LaunchTemplateSpecification(
                launch_template_id=template.ref, version=template.attrs.latest_version_number
            ),
            **options,
        )
    )


def test_creation_and_update_policies_render_under_the_resource_and_pass_cfn_lint() -> None:
    body = _synth(
        lambda self, inputs: _group(
            self,
            inputs,
            creation_policy=CreationPolicy(
                resource_signal=CreationPolicy.ResourceSignal(count=2, timeout="PT15M"),
                auto_scaling_creation_policy=CreationPolicy.AutoScalingCreationPolicy(
                    min_successful_instances_percent=50
                ),
            ),
            update_policy=UpdatePolicy(
                auto_scaling_rolling_update=UpdatePolicy.AutoScalingRollingUpdate(
                    max_batch_size=inputs.batch_size,
                    min_instances_in_service=1,
                    min_successful_instances_percent=100,
                    pause_time="PT5M",
                    suspend_processes=["HealthCheck", "ReplaceUnhealthy"],
                    wait_on_resource_signals=True,
                ),
                auto_scaling_scheduled_action=UpdatePolicy.AutoScalingScheduledAction(
                    ignore_unmodified_group_size_properties=True
                ),
            ),
        )
    )
    asg = body["Resources"]["Asg"]
    assert asg["CreationPolicy"] == {
        "AutoScalingCreationPolicy": {"MinSuccessfulInstancesPercent": 50},
        "ResourceSignal": {"Count": 2, "Timeout": "PT15M"},
    }
    assert asg["UpdatePolicy"] == {
        "AutoScalingRollingUpdate": {
            "MaxBatchSize": {"Ref": "BatchSize"},
            "MinInstancesInService": 1,
            "MinSuccessfulInstancesPercent": 100,
            "PauseTime": "PT5M",
            "SuspendProcesses": ["HealthCheck", "ReplaceUnhealthy"],
            "WaitOnResourceSignals": True,
        },
        "AutoScalingScheduledAction": {"IgnoreUnmodifiedGroupSizeProperties": True},
    }
    import json

    assert cfn_lint(json.dumps(body), ("us-east-1",), ()) == ()


def test_every_documented_update_policy_renders_in_cloudformation_spelling() -> None:
    policy = UpdatePolicy(
        auto_scaling_replacing_update=UpdatePolicy.AutoScalingReplacingUpdate(will_replace=True),
        code_deploy_lambda_alias_update=UpdatePolicy.CodeDeployLambdaAliasUpdate(
            application_name="app", deployment_group_name="group", before_allow_traffic_hook="pre"
        ),
        enable_version_upgrade=True,
        use_online_resharding=False,
    )
    body = _synth(
        lambda self, inputs: self.add(s3.Bucket("B", update_policy=policy, metadata={"n": inputs.batch_size}))
    )
    assert body["Resources"]["B"]["UpdatePolicy"] == {
        "AutoScalingReplacingUpdate": {"WillReplace": True},
        "CodeDeployLambdaAliasUpdate": {
            "ApplicationName": "app",
            "BeforeAllowTrafficHook": "pre",
            "DeploymentGroupName": "group",
        },
        "EnableVersionUpgrade": True,
        "UseOnlineResharding": False,
    }
    assert CreationPolicy(start_fleet=True).start_fleet is True


def test_a_policy_field_of_the_wrong_type_names_the_field() -> None:
    with pytest.raises(
        PropertyTypeError, match=r"UpdatePolicy.AutoScalingRollingUpdate: `max_batch_size`: expected int"
    ):
        UpdatePolicy.AutoScalingRollingUpdate(max_batch_size="two")


def test_a_policy_field_of_a_wrong_expression_type_is_refused() -> None:
    with pytest.raises(PropertyTypeError, match=r"`will_replace`: expected bool"):
        UpdatePolicy.AutoScalingReplacingUpdate(will_replace=fn.get_azs())


def test_an_unknown_policy_field_suggests_the_right_one() -> None:
    with pytest.raises(UnknownPropertyError, match=r"did you mean `max_batch_size`"):
        UpdatePolicy.AutoScalingRollingUpdate(max_batch=2)


def test_update_policy_takes_an_update_policy_not_a_dict() -> None:
    with pytest.raises(PropertyTypeError, match=r"update_policy takes an UpdatePolicy"):
        s3.Bucket("B", update_policy={"EnableVersionUpgrade": True})


def test_update_policy_is_a_keyword_no_longer_a_misspelled_update_replace_policy() -> None:
    bucket = s3.Bucket("B", update_policy=UpdatePolicy(enable_version_upgrade=True))
    assert bucket.update_policy == UpdatePolicy(enable_version_upgrade=True)


def test_a_property_keeps_its_keyword_and_the_option_is_set_with_with_options() -> None:
    def make(self, inputs):
        return self.add(
            batch.ComputeEnvironment(
                "Ce",
                type="MANAGED",
                update_policy=batch.ComputeEnvironment.UpdatePolicy(terminate_jobs_on_update=True),
            ).with_options(
                update_policy=UpdatePolicy(enable_version_upgrade=True),
                deletion_policy="Retain",
                metadata={"size": inputs.batch_size},
            )
        )

    resource = _synth(make)["Resources"]["Ce"]
    assert resource["Properties"]["UpdatePolicy"] == {"TerminateJobsOnUpdate": True}
    assert resource["UpdatePolicy"] == {"EnableVersionUpgrade": True}
    assert resource["DeletionPolicy"] == "Retain"


def test_with_options_checks_the_option_and_its_name() -> None:
    env = batch.ComputeEnvironment("Ce", type="MANAGED")
    with pytest.raises(PropertyTypeError, match=r"update_policy takes an UpdatePolicy"):
        env.with_options(update_policy="x")
    with pytest.raises(UnknownPropertyError, match=r"did you mean `deletion_policy`"):
        env.with_options(deletion_polcy="Retain")


def test_a_reference_inside_a_policy_must_be_part_of_the_component() -> None:
    stray = s3.Bucket("Stray")
    with pytest.raises(DanglingReferenceError, match=r"update_policy refers to AWS::S3::Bucket 'Stray'"):
        _synth(
            lambda self, inputs: self.add(
                s3.Bucket(
                    "B",
                    metadata={"n": inputs.batch_size},
                    update_policy=UpdatePolicy(
                        code_deploy_lambda_alias_update=UpdatePolicy.CodeDeployLambdaAliasUpdate(
                            application_name=stray.ref, deployment_group_name="g"
                        )
                    ),
                )
            )
        )


def test_the_table_makes_the_keywords_of_every_resource_class_and_its_stub() -> None:
    names = [o.name for o in OPTIONS]
    assert names[:5] == ["depends_on", "condition", "deletion_policy", "update_replace_policy", "metadata"]
    assert set(names) <= s3.Bucket._keywords
    stub = (ROOT / "infrakit" / "aws" / "s3.pyi").read_text()
    bucket_init = stub[stub.index("class Bucket(") :]
    bucket_init = bucket_init[bucket_init.index("logical_id: str") :]
    bucket_init = bucket_init[: bucket_init.index(") -> None: ...")]
    assert re.findall(r"^\s+(\w+): .* = None,$", bucket_init, re.M)[-len(names) :] == names
