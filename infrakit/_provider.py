"""The provider plug-in seam: what the core knows of AWS, GCP or any other provider.

A provider is an object with ``name``, ``template_suffix``, ``render(build)``,
``check_template(build, text)``, ``parameter_name(key)``, ``output_name(field)`` and
``prefixed(prefix, name)`` (the id of a resource of an embedded component).
Resource classes carry theirs (``Resource.provider``); a provider registers itself here
when its package is imported, so an assembly's manifest can be read back by name. The
core never imports a provider.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PROVIDERS", "register"]

#: Registered providers by name.
PROVIDERS: dict[str, Any] = {}


def register(provider: Any) -> Any:
    """Make ``provider`` known by its name; returns it."""
    PROVIDERS[provider.name] = provider
    return provider
