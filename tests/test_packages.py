"""Component packages across versions: a platform team's package, built as wheels of two
versions and installed, consumed by an app through a helper module; the upgrade must
re-render exactly what uses the package (cache on == cache off), and ``infrakit diff``
must classify the contract changes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ENTRY_POINTS = """\
[infrakit.components]
queue = acme.queue:Queue
"""

QUEUE_V1 = '''\
"""A queue with the platform's defaults."""

import json
from pathlib import Path

import infrakit as ik
from infrakit.aws import sqs

DEFAULTS = Path(__file__).parent / "data" / "defaults.json"


@ik.inputs
class QueueInputs:
    name: str = "jobs"


@ik.outputs
class QueueOutputs:
    queue_url: ik.Out[str]
    queue_name: ik.Out[str]


class Queue(ik.Component[QueueInputs, QueueOutputs]):
    """A work queue."""

    def build(self, inputs: QueueInputs) -> QueueOutputs:
        defaults = json.loads(DEFAULTS.read_text())
        queue = self.add(sqs.Queue("Queue", queue_name=inputs.name, visibility_timeout=defaults["visibility"]))
        return QueueOutputs(queue_url=queue.ref, queue_name=queue.attrs.queue_name)
'''

# v2: renames queue_name -> name (breaking), adds arn (compatible), a new required input.
QUEUE_V2 = (
    QUEUE_V1.replace("    queue_name: ik.Out[str]\n", "    name: ik.Out[str]\n    arn: ik.Out[str]\n")
    .replace("queue_name=queue.attrs.queue_name)", "name=queue.attrs.queue_name, arn=queue.attrs.arn)")
    .replace('    name: str = "jobs"\n', '    name: str = "jobs"\n    owner: str\n')
)

NAMING = '''\
"""Naming helpers of the platform, from its data file."""

import json
from pathlib import Path


def display_name(url: str) -> str:
    prefix = json.loads((Path(__file__).parent / "data" / "defaults.json").read_text())["display"]
    return f"{prefix}-{len(url)}"
'''

PLATFORM = '''\
"""The app's one place that knows the platform package."""

from acme.naming import display_name
from acme.queue import Queue, QueueInputs

__all__ = ["Queue", "QueueInputs", "display_name"]
'''

JOBS = '''\
"""The consumer app: reaches the package only through app.platform."""

import infrakit as ik
from app import platform
from infrakit.aws import sns


@ik.inputs
class AlarmInputs:
    queue_url: ik.Param[str]


@ik.outputs
class AlarmOutputs:
    topic: ik.Out[str]


class Alarm(ik.Component[AlarmInputs, AlarmOutputs]):
    def build(self, inputs: AlarmInputs) -> AlarmOutputs:
        topic = self.add(sns.Topic("Topic", display_name=platform.display_name("x"), topic_name=inputs.queue_url))
        return AlarmOutputs(topic=topic.ref)


app = ik.App("jobs")
for env in ("dev", "prod"):
    q = app.add(f"queue-{env}", platform.Queue, platform.QueueInputs({inputs}))
    app.add(f"alarm-{env}", Alarm, AlarmInputs(queue_url=q.outputs.queue_url))
