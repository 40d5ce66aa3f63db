"""The built-in schema check agrees with cfn-lint's schema rules on seeded mistakes
(``tools/schema_agreement.py``; the full report over every base template is in
benchmarks/README.md)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from shop.network import Network, NetworkInputs
from shop.service import Service

import infrakit as ik

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("schema_agreement", ROOT / "tools" / "schema_agreement.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["schema_agreement"] = module
    spec.loader.exec_module(module)
    return module


agreement = _load()


def _seeds() -> list:
    bases = [
        ("groups", agreement.GROUPS),
        ("network", ik.synth(Network, NetworkInputs(az_count=1)).to_dict()),
        ("service", ik.synth(Service).to_dict()),
    ]
    return [seed for name, body in bases for seed in agreement.check(name, body)]


SEEDS = _seeds()


def test_every_kind_of_mistake_is_seeded() -> None:
    assert {s.kind for s in SEEDS} == set(agreement.KINDS)


def test_the_built_in_check_catches_every_mistake_cfn_lint_catches() -> None:
    missed = [(s.kind, s.resource_type, s.path, s.lint) for s in SEEDS if s.lint and not s.builtin]
    assert missed == []


def test_every_disagreement_is_explained() -> None:
    report = agreement.report(SEEDS)
    unexplained = [d for d in report["disagreements"] if not d["known"]]
    assert unexplained == []


def test_cfn_lint_is_lenient_with_a_fractional_integer_and_the_built_in_check_is_not() -> None:
    fractional = [s for s in SEEDS if s.kind == "type" and isinstance(s.value, float)]
    assert all(s.builtin for s in fractional)
    assert any(not s.lint for s in fractional)  # unless another rule (an enum) catches it


def _real_templates() -> list[Path]:
    folder = ROOT / "tests" / "import_templates"
    return sorted(p for p in folder.glob("*.*") if p.suffix in (".yaml", ".json") and p.stem != "expected_problems")


def test_real_world_templates_raise_no_finding_cfn_lint_does_not_raise() -> None:
    # tests/import_templates: hand-written templates of common stacks (SAM, nested stacks,
    # language extensions, short-form YAML tags): the built-in check must not refuse what
    # cfn-lint's schema rules accept.
    from cfnlint.api import ManualArgs
    from cfnlint.decode.decode import decode

    from infrakit.aws._check import lint_with_shared_rules
    from infrakit.aws._schema import template_problems

    paths = _real_templates()
    assert len(paths) >= 20
    config = ManualArgs(regions=["us-east-1"])
    for path in paths:
        template, _errors = decode(str(path))
        assert template is not None, path
        ours = list(template_problems(json.loads(json.dumps(template, default=str))))
        theirs = [m for m in lint_with_shared_rules(path.read_text(), config) if m.rule.id in agreement.SCHEMA_RULES]
        assert len(ours) <= len(theirs), (path.name, ours, theirs)
