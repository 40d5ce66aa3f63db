"""The Google Cloud provider plug-in: what the core calls to render a GCP component."""

from __future__ import annotations

from typing import Any

from infrakit._provider import register

__all__ = ["GCP", "GcpProvider"]


class GcpProvider:
    """Renders GCP components into compute templates (see ``infrakit.gcp._render``)."""

    name = "gcp"
    template_suffix = ".compute.json"

    @staticmethod
    def parameter_name(key: str) -> str:
        """Parameters keep their snake_case field name in a compute template: ``vpc_id``."""
        return key

    output_name = parameter_name

    @staticmethod
    def prefixed(prefix: str, name: str) -> str:
        """The name of a resource of an embedded component: ``Db`` + ``net`` -> ``db-net``."""
        return f"{prefix.lower()}-{name}"

    def render(self, build: Any) -> dict[str, Any]:
        """The compute template of a checked build."""
        from infrakit.gcp._render import render  # the renderer loads only when synthesizing

        return render(build)

    def check_template(self, build: Any, text: str) -> None:
        """Nothing to check on the text: a compute template has no size or count limits of
        its own (each resource is one API request); everything else is checked in ``render``."""

    def __repr__(self) -> str:
        return "<provider gcp>"


GCP = register(GcpProvider())
