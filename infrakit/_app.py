"""Apps: named component instances wired through their declared outputs and inputs."""

from __future__ import annotations

import re
import typing
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, Literal, TypeVar

from infrakit._component import Component, check_inputs
from infrakit._contract import inputs_fields, output_aliases, outputs_fields
from infrakit._expr import Expr, Renderer
from infrakit.errors import DefinitionError, DeprecatedOutputWarning, UnknownAttributeError, WiringError, did_you_mean

__all__ = ["INTEGRATIONS", "App", "Instance", "OutputRef", "wire"]

I = TypeVar("I")
O = TypeVar("O")
T = TypeVar("T")

Integration = Literal["parameters", "registry", "exports"]
#: How a wired value reaches its consumer at deploy time.
INTEGRATIONS: tuple[str, ...] = ("parameters", "registry", "exports")

_INSTANCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,99}$")
_APP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,49}$")


class OutputRef(Expr[T]):
    """An output of an app instance, to be wired into another instance's ``Param`` input."""

    __slots__ = ("field", "instance", "integration")

    #: Marks an expression that crosses instances (becomes a parameter, never inlined).
    is_wire = True

    def __init__(self, instance: Instance[Any, Any], field: str, type: Any, integration: str | None = None) -> None:
        super().__init__(type)
        self.instance = instance
        self.field = field
        self.integration = integration

    def _render(self, r: Renderer) -> Any:
        raise WiringError(
            f"output {self.instance.name}.{self.field} can only be wired into an ik.Param input of another instance"
        )

    def _describe(self) -> str:
        return f"output {self.instance.name}.{self.field}"


def wire(output: T, *, integration: Integration) -> T:
    """Choose the integration pattern of one wire: ``ik.wire(net.outputs.vpc_id, integration="registry")``."""
    if not isinstance(output, OutputRef):
        raise WiringError(f"ik.wire takes an instance's output (instance.outputs.x), got {output!r}")
    if integration not in INTEGRATIONS:
        raise WiringError(f"unknown integration {integration!r}; use one of {', '.join(INTEGRATIONS)}")
    return typing.cast(T, OutputRef(output.instance, output.field, output.type, integration))


class _Outputs:
    """``instance.outputs``: every declared output as a wireable expression."""

    __slots__ = ("_fields", "_instance")

    def __init__(self, instance: Instance[Any, Any]) -> None:
        self._instance = instance
        self._fields = _output_types(instance.component.outputs_type)

    def __getattr__(self, name: str) -> Any:
        try:
            kind = self._fields[name]
        except KeyError:
            instance = self._instance
            field = output_aliases(instance.component.outputs_type).get(name)
            if field is not None:
                import warnings

                warnings.warn(
                    f"instance {instance.name!r} ({instance.component.__qualname__}): output `{name}` was renamed "
                    f"`{field}`; wire `{instance.name}.outputs.{field}` (the alias goes away in a later release)",
                    DeprecatedOutputWarning,
                    stacklevel=2,
                )
                return OutputRef(instance, field, self._fields[field])
            raise UnknownAttributeError(
                f"instance {instance.name!r} ({instance.component.__qualname__}) has no output `{name}`"
                f"{did_you_mean(name, self._fields)}; its outputs are: {', '.join(self._fields)}"
            ) from None
        return OutputRef(self._instance, name, kind)

    def __dir__(self) -> list[str]:
        return list(self._fields)


def _output_types(outputs_cls: type) -> dict[str, Any]:
    """``{output field: T}`` of an outputs class: one dict per class, shared by its instances'
    ``outputs`` (never mutated)."""
    found: dict[str, Any] | None = _OUTPUT_TYPES.get(outputs_cls)
    if found is None:
        found = _OUTPUT_TYPES[outputs_cls] = dict(outputs_fields(outputs_cls))
    return found


_OUTPUT_TYPES: weakref.WeakKeyDictionary[type, dict[str, Any]] = weakref.WeakKeyDictionary()  # classes may come and go


