"""Import speed: `infrakit import` of 100 CloudFormation templates vs cfn-lint on the same 100.

The 100 templates are those of tests/import_templates/ that import completely, repeated,
each copy varied (its Description names the copy), so no result can come from a cache
keyed on the text. Each tool runs in its own fresh interpreter over all 100 texts (read beforehand); the figure is
the in-process wall time from before the first template to after the last, once with the
tool's own import included (a user's cold command) and once without it (the per-template
cost). Median of RUNS runs, the tools alternating. `infrakit import` verifies by default (it
runs each module it writes, synthesizes the component and compares the result with the
template); it is also measured without that (``verify=False``: reading and writing only).

Issue 11's measure: 100 templates imported in a fraction of cfn-lint's time.

    .venv/bin/python benchmarks/bench_import_cfn.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "tests" / "import_templates"
#: The collection's templates that import completely (the others stop before the verification).
TEMPLATES = sorted(
    p
    for p in COLLECTION.iterdir()
    if p.suffix in (".yaml", ".json")
    and p.name != "expected_problems.json"
    and p.name not in json.loads((COLLECTION / "expected_problems.json").read_text())
)
COUNT = 100
RUNS = 3

WORKER = """
import json, sys, time
texts = json.load(open(sys.argv[1]))
start = time.perf_counter()
{setup}
ready = time.perf_counter()
for text in texts:
    {call}
end = time.perf_counter()
print(json.dumps({{"cold": end - start, "warm": end - ready, "checked": checked}}))
"""

TOOLS = {
    # The default: each imported module is also run and synthesized, and compared with the template.
    "infrakit import": (
        "from infrakit.aws import import_template\nchecked = 0",
        "source, problems = import_template(text); checked += not problems",
    ),
    "  (verify=False)": (
        "from infrakit.aws import import_template\nchecked = 0",
        "source, problems = import_template(text, verify=False); checked += not problems",
    ),
    "cfn-lint": (
        "from cfnlint.api import ManualArgs, lint\nconfig = ManualArgs(regions=['us-east-1'])\nchecked = 0",
        "matches = lint(text, config=config); checked += 1",
    ),
}


def varied(n: int) -> str:
    """The n-th of the 100 template texts: a collection template with its Description varied."""
    path = TEMPLATES[n % len(TEMPLATES)]
    text = path.read_text()
    copy = f" (copy {n})"
    if path.suffix == ".json":
        data = json.loads(text)
        data["Description"] = data.get("Description", "") + copy
        return json.dumps(data, indent=2)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Description:"):
            value = line.split(":", 1)[1].strip().strip('"')
            lines[i] = f"Description: {json.dumps(value + copy)}"
    return "\n".join(lines) + "\n"


def run(tool: str, texts_file: str) -> dict[str, float]:
    setup, call = TOOLS[tool]
    code = WORKER.format(setup=setup, call=call)
    out = subprocess.run([sys.executable, "-c", code, texts_file], check=True, capture_output=True, text=True, cwd=ROOT)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    if result["checked"] != COUNT:
        raise SystemExit(f"{tool} handled {result['checked']} of {COUNT} templates")
    return result


def main() -> None:
    texts = [varied(n) for n in range(COUNT)]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(texts, f)
    times: dict[str, dict[str, list[float]]] = {t: {"cold": [], "warm": []} for t in TOOLS}
    for _ in range(RUNS):
        for tool in TOOLS:
            result = run(tool, f.name)
            for key in ("cold", "warm"):
                times[tool][key].append(result[key])
    Path(f.name).unlink()
    print(f"{COUNT} templates ({len(TEMPLATES)} distinct, varied), median of {RUNS} fresh interpreters:")
    med = {t: {k: statistics.median(v) for k, v in d.items()} for t, d in times.items()}
    for tool, values in med.items():
        print(
            f"  {tool:<16} with its import {values['cold']:7.2f} s   templates only {values['warm']:7.2f} s"
            f"   ({values['warm'] / COUNT * 1000:6.1f} ms/template)"
        )
    for tool in ("infrakit import", "  (verify=False)"):
        for key, label in (("cold", "with imports"), ("warm", "templates only")):
            ratio = med[tool][key] / med["cfn-lint"][key]
            print(f"  ratio {tool.strip()} / cfn-lint ({label}): {ratio:.4f} (1/{1 / ratio:.0f})")


if __name__ == "__main__":
    main()
