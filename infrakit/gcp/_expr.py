"""GCP expressions: nested field references, text with references, and construction checks.

* ``vm.attrs.network_interfaces[0].access_configs[0].nat_ip`` is a :class:`FieldRef`,
  rendered ``$(ref.vm.networkInterfaces[0].accessConfigs[0].natIP)``: indexing a list field
  and naming a field of a message field go down the deployed resource's JSON, each step
  checked against the ``compute_v1`` message (``infrakit.gcp._fields``, loaded on the first
  step down). A nested field called like an expression's own attribute (``name``,
  ``type``, ``resource``, ``py_name``) is reached by subscript: ``access_configs[0]["name"]``.
* :func:`sub` writes references into text: ``sub("http://{ip}:8080/", ip=address.attrs.address)``
  renders ``"http://$(ref.ip.address):8080/"``, resolved by the deployer.
* :func:`guard` adds to each generated class the checks its table implies: 32-bit integer
  fields refuse values out of their range, and an output-only field given as a keyword is
  reported as output-only (read it with ``.attrs``).
"""

from __future__ import annotations

import functools
import string
from typing import Any

from infrakit._expr import Expr, GetAtt, Ref, Renderer
from infrakit._resource import Resource, building_prefix
from infrakit.errors import (
    PropertyTypeError,
    PropertyValueError,
    SynthError,
    UnknownAttributeError,
    UnknownPropertyError,
    did_you_mean,
)

__all__ = ["FieldRef", "GcpAttrs", "GcpRef", "guard", "sub"]

_TEXT_HINT = "Write it into text with infrakit.gcp.sub('...{x}...', x=value), resolved at deploy time."
_RANGES = {"int": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1)}


def message_fields() -> dict[str, dict[str, tuple[Any, ...]]]:
    """``{compute_v1 message: {python name: (JSON name, spec, output only)}}`` (generated)."""
    from infrakit.gcp._fields import FIELDS  # a large table: only when going down a field

    table: dict[str, dict[str, tuple[Any, ...]]] = FIELDS  # type: ignore[assignment]
    return table


_fields = message_fields


def _python_type(spec: Any) -> Any:
    if spec is None:
        return Any
    if isinstance(spec, str):
        return {"str": str, "bool": bool, "float": float}.get(spec, int)
    kind, arg = spec
    if kind == "list":
        return list[_python_type(arg)]  # type: ignore[misc]
    if kind == "map":
        return dict[str, _python_type(arg)]  # type: ignore[misc]
    return dict[str, Any]


class _GcpText:
    """GCP hints for an expression used as Python text or number (``fn.sub`` is AWS-only)."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        raise self._no_value("formatted into a Python string", _TEXT_HINT)  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return self.__format__("")

    def _arithmetic(self, other: object) -> Any:
        raise self._no_value("computed with in Python (+, -, *, /, %)", _TEXT_HINT)  # type: ignore[attr-defined]

    __add__ = __radd__ = __mul__ = __rmul__ = __mod__ = __rmod__ = _arithmetic


class GcpRef(_GcpText, Ref[str]):
    """A GCP resource's ``.ref``: its ``selfLink``."""

    __slots__ = ()


class FieldRef(_GcpText, GetAtt[Any]):
    """A field of a deployed GCP resource, at a path of fields and list indexes."""

    __slots__ = ("_message", "_spec", "_step")

    def __init__(
        self,
        resource: Resource,
        path: str,
        py_path: str,
        spec: Any,
        message: str | None = None,
        step: str = "",
        type: Any = None,
    ) -> None:
        super().__init__(resource, path, _python_type(spec) if type is None else type, py_path)
        # The value's spec when known; else it is field `step` of `message` (looked up lazily).
        self._spec = spec
        self._message = message
        self._step = step

    @property
    def _value_spec(self) -> Any:
        if self._spec is None and self._message is not None:
            self._spec = _fields()[self._message][self._step][1]
        return self._spec

    def _field(self, py: str) -> FieldRef:
        spec = self._value_spec
        if not (isinstance(spec, tuple) and spec[0] == "obj"):
            raise UnknownAttributeError(
                f"{building_prefix()}{self._describe()} is not a message (it holds {_shown(spec)}); it has no "
                f"field `{py}`"
            )
        fields = _fields()[spec[1]]
        if py not in fields:
            raise UnknownAttributeError(
                f"{building_prefix()}{self._describe()}: compute_v1.{spec[1]} has no field `{py}`"
                f"{did_you_mean(py, fields)}; its fields: {', '.join(sorted(fields))}"
            )
        wire, field_spec, _output_only = fields[py]
        return FieldRef(self.resource, f"{self.name}.{wire}", f"{self.py_name}.{py}", field_spec)

    def __getattr__(self, name: str) -> FieldRef:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._field(name)

    def __getitem__(self, key: object) -> FieldRef:
        spec = self._value_spec
        if isinstance(key, str):
            return self._field(key)
        if isinstance(spec, tuple) and spec[0] == "list" and type(key) is int and key >= 0:
            return FieldRef(self.resource, f"{self.name}[{key}]", f"{self.py_name}[{key}]", spec[1])
        if isinstance(spec, tuple) and spec[0] == "list":
            raise PropertyTypeError(
                f"{building_prefix()}{self._describe()}: a list field takes a whole number from 0 as index, got {key!r}"
            )
        raise PropertyTypeError(
            f"{building_prefix()}{self._describe()} holds {_shown(spec)}, which cannot be indexed with {key!r}"
        )


def _shown(spec: Any) -> str:
    if isinstance(spec, tuple):
        return {"list": "a list", "map": "a map", "obj": f"a compute_v1.{spec[1]}"}[spec[0]]
    return f"a {spec}"


