"""Matchers for template assertions: :class:`Match` patterns and :class:`Capture`.

A pattern is a plain value, a plain ``dict`` or ``list``, or a matcher. A plain dict
matches like :meth:`Match.object_like` (the keys it names, recursively; other keys are
ignored); a plain list must have the same length and order, its items matched the same
way. ``*_equals`` matchers are exact all the way down, unless they hold other matchers.
Every mismatch is reported with its path (``Properties.Tags[0].Value``), what was
expected and what was found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Capture", "Match", "Matcher", "MatchResult"]


class _Missing:
    """The "value" of a key that is not there."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def show(value: Any, limit: int = 120) -> str:
    """A short, readable rendering of a template value or a pattern, for messages."""
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _text(value: Any) -> str:
    if isinstance(value, Matcher):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_text(str(k))}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


class MatchResult:
    """The outcome of matching one value: the mismatches and the captured values."""

    __slots__ = ("captures", "failures")

    def __init__(self) -> None:
        self.failures: list[tuple[str, str]] = []
        self.captures: list[tuple[Capture, Any]] = []

    @property
    def ok(self) -> bool:
        """Whether the value matched (no failures)."""
        return not self.failures

    def fail(self, path: str, message: str) -> MatchResult:
        """Record a mismatch at ``path`` (``""``: the root); returns ``self``."""
        self.failures.append((path or "(root)", message))
        return self

    def absorb(self, other: MatchResult) -> None:
        """Take the failures and captures of a nested match."""
        self.failures.extend(other.failures)
        self.captures.extend(other.captures)

    def commit(self) -> None:
        """Hand the captured values to their :class:`Capture` objects (after a match)."""
        for capture, value in self.captures:
            capture._values.append(value)

    def describe(self, indent: str = "  ") -> str:
        """The failures, one ``path: message`` line each."""
        return "\n".join(f"{indent}{path}: {message}" for path, message in self.failures)


class Matcher:
    """Base of every matcher: ``test(actual)`` gives a :class:`MatchResult`."""

    def test(self, actual: Any, path: str = "") -> MatchResult:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__


def _matcher(pattern: Any, partial: bool) -> Matcher:
    """The matcher a plain pattern stands for."""
    if isinstance(pattern, Matcher):
        return pattern
    if isinstance(pattern, Mapping):
        return _ObjectMatch(pattern, partial=partial)
    if isinstance(pattern, (list, tuple)):
        return _ArrayMatch(list(pattern), subsequence=False, partial=partial)
    return _Literal(pattern)


def match_value(pattern: Any, actual: Any, path: str = "") -> MatchResult:
    """Match ``actual`` against ``pattern`` (a plain dict matching deep-partially)."""
    return _matcher(pattern, partial=True).test(actual, path)


def _missing(path: str, expected: Any) -> MatchResult:
    return MatchResult().fail(path, f"missing; expected {show(expected)}")


class _Literal(Matcher):
    def __init__(self, value: Any) -> None:
        self.value = value

    def test(self, actual: Any, path: str = "") -> MatchResult:
        if actual is MISSING:
            return _missing(path, self.value)
        expected = self.value
        # True is not 1 in a template: compare booleans only with booleans.
        same = actual == expected and isinstance(actual, bool) == isinstance(expected, bool)
        if not same:
            return MatchResult().fail(path, f"expected {show(expected)}, got {show(actual)}")
        return MatchResult()

    def __repr__(self) -> str:
        return show(self.value)


class _ObjectMatch(Matcher):
    def __init__(self, pattern: Mapping[str, Any], *, partial: bool) -> None:
        if not isinstance(pattern, Mapping):
            raise TypeError(f"an object pattern must be a dict, got {pattern!r}")
        self.pattern = dict(pattern)
        self.partial = partial

    def test(self, actual: Any, path: str = "") -> MatchResult:
        result = MatchResult()
        if actual is MISSING:
            return _missing(path, self)
        if not isinstance(actual, Mapping):
            return result.fail(path, f"expected an object {show(self)}, got {show(actual)}")
        for key, expected in self.pattern.items():
            matcher = _matcher(expected, self.partial)
            result.absorb(matcher.test(actual.get(key, MISSING), _join(path, key)))
        if not self.partial:
            for key in actual:
                if key not in self.pattern:
                    result.fail(_join(path, key), f"unexpected key (value {show(actual[key])})")
        return result

    def __repr__(self) -> str:
        name = "Match.object_like" if self.partial else "Match.object_equals"
        return f"{name}({show(self.pattern)})"


