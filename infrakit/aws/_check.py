"""Checks of a rendered CloudFormation template, read as data: references that name
nothing, unused parameters, and cfn-lint (``infrakit.testing``'s second line behind synthesis)."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from infrakit._provider import walk

__all__ = ["cfn_lint", "lint_rules", "lint_with_shared_rules", "reference_problems"]


def reference_problems(body: Mapping[str, Any]) -> Iterator[str]:
    """Every reference in a CloudFormation template that names nothing, and every unused
    parameter, read from the template's data (a second line behind synthesis's checks)."""
    from infrakit.aws.fn import sub_names

    resources = body.get("Resources") or {}
    parameters = body.get("Parameters") or {}
    conditions = body.get("Conditions") or {}
    mappings = body.get("Mappings") or {}
    used: set[str] = set()

    def condition(name: Any, where: str) -> Iterator[str]:
        if name not in conditions:
            yield f"{where} uses condition {name!r}, which is not defined"

    sections = [
        ("Resources", resources),
        ("Outputs", body.get("Outputs") or {}),
        ("Conditions", conditions),
        ("Rules", body.get("Rules") or {}),
    ]
    for section, entries in sections:
        for key, entry in entries.items():
            if section in ("Resources", "Outputs") and isinstance(entry, dict):
                if isinstance(entry.get("Condition"), str):
                    yield from condition(entry["Condition"], f"{section}.{key}")
                depends = entry.get("DependsOn")
                for dep in [depends] if isinstance(depends, str) else depends or []:
                    if dep not in resources:
                        yield f"{section}.{key} depends on {dep!r}, which is not a resource of the template"
            for path, node in walk(entry, f"{section}.{key}"):
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
                elif function == "Fn::ValueOf" and section == "Rules":
                    read = args[0] if isinstance(args, list) and args else None
                    if isinstance(read, str) and read in parameters:
                        used.add(read)
                    else:
                        yield f"{path} reads parameter {read!r}, which is not a parameter of the template"
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


@functools.lru_cache(maxsize=256)
def cfn_lint(text: str, regions: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[str, ...]:
    """cfn-lint's errors and warnings on a template's text (each text linted once)."""
    try:
        from cfnlint.api import ManualArgs  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ImportError(
            "assert_contract validates CloudFormation templates with cfn-lint, which is not installed: "
            "pip install 'infrakit[lint]' (or pass lint=False)"
        ) from exc
    config = ManualArgs(regions=list(regions), ignore_checks=list(ignore))
    found = []
    for match in lint_with_shared_rules(text, config):
        rule = match.rule.id
        if rule[:1] not in ("E", "W"):  # informational messages are advice, not a broken contract
            continue
        if rule == "W1011" and _declared_secret(text, getattr(match, "path", None) or []):
            # "Use dynamic references over parameters for secrets": a parameter declared
            # ik.param(secret=True) (NoEcho) is infrakit's other supported way to pass a secret.
            continue
        path = ".".join(str(p) for p in getattr(match, "path", None) or [])
        where = f" at {path}" if path else f" (line {match.linenumber})"
        found.append(f"cfn-lint {rule}{where}: {match.message}")
    return tuple(found)


@functools.cache
def lint_rules() -> Any:
    """cfn-lint's rules, loaded once per process and shared by every lint: loading them
    (hundreds of rule modules and their JSON data) costs about half a second, far more than
    linting one small template, and ``cfnlint.api.lint`` would load them on every call."""
    from cfnlint.config import ConfigMixIn  # type: ignore[import-untyped]
    from cfnlint.runner import Runner  # type: ignore[import-untyped]

    return Runner(ConfigMixIn(regions=["us-east-1"])).rules


def lint_with_shared_rules(text: str, config: Any) -> list[Any]:
    """``cfnlint.api.lint(text, config=config)``, with the rules of :func:`lint_rules`
    (``lint`` itself reloads them unless given a collection of the class it expects)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str  # type: ignore[import-untyped]
    from cfnlint.runner import run_template_by_data

    template, errors = decode_str(text)
    if errors:
        return list(errors)
    if template is None:
        return []
    return list(run_template_by_data(template, ConfigMixIn(**config), lint_rules()))


def _declared_secret(text: str, path: list[Any]) -> bool:
    """Whether the value at ``path`` of the template is a ``Ref`` to a ``NoEcho`` parameter."""
    import json

    body = json.loads(text)
    node: Any = body
    for key in path:
        found = (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        )
        if not found:
            return False
        node = node[key]
    if isinstance(node, dict):
        node = node.get("Ref")
    parameter = (body.get("Parameters") or {}).get(node) if isinstance(node, str) else None
    return isinstance(parameter, dict) and parameter.get("NoEcho") is True
