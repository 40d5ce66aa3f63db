"""The assembly stays whole under concurrent, killed and hostile use: one writer at a time,
leftovers of killed runs cleaned, a user's files kept, another app's assembly not replaced
silently, and a cache key that covers what a build reads and digests inputs by value."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import types
from pathlib import Path
from typing import Any

import attrs
import pytest
from _app_support import TESTS, Queue, QueueInputs, manifest, small_app, snapshot

import infrakit as ik
from infrakit import _outdir
from infrakit._assembly import inputs_digest
from infrakit.errors import AssemblyError, DefinitionError

# --- one writer at a time ----------------------------------------------------------------


def test_a_synth_waits_while_another_holds_the_assemblys_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    finished = threading.Event()

    def synth() -> None:
        small_app().synth(str(out))
        finished.set()

    with _outdir.locked(out):
        worker = threading.Thread(target=synth)
        worker.start()
        # Whatever the machine's speed, the second writer cannot get past the lock.
        assert not finished.wait(0.5)
        assert not out.exists()
    worker.join(60)
    assert finished.is_set() and (out / "manifest.json").is_file()
    assert not (tmp_path / ".out.lock").exists()  # the lock file does not linger


def test_a_synth_that_waits_too_long_names_the_process_holding_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    message = rf"another infrakit synth \(process {os.getpid()}\)"
    with _outdir.locked(out), pytest.raises(AssemblyError, match=message), _outdir.locked(out, timeout=0.05):
        pass


_RACER = textwrap.dedent(
    """
    import sys
    import infrakit as ik
    from _app_support import Queue, QueueInputs

    out, version = sys.argv[1], int(sys.argv[2])
    for round in range(3):
        app = ik.App("race")
        for k in range(60):
            app.add(f"q{k}", Queue, QueueInputs(retention_days=1 + (version + round + k) % 14))
        app.synth(out)
    """
)


def test_two_processes_synthesizing_into_one_directory_leave_a_manifest_that_matches_its_files(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH", "")]))}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(out), str(version)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for version in (0, 7)
    ]
    for racer in racers:
        _stdout, stderr = racer.communicate(timeout=180)
        assert racer.returncode == 0, stderr
    entries = manifest(out)["instances"]
    assert len(entries) == 60
    for name, entry in entries.items():
        data = (out / entry["template"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(e["template"] for e in entries.values())]
    )


# --- leftovers of killed runs ------------------------------------------------------------


def test_staging_and_retired_directories_left_by_killed_runs_are_removed_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    for leftover in (".out.tmp-abcd1234", ".out.old-x_y9z000"):
        (tmp_path / leftover / "out").mkdir(parents=True)
        (tmp_path / leftover / "out" / "manifest.json").write_text("{}")
    (tmp_path / ".other.tmp-abcd1234").mkdir()  # another assembly's: not ours to remove
    small_app(retention={"dev": 9}).synth(str(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-abcd1234", "out"]


def test_an_old_assembly_that_a_crash_left_only_in_a_retired_directory_is_put_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)
    retired = tmp_path / ".out.old-abcd1234"
    retired.mkdir()
    os.rename(out, retired / "out")  # killed between the two renames of the fallback swap
    with pytest.raises(RuntimeError, match="failed on purpose"):
        app = small_app()
        app.add("broken", Queue, QueueInputs(fail=True))
        app.synth(str(out))
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# --- a user's files, another app ---------------------------------------------------------


def test_a_users_own_file_in_the_assembly_directory_is_carried_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app().synth(str(out))
    (out / "NOTES.md").write_text("my notes")
    (out / "extra").mkdir()
    (out / "extra" / "data.txt").write_text("kept")
    small_app(retention={"dev": 9}).synth(str(out))
    assert (out / "NOTES.md").read_text() == "my notes"
    assert (out / "extra" / "data.txt").read_text() == "kept"
    assert manifest(out)["instances"]["queue-dev"]["template"] == "queue-dev.template.json"


def test_a_users_file_named_like_a_new_template_is_refused_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    app = ik.App("demo")
    app.add("queue-dev", Queue)
    app.synth(str(out))
    (out / "queue-prod.template.json").write_text("mine")
    before = snapshot(out)
    with pytest.raises(AssemblyError, match=r"'queue-prod.template.json'.*not infrakit's.*move it out"):
        small_app().synth(str(out))
    assert snapshot(out) == before


def test_another_apps_assembly_is_not_replaced_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_app("first").synth(str(out))
    before = snapshot(out)
    with pytest.raises(AssemblyError, match=r"holds the assembly of app 'first', not of 'second'.*force=True"):
        small_app("second").synth(str(out))
    assert snapshot(out) == before
    small_app("second").synth(str(out), force=True)
    assert manifest(out)["app"] == "second"


# --- the cache key -----------------------------------------------------------------------


class Setting:
    """A user's plain class: its repr holds a memory address."""

    def __init__(self, size: int) -> None:
        self.size = size


