"""Schema patterns with ``\\p{..}`` classes are compiled for the text searched (issue 15):
cut at ASCII, two-byte UTF-8 or the BMP when the text fits, they decide exactly as the
classes spelled out over all of Unicode do."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infrakit.aws import _schema
from infrakit.aws._schema import compile_pattern

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _tiered_patterns() -> list[str]:
    spec = importlib.util.spec_from_file_location("gen_aws_schema", ROOT / "tools" / "gen_aws_schema.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_aws_schema", gen)
    spec.loader.exec_module(gen)
    files = {p.name: p.read_text(encoding="utf-8") for p in gen.OUTPUT_DIR.glob("*.py")}
    return sorted(p for p in gen.patterns(files) if "\\p{" in p or "\\P{" in p)


@functools.cache
def _whole(pattern: str) -> re.Pattern[str]:
    compiled = _schema._compile_translated(pattern, 0x110000)
    assert compiled is not None, pattern
    return compiled


#: Characters from each tier, and the edges between them.
_CHARS = st.one_of(
    st.characters(max_codepoint=0x7F),
    st.characters(min_codepoint=0x80, max_codepoint=0x7FF),
    st.characters(min_codepoint=0x800, max_codepoint=0xFFFF),
    st.characters(min_codepoint=0x10000),
    st.sampled_from(["\x7f", "\x80", "\u07ff", "\u0800", "\uffff", "\U00010000", "\u212a", "\u0301", "\u00a0"]),
)


def test_the_schemas_have_patterns_with_unicode_classes_and_each_compiles_in_every_tier() -> None:
    patterns = _tiered_patterns()
    assert len(patterns) > 50
    for pattern in patterns:
        assert isinstance(compile_pattern(pattern), _schema._TieredPattern), pattern
        for limit in _schema._TIERS:
            assert _schema._compile_translated(pattern, limit) is not None, (pattern, limit)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), text=st.text(_CHARS, max_size=8))
def test_a_tiered_pattern_decides_as_the_whole_unicode_class_does(data: st.DataObject, text: str) -> None:
    pattern = data.draw(st.sampled_from(_tiered_patterns()))
    tiered = compile_pattern(pattern)
    assert tiered is not None
    assert bool(tiered.search(text)) == bool(_whole(pattern).search(text)), (pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"^[\p{L}]+$", "abc", True),
        (r"^[\p{L}]+$", "ab1", False),
        (r"^[\p{L}]+$", "Ünï", True),
        (r"^[\p{L}]+$", "日本", True),
        (r"^[\p{L}]+$", "\U00020000", True),  # a CJK ideograph beyond the BMP
        (r"^[\p{L}]+$", "\U0001f600", False),  # an emoji is a symbol
        (r"^\p{M}$", "a", False),  # no mark below 0x80: the ASCII class is empty yet compiles
        (r"^\p{M}$", "\u0301", True),
        (r"^[^\p{M}]$", "a", True),
        (r"^\P{C}+$", "visible", True),
        (r"^\P{C}+$", "bell\x07", False),
        (r"^\P{C}+$", "\U000e0001", False),  # a format character in plane 14
    ],
)
def test_unicode_classes_match_in_each_tier(pattern: str, text: str, matches: bool) -> None:
    compiled = compile_pattern(pattern)
    assert compiled is not None
    assert bool(compiled.search(text)) is matches


def test_a_case_insensitive_pattern_uses_the_whole_class() -> None:
    # The Kelvin sign folds to "k": cut at ASCII, a class without k but with the Kelvin sign
    # would lose that fold, so such a pattern is never cut.
    compiled = compile_pattern(r"(?i)^[\p{Lu}]$")
    assert isinstance(compiled, _schema._TieredPattern)
    assert bool(compiled.search("k")) == bool(_whole(r"(?i)^[\p{Lu}]$").search("k"))
    assert compiled._ignore_case
