"""What the catalogue generators (``gen_aws.py``, ``gen_gcp.py``) share: writing text as a
docstring, and the write-or-``--check`` driver over the generated files.

Not a package module: each generator puts ``tools/`` on ``sys.path`` and imports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["docstring_text", "stale", "write"]


def docstring_text(text: str) -> str:
    """``text`` made safe inside a triple-quoted docstring, meaning exactly ``text``: newlines
    normalized, backslashes and triple quotes escaped, control characters as ``\\xNN``, a
    trailing quote kept off the closing quotes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", text)
    return text + " " if text.endswith('"') else text


def stale(files: Mapping[Path, str], generated: Iterable[Path] = ()) -> dict[Path, str]:
    """Each file whose content on disk differs from ``files`` (``"differs"``, ``"missing"``),
    and each file in ``generated`` (found on disk) that ``files`` no longer holds (``"extra"``)."""
    problems: dict[Path, str] = {}
    for path, content in files.items():
        if not path.exists():
            problems[path] = "missing"
        elif path.read_text(encoding="utf-8") != content:
            problems[path] = "differs"
    problems.update({path: "extra" for path in generated if path not in files})
    return dict(sorted(problems.items()))


def write(files: Mapping[Path, str], generated: Iterable[Path] = ()) -> list[Path]:
    """Write the files that changed (``\\n`` line ends on every system) and remove the
    ``generated`` files no longer generated; return the paths changed."""
    changed = []
    for path, problem in stale(files, generated).items():
        if problem == "extra":
            path.unlink()
        else:
            path.write_text(files[path], encoding="utf-8", newline="\n")
        changed.append(path)
    return changed
