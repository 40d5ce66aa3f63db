"""The catalogue table format shared by the generators and the runtime.

Generated provider modules (``infrakit/aws/<service>.py``, ``infrakit/gcp/compute.py``)
carry their resource definitions as plain Python literals in this format; the
runtime (``infrakit._resource``) turns one entry into an attrs class the first
time it is accessed. Literals keep import cheap: a module is one constant table
unmarshalled from its ``.pyc``, and only the classes a user touches are built.

A *type spec* is one of:

=====================  ==========================================================
``"str"``              a string
``"int"``              an integer (``bool`` is rejected)
``"float"``            a number (``int`` or ``float``)
``"bool"``             a boolean
``"json"``             free-form JSON object (a ``dict``; may hold expressions)
``"any"``              any JSON value
``("list", T)``        a list whose items are ``T``
``("map", T)``         a ``dict[str, T]``
``("enum", (v, ...))`` one of the given strings
``("obj", "Name")``    a nested property type, looked up by name (AWS: nested
                       in the resource class; GCP: a module-level message class)
``("union", (T, ...))``  any of the given specs
=====================  ==========================================================

A *property* is ``(py_name, wire_name, type_spec, required)``. ``py_name`` is the
snake_case keyword; ``wire_name`` is the provider's own spelling, written in the
template. Property documentation lives in the generated ``.pyi`` stubs, not here.

An *attribute* (read-only value of a deployed resource) is
``(py_name, wire_name, type_spec)``.
"""

from __future__ import annotations

import typing

TypeSpec: typing.TypeAlias = "str | tuple[str, typing.Any]"
PropSpec: typing.TypeAlias = "tuple[str, str, TypeSpec, bool]"
AttrSpec: typing.TypeAlias = "tuple[str, str, TypeSpec]"
