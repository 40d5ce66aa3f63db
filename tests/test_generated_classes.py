"""Generated resource and property type classes share one ``__repr__`` (``_fields_repr``)
instead of one compiled by attrs per class: the text must be exactly attrs', and the classes
stay attrs classes (fields, evolve, checks)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from infrakit._resource import _fields_repr
from infrakit.aws import ec2, iam, s3, sqs
from infrakit.errors import PropertyTypeError


def test_the_repr_of_resources_and_nested_types_is_unchanged() -> None:
    gateway = ec2.InternetGateway("Gw", tags=[ec2.InternetGateway.Tag(key="k", value="v")])
    assert repr(gateway) == (
        "InternetGateway(logical_id='Gw', depends_on=None, condition=None, deletion_policy=None, "
        "update_replace_policy=None, metadata=None, creation_policy=None, update_policy=None, "
        "tags=[InternetGateway.Tag(key='k', value='v')])"
    )
    assert (
        repr(s3.Bucket.VersioningConfiguration(status="Enabled")) == "Bucket.VersioningConfiguration(status='Enabled')"
    )


def test_an_object_holding_itself_shows_as_dots() -> None:
    queue = sqs.Queue("Q", delay_seconds=5)
    queue.depends_on = queue
    assert repr(queue).startswith("Queue(logical_id='Q', depends_on=..., condition=None,")
    assert "delay_seconds=5," in repr(queue)
    other = sqs.Queue("Other", depends_on=queue)
    assert repr(other).startswith("Queue(logical_id='Other', depends_on=Queue(logical_id='Q', depends_on=..., ")
    assert repr(queue) == repr(queue)  # the guard is released after each repr


def _attrs_own_repr(obj: Any) -> str:
    """The repr attrs generates for a class with the fields (and values) of ``obj``'s class."""
    shown = [a for a in attrs.fields(type(obj)) if a.repr is not False]
    twin = attrs.make_class(type(obj).__name__, {a.name: attrs.field(default=None) for a in shown}, slots=True)
    text = repr(twin(**{a.name: getattr(obj, a.name) for a in shown}))
    return text.replace(f"{type(obj).__name__}(", f"{type(obj).__qualname__}(", 1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: sqs.Queue("Q", delay_seconds=5, queue_name="q"),
        lambda: s3.Bucket("B", versioning_configuration=s3.Bucket.VersioningConfiguration(status="Enabled")),
        lambda: iam.Role.Policy(policy_name="p", policy_document={"Version": "2012-10-17", "Statement": []}),
        lambda: ec2.VPC("Vpc", cidr_block="10.0.0.0/16", tags=[ec2.VPC.Tag(key="a", value="b")]),
    ],
)
def test_the_repr_is_the_one_attrs_generates(make: Any) -> None:
    obj = make()
    assert repr(obj) == _attrs_own_repr(obj)


def test_the_shared_repr_matches_attrs_for_custom_reprs_and_fields_outside_init() -> None:
    @attrs.define(slots=True)
    class Sample:
        a: int
        b: Any = attrs.field(default=2, repr=lambda v: f"<{v}>")
        c: Any = attrs.field(default=None, repr=False)
        d: Any = attrs.field(init=False)  # never set: attrs shows NOTHING

    sample = Sample(1)
    assert _fields_repr(sample) == repr(sample)
    sample.d = [sample]
    assert _fields_repr(sample) == repr(sample)


def test_the_classes_stay_attrs_classes() -> None:
    assert attrs.has(sqs.Queue) and attrs.has(s3.Bucket.VersioningConfiguration)
    assert [a.name for a in attrs.fields(s3.Bucket.VersioningConfiguration)] == ["status"]
    versioning = s3.Bucket.VersioningConfiguration(status="Enabled")
    suspended = attrs.evolve(versioning, status="Suspended")
    assert suspended == s3.Bucket.VersioningConfiguration(status="Suspended")
    assert repr(suspended) == "Bucket.VersioningConfiguration(status='Suspended')"
    with pytest.raises(PropertyTypeError, match="status"):
        attrs.evolve(versioning, status=5)


def test_attrs_evolve_copies_a_resource_with_changes() -> None:
    queue = sqs.Queue("Work", message_retention_period=60, depends_on=[sqs.Queue("Dead")])
    changed = attrs.evolve(queue, message_retention_period=120)
    assert changed.logical_id == "Work" and changed.message_retention_period == 120
    assert [d.logical_id for d in changed.dependencies()] == ["Dead"]
    assert attrs.evolve(queue, logical_id="Other").logical_id == "Other"
    with pytest.raises(PropertyTypeError, match="message_retention_period"):
        attrs.evolve(queue, message_retention_period="soon")


def test_a_resource_takes_its_logical_id_as_a_keyword_too() -> None:
    assert sqs.Queue(logical_id="Work").logical_id == "Work"
    with pytest.raises(PropertyTypeError, match="logical id"):
        sqs.Queue(logical_id=5)
