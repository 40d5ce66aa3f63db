"""Small components for the app, assembly, CLI and integration-pattern tests.

``Queue`` publishes a queue's name, url and a list; ``Topic`` consumes a name,
``Tagged`` a list; ``Outer`` embeds ``Topic``. Every ``build`` call is counted in
``BUILDS`` (by component name), so tests can prove what the cache re-rendered.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs

import infrakit as ik
from infrakit.aws import fn, s3, sns, sqs, ssm

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

#: build() calls per component class name, across the test session.
BUILDS: collections.Counter[str] = collections.Counter()


@ik.inputs
class QueueInputs:
    """A queue; ``fail`` makes build raise (for the atomic-write tests)."""

    retention_days: int = attrs.field(default=4, validator=[attrs.validators.ge(1), attrs.validators.le(14)])
    fail: bool = False


@ik.outputs
class QueueOutputs:
    queue_name: ik.Out[str]
    queue_url: ik.Out[str]
    names: ik.Out[list[str]]


class Queue(ik.Component[QueueInputs, QueueOutputs]):
    """An SQS queue that publishes its name, its url and a list of names."""

    def build(self, inputs: QueueInputs) -> QueueOutputs:
        BUILDS["Queue"] += 1
        if inputs.fail:
            raise RuntimeError("Queue.build failed on purpose")
        queue = self.add(sqs.Queue("Work", message_retention_period=inputs.retention_days * 86400))
        return QueueOutputs(
            queue_name=queue.attrs.queue_name,
            queue_url=queue.ref,
            names=[queue.attrs.queue_name, "extra"],
        )


@ik.inputs
class TopicInputs:
    """A topic named after a (wired) queue."""

    queue_name: ik.Param[str] = ik.param(description="The queue the topic is about")
    label: str = "alerts"


@ik.outputs
class TopicOutputs:
    topic_arn: ik.Out[str]
    display: ik.Out[str]


class Topic(ik.Component[TopicInputs, TopicOutputs]):
    """An SNS topic whose display name carries the queue's name."""

    def build(self, inputs: TopicInputs) -> TopicOutputs:
        BUILDS["Topic"] += 1
        topic = self.add(sns.Topic("Alerts", display_name=inputs.queue_name, topic_name=inputs.label))
        return TopicOutputs(topic_arn=topic.ref, display=topic.attrs.topic_name)


@ik.inputs
class TaggedInputs:
    """An SSM parameter and a bucket that take a (wired) list and name."""

    names: ik.Param[list[str]] = ik.param(description="Names to record")
    queue_name: ik.Param[str] = ik.param(description="A queue name to tag with")
    token: ik.Param[str] = ik.param(secret=True)
    parameter_name: str = "/test/names"


@ik.outputs
class TaggedOutputs:
    joined: ik.Out[str]
    tag: ik.Out[str]


class Tagged(ik.Component[TaggedInputs, TaggedOutputs]):
    """Records a wired list in an SSM parameter and a wired name in a bucket tag."""

    def build(self, inputs: TaggedInputs) -> TaggedOutputs:
        BUILDS["Tagged"] += 1
        record = self.add(
            ssm.Parameter("NameList", name=inputs.parameter_name, type="String", value=fn.join(",", inputs.names))
        )
        bucket = self.add(s3.Bucket("Store", tags=[s3.Bucket.Tag(key="queue", value=inputs.queue_name)]))
        self.add(
            ssm.Parameter(
                "TokenUse", type="String", value=fn.join("-", [inputs.token, bucket.ref]), description="not the token"
            )
        )
        return TaggedOutputs(joined=record.attrs.value, tag=inputs.queue_name)


@ik.inputs
class OuterInputs:
    queue_name: ik.Param[str]


@ik.outputs
class OuterOutputs:
    topic_arn: ik.Out[str]


class Outer(ik.Component[OuterInputs, OuterOutputs]):
    """Embeds a Topic under the prefix ``Inner``, passing it the wired queue name."""

    def build(self, inputs: OuterInputs) -> OuterOutputs:
        inner = self.embed(Topic, TopicInputs(queue_name=inputs.queue_name, label="inner"), prefix="Inner")
        return OuterOutputs(topic_arn=inner.topic_arn)


def small_app(name: str = "demo", retention: dict[str, int] | None = None, **kwargs: Any) -> ik.App:
    """Two environments of queue -> topic, plus a tagged consumer of the dev queue."""
    retention = retention or {}
    app = ik.App(name, **kwargs)
    for env in ("dev", "prod"):
        q = app.add(f"queue-{env}", Queue, QueueInputs(retention_days=retention.get(env, 4)))
        app.add(f"topic-{env}", Topic, TopicInputs(queue_name=q.outputs.queue_name))
    dev = app.instances["queue-dev"]
    app.add("tagged-dev", Tagged, TaggedInputs(names=dev.outputs.names, queue_name=dev.outputs.queue_name))
    return app


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of a directory (recursively), by relative path."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(directory: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((directory / "manifest.json").read_text())
    return result


def run_python(
    code: str, *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that can import this module."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), full_env.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-c", code], env=full_env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@ik.inputs
class RecorderInputs:
    """Where to record a (wired) queue name and list."""

    queue_name: ik.Param[str] = ik.param(description="The queue to record")
    names: ik.Param[list[str]] = ik.param(description="The names to record")
    path: str = "/recorder"


@ik.outputs
class RecorderOutputs:
    recorded_name: ik.Out[str]
    recorded_names: ik.Out[str]
    bucket_name: ik.Out[str]


class Recorder(ik.Component[RecorderInputs, RecorderOutputs]):
    """Records a wired name and list in SSM parameters, and the name in a bucket tag."""

    def build(self, inputs: RecorderInputs) -> RecorderOutputs:
        name = self.add(ssm.Parameter("NameRecord", name=f"{inputs.path}/name", type="String", value=inputs.queue_name))
        names = self.add(
            ssm.Parameter("NamesRecord", name=f"{inputs.path}/names", type="String", value=fn.join(",", inputs.names))
        )
        bucket = self.add(s3.Bucket("Tagged", tags=[s3.Bucket.Tag(key="queue", value=inputs.queue_name)]))
        return RecorderOutputs(recorded_name=name.attrs.value, recorded_names=names.attrs.value, bucket_name=bucket.ref)


def comparable(files: dict[str, bytes]) -> dict[str, Any]:
    """A snapshot with the manifest's cache keys left out, to compare assemblies written by
    two processes: a cache key covers infrakit's source, which may be edited between them."""
    result: dict[str, Any] = dict(files)
    if "manifest.json" in result:
        data = json.loads(result["manifest.json"])
        for entry in data["instances"].values():
            entry.pop("cache_key", None)
        result["manifest.json"] = data
    return result
