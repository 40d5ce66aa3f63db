"""A mypy plugin: the inputs given with a component are checked against *its* inputs class.

``app.add("web", Web, NetworkInputs())`` is a mistake that plain typing can only report as
``Cannot infer value of type parameter "I"``: the inputs class is inferred from both the
component and the inputs, and the two disagree. With this plugin, the component alone
decides, so mypy names the class it expected::

    error: Argument 3 to "add" of "App" has incompatible type "NetworkInputs"; expected "WebInputs | None"

It applies to ``App.add``, ``ik.synth`` and ``Component.embed``. Enable it in your mypy
configuration (pyright needs nothing: it already reports the expected class)::

    [tool.mypy]
    plugins = ["infrakit.mypy_plugin"]
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.expandtype import expand_type
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import ArgKind, TypeInfo
from mypy.plugin import FunctionSigContext, MethodSigContext, Plugin
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    NoneType,
    ProperType,
    Type,
    TypeOfAny,
    TypeType,
    UnionType,
    get_proper_type,
)

__all__ = ["plugin"]

_COMPONENT = "infrakit._component.Component"
_APP = "infrakit._app.App"
# mypy names a method after the receiver's class (``myapp.Outer.embed``): the hook checks
# that the receiver is an App (for ``add``) or a Component (for ``embed``).
_METHODS = {"add": _APP, "embed": _COMPONENT}
_FUNCTIONS = {"infrakit._synth.synth", "infrakit.synth"}


def _component_args(component: Type, info: TypeInfo) -> tuple[Type, Type] | None:
    """``(inputs type, outputs type)`` of a component class given as an argument."""
    proper: ProperType = get_proper_type(component)
    instance: ProperType | None = None
    if isinstance(proper, CallableType) and proper.is_type_obj():
        instance = get_proper_type(proper.ret_type)
    elif isinstance(proper, TypeType):
        instance = proper.item
    if not isinstance(instance, Instance) or not instance.type.has_base(_COMPONENT):
        return None
    mapped = map_instance_to_supertype(instance, info)
    if len(mapped.args) != 2:
        return None
    return mapped.args[0], mapped.args[1]


def _bind_inputs(signature: CallableType, arg_types: list[Type], info: TypeInfo | None) -> CallableType:
    """The signature with the component's own inputs (and outputs) types filled in."""
    if info is None or "component" not in signature.arg_names or "inputs" not in signature.arg_names:
        return signature
    found = _component_args(arg_types[signature.arg_names.index("component")], info)
    if found is None:
        return signature
    inputs, outputs = found
    if any(isinstance(get_proper_type(t), AnyType) for t in found):
        return signature
    # The component's declared parameter types, e.g. type[Component[I, O]] with I and O the
    # signature's own type variables: bind those to the component's arguments.
    declared = get_proper_type(signature.arg_types[signature.arg_names.index("component")])
    bindings: dict[object, Type] = {}
    declared_item = declared.item if isinstance(declared, TypeType) else None
    if isinstance(declared_item, Instance) and len(declared_item.args) == 2:
        for formal, actual in zip(declared_item.args, (inputs, outputs), strict=True):
            formal_proper = get_proper_type(formal)
            variable = next((v for v in signature.variables if v.name == getattr(formal_proper, "name", None)), None)
            if variable is not None:
                bindings[variable.id] = actual
    bound = expand_type(signature, bindings) if bindings else signature  # type: ignore[arg-type]
    assert isinstance(bound, CallableType)
    remaining = [v for v in signature.variables if v.id not in bindings]
    arg_types_bound = list(bound.arg_types)
    index = signature.arg_names.index("inputs")
    declared_inputs = get_proper_type(arg_types_bound[index])
    if isinstance(declared_inputs, AnyType) and declared_inputs.type_of_any == TypeOfAny.explicit:
        # synth(component, inputs: Any = None), embed(component, inputs: Any, prefix): the
        # inputs are the component's (or None where the parameter has a default).
        optional = signature.arg_kinds[index] == ArgKind.ARG_OPT
        arg_types_bound[index] = UnionType.make_union([inputs, NoneType()]) if optional else inputs
    return bound.copy_modified(arg_types=arg_types_bound, variables=remaining)


def _arg_types(ctx: MethodSigContext | FunctionSigContext) -> list[Type]:
    types: list[Type] = []
    for expressions in ctx.args:
        if expressions:
            types.append(ctx.api.get_expression_type(expressions[0]))
        else:
            types.append(AnyType(TypeOfAny.special_form))
    return types


class InfrakitPlugin(Plugin):
    """Binds ``App.add``'s, ``synth``'s and ``embed``'s inputs type to the component's."""

    def _component_info(self) -> TypeInfo | None:
        node = self.lookup_fully_qualified(_COMPONENT)
        return node.node if node is not None and isinstance(node.node, TypeInfo) else None

    def get_method_signature_hook(self, fullname: str) -> Callable[[MethodSigContext], CallableType] | None:
        receiver_base = _METHODS.get(fullname.rpartition(".")[2])
        if receiver_base is None:
            return None

        def hook(ctx: MethodSigContext) -> CallableType:
            receiver = get_proper_type(ctx.type)
            if not isinstance(receiver, Instance) or not receiver.type.has_base(receiver_base):
                return ctx.default_signature
            return _bind_inputs(ctx.default_signature, _arg_types(ctx), self._component_info())

        return hook

    def get_function_signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], CallableType] | None:
        if fullname not in _FUNCTIONS:
            return None
        return lambda ctx: _bind_inputs(ctx.default_signature, _arg_types(ctx), self._component_info())


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return InfrakitPlugin
