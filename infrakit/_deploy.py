"""Delivering an assembly: the provider-neutral deploy seam.

The deployer follows ``manifest.json`` and never re-runs user code. This module holds what
every provider's deployer shares: the result types that ``ik.plan`` / ``ik.deploy`` /
``ik.destroy`` return, the :class:`Target` handed to a provider for one instance, and the
:class:`Deployer` protocol a provider implements (AWS: CloudFormation change sets through
boto3; GCP: infrakit as the engine through google-cloud-compute). The orchestration (order
from ``depends_on``, concurrency, wired parameters, skipping dependents of a failure) lives
here too and knows no provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, Protocol

import attrs

from infrakit._manifest import InstanceEntry

__all__ = [
    "DeployResult",
    "DeploySettings",
    "Deployer",
    "InstancePlan",
    "InstanceResult",
    "ResourceChange",
    "Status",
    "Target",
]

#: What happened to one instance in a deploy or destroy.
Status = Literal["created", "updated", "unchanged", "failed", "skipped", "deleted"]
PlanAction = Literal["create", "update", "unchanged", "delete"]


@attrs.frozen
class ResourceChange:
    """One resource's change in a plan (CloudFormation's change-set vocabulary)."""

    logical_id: str
    type: str
    action: Literal["Add", "Modify", "Remove"]
    replacement: Literal["True", "False", "Conditional"] = "False"
    #: Names of the changed properties (in the template's spelling), where known.
    properties: tuple[str, ...] = ()


@attrs.frozen
class InstancePlan:
    """What deploying (or destroying) one instance would do."""

    name: str
    #: The provider-side name of the deployment (AWS: the stack name ``<app>-<instance>``).
    stack: str
    action: PlanAction
    changes: tuple[ResourceChange, ...] = ()

    @property
    def destructive(self) -> bool:
        """Whether the plan removes or replaces a resource (needs ``allow_replace``)."""
        return any(c.action == "Remove" or c.replacement in ("True", "Conditional") for c in self.changes)


@attrs.frozen
class InstanceResult:
    """What happened to one instance."""

    name: str
    status: Status
    outputs: Mapping[str, str] = attrs.Factory(dict)
    #: Why it failed or was skipped (never holds a secret value).
    message: str = ""


@attrs.frozen
class DeployResult:
    """The result of ``ik.deploy`` / ``ik.destroy``: every selected instance's result."""

    instances: Mapping[str, InstanceResult]

    @property
    def outputs(self) -> dict[str, Mapping[str, str]]:
        """Each instance's outputs as a dict, by instance name."""
        return {name: result.outputs for name, result in self.instances.items()}

    @property
    def ok(self) -> bool:
        """Whether every instance ended created, updated, unchanged or deleted."""
        return all(r.status in ("created", "updated", "unchanged", "deleted") for r in self.instances.values())


@attrs.frozen(kw_only=True)
class DeploySettings:
    """Where and how to deploy: everything a provider's deployer may need to connect.

    Every field is optional: each provider falls back to its standard chain (boto3's for
    AWS: profiles, environment, ``AWS_ENDPOINT_URL``; Google's auth chain and
    ``GOOGLE_CLOUD_PROJECT`` / ``INFRAKIT_COMPUTE_ENDPOINT`` for GCP).
    """

    region: str | None = None
    project: str | None = None
    gcp_endpoint: str | None = None


@attrs.frozen(kw_only=True)
class Target:
    """One instance of an assembly, handed to its provider's deployer."""

    app: str
    name: str
    entry: InstanceEntry
    #: The assembly directory.
    directory: Path
    #: Every template parameter's value for this deploy (wired values already read from the
    #: producers). Secret values are here too: never print, log or write them.
    parameters: Mapping[str, str] = attrs.field(factory=dict, repr=False)

    @property
    def template_path(self) -> Path:
        return self.directory / self.entry.template

    @property
    def secrets(self) -> frozenset[str]:
        """Names of the parameters whose values must never be shown."""
        return frozenset(k for k, p in self.entry.parameters.items() if p.secret)


#: Receives a progress line (an event of a deployment) to show the user.
Report = Callable[[str], None]


class Deployer(Protocol):
    """What a provider implements to deliver its instances; one object per deploy run,
    shared by the worker threads (so its methods must be safe to call concurrently for
    different instances)."""

    def plan(self, target: Target) -> InstancePlan:
        """What :meth:`deploy` would do to ``target``, changing nothing."""
        ...

    def deploy(self, target: Target, *, allow_replace: bool, report: Report) -> InstanceResult:
        """Create or update ``target``'s deployment and wait until it settles. Refuses (status
        ``failed``, nothing changed) a plan that removes or replaces a resource unless
        ``allow_replace``."""
        ...

    def outputs(self, app: str, name: str) -> dict[str, str] | None:
        """The deployed outputs of instance ``name`` (``None`` when it is not deployed)."""
        ...

    def destroy(self, target: Target, *, report: Report) -> InstanceResult:
        """Delete ``target``'s deployment and everything it owns; status ``deleted``
        (or ``unchanged`` when there was nothing to delete)."""
        ...
