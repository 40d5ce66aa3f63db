"""The AWS catalogue generator (``tools/gen_aws.py``) and the catalogue it wrote."""

from __future__ import annotations

import ast
import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from helpers import in_background

ROOT = Path(__file__).resolve().parent.parent
AWS_DIR = ROOT / "infrakit" / "aws"


def _load_generator() -> ModuleType:
    # tools/ is not a package on sys.path; load the script by its path.
    spec = importlib.util.spec_from_file_location("gen_aws", ROOT / "tools" / "gen_aws.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_aws"] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def resource(properties: dict[str, Any], definitions: dict[str, Any] | None = None, **extra: Any) -> Any:
    """The generator's model of a made-up resource type with this schema."""
    get_atts = extra.pop("get_atts", {})
    schema = {"typeName": "Test::Svc::Thing", "properties": properties, "definitions": definitions or {}, **extra}
    return gen.build_resource(gen.ResourceSchema("Test::Svc::Thing", schema, get_atts))


def spec_of(node: dict[str, Any], definitions: dict[str, Any] | None = None) -> Any:
    return resource({"Value": node}, definitions).props[0].spec


def nested_props(thing: Any, name: str) -> list[tuple[str, str, Any, bool]]:
    [nested] = [n for n in thing.nested if n.name == name]
    return [gen.prop_spec(p) for p in nested.props]


# --------------------------------------------------------------------------- naming


@pytest.mark.parametrize(
    ("wire", "py"),
    [
        ("CidrBlock", "cidr_block"),
        ("VPCId", "vpc_id"),
        ("EnableDnsHostnames", "enable_dns_hostnames"),
        ("IPv6CidrBlock", "ipv6_cidr_block"),
        ("Ipv6CidrBlock", "ipv6_cidr_block"),
        ("SSESpecification", "sse_specification"),
        ("DBInstanceClass", "db_instance_class"),
        ("ARN", "arn"),
        ("S3Bucket", "s3_bucket"),
        ("EC2InstanceId", "ec2_instance_id"),
        ("KMSKeyId", "kms_key_id"),
        ("PublicIPs", "public_ips"),
        ("SizeInGiB", "size_in_gib"),
        ("OAuth2Credentials", "oauth2_credentials"),
        ("M2tsSettings", "m2ts_settings"),
        ("cidrBlock", "cidr_block"),
        ("Endpoint.Address", "endpoint_address"),
    ],
)
def test_snake_case_splits_words_acronyms_and_versions(wire: str, py: str) -> None:
    assert gen.snake_case(wire) == py


@pytest.mark.parametrize(
    ("wire", "py"),
    [
        ("Lambda", "lambda_"),
        ("From", "from_"),
        ("Metadata", "metadata_"),
        ("Condition", "condition_"),
        ("DependsOn", "depends_on_"),
        ("DeletionPolicy", "deletion_policy_"),
        ("UpdateReplacePolicy", "update_replace_policy_"),
        ("ResourceType", "resource_type_"),
        ("LogicalId", "logical_id_"),
        ("Ref", "ref_"),
        ("Attrs", "attrs_"),
        ("Provider", "provider_"),
        ("Self", "self_"),
        ("Name", "name"),
    ],
)
def test_resource_property_names_avoid_keywords_and_the_base_class(wire: str, py: str) -> None:
    assert gen.py_name(wire, gen.RESERVED_RESOURCE_NAMES) == py


def test_nested_property_names_only_avoid_keywords_and_self() -> None:
    names = [gen.py_name(w, gen.RESERVED_NESTED_NAMES) for w in ("Metadata", "Condition", "Lambda", "Self")]
    assert names == ["metadata", "condition", "lambda_", "self_"]


@pytest.mark.parametrize(
    ("type_name", "module"),
    [
        ("AWS::EC2::VPC", "ec2"),
        ("AWS::ApiGatewayV2::Api", "apigatewayv2"),
        ("AWS::Lambda::Function", "lambda_"),
        ("Alexa::ASK::Skill", "alexa_ask"),
    ],
)
def test_module_name_is_the_lowercased_service(type_name: str, module: str) -> None:
    assert gen.module_name(type_name) == module


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Tag", "Tag"),
        ("AWS::Lambda::Function.Environment", "Environment"),
        ("iso8601UTC", "Iso8601UTC"),
        ("Attrs", "Attrs_"),
        ("None", "None_"),
    ],
)
def test_class_name_is_the_schema_name_made_an_identifier(raw: str, name: str) -> None:
    assert gen.class_name(raw) == name


