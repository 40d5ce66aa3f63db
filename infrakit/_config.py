"""Reading an environment's inputs from a configuration file (YAML, JSON or TOML).

cattrs structures each field to its declared type with strict primitives (``"3"`` is
not an ``int``, ``"no"`` is not a ``bool``); the inputs class's own validators then
run as usual. Every problem is reported with the file, the key and, for YAML, the line.
"""

from __future__ import annotations

import functools
import json
import math
import os
import typing
from collections import abc
from pathlib import Path
from typing import Any, TypeVar

from infrakit._contract import inputs_fields, is_inputs, redact
from infrakit._expr import expected_one_of
from infrakit.errors import ConfigError, InfrakitError, did_you_mean

__all__ = ["load_inputs"]

C = TypeVar("C")


class _Mismatch(TypeError):
    """A value that does not fit its field's type; the message is shown as it is, in the
    same words as the inputs class's own check (``expected one of 'dev', 'prod', got str 'staging'``)."""


def _format(exc: BaseException, type_: Any) -> str:
    import cattrs.v

    return str(exc) if isinstance(exc, _Mismatch) else cattrs.v.format_exception(exc, type_)


def _is_literal(type_: Any) -> bool:
    origin: Any = typing.get_origin(type_)
    return origin is typing.Literal


def _literal(value: Any, type_: Any) -> Any:
    if not any(value == allowed and type(value) is type(allowed) for allowed in typing.get_args(type_)):
        raise _Mismatch(expected_one_of(typing.get_args(type_), value))
    return value


