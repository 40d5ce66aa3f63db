"""`infrakit import`: every template of tests/import_templates/ imports, synthesizes back to
the same template (key order, long/short intrinsic forms and coerced literals aside), and
cfn-lint finds nothing new in the result; what cannot be expressed is reported, by path."""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import _lint_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import infrakit as ik
from infrakit.aws._import import (
    ImportProblem,
    TemplateImportError,
    class_name,
    import_template,
    load_template,
    normalize,
)
from infrakit.cli import main

HERE = Path(__file__).parent
TEMPLATES = sorted(
    p
    for p in (HERE / "import_templates").iterdir()
    if p.suffix in (".yaml", ".yml", ".json") and p.name != "expected_problems.json"
)

#: What each template of the collection cannot express yet (JSON paths), by file name.
#: A template not listed here imports completely and must round-trip.
EXPECTED_PROBLEMS: dict[str, list[str]] = json.loads((HERE / "import_templates" / "expected_problems.json").read_text())


@functools.cache
def imported(path: Path) -> tuple[str, tuple[ImportProblem, ...]]:
    source, problems = import_template(path.read_text(), name=class_name(path.stem))
    return source, tuple(problems)


def complete() -> list[Path]:
    return [p for p in TEMPLATES if p.name not in EXPECTED_PROBLEMS]


