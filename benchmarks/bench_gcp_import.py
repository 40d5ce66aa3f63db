"""Import cost: ``infrakit.gcp.compute`` vs ``google.cloud.compute_v1``.

Each figure is the in-process time of the import statement, measured in a fresh
interpreter (interpreter start-up excluded for both), median of RUNS runs, alternating
the two. Both import from compiled bytecode, as users have them: infrakit's is compiled
here first (``PYTHONDONTWRITEBYTECODE`` would otherwise make every run compile the
table), google-cloud-compute's was compiled by pip at install.

Target (issue 5): ``infrakit.gcp.compute`` in at most 0.2 s, without importing compute_v1.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
from pathlib import Path

RUNS = 9
ROOT = Path(__file__).resolve().parent.parent

SNIPPET = """
import sys, time
t = time.perf_counter()
import {module}
elapsed = time.perf_counter() - t
print(elapsed, "google.cloud.compute_v1" in sys.modules)
"""

CASES = {"infrakit.gcp.compute": "infrakit.gcp.compute", "google.cloud.compute_v1": "google.cloud.compute_v1"}


def measure(module: str) -> tuple[float, bool]:
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(module=module)], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), out[1] == "True"


def main() -> None:
    compileall.compile_dir(str(ROOT / "infrakit" / "gcp"), quiet=1)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    pulled_in = False
    for _ in range(RUNS):
        for name, module in CASES.items():
            elapsed, loaded = measure(module)
            times[name].append(elapsed)
            if name == "infrakit.gcp.compute":
                pulled_in = pulled_in or loaded
    med = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"import time, median of {RUNS} fresh interpreters (ms):")
    for name, value in med.items():
        print(f"  {name:<26} {value:8.1f}")
    ratio = med["infrakit.gcp.compute"] / med["google.cloud.compute_v1"]
    ok = med["infrakit.gcp.compute"] <= 200 and not pulled_in
    print(f"  ratio infrakit/compute_v1: {ratio:.3f} (1/{1 / ratio:.0f})")
    print(f"  infrakit.gcp.compute imports compute_v1: {pulled_in}")
    print(f"  target <= 200 ms without compute_v1 -> {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
