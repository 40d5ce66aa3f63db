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
import functools
import importlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

from infrakit._contract import UNSET, _plain_matches
from infrakit._expr import Expr, compatible, describe_value, type_name
from infrakit.testing._template import Template

__all__ = ["assert_contract"]

_COMPUTE_REF = re.compile(r"\$\((ref|params)\.([^.)]+)[^)]*\)")


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
        *(_compute_problems(body) if synthesized.provider == "gcp" else _cfn_problems(body)),
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
    if synthesized.provider == "gcp":
        published = {o.get("name") for o in body.get("outputs") or [] if isinstance(o, dict)}
    else:
        published = set(body.get("Outputs") or {})
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


# --- references (CloudFormation) -------------------------------------------------------


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def _cfn_problems(body: dict[str, Any]) -> Iterator[str]:
    from infrakit.aws.fn import sub_names

    resources = body.get("Resources") or {}
    parameters = body.get("Parameters") or {}
    conditions = body.get("Conditions") or {}
    mappings = body.get("Mappings") or {}
    used: set[str] = set()

    def condition(name: Any, where: str) -> Iterator[str]:
        if name not in conditions:
            yield f"{where} uses condition {name!r}, which is not defined"

    sections = [("Resources", resources), ("Outputs", body.get("Outputs") or {}), ("Conditions", conditions)]
    for section, entries in sections:
        for key, entry in entries.items():
            if section != "Conditions" and isinstance(entry, dict):
                if isinstance(entry.get("Condition"), str):
                    yield from condition(entry["Condition"], f"{section}.{key}")
                depends = entry.get("DependsOn")
                for dep in [depends] if isinstance(depends, str) else depends or []:
                    if dep not in resources:
                        yield f"{section}.{key} depends on {dep!r}, which is not a resource of the template"
            for path, node in _walk(entry, f"{section}.{key}"):
                if not (isinstance(node, dict) and len(node) == 1):
                    continue
                ((function, args),) = node.items()
                if function == "Ref":
                    if args in parameters:
                        used.add(args)
                    elif args not in resources and not str(args).startswith("AWS::"):
                        yield f"{path} refers to {args!r}, which is neither a resource nor a parameter"
                elif function == "Fn::GetAtt":
                    target = args[0] if isinstance(args, list) else str(args).split(".", 1)[0]
                    if target not in resources:
                        yield f"{path} reads an attribute of {target!r}, which is not a resource of the template"
                elif function == "Fn::Sub":
                    text, variables = (args[0], args[1]) if isinstance(args, list) else (args, {})
                    for name in sub_names(text) if isinstance(text, str) else ():
                        base = name.split(".", 1)[0]
                        if name in variables or name.startswith("AWS::"):
                            continue
                        if base in parameters:
                            used.add(base)
                        elif base not in resources:
                            yield f"{path}: ${{{name}}} names nothing in the template"
                elif function == "Fn::If":
                    yield from condition(args[0] if isinstance(args, list) and args else None, path)
                elif function == "Condition" and section == "Conditions" and isinstance(args, str):
                    # {"Condition": name} is a condition function only inside conditions; elsewhere
                    # a single "Condition" key may be plain data (an IAM policy statement).
                    yield from condition(args, path)
                elif function == "Fn::FindInMap":
                    table = args[0] if isinstance(args, list) and args else None
                    if isinstance(table, str) and table not in mappings:
                        yield f"{path} reads mapping {table!r}, which is not defined"
    for name in parameters:
        if name not in used:
            yield f"parameter {name!r} is never used"


# --- references (compute) -------------------------------------------------------------


def _compute_problems(body: dict[str, Any]) -> Iterator[str]:
    entries = [e for e in body.get("resources") or [] if isinstance(e, dict)]
    names = {e.get("name") for e in entries}
    parameters = [p.get("name") for p in body.get("parameters") or [] if isinstance(p, dict)]
    used: set[str] = set()
    for entry in entries:
        depends = (entry.get("metadata") or {}).get("dependsOn") or []
        for dep in depends:
            if dep not in names:
                yield f"resources.{entry.get('name')} depends on {dep!r}, which is not a resource of the template"
    for section in ("resources", "outputs"):
        for path, node in _walk(body.get(section) or [], section):
            if not isinstance(node, str):
                continue
            for kind, target in _COMPUTE_REF.findall(node):
                if kind == "params":
                    if target in parameters:
                        used.add(target)
                    else:
                        yield f"{path} uses parameter {target!r}, which is not a parameter of the template"
                elif target not in names:
                    yield f"{path} refers to {target!r}, which is not a resource of the template"
    for name in parameters:
        if name not in used:
            yield f"parameter {name!r} is never used"


# --- quotas and determinism ------------------------------------------------------------


def _quota_problems(synthesized: Any, body: dict[str, Any]) -> Iterator[str]:
    # Synthesis refuses a template over a quota already (QuotaError); this is a second line.
    quotas = _quotas(synthesized.provider)
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


def _quotas(provider: str) -> dict[str, int]:
    try:
        module = importlib.import_module(f"infrakit.{provider}._render")
    except ImportError:
        return {}
    return dict(getattr(module, "QUOTAS", {}))


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
    if synthesized.provider == "aws":
        # Many generated inputs synthesize the same template: each text is linted once.
        return list(_cfn_lint_cached(synthesized.to_json(), regions, ignore))
    if synthesized.provider == "gcp":
        return _gcp_validate(synthesized)
    return []


@functools.lru_cache(maxsize=256)
def _cfn_lint_cached(text: str, regions: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[str, ...]:
    try:
        from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ImportError(
            "assert_contract validates CloudFormation templates with cfn-lint, which is not installed: "
            "pip install 'infrakit[lint]' (or pass lint=False)"
        ) from exc
    config = ManualArgs(regions=list(regions), ignore_checks=list(ignore))
    found = []
    for match in lint(text, config=config):
        rule = match.rule.id
        if rule[:1] not in ("E", "W"):  # informational messages are advice, not a broken contract
            continue
        path = ".".join(str(p) for p in getattr(match, "path", None) or [])
        where = f" at {path}" if path else f" (line {match.linenumber})"
        found.append(f"cfn-lint {rule}{where}: {match.message}")
    return tuple(found)


def _gcp_validate(synthesized: Any) -> list[str]:
    try:
        validate = importlib.import_module("infrakit.gcp.validate")
    except ImportError:
        return []  # no validator for compute templates: the structural checks above are all there is
    from infrakit.errors import InfrakitError

    try:
        validate.validate_template(synthesized.to_dict())
    except InfrakitError as exc:
        return [f"invalid compute template: {exc}"]
    except ImportError as exc:
        raise ImportError(
            "assert_contract validates compute templates with google-cloud-compute, which is not installed: "
            "pip install 'infrakit[gcp]' (or pass lint=False)"
        ) from exc
    return []