'''


def _run(*args: str, cwd: Path, site: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(cwd)]), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def _wheel(tmp: Path, version: str, queue_source: str, visibility: int) -> Path:
    """A real wheel (PEP 427: the package, its data file, py.typed, and a dist-info with
    METADATA, WHEEL, entry points and a RECORD of hashes), written directly: the machine's
    setuptools may lack the `wheel` command, and this needs no build backend."""
    files = {
        "acme/__init__.py": b"",
        "acme/py.typed": b"",
        "acme/queue.py": queue_source.encode(),
        "acme/naming.py": NAMING.encode(),
        "acme/data/defaults.json": json.dumps({"visibility": visibility, "display": f"d{visibility}"}).encode(),
    }
    info = f"acme_platform-{version}.dist-info"
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: acme-platform\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: infrakit-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{info}/entry_points.txt"] = ENTRY_POINTS.encode()
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = tmp / f"acme_platform-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


def _install(wheel: Path, site: Path) -> Path:
    """Install ``wheel`` into ``site``, replacing what was there (``pip install --target
    --upgrade`` would leave the old dist-info beside the new one, which a real environment's
    upgrade removes); the path stays the same, as in a virtual environment."""
    shutil.rmtree(site, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    return site


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("wheels")
    return {
        "1.0.0": _wheel(tmp, "1.0.0", QUEUE_V1, 30),
        # A release that changes only the package's data file.
        "1.0.1": _wheel(tmp, "1.0.1", QUEUE_V1, 45),
        "2.0.0": _wheel(tmp, "2.0.0", QUEUE_V2, 45),
    }


def _consumer(tmp: Path, inputs: str = "") -> Path:
    app_dir = tmp / "consumer"
    (app_dir / "app").mkdir(parents=True, exist_ok=True)
    (app_dir / "app" / "__init__.py").write_text("")
    (app_dir / "app" / "platform.py").write_text(PLATFORM)
    (app_dir / "app" / "jobs.py").write_text(JOBS.replace("{inputs}", inputs))
    return app_dir


def _files(directory: Path) -> dict[str, object]:
    """The assembly's files; the manifest as data without its cache keys (how an instance was
    looked up, not what was produced)."""
    files: dict[str, object] = {p.name: p.read_bytes() for p in sorted(directory.iterdir())}
    manifest = json.loads(files.pop("manifest.json"))  # type: ignore[arg-type]
    for entry in manifest["instances"].values():
        entry.pop("cache_key")
    files["manifest.json"] = manifest
    return files


def _synth(app_dir: Path, site: Path, out: str, *extra: str) -> None:
    _run("-m", "infrakit", "synth", "app/jobs.py", "-o", out, "-q", *extra, cwd=app_dir, site=site)


def test_an_upgrade_that_changes_only_package_data_re_renders_what_uses_it(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    app_dir = _consumer(tmp_path)
    site = _install(wheels["1.0.0"], tmp_path / "site")
    _synth(app_dir, site, "out")
    before = _files(app_dir / "out")
    site = _install(wheels["1.0.1"], tmp_path / "site")
    _synth(app_dir, site, "out")  # cache on
    _synth(app_dir, site, "fresh", "--no-cache")
    assert _files(app_dir / "out") == _files(app_dir / "fresh")
    after = _files(app_dir / "out")
    assert before["queue-dev.template.json"] != after["queue-dev.template.json"]
    # The alarm's component lives in the app and reaches the package only through
    # app.platform, two imports deep: it is re-rendered too.
    assert before["alarm-dev.template.json"] != after["alarm-dev.template.json"]
    # The manifest says which package version made each template.
    entries = json.loads((app_dir / "out" / "manifest.json").read_text())["instances"]
    assert entries["queue-dev"]["provenance"]["package"] == {"name": "acme-platform", "version": "1.0.1"}
    assert "package" not in entries["alarm-dev"]["provenance"]
    assert entries["alarm-dev"]["provenance"]["infrakit"]


def test_a_major_upgrade_reports_breaking_and_compatible_contract_changes(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    app_dir = _consumer(tmp_path)
    site = _install(wheels["1.0.0"], tmp_path / "site")
    _synth(app_dir, site, "v1")
    site = _install(wheels["2.0.0"], tmp_path / "site")
    _consumer(tmp_path, inputs='owner="team-a"')  # the app now gives the new required input
    _synth(app_dir, site, "v1-upgraded-cache")  # written from scratch: a new directory
    (app_dir / "v2").mkdir()
    _synth(app_dir, site, "v2")
    _synth(app_dir, site, "v2-fresh", "--no-cache")
    assert _files(app_dir / "v2") == _files(app_dir / "v2-fresh")

    done = _run("-m", "infrakit", "diff", "v1", "v2", "--json", cwd=app_dir, site=site)
    contract = json.loads(done.stdout)["contract"]
    dev = {(c["kind"], c["name"]): c for c in contract if c["instance"] == "queue-dev"}
    assert dev[("output-removed", "queue_name")]["breaking"] is True
    assert dev[("output-added", "name")]["breaking"] is False
    assert dev[("output-added", "arn")]["breaking"] is False
    assert dev[("input-added", "owner")]["breaking"] is True
    assert ("output-removed", "queue_url") not in dev
    # Nobody wired queue_name, so no consumer is named; the alarms are unaffected by it.
    assert "consumers" not in dev[("output-removed", "queue_name")]

    failing = _run("-m", "infrakit", "diff", "v1", "v2", "--fail-on-breaking", cwd=app_dir, site=site, check=False)
    assert failing.returncode == 1
    assert "BREAKING" in failing.stdout and "breaking contract change" in failing.stderr
    compatible = _run("-m", "infrakit", "diff", "v2", "v2-fresh", "--fail-on-breaking", cwd=app_dir, site=site)
    assert compatible.returncode == 0


def test_installed_packages_list_their_components(wheels: dict[str, Path], tmp_path: Path) -> None:
    site = _install(wheels["1.0.0"], tmp_path / "site")
    done = _run("-m", "infrakit", "describe", "--installed", "--json", cwd=tmp_path, site=site)
    described = {d["component"]: d for d in json.loads(done.stdout)}
    queue = described["acme.queue:Queue"]
    assert queue["package"] == {"name": "acme-platform", "version": "1.0.0"}
    assert [o["name"] for o in queue["outputs"]] == ["queue_url", "queue_name"]
    assert queue["inputs"] == [
        {"name": "name", "type": "str", "deploy_time": False, "required": False, "default": "jobs"}
    ]
    text = _run("-m", "infrakit", "describe", "--installed", cwd=tmp_path, site=site).stdout
    assert "acme.queue:Queue  [acme-platform 1.0.0]" in text


def test_the_package_ships_py_typed(wheels: dict[str, Path]) -> None:
    assert "acme/py.typed" in zipfile.ZipFile(wheels["1.0.0"]).namelist()


def test_rewiring_a_consumer_to_another_output_is_a_change(tmp_path: Path) -> None:
    """Wiring-only change: the consumer's template is identical (same parameter), but what the
    deployer passes differs, so diff names the consumer."""
    app = textwrap.dedent(
        """\
        import infrakit as ik
        from infrakit.aws import sqs, sns

        @ik.inputs
        class QIn:
            pass

        @ik.outputs
        class QOut:
            url: ik.Out[str]
            arn: ik.Out[str]

        class Q(ik.Component[QIn, QOut]):
            def build(self, inputs: QIn) -> QOut:
                q = self.add(sqs.Queue("Queue"))
                return QOut(url=q.ref, arn=q.attrs.arn)

        @ik.inputs
        class TIn:
            value: ik.Param[str]

        @ik.outputs
        class TOut:
            topic: ik.Out[str]

        class T(ik.Component[TIn, TOut]):
            def build(self, inputs: TIn) -> TOut:
                return TOut(topic=self.add(sns.Topic("Topic", display_name=inputs.value)).ref)

        app = ik.App("rewire")
        q = app.add("q", Q, QIn())
        app.add("t", T, TIn(value=q.outputs.FIELD))
        """
    )
    (tmp_path / "rewire.py").write_text(app.replace("FIELD", "url"))
    _run("-m", "infrakit", "synth", "rewire.py", "-o", "old", "-q", cwd=tmp_path, site=tmp_path)
    (tmp_path / "rewire.py").write_text(app.replace("FIELD", "arn"))
    _run("-m", "infrakit", "synth", "rewire.py", "-o", "new", "-q", cwd=tmp_path, site=tmp_path)
    assert (tmp_path / "old" / "t.template.json").read_bytes() == (tmp_path / "new" / "t.template.json").read_bytes()
    result = json.loads(_run("-m", "infrakit", "diff", "old", "new", "--json", cwd=tmp_path, site=tmp_path).stdout)
    assert result["changed"] == ["t"]
    assert result["contract"] == []


# --- renaming an output without a flag day ---------------------------------------------------

ALIASED = textwrap.dedent(
    """\
    import infrakit as ik
    from infrakit.aws import sqs, sns

    @ik.inputs
    class QIn:
        pass

    @ik.outputs
    class QOut:
        OUTPUTS

    class Q(ik.Component[QIn, QOut]):
        def build(self, inputs: QIn) -> QOut:
            return QOut(BIND=self.add(sqs.Queue("Queue")).ref)

    @ik.inputs
    class TIn:
        value: ik.Param[str]

    @ik.outputs
    class TOut:
        topic: ik.Out[str]

    class T(ik.Component[TIn, TOut]):
        def build(self, inputs: TIn) -> TOut:
            return TOut(topic=self.add(sns.Topic("Topic", display_name=inputs.value)).ref)

    app = ik.App("rename")
    q = app.add("q", Q, QIn())
    app.add("t", T, TIn(value=q.outputs.WIRED))
    """
)


def _release(tmp_path: Path, out: str, outputs: str, bind: str, wired: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "rename.py").write_text(
        ALIASED.replace("OUTPUTS", outputs).replace("BIND", bind).replace("WIRED", wired)
    )
    return _run("-W", "always", "-m", "infrakit", "synth", "rename.py", "-o", out, cwd=tmp_path, site=tmp_path)


def test_a_renamed_output_keeps_its_former_name_as_an_alias_for_a_release(tmp_path: Path) -> None:
    _release(tmp_path, "v1", "queue_url: ik.Out[str]", "queue_url", "queue_url")
    # v2 renames queue_url -> url, keeping the alias; the consumer is not yet updated.
    done = _release(tmp_path, "v2", 'url: ik.Out[str] = ik.out(aliases=["queue_url"])', "url", "queue_url")
    assert "output `queue_url` was renamed `url`" in done.stderr and "DeprecatedOutputWarning" in done.stderr
    template = json.loads((tmp_path / "v2" / "q.template.json").read_text())
    assert template["Outputs"]["Url"]["Value"] == template["Outputs"]["QueueUrl"]["Value"] == {"Ref": "Queue"}
    consumer = json.loads((tmp_path / "v2" / "manifest.json").read_text())["instances"]["t"]
    assert consumer["parameters"]["Value"]["from"] == {"instance": "q", "output": "Url"}
    diff = json.loads(_run("-m", "infrakit", "diff", "v1", "v2", "--json", cwd=tmp_path, site=tmp_path).stdout)
    assert [(c["kind"], c["name"], c["breaking"]) for c in diff["contract"]] == [("output-added", "url", False)]
    assert _run("-m", "infrakit", "diff", "v1", "v2", "--fail-on-breaking", cwd=tmp_path, site=tmp_path).returncode == 0

    # v3 drops the alias: breaking, and it names the consumer that was wired through it in v1.
    _release(tmp_path, "v3", "url: ik.Out[str]", "url", "url")
    diff = json.loads(_run("-m", "infrakit", "diff", "v1", "v3", "--json", cwd=tmp_path, site=tmp_path).stdout)
    removed = [c for c in diff["contract"] if c["kind"] == "output-removed"]
    assert removed == [
        {
            "instance": "q",
            "kind": "output-removed",
            "name": "queue_url",
            "breaking": True,
            "detail": "was str",
            "consumers": ["t"],
        }
    ]


def test_an_alias_may_not_shadow_another_output() -> None:
    import infrakit as ik
    from infrakit.errors import DefinitionError

    with pytest.raises(DefinitionError, match=r"alias `arn` is already the name of output `arn`"):

        @ik.outputs
        class Outs:
            url: ik.Out[str] = ik.out(aliases=["arn"])
            arn: ik.Out[str]


# --- stand-in shapes declared by the producer ------------------------------------------------


def test_a_producer_declares_the_stand_in_shape_of_its_outputs_for_every_consumer() -> None:
    import infrakit as ik
    from infrakit.aws import fn, sns, sqs
    from infrakit.testing import standins

    @ik.inputs
    class QIn:
        pass

    @ik.outputs
    class QOut:
        url: ik.Out[str] = ik.out(standin="https://sqs.us-east-1.amazonaws.com/123456789012/jobs")
        port: ik.Out[int] = ik.out(standin=lambda name: 5432)
        plain: ik.Out[str]

    class Q(ik.Component[QIn, QOut]):
        def build(self, inputs: QIn) -> QOut:
            queue = self.add(sqs.Queue("Queue"))
            return QOut(url=queue.ref, port=5432, plain=queue.attrs.arn)

    @ik.inputs
    class CIn:
        url: ik.Param[str]
        port: ik.Param[int]
        plain: ik.Param[str]

    @ik.outputs
    class COut:
        topic: ik.Out[str]

    class C(ik.Component[CIn, COut]):
        def build(self, inputs: CIn) -> COut:
            topic = self.add(sns.Topic("Topic", display_name=inputs.url, topic_name=inputs.plain))
            self.add(sns.Topic("Other", display_name=fn.sub("${P}", {"P": inputs.port})))
            return COut(topic=topic.ref)

    app = ik.App("standins")
    q = app.add("q", Q, QIn())
    c = app.add("c", C, CIn(url=q.outputs.url, port=q.outputs.port, plain=q.outputs.plain))
    values = standins(C, c.inputs)
    assert values["Url"] == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    assert values["Port"] == 5432
    assert values["Plain"] != "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"  # derived as before


def test_an_app_can_carry_provenance_in_each_template_s_metadata(tmp_path: Path) -> None:
    import infrakit as ik
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

    plain = ik.App("plain")
    plain.add("q", Q, QIn())
    plain.synth(str(tmp_path / "plain"))
    assert "Metadata" not in json.loads((tmp_path / "plain" / "q.template.json").read_text())

    noted = ik.App("noted", provenance_in_templates=True)
    noted.add("q", Q, QIn())
    manifest = noted.synth(str(tmp_path / "noted"))
    template = json.loads((tmp_path / "noted" / "q.template.json").read_text())
    assert template["Metadata"]["infrakit:provenance"] == manifest["instances"]["q"]["provenance"]
    assert template["Metadata"]["infrakit:provenance"]["infrakit"] == ik.__version__

    # Turning it off re-renders the template (the option is part of the cache key).
    again = ik.App("noted")
    again.add("q", Q, QIn())
    again.synth(str(tmp_path / "noted"))
    assert "Metadata" not in json.loads((tmp_path / "noted" / "q.template.json").read_text())


def test_the_python_api_gives_the_contract_view_and_descriptions(tmp_path: Path) -> None:
    import infrakit as ik

    _release(tmp_path, "v1", "queue_url: ik.Out[str]", "queue_url", "queue_url")
    _release(tmp_path, "v3", "url: ik.Out[str]", "url", "url")
    result = ik.diff(tmp_path / "v1", tmp_path / "v3")
    assert [(c.kind, c.name, c.consumers) for c in result.breaking] == [("output-removed", "queue_url", ("t",))]
    assert result.changed == ["q", "t"]

    from infrakit.aws import sqs

    @ik.inputs
    class QIn:
        name: str = "jobs"
        secret: ik.Param[str] = ik.param(secret=True, default="hunter2", description="a token")

    @ik.outputs
    class QOut:
        url: ik.Out[str] = ik.out(description="The URL")

    class Q(ik.Component[QIn, QOut]):
        """A queue."""

        def build(self, inputs: QIn) -> QOut:
            return QOut(url=self.add(sqs.Queue("Queue", queue_name=inputs.secret)).ref)

    described = ik.describe(Q)
    assert described["description"] == "A queue."
    assert described["outputs"] == [{"name": "url", "type": "str", "description": "The URL"}]
    secret = described["inputs"][1]
    assert secret["secret"] is True and secret["default"] == "<secret>" and "hunter2" not in json.dumps(described)
