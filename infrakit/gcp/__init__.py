"""Google Cloud: the Compute resource catalogue and its template renderer.

Every creatable Compute kind is a class in :mod:`infrakit.gcp.compute`
(``compute.v1.instance`` is ``compute.Instance``, ``compute.v1.globalAddress`` is
``compute.GlobalAddress``). ``RESOURCE_TYPES`` lists every type name;
:func:`resource_class` returns one class by type name; :func:`sub` writes references
and parameters into text (``sub("http://{ip}/", ip=address.attrs.address)``). See ``docs/gcp.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infrakit.gcp._expr import sub

__all__ = ["RESOURCE_TYPES", "resource_class", "sub"]


def resource_class(name: str) -> type[Any]:
    """The class of a Compute resource type: ``resource_class("compute.v1.instance")``."""
    from infrakit._resource import find_class
    from infrakit.gcp._types import CLASSES

    return find_class("GCP", name, CLASSES, lambda n: ("infrakit.gcp.compute", CLASSES[n]))


def __getattr__(name: str) -> Any:
    if name == "sub":
        from infrakit.gcp._expr import sub

        return sub
    if name == "RESOURCE_TYPES":
        from infrakit.gcp._types import RESOURCE_TYPES

        return RESOURCE_TYPES
    raise AttributeError(f"module 'infrakit.gcp' has no attribute {name!r}")
