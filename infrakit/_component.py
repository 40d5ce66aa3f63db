"""Components: the unit that is synthesized, tested and deployed by itself."""

from __future__ import annotations

import re
import typing
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from infrakit._contract import UNSET, Parameter, ParamOptions, inputs_fields, is_inputs, is_outputs, outputs_fields
from infrakit._expr import ConditionRef, Expr, ParamRef
from infrakit._resource import Resource
from infrakit.errors import DefinitionError, LogicalIdError, ProviderMixError, SynthError, UnboundOutputError

if TYPE_CHECKING:
    from infrakit._provider import Provider

__all__ = ["Component", "Synthesis"]

I = TypeVar("I")
O = TypeVar("O")
R = TypeVar("R", bound=Resource)

_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def snake_prefix(prefix: str) -> str:
    """``"Db"`` -> ``"db"``, ``"AppDb"`` -> ``"app_db"``: embedded parameter keys."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", prefix).lower()


class Synthesis:
    """Everything one synthesis of a component collected: its resources, parameters,
    conditions and outputs. Providers render a template from it."""

    def __init__(self, component: type[Component[Any, Any]], inputs: Any) -> None:
        self.component = component
        self.name = component.__qualname__
        self.inputs = inputs
        self.resources: list[Resource] = []
        self.by_id: dict[str, Resource] = {}
        self.parameters: dict[str, Parameter] = {}
        self.conditions: dict[str, ConditionRef] = {}
        self.outputs: list[tuple[str, Any, Any]] = []  # (field, T, value)
        self._provider: Provider | None = None
        #: Each resource's dependencies (references and depends_on), set by synth's checks.
        self.depends: dict[Resource, list[Resource]] = {}
        #: Set when synthesized as an app instance: the app's and the instance's names, and
        #: the outputs that consumers read through the registry or exports
        #: (``{output field: [integration, ...]}``).
        self.app: str | None = None
        self.instance: str | None = None
        self.publish: dict[str, list[str]] = {}
        #: Template sections of the provider's own (CloudFormation ``Metadata``, ``Rules``,
        #: ``Transform``, ...), kept by the provider's helpers under keys of their choosing.
        #: Expressions inside are checked like properties (references resolve, parameters
        #: count as used).
        self.extras: dict[str, Any] = {}
        #: Tags (``ik.tags``): the app's and instance's (set when synthesized as an app
        #: instance), and each component's as ``(embedding prefix, {key: value})``; which
        #: component added each resource (its embedding prefix) decides which apply.
        self.outer_tags: dict[str, Any] = {}
        self.tags: list[tuple[str, dict[str, Any]]] = []
        self.prefixes: dict[Resource, str] = {}
        #: The embedding prefix of each embedded component -> that of the one embedding it.
        self.embeds: dict[str, str] = {}

    @property
    def provider(self) -> Provider:
        """The provider of the component's resources (known once one has been added)."""
        if self._provider is None:
            raise SynthError(f"{self.name}: build added no resources; add at least one with self.add(...)")
        return self._provider

    def description(self) -> str:
        """The template's description: the component's ``description`` class attribute, else
        ``"Name: first paragraph of the component's docstring"`` (or the name alone)."""
        chosen = getattr(self.component, "description", None)
        if isinstance(chosen, str):
            return chosen
        doc = (self.component.__doc__ or "").strip()
        first = doc.split("\n\n", 1)[0].replace("\n", " ").strip() if doc else ""
        return f"{self.name}: {first}" if first else self.name

    def add(self, resource: Resource, prefix: str) -> None:
        if not isinstance(resource, Resource):
            raise DefinitionError(f"{self.name}: self.add() takes a resource, got {type(resource).__name__}")
        if prefix:
            resource.logical_id = type(resource).provider.prefixed(prefix, resource.logical_id)
        lid = resource.logical_id
        existing = self.by_id.get(lid)
        if existing is resource:
            raise LogicalIdError(f"{self.name}: {resource._describe()} was added twice")
        if existing is not None:
            raise LogicalIdError(
                f"{self.name}: duplicate logical id '{lid}': {existing._describe()} and {resource._describe()}; "
                "give each resource its own id (an embedded component's get one with embed(..., prefix=...))"
            )
        provider = type(resource).provider
        if self._provider is None:
            self._provider = provider
        elif provider is not self._provider:
            first = self.resources[0]
            raise ProviderMixError(
                f"{self.name}: {resource._describe()} is a resource of {provider.label}, but the component "
                f"already has {self._provider.label} resources ({first._describe()}); one component is one "
                "deployable unit of one provider: split it into two components"
            )
        self.by_id[lid] = resource
        self.prefixes[resource] = prefix
        self.resources.append(resource)


