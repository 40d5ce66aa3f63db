"""The synth-time schema check remembers a verdict of no problems for identical rendered
properties (``infrakit.aws._schema._PASSED``): the memo must be exact (a value the check could
tell apart never shares a verdict), bounded, and never hide a problem."""

from __future__ import annotations

import enum
import math
import os
from typing import Any

import pytest
from helpers import adding

import infrakit as ik
from infrakit.aws import _schema as schema_module
from infrakit.aws import s3, sqs
from infrakit.aws._schema import _verdict_key, schema_for
from infrakit.errors import SchemaError

QUEUE = schema_for("AWS::SQS::Queue")


@pytest.fixture(autouse=True)
def _memo_stays_consistent() -> Any:
    """A test that swaps the memo for its own leaves the real one, and its byte count, as
    they were (a count left too high would evict verdicts, or fail on an empty memo)."""
    yield
    assert schema_module._passed_bytes == sum(len(text) for _schema, text in schema_module._PASSED)


def _synth_one(*resources: Any) -> ik.Template:
    return ik.synth(adding(*(lambda r=r: r for r in resources), name="One"))


class _Text(str):
    pass


class _Colour(enum.Enum):
    RED = "red"


@pytest.mark.parametrize(
    "value",
    [
        {"A": (1, 2)},  # written as a JSON array, but not a list to the check
        {"A": math.nan},  # written as null
        {"A": math.inf},
        {"A": _Text("x")},
        {_Text("A"): "x"},
        {"A": _Colour.RED},
        {"A": [{"B": object()}]},
        {"A": [1, (2,)]},  # deeper down, in a list
        {"A": [{"B": math.nan}]},
        {"A": {"B": [_Text("x")]}},
        [1, 2],  # rendered properties are a dict
        {1: "x"},
        {"A": 2**64},  # beyond what orjson writes
    ],
)
def test_a_value_that_is_not_exactly_plain_json_has_no_verdict_key(value: Any) -> None:
    assert QUEUE is not None
    assert _verdict_key(QUEUE, value) is None


def test_values_the_check_tells_apart_have_different_keys() -> None:
    assert QUEUE is not None
    values = [{"A": 1}, {"A": 1.0}, {"A": True}, {"A": "1"}, {"A": None}, {"A": [1]}, {"A": {"B": 1}}]
    keys = [_verdict_key(QUEUE, v) for v in values]
    assert None not in keys
    assert len(set(keys)) == len(values)
    assert _verdict_key(QUEUE, {"A": [1, {"B": "x"}]}) == _verdict_key(QUEUE, {"A": [1, {"B": "x"}]})


def test_identical_resources_are_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    real = schema_module._problems

    def counting(schema: Any, properties: Any) -> list[str]:
        calls.append(properties)
        return real(schema, properties)

    monkeypatch.setattr(schema_module, "_problems", counting)
    monkeypatch.setattr(schema_module, "_PASSED", {})
    monkeypatch.setattr(schema_module, "_passed_bytes", 0)
    _synth_one(sqs.Queue("Q", message_retention_period=3600, delay_seconds=7))
    _synth_one(sqs.Queue("Other", message_retention_period=3600, delay_seconds=7))
    assert len(calls) == 1
    _synth_one(sqs.Queue("Q", message_retention_period=3600, delay_seconds=8))
    assert len(calls) == 2


def test_a_verdict_never_hides_a_problem_of_other_values() -> None:
    good = s3.Bucket("Logs", bucket_name="logs")
    _synth_one(good)
    _synth_one(good)  # now remembered
    bad = s3.Bucket("Logs", bucket_name="logs")
    bad.bucket_name = "UPPER"  # assigned later: checked at synth
    with pytest.raises(SchemaError, match=r"property `bucket_name` \(BucketName\)"):
        _synth_one(bad)
    with pytest.raises(SchemaError, match=r"property `bucket_name` \(BucketName\)"):  # a failure is not remembered
        _synth_one(bad)


def test_the_memo_is_bounded_by_count_and_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert QUEUE is not None
    monkeypatch.setattr(schema_module, "_PASSED", {})
    monkeypatch.setattr(schema_module, "_passed_bytes", 0)
    for i in range(schema_module._PASSED_MAX_COUNT + 50):
        key = _verdict_key(QUEUE, {"DelaySeconds": i})
        assert key is not None
        schema_module._remember_passed(key)
    assert len(schema_module._PASSED) == schema_module._PASSED_MAX_COUNT
    assert (QUEUE, b'{"DelaySeconds":0}') not in schema_module._PASSED  # the oldest went first
    big = "x" * (schema_module._PASSED_MAX_BYTES // 20)
    for i in range(40):
        key = _verdict_key(QUEUE, {"QueueName": f"{i}{big}"})
        assert key is not None
        schema_module._remember_passed(key)
    assert schema_module._passed_bytes <= schema_module._PASSED_MAX_BYTES
    assert schema_module._passed_bytes == sum(len(text) for _schema, text in schema_module._PASSED)
    assert _verdict_key(QUEUE, {"QueueName": "x" * schema_module._PASSED_MAX_BYTES}) is None  # too large to keep


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork exists on POSIX only")
def test_a_forked_worker_starts_with_the_memo_lock_free() -> None:
    """synth(jobs=...) forks workers: one forked while another thread held the lock must not
    inherit it held (it would wait for ever on its first check)."""
    with schema_module._PASSED_LOCK:
        pid = os.fork()
        if pid == 0:  # the child: exit 0 only if the lock can be taken
            os._exit(0 if schema_module._PASSED_LOCK.acquire(timeout=5) else 1)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
