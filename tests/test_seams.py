"""The seams: the typed provider protocol, the typed manifest the assembly writes and reads,
and a consumer synthesized alone that never re-runs its producer's build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import infrakit as ik
from infrakit._assembly import read_manifest
from infrakit._deploy import DeploySettings
from infrakit._manifest import Manifest
from infrakit._provider import PROVIDERS, Provider, supporting
from infrakit.aws import sqs
from infrakit.aws._provider import AWS
from infrakit.errors import AssemblyError
from infrakit.gcp._provider import GCP

BUILDS: list[str] = []


@ik.inputs
class QueueInputs:
    name: str = "q"


@ik.outputs
class QueueOutputs:
    queue_url: ik.Out[str]


class Queue(ik.Component[QueueInputs, QueueOutputs]):
    def build(self, inputs: QueueInputs) -> QueueOutputs:
        BUILDS.append("queue")
        queue = self.add(sqs.Queue("Queue", queue_name=inputs.name))
        return QueueOutputs(queue_url=queue.ref)


@ik.inputs
class ReaderInputs:
    queue_url: ik.Param[str]


@ik.outputs
class ReaderOutputs:
    dead_letter: ik.Out[str]


class Reader(ik.Component[ReaderInputs, ReaderOutputs]):
    def build(self, inputs: ReaderInputs) -> ReaderOutputs:
        BUILDS.append("reader")
        queue = self.add(sqs.Queue("Dlq", tags=[sqs.Queue.Tag(key="source", value=inputs.queue_url)]))
        return ReaderOutputs(dead_letter=queue.ref)


def _app() -> ik.App:
    app = ik.App("seams")
    producer = app.add("queue", Queue, QueueInputs())
    app.add("reader", Reader, ReaderInputs(queue_url=producer.outputs.queue_url))
    return app


def test_both_providers_implement_the_protocol() -> None:
    assert isinstance(AWS, Provider) and isinstance(GCP, Provider)
    assert PROVIDERS["aws"] is AWS and PROVIDERS["gcp"] is GCP


def test_the_integrations_a_provider_supports_decide_cross_provider_wiring() -> None:
    assert supporting("registry") == ["AWS"] and supporting("parameters") == ["AWS", "GCP"]
    assert AWS.quotas["resources"] == 500 and GCP.quotas == {}


@pytest.mark.parametrize("provider", [AWS, GCP], ids=["aws", "gcp"])
def test_a_provider_hands_out_its_deployer(provider: Provider) -> None:
    deployer = provider.deployer(DeploySettings(region="eu-west-1", project="seams", gcp_endpoint="http://127.0.0.1:1"))
    assert all(callable(getattr(deployer, m)) for m in ("plan", "deploy", "outputs", "destroy"))
    assert type(deployer).__module__ == f"infrakit.{provider.name}._deploy"


def test_the_manifest_records_each_output_fields_name_in_the_template(tmp_path: Path) -> None:
    manifest = _app().synth(str(tmp_path / "out"))
    assert manifest["instances"]["queue"]["output_names"] == {"queue_url": "QueueUrl"}
    typed = read_manifest(tmp_path / "out")
    assert isinstance(typed, Manifest) and typed.to_dict() == manifest
    assert typed.instances["reader"].parameters["QueueUrl"].source is not None


def test_a_consumer_synthesized_alone_never_runs_its_producers_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _app().synth(str(out))
    BUILDS.clear()
    manifest = _app().synth(str(out), only=["reader"], cache=False)
    assert BUILDS == ["reader"]
    wired = manifest["instances"]["reader"]["parameters"]["QueueUrl"]
    assert wired == {"from": {"instance": "queue", "output": "QueueUrl"}}


def test_a_manifest_of_the_wrong_shape_is_an_assembly_error_naming_the_field(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _app().synth(str(out))
    data = json.loads((out / "manifest.json").read_text())
    data["instances"]["queue"]["outputs"] = "QueueUrl"
    (out / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(AssemblyError, match=r"wrong shape.*instances.*queue.*outputs"):
        read_manifest(out)
    with pytest.raises(AssemblyError, match=r"not infrakit's; refusing to replace it: .*outputs"):
        _app().synth(str(out))


def test_importing_the_app_does_not_import_the_assembly_writer() -> None:
    code = "import sys, infrakit._app; print('infrakit._assembly' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_an_instance_knows_its_provider_once_synthesized(tmp_path: Path) -> None:
    app = _app()
    assert app.instances["queue"].provider == ""
    app.synth(str(tmp_path / "out"))
    assert app.instances["queue"].provider == "aws"
