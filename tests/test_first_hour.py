"""What a new user tries in their first hour (issue 14): each works, and says what it did."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import typing
from pathlib import Path

import attrs
import pytest

import infrakit as ik
from infrakit import errors
from infrakit.aws import ec2

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_version_prints_the_installed_version_and_the_catalogue_source() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "infrakit", "--version"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    version = importlib.metadata.version("infrakit")
    assert result.stdout.startswith(f"infrakit {version} (AWS catalogue: cfn-lint ")
    assert result.stderr == ""


def test_the_package_version_is_the_project_version() -> None:
    import infrakit

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert infrakit.__version__ == project["version"]


# --------------------------------------------------------------------------- one message for a bad Literal


@ik.inputs
class EnvInputs:
    environment: typing.Literal["dev", "prod"] = "dev"
    regions: list[typing.Literal["eu", "us"]] = attrs.field(factory=list)
    vpc_id: ik.Param[str] = "vpc-0"
    az_count: int = attrs.field(default=2, validator=attrs.validators.ge(1))


def _load_error(tmp_path: Path, text: str, **overrides: object) -> str:
    config = tmp_path / "env.yaml"
    config.write_text(text)
    with pytest.raises(errors.ConfigError) as caught:
        ik.load_inputs(EnvInputs, config, **overrides)
    return str(caught.value)


def test_a_bad_literal_reads_the_same_from_a_file_from_the_constructor_and_for_a_resource(tmp_path: Path) -> None:
    with pytest.raises(errors.PropertyTypeError) as constructed:
        EnvInputs(environment="staging")  # type: ignore[arg-type]
    expected = "expected one of 'dev', 'prod', got str 'staging'"
    assert str(constructed.value).endswith(f"EnvInputs.environment: {expected}")
    assert _load_error(tmp_path, "environment: staging\n") == f"{tmp_path / 'env.yaml'}:1: environment: {expected}"
    with pytest.raises(errors.PropertyTypeError) as enum:
        ec2.VPC("Vpc", instance_tenancy="dedicatd")  # type: ignore[arg-type]
    assert "instance_tenancy`: expected one of " in str(enum.value)
    assert str(enum.value).endswith(", got str 'dedicatd' (did you mean `dedicated`?)")


def test_a_near_miss_gets_a_suggestion_from_a_file_too(tmp_path: Path) -> None:
    message = _load_error(tmp_path, "environment: prd\n")
    assert message.endswith("environment: expected one of 'dev', 'prod', got str 'prd' (did you mean `prod`?)")


def test_a_bad_literal_inside_a_list_names_the_item(tmp_path: Path) -> None:
    message = _load_error(tmp_path, "regions: [eu, asia]\n")
    assert message == f"{tmp_path / 'env.yaml'}:1: regions: expected one of 'eu', 'us', got str 'asia' @ regions[1]"


def test_a_literal_value_of_another_type_is_refused(tmp_path: Path) -> None:
    message = _load_error(tmp_path, "regions: [eu]\nenvironment: 1\n")
    assert message.endswith("environment: expected one of 'dev', 'prod', got int 1")


# --------------------------------------------------------------------------- load_inputs(..., field=value)


def test_load_inputs_keywords_set_fields_on_top_of_the_file(tmp_path: Path) -> None:
    config = tmp_path / "env.yaml"
    config.write_text("environment: prod\naz_count: 3\n")
    loaded = ik.load_inputs(EnvInputs, config, az_count=4, vpc_id="vpc-9")
    assert (loaded.environment, loaded.az_count, loaded.vpc_id) == ("prod", 4, "vpc-9")


def test_load_inputs_wires_a_parameter_to_another_instances_output(tmp_path: Path) -> None:
    @ik.outputs
    class NetOutputs:
        vpc_id: ik.Out[str]

    class Net(ik.Component[EnvInputs, NetOutputs]):
        def build(self, inputs: EnvInputs) -> NetOutputs:
            vpc = self.add(ec2.VPC("Vpc", cidr_block="10.0.0.0/16", tags=[ec2.VPC.Tag(key="vpc", value=inputs.vpc_id)]))
            return NetOutputs(vpc_id=vpc.ref)

    config = tmp_path / "env.yaml"
    config.write_text("environment: prod\n")
    app = ik.App("wired")
    net = app.add("net", Net, EnvInputs())
    consumer = app.add("consumer", Net, ik.load_inputs(EnvInputs, config, vpc_id=net.outputs.vpc_id))
    manifest = app.synth(str(tmp_path / "out"))
    assert manifest["instances"]["consumer"]["parameters"]["VpcId"] == {"from": {"instance": "net", "output": "VpcId"}}
    assert consumer.inputs.environment == "prod"


def test_load_inputs_refuses_a_keyword_that_is_not_a_field(tmp_path: Path) -> None:
    message = _load_error(tmp_path, "{}\n", vpcid="vpc-1")
    assert message == "load_inputs(EnvInputs, ...): vpcid= is not a field of EnvInputs (did you mean `vpc_id`?)"


def test_a_bad_keyword_value_is_blamed_on_the_keyword_not_the_file(tmp_path: Path) -> None:
    message = _load_error(tmp_path, "environment: prod\n", az_count=0)
    assert message.startswith(f"load_inputs(EnvInputs, {str(tmp_path / 'env.yaml')!r}, az_count=...): ")
    assert "must be >= 1: 0" in message
    message = _load_error(tmp_path, "environment: prod\n", environment="staging")
    assert "environment=...): EnvInputs.environment: expected one of 'dev', 'prod', got str 'staging'" in message


# --------------------------------------------------------------------------- the README's first example is true


def _readme_network() -> dict[str, typing.Any]:
    block = re.search(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S)
    assert block is not None
    namespace: dict[str, typing.Any] = {"__name__": "readme"}
    exec(compile(block.group(1).replace("print(", "(lambda *a: None)("), "README.md", "exec"), namespace)
    template: dict[str, typing.Any] = namespace["template"].to_dict()
    return template


def test_the_readme_network_has_a_public_subnet_per_availability_zone() -> None:
    resources = _readme_network()["Resources"]
    by_type: dict[str, list[tuple[str, dict[str, typing.Any]]]] = {}
    for logical_id, resource in resources.items():
        by_type.setdefault(resource["Type"], []).append((logical_id, resource))
    [(gateway, _)] = by_type["AWS::EC2::InternetGateway"]
    [(attachment_id, attachment)] = by_type["AWS::EC2::VPCGatewayAttachment"]
    assert attachment["Properties"] == {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": gateway}}
    [(table, _)] = by_type["AWS::EC2::RouteTable"]
    [(_, route)] = by_type["AWS::EC2::Route"]
    assert route["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"
    assert route["Properties"]["GatewayId"] == {"Ref": gateway}
    assert route["Properties"]["RouteTableId"] == {"Ref": table}
    assert route["DependsOn"] in (attachment_id, [attachment_id])  # the gateway is attached first
    subnets = {logical_id for logical_id, _ in by_type["AWS::EC2::Subnet"]}
    assert len(subnets) == 3  # az_count=3
    assert all(r["Properties"]["MapPublicIpOnLaunch"] is True for _, r in by_type["AWS::EC2::Subnet"])
    associated = {
        a["Properties"]["SubnetId"]["Ref"]
        for _, a in by_type["AWS::EC2::SubnetRouteTableAssociation"]
        if a["Properties"]["RouteTableId"] == {"Ref": table}
    }
    assert associated == subnets


# --------------------------------------------------------------------------- `pip install -e .` and type checkers


def test_an_editable_install_is_a_path_entry_that_mypy_follows(tmp_path: Path) -> None:
    # setuptools' default editable install for a flat layout is an import hook that mypy and
    # pyright cannot follow ("cannot find implementation or library stub for infrakit").
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check", "-e", str(ROOT)],
        check=True,
        capture_output=True,
    )
    [site] = [p for p in (env / "lib").glob("python3.*/site-packages")]
    [pth] = site.glob("__editable__*infrakit*.pth")
    assert pth.read_text().strip() == str(ROOT)
    assert not list(site.glob("__editable__*finder*.py"))
    user = tmp_path / "user.py"
    user.write_text(
        "import infrakit as ik\nfrom infrakit.aws import ec2\n\n"
        'vpc = ec2.VPC("Vpc", cidr_block="10.0.0.0/16")\n'
        "reveal_type(vpc.attrs.cidr_block)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable", str(python), str(user)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout
    assert re.search(r'Revealed type is "infrakit\._expr\.Expr\[(builtins\.)?str\]"', result.stdout), result.stdout


# --------------------------------------------------------------------------- the wrong inputs class, for mypy

USER_CODE = """
import infrakit as ik
from infrakit.aws import ec2


