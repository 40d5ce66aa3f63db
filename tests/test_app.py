"""Apps and the assembly: wiring checked when made, independent and deterministic
synthesis, the manifest, atomic writes, the cache and parallel synthesis."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _app_support import (
    BUILDS,
    ROOT,
    Outer,
    OuterInputs,
    Queue,
    QueueInputs,
    Tagged,
    TaggedInputs,
    Topic,
    TopicInputs,
    comparable,
    manifest,
    run_python,
    sha256,
    small_app,
    snapshot,
)

import infrakit as ik
from infrakit._assembly import inputs_digest
from infrakit.aws import fn
from infrakit.errors import AssemblyError, DefinitionError, InfrakitError, PropertyTypeError, WiringError

# --- wiring is checked when it is made ------------------------------------------------


def test_unknown_output_is_an_attribute_error_naming_the_instance_with_a_suggestion() -> None:
    app = ik.App("demo")
    queue = app.add("queue", Queue)
    with pytest.raises(AttributeError, match=r"instance 'queue' \(Queue\) has no output `queue_nam`") as info:
        queue.outputs.queue_nam  # noqa: B018
    assert "did you mean `queue_name`?" in str(info.value)


def test_wiring_a_list_output_into_a_str_parameter_is_a_wiring_error_naming_both_ends() -> None:
    app = ik.App("demo")
    queue = app.add("queue", Queue)
    with pytest.raises(WiringError) as info:
        app.add("topic", Topic, TopicInputs(queue_name=queue.outputs.names))
    message = str(info.value)
    assert "queue.names" in message  # the producer's instance and output
    assert "TopicInputs.queue_name" in message  # the consumer's inputs field
    assert "list[str]" in message and "str" in message
    assert isinstance(info.value, InfrakitError)


def test_wiring_a_str_output_into_a_list_parameter_is_a_wiring_error() -> None:
    app = ik.App("demo")
    queue = app.add("queue", Queue)
    with pytest.raises(WiringError, match=r"TaggedInputs\.names.*queue\.queue_name"):
        TaggedInputs(names=queue.outputs.queue_name, queue_name=queue.outputs.queue_name)


def test_a_mismatched_wire_adds_no_instance() -> None:
    app = ik.App("demo")
    queue = app.add("queue", Queue)
    with pytest.raises(WiringError):
        app.add("topic", Topic, TopicInputs(queue_name=queue.outputs.names))
    assert list(app.instances) == ["queue"]


def test_duplicate_instance_names_are_refused() -> None:
    app = ik.App("demo")
    app.add("queue", Queue)
    with pytest.raises(DefinitionError, match="instance name 'queue' is already used by 'queue'"):
        app.add("queue", Queue)


def test_instance_names_differing_only_in_case_are_refused() -> None:
    # They name files (and stacks): on a case-insensitive file system they would collide.
    app = ik.App("demo")
    app.add("queue-dev", Queue)
    with pytest.raises(DefinitionError, match="'Queue-Dev' is already used by 'queue-dev'"):
        app.add("Queue-Dev", Queue)


@pytest.mark.parametrize("name", ["", "1queue", "-queue", "queue_dev", "queue.dev", "queue dev", "q/x", "a" * 101, 7])
def test_invalid_instance_names_are_refused(name: object) -> None:
    app = ik.App("demo")
    with pytest.raises(DefinitionError, match="instance name"):
        app.add(name, Queue)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["q", "queue-dev", "Queue2", "a" * 100])
def test_valid_instance_names_are_accepted(name: str) -> None:
    assert ik.App("demo").add(name, Queue).name == name


def test_an_output_of_another_app_is_refused() -> None:
    other = ik.App("other")
    queue = other.add("queue", Queue)
    app = ik.App("demo")
    with pytest.raises(WiringError, match=r"topic\.queue_name <- queue\.queue_name: instance 'queue' is not part"):
        app.add("topic", Topic, TopicInputs(queue_name=queue.outputs.queue_name))


def test_an_instance_of_the_same_name_in_this_app_does_not_stand_in_for_another_apps() -> None:
    other = ik.App("other")
    foreign = other.add("queue", Queue)
    app = ik.App("demo")
    app.add("queue", Queue)
    with pytest.raises(WiringError, match="not part of this app"):
        app.add("topic", Topic, TopicInputs(queue_name=foreign.outputs.queue_name))


def test_wiring_an_output_into_a_build_time_setting_is_refused() -> None:
    app = ik.App("demo")
    queue = app.add("queue", Queue)
    with pytest.raises(WiringError, match=r"TopicInputs\.label is a build-time setting") as info:
        TopicInputs(queue_name=queue.outputs.queue_name, label=queue.outputs.queue_name)
    assert "queue.queue_name" in str(info.value)
    assert "ik.Param[str]" in str(info.value)  # the fix


def test_a_build_time_setting_refuses_any_expression() -> None:
    with pytest.raises(PropertyTypeError, match=r"TopicInputs\.label is a build-time setting"):
        TopicInputs(label=fn.region)


def test_a_build_time_setting_refuses_an_expression_inside_a_list() -> None:
    @ik.inputs
    class ListInputs:
        names: list[str] = ["a"]  # noqa: RUF012

    queue = ik.App("demo").add("queue", Queue)
    with pytest.raises(WiringError, match=r"ListInputs\.names is a build-time setting"):
        ListInputs(names=["a", queue.outputs.queue_name])


def test_ik_wire_takes_an_output_only() -> None:
    with pytest.raises(WiringError, match="takes an instance's output"):
        ik.wire("vpc-123", integration="registry")


def test_ik_wire_refuses_an_unknown_integration() -> None:
    queue = ik.App("demo").add("queue", Queue)
    with pytest.raises(WiringError, match="unknown integration 'ssm'"):
        ik.wire(queue.outputs.queue_name, integration="ssm")  # type: ignore[arg-type]


def test_app_refuses_an_unknown_integration() -> None:
    with pytest.raises(WiringError, match="unknown integration"):
        ik.App("demo", integration="carrier-pigeon")  # type: ignore[arg-type]


def test_integration_per_edge(tmp_path: Path) -> None:
    app = ik.App("demo")
    queue = app.add("queue", Queue)
    app.add("by-registry", Topic, TopicInputs(queue_name=ik.wire(queue.outputs.queue_name, integration="registry")))
    app.add("by-export", Topic, TopicInputs(queue_name=ik.wire(queue.outputs.queue_name, integration="exports")))
    app.add("by-parameter", Topic, TopicInputs(queue_name=queue.outputs.queue_name))
    result = app.synth(str(tmp_path / "out"))
    out = tmp_path / "out"
    producer = json.loads((out / "queue.template.json").read_text())
    assert producer["Resources"]["RegistryQueueName"]["Properties"]["Name"] == "/infrakit/demo/queue/QueueName"
    assert producer["Outputs"]["QueueName"]["Export"] == {"Name": "demo-queue-QueueName"}
    registry = json.loads((out / "by-registry.template.json").read_text())
    assert registry["Parameters"]["QueueName"] == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": "/infrakit/demo/queue/QueueName",
        "Description": "The queue the topic is about",
    }
    export = json.loads((out / "by-export.template.json").read_text())
    assert "Parameters" not in export
    assert export["Resources"]["Alerts"]["Properties"]["DisplayName"] == {"Fn::ImportValue": "demo-queue-QueueName"}
    plain = json.loads((out / "by-parameter.template.json").read_text())
    assert plain["Parameters"]["QueueName"]["Type"] == "String"
    entries = result["instances"]
    assert entries["by-registry"]["parameters"]["QueueName"]["integration"] == "registry"
    assert entries["by-export"]["parameters"] == {}  # the template has no parameter to pass
    assert entries["by-export"]["imports"] == {"QueueName": {"from": {"instance": "queue", "output": "QueueName"}}}
    assert "integration" not in entries["by-parameter"]["parameters"]["QueueName"]
    assert result["integration"] == "parameters"


def test_app_level_integration_applies_to_every_wire(tmp_path: Path) -> None:
    app = small_app(integration="exports")
    result = app.synth(str(tmp_path / "out"))
    assert result["integration"] == "exports"
    tagged = json.loads((tmp_path / "out" / "tagged-dev.template.json").read_text())
    # Only the secret, unwired parameter is left; the list comes back as a list.
    assert list(tagged["Parameters"]) == ["Token"]
    assert tagged["Resources"]["NameList"]["Properties"]["Value"] == {
        "Fn::Join": [",", {"Fn::Split": [",", {"Fn::ImportValue": "demo-queue-dev-Names"}]}]
    }
    queue = json.loads((tmp_path / "out" / "queue-dev.template.json").read_text())
    assert {name: o.get("Export") for name, o in queue["Outputs"].items()} == {
        "QueueName": {"Name": "demo-queue-dev-QueueName"},
        "QueueUrl": None,
        "Names": {"Name": "demo-queue-dev-Names"},
    }


def test_a_per_edge_integration_overrides_the_apps(tmp_path: Path) -> None:
    app = ik.App("demo", integration="registry")
    queue = app.add("queue", Queue)
    app.add("topic", Topic, TopicInputs(queue_name=ik.wire(queue.outputs.queue_name, integration="parameters")))
    app.synth(str(tmp_path / "out"))
    topic = json.loads((tmp_path / "out" / "topic.template.json").read_text())
    assert topic["Parameters"]["QueueName"]["Type"] == "String"
    producer = json.loads((tmp_path / "out" / "queue.template.json").read_text())
    assert set(producer["Resources"]) == {"Work"}


# --- independent synthesis ------------------------------------------------------------------


def test_changing_a_producers_inputs_leaves_its_consumers_templates_byte_identical(tmp_path: Path) -> None:
    small_app(retention={"dev": 4}).synth(str(tmp_path / "a"), cache=False)
    small_app(retention={"dev": 9}).synth(str(tmp_path / "b"), cache=False)
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert a["queue-dev.template.json"] != b["queue-dev.template.json"]
    for name in ("topic-dev", "tagged-dev", "queue-prod", "topic-prod"):
        assert a[f"{name}.template.json"] == b[f"{name}.template.json"], name


def test_a_consumer_template_holds_none_of_its_producers_resources(tmp_path: Path) -> None:
    small_app().synth(str(tmp_path / "out"))
    text = (tmp_path / "out" / "topic-dev.template.json").read_text()
    assert "Work" not in text and "queue-dev" not in text
    assert json.loads(text)["Parameters"]["QueueName"]["Type"] == "String"


def test_only_writes_byte_identical_files_to_the_full_run(tmp_path: Path) -> None:
    small_app().synth(str(tmp_path / "full"))
    small_app().synth(str(tmp_path / "one"), only=["tagged-dev"])
    full, one = snapshot(tmp_path / "full"), snapshot(tmp_path / "one")
    assert set(one) == {"manifest.json", "tagged-dev.template.json"}
    assert one["tagged-dev.template.json"] == full["tagged-dev.template.json"]
    assert (
        manifest(tmp_path / "one")["instances"]["tagged-dev"] == manifest(tmp_path / "full")["instances"]["tagged-dev"]
    )


def test_only_into_an_existing_assembly_keeps_the_other_instances(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)
    small_app(retention={"dev": 9}).synth(str(out), only=["queue-dev"])
    after = snapshot(out)
    assert set(after) == set(before)
    assert after["queue-dev.template.json"] != before["queue-dev.template.json"]
    assert {k: v for k, v in after.items() if k not in ("queue-dev.template.json", "manifest.json")} == {
        k: v for k, v in before.items() if k not in ("queue-dev.template.json", "manifest.json")
    }
    assert manifest(out)["instances"]["queue-dev"]["sha256"] == sha256(out / "queue-dev.template.json")


def test_only_an_unknown_instance_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=r"no instance 'topic-dve' \(did you mean `topic-dev`\?\)"):
        small_app().synth(str(tmp_path / "out"), only=["topic-dve"])


# --- the manifest ---------------------------------------------------------------------------

DESIGN_ENTRY_KEYS = {
    "provider",
    "component",
    "template",
    "sha256",
    "inputs_sha256",
    "parameters",
    "outputs",
    "depends_on",
}


def test_manifest_has_the_design_shape(tmp_path: Path) -> None:
    out = tmp_path / "out"
    returned = small_app().synth(str(out))
    written = manifest(out)
    assert returned == written
    assert list(written) == ["version", "app", "integration", "instances"]
    assert written["version"] == 1 and written["app"] == "demo" and written["integration"] == "parameters"
    assert list(written["instances"]) == sorted(["queue-dev", "topic-dev", "queue-prod", "topic-prod", "tagged-dev"])
    for entry in written["instances"].values():
        # The DESIGN keys, plus the cache key (re-use of unchanged templates), the contract
        # (breaking-change checks), provenance, and each output field's name in the template
        # (so a consumer synthesized alone never re-runs its producer) that infrakit adds.
        assert set(entry) == DESIGN_ENTRY_KEYS | {"cache_key", "contract", "provenance", "output_names"}
    tagged = written["instances"]["tagged-dev"]
    assert tagged["provider"] == "aws"
    assert tagged["component"] == "_app_support:Tagged"
    assert tagged["template"] == "tagged-dev.template.json"
    assert tagged["parameters"] == {
        "Names": {"from": {"instance": "queue-dev", "output": "Names"}},
        "QueueName": {"from": {"instance": "queue-dev", "output": "QueueName"}},
        "Token": {"secret": True},
    }
    assert tagged["outputs"] == ["Joined", "Tag"]
    assert tagged["depends_on"] == ["queue-dev"]
    queue = written["instances"]["queue-dev"]
    assert queue["parameters"] == {} and queue["depends_on"] == []
    assert queue["outputs"] == ["QueueName", "QueueUrl", "Names"]


def test_manifest_sha256_is_the_digest_of_each_template_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    for entry in manifest(out)["instances"].values():
        assert entry["sha256"] == hashlib.sha256((out / entry["template"]).read_bytes()).hexdigest()


def test_manifest_inputs_sha256_follows_the_inputs(tmp_path: Path) -> None:
    app = small_app(retention={"dev": 4, "prod": 9})
    entries = app.synth(str(tmp_path / "out"))["instances"]
    for name, entry in entries.items():
        assert entry["inputs_sha256"] == inputs_digest(app.instances[name].inputs)
        assert len(entry["inputs_sha256"]) == 64
    assert entries["queue-dev"]["inputs_sha256"] != entries["queue-prod"]["inputs_sha256"]
    # Two consumers wired from different producers have different inputs.
    assert entries["topic-dev"]["inputs_sha256"] != entries["topic-prod"]["inputs_sha256"]


def test_parameter_defaults_are_in_the_manifest_but_secrets_never(tmp_path: Path) -> None:
    app = ik.App("demo")
    queue = app.add("queue", Queue)
    app.add("tagged", Tagged, TaggedInputs(names=["a", "b"], queue_name=queue.outputs.queue_name))
    out = tmp_path / "out"
    entry = app.synth(str(out))["instances"]["tagged"]
    assert entry["parameters"]["Names"] == {"default": ["a", "b"]}
    assert entry["parameters"]["Token"] == {"secret": True}
    assert json.loads((out / "tagged.template.json").read_text())["Parameters"]["Token"]["NoEcho"] is True


# --- determinism ----------------------------------------------------------------------------


def test_synth_is_byte_identical_across_runs(tmp_path: Path) -> None:
    small_app().synth(str(tmp_path / "a"), cache=False)
    small_app().synth(str(tmp_path / "b"), cache=False)
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_synth_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    code = "import sys, _app_support as s; s.small_app().synth(sys.argv[1] if len(sys.argv) > 1 else 'out')"
    snapshots = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"seed-{seed}"
        done = run_python(code.replace("'out'", repr(str(out))), env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        snapshots.append(snapshot(out))
    assert snapshots[0] == snapshots[1] == snapshots[2]
    # And the same as in this process.
    small_app().synth(str(tmp_path / "here"))
    assert comparable(snapshot(tmp_path / "here")) == comparable(snapshots[0])


def test_a_second_synth_in_a_fresh_process_builds_nothing(tmp_path: Path) -> None:
    # The first synth of a process loads infrakit's renderer and service modules lazily;
    # that must not change the cache keys of the second.
    out = tmp_path / "out"
    code = (
        "import _app_support as s\n"
        f"s.small_app().synth({str(out)!r})\n"
        "s.BUILDS.clear()\n"
        f"s.small_app().synth({str(out)!r})\n"
        "print(sum(s.BUILDS.values()))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
    small_app().synth(str(tmp_path / "here"))
    assert comparable(snapshot(tmp_path / "here")) == comparable(snapshot(out))


# --- atomic writes --------------------------------------------------------------------------


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_a_build_that_fails_midway_leaves_the_previous_assembly_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)
    app = ik.App("demo")
    app.add("queue-dev", Queue)
    app.add("queue-prod", Queue, QueueInputs(retention_days=9, fail=True))
    with pytest.raises(RuntimeError, match="failed on purpose"):
        app.synth(str(out))
    assert snapshot(out) == before
    assert _leftovers(tmp_path) == []


def test_a_synth_error_leaves_the_previous_assembly_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)
    app = small_app()
    # A secret with a value would be written in clear: refused at synth, after others rendered.
    app.add("tagged-x", Tagged, TaggedInputs(names=["a"], queue_name="q", token="plain-text"))
    with pytest.raises(InfrakitError, match=r"instance 'tagged-x'.*secret"):
        app.synth(str(out), cache=False)
    assert snapshot(out) == before
    assert _leftovers(tmp_path) == []


def test_a_failure_while_writing_removes_the_staging_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import infrakit._assembly as assembly

    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)

    def broken_swap(staging: Path, target: Path) -> None:
        assert staging.is_dir() and (staging / "manifest.json").is_file()  # complete, but never swapped in
        raise OSError("disk full")

    monkeypatch.setattr(assembly, "_swap", broken_swap)
    with pytest.raises(AssemblyError, match="disk full"):
        small_app(retention={"dev": 9}).synth(str(out))
    assert snapshot(out) == before
    assert _leftovers(tmp_path) == []


def test_a_successful_resynth_leaves_no_temporary_directories(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    small_app(retention={"dev": 9}).synth(str(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_to_replace_a_non_empty_directory_that_is_not_an_assembly(tmp_path: Path) -> None:
    out = tmp_path / "src"
    out.mkdir()
    (out / "precious.py").write_text("print('keep me')\n")
    with pytest.raises(AssemblyError, match=r"not empty and holds no manifest\.json; refusing to replace it"):
        small_app().synth(str(out))
    assert snapshot(out) == {"precious.py": b"print('keep me')\n"}
    assert _leftovers(tmp_path) == []


def test_refuses_to_replace_a_directory_with_a_foreign_manifest(tmp_path: Path) -> None:
    out = tmp_path / "web"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "my web app", "icons": []}\n')
    with pytest.raises(AssemblyError, match="not infrakit's; refusing to replace it"):
        small_app().synth(str(out))
    assert (out / "manifest.json").read_text() == '{"name": "my web app", "icons": []}\n'


def test_refuses_an_output_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("x")
    with pytest.raises(AssemblyError, match="is not a directory"):
        small_app().synth(str(target))


def test_synth_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "builds" / "out"
    small_app().synth(str(target))
    link = tmp_path / "out"
    link.symlink_to(target, target_is_directory=True)
    small_app(retention={"dev": 9}).synth(str(link))
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert '"MessageRetentionPeriod": 777600' in (target / "queue-dev.template.json").read_text()
    assert _leftovers(tmp_path) == [] and _leftovers(target.parent) == []


@pytest.mark.parametrize("spelling", [".", "absolute"])
def test_refuses_the_current_directory_as_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)
    monkeypatch.chdir(out)
    with pytest.raises(AssemblyError, match="is \\(or holds\\) the current directory"):
        small_app(retention={"dev": 9}).synth("." if spelling == "." else str(out))
    assert snapshot(out) == before and out.samefile(".")
    assert _leftovers(tmp_path) == [] and _leftovers(out) == []


def test_a_failure_to_move_the_old_assembly_aside_leaves_no_temporary_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import infrakit._assembly as assembly

    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)
    rename = os.rename

    def refuse_to_retire(source: object, target: object) -> None:
        if ".old-" in str(target):
            raise OSError("device busy")
        rename(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(assembly, "_exchange", lambda a, b: False)  # the two-rename path
    monkeypatch.setattr(assembly.os, "rename", refuse_to_retire)
    with pytest.raises(AssemblyError, match="device busy"):
        small_app(retention={"dev": 9}).synth(str(out))
    assert snapshot(out) == before
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2(RENAME_EXCHANGE) is Linux's")
def test_the_new_assembly_replaces_the_old_in_one_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import infrakit._assembly as assembly

    out = tmp_path / "out"
    small_app().synth(str(out))
    rename = os.rename

    def no_rename_onto_the_assembly(source: object, target: object) -> None:
        if Path(str(target)) == out or Path(str(source)) == out:
            raise AssertionError("the assembly was renamed, not exchanged")
        rename(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(assembly.os, "rename", no_rename_onto_the_assembly)
    small_app(retention={"dev": 9}).synth(str(out))
    assert '"MessageRetentionPeriod": 777600' in (out / "queue-dev.template.json").read_text()
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2(RENAME_EXCHANGE) is Linux's")
def test_a_failed_exchange_leaves_the_old_assembly_and_no_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import infrakit._assembly as assembly

    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)

    def busy(a: Path, b: Path) -> bool:
        raise OSError(16, "Device or resource busy", str(b))

    monkeypatch.setattr(assembly, "_exchange", busy)
    with pytest.raises(AssemblyError, match="busy"):
        small_app(retention={"dev": 9}).synth(str(out))
    assert snapshot(out) == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("jobs", [0, -2])
def test_jobs_below_1_is_refused(tmp_path: Path, jobs: int) -> None:
    with pytest.raises(AssemblyError, match=f"jobs must be .* at least 1; got {jobs}"):
        small_app().synth(str(tmp_path / "out"), jobs=jobs)
    assert not (tmp_path / "out").exists()


def test_an_empty_directory_becomes_an_assembly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    small_app().synth(str(out))
    assert (out / "manifest.json").is_file()


# --- the cache ------------------------------------------------------------------------------


def test_resynth_without_changes_builds_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)
    BUILDS.clear()
    small_app().synth(str(out))
    assert sum(BUILDS.values()) == 0
    assert snapshot(out) == before


def test_resynth_after_changing_one_producer_builds_only_that_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)
    BUILDS.clear()
    small_app(retention={"prod": 11}).synth(str(out))
    assert dict(BUILDS) == {"Queue": 1}
    after = snapshot(out)
    changed = sorted(k for k in after if after[k] != before[k])
    assert changed == ["manifest.json", "queue-prod.template.json"]
    # The same bytes as a synth without the cache.
    small_app(retention={"prod": 11}).synth(str(tmp_path / "fresh"), cache=False)
    assert snapshot(tmp_path / "fresh") == after


def test_resynth_after_changing_one_consumer_renders_only_that_one(tmp_path: Path) -> None:
    def app(parameter_name: str) -> ik.App:
        result = ik.App("demo")
        queue = result.add("queue", Queue)
        result.add("topic", Topic, TopicInputs(queue_name=queue.outputs.queue_name))
        result.add(
            "tagged", Tagged, TaggedInputs(names=queue.outputs.names, queue_name="q", parameter_name=parameter_name)
        )
        return result

    out = tmp_path / "out"
    app("/a").synth(str(out))
    inode = {p.name: p.stat().st_ino for p in out.iterdir()}
    BUILDS.clear()
    app("/b").synth(str(out))
    assert BUILDS["Tagged"] == 1 and BUILDS["Topic"] == 0
    # The producer is not re-rendered: its template file is carried over as it was.
    assert (out / "queue.template.json").stat().st_ino == inode["queue.template.json"]
    assert (out / "topic.template.json").stat().st_ino == inode["topic.template.json"]


def test_resynth_after_changing_one_consumer_builds_only_that_consumer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    app = small_app()
    del app.instances["tagged-dev"]
    dev = app.instances["queue-dev"]
    app.add("tagged-dev", Tagged, TaggedInputs(names=dev.outputs.names, queue_name="q", parameter_name="/other"))
    BUILDS.clear()
    app.synth(str(out))
    assert dict(BUILDS) == {"Tagged": 1}


def test_cache_false_builds_everything(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    BUILDS.clear()
    small_app().synth(str(out), cache=False)
    assert dict(BUILDS) == {"Queue": 2, "Topic": 2, "Tagged": 1}


def test_a_tampered_template_is_rendered_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    original = (out / "topic-dev.template.json").read_bytes()
    (out / "topic-dev.template.json").write_text("{}")
    BUILDS.clear()
    small_app().synth(str(out))
    assert BUILDS["Topic"] == 1 and BUILDS["Tagged"] == 0
    assert (out / "topic-dev.template.json").read_bytes() == original


def test_a_change_to_the_component_source_invalidates_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module_name = "ik_cache_probe"
    source = tmp_path / "src" / f"{module_name}.py"
    source.parent.mkdir()
    template = textwrap.dedent(
        """
        import infrakit as ik
        from infrakit.aws import sqs
        from _app_support import BUILDS

        @ik.inputs
        class ProbeInputs:
            days: int = 2

        @ik.outputs
        class ProbeOutputs:
            url: ik.Out[str]

        class Probe(ik.Component[ProbeInputs, ProbeOutputs]):
            def build(self, inputs):
                BUILDS["Probe"] += 1
                queue = self.add(sqs.Queue("Q", message_retention_period=inputs.days * 86400))  # MARK
                return ProbeOutputs(url=queue.ref)
        """
    )
    source.write_text(template)
    monkeypatch.syspath_prepend(str(source.parent))
    monkeypatch.delitem(sys.modules, module_name, raising=False)
    module = importlib.import_module(module_name)

    def synth() -> None:
        app = ik.App("demo")
        app.add("probe", module.Probe)
        app.add("queue", Queue)
        app.synth(str(tmp_path / "out"))

    synth()
    BUILDS.clear()
    synth()
    assert dict(BUILDS) == {}
    # A change that does not even change the template: the code digest still changes.
    source.write_text(template.replace("# MARK", "# edited"))
    module = importlib.reload(module)
    BUILDS.clear()
    synth()
    assert dict(BUILDS) == {"Probe": 1}
    monkeypatch.delitem(sys.modules, module_name, raising=False)


def test_a_change_to_an_embedded_component_from_another_package_invalidates_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    library = textwrap.dedent(
        """
        import infrakit as ik
        from infrakit.aws import sqs

        @ik.outputs
        class LibOutputs:
            url: ik.Out[str]

        @ik.inputs
        class LibInputs:
            days: int = 2

        class Lib(ik.Component[LibInputs, LibOutputs]):
            def build(self, inputs):
                queue = self.add(sqs.Queue("Q", message_retention_period=inputs.days * 86400))  # MARK
                return LibOutputs(url=queue.ref)
        """
    )
    (src / "ik_probe_lib.py").write_text(library)
    (src / "ik_probe_app.py").write_text(
        textwrap.dedent(
            """
            import infrakit as ik
            from ik_probe_lib import Lib, LibInputs, LibOutputs
            from _app_support import BUILDS

            class Uses(ik.Component[LibInputs, LibOutputs]):
                def build(self, inputs):
                    BUILDS["Uses"] += 1
                    return self.embed(Lib, inputs, prefix="Lib")
            """
        )
    )
    monkeypatch.syspath_prepend(str(src))
    for name in ("ik_probe_lib", "ik_probe_app"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    lib = importlib.import_module("ik_probe_lib")
    uses = importlib.import_module("ik_probe_app")

    def synth() -> None:
        app = ik.App("demo")
        app.add("uses", uses.Uses)
        app.synth(str(tmp_path / "out"))

    synth()
    BUILDS.clear()
    synth()
    assert dict(BUILDS) == {}
    (src / "ik_probe_lib.py").write_text(library.replace("inputs.days * 86400", "inputs.days * 3600"))
    importlib.reload(lib)
    uses = importlib.reload(uses)
    BUILDS.clear()
    synth()
    assert dict(BUILDS) == {"Uses": 1}
    template = json.loads((tmp_path / "out" / "uses.template.json").read_text())
    assert template["Resources"]["LibQ"]["Properties"]["MessageRetentionPeriod"] == 7200
    for name in ("ik_probe_lib", "ik_probe_app"):
        monkeypatch.delitem(sys.modules, name, raising=False)


@ik.outputs
class _AddressOutputs:
    external_ip: ik.Out[str]


class _AwsAddress(ik.Component[QueueInputs, _AddressOutputs]):
    """An AWS stand-in for a GCP producer of ``external_ip``."""

    def build(self, inputs: QueueInputs) -> _AddressOutputs:
        from infrakit.aws import ec2

        eip = self.add(ec2.EIP("Address"))
        return _AddressOutputs(external_ip=eip.ref)


def test_a_consumer_whose_producer_changes_provider_gets_a_fresh_manifest_entry(tmp_path: Path) -> None:
    from gcp_app import Dns, DnsInputs  # examples/ is on sys.path (conftest)
    from gcp_network import WebNetwork, WebNetworkInputs

    out = tmp_path / "out"
    aws = ik.App("web")
    aws.add("dns", Dns, DnsInputs(address=aws.add("web", _AwsAddress).outputs.external_ip))
    assert aws.synth(str(out))["instances"]["dns"]["parameters"]["Address"]["from"]["output"] == "ExternalIp"
    gcp = ik.App("web")
    web = gcp.add("web", WebNetwork, WebNetworkInputs(prefix="web"))
    gcp.add("dns", Dns, DnsInputs(address=web.outputs.external_ip))
    entry = gcp.synth(str(out))["instances"]["dns"]
    assert entry["parameters"]["Address"]["from"] == {"instance": "web", "output": "external_ip"}


# --- parallel synthesis ---------------------------------------------------------------------


def test_jobs_2_writes_byte_identical_output_to_jobs_1(tmp_path: Path) -> None:
    def big() -> ik.App:
        app = ik.App("demo")
        for i in range(6):
            queue = app.add(f"queue-{i}", Queue, QueueInputs(retention_days=1 + i))
            app.add(f"topic-{i}", Topic, TopicInputs(queue_name=queue.outputs.queue_name, label=f"t{i}"))
        return app

    big().synth(str(tmp_path / "one"), jobs=1)
    big().synth(str(tmp_path / "two"), jobs=2)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_jobs_2_reports_a_failing_build(tmp_path: Path) -> None:
    app = ik.App("demo")
    for i in range(5):
        app.add(f"queue-{i}", Queue, QueueInputs(fail=i == 3))
    with pytest.raises(RuntimeError, match="failed on purpose"):
        app.synth(str(tmp_path / "out"), jobs=2)
    assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []


# --- embedding inside an app instance -------------------------------------------------------


def test_embed_inside_an_app_instance(tmp_path: Path) -> None:
    app = ik.App("demo")
    queue = app.add("queue", Queue)
    app.add("outer", Outer, OuterInputs(queue_name=queue.outputs.queue_name))
    entry = app.synth(str(tmp_path / "out"))["instances"]["outer"]
    template = json.loads((tmp_path / "out" / "outer.template.json").read_text())
    assert list(template["Resources"]) == ["InnerAlerts"]
    props = template["Resources"]["InnerAlerts"]["Properties"]
    assert props == {"DisplayName": {"Ref": "QueueName"}, "TopicName": "inner"}
    assert template["Outputs"] == {"TopicArn": {"Value": {"Ref": "InnerAlerts"}}}
    assert entry["parameters"] == {"QueueName": {"from": {"instance": "queue", "output": "QueueName"}}}
    assert entry["depends_on"] == ["queue"]


def test_the_same_component_deploys_alone_and_embedded(tmp_path: Path) -> None:
    alone = ik.synth(Topic, TopicInputs(label="inner")).to_dict()
    embedded = ik.synth(Outer).to_dict()
    assert alone["Resources"]["Alerts"]["Properties"] == embedded["Resources"]["InnerAlerts"]["Properties"]


# --- the benchmark app at small size --------------------------------------------------------


def test_benchmark_app_synthesizes_to_templates_cfn_lint_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from bench_app_infrakit import make_app

    out = tmp_path / "out"
    result = make_app(3).synth(str(out))
    assert len(result["instances"]) == 6
    assert result["instances"]["service-2"]["depends_on"] == ["network-2"]
    templates = sorted(str(p) for p in out.glob("*.template.json"))
    assert len(templates) == 6
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--", *templates],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
