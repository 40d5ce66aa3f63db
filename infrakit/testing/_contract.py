"""``assert_contract``: synthesize a component and check the promises every component makes.

The checks, in order (the cheap ones first, so a property test fails fast):

1. synthesis succeeds — any error (an ``InfrakitError`` or a bug in ``build``) fails;
2. every declared output is bound, to a value of its declared type;
3. every reference resolves inside the template — ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``
   names, ``DependsOn``, conditions, mappings (compute: ``$(ref.NAME.field)``);
4. every parameter is used;
5. every value is valid for its resource schema — built in, in-process: AWS against the
   CloudFormation resource schemas (``infrakit.aws._schema``), GCP by parsing each
   resource into its ``compute_v1`` message (``infrakit.gcp.validate``);
6. nothing in the template is an expression's repr (``<ParamRef ...>``) or a null;
7. the template is within the provider's quotas;
8. two syntheses are byte-identical, in this process and — once per component and inputs
   class per session — in a second process under another ``PYTHONHASHSEED``;
9. only with ``lint=True`` (or ``pytest --infrakit-lint``): the provider's own linter —
   AWS: cfn-lint (errors *and* warnings fail; informational messages are ignored).

A broken contract raises ``AssertionError`` naming the component, its inputs and each
problem found.
"""

from __future__ import annotations

import difflib
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from infrakit._contract import UNSET, _plain_matches, output_name
from infrakit._expr import Expr, compatible, describe_value, type_name
from infrakit.testing._template import Template

__all__ = ["assert_contract", "lint_by_default", "set_lint_default"]

#: The session's default for ``lint=None`` (set by the pytest plugin's ``--infrakit-lint``).
_LINT_DEFAULT: list[bool | None] = [None]

#: Components (with their inputs class) already synthesized in a second process this session.
_CROSS_CHECKED: set[tuple[str, str]] = set()


def set_lint_default(value: bool | None) -> None:
    """Make ``assert_contract(..., lint=None)`` lint (``True``) or not (``False``) for the
    rest of the session; ``None`` goes back to the ``INFRAKIT_LINT`` environment variable."""
    _LINT_DEFAULT[0] = value


def lint_by_default() -> bool:
    """Whether ``assert_contract`` runs the provider's linter when ``lint`` is not given:
    the pytest plugin's ``--infrakit-lint`` (or ``infrakit_lint = true`` in the ini file),
    else the ``INFRAKIT_LINT`` environment variable (``1``/``true``), else no."""
    if _LINT_DEFAULT[0] is not None:
        return _LINT_DEFAULT[0]
    return os.environ.get("INFRAKIT_LINT", "").strip().lower() in ("1", "true", "yes", "on")


def assert_contract(
    component: Any,
    inputs: Any = None,
    *,
    lint: bool | None = None,
    regions: Sequence[str] = ("us-east-1",),
    ignore_checks: Sequence[str] = (),
    cross_process: bool | None = None,
) -> Template:
    """Synthesize ``component`` with ``inputs`` and check its contract; return the template
    (an :class:`infrakit.testing.Template`) for further assertions.

    Schema validity is always checked, in-process (milliseconds a template). ``lint=True``
    also runs the provider's linter (cfn-lint, about a second per distinct template);
    ``lint=None`` follows the session (``pytest --infrakit-lint``, ``INFRAKIT_LINT=1``);
    ``regions`` and ``ignore_checks`` (cfn-lint rule ids such as ``"W3005"``) configure it.

    ``cross_process``: ``None`` synthesizes each component (per inputs class) once per
    session in a second Python process with another hash seed and compares the templates,
    when the component and inputs can be imported there (defined at module level); ``True``
    does it on every call and fails if it cannot; ``False`` never does.

    Raises ``AssertionError`` for a broken contract.
    """
    import infrakit as ik

    name = getattr(component, "__qualname__", repr(component))
    subject = f"{name} with inputs {inputs!r}" if inputs is not None else f"{name} with its default inputs"
    try:
        synthesized = ik.synth(component, inputs)
    except Exception as exc:
        raise AssertionError(f"{subject}: synthesis failed: {type(exc).__name__}: {exc}") from exc

    body = synthesized.to_dict()
    problems = [
        *_output_problems(synthesized, body),
        *synthesized.synthesis.provider.template_problems(body),
        *_leak_problems(body),
        *_quota_problems(synthesized, body),
    ]
    if not problems:
        problems.extend(_determinism_problems(component, inputs, synthesized))
    if not problems:
        problems.extend(_cross_process_problems(component, inputs, synthesized, cross_process))
    if not problems and (lint_by_default() if lint is None else lint):
        problems.extend(_validity_problems(synthesized, tuple(regions), tuple(ignore_checks)))
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise AssertionError(f"{subject} breaks its contract:\n{listed}")
    return Template(synthesized)


# --- outputs ------------------------------------------------------------------------


def _output_problems(synthesized: Any, body: dict[str, Any]) -> Iterator[str]:
    published = synthesized.synthesis.provider.published_outputs(body)
    outputs_type = synthesized.synthesis.component.outputs_type

    def name_of(field: str) -> str:
        return output_name(synthesized.synthesis.provider, outputs_type, field)

    for field, expected, value in synthesized.synthesis.outputs:
        if value is UNSET or value is None:
            yield f"output `{field}` is not bound"
        elif name_of(field) not in published:
            yield f"output `{field}` is declared but missing from the template (expected {name_of(field)!r})"
        elif isinstance(value, Expr):
            if not compatible(expected, value.type):
                yield f"output `{field}` is declared {type_name(expected)}, but bound to {describe_value(value)}"
        elif not _plain_matches(expected, value):
            yield f"output `{field}` is declared {type_name(expected)}, but bound to {describe_value(value)}"


