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

This module imports nothing heavy: pytest loads it in every session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

__all__ = ["standins", "synth", "template_snapshot"]


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
