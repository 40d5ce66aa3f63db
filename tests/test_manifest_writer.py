"""``Manifest.to_dict`` writes without importing cattrs (issue 15), and gives exactly the data
the manifest's cattrs converter gives, which reads it back; the file is written one instance
at a time, with the bytes of ``dumps_json``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from infrakit._assembly import _write_manifest
from infrakit._manifest import (
    AssetEntry,
    InstanceEntry,
    Manifest,
    ParameterEntry,
    WireSource,
    manifest_from_dict,
)
from infrakit._synth import dumps_json

_NAMES = st.text("abcdefgh-", min_size=1, max_size=6)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
_PARAMETERS = st.builds(
    ParameterEntry,
    source=st.none() | st.builds(WireSource, instance=_NAMES, output=_NAMES),
    integration=st.sampled_from([None, "registry", "exports"]),
    secret=st.booleans(),
    default=st.none()
    | st.text(max_size=5)
    | st.integers(-(2**63), 2**63 - 1)
    | st.lists(st.text(max_size=3), max_size=2),
)
_ENTRIES = st.builds(
    InstanceEntry,
    provider=st.sampled_from(["aws", "gcp"]),
    component=_NAMES,
    template=_NAMES,
    sha256=st.sampled_from(["", "ab" * 32]),
    inputs_sha256=st.sampled_from(["", "cd" * 32]),
    parameters=st.dictionaries(_NAMES, _PARAMETERS, max_size=3),
    outputs=st.lists(_NAMES, max_size=3),
    depends_on=st.lists(_NAMES, max_size=2),
    imports=st.dictionaries(_NAMES, _PARAMETERS, max_size=2),
    assets=st.lists(_NAMES, max_size=2),
    output_names=st.dictionaries(_NAMES, _NAMES, max_size=2),
    contract=st.dictionaries(_NAMES, _JSON, max_size=2),
    provenance=st.dictionaries(_NAMES, _JSON, max_size=2),
    cache_key=st.sampled_from(["", "ef" * 32]),
)
_MANIFESTS = st.builds(
    Manifest,
    app=_NAMES,
    integration=st.sampled_from(["parameters", "registry", "exports"]),
    instances=st.dictionaries(_NAMES, _ENTRIES, max_size=3),
    assets=st.dictionaries(
        _NAMES,
        st.builds(
            AssetEntry,
            path=_NAMES,
            sha256=_NAMES,
            source=st.sampled_from(["", "src/app"]),
            packaging=st.sampled_from(["file", "zip"]),
        ),
        max_size=2,
    ),
)


def _text(data: Any) -> str:
    return json.dumps(data, sort_keys=True)


def _cattrs_writer() -> Any:
    """An independent writer: cattrs' unstructuring with DESIGN.md's rules (``source`` is
    ``from``; a key holding its default is left out, but for the fields always written)."""
    import cattrs
    from cattrs.gen import make_dict_unstructure_fn, override

    converter = cattrs.Converter()
    always = override(omit_if_default=False)
    converter.register_unstructure_hook(
        ParameterEntry,
        make_dict_unstructure_fn(
            ParameterEntry, converter, _cattrs_omit_if_default=True, source=override(rename="from")
        ),
    )
    for cls in (WireSource, AssetEntry):
        converter.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True))
    converter.register_unstructure_hook(
        InstanceEntry,
        make_dict_unstructure_fn(
            InstanceEntry,
            converter,
            _cattrs_omit_if_default=True,
            inputs_sha256=always,
            parameters=always,
            outputs=always,
            depends_on=always,
        ),
    )
    converter.register_unstructure_hook(
        Manifest,
        make_dict_unstructure_fn(
            Manifest, converter, _cattrs_omit_if_default=True, version=always, integration=always, instances=always
        ),
    )
    return converter


@settings(max_examples=50, deadline=None)
@given(manifest=_MANIFESTS)
def test_to_dict_writes_what_the_cattrs_converter_writes_and_it_reads_back(manifest: Manifest) -> None:
    written = manifest.to_dict()
    assert _text(written) == _text(_cattrs_writer().unstructure(manifest))
    assert list(written) == list(_cattrs_writer().unstructure(manifest))  # same key order
    assert manifest_from_dict(json.loads(_text(written))) == manifest


@settings(max_examples=30, deadline=None)
@given(manifest=_MANIFESTS)
def test_the_manifest_file_is_written_piecewise_with_the_bytes_of_dumps_json(manifest: Manifest) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.json"
        data = manifest.to_dict()
        _write_manifest(path, data)
        assert path.read_bytes() == dumps_json(data)


def test_a_wired_parameter_is_written_with_from_and_an_asset_keeps_its_source() -> None:
    manifest = Manifest(
        app="shop",
        instances={
            "svc": InstanceEntry(
                provider="aws",
                component="m:C",
                template="svc.template.json",
                sha256="x",
                parameters={"VpcId": ParameterEntry(source=WireSource(instance="net", output="VpcId"))},
            )
        },
        assets={"a": AssetEntry(path="a.zip", sha256="y", source="src")},
    )
    data = manifest.to_dict()
    assert data["instances"]["svc"]["parameters"] == {"VpcId": {"from": {"instance": "net", "output": "VpcId"}}}
    assert data["assets"]["a"] == {"path": "a.zip", "sha256": "y", "source": "src"}
    assert data["instances"]["svc"]["outputs"] == [] and "imports" not in data["instances"]["svc"]


def test_writing_a_manifest_does_not_import_cattrs() -> None:
    code = (
        "import sys; from infrakit._manifest import Manifest, InstanceEntry\n"
        "Manifest(app='a', instances={'i': InstanceEntry(provider='aws', component='m:C', template='t', sha256='s')})"
        ".to_dict()\n"
        "print('cattrs' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
