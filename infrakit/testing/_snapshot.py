"""Snapshots of templates with syrupy: one ``.template.json`` file per snapshot."""

from __future__ import annotations

from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

__all__ = ["TemplateSnapshotExtension", "template_text"]


def template_text(data: Any) -> str:
    """A template's JSON text, exactly as infrakit writes it (a plain dict: the same layout)."""
    from infrakit._synth import Template as SynthTemplate
    from infrakit._synth import dumps_json

    if isinstance(data, SynthTemplate):
        return data.to_json()
    source = getattr(data, "source", None)  # an infrakit.testing.Template
    if isinstance(source, SynthTemplate):
        return source.to_json()
    if callable(getattr(data, "to_dict", None)):
        data = data.to_dict()
    if isinstance(data, dict):
        return dumps_json(data).decode("utf-8")
    raise TypeError(f"template_snapshot compares templates (ik.Template, testing.Template or a dict), got {data!r}")


class TemplateSnapshotExtension(SingleFileSnapshotExtension):
    """Stores each snapshot as the template's own JSON text, so a snapshot file reads (and
    diffs) like the template ``infrakit synth`` writes."""

    _write_mode = WriteMode.TEXT
    file_extension = "template.json"

    def serialize(self, data: Any, **kwargs: Any) -> str:
        return template_text(data)