# --- what must never be in a template ---------------------------------------------------

# An expression's repr (``<ParamRef vpc_id: str>``) or any object's default repr: a value
# that went through ``str()`` or an f-string instead of ``fn.sub``/``fn.join``.
_REPR = re.compile(
    r"<[A-Z][A-Za-z]*(?:Ref|Att|Expr|Param|Sub|Join|Select|If|Condition|Output|Attr)\b[^<>]*>|object at 0x[0-9a-f]+>"
)


def _leak_problems(body: Any, path: str = "") -> Iterator[str]:
    if body is None:
        yield f"{path or 'the template'} is null; leave the key out instead"
    elif isinstance(body, str):
        found = _REPR.search(body)
        if found:
            yield (
                f"{path} holds the Python repr {found.group()!r}: an expression was turned into text with str() or "
                "an f-string; use fn.sub / fn.join to build text from expressions"
            )
    elif isinstance(body, dict):
        for key, value in body.items():
            yield from _leak_problems(value, f"{path}.{key}" if path else str(key))
    elif isinstance(body, list):
        for i, value in enumerate(body):
            yield from _leak_problems(value, f"{path}[{i}]")


# --- quotas and determinism ------------------------------------------------------------


def _quota_problems(synthesized: Any, body: dict[str, Any]) -> Iterator[str]:
    # Synthesis refuses a template over a quota already (QuotaError); this is a second line.
    quotas = synthesized.synthesis.provider.quotas
    if not quotas:
        return
    counts = {
        "resources": len(body.get("Resources") or {}),
        "parameters": len(body.get("Parameters") or {}),
        "outputs": len(body.get("Outputs") or {}),
        "mappings": len(body.get("Mappings") or {}),
        "template_bytes": len(synthesized.to_json().encode("utf-8")),
    }
    for what, count in counts.items():
        limit = quotas.get(what)
        if limit is not None and count > limit:
            yield f"{count} {what.replace('_', ' ')} exceed the provider's limit of {limit}"


def _determinism_problems(component: Any, inputs: Any, first: Any) -> Iterator[str]:
    import infrakit as ik

    try:
        again = ik.synth(component, inputs)
    except Exception as exc:
        yield f"a second synthesis failed ({type(exc).__name__}: {exc}); build must be a pure function of its inputs"
        return
    a, b = first.to_json(), again.to_json()
    if a != b:
        shown = _diff(a, b, "first synthesis", "second synthesis")
        yield f"two syntheses differ; build must be a pure function of its inputs:\n{shown}"


def _diff(a: str, b: str, a_name: str, b_name: str) -> str:
    """The start of a unified diff of two templates' JSON, indented under a problem."""
    diff = difflib.unified_diff(a.splitlines(), b.splitlines(), a_name, b_name, lineterm="")
    return "\n".join(f"      {line}" for line in list(diff)[:24])


_SECOND_PROCESS = """
import importlib, pickle, sys
module, qualname = sys.argv[1], sys.argv[2]
payload = sys.stdin.buffer.read()
inputs = pickle.loads(payload) if payload else None
component = importlib.import_module(module)
for part in qualname.split("."):
    component = getattr(component, part)
import infrakit as ik
sys.stdout.write(ik.synth(component, inputs).to_json())
"""


def _importable_name(obj: Any) -> tuple[str, str] | None:
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<locals>" in qualname:
        return None
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return (module, qualname) if found is obj else None


def _cross_process_problems(component: Any, inputs: Any, first: Any, mode: bool | None) -> list[str]:
    """Synthesize again in a fresh interpreter with another hash seed and compare: catches a
    build that iterates a set or a dict built from one, sorts by ``id()``, or reads the clock
    or the environment — what a second synthesis in the same process cannot see."""
    if mode is False:
        return []
    name = _importable_name(component)
    inputs_name = "None" if inputs is None else ".".join(_importable_name(type(inputs)) or ("", repr(type(inputs))))
    key = (".".join(name) if name else repr(component), inputs_name)
    if mode is None and key in _CROSS_CHECKED:
        return []
    payload = b""
    reason = None
    if name is None:
        reason = "the component is not importable by its module and name (define it at module level)"
    elif inputs is not None:
        try:
            payload = pickle.dumps(inputs)
        except Exception as exc:  # any pickling failure means: cannot be sent
            reason = f"its inputs cannot be pickled ({type(exc).__name__}: {exc})"
    if reason is not None:
        if mode:
            return [f"cannot check determinism in a second process: {reason}"]
        return []  # auto mode: documented as needing module-level definitions
    assert name is not None
    _CROSS_CHECKED.add(key)
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-c", _SECOND_PROCESS, *name], input=payload, capture_output=True, env=env, check=False
    )
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["(no output)"]
        return [f"synthesis in a second process (PYTHONHASHSEED={seed}) failed: {error[0]}"]
    a, b = first.to_json(), done.stdout.decode("utf-8")
    if a == b:
        return []
    shown = _diff(a, b, "this process", f"PYTHONHASHSEED={seed}")
    return [
        "synthesis differs in another process (another hash seed): build must not depend on set or dict "
        f"iteration order, id(), the clock or the environment:\n{shown}"
    ]


# --- validity for the provider ----------------------------------------------------------


def _validity_problems(synthesized: Any, regions: tuple[str, ...], ignore: tuple[str, ...]) -> list[str]:
    # Many generated inputs synthesize the same template: a provider validates each text once.
    problems: list[str] = synthesized.synthesis.provider.validate(synthesized.to_json(), regions=regions, ignore=ignore)
    return problems
