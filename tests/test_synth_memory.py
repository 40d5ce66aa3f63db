"""Memory flat in the number of instances (issue 15): a synth keeps of each rendered instance
only its manifest data, which ``App.synth`` returns as plain JSON data equal to the file."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path
from typing import Any

import pytest
from _app_support import Queue, QueueInputs, Topic, TopicInputs, manifest, small_app

import infrakit as ik
import infrakit._assembly as assembly


def _plain(value: Any, path: str = "manifest") -> None:
    """Every container is exactly a dict or a list (what json.load gives), keys are str."""
    if isinstance(value, dict):
        assert type(value) is dict, path
        for key, item in value.items():
            assert type(key) is str, path
            _plain(item, f"{path}.{key}")
    elif isinstance(value, list):
        assert type(value) is list, path
        for i, item in enumerate(value):
            _plain(item, f"{path}[{i}]")
    else:
        assert value is None or type(value) in (str, int, bool, float), path


def _same(returned: dict[str, Any], directory: Path) -> None:
    on_disk = manifest(directory)
    assert returned == on_disk
    # In the same order, key by key (json.dumps of the returned dict is what users write).
    assert json.dumps(returned) == json.dumps(on_disk)
    _plain(returned)


def test_the_returned_manifest_is_the_file_read_back_cold_and_cached(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _same(small_app().synth(str(out)), out)
    # Again with one instance changed: entries carried over beside ones rendered now.
    again = small_app(retention={"prod": 7}).synth(str(out))
    _same(again, out)
    assert "cache_key" in again["instances"]["queue-dev"]
    assert list(again["instances"]["queue-prod"])[-1] == "cache_key"  # its last key, as written
    # Only one instance: the others' entries come from the previous manifest.
    _same(small_app(retention={"prod": 8}).synth(str(out), only=["queue-prod"]), out)


def test_the_returned_manifest_can_be_changed_like_json_data(tmp_path: Path) -> None:
    returned = small_app().synth(str(tmp_path / "out"))
    entry = returned["instances"]["topic-dev"]
    entry["note"] = "mine"
    entry["parameters"]["QueueName"]["from"]["output"] = "Other"
    assert list(entry)[-1] == "note"
    assert json.loads(json.dumps(returned))["instances"]["topic-dev"]["note"] == "mine"


def test_entries_of_one_component_share_their_outputs_and_contract(tmp_path: Path) -> None:
    instances = small_app().synth(str(tmp_path / "out"))["instances"]
    dev, prod = instances["queue-dev"], instances["queue-prod"]
    assert dev["outputs"] is prod["outputs"]
    assert dev["contract"] is prod["contract"]
    assert dev["depends_on"] == [] and dev["depends_on"] is prod["depends_on"]


def test_entries_rendered_by_worker_processes_share_their_contract_too(tmp_path: Path) -> None:
    serial = small_app().synth(str(tmp_path / "one"))
    instances = small_app().synth(str(tmp_path / "two"), jobs=2)["instances"]
    # Copies from the workers: shared by content, each component's once.
    assert instances["queue-dev"]["contract"] is instances["queue-prod"]["contract"]
    assert instances["topic-dev"]["contract"] is not instances["queue-dev"]["contract"]
    assert json.dumps(instances) == json.dumps(serial["instances"])


def test_no_synthesis_or_template_of_a_rendered_instance_outlives_its_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each instance's Synthesis (its resources, build objects) and Template are released by
    reference counting as soon as its file is handed to the writer (no collector needed)."""
    render = assembly.render_synthesis
    alive: list[tuple[str, weakref.ref[Any]]] = []

    def recorded(synthesis: Any) -> Any:
        # When the next instance renders, every earlier one is gone already.
        assert [name for name, ref in alive if ref() is not None] == []
        template = render(synthesis)
        alive.extend([(synthesis.instance, weakref.ref(synthesis)), (synthesis.instance, weakref.ref(template))])
        return template

    monkeypatch.setattr(assembly, "render_synthesis", recorded)
    app = ik.App("many")
    for i in range(20):
        queue = app.add(f"queue-{i}", Queue, QueueInputs())
        app.add(f"topic-{i}", Topic, TopicInputs(queue_name=queue.outputs.queue_name))
    gc.collect()
    gc.disable()
    try:
        returned = app.synth(str(tmp_path / "out"))
        assert [name for name, ref in alive if ref() is not None] == []
    finally:
        gc.enable()
    assert len(alive) == 80
    assert len(returned["instances"]) == 40


def test_an_instance_keeps_no_per_instance_dict_and_derives_outputs_and_wires(tmp_path: Path) -> None:
    app = small_app()
    topic = app.instances["topic-dev"]
    assert not hasattr(topic, "__dict__")  # slots: an app may hold ten thousand instances
    weakref.ref(topic)  # ik.tags keeps instances in a WeakKeyDictionary
    [(field, ref)] = topic.wires()
    assert (field, ref.instance.name, ref.field) == ("queue_name", "queue-dev", "queue_name")
    assert topic.wires() == topic.wires() and topic.wires() is not topic.wires()
    queue = app.instances["queue-dev"]
    assert queue.wires() == []
    assert queue.outputs.queue_url.instance is queue
    assert dir(queue.outputs) == dir(app.instances["queue-prod"].outputs)


def test_an_outputs_class_no_longer_used_is_not_kept_alive() -> None:
    from infrakit._app import _output_types

    def make() -> type:
        @ik.outputs
        class Gone:
            url: ik.Out[str]

        return Gone

    gone = make()
    assert _output_types(gone) == {"url": str}
    ref = weakref.ref(gone)
    del gone
    gc.collect()
    assert ref() is None
