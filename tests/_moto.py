"""moto's server on 127.0.0.1 for deploy tests, taught what moto 5.2.5's CloudFormation lacks.

moto is the stand-in for AWS; where its CloudFormation differs from the real service in a way
a deploy depends on, it is taught the documented behaviour here, so the deployer under test
runs exactly as it would against CloudFormation:

- ``Fn::Cidr`` is not evaluated: ``count`` blocks of ``cidr_bits`` host bits carved in order
  from ``ip_block``.
- Executing a change set leaves the stack without ``Outputs``, exports and with its old
  parameters: the stack's template, parameters, outputs and exports are refreshed after
  execution, as after a ``CreateStack`` / ``UpdateStack``.
- A resource that fails while a change set executes makes ExecuteChangeSet itself fail
  (moto has no failed stack states): here the failure becomes a ``CREATE_FAILED`` (or
  ``UPDATE_FAILED``) event of that resource with its reason, and the stack ends
  ``ROLLBACK_COMPLETE`` (or ``UPDATE_ROLLBACK_COMPLETE``), as CloudFormation reports it.

Not taught (the tests say so where it matters): moto cannot delete a stack whose VPC still
has dependants (its delete order differs from CloudFormation's), so shop's network stacks are
not destroyed in the tests; destroy is shown on stacks of other resources.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def teach_moto_fn_cidr() -> Any:
    """Make moto evaluate ``Fn::Cidr``; returns what to restore with :func:`forget_fn_cidr`."""
    from moto.cloudformation import parsing

    original = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
            block, count, bits = (original(a, resources_map) for a in resource_json["Fn::Cidr"])
            network = ipaddress.ip_network(block)
            return [str(n) for n in network.subnets(new_prefix=network.max_prefixlen - int(bits))][: int(count)]
        return original(resource_json, resources_map)

    parsing.clean_json = clean_json
    return original


def forget_fn_cidr(original: Any) -> None:
    from moto.cloudformation import parsing

    parsing.clean_json = original


_FAILING = threading.local()


def teach_moto_change_sets() -> list[tuple[Any, str, Any]]:
    """Teach moto's change sets outputs, parameters and failed executions (see the module's
    docstring); returns the originals to restore with :func:`restore`."""
    from moto.cloudformation import models, parsing

    saved = [
        (models.ChangeSet, "apply", models.ChangeSet.apply),
        (models.CloudFormationBackend, "execute_change_set", models.CloudFormationBackend.execute_change_set),
        (parsing, "parse_and_create_resource", parsing.parse_and_create_resource),
        (parsing, "parse_and_update_resource", parsing.parse_and_update_resource),
    ]
    apply, execute = models.ChangeSet.apply, models.CloudFormationBackend.execute_change_set
    create, update = parsing.parse_and_create_resource, parsing.parse_and_update_resource

    def remember(function: Any) -> Any:
        def wrapper(logical_id: str, resource_json: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return function(logical_id, resource_json, *args, **kwargs)
            except Exception as exc:
                if getattr(_FAILING, "resource", None) is None:
                    _FAILING.resource = (logical_id, resource_json.get("Type", ""), exc)
                raise

        return wrapper

    def apply_and_refresh(self: Any) -> None:
        apply(self)
        stack = self.stack
        stack.template = self.template
        stack._parse_template()
        stack.parameters = dict(self.parameters)
        stack.output_map = stack._create_output_map()

    def execute_or_fail(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        _FAILING.resource = None
        try:
            change_set = self.change_sets.get(change_set_name) or next(
                c for c in self.change_sets.values() if c.change_set_name == change_set_name
            )
            # Fn::ImportValue reads the region's exports, as for a stack from CreateStack.
            target = self.stacks[change_set.stack_id]
            target.cross_stack_resources = target.resource_map.cross_stack_resources = self.exports
            execute(self, change_set_name, stack_name)
            for export in target.exports:  # registered as CreateStack registers them
                self.exports[export.name] = export
        except Exception as exc:
            change_set = self.change_sets.get(change_set_name) or next(
                c for c in self.change_sets.values() if c.change_set_name == change_set_name
            )
            stack = self.stacks[change_set.stack_id]
            logical_id, kind, cause = _FAILING.resource or (stack.name, "AWS::CloudFormation::Stack", exc)
            verb = "CREATE" if change_set.change_set_type == "CREATE" else "UPDATE"
            stack.events.append(
                models.Event(
                    stack_id=stack.stack_id,
                    stack_name=stack.name,
                    logical_resource_id=logical_id,
                    physical_resource_id="",
                    resource_type=kind,
                    resource_status=f"{verb}_FAILED",
                    resource_status_reason=f"{type(cause).__name__}: {cause}",
                    resource_properties="",
                )
            )
            final = "ROLLBACK_COMPLETE" if verb == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
            stack._add_stack_event(final)
            stack.status = final
            change_set.execution_status = "EXECUTE_FAILED"
        finally:
            _FAILING.resource = None

    models.ChangeSet.apply = apply_and_refresh
    models.CloudFormationBackend.execute_change_set = execute_or_fail
    parsing.parse_and_create_resource = remember(create)
    parsing.parse_and_update_resource = remember(update)
    return saved


def restore(saved: list[tuple[Any, str, Any]]) -> None:
    for owner, name, value in saved:
        setattr(owner, name, value)


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """The URL of a taught moto server on 127.0.0.1 (a free port), with dummy credentials
    and ``AWS_ENDPOINT_URL`` set to it in the environment while it runs. A test module
    makes it a fixture::

        @pytest.fixture(scope="module", autouse=True)
        def moto_endpoint() -> Iterator[str]:
            with moto_server() as endpoint:
                yield endpoint
    """
    from moto import server as moto_server

    patch = pytest.MonkeyPatch()
    for key, value in DUMMY_ENV.items():
        patch.setenv(key, value)
    patch.delenv("AWS_PROFILE", raising=False)
    cidr = teach_moto_fn_cidr()
    saved = teach_moto_change_sets()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    endpoint = f"http://{host}:{port}"
    patch.setenv("AWS_ENDPOINT_URL", endpoint)
    try:
        yield endpoint
    finally:
        server.stop()
        restore(saved)
        forget_fn_cidr(cidr)
        patch.undo()
