"""The Google Cloud provider plug-in: what the core calls to render, check and deploy a GCP component."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from infrakit._provider import Provider, register

if TYPE_CHECKING:
    from infrakit._component import Synthesis
    from infrakit._deploy import Deployer, DeploySettings

__all__ = ["GCP", "GcpProvider"]


class GcpProvider:
    """Renders GCP components into compute templates (see ``infrakit.gcp._render``)."""

    name = "gcp"
    label = "GCP"
    template_suffix = ".compute.json"
    #: Only the deployer passes values between compute deployments: no registry, no exports.
    integrations = frozenset({"parameters"})
    #: A compute template has no size or count limits of its own (each resource is one API request).
    quotas: Mapping[str, int] = {}
    template_kind = "compute template"
    #: A compute template is declarative data: choices are made at build time, in Python.
    conditions = False

    @staticmethod
    def parameter_name(key: str) -> str:
        """Parameters keep their snake_case field name in a compute template: ``vpc_id``."""
        return key

    output_name = parameter_name

    @staticmethod
    def prefixed(prefix: str, name: str) -> str:
        """The name of a resource of an embedded component: ``Db`` + ``net`` -> ``db-net``."""
        return f"{prefix.lower()}-{name}"

    def render(self, synthesis: Synthesis) -> dict[str, Any]:
        """The compute template of a checked synthesis."""
        from infrakit.gcp._render import render  # the renderer loads only when synthesizing

        return render(synthesis)

    def check_template(self, synthesis: Synthesis, text: str) -> None:
        """Nothing to check on the text: everything is checked in ``render``."""

    def template_problems(self, body: Mapping[str, Any]) -> Iterable[str]:
        """References to nothing, unused parameters, and the resources' properties parsed
        into their ``compute_v1`` messages (the built-in schema check of compute templates)."""
        import json

        from infrakit.gcp._check import reference_problems, validate

        problems = list(reference_problems(body))
        return problems or validate(json.dumps(body, sort_keys=True))

    def published_outputs(self, body: Mapping[str, Any]) -> set[str]:
        return {str(o.get("name")) for o in body.get("outputs") or [] if isinstance(o, dict)}

    @staticmethod
    def moved_outputs(
        old: Mapping[str, Any], new: Mapping[str, Any], fed: Collection[str], imports_fed: bool
    ) -> set[str] | None:
        """The outputs of template ``new`` that can differ from ``old``'s (see ``infrakit.gcp._affected``)."""
        from infrakit.gcp._affected import moved_outputs

        return moved_outputs(old, new, fed, imports_fed)

    def validate(self, text: str, *, regions: tuple[str, ...], ignore: tuple[str, ...]) -> list[str]:
        from infrakit.gcp._check import validate

        return validate(text)

    @staticmethod
    def shared_names(instance: str, template: Callable[[], bytes]) -> list[tuple[str, str]]:
        """The project-global names an instance's resources get (``<instance>-<name>``): the app
        refuses two instances with one (see ``infrakit.gcp._names``)."""
        from infrakit.gcp._names import shared_names

        return shared_names(instance, template())

    def deployer(self, settings: DeploySettings) -> Deployer:
        """A ``GcpDeployer`` (``infrakit.gcp._deploy``), imported now: google-cloud-compute loads only when deploying."""
        import importlib

        module = importlib.import_module("infrakit.gcp._deploy")
        deployer: Deployer = module.GcpDeployer(settings)
        return deployer

    def __repr__(self) -> str:
        return "<provider gcp>"


GCP: Provider = register(GcpProvider())