class _ArrayMatch(Matcher):
    def __init__(self, pattern: Sequence[Any], *, subsequence: bool, partial: bool) -> None:
        if not isinstance(pattern, (list, tuple)):
            raise TypeError(f"an array pattern must be a list, got {pattern!r}")
        self.pattern = list(pattern)
        self.subsequence = subsequence
        self.partial = partial

    def test(self, actual: Any, path: str = "") -> MatchResult:
        result = MatchResult()
        if actual is MISSING:
            return _missing(path, self)
        if not isinstance(actual, (list, tuple)):
            return result.fail(path, f"expected an array {show(self)}, got {show(actual)}")
        matchers = [_matcher(p, self.partial) for p in self.pattern]
        if not self.subsequence:
            if len(actual) != len(matchers):
                return result.fail(
                    path, f"expected an array of {len(matchers)} items, got {len(actual)}: {show(actual)}"
                )
            for i, (matcher, item) in enumerate(zip(matchers, actual, strict=True)):
                result.absorb(matcher.test(item, _join(path, i)))
            return result
        # In order, other items allowed in between: match each pattern item at its earliest
        # possible position, which leaves the most room for the ones after it.
        start = 0
        for i, matcher in enumerate(matchers):
            for j in range(start, len(actual)):
                attempt = matcher.test(actual[j], _join(path, j))
                if attempt.ok:
                    result.captures.extend(attempt.captures)
                    start = j + 1
                    break
            else:
                where = "" if start == 0 else f" after item {start - 1}"
                return result.fail(
                    path, f"no item{where} matches pattern item {i} {show(matcher)}; the array is {show(actual)}"
                )
        return result

    def __repr__(self) -> str:
        name = "Match.array_with" if self.subsequence else "Match.array_equals"
        return f"{name}({show(self.pattern)})"


class _AnyValue(Matcher):
    def test(self, actual: Any, path: str = "") -> MatchResult:
        if actual is MISSING or actual is None:
            return MatchResult().fail(path, "missing; expected any value")
        return MatchResult()

    def __repr__(self) -> str:
        return "Match.any_value()"


class _Absent(Matcher):
    def test(self, actual: Any, path: str = "") -> MatchResult:
        if actual is MISSING or actual is None:
            return MatchResult()
        return MatchResult().fail(path, f"expected to be absent, got {show(actual)}")

    def __repr__(self) -> str:
        return "Match.absent()"


class _Regexp(Matcher):
    def __init__(self, pattern: str) -> None:
        # As CDK compiles it (flags "gm"): ^ and $ match at every line, for user data.
        self.regex = re.compile(pattern, re.MULTILINE)

    def test(self, actual: Any, path: str = "") -> MatchResult:
        if actual is MISSING:
            return _missing(path, self)
        if not isinstance(actual, str) or not self.regex.search(actual):
            return MatchResult().fail(path, f"expected a string matching /{self.regex.pattern}/, got {show(actual)}")
        return MatchResult()

    def __repr__(self) -> str:
        return f"Match.string_like_regexp({self.regex.pattern!r})"


class _Not(Matcher):
    def __init__(self, pattern: Any) -> None:
        # A plain dict or list in not_ is matched exactly, as CDK does: not_({"A": 1})
        # passes {"A": 1, "B": 2}.
        self.inner = _matcher(pattern, partial=False)

    def test(self, actual: Any, path: str = "") -> MatchResult:
        if actual is MISSING:
            return MatchResult().fail(path, f"Missing key; expected a value not matching {show(self.inner)}")
        if self.inner.test(actual, path).ok:
            return MatchResult().fail(path, f"expected not to match {show(self.inner)}, got {show(actual)}")
        return MatchResult()

    def __repr__(self) -> str:
        return f"Match.not_({self.inner!r})"


class _SerializedJson(Matcher):
    def __init__(self, pattern: Any) -> None:
        if isinstance(pattern, Capture):
            raise TypeError("Match.serialized_json cannot capture the parsed value directly; nest the Capture inside")
        self.inner = _matcher(pattern, partial=False)

    def test(self, actual: Any, path: str = "") -> MatchResult:
        if actual is MISSING:
            return _missing(path, self)
        if not isinstance(actual, str):
            return MatchResult().fail(path, f"expected JSON as a string, got {show(actual)}")
        try:
            parsed = json.loads(actual)
        except ValueError as exc:
            return MatchResult().fail(path, f"invalid JSON string ({exc}): {show(actual)}")
        result = self.inner.test(parsed, f"{path}(parsed JSON)" if path else "(parsed JSON)")
        return result

    def __repr__(self) -> str:
        return f"Match.serialized_json({self.inner!r})"


