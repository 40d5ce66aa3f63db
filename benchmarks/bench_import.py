"""Import cost: infrakit + four AWS service modules vs troposphere's equivalents.

Each figure is the in-process time of the import statement, measured in a fresh
interpreter (so interpreter start-up is excluded for both), median of RUNS runs,
alternating the two. Both packages import from compiled bytecode (troposphere's was
compiled by pip at install; infrakit's is compiled here first), as users have them.

Target (issue 2): infrakit <= 0.8x troposphere.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
from pathlib import Path

RUNS = 21
ROOT = Path(__file__).resolve().parent.parent

SNIPPET = """
import time
t = time.perf_counter()
import {modules}
print(time.perf_counter() - t)
"""

CASES = {
    "infrakit": "infrakit, infrakit.aws.ec2, infrakit.aws.s3, infrakit.aws.iam, infrakit.aws.sqs",
    "troposphere": "troposphere, troposphere.ec2, troposphere.s3, troposphere.iam, troposphere.sqs",
}


def measure(modules: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(modules=modules)], check=True, capture_output=True, text=True
    ).stdout
    return float(out)


def main() -> None:
    compileall.compile_dir(str(ROOT / "infrakit"), quiet=1)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(RUNS):
        for name, modules in CASES.items():
            times[name].append(measure(modules))
    med = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"import time, median of {RUNS} fresh interpreters (ms):")
    for name, value in med.items():
        print(f"  {name:<22} {value:7.1f}")
    ratio = med["infrakit"] / med["troposphere"]
    print(f"  ratio infrakit/troposphere: {ratio:.2f} (target <= 0.80) -> {'OK' if ratio <= 0.8 else 'MISSED'}")

    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, infrakit, infrakit.aws.ec2, infrakit.aws.s3, infrakit.aws.iam, infrakit.aws.sqs;"
            "print(sorted(m for m in ('boto3', 'botocore', 'cfnlint', 'google.cloud.compute_v1', 'hypothesis', 'cattrs') if m in sys.modules))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"  heavy modules imported: {heavy}")


if __name__ == "__main__":
    main()
