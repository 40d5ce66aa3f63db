"""Every mistake an adversarial user made raises an InfrakitError naming where, never a raw
TypeError/AttributeError/RecursionError/UnicodeDecodeError, and never hangs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest
from helpers import NoInputs, NoOutputs, component

import infrakit as ik
from infrakit import aws, gcp
from infrakit.aws import ec2, fn, iam, sqs
from infrakit.cli import main
from infrakit.errors import ConfigError, InfrakitError


@ik.inputs
class NetInputs:
    az_count: int = 2
    cidr: str = "10.0.0.0/16"


def _vpc_cidr_assignment() -> None:
    vpc = ec2.VPC("Vpc")
    vpc.cidr = "10.0.0.0/16"  # type: ignore[attr-defined]


def _build(body: Any) -> Any:
    def build(self: Any, inputs: Any) -> NoOutputs:
        body(self)
        if not self._synthesis.resources:
            self.add(sqs.Queue("Q"))
        return NoOutputs()

    return lambda: ik.synth(component(build))


def _nested_list(depth: int) -> Any:
    value: Any = "a"
    for _ in range(depth):
        value = [value]
    return value


def _self_referencing() -> dict[str, Any]:
    doc: dict[str, Any] = {"Version": "2012-10-17"}
    doc["Again"] = doc
    return doc


class EmbedsItself(ik.Component[NoInputs, NoOutputs]):
    def build(self, inputs: NoInputs) -> NoOutputs:
        self.add(sqs.Queue("Q"))
        self.embed(EmbedsItself, None, prefix="Inner")
        return NoOutputs()


CASES = {
    "unknown-inputs-keyword": (lambda: NetInputs(az_cont=2), ["NetInputs", "`az_cont`", "did you mean `az_count`"]),  # type: ignore[call-arg]
    "inputs-positional": (lambda: NetInputs(2), ["NetInputs", "keywords only"]),  # type: ignore[misc]
    "resource-without-logical-id": (lambda: ec2.VPC(), ["AWS::EC2::VPC", "logical id is required"]),  # type: ignore[call-arg]
    "resource-two-positionals": (lambda: ec2.VPC("Vpc", "10.0.0.0/16"), ["'Vpc'", "keywords"]),  # type: ignore[misc]
    "set-unknown-property": (_vpc_cidr_assignment, ["'Vpc'", "`cidr`", "did you mean `cidr_block`"]),
    "get-att-int": (lambda: fn.get_att(ec2.VPC("Vpc"), 5), ["fn.get_att", "int 5"]),  # type: ignore[arg-type]
    "sub-list-variables": (lambda: fn.sub("${X}", [1]), ["fn.sub", "variables", "list"]),  # type: ignore[arg-type]
    "aws-resource-class-int": (lambda: aws.resource_class(5), ["resource_class", "5"]),  # type: ignore[arg-type]
    "gcp-resource-class-int": (lambda: gcp.resource_class(5), ["resource_class", "5"]),  # type: ignore[arg-type]
    "embed-prefix-none": (
        _build(lambda self: self.embed(EmbedsItself, None, prefix=None)),
        ["Broken", "embed prefix None"],
    ),
    "condition-name-int": (
        _build(lambda self: self.condition(5, fn.equals("a", "b"))),
        ["Broken", "condition's name", "5"],
    ),
    "param-allowed-int": (lambda: ik.param(allowed=5), ["allowed", "5"]),  # type: ignore[arg-type]
    "app-synth-none": (lambda: ik.App("a").synth(None), ["output directory", "None"]),  # type: ignore[arg-type]
    "deep-list-in-str-property": (
        _build(lambda self: self.add(sqs.Queue("Q", queue_name=_nested_list(1200)))),
        ["Broken", "AWS::SQS::Queue 'Q'", "`queue_name`", "expected str"],
    ),
    "self-referencing-json-property": (
        _build(lambda self: self.add(iam.ManagedPolicy("P", policy_document=_self_referencing()))),
        ["Broken", "'P'", "`policy_document`", "contains itself"],
    ),
    "component-embedding-itself": (lambda: ik.synth(EmbedsItself), ["EmbedsItself embeds itself"]),
    "range-of-a-param": (
        lambda: ik.synth(
            component(lambda self, i: [self.add(sqs.Queue(f"Q{k}")) for k in range(i.n)], inputs=CountInputs)
        ),
        ["parameter n", "range()"],
    ),
}


@ik.inputs
class CountInputs:
    n: ik.Param[int] = 2


@pytest.mark.parametrize(("action", "words"), list(CASES.values()), ids=list(CASES))
def test_a_mistake_is_an_infrakit_error_naming_where(action: Any, words: list[str]) -> None:
    with pytest.raises(InfrakitError) as caught:
        action()
    message = str(caught.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


@ik.inputs
class Required:
    size: int


@pytest.mark.parametrize(
    "call",
    [
        lambda: NetInputs(az_cont=2),  # type: ignore[call-arg]
        lambda: NetInputs(2),  # type: ignore[misc]
        lambda: Required(),  # type: ignore[call-arg]
        lambda: ec2.VPC(),  # type: ignore[call-arg]
        lambda: ec2.VPC("Vpc", "10.0.0.0/16"),  # type: ignore[misc]
    ],
    ids=["unknown-keyword", "positional", "missing-field", "no-logical-id", "two-positionals"],
)
def test_a_wrong_call_is_also_a_type_error_as_python_users_expect(call: Any) -> None:
    with pytest.raises(TypeError) as caught:
        call()
    assert isinstance(caught.value, InfrakitError)


# --- configuration files ------------------------------------------------------------------


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 10):
        prev, name = chr(96 + k), chr(97 + k)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 500  # a few hundred bytes
    with pytest.raises(ConfigError, match=r"bomb.yaml: its aliases \(\*name\) expand to more than"):
        ik.load_inputs(NetInputs, path)


def test_aliases_within_the_limit_still_load(tmp_path: Path) -> None:
    @ik.inputs
    class Lists:
        first: list[str] = attrs.Factory(list)
        second: list[str] = attrs.Factory(list)

    path = tmp_path / "ok.yaml"
    path.write_text("first: &zones [a, b]\nsecond: *zones\n")
    assert ik.load_inputs(Lists, path) == Lists(first=["a", "b"], second=["a", "b"])


def test_a_duplicate_key_under_an_alias_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("base: &b {x: 1, x: 2}\naz_count: 2\n")
    with pytest.raises(ConfigError, match=r"dup.yaml:1: x: duplicate key"):
        ik.load_inputs(NetInputs, path)


def test_a_config_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"az_count: \xff\xfe\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: not UTF-8 text \(byte 0xff at offset 10\)"):
        ik.load_inputs(NetInputs, path)


def test_a_config_path_that_is_a_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        ik.load_inputs(NetInputs, tmp_path)


# --- the CLI ----------------------------------------------------------------------------------

_TEN_INSTANCES = textwrap.dedent(
    """
    import infrakit as ik
    from infrakit.aws import sqs

    SETTINGS = {f"prod-{k}": {"name": f"q{k}"} for k in range(10)}
    del SETTINGS["prod-7"]["name"]


    @ik.inputs
    class QInputs:
        env: str = "prod-0"


    @ik.outputs
    class QOutputs:
        pass


    class Queues(ik.Component[QInputs, QOutputs]):
        def build(self, inputs: QInputs) -> QOutputs:
            name = SETTINGS[inputs.env]["name"]  # the user's own bug
            self.add(sqs.Queue("Q", queue_name=name))
            return QOutputs()


    app = ik.App("ten")
    for env in SETTINGS:
        app.add(env, Queues, QInputs(env=env))
    """
)


def test_a_failing_instance_out_of_ten_is_named_with_its_component(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tenapp.py"
    target.write_text(_TEN_INSTANCES)
    assert main(["synth", str(target), "-o", str(tmp_path / "out"), "-q"]) == 1
    err = capsys.readouterr().err
    assert "instance 'prod-7' (tenapp:Queues)" in err and "KeyError: 'name'" in err
    assert "Traceback" not in err
    assert main(["--verbose", "synth", str(target), "-o", str(tmp_path / "out"), "-q"]) == 1
    err = capsys.readouterr().err
    assert 'name = SETTINGS[inputs.env]["name"]' in err  # the user's own frame


def test_a_directory_target_says_it_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(tmp_path), "-o", str(tmp_path / "out")]) == 1
    assert "is a directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    "manifest",
    [
        {"version": 1, "app": "a", "integration": "parameters", "instances": []},
        {
            "version": 1,
            "app": "a",
            "integration": "parameters",
            "instances": {"x": {"provider": "aws", "component": "m:C", "template": "/etc/hostname", "sha256": "0"}},
        },
        ["not", "a", "manifest"],
    ],
    ids=["instances-list", "absolute-template", "list"],
)
def test_diff_and_synth_refuse_a_manifest_of_the_wrong_shape_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], manifest: Any
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text(json.dumps(manifest))
    assert main(["diff", str(bad), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "manifest" in err and "Traceback" not in err
    target = tmp_path / "one.py"
    target.write_text(_TEN_INSTANCES.replace('del SETTINGS["prod-7"]["name"]', ""))
    assert main(["synth", str(target), "-o", str(bad), "-q"]) == 1
    err = capsys.readouterr().err
    assert "manifest" in err and "Traceback" not in err
    assert json.loads((bad / "manifest.json").read_text()) == manifest


def test_the_cli_can_replace_another_apps_assembly_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "one.py"
    target.write_text(_TEN_INSTANCES.replace('del SETTINGS["prod-7"]["name"]', ""))
    other = ik.App("other")
    other.add("q", component(lambda self, i: (self.add(sqs.Queue("Q")), NoOutputs())[1]))
    other.synth(str(tmp_path / "out"))
    assert main(["synth", str(target), "-o", str(tmp_path / "out"), "-q"]) == 1
    assert "holds the assembly of app 'other'" in capsys.readouterr().err
    assert main(["synth", str(target), "-o", str(tmp_path / "out"), "-q", "--force"]) == 0
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["app"] == "ten"


@ik.outputs
class CountOut:
    count: ik.Out[int]


def test_an_output_type_error_names_the_component() -> None:
    def build(self: Any, _inputs: Any) -> CountOut:
        queue = self.add(sqs.Queue("Q"))
        return CountOut(count=queue.ref)

    with pytest.raises(InfrakitError, match=r"^Svc: CountOut.count: expected int, got expression <Ref Q.ref: str>"):
        ik.synth(component(build, outputs=CountOut, name="Svc"))
