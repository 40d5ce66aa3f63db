"""GCP deploy speed on infrakit's local Compute server: first deploy and no-op redeploy of
20 instances (examples/gcp_network.py's WebNetwork, 6 resources each: 120 resources),
--jobs 1 vs --jobs 8.

Run: ``.venv/bin/python benchmarks/bench_deploy_gcp.py``

The server (``infrakit.testing.compute_server``) runs in a child process, so this process's
CPU time is the deployer's own (infrakit + google-cloud-compute's REST clients). Each
--jobs value deploys to a fresh project, so every first deploy creates every resource.
Reported: wall time, CPU time, the no-op redeploy's CPU per unchanged resource (goal:
under 50 ms) and the speed-up of --jobs 8 over --jobs 1.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples")]

INSTANCES = 20
SERVER = """
import sys
from infrakit.testing import compute_server
with compute_server() as server:
    print(server.endpoint, flush=True)
    sys.stdin.read()
"""


def _app():
    from gcp_network import WebNetwork, WebNetworkInputs

    import infrakit as ik

    app = ik.App("bench")
    for i in range(INSTANCES):
        app.add(f"web-{i:02d}", WebNetwork, WebNetworkInputs(prefix="web", region="europe-west1"))
    return app


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    import infrakit as ik
    from infrakit._deploy import DeploySettings

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert server.stdout is not None
    endpoint = server.stdout.readline().strip()
    resources = INSTANCES * 6
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = str(Path(tmp) / "out")
            _app().synth(out)
            # Warm up: imports and first client construction are not part of either run.
            warm = DeploySettings(project="bench-warm", gcp_endpoint=endpoint)
            ik.deploy(out, yes=True, jobs=1, only=["web-00"], settings=warm)
            for jobs in (1, 8):
                settings = DeploySettings(project=f"bench-jobs-{jobs}", gcp_endpoint=endpoint)
                first, wall, cpu = _timed(lambda s=settings, j=jobs: ik.deploy(out, yes=True, jobs=j, settings=s))
                assert {r.status for r in first.instances.values()} == {"created"}, first
                again, wall2, cpu2 = _timed(lambda s=settings, j=jobs: ik.deploy(out, yes=True, jobs=j, settings=s))
                assert {r.status for r in again.instances.values()} == {"unchanged"}, again
                rows.append((jobs, wall, cpu, wall2, cpu2))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)
    print(f"{INSTANCES} instances, {resources} resources (local Compute server in a child process)")
    print(
        f"{'jobs':>4} | {'deploy wall':>11} | {'deploy CPU':>10} | {'no-op wall':>10} | {'no-op CPU':>9} | CPU/resource"
    )
    for jobs, wall, cpu, wall2, cpu2 in rows:
        print(
            f"{jobs:>4} | {wall:>10.2f}s | {cpu:>9.2f}s | {wall2:>9.2f}s | {cpu2:>8.2f}s | "
            f"{cpu2 / resources * 1000:.1f} ms"
        )
    (_j1, w1, _c1, n1, _n1), (_j8, w8, _c8, n8, _n8) = rows
    print(f"speed-up of --jobs 8 over --jobs 1: deploy {w1 / w8:.2f}x, no-op redeploy {n1 / n8:.2f}x")


if __name__ == "__main__":
    main()