@pytest.fixture(scope="module")
def modules_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every complete template's generated module, written once for the module's tests."""
    out = tmp_path_factory.mktemp("imported")
    for path in complete():
        (out / f"imported_{path.stem}.py").write_text(imported(path)[0])
    return out


def load_module(path: Path) -> Any:
    name = f"_infrakit_imported_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def findings(text: str) -> set[tuple[str, str]]:
    """cfn-lint's errors and warnings as (rule, path) pairs, comparable across JSON and YAML
    (a lone ``DependsOn`` name and a one-item list are one form)."""
    return {
        (rule, re.sub(r"/DependsOn/0\)$", "/DependsOn)", shown.rsplit("(", 1)[-1]))
        for rule, _sev, shown in _lint_text(text)
        if rule[:1] in "EW"
    }


def test_the_collection_is_large_and_varied() -> None:
    assert len(TEMPLATES) >= 25
    assert {p.suffix for p in TEMPLATES} >= {".yaml", ".json"}
    assert set(EXPECTED_PROBLEMS) <= {p.name for p in TEMPLATES}


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_import_reports_exactly_what_cannot_be_expressed(path: Path) -> None:
    _source, problems = imported(path)
    assert sorted({p.path for p in problems}) == sorted(EXPECTED_PROBLEMS.get(path.name, []))


def test_the_round_trip_comparison_ignores_only_forms_cloudformation_reads_alike() -> None:
    # The round-trip tests compare through the importer's own normalize: pin what it equates.
    a = {"B": {"Fn::GetAtt": "R.Arn"}, "A": [22, True], "DependsOn": "X"}
    b = {"A": ["22", "true"], "B": {"Fn::GetAtt": ["R", "Arn"]}, "DependsOn": ["X"]}
    assert normalize(a) == normalize(b)
    for changed in ({**b, "A": ["23", "true"]}, {**b, "A": ["22"]}, {**b, "C": 1}, {**b, "B": {"Ref": "R"}}):
        assert normalize(a) != normalize(changed)
    assert normalize({"K": "X"}) != normalize({"K": ["X"]})  # a lone name is a list only for DependsOn/Transform


@pytest.mark.parametrize("path", complete(), ids=[p.name for p in complete()])
def test_imported_component_synthesizes_the_same_template(path: Path, modules_dir: Path) -> None:
    module = load_module(modules_dir / f"imported_{path.stem}.py")
    template = ik.synth(getattr(module, class_name(path.stem))).to_dict()
    assert normalize(template) == normalize(load_template(path.read_text()))


@pytest.mark.parametrize("path", complete(), ids=[p.name for p in complete()])
def test_cfn_lint_finds_nothing_new_in_the_imported_template(path: Path, modules_dir: Path) -> None:
    module = load_module(modules_dir / f"imported_{path.stem}.py")
    template = ik.synth(getattr(module, class_name(path.stem)))
    found = findings(template.to_json())
    # The original is linted only when the result has findings to compare (cfn-lint is slow).
    assert not found or found - findings(path.read_text()) == set()


def test_generated_modules_pass_ruff_and_mypy_strict(modules_dir: Path) -> None:
    files = sorted(str(p) for p in modules_dir.glob("*.py"))
    assert files
    root = HERE.parent
    ruff = [sys.executable, "-m", "ruff"]
    fmt = subprocess.run([*ruff, "format", "--check", "--diff", *files], capture_output=True, text=True, cwd=root)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    lint = subprocess.run([*ruff, "check", *files], capture_output=True, text=True, cwd=root)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", *files],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert typed.returncode == 0, typed.stdout + typed.stderr


# --- reading templates ----------------------------------------------------------------


def test_short_form_tags_read_as_their_long_form() -> None:
    data = load_template(
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
        "      BucketName: !Sub '${AWS::StackName}-x'\n"
        "      Tags: [{Key: a, Value: !GetAtt Q.Arn}, {Key: b, Value: !Select [0, !GetAZs '']}]\n"
        "      X: !If [C, !Ref 'AWS::NoValue', !Join ['', [a, !Base64 b]]]\n"
        "AWSTemplateFormatVersion: 2010-09-09\n"
    )
    props = data["Resources"]["B"]["Properties"]
    assert props["BucketName"] == {"Fn::Sub": "${AWS::StackName}-x"}
    assert props["Tags"][0]["Value"] == {"Fn::GetAtt": ["Q", "Arn"]}
    assert props["Tags"][1]["Value"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert props["X"] == {"Fn::If": ["C", {"Ref": "AWS::NoValue"}, {"Fn::Join": ["", ["a", {"Fn::Base64": "b"}]]}]}
    assert data["AWSTemplateFormatVersion"] == "2010-09-09"  # a string, not a date


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "a mapping of sections"),
        ("{not json", "not valid JSON"),
        ("a: [", "not valid YAML"),
        ("Parameters: {}\n", "no Resources section"),
        # A key given twice: the first would be dropped silently (cfn-lint: E0000).
        ("Resources:\n  Q: {Type: AWS::SQS::Queue}\n  Q: {Type: AWS::SNS::Topic}\n", r"'Q' is given twice \(line 3\)"),
        ('{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"A": 1, "A": 2}}}}', "'A' is given twice"),
    ],
)
def test_text_that_is_not_a_template_is_refused(text: str, message: str) -> None:
    with pytest.raises(TemplateImportError, match=message):
        import_template(text)


def test_a_parameter_name_that_is_not_camel_case_is_kept_with_name(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "Description": "d",
            "Parameters": {"subnetA": {"Type": "String"}, "VPCId": {"Type": "String"}},
            "Resources": {
                "T": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {"TopicName": {"Fn::Join": ["", [{"Ref": "subnetA"}, {"Ref": "VPCId"}]]}},
                }
            },
        }
    )
    source, problems = import_template(text, name="Names")
    assert problems == []
    assert 'name="subnetA"' in source
    (tmp_path / "names.py").write_text(source)
    template = ik.synth(load_module(tmp_path / "names.py").Names).to_dict()
    assert set(template["Parameters"]) == {"subnetA", "VPCId"}


def test_what_cannot_be_expressed_is_reported_with_its_path() -> None:
    text = json.dumps(
        {
            "Description": "d",
            "Parameters": {"Unused": {"Type": "String"}},
            "Mappings": {"Sizes": {"dev": {"Size": "1"}}, "Never": {"a": {"b": "c"}}},
            "Resources": {
                "T": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {
                        # A default is {DefaultValue: ...}: another fourth item cannot be expressed.
                        "TopicName": {"Fn::FindInMap": ["Sizes", "prod", "Size", {"Default": "2"}]},
                        "Bogus": 1,
                    },
                },
                "X": {"Type": "AWS::Nope::Thing"},
            },
        }
    )
    _source, problems = import_template(text)
    assert sorted(p.path for p in problems) == [
        "Mappings.Never",
        "Parameters.Unused",
        "Resources.T.Properties.Bogus",
        "Resources.T.Properties.TopicName.Fn::FindInMap[3]",
        "Resources.X.Type",
    ]


def test_coerced_literals_are_written_in_their_typed_form() -> None:
    text = json.dumps(
        {
            "Description": "d",
            "Resources": {
                "G": {
                    "Type": "AWS::EC2::SecurityGroup",
                    "Properties": {
                        "GroupDescription": "x",
                        "SecurityGroupIngress": [
                            {"IpProtocol": "tcp", "FromPort": "22", "ToPort": "22", "CidrIp": "10.0.0.0/8"}
                        ],
                    },
                },
                "V": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsSupport": "true"}},
            },
        }
    )
    source, problems = import_template(text)
    assert problems == []
    assert "from_port=22, to_port=22" in source
    assert "enable_dns_support=True" in source


# --- the command ------------------------------------------------------------------------


def test_cli_writes_the_module_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = complete()[0]
    out = tmp_path / "stack.py"
    assert main(["import", str(path), "-o", str(out), "--name", "Stack"]) == 0
    module = load_module(out)
    assert normalize(ik.synth(module.Stack).to_dict()) == normalize(load_template(path.read_text()))


def test_cli_lists_each_problem_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "partial.yaml"
    template.write_text(
        "Description: d\nParameters:\n  Unused: {Type: String}\n"
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {Colour: blue}\n"
    )
    out = tmp_path / "partial.py"
    assert main(["import", str(template), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "2 part(s) cannot be expressed" in err
    assert "Parameters.Unused: the parameter is never used" in err
    assert "Resources.Q.Properties.Colour: AWS::SQS::Queue has no property 'Colour'" in err
    assert "class Partial(ik.Component[PartialInputs, PartialOutputs])" in out.read_text()  # written, for review


def test_cli_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path / "nope.yaml")]) == 1
    assert "nope.yaml" in capsys.readouterr().err


def test_the_module_shown_in_the_docs_is_what_import_writes() -> None:
    page = (HERE.parent / "docs" / "import.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    template = re.search(r'template = """\n(.*?)"""', blocks[0], re.S)
    assert template is not None
    source, problems = import_template(template.group(1), name="Queues")
    assert problems == []
    assert blocks[1] == source


# --- property: whatever imports without a problem round-trips -------------------------------

_SCALARS = st.one_of(
    st.sampled_from(["", "22", "true", "false", "0.5", "abc", "10.0.0.0/16", "${AWS::Region}", "yes"]),
    st.integers(min_value=-5, max_value=5000),
    st.booleans(),
    st.floats(min_value=0, max_value=10, allow_nan=False),
)


def _intrinsics(names: list[str]) -> st.SearchStrategy[Any]:
    name = st.sampled_from(names)
    return st.one_of(
        name.map(lambda n: {"Ref": n}),
        name.map(lambda n: {"Fn::GetAtt": [n, "Arn"]}),
        name.map(lambda n: {"Fn::Sub": "${" + n + "}-x"}),
        st.just({"Ref": "AWS::NoValue"}),
        st.just({"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        st.just({"Fn::Join": ["", ["a", {"Ref": "AWS::Region"}]]}),
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


@st.composite
def mutated_templates(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(TEMPLATES))
    data = load_template(path.read_text())
    names = [*data.get("Parameters", {}), *data["Resources"]]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = draw(st.sampled_from([p for p in _paths(data) if len(p) >= 3]))
        parent = data
        for key in where[:-1]:
            parent = parent[key]
        leaf = st.one_of(_SCALARS, _intrinsics(names), st.lists(_SCALARS, max_size=2))
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[where[-1]]
        else:
            parent[where[-1]] = draw(leaf)
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_templates())
def test_a_template_that_imports_without_problems_synthesizes_the_same(data: dict[str, Any]) -> None:
    text = json.dumps(data)
    try:
        source, problems = import_template(text, name="Mutant")
    except TemplateImportError:
        return  # not a template at all (no Resources left): refused with a message
    if problems:
        assert all(p.path and p.message for p in problems)
        return
    namespace: dict[str, Any] = {"__name__": "mutant"}
    exec(compile(source, "mutant.py", "exec"), namespace)
    try:
        template = ik.synth(namespace["Mutant"]).to_dict()
    except ik.errors.InfrakitError as exc:  # a mistake in the template that import let through
        raise AssertionError(f"imported without a problem, but synth refuses it: {exc}\n{text}") from exc
    assert normalize(template) == normalize(data)


def test_an_unused_condition_and_an_output_of_a_conditional_resource_are_reported() -> None:
    text = (
        "Description: d\n"
        "Parameters:\n  Flag: {Type: String, Default: 'true'}\n"
        "Conditions:\n  On: !Equals [!Ref Flag, 'true']\n  Never: !Equals [!Ref Flag, 'no']\n"
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: On\n"
        "Outputs:\n  QueueArn:\n    Value: !GetAtt Q.Arn\n"
    )
    _source, problems = import_template(text)
    assert [p.path for p in problems] == ["Outputs.QueueArn.Value", "Conditions.Never"]
    assert "exists only under condition 'On'" in problems[0].message


def test_a_resource_or_condition_naming_itself_is_reported_as_a_cycle() -> None:
    # Before: the written module failed with UnboundLocalError ("the imported module fails").
    text = (
        "Description: d\n"
        "Parameters:\n  Flag: {Type: String, Default: 'true'}\n"
        "Conditions:\n  On: !And [!Equals [!Ref Flag, 'true'], !Condition On]\n"
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: On\n"
        "    Properties: {QueueName: !GetAtt Q.QueueName}\n"
    )
    _source, problems = import_template(text)
    assert [str(p) for p in problems] == [
        "Conditions.On: depends on itself through On -> On",
        "Resources.Q: depends on itself through Q -> Q",
    ]


def test_a_value_infrakit_refuses_at_synth_is_reported_by_the_verification() -> None:
    text = json.dumps(
        {
            "Description": "d",
            "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 100000}}},
        }
    )
    source, problems = import_template(text)
    assert [p.path for p in problems] == ["Resources.Q"]
    assert "refuses" in problems[0].message
    assert import_template(text, verify=False) == (source, [])


def test_yaml_reads_yes_no_on_off_as_strings_and_numeric_keys_as_strings() -> None:
    data = load_template(
        "Mappings:\n  Accounts:\n    123456789012: {On: yes}\nResources: {Q: {Type: AWS::SQS::Queue}}\n"
    )
    assert data["Mappings"] == {"Accounts": {"123456789012": {"On": "yes"}}}


def test_a_secret_default_is_written_nowhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = HERE / "import_templates" / "blocked_noecho_default.yaml"
    secret = load_template(path.read_text())["Parameters"]["MasterPassword"]["Default"]
    out = tmp_path / "db.py"
    assert main(["import", str(path), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert secret not in out.read_text() + captured.out + captured.err
    assert "secret=True" in out.read_text()


def test_resources_named_like_the_modules_the_module_imports_get_other_variables() -> None:
    text = (
        "Description: d\nResources:\n"
        "  Lambda: {Type: AWS::SQS::Queue}\n  S3: {Type: AWS::S3::Bucket}\n  Template: {Type: AWS::SNS::Topic}\n"
        "  Fn: {Type: AWS::SQS::Queue, DependsOn: [S3, Lambda, Template]}\n"
        "Outputs:\n  A: {Value: !Ref Lambda}\n  B: {Value: !Ref S3}\n"
        "Metadata:\n  Owner: !Ref Template\n"
    )
    source, problems = import_template(text, name="Clash")  # verified: it synthesizes the same
    assert problems == []
    assert "from infrakit.aws import s3, sns, sqs, template" in source
    assert "fn_ = " not in source  # Fn is used by nothing: added without a variable
    assert 's3_2 = self.add(s3.Bucket("S3"))' in source
    assert 'lambda_ = self.add(sqs.Queue("Lambda"))' in source