class Instance(Generic[I, O]):
    """One named instance of a component in an app."""

    # An app may hold ten thousand instances: no per-instance __dict__, and nothing kept that
    # can be derived from the inputs (``outputs``, ``wires()``).
    __slots__ = ("__weakref__", "app", "component", "inputs", "name")

    def __init__(self, app: App, name: str, component: type[Component[I, O]], inputs: I) -> None:
        self.app = app
        self.name = name
        self.component = component
        self.inputs = inputs

    @property
    def outputs(self) -> O:
        """Every declared output, as a wireable expression (``instance.outputs.vpc_id``)."""
        return typing.cast(O, _Outputs(self))

    @property
    def provider(self) -> str:
        """``"aws"`` or ``"gcp"``, known once the instance has been synthesized."""
        return self.app._synthesized.get(self.name, "")

    def wires(self) -> list[tuple[str, OutputRef[Any]]]:
        """``(input field, output)`` for every wired ``Param`` input (the inputs are frozen:
        always the same)."""
        inputs = self.inputs
        return [
            (name, value)
            for name, info in inputs_fields(type(inputs))
            if info.kind == "param" and isinstance(value := getattr(inputs, name), OutputRef)
        ]

    def depends_on(self) -> list[str]:
        """Names of the instances this one consumes outputs of, sorted."""
        return sorted({ref.instance.name for _field, ref in self.wires()})

    def __repr__(self) -> str:
        return f"<Instance {self.name} of {self.component.__qualname__}>"


