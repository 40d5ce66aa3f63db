"""App synthesis: 500 wired (network, service) pairs, infrakit vs troposphere.

Figures (issue 3):

- **cold**: a fresh interpreter (``python -c``) imports, defines the app and writes the
  1,000 templates and a manifest to a new temporary directory; infrakit
  (``bench_app_infrakit.make_app(500).synth(dir)``) and troposphere
  (``troposphere_app.write(dir, 500)``, the same templates) alternate, ``RUNS`` runs
  each, median. Wall time of the child (interpreter start-up included) and its time from
  its first line to the end (start-up excluded); peak memory is the child's ``ru_maxrss``.
  Target: infrakit <= 0.7x troposphere, <= 100 MB.
- **cold, jobs=2**: the same with ``synth(dir, jobs=2)``.
- **re-synthesis**: in one process, synth the 500 pairs, then synth again the app with
  one instance's inputs changed (a network, then a service), and with nothing changed.
  Target: <= 0.3 s.

**AWS CDK**, for scale: ``benchmarks/cdk/app.js`` writes the same templates with L1 constructs
(``npm install`` in ``benchmarks/cdk`` first; skipped, saying so, without node or the packages).

Both sides run from compiled bytecode. ``python benchmarks/bench_app.py [--runs N] [--pairs N]``;
``--profile`` also prints where the cold infrakit run spends its time (cProfile).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

PRELUDE = f"""
import time
_t0 = time.perf_counter()
import json, sys
sys.path.insert(0, {str(HERE)!r})
"""

INFRAKIT = (
    PRELUDE
    + """
from bench_app_infrakit import make_app
app = make_app({pairs})
app.synth({out!r}, jobs={jobs})
print(json.dumps({{"inside": time.perf_counter() - _t0}}))
"""
)

TROPOSPHERE = (
    PRELUDE
    + """
from pathlib import Path
import troposphere_app
troposphere_app.write(Path({out!r}), {pairs})
print(json.dumps({{"inside": time.perf_counter() - _t0}}))
"""
)

RESYNTH = (
    PRELUDE
    + """
import statistics
from bench_app_infrakit import make_app
out = {out!r}
t = time.perf_counter(); make_app({pairs}).synth(out); first = time.perf_counter() - t
figures = {{"first synth": [first]}}
for label, changed in (("one network changed", "network-7"), ("one service changed", "service-7"), ("nothing changed", None)):
    times = []
    for _ in range({runs}):
        make_app({pairs}).synth(out)  # back to the base assembly
        app = make_app({pairs}, changed=changed)
        t = time.perf_counter()
        app.synth(out)
        times.append(time.perf_counter() - t)
    figures[label] = times
