"""``assert_contract``: synthesize a component and check the promises every component makes.

The checks, in order (the cheap ones first, so a property test fails fast):

1. synthesis succeeds — any error (an ``InfrakitError`` or a bug in ``build``) fails;
2. every declared output is bound, to a value of its declared type;
3. every reference resolves inside the template — ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``
   names, ``DependsOn``, conditions, mappings (compute: ``$(ref.NAME.field)``);
4. every parameter is used;
5. the template is within the provider's quotas;
6. two syntheses are byte-identical;
7. the template is valid for its provider — AWS: cfn-lint (errors *and* warnings fail;
   informational messages are ignored); GCP: ``infrakit.gcp.validate`` when present.

A broken contract raises ``AssertionError`` naming the component, its inputs and each
problem found.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from typing import Any

from infrakit._contract import UNSET, _plain_matches
from infrakit._expr import Expr, compatible, describe_value, type_name
from infrakit.testing._template import Template

__all__ = ["assert_contract"]


def assert_contract(
    component: Any,
    inputs: Any = None,
    *,
    lint: bool = True,
    regions: Sequence[str] = ("us-east-1",),
    ignore_checks: Sequence[str] = (),
) -> Template:
    """Synthesize ``component`` with ``inputs`` and check its contract; return the template
    (an :class:`infrakit.testing.Template`) for further assertions.

    ``lint=False`` skips the provider's schema validation (cfn-lint takes about half a
    second per template); ``regions`` and ``ignore_checks`` (cfn-lint rule ids such as
    ``"W3005"``) configure it. Raises ``AssertionError`` for a broken contract.
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
        *synthesized.build.provider.template_problems(body),
        *_quota_problems(synthesized, body),
    ]
    if not problems:
        problems.extend(_determinism_problems(component, inputs, synthesized))
    if not problems and lint:
        problems.extend(_validity_problems(synthesized, tuple(regions), tuple(ignore_checks)))
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise AssertionError(f"{subject} breaks its contract:\n{listed}")
    return Template(synthesized)


# --- outputs ------------------------------------------------------------------------


def _output_problems(synthesized: Any, body: dict[str, Any]) -> Iterator[str]:
    published = synthesized.build.provider.published_outputs(body)
    name_of = synthesized.build.provider.output_name
    for field, expected, value in synthesized.build.outputs:
        if value is UNSET or value is None:
            yield f"output `{field}` is not bound"
        elif name_of(field) not in published:
            yield f"output `{field}` is declared but missing from the template (expected {name_of(field)!r})"
        elif isinstance(value, Expr):
            if not compatible(expected, value.type):
                yield f"output `{field}` is declared {type_name(expected)}, but bound to {describe_value(value)}"
        elif not _plain_matches(expected, value):
            yield f"output `{field}` is declared {type_name(expected)}, but bound to {describe_value(value)}"


# --- quotas and determinism ------------------------------------------------------------


def _quota_problems(synthesized: Any, body: dict[str, Any]) -> Iterator[str]:
    # Synthesis refuses a template over a quota already (QuotaError); this is a second line.
    quotas = synthesized.build.provider.quotas
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
        diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "first synthesis", "second synthesis", lineterm="")
        shown = "\n".join(f"      {line}" for line in list(diff)[:24])
        yield f"two syntheses differ; build must be a pure function of its inputs:\n{shown}"


# --- validity for the provider ----------------------------------------------------------


def _validity_problems(synthesized: Any, regions: tuple[str, ...], ignore: tuple[str, ...]) -> list[str]:
    # Many generated inputs synthesize the same template: a provider validates each text once.
    problems: list[str] = synthesized.build.provider.validate(synthesized.to_json(), regions=regions, ignore=ignore)
    return problems
