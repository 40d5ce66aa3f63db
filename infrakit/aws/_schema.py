"""Checking property values against their CloudFormation resource schemas, in-process.

The schemas are the ones the catalogue is generated from (the CloudFormation resource
provider schemas bundled with the pinned cfn-lint), cut down by
``tools/gen_aws_schema.py`` to what constrains a value and committed under
``infrakit/aws/_schemas/``. A type's schema is parsed the first time a resource of that
type is checked; nothing here imports cfn-lint.

What is checked: required properties (and ``oneOf``/``anyOf``/``dependencies``/
``dependentRequired``/``dependentExcluded``/``requiredXor``/``requiredOr`` groups), JSON
types, enums, patterns, string lengths, numeric ranges, array lengths, the number of keys
of an object, and ``additionalProperties``. Types are read as CloudFormation reads them
(as cfn-lint does by default): a number or a boolean is a valid string, ``"5"`` a valid
integer, ``"true"`` a valid boolean.

What is not: a value that is an intrinsic function (``Ref``, ``Fn::*``) or holds a
dynamic reference (``{{resolve:...}}``) is known only at deploy time, so only its
presence counts; both branches of an ``Fn::If`` are checked. The few schema patterns
Python's ``re`` cannot express (see :func:`compile_pattern`) are not checked.

Two entry points: :func:`value_problems` checks the values given to a resource at
construction (no "required" checks: properties may still be set later); and
:func:`resource_problems` / :func:`template_problems` check a rendered resource's whole
``Properties`` at synth.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from infrakit._expr import Expr
from infrakit._resource import PropertyType

__all__ = [
    "Problem",
    "compile_pattern",
    "resource_problems",
    "schema_for",
    "template_problems",
    "translate_pattern",
    "value_problems",
]

Path = tuple[str | int, ...]
#: One problem: where (a path under ``Properties``) and what is wrong.
Problem = tuple[Path, str]

_BOOLEAN_STRINGS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_NO_VALUE = {"Ref": "AWS::NoValue"}


class _Unknown:
    """A value known only at deploy time (an expression or an intrinsic function)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()


# --- the schemas ---------------------------------------------------------------------


class Schema:
    """One resource type's validation schema (its ``Properties``)."""

    __slots__ = ("definitions", "root", "type_name")

    def __init__(self, type_name: str, root: dict[str, Any]) -> None:
        self.type_name = type_name
        self.definitions: dict[str, Any] = root.pop("definitions", {})
        self.root = root

    def resolve(self, ref: str) -> dict[str, Any]:
        """The node a local ``$ref`` points at (``#/definitions/Tag``, ``#/properties/Arn``);
        ``{}`` (nothing to check) for one the table left out, such as a read-only property."""
        if ref.startswith("#/definitions/"):
            found = self.definitions.get(ref[14:])
            return found if isinstance(found, dict) else {}
        node: Any = self.root
        for part in ref.removeprefix("#").strip("/").split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}

    def property_node(self, wire: str) -> dict[str, Any] | None:
        node = self.root.get("properties", {}).get(wire)
        return node if isinstance(node, dict) else None


@functools.cache
def schema_for(type_name: str) -> Schema | None:
    """The validation schema of a resource type, or ``None`` for a type not in the
    catalogue (a custom resource, a module)."""
    from infrakit.aws._catalog import SERVICE_OF

    service = SERVICE_OF.get(type_name)  # its class made: its module known
    if service is None:
        from infrakit.aws._types import MODULES

        entry = MODULES.get(type_name)
        if entry is None:
            return None
        service = entry[0]
    module = importlib.import_module(f"infrakit.aws._schemas.{service}")
    text = module.SCHEMAS.get(type_name)
    return None if text is None else Schema(type_name, json.loads(text))


# --- patterns: ECMA-262 (the schemas' dialect) to Python -------------------------------


#: Every Unicode general category (what ``\p{..}`` may name, one letter or two).
_CATEGORIES: tuple[str, ...] = ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd")
_CATEGORIES += ("Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn")
#: Where a ``\p{..}`` class is cut off (see :class:`_TieredPattern`): ASCII, two-byte UTF-8,
#: the Basic Multilingual Plane, all of Unicode.
_TIERS = (0x80, 0x800, 0x10000, 0x110000)


