"""infrakit: infrastructure as composable, typed Python components.

Define typed inputs and outputs (:func:`inputs`, :func:`outputs`, :data:`Param`,
:data:`Out`), write a :class:`Component` whose ``build`` adds typed resources
(``infrakit.aws.<service>``, ``infrakit.gcp.compute``), and :func:`synth` it into a
deployable template, on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infrakit import errors
from infrakit._app import App, Instance, wire
from infrakit._component import Component
from infrakit._contract import UNSET, Out, Param, inputs, out, outputs, param
from infrakit._expr import Expr, expr_list
from infrakit._synth import Template, synth
from infrakit._tags import Tag, tags

if TYPE_CHECKING:  # loaded on first use, by __getattr__
    from infrakit._asset import Asset
    from infrakit._config import load_inputs
    from infrakit._deploy import deploy, destroy, plan
    from infrakit._describe import describe_component as describe
    from infrakit._diff import diff_assemblies as diff

__all__ = [
    "UNSET",
    "App",
    "Asset",
    "Component",
    "Expr",
    "Instance",
    "Out",
    "Param",
    "Tag",
    "Template",
    "deploy",
    "describe",
    "destroy",
    "diff",
    "errors",
    "expr_list",
    "inputs",
    "load_inputs",
    "out",
    "outputs",
    "param",
    "plan",
    "synth",
    "tags",
    "wire",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Loaded on first use: configuration files need cattrs and a parser.
    if name == "load_inputs":
        from infrakit._config import load_inputs

        return load_inputs
    if name == "Asset":
        from infrakit._asset import Asset

        return Asset
    if name == "diff":  # two assemblies: what changed, who it affects, contract changes
        from infrakit._diff import diff_assemblies

        return diff_assemblies
    if name == "describe":  # a component's contract as data
        from infrakit._describe import describe_component

        return describe_component
    if name in ("plan", "deploy", "destroy"):
        # The deployer loads on first use (boto3 & co. only when a provider's deployer starts).
        from infrakit import _deploy

        return getattr(_deploy, name)
    raise AttributeError(f"module 'infrakit' has no attribute {name!r}")