class Match:
    """Pattern matchers for :class:`infrakit.testing.Template` assertions."""

    @staticmethod
    def object_like(pattern: Mapping[str, Any]) -> Matcher:
        """An object with (at least) these keys, their values matched the same way, deeply;
        other keys are ignored. A plain dict in a pattern means the same."""
        return _ObjectMatch(pattern, partial=True)

    @staticmethod
    def object_equals(pattern: Mapping[str, Any]) -> Matcher:
        """An object with exactly these keys and values, nested objects exact too."""
        return _ObjectMatch(pattern, partial=False)

    @staticmethod
    def array_with(pattern: Sequence[Any]) -> Matcher:
        """An array holding items that match these, in this order (others may be in between);
        object items match like :meth:`object_like`."""
        return _ArrayMatch(pattern, subsequence=True, partial=True)

    @staticmethod
    def array_equals(pattern: Sequence[Any]) -> Matcher:
        """An array of exactly these items, in this order, each matched exactly."""
        return _ArrayMatch(pattern, subsequence=False, partial=False)

    @staticmethod
    def any_value() -> Matcher:
        """Any value that is present (not missing, not null)."""
        return _AnyValue()

    @staticmethod
    def absent() -> Matcher:
        """The key is not there (or null)."""
        return _Absent()

    @staticmethod
    def string_like_regexp(pattern: str) -> Matcher:
        """A string in which the regular expression ``pattern`` finds a match (``re.search``,
        multi-line as in CDK: ``^`` and ``$`` also match at each line)."""
        return _Regexp(pattern)

    @staticmethod
    def not_(pattern: Any) -> Matcher:
        """A value that is present and does not match ``pattern`` (a plain dict or list in it
        is matched exactly, as :meth:`exact`). A missing key fails ("Missing key")."""
        return _Not(pattern)

    @staticmethod
    def exact(pattern: Any) -> Matcher:
        """Deep exact matching: objects with exactly these keys, arrays with exactly these
        items, all the way down (matchers nested inside still apply)."""
        if isinstance(pattern, Matcher):
            raise TypeError("Match.exact cannot directly hold another matcher; nest it inside an object or array")
        return _matcher(pattern, partial=False)

    @staticmethod
    def serialized_json(pattern: Any) -> Matcher:
        """A string holding JSON whose parsed value matches ``pattern`` (exactly, for a plain
        dict or list): ``Match.serialized_json({"Version": "2012-10-17", ...})``."""
        return _SerializedJson(pattern)


_KINDS: dict[str, tuple[Any, str]] = {
    "boolean": (bool, "a boolean"),
    "string": (str, "a string"),
    "array": (list, "an array"),
    "object": (dict, "an object"),
}


class Capture(Matcher):
    """Matches ``pattern`` (anything present, by default) and records the value it matched.

    After an assertion, ``as_string()``, ``as_number()``, ``as_boolean()``, ``as_array()``,
    ``as_object()`` return the captured value; when a pattern matched several times (several resources,
    several array items), ``next()`` moves to the next value and says whether there was one.
    """

    def __init__(self, pattern: Any = None) -> None:
        self.pattern = None if pattern is None else _matcher(pattern, partial=True)
        self._values: list[Any] = []
        self._index = 0

    def test(self, actual: Any, path: str = "") -> MatchResult:
        if actual is MISSING:
            return _missing(path, self)
        if self.pattern is not None:
            result = self.pattern.test(actual, path)
            if not result.ok:
                return result
        else:
            result = MatchResult()
        result.captures.append((self, actual))
        return result

    def next(self) -> bool:
        """Move to the next captured value; ``False`` if there is none."""
        if self._index + 1 >= len(self._values):
            return False
        self._index += 1
        return True

    @property
    def values(self) -> list[Any]:
        """Every value captured, in order."""
        return list(self._values)

    def _current(self, kind: str) -> Any:
        if not self._values:
            raise AssertionError(f"{self!r}: no value was captured; did the assertion that uses it run and pass?")
        value = self._values[self._index]
        if kind == "number":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            article = "a number"
        else:
            expected, article = _KINDS[kind]
            ok = isinstance(value, expected)
        if not ok:
            raise AssertionError(f"{self!r}: the captured value is expected to be {article}, got {show(value)}")
        return value

    def as_string(self) -> str:
        """The captured value, which must be a string."""
        return str(self._current("string"))

    def as_boolean(self) -> bool:
        """The captured value, which must be a boolean."""
        return bool(self._current("boolean"))

    def as_number(self) -> float:
        """The captured value, which must be a number."""
        value: float = self._current("number")
        return value

    def as_array(self) -> list[Any]:
        """The captured value, which must be an array."""
        return list(self._current("array"))

    def as_object(self) -> dict[str, Any]:
        """The captured value, which must be an object."""
        return dict(self._current("object"))

    def __repr__(self) -> str:
        inner = "" if self.pattern is None else repr(self.pattern)
        return f"Capture({inner})"