def test_two_properties_with_one_python_name_are_numbered_in_schema_order() -> None:
    thing = resource({"IPv6Address": {"type": "string"}, "Ipv6Address": {"type": "string"}})
    assert [(p.py_name, p.wire_name) for p in thing.props] == [
        ("ipv6_address", "IPv6Address"),
        ("ipv6_address_2", "Ipv6Address"),
    ]


# --------------------------------------------------------------------------- type mapping


@pytest.mark.parametrize(
    ("node", "spec"),
    [
        ({"type": "string"}, "str"),
        ({"type": "integer"}, "int"),
        ({"type": "number"}, "float"),
        ({"type": "boolean"}, "bool"),
        ({"type": "array", "items": {"type": "string"}}, ("list", "str")),
        ({"type": "array"}, ("list", "any")),
        ({"type": "string", "enum": ["a", "b"]}, ("enum", ("a", "b"))),
        ({"type": "string", "const": "HASH"}, ("enum", ("HASH",))),
        ({"type": "object"}, "json"),
        ({"type": "object", "additionalProperties": True}, "json"),
        ({}, "any"),
    ],
)
def test_json_types_map_to_specs(node: dict[str, Any], spec: Any) -> None:
    assert spec_of(node) == spec


def test_a_ref_to_an_object_definition_is_a_nested_type_of_that_name() -> None:
    tag = {"type": "object", "properties": {"Key": {"type": "string"}}, "required": ["Key"]}
    thing = resource({"Tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}}}, {"Tag": tag})
    assert thing.props[0].spec == ("list", ("obj", "Tag"))
    assert nested_props(thing, "Tag") == [("key", "Key", "str", True)]


def test_a_ref_to_an_alias_of_a_primitive_is_that_primitive() -> None:
    definitions = {
        "Arn": {"type": "string", "pattern": "^arn:"},
        "Arns": {"type": "array", "items": {"$ref": "#/definitions/Arn"}},
    }
    assert spec_of({"$ref": "#/definitions/Arns"}, definitions) == ("list", "str")


def test_a_ref_may_point_at_a_property() -> None:
    thing = resource({"Arn": {"type": "string"}, "Other": {"$ref": "#/properties/Arn"}})
    assert thing.props[1].spec == "str"


def test_an_enum_of_several_alternatives_merges() -> None:
    node = {"type": "string", "oneOf": [{"enum": ["a", "b"]}, {"enum": ["b", "c"]}]}
    assert spec_of(node) == ("enum", ("a", "b", "c"))


def test_alternatives_of_a_string_that_only_add_patterns_leave_a_string() -> None:
    node = {"type": "string", "anyOf": [{"type": "string", "enum": ["NONE", "CRDR"]}, {"pattern": "^[Nn]one$"}]}
    assert spec_of(node) == "str"


def test_a_type_list_is_a_union() -> None:
    assert spec_of({"type": ["integer", "string"]}) == ("union", ("int", "str"))


def test_an_object_or_string_document_is_json_or_str() -> None:
    assert spec_of({"type": ["object", "string"]}) == ("union", ("str", "json"))


def test_a_union_of_identical_alternatives_collapses() -> None:
    assert spec_of({"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}) == "str"


def test_a_union_with_an_int_and_a_float_is_a_float() -> None:
    assert spec_of({"anyOf": [{"type": "integer"}, {"type": "number"}]}) == "float"


def test_a_type_list_of_every_json_type_is_any() -> None:
    assert spec_of({"type": ["string", "number", "integer", "object", "array", "boolean"]}) == "any"


def test_alternatives_referring_to_different_definitions_are_a_union_of_nested_types() -> None:
    a = {"type": "object", "properties": {"A": {"type": "string"}}}
    b = {"type": "object", "properties": {"B": {"type": "integer"}}}
    node = {"oneOf": [{"$ref": "#/definitions/A"}, {"$ref": "#/definitions/B"}]}
    assert spec_of(node, {"A": a, "B": b}) == ("union", (("obj", "A"), ("obj", "B")))


def test_inline_object_alternatives_merge_into_one_nested_type() -> None:
    node = {
        "oneOf": [
            {
                "type": "object",
                "properties": {"Value": {"type": "string"}, "Unit": {"type": "string"}},
                "required": ["Value", "Unit"],
            },
            {
                "type": "object",
                "properties": {"Token": {"type": "string"}, "Unit": {"type": "string"}},
                "required": ["Token", "Unit"],
            },
        ]
    }
    thing = resource({"Style": node})
    assert thing.props[0].spec == ("obj", "Style")
    assert nested_props(thing, "Style") == [
        ("value", "Value", "str", False),
        ("unit", "Unit", "str", True),  # every alternative requires it
        ("token", "Token", "str", False),
    ]


def test_an_allof_of_one_ref_is_that_ref() -> None:
    definitions = {"Arn": {"type": "string"}}
    assert spec_of({"allOf": [{"$ref": "#/definitions/Arn"}], "description": "The ARN."}, definitions) == "str"


def test_a_definition_referring_to_itself_is_a_recursive_nested_type() -> None:
    node_def = {
        "type": "object",
        "properties": {
            "Name": {"type": "string"},
            "Children": {"type": "array", "items": {"$ref": "#/definitions/Node"}},
        },
    }
    thing = resource({"Root": {"$ref": "#/definitions/Node"}}, {"Node": node_def})
    assert thing.props[0].spec == ("obj", "Node")
    assert nested_props(thing, "Node") == [
        ("name", "Name", "str", False),
        ("children", "Children", ("list", ("obj", "Node")), False),
    ]


def test_a_definition_containing_itself_through_no_object_ends_in_any() -> None:
    definitions = {"Tree": {"type": "array", "items": {"$ref": "#/definitions/Tree"}}}
    assert spec_of({"$ref": "#/definitions/Tree"}, definitions) == ("list", "any")


def test_pattern_properties_of_one_type_are_a_map() -> None:
    node = {"type": "object", "patternProperties": {"^[a-z]+$": {"type": "integer"}}, "additionalProperties": False}
    assert spec_of(node) == ("map", "int")


def test_additional_properties_of_a_definition_are_a_map_of_it() -> None:
    item = {"type": "object", "properties": {"Id": {"type": "string"}}}
    node = {"type": "object", "additionalProperties": {"$ref": "#/definitions/Item"}}
    assert spec_of(node, {"Item": item}) == ("map", ("obj", "Item"))


def test_an_inline_object_is_named_after_its_property() -> None:
    thing = resource({"Logging": {"type": "object", "properties": {"Level": {"type": "string"}}}})
    assert thing.props[0].spec == ("obj", "Logging")
    assert nested_props(thing, "Logging") == [("level", "Level", "str", False)]


def test_an_inline_object_never_takes_a_definitions_name() -> None:
    definitions = {
        "Config": {"type": "object", "properties": {"Logging": {"$ref": "#/definitions/Logging"}}},
        "Logging": {"type": "object", "properties": {"Level": {"type": "string"}}},
    }
    inline = {"type": "object", "properties": {"Bucket": {"type": "string"}}}
    thing = resource({"Logging": inline, "Config": {"$ref": "#/definitions/Config"}}, definitions)
    assert thing.props[0].spec == ("obj", "ThingLogging")
    assert sorted(n.name for n in thing.nested) == ["Config", "Logging", "ThingLogging"]


def test_identical_inline_objects_share_one_nested_type() -> None:
    inline = {"type": "object", "properties": {"Key": {"type": "string"}}}
    thing = resource({"Primary": inline, "Secondary": {"type": "array", "items": inline}})
    assert [p.spec for p in thing.props] == [("obj", "Primary"), ("list", ("obj", "Primary"))]


def test_read_only_properties_are_attributes_not_arguments() -> None:
    thing = resource(
        {
            "Name": {"type": "string"},
            "Arn": {"type": "string"},
            "Endpoint": {"type": "object", "properties": {"Port": {"type": "integer"}}},
        },
        readOnlyProperties=["/properties/Arn", "/properties/Endpoint/Port"],
        required=["Name", "Arn"],
        get_atts={"Arn": "/properties/Arn", "Endpoint.Port": "/properties/Endpoint/Port", "Outputs\\..*": "/x"},
    )
    assert [gen.prop_spec(p) for p in thing.props] == [
        ("name", "Name", "str", True),
        ("endpoint", "Endpoint", ("obj", "Endpoint"), False),
    ]
    assert [(a.py_name, a.wire_name, a.spec) for a in thing.attrs] == [
        ("arn", "Arn", "str"),
        ("endpoint_port", "Endpoint.Port", "int"),
    ]


def test_an_attribute_of_an_object_property_is_json() -> None:
    thing = resource(
        {"Config": {"$ref": "#/definitions/Config"}},
        {"Config": {"type": "object", "properties": {"A": {"type": "string"}}}},
        get_atts={"Config": "/properties/Config", "Missing": "/properties/Missing"},
    )
    assert [(a.py_name, a.spec) for a in thing.attrs] == [("config", "json"), ("missing", "str")]


# --------------------------------------------------------------------------- emitting


def test_a_table_literal_reads_back_as_the_same_value() -> None:
    value = ('a"b\\c\n\u00e9', (("x", "X", ("enum", ("1",)), True),), {"T": ("doc", ())})
    assert ast.literal_eval(gen.literal(value)) == value


def test_a_docstring_holds_any_description_exactly() -> None:
    text = 'Quotes """ and a backslash \\d, a tab\there and "a quote at the end"'
    [line] = gen.docstring(text, "")
    assert ast.literal_eval(line) == text + " "


def test_stale_files_reports_differing_missing_and_extra_generated_files(tmp_path: Path) -> None:
    header = gen.HEADER + "\n"
    files = {"a.py": header + "A = 1\n", "b.py": header + "B = 1\n", "c.pyi": header + "C: int\n"}
    gen.write_files(tmp_path, files)
    (tmp_path / "a.py").write_text(header + "A = 2\n")
    (tmp_path / "c.pyi").unlink()
    (tmp_path / "old.py").write_text(header + "OLD = 1\n")
    (tmp_path / "fn.py").write_text('"""Hand-written."""\n')
    assert gen.stale_files(tmp_path, files) == ["a.py: differs", "c.pyi: missing", "old.py: extra"]
    gen.write_files(tmp_path, files)
    assert gen.stale_files(tmp_path, files) == []
    assert (tmp_path / "fn.py").exists()


def test_the_generator_refuses_another_cfn_lint_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "CFN_LINT_VERSION", "0.0.1")
    with pytest.raises(gen.GeneratorError, match=r"cfn-lint 0\.0\.1"):
        gen.load_schemas()


# --------------------------------------------------------------------------- the committed catalogue


@functools.cache
def catalogue() -> Any:
    """Every generated resource, by module (built once: loading the schemas takes seconds)."""
    return gen.build_catalogue(gen.load_schemas())


def test_regenerating_the_catalogue_changes_nothing() -> None:
    assert gen.stale_files(gen.OUTPUT_DIR, gen.render_files(catalogue())) == []


#: Started at collection: it runs beside the rest of the suite (see helpers.in_background).
_CHECK = in_background(sys.executable, str(ROOT / "tools" / "gen_aws.py"), "--check", env={"PYTHONHASHSEED": "12345"})


@pytest.mark.awaits_background
def test_the_check_command_passes_under_another_hash_seed() -> None:
    done = _CHECK.result()
    assert done.returncode == 0, done.stderr


def _valid_spec(spec: Any, nested: set[str]) -> bool:
    if isinstance(spec, str):
        return spec in ("str", "int", "float", "bool", "json", "any")
    kind, arg = spec
    if kind in ("list", "map"):
        return _valid_spec(arg, nested)
    if kind == "enum":
        return bool(arg) and all(isinstance(v, str) for v in arg)
    if kind == "obj":
        return arg in nested
    if kind == "union":
        return len(arg) > 1 and all(_valid_spec(a, nested) for a in arg)
    return False


def test_every_spec_is_well_formed_and_every_nested_type_it_names_exists() -> None:
    bad = []
    for resources in catalogue().values():
        for r in resources:
            nested = {n.name for n in r.nested}
            props = [*r.props, *(p for n in r.nested for p in n.props)]
            bad += [(r.type_name, p.wire_name, p.spec) for p in props if not _valid_spec(p.spec, nested)]
            bad += [(r.type_name, a.wire_name, a.spec) for a in r.attrs if not _valid_spec(a.spec, set())]
    assert bad == []


def test_python_names_are_identifiers_unique_in_their_class_and_never_reserved() -> None:
    bad = []
    for resources in catalogue().values():
        for r in resources:
            for owner, names, reserved in [
                (r.name, [p.py_name for p in r.props], gen.RESERVED_RESOURCE_NAMES),
                (f"{r.name}.Attrs", [a.py_name for a in r.attrs], frozenset()),
                *((f"{r.name}.{n.name}", [p.py_name for p in n.props], gen.RESERVED_NESTED_NAMES) for n in r.nested),
            ]:
                if len(set(names)) != len(names):
                    bad.append((owner, "duplicate"))
                bad += [(owner, n) for n in names if not n.isidentifier() or n in reserved or n.startswith("_")]
    assert bad == []


def _load_types() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_aws_types", AWS_DIR / "_types.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table(module: str) -> dict[str, Any]:
    """The resource table of a generated module, read without importing it."""
    tree = ast.parse((AWS_DIR / f"{module}.py").read_text(encoding="utf-8"))
    assignment = tree.body[-1]  # __getattr__, __dir__ = _service(__name__, {...})
    assert isinstance(assignment, ast.Assign) and isinstance(assignment.value, ast.Call)
    call = assignment.value
    table: dict[str, Any] = ast.literal_eval(call.args[1])
    return table


def test_every_resource_type_is_in_the_table_and_stub_of_its_module() -> None:
    types = _load_types()
    source = f"cfn-lint {gen.CFN_LINT_VERSION} {gen.REGION}"
    assert source == types.SCHEMA_SOURCE
    assert list(types.RESOURCE_TYPES) == sorted(types.MODULES)
    assert len(types.RESOURCE_TYPES) > 1800
    tables = {m: _table(m) for m in sorted({m for m, _ in types.MODULES.values()})}
    stubs = {m: (AWS_DIR / f"{m}.pyi").read_text(encoding="utf-8") for m in tables}
    missing = [
        t
        for t, (module, cls) in types.MODULES.items()
        if tables[module].get(cls, ("",))[0] != t or f"\nclass {cls}(AwsResource):" not in stubs[module]
    ]
    assert missing == []


def test_the_vpc_entry_matches_the_documented_shape() -> None:
    vpc = _table("ec2")["VPC"]
    resource_type, doc, props, attributes, nested = vpc
    assert resource_type == "AWS::EC2::VPC"
    assert doc.startswith("Specifies a virtual private cloud")
    assert ("cidr_block", "CidrBlock", "str", False) in props
    assert ("enable_dns_hostnames", "EnableDnsHostnames", "bool", False) in props
    assert ("tags", "Tags", ("list", ("obj", "Tag")), False) in props
    assert ("cidr_block_associations", "CidrBlockAssociations", ("list", "str")) in attributes
    assert nested["Tag"][1] == (("key", "Key", "str", True), ("value", "Value", "str", True))


def test_a_nested_type_named_like_a_module_class_is_spelled_through_an_alias_in_stubs() -> None:
    # mypy reads a bare name in a method's annotation in the class scope, pyright in the
    # module: `Policy` inside `iam.Role` must mean `Role.Policy` to both, not `iam.Policy`.
    stub = (AWS_DIR / "iam.pyi").read_text()
    assert "_Role_Policy: TypeAlias = Role.Policy" in stub
    role = stub[stub.index("class Role(") : stub.index("class RolePolicy(")]
    assert "policies: Sequence[_Role_Policy] | None = None" in role
    assert "Sequence[Policy]" not in role
    tree = ast.parse(stub)  # the stub stays valid Python
    assert any(isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "_Role_Policy" for node in tree.body)


def test_a_nested_type_named_like_its_resource_is_spelled_through_an_alias_in_stubs() -> None:
    stub = (AWS_DIR / "cloudfront.pyi").read_text()
    assert (
        "_MonitoringSubscription_MonitoringSubscription: TypeAlias = MonitoringSubscription.MonitoringSubscription"
        in stub
    )
