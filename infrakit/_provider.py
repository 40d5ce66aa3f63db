"""The provider plug-in seam: everything the core knows of AWS, GCP or any other provider.

A provider is an object implementing :class:`Provider`. Resource classes carry theirs
(``Resource.provider``); a provider registers itself here when its package is imported, so
an assembly's manifest can be read back by name. The core never imports a provider and
never asks which provider it holds: it calls these methods.

Adding a provider touches no core file. It is a package ``infrakit/<name>/`` with:

* ``_provider.py``: an object implementing :class:`Provider`, registered with :func:`register`;
* ``_catalog.py``: the base resource class (``provider = ...``, its resource options if any,
  as ``infrakit.aws._options`` does) and the lazy module of generated classes
  (``infrakit._resource.lazy_module``), with ``resource_class`` through ``find_class``;
* the generated catalogue, from ``tools/gen_<name>.py`` (sharing ``tools/_codegen.py``);
* ``_render.py`` (the template, and a renderer of expressions: ``infrakit._expr.Renderer``),
  ``_check.py`` (checks of a rendered template, for ``infrakit.testing``) and ``_deploy.py``
  (the :class:`~infrakit._deploy.Deployer` that ``deployer()`` returns).

Optional methods, called where a provider has them: ``check_parameter_option(option, value)``
(its own ``ik.param`` options, checked where declared) and ``annotate(synthesis, key, value)``
(a note in the template's own metadata, such as ``App(provenance_in_templates=True)``'s
provenance; a provider whose template format has no place for it leaves it out, the manifest
keeping it in every case), and ``moved_outputs(old, new, fed, imports_fed)`` (the outputs of
template ``new`` that can have another value than in ``old`` when the parameters ``fed`` get
new values: ``infrakit diff``'s ``affected``; without it, or when it returns ``None``, every
output of a changed instance counts as moved).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from infrakit._component import Synthesis
    from infrakit._deploy import Deployer, DeploySettings

__all__ = ["PROVIDERS", "Provider", "provider_named", "register", "supporting", "walk"]


@runtime_checkable
class Provider(Protocol):
    """What the core calls on a provider: naming, rendering, checking and deploying."""

    #: Short name, as written in ``manifest.json`` (``"aws"``, ``"gcp"``).
    name: str
    #: How messages name the provider (``"AWS"``, ``"GCP"``).
    label: str
    #: The file name suffix of its templates in an assembly (``".template.json"``).
    template_suffix: str
    #: The integration patterns its instances can be wired through (``"parameters"`` always).
    integrations: frozenset[str]
    #: Its limits on one template: ``resources``, ``parameters``, ``outputs``, ``mappings``,
    #: ``template_bytes``; a limit left out is not checked.
    quotas: Mapping[str, int]
    #: How messages name its templates (``"CloudFormation template"``, ``"compute template"``).
    template_kind: str
    #: Whether its templates hold named deploy-time conditions (``self.condition`` and what
    #: uses them); a component of a provider without them is refused at synth.
    conditions: bool

    def parameter_name(self, key: str) -> str:
        """A parameter's name in a template, from its snake_case key (``vpc_id``)."""
        ...

    def output_name(self, field: str) -> str:
        """An output's name in a template, from its outputs-class field name."""
        ...

    def prefixed(self, prefix: str, name: str) -> str:
        """The id of a resource of an embedded component (``prefix`` from ``self.embed``)."""
        ...

    def render(self, synthesis: Synthesis) -> dict[str, Any]:
        """The template (JSON data) of a checked synthesis. Refuses what the provider's template
        language cannot hold (a condition in a compute template, a quota exceeded, ...)."""
        ...

    def check_template(self, synthesis: Synthesis, text: str) -> None:
        """Checks on the rendered template's text (CloudFormation: its size)."""
        ...

    def template_problems(self, body: Mapping[str, Any]) -> Iterable[str]:
        """Structural problems of a rendered template, read as data (a reference to nothing,
        an unused parameter): ``infrakit.testing``'s second line behind synthesis."""
        ...

    def published_outputs(self, body: Mapping[str, Any]) -> set[str]:
        """The output names a rendered template publishes."""
        ...

    def validate(self, text: str, *, regions: tuple[str, ...], ignore: tuple[str, ...]) -> list[str]:
        """Problems found by the provider's own schema validation of a template's text
        (AWS: cfn-lint; GCP: the ``compute_v1`` messages); imports its tools lazily."""
        ...

    def shared_names(self, instance: str, template: Callable[[], bytes]) -> list[tuple[str, str]]:
        """The names an instance's template (``template()`` reads its text) gives to things
        that every deployment of the provider shares (GCP: project-global resource names), as
        ``(name, resource)``: an app refuses two instances deploying one. Empty where
        deployments are separate (AWS stacks), without reading the template."""
        ...

    def deployer(self, settings: DeploySettings) -> Deployer:
        """The deployer of this provider's instances (imports boto3 & co. lazily)."""
        ...


#: Registered providers by name.
PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    """Make ``provider`` known by its name; returns it."""
    PROVIDERS[provider.name] = provider
    return provider


def provider_named(name: str) -> Provider | None:
    """The registered provider called ``name``, importing its package if needed
    (``infrakit.<name>``: the built-in providers register themselves on import)."""
    found = PROVIDERS.get(name)
    if found is None and name.isidentifier():
        import importlib

        try:
            importlib.import_module(f"infrakit.{name}._provider")
        except ImportError:
            return None
        found = PROVIDERS.get(name)
    return found


def supporting(integration: str) -> list[str]:
    """The labels of the registered providers that support an integration pattern."""
    return sorted(p.label for p in PROVIDERS.values() if integration in p.integrations)


def walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every node of a template's JSON data with its path (``Resources.Vpc.Properties``),
    depth first: for the providers' checks of rendered templates."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}[{i}]")
