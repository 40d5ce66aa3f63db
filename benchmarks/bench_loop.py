"""The one-unit loop and the memory curve, infrakit vs troposphere (issue 15).

Figures, each side by side in one run, fresh interpreters, from compiled bytecode, on tmpfs
where the machine has one:

- **one wired pair**: ``make_app(1).synth(dir)`` (2 templates + manifest) vs troposphere
  writing the same two templates; minimum and median of ``--runs`` (wall time of the child,
  interpreter start-up included). Target: infrakit <= 0.6x troposphere.
- **one component, in memory**: ``python -c`` importing, defining and synthesizing the
  benchmark's network component to JSON text vs troposphere's same template. Target: <= 1x.
- **import infrakit**: ``-X importtime``'s cumulative figure for ``infrakit``, minimum of
  ``--runs``. Target: <= 30 ms.
- **the floor**: a fresh interpreter alone, and one that imports attrs (every component's inputs
  and outputs are attrs classes), against troposphere's one pair: no design-conforming
  synthesizer goes below it.
- **memory curve**: peak RSS (``ru_maxrss``) of a cold synthesis of 50 / 500 / 2,000 /
  10,000 pairs, both sides. Target: infrakit's 2,000-pair figure <= 1.3x its 50-pair figure.

infrakit runs two ways (``--install``): from a **wheel** installed into a directory of its own
(built from this checkout, put first on ``PYTHONPATH``: what a user runs, the cache key reading
the distribution's ``RECORD``), and from this **checkout** (the editable install: no ``RECORD``,
so the cache key hashes infrakit's 11 MB of source, on a thread beside the rendering).

``--profile`` also prints where the one-pair run spends its time (cProfile, cumulative,
infrakit's own functions and the imports), the figures README.md's issue-15 section quotes.

``python benchmarks/bench_loop.py [--runs N] [--curve 50,500,2000,10000] [--install wheel,checkout] [--profile]``
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_app import INFRAKIT, PRELUDE, TROPOSPHERE, run_measured  # noqa: E402

ONE_INFRAKIT = (
    PRELUDE
    + """
import infrakit as ik
from bench_app_infrakit import BenchNetwork, BenchNetworkInputs
text = ik.synth(BenchNetwork, BenchNetworkInputs()).to_json()
print(json.dumps({"inside": time.perf_counter() - _t0, "size": len(text)}))
"""
)

ONE_TROPOSPHERE = (
    PRELUDE
    + """
