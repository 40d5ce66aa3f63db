"""pytest fixtures for testing infrakit components, registered through the ``pytest11``
entry point when infrakit is installed:

- ``synth`` — ``synth(Component, inputs=None, contract=False)`` synthesizes a component and
  returns an :class:`infrakit.testing.Template` (``contract=True``: through
  :func:`infrakit.testing.assert_contract`);
- ``standins`` — :func:`infrakit.testing.standins`: values for a component's undefaulted
  parameters;
- ``template_snapshot`` — ``assert template_snapshot == template``: snapshot testing with
  syrupy, one ``__snapshots__/<test module>/<test>.template.json`` per snapshot, written
  or updated with ``pytest --snapshot-update``.

And one option: ``pytest --infrakit-lint`` (or ``infrakit_lint = true`` in the ini file)
makes every ``assert_contract`` without an explicit ``lint=`` run the provider's linter
(cfn-lint) besides the built-in schema check.

This module imports nothing heavy: pytest loads it in every session.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

__all__ = ["pytest_addoption", "pytest_configure", "pytest_unconfigure", "standins", "synth", "template_snapshot"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("infrakit")
    group.addoption(
        "--infrakit-lint",
        action="store_true",
        default=None,
        help="assert_contract also lints every template with the provider's linter (cfn-lint)",
    )
    parser.addini("infrakit_lint", "assert_contract also lints with cfn-lint (true/false)", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("infrakit_lint", None)
    enabled = bool(option) if option is not None else bool(config.getini("infrakit_lint"))
    if enabled:
        from infrakit.testing._contract import set_lint_default

        set_lint_default(True)


def pytest_unconfigure(config: pytest.Config) -> None:
    module = sys.modules.get("infrakit.testing._contract")
    if module is not None:
        module.set_lint_default(None)


@pytest.fixture
def synth() -> Callable[..., Any]:
    """``synth(Component, inputs=None, contract=False)`` -> :class:`infrakit.testing.Template`."""
    from infrakit.testing import Template, assert_contract

    def synthesize(component: Any, inputs: Any = None, *, contract: bool = False) -> Template:
        if contract:
            return assert_contract(component, inputs)
        return Template.from_synth(component, inputs)

    return synthesize


@pytest.fixture
def standins() -> Callable[..., dict[str, Any]]:
    """:func:`infrakit.testing.standins`: ``standins(Component, inputs=None, **values)``."""
    from infrakit.testing import standins as make

    return make


@pytest.fixture
def template_snapshot(request: pytest.FixtureRequest) -> Any:
    """A syrupy snapshot that stores templates as their JSON text:
    ``assert template_snapshot == ik.synth(Network, inputs)``."""
    try:
        snapshot = request.getfixturevalue("snapshot")
    except pytest.FixtureLookupError:
        raise pytest.UsageError(
            "the template_snapshot fixture needs syrupy, which is not installed: pip install 'infrakit[test]'"
        ) from None
    from infrakit.testing._snapshot import TemplateSnapshotExtension

    return snapshot.use_extension(TemplateSnapshotExtension)
