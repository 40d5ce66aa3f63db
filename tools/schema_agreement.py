"""How the built-in schema check and cfn-lint's schema rules agree on seeded mistakes.

Takes valid CloudFormation templates (the test suite's and the examples' components, plus a
few resources with property groups), seeds one mistake of each kind into copies of their
resources, and asks both checkers which mistakes they catch:

* the built-in check: ``infrakit.aws._schema.template_problems``;
* cfn-lint's schema rules (``SCHEMA_RULES``), run once per base template with every
  seeded copy in it, its findings attributed to copies by their path.

Kinds: ``required`` (a required property removed), ``type``, ``enum``, ``pattern``,
``length`` (a string too long or too short), ``range`` (a number out of range),
``array`` (an array too long or too short), ``additional`` (an unknown property),
``group`` (a ``requiredXor``/``oneOf``/``anyOf``/``dependentRequired`` group broken).

Usage::

    python tools/schema_agreement.py            # every base: counts and each disagreement
    python tools/schema_agreement.py --json     # the same as JSON

Each disagreement is a bug in one of the two; :func:`known` explains the ones understood
(cfn-lint being lenient where CloudFormation is not, or the reverse).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: cfn-lint's rules that check a resource's properties against its schema.
SCHEMA_RULES = frozenset(
    {
        "E3002",  # additionalProperties, and the schema as a whole
        "E3003",  # required
        "E3012",  # type
        "E3014",  # requiredXor
        "E3017",  # anyOf
        "E3018",  # oneOf
        "E3020",  # dependentExcluded
        "E3021",  # dependentRequired
        "E3030",  # enum
        "E3031",  # pattern
        "E3032",  # minItems / maxItems
        "E3033",  # minLength / maxLength
        "E3034",  # minimum / maximum
        "E3058",  # requiredOr
    }
)

KINDS = ("required", "type", "enum", "pattern", "length", "range", "array", "additional", "group")


@dataclasses.dataclass
class Seed:
    """One mistake seeded into a copy of a resource."""

    kind: str
    base: str
    logical_id: str
    resource_type: str
    path: str
    value: Any
    builtin: list[str] = dataclasses.field(default_factory=list)
    lint: list[str] = dataclasses.field(default_factory=list)

    @property
    def verdict(self) -> str:
        return {(True, True): "both", (False, False): "neither", (True, False): "built-in only"}.get(
            (bool(self.builtin), bool(self.lint)), "cfn-lint only"
        )


# --------------------------------------------------------------------------- seeding


def _node(schema: Any, node: Any) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = schema.resolve(node["$ref"])
    return node if isinstance(node, dict) else {}


def _kinds_of(node: dict[str, Any]) -> list[str]:
    kinds = node.get("type")
    return [kinds] if isinstance(kinds, str) else list(kinds or [])


def _is_function(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and (next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::"))
    )


def _mutations(schema: Any, properties: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """``(kind, path, mutated properties, seeded value)`` for one resource's properties."""
    root = schema.root
    for name in root.get("required", ()):
        if name in properties:
            mutated = dict(properties)
            del mutated[name]
            yield "required", name, mutated, None
    mutated = dict(properties)
    mutated["NotAProperty"] = "x"
    yield "additional", "NotAProperty", mutated, "x"
    yield from _group_mutations(root, properties)
    yield from _value_mutations(schema, root.get("properties", {}), properties, ())


def _group_mutations(
    root: dict[str, Any], properties: dict[str, Any]
) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    xor = root.get("requiredXor")
    if isinstance(xor, list):
        present = [n for n in xor if n in properties]
        if present:
            yield "group", f"requiredXor {xor}", {k: v for k, v in properties.items() if k not in xor}, None
    for keyword in ("oneOf", "anyOf"):
        groups = root.get(keyword)
        if isinstance(groups, list) and all(isinstance(g, dict) and set(g) == {"required"} for g in groups):
            names = {n for g in groups for n in g["required"]}
            if names & properties.keys():
                yield (
                    "group",
                    f"{keyword} {sorted(names)}",
                    {k: v for k, v in properties.items() if k not in names},
                    None,
                )
    for name, needs in (root.get("dependentRequired") or {}).items():
        if name in properties and any(n in properties for n in needs):
            yield (
                "group",
                f"dependentRequired {name}->{needs}",
                {k: v for k, v in properties.items() if k not in needs},
                None,
            )