import troposphere_app
text = troposphere_app.network("10.0.0.0/16", "bench").to_json()
print(json.dumps({"inside": time.perf_counter() - _t0, "size": len(text)}))
"""
)


FLOOR = (
    PRELUDE
    + """
{imports}
print(json.dumps({{"inside": time.perf_counter() - _t0}}))
"""
)


def _where() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class Install(NamedTuple):
    """How a child runs infrakit: its environment and directory (``None``: this process's)."""

    env: dict[str, str] | None = None
    cwd: str | None = None


CHECKOUT = Install()


def _wheel_env(tmp: str) -> Install:
    """The environment of a child running infrakit from a wheel of this checkout, installed
    (and compiled) into ``tmp``: the way a user has it. (Such a child runs in ``tmp``: run in
    the checkout, ``-c``'s first import path, the current directory, would find its source.)"""
    wheels, site = Path(tmp) / "wheels", Path(tmp) / "site"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("infrakit-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(site)], check=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    where = subprocess.run(
        [sys.executable, "-c", "import infrakit; print(infrakit.__file__)"],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not where.startswith(str(site)):
        raise SystemExit(f"the wheel's infrakit is not the one imported ({where})")
    return Install(env, tmp)


def _pairs(kind: str, pairs: int, install: Install = CHECKOUT) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-loop-", dir=_where()) as tmp:
        out = str(Path(tmp) / "out")
        code = (INFRAKIT if kind == "infrakit" else TROPOSPHERE).format(pairs=pairs, out=out, jobs=1)
        return _run(code, install if kind == "infrakit" else CHECKOUT)


def _run(code: str, install: Install) -> dict[str, Any]:
    return run_measured(code, install.env, install.cwd)


def _import_ms(runs: int, install: Install) -> list[float]:
    found = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import infrakit"],
            capture_output=True,
            text=True,
            check=True,
            env=install.env,
            cwd=install.cwd,
        )
        line = [x for x in done.stderr.splitlines() if re.search(r"\|\s+infrakit$", x)][-1]
        found.append(int(line.split("|")[1]) / 1000)
    return found


def _profile_one_pair(install: Install, top: int = 25) -> None:
    """cProfile of one cold one-pair synthesis, in a child: the ``top`` entries by
    cumulative time (interpreter start-up aside)."""
    import pstats

    with tempfile.TemporaryDirectory(prefix="bench-loop-prof-", dir=_where()) as tmp:
        program, stats = Path(tmp) / "program.py", Path(tmp) / "stats"
        program.write_text(INFRAKIT.format(pairs=1, out=str(Path(tmp) / "out"), jobs=1))
        subprocess.run(
            [sys.executable, "-m", "cProfile", "-o", str(stats), str(program)],
            check=True,
            capture_output=True,
            env=install.env,
            cwd=install.cwd,
        )
        found = pstats.Stats(str(stats))
        total = max(v[3] for v in found.stats.values())  # type: ignore[attr-defined]
        print(f"\nprofile of one wired pair (cProfile, {total:.3f} s in all; cumulative):")
        rows = sorted(found.stats.items(), key=lambda kv: -kv[1][3])  # type: ignore[attr-defined]
        shown = 0
        for (file, line, name), (_cc, _nc, _tt, cumulative, _callers) in rows:
            if "infrakit" not in file and not name.startswith("<built-in method builtins.exec"):
                continue
            where = file.split("infrakit/", 1)[-1] if "infrakit/" in file else file
            print(f"  {cumulative * 1000:7.1f} ms  {where}:{line}({name})")
            shown += 1
            if shown == top:
                break


def _row(label: str, ik: list[float], tropo: list[float], unit: str = "s", side: str = "infrakit") -> None:
    a, b = min(ik), min(tropo)
    print(
        f"  {label:34} {side:8} {a:7.3f} {unit} (median {statistics.median(ik):.3f})   "
        f"troposphere {b:7.3f} {unit} (median {statistics.median(tropo):.3f})   ratio {a / b:5.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--curve", default="50,500,2000,10000")
    parser.add_argument("--install", default="wheel,checkout", help="how infrakit runs: wheel, checkout or both")
    parser.add_argument("--profile", action="store_true", help="also print a profile of the one-pair run")
    args = parser.parse_args()
    installs = [i for i in args.install.split(",") if i]
    if not installs or set(installs) - {"wheel", "checkout"}:
        parser.error("--install takes wheel, checkout or both (comma-separated)")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "infrakit"), str(HERE)], check=True)
    with tempfile.TemporaryDirectory(prefix="bench-loop-wheel-") as tmp:
        runs_of = {i: (_wheel_env(tmp) if i == "wheel" else CHECKOUT) for i in installs}
        print(f"one-unit loop, fresh processes, min (median) of {args.runs}, to {_where() or tempfile.gettempdir()}:")
        for install, how in runs_of.items():
            ik_pair, tr_pair, ik_one, tr_one = [], [], [], []
            for _ in range(args.runs):  # alternate, so load on the machine hits both sides alike
                ik_pair.append(_pairs("infrakit", 1, how)["wall"])
                tr_pair.append(_pairs("troposphere", 1)["wall"])
                ik_one.append(_run(ONE_INFRAKIT, how)["wall"])
                tr_one.append(run_measured(ONE_TROPOSPHERE)["wall"])
            print(f" infrakit from the {install}:")
            _row("one wired pair -> assembly", ik_pair, tr_pair)
            _row("one component -> JSON (python -c)", ik_one, tr_one)
            imports = _import_ms(args.runs, how)
            print(
                f"  import infrakit (-X importtime)     {min(imports):.1f} ms (median {statistics.median(imports):.1f})"
            )
            if args.profile:
                _profile_one_pair(how)

        # What no synthesizer built on the design can go below: the interpreter's start and
        # `import attrs` (components' inputs and outputs are attrs classes, DESIGN.md).
        floor, start, tr_pair = [], [], []
        for _ in range(args.runs):
            start.append(run_measured(FLOOR.format(imports=""))["wall"])
            floor.append(run_measured(FLOOR.format(imports="import attrs"))["wall"])
            tr_pair.append(_pairs("troposphere", 1)["wall"])
        print(" the floor, against troposphere's one wired pair:")
        _row("python -c (interpreter start)", start, tr_pair, side="floor")
        _row("python -c 'import attrs'", floor, tr_pair, side="floor")

        install, how = next(iter(runs_of.items()))
        print(f"\npeak RSS of a cold synthesis (MB), and wall time (s); infrakit from the {install}:")
        base = None
        for pairs in [int(p) for p in args.curve.split(",") if p]:
            ik, tr = _pairs("infrakit", pairs, how), _pairs("troposphere", pairs)
            base = base or ik["maxrss_mb"]
            print(
                f"  {pairs:6} pairs: infrakit {ik['maxrss_mb']:7.1f} MB {ik['wall']:7.2f} s "
                f"({ik['maxrss_mb'] / base:4.2f}x the first)   troposphere {tr['maxrss_mb']:7.1f} MB "
                f"{tr['wall']:7.2f} s   time ratio {ik['wall'] / tr['wall']:4.2f}x"
            )


if __name__ == "__main__":
    main()
