"""AWS: the CloudFormation resource catalogue, intrinsic functions and renderer.

Every CloudFormation resource type is a class in the module of its service
namespace: ``AWS::EC2::VPC`` is ``infrakit.aws.ec2.VPC``. ``RESOURCE_TYPES`` lists
them all; :func:`resource_class` returns one by type name, importing only its module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infrakit._tags import Tag
    from infrakit.aws._custom import CustomResource
    from infrakit.aws._import import ImportProblem, import_template
    from infrakit.aws._policies import CreationPolicy, UpdatePolicy

__all__ = [
    "RESOURCE_TYPES",
    "Tag",
    "CreationPolicy",
    "CustomResource",
    "UpdatePolicy",
    "ImportProblem",
    "import_template",
    "resource_class",
]


def resource_class(name: str) -> type[Any]:
    """The class of a CloudFormation resource type: ``resource_class("AWS::EC2::VPC")``."""
    from infrakit._resource import find_class
    from infrakit.aws._types import MODULES

    return find_class("AWS", name, MODULES, lambda n: (f"infrakit.aws.{MODULES[n][0]}", MODULES[n][1]))


def __getattr__(name: str) -> Any:
    if name == "RESOURCE_TYPES":
        from infrakit.aws._types import RESOURCE_TYPES

        return RESOURCE_TYPES
    if name == "CustomResource":
        from infrakit.aws._custom import CustomResource

        return CustomResource
    if name == "Tag":  # one tag type for every taggable resource (also ik.Tag)
        from infrakit._tags import Tag

        return Tag
    if name in ("CreationPolicy", "UpdatePolicy"):
        from infrakit.aws import _policies

        return getattr(_policies, name)
    if name in ("import_template", "ImportProblem"):
        from infrakit.aws import _import

        return getattr(_import, name)
    raise AttributeError(f"module 'infrakit.aws' has no attribute {name!r}")