def _value_mutations(
    schema: Any, declared: dict[str, Any], properties: dict[str, Any], path: tuple[str, ...]
) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    for name, value in properties.items():
        node = _node(schema, declared.get(name))
        if not node or _is_function(value):
            continue
        where = ".".join((*path, name))
        for kind, bad in _bad_values(node, value):
            yield kind, where, {**properties, name: bad}, bad
        if isinstance(value, dict) and isinstance(node.get("properties"), dict):
            for kind, inner, mutated, bad in _value_mutations(schema, node["properties"], value, (*path, name)):
                yield kind, inner, {**properties, name: mutated}, bad
            if node.get("additionalProperties") is False:
                yield "additional", f"{where}.NotAProperty", {**properties, name: {**value, "NotAProperty": "x"}}, "x"
        items = _node(schema, node.get("items"))
        if isinstance(value, list) and value and not _is_function(value[0]):
            for kind, bad in _bad_values(items, value[0]):
                if kind == "type":
                    yield "type", f"{where}[0]", {**properties, name: [bad, *value[1:]]}, bad


def _bad_values(node: dict[str, Any], value: Any) -> Iterator[tuple[str, Any]]:
    from infrakit.aws._schema import compile_pattern

    kinds = _kinds_of(node)
    if kinds == ["string"] and isinstance(value, str):
        yield "type", {"NotAString": True}
    elif kinds in (["integer"], ["number"]) and isinstance(value, (int, float)) and not isinstance(value, bool):
        yield "type", "not-a-number"
        if kinds == ["integer"]:
            yield "type", value + 0.5
    elif kinds == ["boolean"] and isinstance(value, bool):
        yield "type", "maybe"
    elif kinds == ["array"] and isinstance(value, list):
        yield "type", "not-an-array"
    if isinstance(node.get("enum"), list) and isinstance(value, str):
        yield "enum", "NotAnAllowedValue"
        if value.lower() != value and value.lower() not in node["enum"]:
            yield "enum", value.lower()
    pattern = node.get("pattern")
    if isinstance(pattern, str) and isinstance(value, str):
        compiled = compile_pattern(pattern)
        for candidate in ("!! not valid !!", "", "\x07"):
            if compiled is not None and not compiled.search(candidate) and _fits_lengths(node, candidate):
                yield "pattern", candidate
                break
    if isinstance(value, str):
        if isinstance(node.get("maxLength"), int) and node["maxLength"] < 5000:
            yield "length", value[:1] * (node["maxLength"] + 1) if value else "x" * (node["maxLength"] + 1)
        if isinstance(node.get("minLength"), int) and node["minLength"] > 0:
            yield "length", value[: node["minLength"] - 1]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(node.get("maximum"), (int, float)):
            yield "range", node["maximum"] + 1
        if isinstance(node.get("minimum"), (int, float)):
            yield "range", node["minimum"] - 1
    if isinstance(value, list) and value:
        if isinstance(node.get("maxItems"), int) and node["maxItems"] < 200:
            yield "array", [value[0]] * (node["maxItems"] + 1)
        if isinstance(node.get("minItems"), int) and node["minItems"] > 0:
            yield "array", []


def _fits_lengths(node: dict[str, Any], text: str) -> bool:
    return node.get("minLength", 0) <= len(text) <= node.get("maxLength", len(text))


def seeded(base_name: str, template: dict[str, Any]) -> tuple[dict[str, Any], list[Seed]]:
    """The base template with a mutated copy of its resources per mistake (``SeedN``)."""
    from infrakit.aws._schema import schema_for

    out = copy.deepcopy(template)
    resources = out["Resources"]
    seeds: list[Seed] = []
    for resource in list(template["Resources"].values()):
        schema = schema_for(resource.get("Type", ""))
        if schema is None:
            continue
        for kind, path, mutated, value in _mutations(schema, resource.get("Properties") or {}):
            seed_id = f"Seed{len(seeds)}"
            resources[seed_id] = {**copy.deepcopy(resource), "Properties": mutated}
            seeds.append(Seed(kind, base_name, seed_id, resource["Type"], path, value))
    return out, seeds


# --------------------------------------------------------------------------- checking


def _lint(text: str) -> list[tuple[str, list[Any], str]]:
    from cfnlint.api import ManualArgs  # type: ignore[import-untyped]

    from infrakit.aws._check import lint_with_shared_rules  # cfnlint.api.lint, its rules loaded once

    return [
        (m.rule.id, list(getattr(m, "path", None) or []), m.message)
        for m in lint_with_shared_rules(text, ManualArgs(regions=["us-east-1"]))
    ]


def check(base_name: str, template: dict[str, Any]) -> list[Seed]:
    """Seed mistakes into ``template`` and record what each checker says of each."""
    from infrakit.aws._schema import resource_problems

    body, seeds = seeded(base_name, template)
    by_id = {s.logical_id: s for s in seeds}
    for seed in seeds:
        seed.builtin = resource_problems(seed.resource_type, body["Resources"][seed.logical_id].get("Properties"))
    for rule, path, message in _lint(json.dumps(body)):
        if rule in SCHEMA_RULES and len(path) > 1 and path[0] == "Resources" and path[1] in by_id:
            by_id[path[1]].lint.append(f"{rule} {'/'.join(str(p) for p in path[2:])}: {message}")
    return seeds


