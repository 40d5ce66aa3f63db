"""Defining and synthesizing never imports the heavy, optional libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("boto3", "botocore", "cfnlint", "google.cloud.compute_v1", "hypothesis", "moto")


def imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True)
    return list(json.loads(out.stdout.splitlines()[-1]))


def test_importing_infrakit_and_service_modules_imports_nothing_heavy() -> None:
    modules = imported_after("import infrakit, infrakit.aws.ec2, infrakit.aws.s3, infrakit.aws.iam, infrakit.aws.sqs")
    assert [m for m in HEAVY if m in modules] == []


def test_importing_a_service_module_loads_only_that_service() -> None:
    modules = imported_after("import infrakit.aws.ec2")
    services = [m for m in modules if m.startswith("infrakit.aws.") and not m.split(".")[-1].startswith("_")]
    assert services == ["infrakit.aws.ec2"]


def test_synthesizing_an_app_imports_nothing_heavy(tmp_path: Path) -> None:
    code = f"import sys; sys.path.insert(0, 'examples')\nfrom shop.app import app\napp.synth({str(tmp_path / 'out')!r})"
    modules = imported_after(code)
    assert [m for m in HEAVY if m in modules] == []
    assert "infrakit.aws.ec2" in modules  # the probe did synthesize


def test_resource_policies_are_made_only_when_used() -> None:
    modules = imported_after("import infrakit.aws.ec2\ninfrakit.aws.ec2.Instance('Web', image_id='ami-1')")
    assert "infrakit.aws._policies" not in modules
    modules = imported_after("from infrakit.aws import CreationPolicy")
    assert "infrakit.aws._policies" in modules


def test_a_wrong_policy_value_is_refused_before_any_policy_class_is_made() -> None:
    code = (
        "import infrakit.aws.ec2, sys\n"
        "try:\n"
        "    infrakit.aws.ec2.Instance('Web', creation_policy={'ResourceSignal': {}})\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
        "print('infrakit.aws._policies' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    assert "PropertyTypeError" in out and "creation_policy takes a CreationPolicy(...)" in out
    assert out.splitlines()[-1] == "False"


def test_synthesizing_loads_no_catalogue_index_nor_unused_template_modules(tmp_path: Path) -> None:
    code = (
        "import infrakit as ik\n"
        "from infrakit.aws import sqs\n"
        "@ik.inputs\n"
        "class QueueInputs:\n"
        "    retention: int = 60\n"
        "@ik.outputs\n"
        "class QueueOutputs:\n"
        "    url: ik.Out[str]\n"
        "class Work(ik.Component[QueueInputs, QueueOutputs]):\n"
        "    def build(self, inputs):\n"
        "        queue = self.add(sqs.Queue('Work', message_retention_period=inputs.retention))\n"
        "        return QueueOutputs(url=queue.ref)\n"
        "app = ik.App('probe')\n"
        "app.add('work', Work, QueueInputs())\n"
        f"app.synth({str(tmp_path / 'out')!r})"
    )
    modules = imported_after(code)
    # A made class knows its schema's module: the index of every type (_types) is not loaded;
    # nor what this app does not use (template sections, policies).
    unused = ("infrakit.aws._types", "infrakit.aws.template", "infrakit.aws._policies")
    assert [m for m in unused if m in modules] == []
    assert "infrakit.aws._schemas.sqs" in modules  # the probe did check the schemas
    assert (tmp_path / "out" / "work.template.json").exists()
