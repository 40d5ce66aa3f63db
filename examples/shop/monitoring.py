"""The monitoring component: a topic and an alarm on a service's queue depth."""

from __future__ import annotations

import attrs

import infrakit as ik
from infrakit.aws import cloudwatch, sns


@ik.inputs
class MonitoringInputs:
    """The queue to watch (wired at deploy time) and how strictly."""

    queue_name: ik.Param[str] = ik.param(description="The queue to watch")
    max_depth: int = attrs.field(default=100, validator=[attrs.validators.gt(0), attrs.validators.le(1_000_000)])
    email: str | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(
            attrs.validators.matches_re(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
        ),
    )


@ik.outputs
class MonitoringOutputs:
    """Where alarms go."""

    topic_arn: ik.Out[str]


class Monitoring(ik.Component[MonitoringInputs, MonitoringOutputs]):
    """Alarms when a queue backs up."""

    def build(self, inputs: MonitoringInputs) -> MonitoringOutputs:
        subscriptions = [sns.Topic.Subscription(protocol="email", endpoint=inputs.email)] if inputs.email else None
        topic = self.add(sns.Topic("Alarms", subscription=subscriptions))
        self.add(
            cloudwatch.Alarm(
                "QueueBacklog",
                alarm_description="The queue is backing up",
                namespace="AWS/SQS",
                metric_name="ApproximateNumberOfMessagesVisible",
                dimensions=[cloudwatch.Alarm.Dimension(name="QueueName", value=inputs.queue_name)],
                statistic="Maximum",
                period=300,
                evaluation_periods=2,
                threshold=inputs.max_depth,
                comparison_operator="GreaterThanThreshold",
                alarm_actions=[topic.ref],
            )
        )
        return MonitoringOutputs(topic_arn=topic.ref)