class App:
    """Named component instances, wired by passing ``instance.outputs.x`` to ``Param`` inputs.

    ``integration`` picks how wired values reach consumers at deploy time (per app;
    per wire with :func:`wire`): ``"parameters"`` (the deployer passes the producer's
    outputs), ``"registry"`` (SSM Parameter Store) or ``"exports"`` (stack exports).
    """

    def __init__(
        self, name: str, *, integration: Integration = "parameters", provenance_in_templates: bool = False
    ) -> None:
        if not isinstance(name, str) or not _APP_NAME.match(name):
            raise DefinitionError(
                f"app name {name!r} must start with a letter and hold up to 50 letters, digits and hyphens"
            )
        if integration not in INTEGRATIONS:
            raise WiringError(f"unknown integration {integration!r}; use one of {', '.join(INTEGRATIONS)}")
        self.name = name
        self.integration: str = integration
        #: Whether each template also carries its provenance (infrakit's and the component
        #: package's versions) in its own metadata, where its format has a place for it
        #: (CloudFormation ``Metadata``); the manifest records it in every case.
        self.provenance_in_templates = bool(provenance_in_templates)
        self.instances: dict[str, Instance[Any, Any]] = {}
        self._folded: dict[str, str] = {}  # lower-cased name -> name: file systems may fold case
        # producer name -> {output field -> integrations other than "parameters"}
        self._published: dict[str, dict[str, set[str]]] = {}
        # instance name -> provider name, from the manifest of this app's last synth
        self._synthesized: dict[str, str] = {}

    def add(self, name: str, component: type[Component[I, O]], inputs: I | None = None) -> Instance[I, O]:
        """Add a named instance of ``component``; returns it (use ``.outputs`` to wire it)."""
        if not isinstance(name, str) or not _INSTANCE_NAME.match(name):
            raise DefinitionError(
                f"app {self.name!r}: instance name {name!r} must start with a letter and hold up to 100 letters, "
                "digits and hyphens (it names files and stacks)"
            )
        clash = self._folded.get(name.lower())
        if clash is not None and clash in self.instances:
            raise DefinitionError(f"app {self.name!r}: instance name {name!r} is already used by {clash!r}")
        if not (isinstance(component, type) and issubclass(component, Component)):
            raise DefinitionError(f"app {self.name!r}: instance {name!r} needs a Component subclass, got {component!r}")
        checked = check_inputs(component, inputs)
        instance = Instance(self, name, component, checked)
        for field, ref in instance.wires():
            self._check_wire(instance, field, ref)
        self.instances[name] = instance
        folded = name.lower()
        self._folded[name if folded == name else folded] = name  # one string when already lower-case
        for _field, ref in instance.wires():
            integration = self.integration_of(ref)
            if integration != "parameters":
                self._published.setdefault(ref.instance.name, {}).setdefault(ref.field, set()).add(integration)
        return instance

    def _check_wire(self, consumer: Instance[Any, Any], field: str, ref: OutputRef[Any]) -> None:
        producer = ref.instance
        where = f"app {self.name!r}: {consumer.name}.{field} <- {producer.name}.{ref.field}"
        if producer.app is not self or self.instances.get(producer.name) is not producer:
            raise WiringError(f"{where}: instance {producer.name!r} is not part of this app; add it first")
        # The inputs class refused a type mismatch when it was built; here: membership.
        integration = self.integration_of(ref)
        if integration not in INTEGRATIONS:
            raise WiringError(f"{where}: unknown integration {integration!r}")
        options = dict(inputs_fields(type(consumer.inputs)))[field].options
        if options is not None and options.secret and integration != "parameters":
            # The registry stores the value in a String SSM parameter and exports in clear
            # stack exports (read with Fn::ImportValue, no NoEcho): neither keeps a secret.
            raise WiringError(
                f"{where}: {type(consumer.inputs).__qualname__}.{field} is secret, but the {integration} "
                "integration publishes the value in clear; wire it with integration='parameters', or read "
                "the secret with a dynamic reference (fn.resolve_secret) instead of wiring it"
            )

    def integration_of(self, ref: OutputRef[Any]) -> str:
        """The integration pattern of one wire (its own, else the app's)."""
        return ref.integration or self.integration

    def consumers(self) -> dict[str, list[str]]:
        """For every instance, the sorted names of the instances that consume its outputs."""
        result: dict[str, set[str]] = {name: set() for name in self.instances}
        for instance in self.instances.values():
            for producer in instance.depends_on():
                result[producer].add(instance.name)
        return {name: sorted(names) for name, names in result.items()}

    def published(self, name: str) -> dict[str, list[str]]:
        """The outputs of instance ``name`` that consumers read through the registry or
        exports: ``{output field: sorted integrations}``."""
        published = self._published.get(name, {})
        return {field: sorted(kinds) for field, kinds in sorted(published.items())}

    def select(self, only: Iterable[str] | None) -> list[Instance[Any, Any]]:
        """The instances named in ``only`` (all when ``None``), in the order they were added."""
        if only is None:
            return list(self.instances.values())
        try:
            names = list(only)
        except TypeError:
            raise DefinitionError(f"app {self.name!r}: only takes a list of instance names, got {only!r}") from None
        for name in names:
            if not isinstance(name, str):
                raise DefinitionError(f"app {self.name!r}: only takes instance names (str), got {name!r}")
            if name not in self.instances:
                raise DefinitionError(f"app {self.name!r} has no instance {name!r}{did_you_mean(name, self.instances)}")
        return [i for i in self.instances.values() if i.name in names]

    def synth(
        self,
        out_dir: str = "infrakit.out",
        *,
        only: Sequence[str] | None = None,
        format: Literal["json", "yaml"] = "json",
        jobs: int = 1,
        cache: bool = True,
        progress: Any = None,
        force: bool = False,
        report: Callable[[str, bool], None] | None = None,
    ) -> Any:
        """Synthesize every instance (or those in ``only``), each on its own, into the
        assembly directory ``out_dir``; returns the manifest as a dict (what ``json.load``
        of its ``manifest.json`` gives; entries share equal parts, such as one component's
        contract, outputs and output names, or an empty ``parameters``: copy an entry before
        changing it in place).

        The directory is replaced atomically: a failed synth leaves the previous one as
        it was. With ``cache``, an instance whose component code and inputs did not
        change since the assembly in ``out_dir`` was written is not re-rendered.
        ``jobs`` > 1 synthesizes in that many processes, with identical output.

        Two syntheses into one directory run one after the other (the second waits for
        the first). A file of your own in ``out_dir`` is carried into the new assembly;
        ``out_dir`` holding another app's assembly is refused unless ``force``.

        ``report(name, from_cache)`` is called for each instance of the new assembly once it
        is in place: ``from_cache`` is true for one carried over from the previous assembly
        (nothing it depends on changed), false for one rendered now.
        """
        # Imported here: an App describes instances; the assembly writer, which reads the App,
        # is loaded only when asked to write one (and never imports back at import time).
        from infrakit._assembly import synth_app

        manifest = synth_app(
            self,
            out_dir,
            only=only,
            format=format,
            jobs=jobs,
            cache=cache,
            progress=progress,
            force=force,
            report=report,
        )
        self._synthesized = {name: entry["provider"] for name, entry in manifest["instances"].items()}
        return manifest

    def __repr__(self) -> str:
        return f"<App {self.name}: {len(self.instances)} instances>"