@ik.inputs
class NetInputs:
    cidr: str = "10.0.0.0/16"


@ik.inputs
class WebInputs:
    vpc_id: ik.Param[str]


@ik.outputs
class NetOutputs:
    vpc_id: ik.Out[str]


class Net(ik.Component[NetInputs, NetOutputs]):
    def build(self, inputs: NetInputs) -> NetOutputs:
        return NetOutputs(vpc_id=self.add(ec2.VPC("Vpc", cidr_block=inputs.cidr)).ref)


class Outer(ik.Component[NetInputs, NetOutputs]):
    def build(self, inputs: NetInputs) -> NetOutputs:
        self.embed(Net, inputs, prefix="Ok")
        return self.embed(Net, WebInputs(vpc_id="x"), prefix="Bad")


app = ik.App("a")
net = app.add("net", Net, NetInputs())
app.add("net-defaults", Net)
ik.synth(Net)
ik.synth(Net, NetInputs(cidr="10.1.0.0/16"))
numbers: set[int] = set()
numbers.add(1)
app.add("bad", Net, WebInputs(vpc_id=net.outputs.vpc_id))
ik.synth(Net, WebInputs(vpc_id="x"))
"""


def test_the_mypy_plugin_names_the_inputs_class_a_component_expects(tmp_path: Path) -> None:
    user = tmp_path / "user.py"
    user.write_text(USER_CODE)
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nplugins = infrakit.mypy_plugin\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "c"),
            str(user),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    errors_ = [line.split(": error: ", 1)[1] for line in result.stdout.splitlines() if ": error: " in line]
    assert errors_ == [
        'Argument 2 to "embed" of "Component" has incompatible type "WebInputs"; expected "NetInputs"  [arg-type]',
        'Argument 3 to "add" of "App" has incompatible type "WebInputs"; expected "NetInputs | None"  [arg-type]',
        'Argument 2 to "synth" has incompatible type "WebInputs"; expected "NetInputs | None"  [arg-type]',
    ], result.stdout


# --------------------------------------------------------------------------- synth says what it rendered


def _synth_shop(shop: Path, out: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "infrakit", "synth", str(shop / "app.py"), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_synth_says_which_instances_were_rendered_and_which_came_from_the_cache(tmp_path: Path) -> None:
    import shutil

    shop = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", shop, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "infrakit.out"
    every = "monitoring-dev, monitoring-prod, network-dev, network-prod, service-dev, service-prod"
    assert _synth_shop(shop, out) == [f"{out}: 6 template(s) and manifest.json", f"rendered: {every}"]
    assert _synth_shop(shop, out) == [f"{out}: 6 template(s) and manifest.json", f"from the cache: {every}"]


@ik.inputs
class BucketInputs:
    name: str = "b"


@ik.outputs
class NoOutputs:
    pass


class Bucket(ik.Component[BucketInputs, NoOutputs]):
    def build(self, inputs: BucketInputs) -> NoOutputs:
        from infrakit.aws import s3

        self.add(s3.Bucket("Bucket", bucket_name=inputs.name))
        return NoOutputs()


def test_app_synth_reports_each_instance_once_the_assembly_is_in_place(tmp_path: Path) -> None:
    app = ik.App("reported")
    app.add("dev", Bucket, BucketInputs(name="dev"))
    app.add("prod", Bucket, BucketInputs(name="prod"))
    seen: list[tuple[str, bool, bool]] = []

    def report(name: str, from_cache: bool) -> None:
        seen.append((name, from_cache, (tmp_path / "out" / f"{name}.template.json").is_file()))

    app.synth(str(tmp_path / "out"), report=report)
    assert seen == [("dev", False, True), ("prod", False, True)]
    seen.clear()
    app.synth(str(tmp_path / "out"), report=report, cache=False)
    assert seen == [("dev", False, True), ("prod", False, True)]
    seen.clear()
    app.synth(str(tmp_path / "out"), report=report)
    assert seen == [("dev", True, True), ("prod", True, True)]
    seen.clear()
    changed = ik.App("reported")
    changed.add("dev", Bucket, BucketInputs(name="dev"))
    changed.add("prod", Bucket, BucketInputs(name="prod-2"))
    changed.synth(str(tmp_path / "out"), report=report)
    assert seen == [("dev", True, True), ("prod", False, True)]
