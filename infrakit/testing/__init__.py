"""Testing infrakit components: property tests, contracts, template assertions, stand-ins.

- :mod:`infrakit.testing.strategies` — ``strategies.inputs(NetworkInputs)``: a hypothesis
  strategy of valid inputs, derived from the inputs class's types, defaults and validators.
- :func:`assert_contract` — synthesize a component and check its contract (outputs bound,
  references resolve, parameters used, schema-valid, within quotas, deterministic).
- :class:`Template`, :class:`Match`, :class:`Capture` — assertions on a synthesized template.
- :func:`standins`, :func:`standin_parameters` — plausible values for a component's
  undefaulted (wired) parameters, so it can be validated and deployed without its producers.
- :func:`compute_server` — infrakit's local Compute REST server on 127.0.0.1, for deploying
  GCP instances offline through the real ``google-cloud-compute`` clients.
- ``infrakit.testing.pytest_plugin`` — the ``synth``, ``standins`` and ``template_snapshot``
  pytest fixtures (registered automatically when infrakit is installed).

Nothing here is imported by ``import infrakit``; hypothesis loads only with ``strategies``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infrakit.testing import strategies
    from infrakit.testing._compute_server import compute_server
    from infrakit.testing._contract import assert_contract
    from infrakit.testing._match import Capture, Match
    from infrakit.testing._standins import standin_parameters, standins
    from infrakit.testing._template import Template

__all__ = [
    "Capture",
    "Match",
    "Template",
    "assert_contract",
    "compute_server",
    "standin_parameters",
    "standins",
    "strategies",
]

# Loaded on first use, so that the pytest plugin (loaded in every pytest session) stays cheap.
_LAZY = {
    "assert_contract": "infrakit.testing._contract",
    "Capture": "infrakit.testing._match",
    "compute_server": "infrakit.testing._compute_server",
    "Match": "infrakit.testing._match",
    "standins": "infrakit.testing._standins",
    "standin_parameters": "infrakit.testing._standins",
    "Template": "infrakit.testing._template",
}


def __getattr__(name: str) -> Any:
    if name == "strategies":
        return importlib.import_module("infrakit.testing.strategies")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'infrakit.testing' has no attribute {name!r}")
    # Not cached here: the submodule stays the one source of truth, even for tools that
    # re-import modules (pytester does).
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
