"""A secret never appears in a message, a repr, an output or a clear-text integration; dynamic
references are the recommended way to pass one, and both ways pass assert_contract."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest
from _app_support import Queue

import infrakit as ik
from infrakit.aws import fn, rds, sqs
from infrakit.errors import ConfigError, InfrakitError, SynthError, WiringError
from infrakit.testing import assert_contract

SECRET = "hunter2-s3cr3t"


@ik.inputs
class DbInputs:
    password: ik.Param[str] = ik.param(secret=True)
    pin: ik.Param[int] = ik.param(secret=True)

    @password.validator
    def _long_enough(self, _attribute: attrs.Attribute[str], value: object) -> None:
        if isinstance(value, str) and len(value) > 40:
            raise ValueError(f"{value!r} is longer than 40 characters")


@ik.outputs
class DbOutputs:
    endpoint: ik.Out[str]


def _no_secret(text: str) -> None:
    assert SECRET not in text and "hunter2" not in text


# --- messages and reprs ----------------------------------------------------------------------


def test_a_secret_of_the_wrong_type_is_refused_without_its_value() -> None:
    with pytest.raises(InfrakitError) as caught:
        DbInputs(pin=SECRET)  # type: ignore[arg-type]
    assert "DbInputs.pin: expected int" in str(caught.value)
    _no_secret(str(caught.value))
    _no_secret(repr(caught.value))


def test_a_secret_refused_by_its_validator_is_not_shown() -> None:
    with pytest.raises(InfrakitError) as caught:
        DbInputs(password=SECRET * 4)
    assert "longer than 40 characters" in str(caught.value)
    _no_secret(str(caught.value))
    _no_secret(repr(caught.value.args))


def test_a_short_secret_refused_by_its_validator_hides_the_whole_reason() -> None:
    @ik.inputs
    class Pin:
        pin: ik.Param[str] = ik.param(secret=True)

        @pin.validator
        def _digits(self, _attribute: attrs.Attribute[str], value: object) -> None:
            if isinstance(value, str) and not value.isdigit():
                raise ValueError(f"{value!r} must be digits")

    with pytest.raises(InfrakitError) as caught:
        Pin(pin="ab")
    assert "ab" not in str(caught.value) and "reason is not shown" in str(caught.value)


def test_the_repr_of_inputs_hides_secrets() -> None:
    shown = repr(DbInputs(password=SECRET, pin=1234))
    _no_secret(shown)
    assert "1234" not in shown and "password='***'" in shown


def test_load_inputs_does_not_show_a_secret_of_the_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "prod.yaml"
    path.write_text(f"pin: {SECRET}\n")
    with pytest.raises(ConfigError) as caught:
        ik.load_inputs(DbInputs, path)
    assert "pin" in str(caught.value) and "secret" in str(caught.value)
    _no_secret(str(caught.value))


class Db(ik.Component[DbInputs, DbOutputs]):
    """A database whose password is a deploy-time secret parameter."""

    def build(self, inputs: DbInputs) -> DbOutputs:
        db = self.add(
            rds.DBInstance(
                "Db",
                engine="postgres",
                db_instance_class="db.t3.micro",
                allocated_storage="20",
                master_username="admin",
                master_user_password=inputs.password,
            )
        )
        self.add(sqs.Queue("Pins", delay_seconds=inputs.pin))
        return DbOutputs(endpoint=db.attrs.endpoint_address)


def test_assert_contract_does_not_show_secret_inputs() -> None:
    class Broken(Db):
        def build(self, inputs: DbInputs) -> DbOutputs:
            raise RuntimeError("broken on purpose")

    with pytest.raises(AssertionError) as caught:
        assert_contract(Broken, DbInputs(password=SECRET), lint=False)
    _no_secret(str(caught.value))


# --- both ways of passing a secret pass the contract ------------------------------------------


def test_a_secret_parameter_passes_assert_contract_including_cfn_lint() -> None:
    template = assert_contract(Db)
    template.has_parameter("Password")
    assert template.to_dict()["Parameters"]["Password"]["NoEcho"] is True


@ik.inputs
class RefInputs:
    secret_name: str = "prod/db"


class DbFromSecretsManager(ik.Component[RefInputs, DbOutputs]):
    """A database whose password CloudFormation reads from Secrets Manager."""

    def build(self, inputs: RefInputs) -> DbOutputs:
        db = self.add(
            rds.DBInstance(
                "Db",
                engine="postgres",
                db_instance_class="db.t3.micro",
                allocated_storage="20",
                master_username=fn.resolve_secret(inputs.secret_name, json_key="username"),
                master_user_password=fn.resolve_secret(inputs.secret_name, json_key="password"),
            )
        )
        return DbOutputs(endpoint=db.attrs.endpoint_address)


def test_a_dynamic_reference_renders_and_passes_assert_contract() -> None:
    template = assert_contract(DbFromSecretsManager)
    props = template.to_dict()["Resources"]["Db"]["Properties"]
    assert props["MasterUserPassword"] == "{{resolve:secretsmanager:prod/db:SecretString:password}}"
    assert "Parameters" not in template.to_dict()


def test_dynamic_reference_forms() -> None:
    from infrakit.aws import secretsmanager

    secret = secretsmanager.Secret("Secret")
    cases = [
        (fn.resolve_secret("app"), "{{resolve:secretsmanager:app}}"),
        (
            fn.resolve_secret("app", version_stage="AWSPREVIOUS"),
            "{{resolve:secretsmanager:app:SecretString::AWSPREVIOUS:}}",
        ),
        (fn.resolve_ssm_secure("/app/pw", 3), "{{resolve:ssm-secure:/app/pw:3}}"),
    ]
    for expr, expected in cases:
        assert expr._render(None) == expected  # type: ignore[arg-type]

    def build(self: ik.Component[ik.Any, ik.Any], _inputs: object) -> DbOutputs:  # type: ignore[name-defined]
        self.add(secret)
        self.add(sqs.Queue("Q", queue_name=fn.resolve_secret(secret.ref, json_key="name")))
        return DbOutputs(endpoint="x")

    from helpers import NoInputs, component

    body = ik.synth(component(build, inputs=NoInputs, outputs=DbOutputs)).to_dict()
    assert body["Resources"]["Q"]["Properties"]["QueueName"] == {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "Secret"}, ":SecretString:name}}"]]
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda: fn.resolve_secret(""),
        lambda: fn.resolve_secret(None),  # type: ignore[arg-type]
        lambda: fn.resolve_secret("a", json_key="x:y"),
        lambda: fn.resolve_secret("a", version_stage="S", version_id="V"),
        lambda: fn.resolve_ssm_secure("p", 0),
    ],
)
def test_bad_dynamic_references_are_refused(call: object) -> None:
    with pytest.raises(InfrakitError, match=r"fn\.resolve_s"):
        call()  # type: ignore[operator]


# --- a secret is never published ---------------------------------------------------------------


def test_a_secret_parameter_bound_to_an_output_is_refused() -> None:
    class Leaky(ik.Component[DbInputs, DbOutputs]):
        def build(self, inputs: DbInputs) -> DbOutputs:
            self.add(sqs.Queue("Q", queue_name=inputs.password, delay_seconds=inputs.pin))
            return DbOutputs(endpoint=fn.join("-", ["db", inputs.password]))

    with pytest.raises(SynthError, match=r"Leaky: output `endpoint` would publish secret parameter `password`"):
        ik.synth(Leaky)


def test_a_dynamic_reference_bound_to_an_output_is_refused() -> None:
    class Leaky(ik.Component[RefInputs, DbOutputs]):
        def build(self, inputs: RefInputs) -> DbOutputs:
            self.add(sqs.Queue("Q"))
            return DbOutputs(endpoint=fn.resolve_secret("prod/db"))

    with pytest.raises(SynthError, match=r"output `endpoint` would publish the secret dynamic reference"):
        ik.synth(Leaky)


@ik.inputs
class SecretConsumerInputs:
    token: ik.Param[str] = ik.param(secret=True)


@ik.outputs
class NoOutputs:
    pass


class SecretConsumer(ik.Component[SecretConsumerInputs, NoOutputs]):
    def build(self, inputs: SecretConsumerInputs) -> NoOutputs:
        self.add(sqs.Queue("Q", queue_name=inputs.token))
        return NoOutputs()


@pytest.mark.parametrize("integration", ["registry", "exports"])
def test_a_secret_wired_through_a_clear_text_integration_is_refused(integration: str) -> None:
    app = ik.App("shop")
    queue = app.add("queue", Queue)
    with pytest.raises(WiringError, match=rf"SecretConsumerInputs.token is secret, but the {integration} integration"):
        app.add(
            "consumer",
            SecretConsumer,
            SecretConsumerInputs(token=ik.wire(queue.outputs.queue_name, integration=integration)),  # type: ignore[arg-type]
        )


def test_a_secret_wired_through_parameters_is_marked_secret_in_the_manifest(tmp_path: Path) -> None:
    app = ik.App("shop")
    queue = app.add("queue", Queue)
    app.add("consumer", SecretConsumer, SecretConsumerInputs(token=queue.outputs.queue_name))
    app.synth(str(tmp_path / "out"))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["instances"]["consumer"]["parameters"]["Token"]["secret"] is True
    template = json.loads((tmp_path / "out" / "consumer.template.json").read_text())
    assert template["Parameters"]["Token"]["NoEcho"] is True
