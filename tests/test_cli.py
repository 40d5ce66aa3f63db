"""The ``infrakit`` command line, run as real subprocesses: ``python -m infrakit`` and the
console script installed next to the interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from _app_support import TESTS, comparable, manifest, sha256, snapshot

CONSOLE_SCRIPT = Path(sys.executable).parent / "infrakit"

APP_SOURCE = """
import infrakit as ik
from _app_support import Queue, QueueInputs, Topic, TopicInputs, Tagged, TaggedInputs

RETENTION = {retention}

app = ik.App("cli")
for env in ("dev", "prod"):
    queue = app.add(f"queue-{{env}}", Queue, QueueInputs(retention_days=RETENTION.get(env, 4)))
    app.add(f"topic-{{env}}", Topic, TopicInputs(queue_name=queue.outputs.queue_name))
dev = app.instances["queue-dev"]
app.add("tagged-dev", Tagged, TaggedInputs(names=dev.outputs.names, queue_name=dev.outputs.queue_name))

other = ik.App("other")
other.add("solo", Queue)

not_an_app = 42
"""


def write_app(directory: Path, retention: dict[str, int] | None = None, name: str = "app.py") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(APP_SOURCE.format(retention=retention or {})))
    return path


def infrakit(
    *args: str | Path, cwd: Path, console: bool = False, stderr_tty: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh process; the test support module is importable."""
    command = [str(CONSOLE_SCRIPT)] if console else [sys.executable, "-m", "infrakit"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [*command, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def assert_user_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("infrakit: error: "), done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


# --- synth ------------------------------------------------------------------------------------


def test_synth_a_file_target(tmp_path: Path) -> None:
    write_app(tmp_path)
    done = infrakit("synth", "app.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "infrakit.out"
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "queue-dev.template.json",
        "queue-prod.template.json",
        "tagged-dev.template.json",
        "topic-dev.template.json",
        "topic-prod.template.json",
    ]
    assert done.stdout == (
        "infrakit.out: 5 template(s) and manifest.json\n"
        "rendered: queue-dev, queue-prod, tagged-dev, topic-dev, topic-prod\n"
    )
    assert done.stderr == ""  # no progress: stderr is not a terminal


def test_synth_with_the_console_script_and_an_absolute_path(tmp_path: Path) -> None:
    app = write_app(tmp_path)
    done = infrakit("synth", app, "-o", tmp_path / "built", cwd=TESTS, console=True)
    assert done.returncode == 0, done.stderr
    assert manifest(tmp_path / "built")["app"] == "cli"


def test_synth_gives_the_same_bytes_as_app_synth(tmp_path: Path) -> None:
    from _app_support import small_app

    write_app(tmp_path)
    assert infrakit("synth", "app.py", "-o", "cli-out", cwd=tmp_path).returncode == 0
    # The CLI app has the same instances and inputs as small_app, but another app name.
    small_app("cli").synth(str(tmp_path / "api-out"))
    assert comparable(snapshot(tmp_path / "cli-out")) == comparable(snapshot(tmp_path / "api-out"))


def test_synth_a_package_module_target(tmp_path: Path) -> None:
    package = tmp_path / "cliapps"
    package.mkdir()
    (package / "__init__.py").write_text("")
    write_app(package, name="shop.py")
    done = infrakit("synth", "cliapps.shop", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert manifest(tmp_path / "out")["app"] == "cli"


def test_synth_a_file_inside_a_package(tmp_path: Path) -> None:
    package = tmp_path / "cliapps"
    package.mkdir()
    (package / "__init__.py").write_text("")
    write_app(package, name="shop.py")
    done = infrakit("synth", "cliapps/shop.py", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(manifest(tmp_path / "out")["instances"]) == 5


def test_synth_another_variable_with_colon_name(tmp_path: Path) -> None:
    write_app(tmp_path)
    done = infrakit("synth", "app.py:other", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = manifest(tmp_path / "out")
    assert result["app"] == "other" and list(result["instances"]) == ["solo"]


def test_synth_only_some_instances(tmp_path: Path) -> None:
    write_app(tmp_path)
    assert infrakit("synth", "app.py", "-o", "full", cwd=tmp_path).returncode == 0
    done = infrakit("synth", "app.py", "-o", "part", "--only", "topic-dev", "tagged-dev", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "part: 2 template(s) and manifest.json\nrendered: tagged-dev, topic-dev\n"
    part, full = snapshot(tmp_path / "part"), snapshot(tmp_path / "full")
    assert set(part) == {"manifest.json", "topic-dev.template.json", "tagged-dev.template.json"}
    for name in ("topic-dev.template.json", "tagged-dev.template.json"):
        assert part[name] == full[name]


def test_synth_yaml_format(tmp_path: Path) -> None:
    write_app(tmp_path)
    assert infrakit("synth", "app.py", "-o", "json-out", cwd=tmp_path).returncode == 0
    done = infrakit("synth", "app.py", "-o", "yaml-out", "--format", "yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "yaml-out"
    entries = manifest(out)["instances"]
    assert entries["topic-dev"]["template"] == "topic-dev.template.yaml"
    for name, entry in entries.items():
        path = out / entry["template"]
        assert entry["sha256"] == sha256(path)
        assert yaml.safe_load(path.read_text()) == json.loads(
            (tmp_path / "json-out" / f"{name}.template.json").read_text()
        )


def test_synth_with_two_jobs_writes_the_same_bytes(tmp_path: Path) -> None:
    write_app(tmp_path)
    assert infrakit("synth", "app.py", "-o", "one", cwd=tmp_path).returncode == 0
    done = infrakit("synth", "app.py", "-o", "two", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_synth_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    import pty

    write_app(tmp_path)
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "infrakit", "synth", "app.py", "--no-cache"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 0
    assert "synthesizing 5/5" in b"".join(chunks).decode()


def test_synth_quiet_prints_nothing(tmp_path: Path) -> None:
    write_app(tmp_path)
    done = infrakit("synth", "app.py", "--quiet", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


# --- ls and graph -----------------------------------------------------------------------------


def test_ls(tmp_path: Path) -> None:
    write_app(tmp_path)
    done = infrakit("ls", "app.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "queue-dev  _app_support:Queue",
        "topic-dev  _app_support:Topic  <- queue-dev",
        "queue-prod  _app_support:Queue",
        "topic-prod  _app_support:Topic  <- queue-prod",
        "tagged-dev  _app_support:Tagged  <- queue-dev",
    ]


def test_ls_json(tmp_path: Path) -> None:
    write_app(tmp_path)
    done = infrakit("ls", "app.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows == [
        {"name": "queue-dev", "component": "_app_support:Queue", "depends_on": []},
        {"name": "topic-dev", "component": "_app_support:Topic", "depends_on": ["queue-dev"]},
        {"name": "queue-prod", "component": "_app_support:Queue", "depends_on": []},
        {"name": "topic-prod", "component": "_app_support:Topic", "depends_on": ["queue-prod"]},
        {"name": "tagged-dev", "component": "_app_support:Tagged", "depends_on": ["queue-dev"]},
    ]


def test_graph_dot(tmp_path: Path) -> None:
    write_app(tmp_path)
    done = infrakit("graph", "app.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == 'digraph "cli" {' and lines[-1] == "}"
    assert '  "queue-dev" [label="queue-dev\\nQueue"];' in lines
    assert '  "queue-dev" -> "topic-dev" [label="queue_name"];' in lines
    assert '  "queue-dev" -> "tagged-dev" [label="names, queue_name"];' in lines
    assert '  "queue-prod" -> "topic-prod" [label="queue_name"];' in lines
    assert sum("->" in line for line in lines) == 3


def test_graph_mermaid(tmp_path: Path) -> None:
    write_app(tmp_path)
    done = infrakit("graph", "app.py", "--format", "mermaid", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "graph LR"
    assert '  queue_dev["queue-dev<br/>Queue"]' in lines
    assert "  queue_dev -->|queue_name| topic_dev" in lines
    assert "  queue_dev -->|names, queue_name| tagged_dev" in lines
    assert sum("-->" in line for line in lines) == 3


# --- diff ---------------------------------------------------------------------------------------


def _two_assemblies(tmp_path: Path) -> tuple[Path, Path]:
    write_app(tmp_path)
    assert infrakit("synth", "app.py", "-o", "old", cwd=tmp_path).returncode == 0
    write_app(tmp_path, retention={"dev": 9})
    assert infrakit("synth", "app.py", "-o", "new", cwd=tmp_path).returncode == 0
    return tmp_path / "old", tmp_path / "new"


def test_diff_json_lists_the_changed_producer_and_its_consumers(tmp_path: Path) -> None:
    old, new = _two_assemblies(tmp_path)
    done = infrakit("diff", old, new, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["changed"] == ["queue-dev"]
    assert result["affected"] == ["tagged-dev", "topic-dev"]
    assert result.get("removed", []) == []


def test_diff_text(tmp_path: Path) -> None:
    old, new = _two_assemblies(tmp_path)
    done = infrakit("diff", old, new, cwd=tmp_path, console=True)
    assert done.returncode == 0, done.stderr
    assert "changed: queue-dev" in done.stdout.splitlines()
    assert "affected: tagged-dev, topic-dev" in done.stdout.splitlines()


def test_diff_of_identical_assemblies_is_empty(tmp_path: Path) -> None:
    old, _new = _two_assemblies(tmp_path)
    done = infrakit("diff", old, old, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["changed"] == [] and result["affected"] == []


def test_diff_counts_an_added_instance_as_changed(tmp_path: Path) -> None:
    write_app(tmp_path)
    assert infrakit("synth", "app.py", "-o", "old", "--only", "queue-dev", cwd=tmp_path).returncode == 0
    assert infrakit("synth", "app.py", "-o", "new", cwd=tmp_path).returncode == 0
    result = json.loads(infrakit("diff", "old", "new", "--json", cwd=tmp_path).stdout)
    assert result["changed"] == ["queue-prod", "tagged-dev", "topic-dev", "topic-prod"]


# --- user errors ------------------------------------------------------------------------------


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    assert_user_error(infrakit("synth", "nowhere/app.py", cwd=tmp_path), "nowhere/app.py: no such file")


def test_missing_module_is_a_user_error(tmp_path: Path) -> None:
    assert_user_error(infrakit("ls", "no_such_module_here", cwd=tmp_path), "cannot import no_such_module_here")


def test_module_without_app_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "empty.py").write_text("x = 1\n")
    assert_user_error(infrakit("synth", "empty.py", cwd=tmp_path), "has no variable 'app'", "empty.py:NAME")


def test_unknown_variable_is_a_user_error(tmp_path: Path) -> None:
    write_app(tmp_path)
    assert_user_error(infrakit("ls", "app.py:nope", cwd=tmp_path), "has no variable 'nope'")


def test_variable_that_is_not_an_app_is_a_user_error(tmp_path: Path) -> None:
    write_app(tmp_path)
    assert_user_error(infrakit("synth", "app.py:not_an_app", cwd=tmp_path), "is a int, not an ik.App")


def test_wiring_error_while_loading_the_app_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        textwrap.dedent(
            """
            import infrakit as ik
            from _app_support import Queue, Topic, TopicInputs

            app = ik.App("bad")
            queue = app.add("queue", Queue)
            app.add("topic", Topic, TopicInputs(queue_name=queue.outputs.names))
            """
        )
    )
    assert_user_error(infrakit("synth", "bad.py", cwd=tmp_path), "TopicInputs.queue_name", "queue.names")


def test_an_exception_while_loading_the_app_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise RuntimeError('config service down')\n")
    assert_user_error(infrakit("ls", "broken.py", cwd=tmp_path), "RuntimeError: config service down")


def test_synth_error_is_a_user_error_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "secret.py").write_text(
        textwrap.dedent(
            """
            import infrakit as ik
            from _app_support import Tagged, TaggedInputs

            app = ik.App("secret")
            app.add("tagged", Tagged, TaggedInputs(names=["a"], queue_name="q", token="in clear"))
            """
        )
    )
    assert_user_error(infrakit("synth", "secret.py", cwd=tmp_path), "instance 'tagged'", "secret")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.py"]


def test_synth_into_a_foreign_directory_is_a_user_error(tmp_path: Path) -> None:
    write_app(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# keep\n")
    assert_user_error(infrakit("synth", "app.py", "-o", "docs", cwd=tmp_path), "refusing to replace it")
    assert (tmp_path / "docs" / "index.md").read_text() == "# keep\n"


def test_synth_only_an_unknown_instance_is_a_user_error(tmp_path: Path) -> None:
    write_app(tmp_path)
    assert_user_error(infrakit("synth", "app.py", "--only", "topic-dve", cwd=tmp_path), "did you mean `topic-dev`?")


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_synth_jobs_below_1_is_a_user_error(tmp_path: Path, jobs: str) -> None:
    write_app(tmp_path)
    assert_user_error(infrakit("synth", "app.py", "--jobs", jobs, cwd=tmp_path), "jobs must be", "at least 1")
    assert not (tmp_path / "infrakit.out").exists()


def test_an_exception_in_a_components_build_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text(
        textwrap.dedent(
            """
            import infrakit as ik
            from _app_support import Queue

            class Boom(Queue):
                def build(self, inputs):
                    raise KeyError("no such region")

            app = ik.App("boom")
            app.add("boom", Boom)
            """
        )
    )
    assert_user_error(infrakit("synth", "boom.py", cwd=tmp_path), "KeyError", "no such region")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boom.py"]


def test_synth_into_a_path_under_a_file_is_a_user_error(tmp_path: Path) -> None:
    write_app(tmp_path)
    (tmp_path / "notes.txt").write_text("keep\n")
    assert_user_error(infrakit("synth", "app.py", "-o", "notes.txt/out", cwd=tmp_path), "notes.txt")
    assert (tmp_path / "notes.txt").read_text() == "keep\n"


def test_synth_into_the_current_directory_is_a_user_error(tmp_path: Path) -> None:
    write_app(tmp_path)
    assert infrakit("synth", "app.py", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path / "infrakit.out")
    done = infrakit("synth", "../app.py", "-o", ".", cwd=tmp_path / "infrakit.out")
    assert_user_error(done, "current directory")
    assert snapshot(tmp_path / "infrakit.out") == before


@pytest.mark.parametrize("target", ["", ":app", ".", ".app"])
def test_a_target_naming_no_module_is_a_user_error(tmp_path: Path, target: str) -> None:
    assert_user_error(infrakit("ls", target, cwd=tmp_path), "names no module or file")


def test_synth_only_naming_an_instance_twice_counts_it_once(tmp_path: Path) -> None:
    write_app(tmp_path)
    done = infrakit("synth", "app.py", "--only", "queue-dev", "queue-dev", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == "infrakit.out: 1 template(s) and manifest.json\nrendered: queue-dev\n"


def test_diff_of_a_non_assembly_is_a_user_error(tmp_path: Path) -> None:
    old, _new = _two_assemblies(tmp_path)
    (tmp_path / "plain").mkdir()
    assert_user_error(infrakit("diff", old, tmp_path / "plain", cwd=tmp_path), "not an assembly")
    assert_user_error(infrakit("diff", tmp_path / "missing", old, "--json", cwd=tmp_path), "not an assembly")


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.py").write_text("x = 1\n")
    done = infrakit("--verbose", "synth", "empty.py", cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert done.stderr.rstrip().splitlines()[-1].startswith("infrakit: error: ")


def test_verbose_shows_the_traceback_of_a_wiring_error(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        "import infrakit as ik\nfrom _app_support import Queue\napp = ik.App('bad')\napp.add('q', Queue)\napp.add('Q', Queue)\n"
    )
    done = infrakit("-v", "ls", "bad.py", cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "DefinitionError" in done.stderr


def test_bad_usage_exits_2_with_usage(tmp_path: Path) -> None:
    done = infrakit("synth", cwd=tmp_path)
    assert done.returncode == 2
    assert "usage: infrakit" in done.stderr


@pytest.mark.parametrize("command", [["synth", "--help"], ["--help"]])
def test_help(tmp_path: Path, command: list[str]) -> None:
    done = infrakit(*command, cwd=tmp_path)
    assert done.returncode == 0 and "usage: infrakit" in done.stdout
