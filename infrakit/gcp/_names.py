"""The names GCP resources get in a project: one scheme per instance.

Compute names are project-global (per zone or region for zonal and regional kinds), so
two instances of one component in one project would fight over ``web-net``. A resource
named ``net`` in the template of instance ``web-dev`` is deployed as ``web-dev-net``;
when that is longer than 63 characters, it is cut to 54 and ends with ``-`` and the
first 8 hex digits of the SHA-256 of the full name, so it stays a valid, stable and
distinct Compute name. The app checks at synth that no two instances end up with one
deployed name (:func:`shared_names`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

__all__ = ["deployed_name", "deployed_names", "fit", "shared_names"]

_MAX = 63


def fit(full: str, limit: int) -> str:
    """``full``, or when it is longer than ``limit``, its start and ``-`` and the first 8 hex
    digits of its SHA-256: stable, and distinct for names that share the start."""
    if len(full) <= limit:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: limit - 9].rstrip('-')}-{digest}"


def deployed_name(instance: str, name: str) -> str:
    """The name resource ``name`` of instance ``instance`` has in the project."""
    full = re.sub(r"[^a-z0-9-]+", "-", f"{instance}-{name}".lower()).strip("-")
    if not full[:1].isalpha():
        full = "i-" + full
    return fit(full, _MAX)


def deployed_names(instance: str, names: Iterable[str]) -> dict[str, str]:
    """``{deployed name: template name}`` of one instance's resources."""
    return {deployed_name(instance, n): n for n in names}


def shared_names(instance: str, template: bytes) -> list[tuple[str, str]]:
    """``(where/collection/deployed name, template name)`` of each resource of an instance's
    compute template (JSON or YAML): two instances of one app must not share one."""
    from infrakit.gcp._types import KINDS

    text = template.decode("utf-8")
    if text.lstrip().startswith("{"):
        import json

        body = json.loads(text)
    else:
        import yaml

        body = yaml.safe_load(text)
    found = []
    for resource in body.get("resources", []):
        _message, scope, collection = KINDS.get(resource.get("type"), ("", "global", resource.get("type")))
        where = "global" if scope == "global" else f"{scope}s/{(resource.get('properties') or {}).get(scope)}"
        found.append((f"{where}/{collection}/{deployed_name(instance, resource['name'])}", resource["name"]))
    return found