class GcpAttrs:
    """``resource.attrs`` of a GCP resource: each field a :class:`FieldRef`."""

    __slots__ = ("_resource",)

    def __init__(self, resource: Resource) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> FieldRef:
        from infrakit._resource import _Attrs, spec_type
        from infrakit.gcp._types import KINDS

        resource = self._resource
        spec = type(resource)._attr_specs.get(name)
        if spec is None:
            return _Attrs(resource).__getattr__(name)  # type: ignore[return-value]  # raises its error
        wire, type_spec = spec
        message = KINDS[resource.resource_type][0]
        return FieldRef(resource, wire, name, None, message, name, type=spec_type(type_spec))

    def __dir__(self) -> list[str]:
        return sorted(type(self._resource)._attr_specs)


# --- text -----------------------------------------------------------------------------------


class Sub(Expr[str]):
    """Text with references and parameters written into it (see :func:`sub`)."""

    __slots__ = ("text", "values")

    def __init__(self, text: str, values: dict[str, Any]) -> None:
        super().__init__(str)
        self.text = text
        self.values = values

    def _children(self) -> Any:
        return iter(self.values.values())

    def _render(self, r: Renderer) -> Any:
        from infrakit.gcp._render import _Renderer

        if not isinstance(r, _Renderer):
            raise SynthError(
                f"{building_prefix()}infrakit.gcp.sub is for GCP components; in an AWS component use fn.sub"
            )
        rendered: dict[str, str] = {}
        for key, value in self.values.items():
            text = r.value(value)
            if isinstance(text, bool) or not isinstance(text, (str, int, float)):
                raise SynthError(
                    f"{r.where}: gcp.sub value `{key}` renders as {type(text).__name__}; only text and numbers "
                    "can be written into text"
                )
            rendered[key] = str(text)
        return self.text.format_map(rendered)

    def _describe(self) -> str:
        return f"gcp.sub({self.text!r})"


def sub(text: str, /, **values: Any) -> Expr[str]:
    """Text with values written into it at deploy time: ``{name}`` fields of ``text`` take the
    keyword of that name, a plain value, a parameter or a reference (``.ref``, ``.attrs.x``,
    nested paths included); ``{{`` and ``}}`` are literal braces.

    ``sub("https://{ip}/health", ip=address.attrs.address)`` renders
    ``"https://$(ref.ip.address)/health"``, which the deployer resolves.
    """
    if not isinstance(text, str):
        raise PropertyTypeError(f"{building_prefix()}gcp.sub takes text first, got {type(text).__name__}")
    try:
        names = [field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise PropertyValueError(
            f"{building_prefix()}gcp.sub({text!r}): {exc}; write literal braces as {{{{ }}}}"
        ) from None
    for field in names:
        if not field.isidentifier():
            raise PropertyValueError(
                f"{building_prefix()}gcp.sub({text!r}): `{{{field}}}` must be a plain name, given as a keyword"
            )
        if field not in values:
            raise PropertyValueError(
                f"{building_prefix()}gcp.sub({text!r}): no value for `{{{field}}}`{did_you_mean(field, values)}; "
                "give it as a keyword"
            )
    unused = sorted(set(values) - set(names))
    if unused:
        raise PropertyValueError(f"{building_prefix()}gcp.sub({text!r}): `{unused[0]}` is not used in the text")
    for key, value in values.items():
        kind = value.type if isinstance(value, Expr) else type(value)
        if kind not in (str, int, float) or isinstance(value, bool):
            raise PropertyTypeError(
                f"{building_prefix()}gcp.sub({text!r}): `{key}` must be text or a number, got {value!r}"
            )
    return Sub(text, dict(values))


# --- construction checks --------------------------------------------------------------------


def _ranges(table_props: tuple[Any, ...]) -> dict[str, tuple[str, tuple[int, int]]]:
    found = {}
    for py, _wire, spec, _required in table_props:
        inner = spec[1] if isinstance(spec, tuple) and spec[0] in ("list", "map") else spec
        if inner in _RANGES:
            found[py] = (inner, _RANGES[inner])
    return found


def _out_of_range(value: Any, low: int, high: int) -> Any:
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
    return next((v for v in items if type(v) is int and not low <= v <= high), None)


def guard(cls: Any, message: str, table_props: tuple[Any, ...], where: Any) -> None:
    """Wrap ``cls.__init__``: 32-bit integer fields refuse values out of their range, and an
    output-only field of ``message`` given as a keyword says it is output-only."""
    ranges = _ranges(table_props)
    keywords = getattr(cls, "_keywords", None) or {py for py, *_ in table_props}
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if not keywords.issuperset(kwargs):
            _refuse_output_only(message, set(kwargs) - keywords, where(cls, args))
        init(self, *args, **kwargs)
        for py in ranges.keys() & kwargs.keys():
            kind, (low, high) = ranges[py]
            bad = _out_of_range(kwargs[py], low, high)
            if bad is not None:
                name = "an unsigned 32-bit" if kind == "uint32" else "a 32-bit"
                raise PropertyValueError(
                    f"{building_prefix()}{where(cls, args)}: property `{py}`: {bad} is out of range for {name} "
                    f"integer field ({low} .. {high})"
                )

    cls.__init__ = __init__


def _refuse_output_only(message: str, unknown: set[str], where: str) -> None:
    fields = _fields().get(message, {})
    for py in sorted(unknown):
        if py in fields and fields[py][2]:
            raise UnknownPropertyError(
                f"{building_prefix()}{where}: `{py}` is output-only in compute_v1.{message}: the API sets it, so it "
                f"is not a property; read it from the deployed resource (.attrs.{py} of a resource)"
            )
    # anything else: the class's own did-you-mean error
