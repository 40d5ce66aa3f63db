"""The AWS provider plug-in: what the core calls to render, check and deploy an AWS component."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from infrakit._provider import Provider, register

if TYPE_CHECKING:
    from infrakit._component import Synthesis
    from infrakit._deploy import Deployer, DeploySettings

__all__ = ["AWS", "LANGUAGE_EXTENSIONS", "QUOTAS", "SAM_TRANSFORM", "AwsProvider"]

#: The transform that turns ``AWS::Serverless::*`` (SAM) resources into CloudFormation ones.
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
#: The transform of CloudFormation's language extensions (``Fn::ForEach``, ``Fn::Length``, ...),
#: which infrakit adds by itself when a template uses them.
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"

#: CloudFormation's limits on one template.
QUOTAS: Mapping[str, int] = {
    "resources": 500,
    "parameters": 200,
    "outputs": 200,
    "mappings": 200,
    "template_bytes": 1_000_000,
}


class AwsProvider:
    """Renders AWS components into CloudFormation templates (see ``infrakit.aws._render``)."""

    name = "aws"
    label = "AWS"
    template_suffix = ".template.json"
    integrations = frozenset({"parameters", "registry", "exports"})
    quotas = QUOTAS
    template_kind = "CloudFormation template"
    conditions = True

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def parameter_name(key: str) -> str:
        """``vpc_id`` -> ``VpcId``."""
        return "".join(part[:1].upper() + part[1:] for part in key.split("_"))

    output_name = parameter_name

    @staticmethod
    def prefixed(prefix: str, name: str) -> str:
        """The logical id of a resource of an embedded component: ``Db`` + ``Vpc`` -> ``DbVpc``."""
        return prefix + name

    @staticmethod
    def annotate(synthesis: Synthesis, key: str, value: Any) -> None:
        """Record ``key: value`` in the template's ``Metadata`` (provenance, for one)."""
        synthesis.extras.setdefault("Metadata", {})[key] = value

    @staticmethod
    def check_parameter_option(option: str, value: Any) -> None:
        """Refuse an AWS option of ``ik.param`` where it is declared: ``aws_type`` must be a
        CloudFormation parameter type."""
        if option == "type":
            from infrakit.aws._parameters import check_parameter_type_name

            check_parameter_type_name("ik.param", value)

    def render(self, synthesis: Synthesis) -> dict[str, Any]:
        from infrakit.aws._render import render  # the renderer loads only when synthesizing

        return render(synthesis)

    def check_template(self, synthesis: Synthesis, text: str) -> None:
        from infrakit.aws._render import check_size

        check_size(synthesis, text)

    def template_problems(self, body: Mapping[str, Any]) -> Iterable[str]:
        """References to nothing, unused parameters, and every resource's properties checked
        against its schema (built in, no cfn-lint: ``infrakit.aws._schema``)."""
        import itertools

        from infrakit.aws._check import reference_problems
        from infrakit.aws._schema import template_problems

        return itertools.chain(reference_problems(body), template_problems(body))

    def published_outputs(self, body: Mapping[str, Any]) -> set[str]:
        return set(body.get("Outputs") or {})

    @staticmethod
    def moved_outputs(
        old: Mapping[str, Any], new: Mapping[str, Any], fed: Collection[str], imports_fed: bool
    ) -> set[str] | None:
        """The outputs of template ``new`` that can differ from ``old``'s (see ``infrakit.aws._affected``)."""
        from infrakit.aws._affected import moved_outputs

        return moved_outputs(old, new, fed, imports_fed)

    def validate(self, text: str, *, regions: tuple[str, ...], ignore: tuple[str, ...]) -> list[str]:
        from infrakit.aws._check import cfn_lint

        return list(cfn_lint(text, regions, ignore))

    def shared_names(self, instance: str, template: Callable[[], bytes]) -> list[tuple[str, str]]:
        """None: each instance is its own stack, whose logical ids are its own."""
        return []

    def deployer(self, settings: DeploySettings) -> Deployer:
        """A ``AwsDeployer`` (``infrakit.aws._deploy``), imported now: boto3 loads only when deploying."""
        import importlib

        module = importlib.import_module("infrakit.aws._deploy")
        deployer: Deployer = module.AwsDeployer(settings)
        return deployer

    def __repr__(self) -> str:
        return "<provider aws>"


AWS: Provider = register(AwsProvider())
