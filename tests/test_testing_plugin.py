"""The pytest plugin: synth, standins and template_snapshot fixtures."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

COMPONENT = '''
import infrakit as ik
from infrakit.aws import sqs


@ik.inputs
class QueueInputs:
    retention: int = 60
    key_id: ik.Param[str]


@ik.outputs
class QueueOutputs:
    queue_url: ik.Out[str]


class Queue(ik.Component[QueueInputs, QueueOutputs]):
    """One queue."""

    def build(self, inputs):
        queue = self.add(sqs.Queue("Queue", message_retention_period=inputs.retention, kms_master_key_id=inputs.key_id))
        return QueueOutputs(queue_url=queue.ref)


class Unbound(ik.Component[QueueInputs, QueueOutputs]):
    def build(self, inputs):
        self.add(sqs.Queue("Queue", kms_master_key_id=inputs.key_id))
        return QueueOutputs()
'''


def run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    # The inner sessions need neither a cache nor hypothesis (whose plugin is slow to load).
    return project.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(component=COMPONENT)
    return pytester


def test_the_synth_fixture_returns_a_testing_template(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_queue="""
        from infrakit.testing import Template
        from component import Queue, QueueInputs

        def test_queue(synth):
            template = synth(Queue, QueueInputs(retention=120))
            assert isinstance(template, Template)
            template.has_resource_properties("AWS::SQS::Queue", {"MessageRetentionPeriod": 120})
        """
    )
    run(project).assert_outcomes(passed=1)


def test_the_synth_fixture_checks_the_contract_on_request(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_queue="""
        from component import Unbound

        def test_unbound(synth):
            synth(Unbound, contract=True)
        """
    )
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: Unbound with its default inputs: synthesis failed*queue_url*"])


LINT_DEFAULT = """
from infrakit.testing._contract import lint_by_default

def test_lint_default():
    print(f"lint by default: {lint_by_default()}")
"""


@pytest.mark.parametrize(
    ("args", "ini", "expected"),
    [((), "", False), (("--infrakit-lint",), "", True), ((), "[pytest]\ninfrakit_lint = true\n", True)],
    ids=["default", "option", "ini"],
)
def test_infrakit_lint_turns_cfn_lint_on_for_the_session(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], ini: str, expected: bool
) -> None:
    monkeypatch.delenv("INFRAKIT_LINT", raising=False)
    project.makepyfile(test_lint=LINT_DEFAULT)
    if ini:
        project.makeini(ini)
    result = run(project, "-s", *args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*lint by default: {expected}*"])


def test_the_standins_fixture_gives_values_for_wired_parameters(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_queue="""
        from component import Queue

        def test_standins(standins):
            assert list(standins(Queue)) == ["KeyId"]
        """
    )
    run(project).assert_outcomes(passed=1)


SNAPSHOT_TEST = """
import infrakit as ik
from component import Queue, QueueInputs

def test_queue_template(template_snapshot):
    assert template_snapshot == ik.synth(Queue, QueueInputs(retention={retention}))
"""


def test_a_template_snapshot_is_written_as_the_template_json(project: pytest.Pytester) -> None:
    project.makepyfile(test_queue=SNAPSHOT_TEST.format(retention=60))
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    written = project.path / "__snapshots__" / "test_queue" / "test_queue_template.template.json"
    import infrakit as ik

    project.syspathinsert()
    from component import Queue, QueueInputs  # type: ignore[import-not-found]

    assert written.read_text() == ik.synth(Queue, QueueInputs(retention=60)).to_json()
    assert json.loads(written.read_text())["Resources"]["Queue"]["Type"] == "AWS::SQS::Queue"


def test_an_unchanged_template_matches_its_snapshot(project: pytest.Pytester) -> None:
    project.makepyfile(test_queue=SNAPSHOT_TEST.format(retention=60))
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    run(project).assert_outcomes(passed=1)


def test_a_changed_template_fails_with_the_difference(project: pytest.Pytester) -> None:
    project.makepyfile(test_queue=SNAPSHOT_TEST.format(retention=60))
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    project.makepyfile(test_queue=SNAPSHOT_TEST.format(retention=90))
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*MessageRetentionPeriod*60*", "*MessageRetentionPeriod*90*"])


def test_a_missing_snapshot_fails_until_updated(project: pytest.Pytester) -> None:
    project.makepyfile(test_queue=SNAPSHOT_TEST.format(retention=60))
    run(project).assert_outcomes(failed=1)


def test_snapshot_update_rewrites_a_changed_template(project: pytest.Pytester) -> None:
    project.makepyfile(test_queue=SNAPSHOT_TEST.format(retention=60))
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    project.makepyfile(test_queue=SNAPSHOT_TEST.format(retention=90))
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    run(project).assert_outcomes(passed=1)
    written = project.path / "__snapshots__" / "test_queue" / "test_queue_template.template.json"
    assert '"MessageRetentionPeriod": 90' in written.read_text()


def test_the_template_snapshot_compares_testing_templates_too(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_queue="""
        from component import Queue

        def test_queue_template(template_snapshot, synth):
            assert template_snapshot == synth(Queue)
        """
    )
    run(project, "--snapshot-update").assert_outcomes(passed=1)
    run(project).assert_outcomes(passed=1)


def test_a_template_dict_is_snapshotted_as_infrakit_writes_it() -> None:
    from infrakit._synth import dumps_json
    from infrakit.testing._snapshot import template_text

    body = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Threshold": 1e-7}}}}
    assert template_text(body) == dumps_json(body).decode("utf-8")


def test_the_template_snapshot_without_syrupy_says_what_to_install(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_queue="""
        def test_queue_template(template_snapshot):
            pass
        """
    )
    result = run(project, "-p", "no:syrupy")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*template_snapshot fixture needs syrupy*infrakit?test?*"])
