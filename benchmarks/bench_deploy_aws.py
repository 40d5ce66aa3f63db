"""Deploy speed on moto: first deploy and no-op redeploy, --jobs 1 vs --jobs 8.

Run: ``.venv/bin/python benchmarks/bench_deploy_aws.py``

Two apps: examples/shop (6 stacks, 3 levels of wiring, 2 environments) and 50 independent
instances (one SQS queue each). moto's server (taught by ``tests/_moto.py``) runs in a child
process, so this process's CPU time is the deployer's own (infrakit + boto3): its share of the
wall time is reported. Each app is deployed under a fresh name per run, so every first
deploy creates stacks; each figure is the median of three runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "examples")]

REPEAT = 3

SERVER = """
import sys, time
sys.path.insert(0, {tests!r})
import _moto
from moto.core.responses import BaseResponse

if {latency!r}:  # a round-trip to a real endpoint: the request waits, the GIL is free
    call_action = BaseResponse.call_action

    def slow(self):
        time.sleep({latency!r})
        return call_action(self)

    BaseResponse.call_action = slow
with _moto.moto_server() as endpoint:
    print(endpoint, flush=True)
    sys.stdin.read()
"""


def _shop(name: str) -> Any:
    from shop.monitoring import Monitoring, MonitoringInputs
    from shop.network import Network, NetworkInputs
    from shop.service import Service, ServiceInputs

    import infrakit as ik

    config = ROOT / "examples" / "shop" / "config"
    app = ik.App(name)
    for env in ("dev", "prod"):
        net = app.add(f"network-{env}", Network, ik.load_inputs(NetworkInputs, config / f"{env}.yaml", key="network"))
        svc = app.add(
            f"service-{env}",
            Service,
            ServiceInputs(vpc_id=net.outputs.vpc_id, subnet_ids=net.outputs.subnet_ids),
        )
        app.add(f"monitoring-{env}", Monitoring, MonitoringInputs(queue_name=svc.outputs.queue_name))
    return app


def _many(name: str, count: int = 50) -> Any:
    from _app_support import Queue, QueueInputs

    import infrakit as ik

    app = ik.App(name)
    for i in range(count):
        app.add(f"queue-{i:02d}", Queue, QueueInputs(retention_days=1 + i % 14))
    return app


def _timed(directory: Path, jobs: int) -> tuple[float, float, dict[str, str]]:
    import infrakit as ik

    wall, cpu = time.perf_counter(), time.process_time()
    result = ik.deploy(directory, yes=True, jobs=jobs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    statuses = {n: r.status for n, r in result.instances.items()}
    assert result.ok, {n: r.message for n, r in result.instances.items() if r.status != "created"}
    return wall, cpu, statuses


def measure(latency: float, repeat: int) -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(tests=str(ROOT / "tests"), latency=latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        endpoint = server.stdout.readline().strip()
        import _moto

        os.environ.update(_moto.DUMMY_ENV)
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        # The one-time cost of a run's first deploy: importing boto3 and making its clients
        # (cached for the process), measured apart from the deploys.
        cpu = time.process_time()
        from infrakit.aws._deploy import AwsDeployer

        AwsDeployer()
        setup_cpu = time.process_time() - cpu
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            # moto loads each service's backend on its first request: warm them up first.
            _shop("warm-up").synth(Path(tmp) / "warm")
            _timed(Path(tmp) / "warm", 8)
            for label, make, count in (("shop (6 stacks)", _shop, 6), ("50 independent", _many, 50)):
                for jobs in (1, 8):
                    runs = []
                    for attempt in range(repeat):  # the median of a few runs: the machine is shared
                        directory = Path(tmp) / f"{make.__name__}-{jobs}-{attempt}"
                        make(f"bench-{make.__name__.strip('_')}-{jobs}-{attempt}").synth(directory)
                        first, first_cpu, statuses = _timed(directory, jobs)
                        assert set(statuses.values()) == {"created"}, statuses
                        noop, noop_cpu, statuses = _timed(directory, jobs)
                        assert set(statuses.values()) == {"unchanged"}, statuses
                        runs.append((first, first_cpu, noop, noop_cpu))
                    medians = [statistics.median(r[i] for r in runs) for i in range(4)]
                    rows.append((label, jobs, count, *medians))
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)

    print(f"\n### moto, {1000 * latency:.0f} ms added per request (median of {repeat})")
    print(f"boto3 import + clients (once per process): {1000 * setup_cpu:.0f} ms CPU")
    print(
        f"{'app':<16} {'jobs':>4} {'first s':>8} {'no-op s':>8} {'no-op/inst ms':>13} "
        f"{'no-op/first':>11} {'CPU share first':>15} {'CPU share no-op':>15} {'CPU ms/inst no-op':>17}"
    )
    for label, jobs, count, first, first_cpu, noop, noop_cpu in rows:
        print(
            f"{label:<16} {jobs:>4} {first:>8.2f} {noop:>8.2f} {1000 * noop / count:>13.1f} "
            f"{noop / first:>11.2f} {first_cpu / first:>15.0%} {noop_cpu / noop:>15.0%} "
            f"{1000 * noop_cpu / count:>17.1f}"
        )
    by = {(r[0], r[1]): r for r in rows}
    for label in ("shop (6 stacks)", "50 independent"):
        one, eight = by[(label, 1)], by[(label, 8)]
        print(
            f"{label}: --jobs 8 speed-up {one[3] / eight[3]:.2f}x first deploy, {one[5] / eight[5]:.2f}x no-op; "
            f"no-op (--jobs 8) / sequential first deploy = {eight[5] / one[3]:.2f}"
        )


def main() -> None:
    measure(0.0, REPEAT)
    # moto answers in a few ms; CloudFormation's API takes tens of ms per call (and minutes per
    # stack operation), which is what the threads overlap.
    measure(0.05, 1)


if __name__ == "__main__":
    main()
