"""The seams: the typed provider protocol, the typed manifest the assembly writes and reads,
and a consumer synthesized alone that never re-runs its producer's build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

import infrakit as ik
from infrakit._assembly import read_manifest
from infrakit._deploy import DeploySettings
from infrakit._manifest import Manifest
from infrakit._provider import PROVIDERS, Provider, supporting
from infrakit._resource import Resource, make_resource_class
from infrakit.aws import sqs
from infrakit.aws._provider import AWS
from infrakit.errors import (
    AssemblyError,
    InfrakitError,
    MissingPropertyError,
    PropertyTypeError,
    SynthError,
    TemplateValidationError,
    add_context,
    error_context,
)
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


# --- structured errors -------------------------------------------------------------------


class Broken(ik.Component[QueueInputs, QueueOutputs]):
    def build(self, inputs: QueueInputs) -> QueueOutputs:
        queue = self.add(sqs.Queue("Queue", queue_name=inputs.name))
        queue.delay_seconds = "soon"  # a str for an int: refused where it is assigned
        return QueueOutputs(queue_url=queue.ref)


def test_an_error_carries_its_context_as_fields_and_names_the_instance_as_before(tmp_path: Path) -> None:
    app = ik.App("errors")
    app.add("broken-dev", Broken, QueueInputs())
    with pytest.raises(PropertyTypeError) as caught:
        app.synth(str(tmp_path / "out"))
    error = caught.value
    assert error.context == {
        "component": "Broken",
        "instance": "broken-dev",
        "resource": "Queue",
        "property": "delay_seconds",
    }
    assert str(error).startswith("instance 'broken-dev': Broken: AWS::SQS::Queue 'Queue': property `delay_seconds`")
    assert error.message == str(error).removeprefix("instance 'broken-dev': ")


def test_the_context_keeps_the_users_frame_in_the_traceback(tmp_path: Path) -> None:
    app = ik.App("errors")
    app.add("broken-dev", Broken, QueueInputs())
    with pytest.raises(PropertyTypeError) as caught:
        app.synth(str(tmp_path / "out"))
    frames = [entry.name for entry in caught.traceback]
    assert "build" in frames  # Broken.build's line, where the bad value was assigned
    # The same exception re-raised, not a copy raised `from None` (which hid the cause).
    assert caught.value.__cause__ is None and caught.value.__suppress_context__ is False


def test_a_missing_property_names_the_resource_and_property_fields() -> None:
    from infrakit.aws import ec2

    @ik.outputs
    class NoOutputs:
        pass

    class Subnetless(ik.Component[QueueInputs, NoOutputs]):
        def build(self, inputs: QueueInputs) -> NoOutputs:
            self.add(ec2.Subnet("Subnet"))
            return NoOutputs()

    with pytest.raises(MissingPropertyError) as caught:
        ik.synth(Subnetless)
    assert caught.value.resource == "Subnet" and caught.value.property == "vpc_id"
    assert (
        caught.value.component == "test_a_missing_property_names_the_resource_and_property_fields.<locals>.Subnetless"
    )


def test_error_context_fills_only_what_is_unset_and_rejects_unknown_fields() -> None:
    error = InfrakitError("boom", resource="Inner")
    with pytest.raises(InfrakitError) as caught, error_context(resource="Outer", instance="i"):
        raise error
    assert caught.value is error and error.resource == "Inner" and str(error) == "instance 'i': boom"
    with pytest.raises(TypeError, match="unknown error context field"):
        add_context(InfrakitError("x"), stack="s")


def test_template_validation_error_lives_in_errors_and_at_its_old_path() -> None:
    from infrakit.gcp import validate

    assert validate.TemplateValidationError is TemplateValidationError
    assert issubclass(TemplateValidationError, InfrakitError) and issubclass(TemplateValidationError, ValueError)


# --- a third provider, through the protocol alone ------------------------------------------


class _ToyRenderer:
    def __init__(self) -> None:
        self.where = "toy"

    def value(self, value: Any) -> Any:
        from infrakit._resource import render_value

        return render_value(value, self, self.where)

    def ref(self, resource: Any) -> Any:
        return f"ref:{resource.logical_id}"

    def get_att(self, resource: Any, name: str) -> Any:
        return f"att:{resource.logical_id}.{name}"

    def param(self, parameter: Any) -> Any:
        return f"param:{parameter.key}"

    def call(self, name: str, args: Any) -> Any:
        raise SynthError(f"{name}: a toy template has no functions")

    def condition(self, condition: Any) -> Any:
        raise SynthError("a toy template has no conditions")


class ToyProvider:
    """The smallest provider: what a third one implements, and nothing in the core changes."""

    name = "toy"
    label = "Toy"
    template_suffix = ".toy.json"
    integrations = frozenset({"parameters"})
    quotas: ClassVar[dict[str, int]] = {"resources": 2}
    template_kind = "toy template"
    conditions = False

    def parameter_name(self, key: str) -> str:
        return key.upper()

    output_name = parameter_name

    def prefixed(self, prefix: str, name: str) -> str:
        return f"{prefix.lower()}.{name}"

    def render(self, build: Any) -> dict[str, Any]:
        from infrakit._resource import render_props

        if len(build.resources) > self.quotas["resources"]:
            raise SynthError(f"{build.name}: too many toy resources")
        r = _ToyRenderer()
        return {
            "things": {res.logical_id: render_props(res, r, res._describe()) for res in build.resources},
            "outputs": {self.output_name(f): r.value(v) for f, _t, v in build.outputs},
        }

    def check_template(self, build: Any, text: str) -> None:
        pass

    def template_problems(self, body: Any) -> list[str]:
        return []

    def published_outputs(self, body: Any) -> set[str]:
        return set(body["outputs"])

    def validate(self, text: str, *, regions: tuple[str, ...], ignore: tuple[str, ...]) -> list[str]:
        return []

    def shared_names(self, instance: str, template: Any) -> list[tuple[str, str]]:
        return []

    def deployer(self, settings: DeploySettings) -> Any:
        raise NotImplementedError("a toy provider does not deploy")


TOY = ToyProvider()


@attrs.define(eq=False, slots=True)
class ToyResource(Resource):
    provider: ClassVar[Any] = TOY


Thing = make_resource_class(
    "Thing",
    base=ToyResource,
    module=__name__,
    resource_type="toy.thing",
    doc="A toy thing.",
    props=(("size", "Size", "int", True), ("peer", "Peer", "str", False)),
    attributes=(("serial", "serial", "str"),),
)


@ik.outputs
class ToyOutputs:
    serial: ik.Out[str]


class Toys(ik.Component[QueueInputs, ToyOutputs]):
    def build(self, inputs: QueueInputs) -> ToyOutputs:
        first = self.add(Thing("one", size=1))
        self.add(Thing("two", size=2, peer=first.ref))
        return ToyOutputs(serial=first.attrs.serial)


def test_a_third_provider_needs_no_change_to_the_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PROVIDERS, "toy", TOY)
    assert isinstance(TOY, Provider)
    template = ik.synth(Toys)
    assert template.provider == "toy"
    assert template.to_dict() == {
        "things": {"one": {"Size": 1}, "two": {"Size": 2, "Peer": "ref:one"}},
        "outputs": {"SERIAL": "att:one.serial"},
    }
    app = ik.App("toys")
    app.add("toys-dev", Toys, QueueInputs())
    manifest = app.synth(str(tmp_path / "out"))
    entry = manifest["instances"]["toys-dev"]
    assert (entry["provider"], entry["template"], entry["outputs"]) == ("toy", "toys-dev.toy.json", ["SERIAL"])
    assert read_manifest(tmp_path / "out").instances["toys-dev"].output_names == {"serial": "SERIAL"}


def test_a_provider_without_conditions_refuses_one_at_synth(monkeypatch: pytest.MonkeyPatch) -> None:
    from infrakit.aws import fn

    class Conditional(ik.Component[QueueInputs, ToyOutputs]):
        def build(self, inputs: QueueInputs) -> ToyOutputs:
            self.condition("always", fn.equals("a", "a"))
            thing = self.add(Thing("one", size=1))
            return ToyOutputs(serial=thing.attrs.serial)

    with pytest.raises(SynthError, match=r"defines condition 'always'; a toy template has no conditions"):
        ik.synth(Conditional)


def test_build_names_only_the_component_s_method() -> None:
    """What a synthesis collected is a ``Synthesis`` (``Template.synthesis``), made by
    ``synthesize`` and rendered by ``render_synthesis``; ``Template.build`` stays readable."""
    import infrakit as ik
    from infrakit import _component, _synth
    from infrakit.aws import sqs

    @ik.inputs
    class QIn:
        pass

    @ik.outputs
    class QOut:
        url: ik.Out[str]

    class Q(ik.Component[QIn, QOut]):
        def build(self, inputs: QIn) -> QOut:
            return QOut(url=self.add(sqs.Queue("Queue")).ref)

    synthesis = _synth.synthesize(Q, QIn())
    assert isinstance(synthesis, _component.Synthesis)
    template = _synth.render_synthesis(synthesis)
    assert template.synthesis is synthesis and template.build is synthesis
    assert template.to_dict() == ik.synth(Q, QIn()).to_dict()
    assert not hasattr(_component, "Build") and not hasattr(_synth, "build_component")
