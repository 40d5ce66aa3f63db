"""CloudFormation dynamic references to secrets: ``{{resolve:secretsmanager:...}}`` and
``{{resolve:ssm-secure:...}}`` (re-exported by :mod:`infrakit.aws.fn`).

A dynamic reference is the recommended way to give a resource a secret: the template holds
only the secret's *name*, CloudFormation reads the value when it deploys, and neither the
template, the manifest nor the deploy command ever sees it. (A ``ik.param(secret=True)``
parameter works too, as a ``NoEcho`` parameter whose value the deployer must be given.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from infrakit._expr import Expr, Renderer, describe_value
from infrakit._resource import building_prefix
from infrakit.errors import PropertyTypeError

__all__ = ["DynamicReference", "resolve_secret", "resolve_ssm_secure"]

_PART = re.compile(r"^[^:{}\s]+$")  # a json key, version stage or version id
_NAME = re.compile(r"^[^{}\s]+$")  # a secret's name or ARN, a parameter's name


class DynamicReference(Expr[str]):
    """A ``{{resolve:...}}`` dynamic reference: a string whose value CloudFormation reads
    from Secrets Manager or Parameter Store when it deploys. Marked ``secret``: it may not
    be bound to an output (which would publish the value in clear)."""

    __slots__ = ("parts",)

    #: Read by synthesis: a secret is never published through an output.
    secret = True

    def __init__(self, parts: list[Any]) -> None:
        super().__init__(str)
        self.parts = parts

    def _pieces(self) -> list[Any]:
        pieces: list[Any] = ["{{resolve:"]
        for i, part in enumerate(self.parts):
            if i:
                pieces.append(":")
            pieces.append(part)
        pieces.append("}}")
        return pieces

    def _render(self, r: Renderer) -> Any:
        pieces = self._pieces()
        if all(isinstance(p, str) for p in pieces):
            return "".join(pieces)
        # A secret named by an expression (a resource's Ref): joined at deploy time.
        merged: list[Any] = []
        for piece in pieces:
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            else:
                merged.append(piece)
        return {"Fn::Join": ["", [r.value(p) for p in merged]]}

    def _children(self) -> Iterator[Any]:
        yield from (p for p in self.parts if isinstance(p, Expr))

    def _describe(self) -> str:
        shown = ":".join(p if isinstance(p, str) else f"<{p._describe()}>" for p in self.parts)
        return f"dynamic reference {{{{resolve:{shown}}}}}"


def _name(function: str, what: str, value: Any) -> Any:
    if isinstance(value, Expr):
        if value.type is not str and value.type is not Any:
            raise PropertyTypeError(
                f"{building_prefix()}fn.{function}: {what} must be a str, got {describe_value(value)}"
            )
        return value
    if not isinstance(value, str) or not _NAME.match(value):
        raise PropertyTypeError(
            f"{building_prefix()}fn.{function}: {what} must be a non-empty str without spaces or braces, "
            f"got {describe_value(value)}"
        )
    return value


def _part(function: str, what: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not _PART.match(value):
        raise PropertyTypeError(
            f"{building_prefix()}fn.{function}: {what} must be a str without ':', spaces or braces, "
            f"got {describe_value(value)}"
        )
    return value


def resolve_secret(
    secret_id: str | Expr[str],
    *,
    json_key: str | None = None,
    version_stage: str | None = None,
    version_id: str | None = None,
) -> Expr[str]:
    """A secret from AWS Secrets Manager, read by CloudFormation at deploy time:
    ``{{resolve:secretsmanager:secret-id:SecretString:json-key:version-stage:version-id}}``.

    ``secret_id`` is the secret's name or ARN (or an expression such as a secret resource's
    ``.ref``); ``json_key`` picks one key of a JSON secret; ``version_stage`` *or*
    ``version_id`` pins a version (leave both out to follow rotation)::

        rds.DBInstance("Db", master_user_password=fn.resolve_secret("prod/db", json_key="password"), ...)
    """
    name = _name("resolve_secret", "secret_id", secret_id)
    key = _part("resolve_secret", "json_key", json_key)
    stage = _part("resolve_secret", "version_stage", version_stage)
    version = _part("resolve_secret", "version_id", version_id)
    if stage and version:
        raise PropertyTypeError(f"{building_prefix()}fn.resolve_secret: give version_stage or version_id, not both")
    parts: list[Any] = ["secretsmanager", name]
    if key or stage or version:
        parts += ["SecretString", key]
        if stage or version:
            parts += [stage, version]
    return DynamicReference(parts)


def resolve_ssm_secure(name: str | Expr[str], version: int | None = None) -> Expr[str]:
    """A ``SecureString`` parameter of AWS Systems Manager Parameter Store, read by
    CloudFormation at deploy time: ``{{resolve:ssm-secure:name:version}}`` (``version``
    left out: the latest). Only some properties accept it (see CloudFormation's list of
    resources that support ``ssm-secure``)."""
    checked = _name("resolve_ssm_secure", "name", name)
    parts: list[Any] = ["ssm-secure", checked]
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise PropertyTypeError(
                f"{building_prefix()}fn.resolve_ssm_secure: version must be a whole number from 1, "
                f"got {describe_value(version)}"
            )
        parts.append(str(version))
    return DynamicReference(parts)