@functools.cache
def _category_ranges(limit: int = 0x110000) -> dict[str, list[tuple[int, int]]]:
    """Every Unicode general category's code point ranges below ``limit``
    (``Lu`` -> [(65, 90), ...]). All of Unicode takes a scan of 1.1M code points
    (a third of a second); ASCII, a hundred."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    category = unicodedata.category
    start, current = 0, category("\0")
    for code in range(1, limit):
        found = category(chr(code))
        if found != current:
            ranges.setdefault(current, []).append((start, code - 1))
            start, current = code, found
    ranges.setdefault(current, []).append((start, limit - 1))
    return ranges


_GRAPH_EXCLUDED = ("Zs", "Zl", "Zp", "Cc", "Cs", "Cn")


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


@functools.cache
def _property_class(name: str, negated: bool, limit: int = 0x110000) -> str | None:
    """The body of a Python character class for ``\\p{name}`` (``\\P{name}`` if negated),
    exact for the code points below ``limit`` (those above may or may not be in it)."""
    if name == "ASCII":
        spans = [(0, 0x7F)]
        return _ranges(_invert(spans) if negated else spans)
    if name in ("Graph", "Print"):
        keep = [c for c in _CATEGORIES if c not in _GRAPH_EXCLUDED and not (name == "Graph" and c == "Zs")]
        if name == "Print":
            keep.append("Zs")
    elif name in _CATEGORIES or len(name) == 1:
        keep = [c for c in _CATEGORIES if c == name or (len(name) == 1 and c[0] == name)]
    else:
        return None
    if not keep:
        return None
    cats = _category_ranges(limit)
    spans = _merge([span for c in keep for span in cats.get(c, ())])
    if negated:
        spans = _invert(spans)
    if not spans:  # none below the limit: a code point at the limit, which no text checked holds
        return None if limit > 0x10FFFF else _char(limit)
    return _ranges(spans)


def _invert(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    inverse, start = [], 0
    for a, b in spans:
        if a > start:
            inverse.append((start, a - 1))
        start = b + 1
    if start <= 0x10FFFF:
        inverse.append((start, 0x10FFFF))
    return inverse


def _ranges(spans: list[tuple[int, int]]) -> str:
    return "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in spans)


def _char(code: int) -> str:
    return f"\\U{code:08x}"


_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_QUANTIFIER = re.compile(r"\{[1-9][0-9]*(,[0-9]*)?\}")


def translate_pattern(pattern: str, limit: int = 0x110000) -> str | None:
    """``pattern`` (an ECMA-262 regular expression, as the schemas write them) in Python's
    ``re`` syntax, or ``None`` if it uses something that cannot be translated.

    Translated: ``\\p{..}``/``\\P{..}`` Unicode classes (into code point ranges), surrogate
    pairs (``\\uD800\\uDC00``), a class escape before ``-`` in a set (``[\\w-.]``: the dash
    is literal), ``(?i)`` after the start (cfn-lint's ``regex`` makes it global), and
    characters Python would read as set operations (``[a||b]``).

    With a ``limit``, the ``\\p{..}`` classes are exact only for the code points below it:
    the translation matches exactly like the whole one on a text whose characters are all
    below ``limit`` (case-sensitively; see :class:`_TieredPattern`).
    """
    out: list[str] = []
    in_class = False
    flags = ""
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.find("}", i + 3)
                if end < 0:
                    return None
                body = _property_class(pattern[i + 3 : end], nxt == "P", limit)
                if body is None:
                    return None
                out.append(body if in_class else f"[{body}]")
                i = end + 1
                i = _literal_dash(pattern, i, in_class, out)
                continue
            if nxt == "u" and _HEX4.fullmatch(pattern, i + 2, i + 6):
                code = int(pattern[i + 2 : i + 6], 16)
                i += 6
                if 0xD800 <= code <= 0xDBFF and pattern.startswith("\\u", i) and _HEX4.fullmatch(pattern, i + 2, i + 6):
                    low = int(pattern[i + 2 : i + 6], 16)
                    if 0xDC00 <= low <= 0xDFFF:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                out.append(_char(code))
                continue
            out.append(pattern[i : i + 2])
            i += 2
            if in_class and nxt in "wWsSdD":
                i = _literal_dash(pattern, i, in_class, out)
            continue
        if in_class:
            if c == "]":
                in_class = False
                out.append(c)
            elif c in "[&~|":
                out.append("\\" + c)
            elif c == "-" and pattern.startswith("-", i + 1):
                out.append("\\-")
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):  # ECMA: [] matches nothing, []...] is not a literal ]
                return None
            continue
        inline = _INLINE_FLAGS.match(pattern, i)
        if inline and i > 0:
            flags += inline.group()
            i = inline.end()
            continue
        if c == "$" and i + 1 < n and pattern[i + 1] == "{":
            quantifier = _QUANTIFIER.match(pattern, i + 1)
            if quantifier:  # ${1,128}: an anchor repeated is the anchor
                out.append("$")
                i = quantifier.end()
                continue
        out.append(c)
        i += 1
    return flags + "".join(out)


def _literal_dash(pattern: str, i: int, in_class: bool, out: list[str]) -> int:
    # [\w-.] in ECMA: a class escape cannot start a range, so the dash is a literal.
    if in_class and pattern.startswith("-", i) and not pattern.startswith("-]", i):
        out.append("\\-")
        return i + 1
    return i


class _TieredPattern:
    """A translated pattern with ``\\p{..}`` classes, compiled for the texts it is given.

    Spelling out ``\\p{L}`` over all of Unicode takes a scan of every code point (a third
    of a second, in every process that checks such a pattern, such as a tag's). A character
    class is only ever tested against the characters of the text searched, so for a text
    whose characters are all below a limit (ASCII: nearly every value), the class cut at
    that limit matches exactly as the whole one does. ``search`` picks the smallest of
    :data:`_TIERS` that holds the text and compiles the pattern for it once. A
    case-insensitive pattern always uses the whole class (a case fold may cross the limit:
    ``k`` and the Kelvin sign).
    """

    __slots__ = ("_compiled", "_ignore_case", "pattern")

    def __init__(self, pattern: str, first: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._compiled: dict[int, re.Pattern[str] | None] = {_TIERS[0]: first}
        self._ignore_case = bool(first.flags & re.IGNORECASE)

    def search(self, text: str) -> re.Match[str] | None:
        """Like :meth:`re.Pattern.search`."""
        if self._ignore_case:
            limit = _TIERS[-1]
        elif text.isascii():
            limit = _TIERS[0]
        else:
            top = ord(max(text))
            limit = next(tier for tier in _TIERS if top < tier)
        if limit not in self._compiled:
            self._compiled[limit] = _compile_translated(self.pattern, limit)
        compiled = self._compiled[limit]
        # None only if the longer class did not compile where the ASCII one did (no schema
        # pattern does; tests/test_aws_schema.py): as for any pattern ``re`` cannot express,
        # the value is not checked.
        return (compiled or _EMPTY).search(text)


_EMPTY = re.compile("")


def _compile_translated(pattern: str, limit: int) -> re.Pattern[str] | None:
    import warnings

    translated = translate_pattern(pattern, limit)
    if translated is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return re.compile(translated)
        except re.error:
            return None


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str] | _TieredPattern | None:
    """The compiled Python form of a schema pattern (an object with ``search``); ``None``
    if ``re`` cannot express it. One with ``\\p{..}`` classes is a :class:`_TieredPattern`."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return re.compile(pattern)
        except re.error:
            pass
        if "\\p{" not in pattern and "\\P{" not in pattern:
            return _compile_translated(pattern, _TIERS[-1])
        first = _compile_translated(pattern, _TIERS[0])
        return None if first is None else _TieredPattern(pattern, first)


# --- values --------------------------------------------------------------------------


def _function(value: dict[str, Any]) -> str | None:
    """The intrinsic function a one-key dict is (``Ref``, ``Fn::Sub``...), else None."""
    if len(value) != 1:
        return None
    (key,) = value
    if key == "Ref" or key.startswith("Fn::") or key == "Condition":
        return key
    return None


def _kind_ok(kind: str, value: Any) -> bool:
    if kind == "string":
        return value is not None and not isinstance(value, (dict, list))
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "boolean":
        return isinstance(value, bool) or value in _BOOLEAN_STRINGS
    if kind == "null":
        return value is None
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return False
    if kind == "number":
        if isinstance(value, (int, float)):
            return True
        try:
            float(value)
        except (TypeError, ValueError):
            return False
        return True
    if kind == "integer":
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return value.is_integer()
        try:
            int(value)
        except (TypeError, ValueError):
            return False
        return True
    return True


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "null" if value is None else type(value).__name__


def _show(value: Any, limit: int = 80) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _may_vanish(item: Any) -> bool:
    """Whether an array item is, or may turn out to be, ``AWS::NoValue`` (and be removed)."""
    if item == _NO_VALUE:
        return True
    if isinstance(item, dict) and _function(item) == "Fn::If":
        args = item["Fn::If"]
        return isinstance(args, list) and len(args) == 3 and _NO_VALUE in args[1:]
    return False


def _has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return _function(value) is not None or any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return isinstance(value, str) and "{{resolve:" in value


class _Checker:
    """One check of one value against one schema (``full``: required groups too)."""

    __slots__ = ("full", "problems", "schema")

    def __init__(self, schema: Schema, full: bool) -> None:
        self.schema = schema
        self.full = full
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append((path, message))

    def sub(self) -> _Checker:
        return _Checker(self.schema, self.full)

    def check(self, node: dict[str, Any], value: Any, path: Path) -> None:
        if value is UNKNOWN:
            return
        if isinstance(value, dict):
            function = _function(value)
            if function is not None:
                if function == "Fn::If":
                    args = value[function]
                    if isinstance(args, list) and len(args) == 3:
                        for branch in args[1:]:
                            if branch != _NO_VALUE:
                                self.check(node, branch, path)
                return
            if _NO_VALUE in value.values():
                # CloudFormation removes a key whose value is AWS::NoValue: every keyword
                # (required, dependencies, exclusions, counts) sees the object without it.
                value = {k: v for k, v in value.items() if v != _NO_VALUE}
        ref = node.get("$ref")
        if ref is not None:
            target = self.schema.resolve(ref)
            if target:
                self.check(target, value, path)
            if len(node) == 1:
                return
        if isinstance(value, str) and "{{resolve:" in value:
            return  # a dynamic reference: resolved at deploy time
        kinds = node.get("type")
        if kinds is None and node.get("format") == "json":
            kinds = ("object", "string")
        if kinds is not None:
            allowed = (kinds,) if isinstance(kinds, str) else kinds
            if not any(_kind_ok(k, value) for k in allowed):
                expected = " or ".join(allowed)
                self.fail(path, f"expected {expected}, got {_type_name(value)} {_show(value)}")
                return
        for key in node:
            handler = _KEYWORDS.get(key)
            if handler is not None:
                handler(self, node, node[key], value, path)

    # -- keywords

    def k_enum(self, node: dict[str, Any], enum: Any, value: Any, path: Path) -> None:
        if isinstance(value, (dict, list)) or not isinstance(enum, list):
            return
        if not _in_enum(value, enum, False):
            self.fail(path, f"expected one of {_enum_text(enum)}, got {_show(value)}{_did_you_mean(value, enum)}")

    def k_enum_ci(self, node: dict[str, Any], enum: Any, value: Any, path: Path) -> None:
        if isinstance(value, (dict, list)) or not isinstance(enum, list):
            return
        if not _in_enum(value, enum, True):
            self.fail(path, f"expected one of {_enum_text(enum)} (in any case), got {_show(value)}")

    def k_const(self, node: dict[str, Any], const: Any, value: Any, path: Path) -> None:
        if isinstance(value, (dict, list)) or isinstance(const, (dict, list)):
            return
        if not _in_enum(value, [const], False):
            self.fail(path, f"expected {_show(const)}, got {_show(value)}")

    def k_pattern(self, node: dict[str, Any], pattern: Any, value: Any, path: Path) -> None:
        if isinstance(value, (dict, list)) or value is None or not isinstance(pattern, str):
            return
        compiled = compile_pattern(pattern)
        if compiled is None:
            return
        text = value if isinstance(value, str) else json.dumps(value)
        if not compiled.search(text):
            self.fail(path, f"{_show(value)} does not match the pattern {pattern}")

    def k_min_length(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        size = _length(node, value)
        if size is not None and size < limit:
            self.fail(path, f"expected at least {limit} characters, got {size}: {_show(value)}")

    def k_max_length(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        size = _length(node, value)
        if size is not None and size > limit:
            self.fail(path, f"expected at most {limit} characters, got {size}: {_show(value)}")

    def k_minimum(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        number = _number(value)
        if number is not None and number < limit:
            self.fail(path, f"expected a number >= {limit}, got {_show(value)}")

    def k_maximum(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        number = _number(value)
        if number is not None and number > limit:
            self.fail(path, f"expected a number <= {limit}, got {_show(value)}")

    def k_exclusive_minimum(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        number = _number(value)
        if number is not None and isinstance(limit, (int, float)) and number <= limit:
            self.fail(path, f"expected a number > {limit}, got {_show(value)}")

    def k_exclusive_maximum(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        number = _number(value)
        if number is not None and isinstance(limit, (int, float)) and number >= limit:
            self.fail(path, f"expected a number < {limit}, got {_show(value)}")

    def k_multiple_of(self, node: dict[str, Any], factor: Any, value: Any, path: Path) -> None:
        number = _number(value)
        if number is None or not factor or not math.isfinite(number):
            return
        quotient = number / factor
        if not math.isclose(quotient, round(quotient), rel_tol=0, abs_tol=1e-9):
            self.fail(path, f"expected a multiple of {factor}, got {_show(value)}")

    # An item that is AWS::NoValue is removed; one that is an Fn::If with a NoValue branch may
    # be: too few items is counted with every item that may stay, too many with only those
    # that surely stay (an Fn::If on C and one on not C, under maxItems 1, is fine).

    def k_min_items(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        if not isinstance(value, list):
            return
        most = sum(1 for item in value if item != _NO_VALUE)
        if most < limit:
            self.fail(path, f"expected at least {limit} items, got {most}")

    def k_max_items(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        if not isinstance(value, list):
            return
        least = sum(1 for item in value if not _may_vanish(item))
        if least > limit:
            self.fail(path, f"expected at most {limit} items, got {least}")

    def k_items(self, node: dict[str, Any], items: Any, value: Any, path: Path) -> None:
        if isinstance(value, list) and isinstance(items, dict) and items:
            for i, item in enumerate(value):
                if item != _NO_VALUE:
                    self.check(items, item, (*path, i))

    def k_properties(self, node: dict[str, Any], properties: Any, value: Any, path: Path) -> None:
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            sub = properties.get(key)
            if sub is not None:
                self.check(sub, item, (*path, key))

    def k_pattern_properties(self, node: dict[str, Any], patterns: Any, value: Any, path: Path) -> None:
        if not isinstance(value, dict):
            return
        for pattern, sub in patterns.items():
            compiled = compile_pattern(pattern)
            for key, item in value.items():
                if compiled is not None and compiled.search(key):
                    self.check(sub, item, (*path, key))

    def k_additional(self, node: dict[str, Any], additional: Any, value: Any, path: Path) -> None:
        if not isinstance(value, dict) or additional is True:
            return
        known = node.get("properties") or {}
        patterns = [compile_pattern(p) for p in node.get("patternProperties") or ()]
        for key, item in value.items():
            if key in known or any(p is None or p.search(key) for p in patterns):
                continue
            if key.startswith("Fn::"):  # Fn::Transform may sit beside properties
                continue
            if additional is False:
                hint = _did_you_mean(key, list(known))
                self.fail((*path, key), f"unknown property{hint}; expected one of {_enum_text(list(known))}")
            elif isinstance(additional, dict):
                self.check(additional, item, (*path, key))

    def k_min_properties(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        if self.full and isinstance(value, dict) and len(value) < limit:
            self.fail(path, f"expected at least {limit} properties, got {len(value)}")

    def k_max_properties(self, node: dict[str, Any], limit: Any, value: Any, path: Path) -> None:
        if not isinstance(value, dict):
            return
        least = sum(1 for item in value.values() if not _may_vanish(item))
        if least > limit:
            self.fail(path, f"expected at most {limit} properties, got {least}")

    def k_required(self, node: dict[str, Any], required: Any, value: Any, path: Path) -> None:
        if not self.full or not isinstance(value, dict):
            return
        for name in required:
            if name not in value:
                self.fail((*path, name), "required property is missing")

    def k_dependencies(self, node: dict[str, Any], dependencies: Any, value: Any, path: Path) -> None:
        if not self.full or not isinstance(value, dict):
            return
        for name, needs in dependencies.items():
            if name not in value:
                continue
            if isinstance(needs, list):
                for other in needs:
                    if other not in value:
                        self.fail((*path, other), f"required when `{name}` is given")
            elif isinstance(needs, dict):
                self.check(needs, value, path)

    def k_dependent_required(self, node: dict[str, Any], dependencies: Any, value: Any, path: Path) -> None:
        self.k_dependencies(node, {k: v for k, v in dependencies.items() if isinstance(v, list)}, value, path)

    def k_dependent_excluded(self, node: dict[str, Any], exclusions: Any, value: Any, path: Path) -> None:
        if not self.full or not isinstance(value, dict):
            return
        # Only properties that surely stay exclude each other: an Fn::If with a NoValue
        # branch on each side (IPAM pool or CIDR block, by a condition) is the usual way to
        # give one or the other.
        for name, excluded in exclusions.items():
            if name in value and not _may_vanish(value[name]):
                for other in excluded:
                    if other in value and not _may_vanish(value[other]):
                        self.fail((*path, other), f"not allowed together with `{name}`")

    def k_required_xor(self, node: dict[str, Any], names: Any, value: Any, path: Path) -> None:
        if not self.full or not isinstance(value, dict):
            return
        given = [n for n in names if n in value]
        surely = [n for n in given if not _may_vanish(value[n])]
        if not given or len(surely) > 1:
            self.fail(path, f"expected exactly one of {_enum_text(names)}, got {len(surely)}: {_enum_text(surely)}")

    def k_required_or(self, node: dict[str, Any], names: Any, value: Any, path: Path) -> None:
        if self.full and isinstance(value, dict) and not any(n in value for n in names):
            self.fail(path, f"expected at least one of {_enum_text(names)}")

    def k_all_of(self, node: dict[str, Any], schemas: Any, value: Any, path: Path) -> None:
        for sub in schemas:
            self.check(sub, value, path)

    def k_any_of(self, node: dict[str, Any], schemas: Any, value: Any, path: Path) -> None:
        attempts = []
        for sub in schemas:
            checker = self.sub()
            checker.check(sub, value, path)
            if not checker.problems:
                return
            attempts.append((sub, checker.problems))
        self.fail(path, _no_alternative(attempts, "any of"))

    def k_one_of(self, node: dict[str, Any], schemas: Any, value: Any, path: Path) -> None:
        attempts = []
        matched = []
        for sub in schemas:
            checker = self.sub()
            checker.check(sub, value, path)
            if checker.problems:
                attempts.append((sub, checker.problems))
            else:
                matched.append(sub)
        if not matched:
            self.fail(path, _no_alternative(attempts, "one of"))
        elif len(matched) > 1 and self.full and not _has_unknown(value):
            groups = [sub.get("required") for sub in matched if isinstance(sub.get("required"), list)]
            if len(groups) == len(matched):
                names = [n for g in groups for n in g]
                self.fail(path, f"expected only one of {_enum_text(names)}, got several")
            else:
                self.fail(path, f"matches {len(matched)} of the {len(schemas)} alternatives; it must match only one")

    def k_not(self, node: dict[str, Any], schema: Any, value: Any, path: Path) -> None:
        if not self.full or not isinstance(schema, dict) or _has_unknown(value):
            return
        checker = self.sub()
        checker.check(schema, value, path)
        if not checker.problems:
            required = schema.get("required")
            what = f"`{'`, `'.join(required)}` together" if isinstance(required, list) and len(schema) == 1 else ""
            self.fail(path, f"must not have {what}" if what else f"must not match {_show(schema)}")

    def k_if(self, node: dict[str, Any], condition: Any, value: Any, path: Path) -> None:
        if not self.full or not isinstance(condition, dict) or _has_unknown(value):
            return
        checker = self.sub()
        checker.check(condition, value, path)
        branch = node.get("then") if not checker.problems else node.get("else")
        if isinstance(branch, dict):
            self.check(branch, value, path)


_KEYWORDS: dict[str, Any] = {
    "enum": _Checker.k_enum,
    "enumCaseInsensitive": _Checker.k_enum_ci,
    "const": _Checker.k_const,
    "pattern": _Checker.k_pattern,
    "minLength": _Checker.k_min_length,
    "maxLength": _Checker.k_max_length,
    "minimum": _Checker.k_minimum,
    "maximum": _Checker.k_maximum,
    "exclusiveMinimum": _Checker.k_exclusive_minimum,
    "exclusiveMaximum": _Checker.k_exclusive_maximum,
    "multipleOf": _Checker.k_multiple_of,
    "minItems": _Checker.k_min_items,
    "maxItems": _Checker.k_max_items,
    "items": _Checker.k_items,
    "properties": _Checker.k_properties,
    "patternProperties": _Checker.k_pattern_properties,
    "additionalProperties": _Checker.k_additional,
    "minProperties": _Checker.k_min_properties,
    "maxProperties": _Checker.k_max_properties,
    "required": _Checker.k_required,
    "dependencies": _Checker.k_dependencies,
    "dependentRequired": _Checker.k_dependent_required,
    "dependentExcluded": _Checker.k_dependent_excluded,
    "requiredXor": _Checker.k_required_xor,
    "requiredOr": _Checker.k_required_or,
    "allOf": _Checker.k_all_of,
    "anyOf": _Checker.k_any_of,
    "oneOf": _Checker.k_one_of,
    "not": _Checker.k_not,
    "if": _Checker.k_if,
}


def _length(node: dict[str, Any], value: Any) -> int | None:
    if isinstance(value, str):
        if node.get("format") == "json":
            try:
                return len(json.dumps(json.loads(value), separators=(",", ":")))
            except ValueError:
                return None
        return len(value)
    if isinstance(value, dict) and not _has_unknown(value):
        kinds = node.get("type")
        if kinds == "object" or (isinstance(kinds, list) and "object" in kinds) or node.get("format") == "json":
            return len(json.dumps(value, separators=(",", ":")))
    return None


def _enum_key(value: Any, fold: bool) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered
        return lowered if fold else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _in_enum(value: Any, enum: list[Any], fold: bool) -> bool:
    key = _enum_key(value, fold)
    return any(key == _enum_key(e, fold) for e in enum if not isinstance(e, (dict, list)))


def _enum_text(values: list[Any]) -> str:
    shown = ", ".join(_show(v) for v in values[:10])
    return shown + (f" (and {len(values) - 10} more)" if len(values) > 10 else "")


def _did_you_mean(value: Any, options: list[Any]) -> str:
    import difflib

    if not isinstance(value, str):
        return ""
    strings = [o for o in options if isinstance(o, str)]
    lowered = {o.lower(): o for o in strings}
    if value.lower() in lowered:
        return f" (did you mean {lowered[value.lower()]!r}?)"
    close = difflib.get_close_matches(value, strings, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _no_alternative(attempts: list[tuple[dict[str, Any], list[Problem]]], what: str) -> str:
    groups = [sub.get("required") for sub, _ in attempts]
    if attempts and all(isinstance(g, list) and len(sub) == 1 for g, (sub, _) in zip(groups, attempts, strict=True)):
        alternatives = " | ".join(", ".join(str(n) for n in g or ()) for g in groups)
        return f"expected {what} these properties (or groups): {alternatives}"
    best = min(attempts, key=lambda a: len(a[1]))[1] if attempts else []
    detail = "; ".join(f"{_format_path(p) or 'the value'}: {m}" for p, m in best[:2])
    return f"matches none of the {len(attempts)} allowed forms (closest: {detail})"


def _format_path(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- entry points --------------------------------------------------------------------


def resource_problems(type_name: str, properties: Any) -> list[str]:
    """Every problem of a rendered resource's ``Properties`` (a template dict), each as
    ``"Path.To.Property: what is wrong"``; ``[]`` for a type without a schema."""
    schema = schema_for(type_name)
    return [] if schema is None else _problems(schema, properties)


def _problems(schema: Schema, properties: Any) -> list[str]:
    checker = _Checker(schema, full=True)
    checker.check(schema.root, {} if properties is None else properties, ())
    return [f"{_format_path(p) or 'Properties'}: {m}" for p, m in checker.problems]


def value_problems(type_name: str, wire: str, value: Any) -> list[str]:
    """The problems of one property's value, given when a resource is created (no
    required-property checks: the rest may still be set); ``value`` is plain data with
    :data:`UNKNOWN` for expressions."""
    schema = schema_for(type_name)
    if schema is None:
        return []
    node = schema.property_node(wire)
    if node is None:
        return []
    checker = _Checker(schema, full=False)
    checker.check(node, value, (wire,))
    return [f"{_format_path(p)}: {m}" for p, m in checker.problems]


def template_problems(body: Mapping[str, Any]) -> Iterator[str]:
    """Every schema problem of a CloudFormation template's resources, each as
    ``"Resources.<id>.Properties.<path>: what is wrong"``."""
    resources = body.get("Resources")
    if not isinstance(resources, Mapping):
        return
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            continue
        for problem in resource_problems(resource["Type"], resource.get("Properties")):
            yield f"Resources.{logical_id}.Properties.{problem}"


# --- the resource classes' hooks -------------------------------------------------------


def plain(value: Any) -> Any:
    """A property value as template data: nested property types as dicts of their wire
    names, expressions as :data:`UNKNOWN`."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if isinstance(value, Expr):
        return UNKNOWN
    if isinstance(value, PropertyType):
        out = {}
        for py, wire, *_ in kind._props:
            item = getattr(value, py)
            if item is not None:
                out[wire] = plain(item)
        return out
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    return UNKNOWN


_TYPE_ONLY = frozenset({"type", "format"})


def _trivial(schema: Schema, node: dict[str, Any], depth: int = 0) -> bool:
    """Whether a node only says what infrakit's own type check has checked already."""
    if depth > 8:
        return False
    if "$ref" in node:
        if len(node) != 1:
            return False
        return _trivial(schema, schema.resolve(node["$ref"]), depth + 1)
    keys = node.keys() - _TYPE_ONLY
    if not keys:
        return True
    if keys == {"items"} and isinstance(node["items"], dict):
        return _trivial(schema, node["items"], depth + 1)
    return False


_SCALAR_KEYWORDS = frozenset(
    {"type", "format", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "multipleOf"}
)


def _scalar_ok(schema: Schema, node: dict[str, Any]) -> Any:
    """For a node of scalar keywords only, a fast ``ok(value) -> bool`` for a scalar value
    (the slow path then explains a failure); ``None`` for any other node."""
    while "$ref" in node and len(node) == 1:
        node = schema.resolve(node["$ref"])
    if not node or not node.keys() <= _SCALAR_KEYWORDS or node.get("format") == "json":
        return None
    kinds = node.get("type")
    if isinstance(kinds, list) or kinds in ("object", "array"):
        return None
    enum = node.get("enum")
    if enum is not None and (not isinstance(enum, list) or any(isinstance(e, (dict, list)) for e in enum)):
        return None
    keys = None if enum is None else frozenset(_enum_key(e, False) for e in enum)
    pattern = node.get("pattern")
    # Compiled when a value is first checked, not for every property of the class: a
    # resource class is made (and this runs) for each of its properties, given or not.
    compiled: list[Any] = [] if isinstance(pattern, str) else [None]
    low, high = node.get("minLength"), node.get("maxLength")
    least, most, factor = node.get("minimum"), node.get("maximum"), node.get("multipleOf")

    ranged = least is not None or most is not None or factor is not None
    plain_kind: Any = {"string": str, "integer": int, "number": (int, float), "boolean": bool}.get(kinds or "")

    def ok(value: Any) -> bool:
        if not compiled:
            compiled.append(compile_pattern(pattern))
        regex = compiled[0]
        kind = type(value)
        # The common cases first: a value of the declared JSON type needs no lenient reading.
        if kinds is not None and not (plain_kind is not None and kind is not bool and isinstance(value, plain_kind)):
            if kind is bool and kinds == "boolean":
                pass
            elif not _kind_ok(kinds, value):
                return False
        if kind is str:
            if "{{resolve:" in value:
                return True
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                return False
            if regex is not None and not regex.search(value):
                return False
        elif regex is not None and not regex.search(json.dumps(value)):
            return False
        if keys is not None and _enum_key(value, False) not in keys:
            return False
        if ranged:
            number = _number(value)
            if number is not None:
                if (least is not None and number < least) or (most is not None and number > most):
                    return False
                if factor:
                    return False  # rare: let the full check decide
        return True

    return ok


@functools.cache
def _given_plan(cls: Any) -> tuple[Schema | None, dict[str, tuple[str, dict[str, Any], Any]]]:
    """A resource class's schema and, per keyword of a scalar property with constraints
    beyond its type, its schema node and fast check. Only scalars are checked at
    construction, to keep it cheap; nested objects and lists are checked at synth."""
    schema = schema_for(cls.resource_type)
    plan: dict[str, tuple[str, dict[str, Any], Any]] = {}
    if schema is not None:
        for py, wire, *_ in cls._props:
            node = schema.property_node(wire)
            if node is None or _trivial(schema, node):
                continue
            ok = _scalar_ok(schema, node)
            if ok is not None:
                plan[py] = (wire, node, ok)
    return schema, plan


def _py_path(resource_cls: Any, problem: str) -> str:
    """``CidrBlock: ...`` -> ``property `cidr_block` (CidrBlock): ...`` for a top-level property."""
    wire, sep, rest = problem.partition(": ")
    top = re.split(r"[.\[]", wire, maxsplit=1)[0]
    for py, prop_wire, *_ in getattr(resource_cls, "_props", ()):
        if prop_wire == top:
            return f"property `{py}` ({wire}){sep}{rest}"
    return f"{wire}{sep}{rest}"


def given_check(cls: Any) -> Callable[[Any, Mapping[str, Any]], None] | None:
    """The construction-time check of a resource class (:func:`check_given`), or ``None``
    when none of its properties has a scalar constraint beyond its type: such a class pays
    nothing when created."""
    _schema, plan = _given_plan(cls)
    return check_given if plan else None


def check_given(resource: Any, given: Mapping[str, Any]) -> None:
    """Check the scalar property values given when ``resource`` is created against its
    schema: patterns, lengths, ranges, enums (the rest, including what must be there, is
    checked at synth, when the resource is complete). Raises
    :class:`infrakit.errors.PropertyValueError` naming the component, resource and property."""
    cls: Any = type(resource)
    schema, plan = _given_plan(cls)
    if not plan:
        return
    for py, value in given.items():
        entry = plan.get(py)
        if entry is None or value is None:
            continue
        wire, node, ok = entry
        kind = type(value)
        if not (kind is str or kind is int or kind is float or kind is bool) or ok(value):
            continue
        checker = _Checker(schema, full=False)  # type: ignore[arg-type]
        checker.check(node, plain(value), (wire,))
        if checker.problems:
            from infrakit._resource import building_prefix
            from infrakit.errors import PropertyValueError

            problems = [f"{_format_path(p)}: {m}" for p, m in checker.problems]
            raise PropertyValueError(
                f"{building_prefix()}{resource._describe()}: {_py_path(cls, problems[0])}"
                + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else "")
            )


#: Rendered resources found free of problems: ``(schema, JSON text of the properties)``,
#: in the order they were added. Many instances of one component render identical resources;
#: each is checked once. Bounded (by count and by the bytes of the texts held), so memory
#: stays flat however many instances are synthesized.
_PASSED: dict[tuple[Schema, bytes], None] = {}
_PASSED_MAX_COUNT = 1024
_PASSED_MAX_BYTES = 1 << 20
_passed_bytes = 0
_PASSED_LOCK = threading.Lock()


def _new_lock_after_fork() -> None:
    # A worker forked by ``synth(jobs=...)`` while another thread held the lock would inherit
    # it held, and wait for ever: the child starts with a free one.
    global _PASSED_LOCK
    _PASSED_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_after_fork)


def _verdict_key(schema: Schema, properties: Any) -> tuple[Schema, bytes] | None:
    """The exact key of a verdict on ``properties``: their JSON text, when they are plain
    JSON data only (``dict`` with ``str`` keys, ``list``, ``str``, ``int``, ``bool``,
    ``None`` and finite ``float``, exact types), so that equal texts mean values the check
    cannot tell apart; ``None`` (no memo) for anything else (a tuple, a subclass, NaN...:
    such values are written as the same text as a plain one) or a large value."""
    import orjson  # imported when first checking, not with the catalogue's classes

    try:
        text = orjson.dumps(properties)  # refuses cycles, deep nesting, big ints, other types
    except orjson.JSONEncodeError:
        return None
    if len(text) > _PASSED_MAX_BYTES // 16:
        return None
    if type(properties) is not dict:
        return None
    containers: list[Any] = [properties]  # dicts and lists still to look into
    while containers:
        node = containers.pop()
        if type(node) is dict:
            for key in node:
                if type(key) is not str:
                    return None
            items = node.values()
        else:
            items = node
        for item in items:
            kind = type(item)
            if kind in _JSON_SCALARS:
                continue
            if kind is dict or kind is list:
                containers.append(item)
            elif kind is not float or not math.isfinite(item):
                return None
    return schema, text


_JSON_SCALARS = frozenset({str, int, bool, type(None)})


def _remember_passed(key: tuple[Schema, bytes]) -> None:
    global _passed_bytes
    with _PASSED_LOCK:  # components may be synthesized from several threads
        if key in _PASSED:
            return
        _PASSED[key] = None
        _passed_bytes += len(key[1])
        while len(_PASSED) > _PASSED_MAX_COUNT or _passed_bytes > _PASSED_MAX_BYTES:
            oldest = next(iter(_PASSED))
            del _PASSED[oldest]
            _passed_bytes -= len(oldest[1])


def check_rendered(where: str, resource: Any, properties: Mapping[str, Any]) -> None:
    """Check a resource's rendered ``Properties`` against its schema, at synth. Raises
    :class:`infrakit.errors.SchemaError` listing every problem, naming ``where`` (the
    component and resource) and each property. A verdict of no problems is remembered for
    identical properties of the same type (see :data:`_PASSED`)."""
    from infrakit.errors import SchemaError

    schema = schema_for(resource.resource_type)
    if schema is None:
        return
    key = _verdict_key(schema, properties)
    if key is not None and key in _PASSED:
        return
    problems = _problems(schema, properties)
    if problems:
        listed = "; ".join(_py_path(type(resource), p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise SchemaError(f"{where}: {listed}{more}")
    if key is not None:
        _remember_passed(key)
