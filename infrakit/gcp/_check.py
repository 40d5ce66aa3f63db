"""Checks of a rendered compute template, read as data: references that name nothing,
unused parameters, and validation against the ``compute_v1`` messages."""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from infrakit._provider import walk

__all__ = ["reference_problems", "validate"]

_COMPUTE_REF = re.compile(r"\$\((ref|params)\.([^.)]+)[^)]*\)")


def reference_problems(body: Mapping[str, Any]) -> Iterator[str]:
    """Every reference of a compute template that names nothing, and every unused parameter."""
    entries = [e for e in body.get("resources") or [] if isinstance(e, dict)]
    names = {e.get("name") for e in entries}
    parameters = [p.get("name") for p in body.get("parameters") or [] if isinstance(p, dict)]
    used: set[str] = set()
    for entry in entries:
        depends = (entry.get("metadata") or {}).get("dependsOn") or []
        for dep in depends:
            if dep not in names:
                yield f"resources.{entry.get('name')} depends on {dep!r}, which is not a resource of the template"
    for section in ("resources", "outputs"):
        for path, node in walk(body.get(section) or [], section):
            if not isinstance(node, str):
                continue
            for kind, target in _COMPUTE_REF.findall(node):
                if kind == "params":
                    if target in parameters:
                        used.add(target)
                    else:
                        yield f"{path} uses parameter {target!r}, which is not a parameter of the template"
                elif target not in names:
                    yield f"{path} refers to {target!r}, which is not a resource of the template"
    for name in parameters:
        if name not in used:
            yield f"parameter {name!r} is never used"


def validate(text: str) -> list[str]:
    """Problems of a compute template found by parsing its properties into the ``compute_v1``
    messages (``infrakit.gcp.validate``; google-cloud-compute loads only here). Each distinct
    text is parsed once per process (property tests draw many inputs that render alike)."""
    return list(_validate(text))


@functools.lru_cache(maxsize=512)
def _validate(text: str) -> tuple[str, ...]:
    return tuple(_parse(text))


def _parse(text: str) -> list[str]:
    try:
        validator = importlib.import_module("infrakit.gcp.validate")
    except ImportError:
        return []  # no validator for compute templates: the structural checks are all there is
    from infrakit.errors import InfrakitError

    try:
        validator.validate_template(json.loads(text))
    except InfrakitError as exc:
        return [f"invalid compute template: {exc}"]
    except ImportError as exc:
        raise ImportError(
            "assert_contract validates compute templates with google-cloud-compute, which is not installed: "
            "pip install 'infrakit[gcp]'"
        ) from exc
    return []