@ik.inputs
class OpaqueInputs:
    setting: object = None
    hidden: int = attrs.field(default=0, repr=False)


def test_inputs_are_digested_by_value_not_by_repr() -> None:
    assert inputs_digest(OpaqueInputs(setting=Setting(1))) == inputs_digest(OpaqueInputs(setting=Setting(1)))
    assert inputs_digest(OpaqueInputs(setting=Setting(1))) != inputs_digest(OpaqueInputs(setting=Setting(2)))
    assert inputs_digest(OpaqueInputs(hidden=1)) != inputs_digest(OpaqueInputs(hidden=2))


def test_a_value_infrakit_cannot_digest_is_a_clear_error_naming_the_field() -> None:
    with pytest.raises(AssemblyError, match=r"OpaqueInputs.setting: a object has no value infrakit can digest"):
        inputs_digest(OpaqueInputs(setting=object()))
    looped: dict[str, object] = {}
    looped["self"] = looped
    with pytest.raises(AssemblyError, match=r"OpaqueInputs.setting\[\"self\"\] refers to itself"):
        inputs_digest(OpaqueInputs(setting=looped))


_POLICY_COMPONENT = textwrap.dedent(
    """
    import json
    from pathlib import Path

    import infrakit as ik
    from infrakit.aws import sqs


    @ik.inputs
    class PolicyInputs:
        pass


    @ik.outputs
    class PolicyOutputs:
        pass


    class Policy(ik.Component[PolicyInputs, PolicyOutputs]):
        def build(self, inputs: PolicyInputs) -> PolicyOutputs:
            data = json.loads((Path(__file__).parent / "policy.json").read_text())
            self.add(sqs.Queue("Q", queue_name=data["name"]))
            return PolicyOutputs()
    """
)


def test_a_data_file_beside_the_component_is_part_of_the_cache_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src" / "policypkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "component.py").write_text(_POLICY_COMPONENT)
    (package / "policy.json").write_text(json.dumps({"name": "first"}))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    from policypkg.component import Policy  # type: ignore[import-not-found]

    out = tmp_path / "out"
    app = ik.App("policy")
    app.add("one", Policy)
    app.synth(str(out))
    assert '"QueueName": "first"' in (out / "one.template.json").read_text()
    time.sleep(0.01)
    (package / "policy.json").write_text(json.dumps({"name": "second"}))
    app.synth(str(out))
    assert '"QueueName": "second"' in (out / "one.template.json").read_text()


def test_a_data_file_beside_a_single_file_module_is_part_of_the_cache_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI's usual case: an app.py (no package) with the policy.json it reads beside it.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "policymodule.py").write_text(_POLICY_COMPONENT)
    (tmp_path / "src" / "policy.json").write_text(json.dumps({"name": "first"}))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    from policymodule import Policy  # type: ignore[import-not-found]

    out = tmp_path / "src" / "out"  # the assembly beside the module: not part of the key
    app = ik.App("policy")
    app.add("one", Policy)
    app.synth(str(out))
    assert '"QueueName": "first"' in (out / "one.template.json").read_text()
    cached: list[bool] = []
    app.synth(str(out), report=lambda _name, from_cache: cached.append(from_cache))
    assert cached == [True]  # nothing changed: still cached
    (tmp_path / "src" / "policy.json").write_text(json.dumps({"name": "second"}))
    app.synth(str(out))
    assert '"QueueName": "second"' in (out / "one.template.json").read_text()


_PRODUCER = textwrap.dedent(
    """
    import infrakit as ik
    from infrakit.aws import sqs


    @ik.inputs
    class ProducerInputs:
        pass


    @ik.outputs
    class ProducerOutputs:
        queue_name: ik.Out[str] = ik.out(export_name="EXPORT")


    class Producer(ik.Component[ProducerInputs, ProducerOutputs]):
        def build(self, inputs: ProducerInputs) -> ProducerOutputs:
            queue = self.add(sqs.Queue("Q"))
            return ProducerOutputs(queue_name=queue.attrs.queue_name)
    """
)

_CONSUMER = textwrap.dedent(
    """
    import infrakit as ik
    from infrakit.aws import sqs


    @ik.inputs
    class ConsumerInputs:
        queue_name: ik.Param[str]


    @ik.outputs
    class ConsumerOutputs:
        pass


    class Consumer(ik.Component[ConsumerInputs, ConsumerOutputs]):
        def build(self, inputs: ConsumerInputs) -> ConsumerOutputs:
            self.add(sqs.Queue("Q", queue_name=inputs.queue_name))
            return ConsumerOutputs()
    """
)