def base_templates() -> Iterator[tuple[str, dict[str, Any]]]:
    """The valid templates mistakes are seeded into (the tests', the examples', the import tests')."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "examples"), str(ROOT)]
    from helpers import SAMPLES  # type: ignore[import-not-found]
    from test_cfn_lint import EXAMPLE_COMPONENTS  # type: ignore[import-not-found]
    from test_synth_aws import LINTED  # type: ignore[import-not-found]

    import infrakit as ik

    for name, component, inputs in [*SAMPLES, *LINTED, *EXAMPLE_COMPONENTS]:
        yield name, ik.synth(component, inputs).to_dict()
    yield "groups", GROUPS
    yield from real_templates()


def real_templates() -> Iterator[tuple[str, dict[str, Any]]]:
    """tests/import_templates: hand-written templates of common stacks, as plain JSON data."""
    from cfnlint.decode.decode import decode  # type: ignore[import-untyped]

    for path in sorted((ROOT / "tests" / "import_templates").glob("*.*")):
        if path.suffix not in (".yaml", ".json") or path.stem == "expected_problems":
            continue
        template, _errors = decode(str(path))
        if template is not None and "Fn::Transform" not in json.dumps(template, default=str):
            yield f"import:{path.stem}", json.loads(json.dumps(template, default=str))


#: Resources with property groups (requiredXor, anyOf, dependentRequired), valid as given.
GROUPS: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Acl": {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": "vpc-0123456789abcdef0"}},
        "Entry": {
            "Type": "AWS::EC2::NetworkAclEntry",
            "Properties": {
                "NetworkAclId": {"Ref": "Acl"},
                "Protocol": 6,
                "RuleAction": "allow",
                "RuleNumber": 100,
                "CidrBlock": "10.0.0.0/8",
                "PortRange": {"From": 443, "To": 443},
            },
        },
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                },
                "RoleName": "standin-role",
                "MaxSessionDuration": 3600,
            },
        },
        "Policy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "standin-policy",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                },
                "Roles": [{"Ref": "Role"}],
            },
        },
        "Ingress": {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": "sg-0123456789abcdef0",
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "CidrIp": "10.0.0.0/8",
            },
        },
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/standin/logs", "RetentionInDays": 7}},
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        },
    },
}


def known(seed: Seed) -> str | None:
    """Why a disagreement is expected (which checker is wrong), or ``None``."""
    fractional = isinstance(seed.value, float) and not seed.value.is_integer()
    if seed.kind == "type" and fractional and seed.verdict == "built-in only":
        return (
            "cfn-lint: its default (non-strict) type check reads an integer with int(), which truncates 2.5 "
            "to 2, so a fractional number passes for an integer property; CloudFormation refuses it"
        )
    return None


# --------------------------------------------------------------------------- report


def report(seeds: Iterable[Seed]) -> dict[str, Any]:
    seeds = list(seeds)
    counts: dict[str, dict[str, int]] = {}
    for seed in seeds:
        row = counts.setdefault(seed.kind, {"seeded": 0, "cfn-lint": 0, "built-in": 0, "both": 0})
        row["seeded"] += 1
        row["cfn-lint"] += bool(seed.lint)
        row["built-in"] += bool(seed.builtin)
        row["both"] += bool(seed.lint) and bool(seed.builtin)
    disagreements = [
        {
            "kind": s.kind,
            "base": s.base,
            "type": s.resource_type,
            "path": s.path,
            "value": s.value,
            "verdict": s.verdict,
            "built-in": s.builtin[:2],
            "cfn-lint": s.lint[:2],
            "known": known(s),
        }
        for s in seeds
        if s.verdict in ("built-in only", "cfn-lint only")
    ]
    total = {k: sum(row[k] for row in counts.values()) for k in ("seeded", "cfn-lint", "built-in", "both")}
    return {"counts": {k: counts[k] for k in KINDS if k in counts}, "total": total, "disagreements": disagreements}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    seeds = [seed for name, template in base_templates() for seed in check(name, template)]
    result = report(seeds)
    if args.json:
        print(json.dumps(result, indent=2, default=repr))
        return 0
    print(f"{'kind':<12}{'seeded':>8}{'cfn-lint':>10}{'built-in':>10}{'both':>8}")
    for kind, row in [*result["counts"].items(), ("total", result["total"])]:
        print(f"{kind:<12}{row['seeded']:>8}{row['cfn-lint']:>10}{row['built-in']:>10}{row['both']:>8}")
    print(f"\n{len(result['disagreements'])} disagreements:")
    for d in result["disagreements"]:
        print(f"- [{d['verdict']}] {d['kind']} {d['type']} {d['path']} = {d['value']!r} ({d['base']})")
        print(
            f"    built-in: {d['built-in']}\n    cfn-lint: {d['cfn-lint']}"
            + (f"\n    known: {d['known']}" if d["known"] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