class Component(Generic[I, O]):
    """A deployable unit: ``build(inputs)`` adds resources and returns the outputs.

    Subclass ``ik.Component[MyInputs, MyOutputs]`` and implement :meth:`build`; inside
    it, :meth:`add` resources, :meth:`embed` other components, and define
    :meth:`condition`\\ s. ``build`` must be a pure function of its inputs.
    """

    inputs_type: ClassVar[type]
    outputs_type: ClassVar[type]
    #: The template's description; default: the class name and its docstring's first paragraph.
    description: ClassVar[str | None] = None

    _synthesis: Synthesis
    _prefix: str = ""
    #: The components that embed this one, outermost first (a component may not embed itself).
    _embedding: tuple[type, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            origin = typing.get_origin(base)
            if origin is not Component and isinstance(origin, type) and issubclass(origin, Component):
                # A generic base component parametrized here: pick its inputs and outputs classes.
                args = typing.get_args(base)
                found_i = [a for a in args if is_inputs(a)]
                found_o = [a for a in args if is_outputs(a)]
                if len(found_i) == 1 and len(found_o) == 1:
                    cls.inputs_type, cls.outputs_type = found_i[0], found_o[0]
            if origin is Component:
                i_type, o_type = typing.get_args(base)
                if isinstance(i_type, TypeVar) or isinstance(o_type, TypeVar):
                    continue  # a generic base component; its subclasses name the types
                if not is_inputs(i_type):
                    raise DefinitionError(f"{cls.__qualname__}: {i_type!r} is not an @ik.inputs class")
                if not is_outputs(o_type):
                    raise DefinitionError(f"{cls.__qualname__}: {o_type!r} is not an @ik.outputs class")
                cls.inputs_type, cls.outputs_type = i_type, o_type

    def build(self, inputs: I) -> O:
        """Add this component's resources and return its outputs."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement build(self, inputs)")

    def _scope(self) -> Synthesis:
        try:
            return self._synthesis
        except AttributeError:
            raise SynthError(
                f"{type(self).__qualname__}: add/embed/condition work only while synthesizing; "
                "call ik.synth(Component, inputs) instead of build() directly"
            ) from None

    def add(self, resource: R) -> R:
        """Add a resource to this component and return it."""
        self._scope().add(resource, self._prefix)
        return resource

    def condition(self, name: str, expr: Expr[bool]) -> ConditionRef:
        """Define a named deploy-time condition, decided by the provider's engine when it
        deploys (CloudFormation ``Conditions``: use it in ``fn.if_`` or ``condition=``). A
        provider whose templates have no conditions (GCP) refuses the component at synth:
        there, decide with a build-time input instead."""
        synthesis = self._scope()
        if not isinstance(name, str) or not name:
            raise DefinitionError(
                f"{synthesis.name}: a condition's name must be a non-empty str (letters and digits), got {name!r}"
            )
        if not isinstance(expr, Expr) or expr.type is not bool:
            raise DefinitionError(
                f"{synthesis.name}: condition {name!r} needs a boolean expression (fn.equals, fn.and_, ...), got {expr!r}"
            )
        name = self._prefix + name
        if name in synthesis.conditions:
            raise LogicalIdError(f"{synthesis.name}: condition {name!r} is defined twice")
        ref = ConditionRef(name, expr)
        synthesis.conditions[name] = ref
        return ref

    def embed(self, component: type[Component[Any, O2]], inputs: Any, prefix: str = "") -> O2:
        """Inline another component's resources into this one, their logical ids prefixed
        with ``prefix``, and return its outputs (as expressions). Without a prefix the
        embedded resources, parameters and conditions keep their names: a name used twice
        is an error naming both."""
        synthesis = self._scope()
        if not isinstance(prefix, str) or (prefix and not _PREFIX.match(prefix)):
            raise LogicalIdError(
                f"{synthesis.name}: embed prefix {prefix!r} must be a str of letters and digits, starting with a letter "
                "(or left out, when the embedded names are distinct from this component's)"
            )
        if not (isinstance(component, type) and issubclass(component, Component)):
            raise DefinitionError(f"{synthesis.name}: embed takes a Component subclass, got {component!r}")
        chain = (*self._embedding, type(self))
        if component in chain:
            shown = " -> ".join(c.__qualname__ for c in (*chain, component))
            raise SynthError(
                f"{synthesis.name}: {component.__qualname__} embeds itself ({shown}); a component cannot contain itself"
            )
        child = component()
        child._synthesis = synthesis
        child._prefix = self._prefix + prefix
        synthesis.embeds[child._prefix] = self._prefix
        child._embedding = chain
        return run_build(
            child, inputs, synthesis, key_prefix=snake_prefix(child._prefix) + "_" if child._prefix else ""
        )


O2 = TypeVar("O2")


def check_inputs(component: type[Component[Any, Any]], inputs: Any) -> Any:
    """Refuse inputs of the wrong class; ``None`` means the inputs class's defaults."""
    expected = getattr(component, "inputs_type", None)
    if expected is None:
        raise DefinitionError(f"{component.__qualname__} must subclass ik.Component[Inputs, Outputs]")
    if inputs is None:
        try:
            return expected()
        except (TypeError, DefinitionError) as exc:
            raise DefinitionError(f"{component.__qualname__}: inputs are required: {exc}") from None
    if not isinstance(inputs, expected):
        raise DefinitionError(
            f"{component.__qualname__} takes {expected.__qualname__} inputs, got {type(inputs).__qualname__}"
        )
    return inputs


def symbolic_inputs(
    component: type[Component[Any, Any]], inputs: Any, synthesis: Synthesis, key_prefix: str = ""
) -> Any:
    """The inputs as ``build`` sees them: every ``Param`` field an expression."""
    values: dict[str, Any] = {}
    for name, info in inputs_fields(type(inputs)):
        value = getattr(inputs, name)
        if info.kind == "param" and not (isinstance(value, Expr) and not getattr(value, "is_wire", False)):
            wired = getattr(value, "is_wire", False)
            parameter = Parameter(
                key=key_prefix + name,
                type=info.type,
                options=info.options or ParamOptions(),
                default=UNSET if wired else value,
                source=value if wired else None,
                owner=f"{type(inputs).__qualname__}.{name}",
            )
            if parameter.options.secret and parameter.default is not UNSET:
                raise SynthError(
                    f"{synthesis.name}: {parameter.owner} is secret, so it cannot have a value in the template; "
                    "leave it out and pass it when deploying"
                )
            if parameter.key in synthesis.parameters:
                raise LogicalIdError(
                    f"{synthesis.name}: two parameters named {parameter.key!r} ({parameter.owner} and "
                    f"{synthesis.parameters[parameter.key].owner}); embed(..., prefix=...) gives an embedded component's "
                    "parameters names of their own"
                )
            synthesis.parameters[parameter.key] = parameter
            value = ParamRef(parameter)
        values[name] = value
    view = object.__new__(type(inputs))
    for name, value in values.items():
        object.__setattr__(view, name, value)
    return view


def run_build(component: Component[Any, O], inputs: Any, synthesis: Synthesis, key_prefix: str = "") -> O:
    """Run ``build`` of one (possibly embedded) component into ``build``."""
    cls = type(component)
    inputs = check_inputs(cls, inputs)
    view = symbolic_inputs(cls, inputs, synthesis, key_prefix)
    result = component.build(view)
    expected = cls.outputs_type
    if not isinstance(result, expected):
        raise SynthError(
            f"{cls.__qualname__}.build must return {expected.__qualname__}, got {type(result).__qualname__}"
        )
    unbound = [name for name, _t in outputs_fields(expected) if getattr(result, name) is UNSET]
    if unbound:
        listed = ", ".join(f"`{n}`" for n in unbound)
        raise UnboundOutputError(
            f"{cls.__qualname__}: build left output {listed} of {expected.__qualname__} unbound; "
            "bind every declared output"
        )
    return result
