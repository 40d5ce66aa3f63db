"""The AWS provider plug-in: what the core calls to render an AWS component."""

from __future__ import annotations

import functools
from typing import Any

from infrakit._provider import register

__all__ = ["AWS", "AwsProvider"]


class AwsProvider:
    """Renders AWS components into CloudFormation templates."""

    name = "aws"
    template_suffix = ".template.json"

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def parameter_name(key: str) -> str:
        """``vpc_id`` -> ``VpcId``."""
        return "".join(part[:1].upper() + part[1:] for part in key.split("_"))

    output_name = parameter_name

    @staticmethod
    def prefixed(prefix: str, logical_id: str) -> str:
        """The logical id of a resource of an embedded component: ``Db`` + ``Vpc`` -> ``DbVpc``."""
        return prefix + logical_id

    def render(self, build: Any) -> dict[str, Any]:
        from infrakit.aws._render import render  # the renderer loads only when synthesizing

        return render(build)

    def check_template(self, build: Any, text: str) -> None:
        from infrakit.aws._render import check_size

        check_size(build, text)

    def __repr__(self) -> str:
        return "<provider aws>"


AWS = register(AwsProvider())
