"""The runtime of the generated Compute catalogue: base classes and the lazy module.

``infrakit.gcp.compute`` is two literal tables (format in ``infrakit._spec``, plus
``"int64"``) handed to :func:`catalog`; a resource or message class is built from its
entry the first time it is accessed, then cached in the module.

64-bit integer fields (``"int64"``) take Python ``int``\\ s and are written as decimal
strings, their canonical JSON form in the Compute API: each class maps them to
:func:`int64_text` in ``_wire_forms``, which the core's renderer applies.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import attrs

from infrakit._expr import Expr
from infrakit._provider import Provider
from infrakit._resource import Resource, lazy_module, make_property_class, make_resource_class
from infrakit.gcp._expr import guard
from infrakit.gcp._provider import GCP
from infrakit.gcp._types import KINDS

__all__ = ["DependsOn", "GcpResource", "catalog"]

#: What a resource's ``depends_on=`` takes: a resource, a list of them, or nothing.
DependsOn = Resource | Sequence[Resource] | None


@attrs.define(eq=False, slots=True)
class GcpResource(Resource):
    """Base of every Google Cloud Compute resource class.

    The first argument is the resource's name in the project (``^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$``,
    checked at synth). ``.ref`` is its ``selfLink``; ``.attrs.<field>`` any field of the deployed
    resource (``id``, ``self_link``, the ``address`` of a static address, ...).
    """

    provider: ClassVar[Provider] = GCP
    #: ``"zone"``, ``"region"`` or ``"global"``: the keyword (and property) naming where it lives.
    scope: ClassVar[str] = "global"

    @classmethod
    def _tags_field(cls) -> str | None:
        """``labels``, where the kind has them: ``ik.tags`` and ``ik.Tag`` fill them."""
        return "labels" if any(py == "labels" and spec == ("map", "str") for py, _w, spec, _r in cls._props) else None

    @property
    def name(self) -> str:
        """The resource's name (its first argument)."""
        return self.logical_id

    @property
    def ref(self) -> Expr[str]:
        """The resource's ``selfLink``: ``$(ref.NAME.selfLink)``."""
        from infrakit.gcp._expr import GcpRef

        return GcpRef(self)

    @property
    def attrs(self) -> Any:
        """Any field of the deployed resource, nested ones too:
        ``vm.attrs.network_interfaces[0].access_configs[0].nat_ip``."""
        from infrakit.gcp._expr import GcpAttrs

        return GcpAttrs(self)


def runtime_spec(spec: Any) -> Any:
    """A table spec in the core's vocabulary: ``"int64"`` and ``"uint32"`` are integers (``"int"``)."""
    if spec in ("int64", "uint32"):
        return "int"
    if isinstance(spec, tuple) and spec[0] in ("list", "map"):
        return (spec[0], runtime_spec(spec[1]))
    return spec


def int64_text(value: Any) -> Any:
    """A rendered 64-bit integer value as the API's JSON writes it: a decimal string (in
    lists and maps too; expressions, already strings, stay as they are)."""
    if type(value) is int:
        return str(value)
    if isinstance(value, list):
        return [int64_text(v) for v in value]
    if isinstance(value, dict):
        return {k: int64_text(v) for k, v in value.items()}
    return value


def has_int64(spec: Any) -> bool:
    """Whether a table spec holds 64-bit integers (``"int64"``, or a list or map of them)."""
    return spec == "int64" or (isinstance(spec, tuple) and spec[0] in ("list", "map") and has_int64(spec[1]))


def _props(table_props: tuple[Any, ...]) -> tuple[tuple[Any, ...], frozenset[str]]:
    props = tuple((py, wire, runtime_spec(spec), required) for py, wire, spec, required in table_props)
    return props, frozenset(py for py, _wire, spec, _required in table_props if has_int64(spec))


def _resource_where(cls: Any, args: tuple[Any, ...]) -> str:
    return f"{cls.resource_type} {args[0]!r}" if args else str(cls.resource_type)


def _message_where(cls: Any, _args: tuple[Any, ...]) -> str:
    return f"compute.{cls.__name__}"


def catalog(
    module_name: str,
    resources: dict[str, tuple[Any, ...]],
    messages: dict[str, tuple[Any, ...]],
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of the generated ``compute`` module."""

    def lookup(name: str) -> type:
        return getattr(sys.modules[module_name], name)  # type: ignore[no-any-return]

    def build(name: str) -> type:
        cls: Any
        if name in resources:
            resource_type, scope, doc, table_props, attributes = resources[name]
            props, int64 = _props(table_props)
            cls = make_resource_class(
                name,
                base=GcpResource,
                module=module_name,
                resource_type=resource_type,
                doc=doc,
                props=props,
                attributes=tuple((py, wire, runtime_spec(spec)) for py, wire, spec in attributes),
                lookup=lambda _cls: lookup,
            )
            cls.scope = scope
            guard(cls, KINDS[resource_type][0], table_props, _resource_where)
        else:
            doc, table_props = messages[name]
            props, int64 = _props(table_props)
            cls = make_property_class(name, qualname=name, module=module_name, doc=doc, props=props, lookup=lookup)
            source = name.removesuffix("Message") if name.endswith("Message") and name != "LocalizedMessage" else name
            guard(cls, source, table_props, _message_where)
        cls._wire_forms = dict.fromkeys(int64, int64_text)
        made: type = cls
        return made

    return lazy_module(module_name, {**resources, **messages}, build, "resource or message")