def _strict(kind: type) -> Any:
    def structure(value: Any, _type: Any) -> Any:
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if kind is float and ok and not math.isfinite(value):
            raise TypeError(f"expected a finite float (a template cannot hold NaN or infinity), got {value!r}")
        if not ok:
            raise _Mismatch(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
        return value

    return structure


_COLLECTIONS = (list, tuple, set, frozenset, abc.Sequence, abc.MutableSequence, abc.Set, abc.MutableSet)


def _is_collection(type_: Any) -> bool:
    return (typing.get_origin(type_) or type_) in _COLLECTIONS


def _converter() -> Any:
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for kind in (str, int, float, bool):
        converter.register_structure_hook(kind, _strict(kind))
    converter.register_structure_hook_func(_is_literal, _literal)
    # cattrs builds a list from any iterable: "abc" would become ["a", "b", "c"].
    items = converter.copy()

    def only_lists(type_: Any) -> Any:
        structure = items.get_structure_hook(type_)

        def hook(value: Any, _type: Any) -> Any:
            if not isinstance(value, list):
                raise _Mismatch(f"expected a list, got {type(value).__name__} {value!r}")
            return structure(value, type_)

        return hook

    converter.register_structure_hook_factory(_is_collection, only_lists)
    return converter


def _parse(path: Path, text: str) -> tuple[Any, dict[str, int]]:
    """The file's data, and the line of each key of the first two levels (YAML only):
    ``{"az_count": 3, "network\0az_count": 5}``."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            import yaml

            # libyaml's parser where installed (about 10x faster on a large file).
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            node = yaml.compose(text, Loader=loader)
            _check_yaml_nodes(path, node)
            lines: dict[str, int] = {}
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    lines[str(k.value)] = k.start_mark.line + 1
                    if isinstance(v, yaml.MappingNode):  # a section, for load_inputs(key=...)
                        lines.update({f"{k.value}\0{kk.value}": kk.start_mark.line + 1 for kk, _vv in v.value})
            # Built from the nodes already parsed; aliases stay shared objects, never copies.
            return yaml.constructor.SafeConstructor().construct_document(node) if node is not None else None, lines
        if suffix == ".json":
            return json.loads(text, object_pairs_hook=functools.partial(_json_object, path)), {}
        if suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
            return tomllib.loads(text), {}
    except ConfigError:
        raise
    except Exception as exc:  # each parser has its own error type
        raise ConfigError(f"{path}: not valid {suffix[1:].upper()}: {exc}") from None
    raise ConfigError(f"{path}: unknown configuration format {suffix!r}; use .yaml, .yml, .json or .toml")


#: How many values a YAML file may expand to through its aliases (``*name``): a few hundred
#: bytes of nested aliases ("billion laughs") expand to billions of values.
YAML_EXPANDED_LIMIT = 5_000_000


def _check_yaml_nodes(path: Path, root: Any) -> None:
    """Refuse two equal keys in one mapping (YAML keeps the last; a configuration file that
    says a value twice is a mistake) and aliases that expand beyond
    :data:`YAML_EXPANDED_LIMIT` values. Each node is visited once, so both checks take time
    linear in the file, whatever its aliases."""
    import yaml

    if root is None:
        return
    order: list[Any] = []  # every node once, parents before children
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        raise ConfigError(f"{path}:{key.start_mark.line + 1}: {key.value}: duplicate key")
                    keys.add(key.value)
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    # The size of each node with its aliases expanded, children first.
    size: dict[int, int] = {}
    for node in reversed(order):
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size.get(id(k), 1) + size.get(id(v), 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size.get(id(item), 1) for item in node.value)
        else:
            total = 1
        size[id(node)] = min(total, YAML_EXPANDED_LIMIT + 1)
    if size[id(root)] > YAML_EXPANDED_LIMIT:
        raise ConfigError(
            f"{path}: its aliases (*name) expand to more than {YAML_EXPANDED_LIMIT:,} values; write the values "
            "out, or reuse fewer anchors inside one another"
        )


def _json_object(path: Path, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ConfigError(f"{path}: {key}: duplicate key")
        result[key] = value
    return result


def load_inputs(cls: type[C], path: str | os.PathLike[str], /, *, key: str | None = None, **overrides: Any) -> C:
    """Read an instance of the inputs class ``cls`` from a YAML, JSON or TOML file.

    ``key`` selects one top-level section (for example one environment of a file that
    holds several). Values are checked against the field types and the class's
    validators; errors name the file, the key and, for YAML, the line.

    Keyword arguments set fields on top of the file (they win over it): wire a
    deploy-time parameter to another instance's output, or override a setting::

        ik.load_inputs(ServiceInputs, "config/prod.yaml", key="service", vpc_id=net.outputs.vpc_id)

    They are checked by the inputs class like any value.
    """
    import cattrs

    if not is_inputs(cls):
        raise ConfigError(f"load_inputs takes an @ik.inputs class, got {cls!r}")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory; give the configuration file in it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); save it as UTF-8"
        ) from None
    data, lines = _parse(path, text)
    where = f"{path}"
    if key is not None:
        if not isinstance(data, dict) or key not in data:
            known = list(data) if isinstance(data, dict) else []
            raise ConfigError(f"{path}: no section {key!r}{did_you_mean(key, known)}")
        prefix = f"{key}\0"
        section = {name[len(prefix) :]: line for name, line in lines.items() if name.startswith(prefix)}
        data, lines, where = data[key], section, f"{path}: {key}"
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of {cls.__qualname__} fields, got {type(data).__name__}")

    def at(name: str) -> str:
        """``file:line: section.field`` (the line where YAML gives it)."""
        line = lines.get(name)
        dotted = f"{key}.{name}" if key is not None else name
        return f"{path}:{line}: {dotted}" if line else f"{path}: {dotted}"

    fields = dict(inputs_fields(cls))
    for name in overrides:
        if name not in fields:
            raise ConfigError(
                f"load_inputs({cls.__qualname__}, ...): {name}= is not a field of {cls.__qualname__}"
                f"{did_you_mean(name, fields)}"
            )
    converter = _converter()
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name, value in data.items():
        info = fields.get(str(name))
        if info is None:
            problems.append(f"{at(str(name))}: not a field of {cls.__qualname__}{did_you_mean(str(name), fields)}")
            continue
        try:
            values[name] = converter.structure(value, info.type)
        except Exception as exc:  # cattrs raises grouped errors; report each leaf
            if isinstance(exc, (cattrs.BaseValidationError, cattrs.ClassValidationError)):
                found = [f"{at(name)}: {m}" for m in cattrs.transform_error(exc, path=name, format_exception=_format)]
            else:
                found = [f"{at(name)}: {exc}"]
            if info.options is not None and info.options.secret:  # never a secret's value in a message
                found = [f"{redact(m, value)} (secret: value not shown)" for m in found]
            problems.extend(found)
    if problems:
        raise ConfigError("\n".join(problems))
    values.update(overrides)
    try:
        return cls(**values)
    except (InfrakitError, ValueError, TypeError) as exc:
        attribute = exc.args[1] if len(exc.args) > 1 else None
        field = getattr(attribute, "name", None)
        if field is None:  # the class's type checks name the field in the message
            field = next((n for n in overrides if f"{cls.__qualname__}.{n}:" in str(exc)), None)
        if field in overrides:
            prefix = f"load_inputs({cls.__qualname__}, {str(path)!r}, {field}=...)"
        else:
            prefix = at(field) if field else where
        message = exc.args[0] if isinstance(exc, ValueError) and exc.args else str(exc)
        raise ConfigError(f"{prefix}: {message}") from None
