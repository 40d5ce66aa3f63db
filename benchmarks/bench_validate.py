"""Schema validation: the built-in check vs cfn-lint, on synthesized templates.

1. 1,000 distinct templates synthesized from the example components (examples/shop:
   Network, Service, Monitoring, over a grid of their inputs), validated from their JSON
   text: by the built-in check (``infrakit.aws._schema.template_problems``, every one), by
   cfn-lint with its rules loaded once and shared (every one; what ``assert_contract(lint=True)``
   does), and by ``cfnlint.api.lint`` as documented, which reloads its rules on every call
   (a sample of ``LINT_SAMPLE`` templates: a full run would take a quarter of an hour).
2. The example components' property tests (examples/test_examples.py) at 100 examples
   each, as a user runs them: ``assert_contract`` with its defaults (built-in check, one
   second process per component for determinism), and with ``lint=True``.

Goal (issue 13): 1,000 templates in under 2 s, at least 50x faster than cfn-lint, no
schema finding lost (that last part: tools/schema_agreement.py).

Usage: ``.venv/bin/python benchmarks/bench_validate.py``
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples"), str(ROOT)]

LINT_SAMPLE = 15
LINTED_EXAMPLES = 100


def templates(count: int = 1000) -> list[str]:
    from shop.monitoring import Monitoring, MonitoringInputs
    from shop.network import Network, NetworkInputs
    from shop.service import Service, ServiceInputs

    import infrakit as ik

    made: list[str] = []
    for second in range(10):
        for az in range(1, 7):
            for env in ("dev", "prod"):
                made.append(
                    ik.synth(Network, NetworkInputs(cidr=f"10.{second}.0.0/16", az_count=az, environment=env)).to_json()
                )
    for days in range(1, 15):
        for versioned in (True, False):
            made.append(ik.synth(Service, ServiceInputs(retention_days=days, versioned=versioned)).to_json())
    depth = 1
    while len(made) < count:
        email = "ops@example.com" if depth % 2 else None
        made.append(ik.synth(Monitoring, MonitoringInputs(max_depth=depth, email=email)).to_json())
        depth += 1
    assert len(set(made)) == len(made) == count
    return made


def builtin(texts: list[str]) -> tuple[float, int]:
    from infrakit.aws._schema import template_problems

    start = time.perf_counter()
    found = sum(len(list(template_problems(json.loads(text)))) for text in texts)
    return time.perf_counter() - start, found


def cfn_lint(texts: list[str], shared_rules: bool) -> tuple[list[float], int]:
    """cfn-lint per template: ``cfnlint.api.lint`` as documented (it loads its rules on every
    call), or with its rules loaded once and shared (what ``assert_contract(lint=True)`` does,
    ``infrakit.aws._check.lint_with_shared_rules``: cfn-lint's best case)."""
    from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]

    from infrakit.aws._check import lint_with_shared_rules

    config = ManualArgs(regions=["us-east-1"])
    run = (
        (lambda text: lint_with_shared_rules(text, config))
        if shared_rules
        else (lambda text: lint(text, config=config))
    )
    run(texts[0])  # imports and schemas loaded outside the timing
    times, found = [], 0
    for text in texts:
        start = time.perf_counter()
        found += sum(1 for m in run(text) if m.rule.id[:1] in "EW")
        times.append(time.perf_counter() - start)
    return times, found


def _property_test(component: Any, inputs: Any, lint: bool, examples: int) -> Any:
    from hypothesis import HealthCheck, given, settings

    from infrakit.testing import assert_contract, strategies

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategies.inputs(inputs))
    def check(drawn: Any) -> None:
        assert_contract(component, drawn, lint=lint)

    return check


def property_tests(lint: bool, examples: int) -> dict[str, float]:
    import infrakit.testing._contract as contract

    sys.path.insert(0, str(ROOT / "examples"))
    from gcp_network import WebNetwork, WebNetworkInputs
    from shop.monitoring import Monitoring, MonitoringInputs
    from shop.network import Network, NetworkInputs
    from shop.service import Service, ServiceInputs

    results = {}
    for component, inputs in [
        (Network, NetworkInputs),
        (Service, ServiceInputs),
        (Monitoring, MonitoringInputs),
        (WebNetwork, WebNetworkInputs),
    ]:
        contract._CROSS_CHECKED.clear()

        start = time.perf_counter()
        _property_test(component, inputs, lint, examples)()
        results[component.__name__] = time.perf_counter() - start
    return results