print(json.dumps(figures))
"""
)


def run_child(code: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter: its wall time and the JSON it printed."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = child.communicate()
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{stderr}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def run_measured(code: str, env: dict[str, str] | None = None, cwd: str | None = None) -> dict[str, Any]:
    """Like :func:`run_child`, with the child's own ``ru_maxrss`` from ``wait4``; ``env`` and
    ``cwd``: the child's environment and directory (default: this process's)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=err, env=env, cwd=cwd)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"benchmark child failed:\n{err.read()}")
        result: dict[str, Any] = json.loads(out.read().strip().splitlines()[-1])
    result["wall"] = wall
    result["maxrss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return result


def cold(kind: str, pairs: int, jobs: int = 1, where: str | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-app-", dir=where) as tmp:
        out = str(Path(tmp) / "out")
        code = (INFRAKIT if kind == "infrakit" else TROPOSPHERE).format(pairs=pairs, out=out, jobs=jobs)
        result = run_measured(code)
        files = len(os.listdir(out))
        if files != 2 * pairs + 1:
            raise SystemExit(f"{kind} wrote {files} files, expected {2 * pairs + 1}")
        return result


def check_same_templates(pairs: int) -> None:
    """Both sides write the same template data (the byte layout may differ in key order)."""
    with tempfile.TemporaryDirectory(prefix="bench-app-check-") as tmp:
        a, b = Path(tmp) / "infrakit", Path(tmp) / "troposphere"
        run_child(INFRAKIT.format(pairs=pairs, out=str(a), jobs=1))
        run_child(TROPOSPHERE.format(pairs=pairs, out=str(b)))
        for path in sorted(a.glob("*.template.json")):
            if json.loads(path.read_text()) != json.loads((b / path.name).read_text()):
                raise SystemExit(f"{path.name}: infrakit and troposphere templates differ")


def profile(pairs: int, where: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-app-prof-", dir=where) as tmp:
        program, stats = Path(tmp) / "program.py", Path(tmp) / "stats"
        program.write_text(INFRAKIT.format(pairs=pairs, out=str(Path(tmp) / "out"), jobs=1))
        subprocess.run(
            [sys.executable, "-m", "cProfile", "-o", str(stats), str(program)], check=True, capture_output=True
        )
        import pstats

        print(f"\ncProfile of one cold infrakit run to {where or tempfile.gettempdir()} (by own time):")
        pstats.Stats(str(stats)).sort_stats("tottime").print_stats(30)


CDK = HERE / "cdk"


def cdk_figure(pairs: int, runs: int) -> None:
    """AWS CDK (L1 constructs, benchmarks/cdk/app.js) writing the same 1,000 templates, for
    scale; skipped, with the reason, where node or the npm packages are missing."""
    import shutil

    node = shutil.which("node")
    if node is None or not (CDK / "node_modules" / "aws-cdk-lib").is_dir():
        print("\nAWS CDK: skipped (needs node and `npm install` in benchmarks/cdk)")
        return
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-app-cdk-") as tmp:
            start = time.perf_counter()
            subprocess.run(
                [node, str(CDK / "app.js"), str(Path(tmp) / "out"), str(pairs)], check=True, capture_output=True
            )
            times.append(time.perf_counter() - start)
            written = len(list((Path(tmp) / "out").glob("*.template.json")))
            if written != 2 * pairs:
                raise SystemExit(f"CDK wrote {written} templates, expected {2 * pairs}")
    print(
        f"\nAWS CDK {json.loads((CDK / 'package.json').read_text())['dependencies']['aws-cdk-lib']} (L1 constructs), "
        f"{2 * pairs} templates to disk, cold `node` process, median of {runs}: {statistics.median(times):.3f} s wall"
    )


def cold_table(place: str, where: str | None, pairs: int, runs: int) -> None:
    samples: dict[str, list[dict[str, Any]]] = {"infrakit": [], "troposphere": [], "infrakit jobs=2": []}
    cold("infrakit", pairs, where=where)  # warm the OS file cache for both sides
    cold("troposphere", pairs, where=where)
    for _ in range(runs):
        samples["infrakit"].append(cold("infrakit", pairs, where=where))
        samples["troposphere"].append(cold("troposphere", pairs, where=where))
        samples["infrakit jobs=2"].append(cold("infrakit", pairs, jobs=2, where=where))

    def med(name: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[name])

    print(
        f"\ncold synthesis of {pairs} wired pairs ({2 * pairs} templates + manifest) to {where or tempfile.gettempdir()}"
        f" ({place}), median of {runs} runs:"
    )
    print(f"  {'':18} {'wall (s)':>9} {'in-process (s)':>15} {'peak RSS (MB)':>14} {'wall vs tropo':>14}")
    tropo_wall, tropo_inside = med("troposphere", "wall"), med("troposphere", "inside")
    for name in samples:
        wall, inside = med(name, "wall"), med(name, "inside")
        print(f"  {name:18} {wall:9.3f} {inside:15.3f} {med(name, 'maxrss_mb'):14.1f} {wall / tropo_wall:13.2f}x")
    ratio_wall = med("infrakit", "wall") / tropo_wall
    ratio_inside = med("infrakit", "inside") / tropo_inside
    memory = med("infrakit", "maxrss_mb")
    print(
        f"  target infrakit <= 0.7x troposphere: wall {ratio_wall:.2f}x, in-process {ratio_inside:.2f}x -> "
        f"{'met' if ratio_wall <= 0.7 else 'MISSED'}"
    )
    print(f"  target peak memory <= 100 MB: {memory:.1f} MB -> {'met' if memory <= 100 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    runs, pairs = max(3, args.runs), args.pairs

    # Compiled in a child: this process stays small, since a child's ru_maxrss counts the
    # memory it had as a fork of this process before exec.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "infrakit"), str(HERE)], check=True)
    check_same_templates(3)

    places = {"disk": None}
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        places["tmpfs"] = "/dev/shm"  # the same, without the file system's cost of creating 1,001 files
    for place, where in places.items():
        cold_table(place, where, pairs, runs)

    cdk_figure(pairs, runs)

    with tempfile.TemporaryDirectory(prefix="bench-app-resynth-") as tmp:
        figures = run_child(RESYNTH.format(pairs=pairs, out=str(Path(tmp) / "out"), runs=runs))
    print(f"\nre-synthesis in one process ({2 * pairs} instances; median of {runs}):")
    for label, times in figures.items():
        if label == "wall":
            continue
        value = statistics.median(times)
        verdict = "" if label == "first synth" else f"  target <= 0.3 s -> {'met' if value <= 0.3 else 'MISSED'}"
        print(f"  {label:22} {value:7.3f} s{verdict}")

    if args.profile:
        profile(pairs, places.get("tmpfs"))


if __name__ == "__main__":
    main()