def test_a_producers_code_is_part_of_its_consumers_cache_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The consumer's template imports the export the producer's code names; the consumer's
    # package does not import the producer's, so only the wire can tell that it changed.
    for package, source in (("exportproducerpkg", _PRODUCER), ("exportconsumerpkg", _CONSUMER)):
        (tmp_path / "src" / package).mkdir(parents=True)
        (tmp_path / "src" / package / "__init__.py").write_text("")
        (tmp_path / "src" / package / "component.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    from exportconsumerpkg.component import Consumer, ConsumerInputs  # type: ignore[import-not-found]
    from exportproducerpkg.component import Producer  # type: ignore[import-not-found]

    out = tmp_path / "out"
    app = ik.App("exported", integration="exports")
    producer = app.add("producer", Producer)
    app.add("consumer", Consumer, ConsumerInputs(queue_name=producer.outputs.queue_name))
    app.synth(str(out))
    assert '"Fn::ImportValue": "EXPORT"' in (out / "consumer.template.json").read_text()
    cached: dict[str, bool] = {}
    app.synth(str(out), report=cached.__setitem__)
    assert cached == {"consumer": True, "producer": True}
    # A new process would import the renamed export: the consumer must be rendered again.
    component = tmp_path / "src" / "exportproducerpkg" / "component.py"
    component.write_text(_PRODUCER.replace('"EXPORT"', '"RENAMED"'))
    app.synth(str(out), report=cached.__setitem__)
    assert cached == {"consumer": False, "producer": False}


def test_a_component_without_a_source_file_is_never_taken_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Typed into `python -`, a notebook or exec: no file to digest, so a change of its build
    # would go unseen; it is rendered every time instead.
    module = types.ModuleType("sourcelesspolicymod")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    (tmp_path / "policy.json").write_text(json.dumps({"name": "first"}))
    source = _POLICY_COMPONENT.replace("Path(__file__).parent", f"Path({str(tmp_path)!r})")
    exec(compile(source, "<stdin>", "exec"), module.__dict__)
    out = tmp_path / "out"
    app = ik.App("policy")
    app.add("one", module.Policy)
    app.synth(str(out))
    cached: list[bool] = []
    app.synth(str(out), report=lambda _name, from_cache: cached.append(from_cache))
    assert cached == [False]
    first = manifest(out)["instances"]["one"]["cache_key"]
    app.synth(str(out))
    assert manifest(out)["instances"]["one"]["cache_key"] == first  # the manifest stays deterministic


def test_an_os_error_of_the_components_own_build_is_not_reported_as_writing_the_assembly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src" / "missingpolicypkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "component.py").write_text(_POLICY_COMPONENT)  # no policy.json beside it
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    from missingpolicypkg.component import Policy  # type: ignore[import-not-found]

    app = ik.App("policy")
    app.add("one", Policy)
    # The user's own error, its class and note kept: not "cannot write the assembly".
    with pytest.raises(FileNotFoundError, match=r"policy\.json") as caught:
        app.synth(str(tmp_path / "out"))
    assert "in instance 'one'" in "".join(getattr(caught.value, "__notes__", ()))


# --- bad output paths and failing disks through the API ---------------------------------


def test_an_output_directory_that_is_not_a_path_is_an_assembly_error() -> None:
    with pytest.raises(AssemblyError, match="must be a path"):
        small_app().synth(None)  # type: ignore[arg-type]


def test_only_given_one_name_as_a_str_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match=r"only=\['queue-dev'\]"):
        small_app().synth(str(tmp_path / "out"), only="queue-dev")  # type: ignore[arg-type]


@pytest.mark.parametrize("only", [5, [5], [["queue-dev"]]], ids=["int", "list-of-int", "list-of-list"])
def test_only_that_is_not_a_list_of_names_is_a_definition_error(tmp_path: Path, only: Any) -> None:
    with pytest.raises(DefinitionError, match="only takes"):
        small_app().synth(str(tmp_path / "out"), only=only)
    assert not (tmp_path / "out").exists()


def test_an_output_directory_under_a_file_is_an_assembly_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(AssemblyError, match="is a file, not a directory"):
        small_app().synth(str(tmp_path / "file" / "sub" / "out"))


def test_an_output_directory_in_a_symlink_loop_is_an_assembly_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(AssemblyError, match="symbolic link loop"):
        small_app().synth(str(tmp_path / "a" / "out"))


@pytest.mark.parametrize(
    ("code", "reason"), [(errno.ENOSPC, "no space left"), (errno.EROFS, "read-only"), (errno.EACCES, "permission")]
)
def test_a_full_or_read_only_disk_is_an_assembly_error_and_leaves_the_old_assembly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, reason: str
) -> None:
    import infrakit._assembly as assembly

    out = tmp_path / "out"
    small_app().synth(str(out))
    before = snapshot(out)

    def fail(path: str, data: bytes) -> None:
        raise OSError(code, os.strerror(code), path)

    monkeypatch.setattr(assembly, "_write_new", fail)
    with pytest.raises(AssemblyError, match=rf"cannot write the assembly .*{reason}"):
        small_app(retention={"dev": 9}).synth(str(out))
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