def gcp() -> tuple[float, float, int]:
    """compute_v1's one-off import (fresh interpreter) and validating 200 distinct compute
    templates (examples/gcp_network.py over its inputs) per template."""
    import subprocess

    from gcp_network import WebNetwork, WebNetworkInputs

    import infrakit as ik

    snippet = "import time; t = time.perf_counter(); import google.cloud.compute_v1; print(time.perf_counter() - t)"
    imported = float(subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, check=True).stdout)
    from infrakit.gcp.validate import validate_template

    bodies = []
    for second in range(200):
        bodies.append(
            ik.synth(
                WebNetwork, WebNetworkInputs(cidr=f"10.{second % 250}.0.0/20", zone_suffix="abc"[second % 3])
            ).to_dict()
        )
    validate_template(bodies[0])
    start = time.perf_counter()
    for body in bodies:
        validate_template(body)
    return imported, (time.perf_counter() - start) / len(bodies), len(bodies)


def construction(rounds: int = 20000) -> tuple[float, float]:
    """Microseconds to create a resource (a VPC, a queue with two ranged properties, a bucket
    with a nested property type), with the construction-time schema check and without it
    (the classes rebuilt without the hook), best of three."""
    import timeit

    from infrakit.aws import _catalog, ec2, s3, sqs

    def make() -> None:
        ec2.VPC("Vpc", cidr_block="10.0.0.0/16", enable_dns_hostnames=True)
        sqs.Queue("Queue", message_retention_period=86400, visibility_timeout=30)
        s3.Bucket("Bucket", versioning_configuration=s3.Bucket.VersioningConfiguration(status="Enabled"))

    def rebuild() -> None:
        for module, name in ((ec2, "VPC"), (sqs, "Queue"), (s3, "Bucket")):
            vars(module).pop(name, None)

    def best() -> float:
        make()
        return min(timeit.repeat(make, number=rounds, repeat=3)) / (3 * rounds) * 1e6

    with_check = best()
    hook = vars(_catalog.AwsResource)["_given_check"]
    del _catalog.AwsResource._given_check
    rebuild()
    try:
        without = best()
    finally:
        _catalog.AwsResource._given_check = hook  # type: ignore[method-assign]
        rebuild()
    return with_check, without


def main() -> None:
    with_check, without = construction()
    print(f"construction: {with_check:.1f} us a resource with the schema check, {without:.1f} us without")
    texts = templates()
    builtin(texts[:20])  # warm: the schemas of the types used are parsed once per process
    runs = [builtin(texts) for _ in range(5)]
    seconds = statistics.median(t for t, _ in runs)
    step = len(texts) // LINT_SAMPLE
    sample = texts[::step][:LINT_SAMPLE]
    per_template = seconds / len(texts)
    lint_times, lint_found = cfn_lint(sample, shared_rules=False)
    per_lint = statistics.median(lint_times)
    print(
        f"cfnlint.api.lint: {per_lint * 1000:.0f} ms a template (median of {len(sample)}), {lint_found} problems; "
        f"1,000 templates ~ {per_lint * 1000:.0f} s; built-in is {per_lint / per_template:.0f}x faster"
    )
    lint_times, lint_found = cfn_lint(texts, shared_rules=True)
    total = sum(lint_times)
    print(
        f"cfn-lint, rules loaded once: {len(texts)} templates in {total:.1f} s ({total / len(texts) * 1000:.0f} ms "
        f"each), {lint_found} problems; built-in is {total / seconds:.0f}x faster"
    )
    print(
        f"built-in: {len(texts)} templates in {seconds:.3f} s ({seconds / len(texts) * 1000:.2f} ms each), "
        f"{runs[0][1]} problems"
    )
    imported, per_gcp, gcp_count = gcp()
    print(f"gcp: compute_v1 import {imported:.2f} s once; {per_gcp * 1000:.2f} ms a template ({gcp_count} templates)")
    quick = property_tests(lint=False, examples=100)
    print(
        "property tests, 100 examples each, built-in check (s): " + ", ".join(f"{k} {v:.1f}" for k, v in quick.items())
    )
    linted = property_tests(lint=True, examples=LINTED_EXAMPLES)
    print(
        f"property tests, {LINTED_EXAMPLES} examples each, lint=True (s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in linted.items())
    )


if __name__ == "__main__":
    main()
