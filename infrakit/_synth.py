"""Synthesis of one component into one template, independently of any other."""

from __future__ import annotations

import re
from typing import Any

from infrakit._component import Component, Synthesis, run_build
from infrakit._contract import out_options, output_aliases, outputs_fields, parameter_name
from infrakit._expr import Call, ConditionRef, Expr, GetAtt, ListExpr, ParamRef, Ref, find_expression_text
from infrakit._resource import BUILDING, Resource, building_prefix, collect
from infrakit.errors import (
    DanglingReferenceError,
    InfrakitError,
    PropertyTypeError,
    SynthError,
    UnusedConditionError,
    UnusedParameterError,
    add_context,
)

__all__ = ["Template", "render_synthesis", "synth", "synthesize"]


class Template:
    """A synthesized template of one component: ``ik.Template``, what ``ik.synth`` returns.

    ``to_dict()`` gives a copy of the template, ``to_json()`` and ``to_yaml()`` its text.
    (Not to be confused with ``infrakit.testing.Template``, the assertion view that wraps one:
    ``infrakit.testing.Template(ik.synth(...)).has_resource(...)``.)
    ``provider`` is ``"aws"`` or ``"gcp"``; ``synthesis`` is what synthesis collected
    (resources, parameters, outputs: a :class:`~infrakit._component.Synthesis`), used by apps
    and by ``infrakit.testing``.
    """

    def __init__(self, body: dict[str, Any], synthesis: Synthesis) -> None:
        self._body = body
        self._json: str | None = None
        self.synthesis = synthesis
        self.provider: str = synthesis.provider.name

    @property
    def build(self) -> Synthesis:
        """The former name of :attr:`synthesis` (``build`` is the component's method)."""
        return self.synthesis

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the template as plain JSON-compatible data."""
        import orjson

        result: dict[str, Any] = orjson.loads(self.to_json())
        return result

    def to_json(self) -> str:
        """The template as JSON text: 2-space indented, ending in a newline, UTF-8 characters
        as they are (the layout of ``json.dumps(t, indent=2, ensure_ascii=False)``)."""
        if self._json is None:
            self._json = dumps_json(self._body).decode("utf-8")
        return self._json

    def to_yaml(self) -> str:
        """The template as YAML in long-form intrinsics (``Fn::Join:``, ``Ref:``), so any
        YAML parser reads it back to the same data as ``to_dict()``."""
        import yaml  # only when YAML is asked for

        return str(yaml.safe_dump(self._body, sort_keys=False, default_flow_style=False, allow_unicode=True))

    def __repr__(self) -> str:
        return f"<Template {self.synthesis.name} ({self.provider}, {len(self.synthesis.resources)} resources)>"


def dumps_json(data: Any) -> bytes:
    """Indented JSON in the layout of ``json.dumps(data, indent=2, ensure_ascii=False)`` plus
    a newline (floats in their shortest form: ``1e-7`` where ``json`` writes ``1e-07``),
    written by orjson: about 70x faster than the standard library's indenting encoder,
    which has no C implementation. (Imported when first writing: not at ``import infrakit``.)"""
    import orjson

    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError as exc:
        where = _unwritable(data)
        at = f" at {where}" if where else ""
        raise SynthError(f"{building_prefix()}cannot write the template as JSON{at}: {exc}") from None


def _unwritable(data: Any) -> str:
    """The path of the first value JSON text cannot hold (a str with a lone surrogate, a key
    that is not a str), for the message; ``""`` if none is found."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return path.lstrip(".") or "the top level"
        elif isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    return f"{path.lstrip('.')} (key {key!r})"
                try:
                    key.encode("utf-8")
                except UnicodeEncodeError:
                    return f"{path.lstrip('.')} (key {key!r})"
                stack.append((f"{path}.{key}", value))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(node))
    return ""


def synthesize(component: type[Component[Any, Any]], inputs: Any = None) -> Synthesis:
    """Run a component's ``build`` and check what it made, without rendering."""
    if not (isinstance(component, type) and issubclass(component, Component)):
        raise SynthError(f"synth takes a Component subclass, got {component!r}")
    synthesis = Synthesis(component, inputs)
    token = BUILDING.set(component.__qualname__)
    try:
        instance = component()
        instance._synthesis = synthesis
        result = run_build(instance, inputs, synthesis)
        synthesis.outputs = [(name, t, getattr(result, name)) for name, t in outputs_fields(component.outputs_type)]
        # A renamed output's former names publish the same value (ik.out(aliases=...)).
        bound = {name: (t, value) for name, t, value in synthesis.outputs}
        for alias, field in output_aliases(component.outputs_type).items():
            synthesis.outputs.append((alias, *bound[field]))
        if not synthesis.resources:
            raise SynthError(f"{synthesis.name}: build added no resources; add at least one with self.add(...)")
        check_references(synthesis)
    except InfrakitError as exc:
        add_context(exc, component=synthesis.name)
        raise
    finally:
        BUILDING.reset(token)
    return synthesis


def synth(component: type[Component[Any, Any]], inputs: Any = None) -> Template:
    """Synthesize one component, on its own, into its provider's template.

    ``inputs`` is an instance of the component's inputs class (``None``: all defaults).
    Raises an :class:`infrakit.errors.InfrakitError` naming the component, resource and
    property for every mistake it finds.
    """
    return render_synthesis(synthesize(component, inputs))


def render_synthesis(synthesis: Synthesis) -> Template:
    """Render a checked synthesis into its provider's template."""
    token = BUILDING.set(synthesis.name)
    try:
        template = Template(synthesis.provider.render(synthesis), synthesis)
        text = template.to_json()
        _refuse_expression_text(synthesis, template, text)
        synthesis.provider.check_template(synthesis, text)
    except InfrakitError as exc:
        add_context(exc, component=synthesis.name)
        raise
    finally:
        BUILDING.reset(token)
    return template


def _refuse_formatted_parameter(synthesis: Synthesis, key: str) -> None:
    """A parameter whose only use was formatted into a Python string (``f"q-{x!r}"``) looks
    unused; say what really happened, where."""
    text = f"<ParamRef parameter {key}: "
    for resource in synthesis.resources:
        for label, value in resource._values():
            stack = [value]
            while stack:
                node = stack.pop()
                if isinstance(node, str) and text in node:
                    raise PropertyTypeError(
                        f"{synthesis.name}: {resource._describe()}: {label} holds the text "
                        f"{find_expression_text(node) or text!r}: an expression was formatted into a Python string "
                        "(f-string with !r, str() of a list, %r) and has no value at synth time; build the string "
                        "at deploy time with fn.sub or fn.join"
                    )
                if isinstance(node, dict):
                    stack.extend(node.values())
                elif isinstance(node, (list, tuple)):
                    stack.extend(node)


def _refuse_expression_text(synthesis: Synthesis, template: Template, text: str) -> None:
    """An expression formatted into a Python string (``f"q-{x!r}"``, ``str([x])``) leaves its
    repr in the template instead of a deploy-time value: refuse it, naming where it is."""
    found = find_expression_text(text)
    if found is None:
        return
    where = "the template"
    stack: list[tuple[str, Any]] = [("", template._body)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str) and found in node:
            where = path.lstrip(".")
            break
        if isinstance(node, dict):
            stack.extend((f"{path}.{k}", v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(node))
    raise PropertyTypeError(
        f"{synthesis.name}: {where} holds the text {found!r}: an expression was formatted into a Python string "
        "(f-string with !r, str() of a list, %r) and has no value at synth time; build the string at deploy "
        "time with fn.sub or fn.join"
    )


def check_references(synthesis: Synthesis) -> None:
    """Every reference resolves inside the component, every parameter is used, and
    resources do not depend on each other in a cycle. Records ``synthesis.depends``."""
    provider = synthesis.provider
    if synthesis.conditions and not provider.conditions:
        name = next(iter(synthesis.conditions))
        raise SynthError(
            f"{synthesis.name}: defines condition {name!r}; a {provider.template_kind} has no conditions. Decide with a "
            "build-time input instead (an `if` in build)"
        )
    used: set[str] = set()
    used_conditions: set[str] = set()
    depends: dict[Resource, list[Resource]] = {}
    by_name: dict[str, str] = {}  # a parameter's template name -> its key, for text references

    def parameter_keys() -> dict[str, str]:
        if not by_name:  # filled when first needed: most components have no text references
            by_name.update({parameter_name(synthesis.provider, p): k for k, p in synthesis.parameters.items()})
        return by_name

    by_id = synthesis.by_id
    parameters = synthesis.parameters

    def check(value: Any, place: str | tuple[Resource, str], owner: Resource | None) -> None:
        """``place`` says where ``value`` is, for messages: the text, or ``(resource, label)``
        (made into text only when something is wrong)."""
        found: list[Expr[Any]] = []
        try:
            collect(value, found)
        except RecursionError:
            raise PropertyTypeError(
                f"{_where(synthesis, place)}: the value contains itself or is nested too deeply (a template holds "
                "plain, finite JSON data); build it without cycles"
            ) from None
        for expr in found:
            kind = type(expr)
            # The common nodes first, decided here (the same checks as _check_expr's).
            if kind is Ref or kind is GetAtt:
                target = expr.resource  # type: ignore[attr-defined]
                if by_id.get(target.logical_id) is not target:
                    _check_expr(synthesis, expr, _where(synthesis, place), used)
                if owner is not None:
                    targets = depends[owner]
                    if target not in targets:
                        targets.append(target)
                continue
            if kind is ParamRef:
                parameter = expr.parameter  # type: ignore[attr-defined]
                if parameters.get(parameter.key) is not parameter:
                    _check_expr(synthesis, expr, _where(synthesis, place), used)
                used.add(parameter.key)
                continue
            if kind is Call or kind is ListExpr:  # a plain function or list: its children were collected
                continue
            _check_expr(synthesis, expr, _where(synthesis, place), used)
            if isinstance(expr, ConditionRef):
                used_conditions.add(expr.name)
            text_names = getattr(expr, "text_names", None)
            if text_names is not None:  # names inside text (CloudFormation's Fn::Sub)
                keys = parameter_keys()
                for name in text_names():
                    if name in keys:
                        used.add(keys[name])
                    elif owner is not None and name in by_id:
                        target = by_id[name]
                        if target is not owner and target not in depends[owner]:
                            depends[owner].append(target)
            if owner is not None and isinstance(expr, (Ref, GetAtt)):
                targets = depends[owner]
                if expr.resource not in targets:
                    targets.append(expr.resource)

    for resource in synthesis.resources:
        depends[resource] = []
        for dep in resource.dependencies():
            if not isinstance(dep, Resource) or by_id.get(dep.logical_id) is not dep:
                shown = dep._describe() if isinstance(dep, Resource) else repr(dep)
                raise DanglingReferenceError(
                    f"{synthesis.name}: {resource._describe()}: depends_on names {shown}, which is not part of the "
                    "component; add it with self.add(...)"
                )
            if dep not in depends[resource]:
                depends[resource].append(dep)
        for label, value in resource._values():
            if type(value) not in _PLAIN:  # a str, number or bool holds no reference
                check(value, (resource, label), resource)
    for resource in synthesis.resources:
        condition = getattr(resource, "condition", None)
        if isinstance(condition, str):
            used_conditions.add(condition)
    for name, cond in synthesis.conditions.items():
        check(cond.expr, f"{synthesis.name}: condition {name!r}", None)
    for name, _t, value in synthesis.outputs:
        check(value, f"{synthesis.name}: output `{name}`", None)
        _refuse_secret_output(synthesis, name, value)
        declared = out_options(synthesis.component.outputs_type, name)
        if declared.condition is not None:
            used_conditions.add(declared.condition)
        if isinstance(declared.export_name, str):
            # ``${Name}`` placeholders of an export name (ik.out) name parameters too.
            keys = parameter_keys()
            used.update(keys[n] for n in _PLACEHOLDER.findall(declared.export_name) if n in keys)
        elif declared.export_name is not None:
            check(declared.export_name, f"{synthesis.name}: output `{name}`: export_name", None)
    for key, extra in synthesis.extras.items():
        check(extra, f"{synthesis.name}: {key}", None)
    for key, parameter in synthesis.parameters.items():
        if key not in used:
            _refuse_formatted_parameter(synthesis, key)
            raise UnusedParameterError(
                f"{synthesis.name}: parameter `{key}` ({parameter.owner}) is never used; use it in a resource "
                "or output, or make it a build-time setting"
            )
    unused = [name for name in synthesis.conditions if name not in used_conditions]
    if unused:
        raise UnusedConditionError(
            f"{synthesis.name}: condition {unused[0]!r} is never used; use it in a resource's condition=, an "
            "fn.if_, another condition or an output's ik.out(condition=...), or remove it"
        )
    synthesis.depends = depends
    _check_cycles(synthesis, depends)


_PLAIN = frozenset({str, int, float, bool})


def _where(synthesis: Synthesis, place: str | tuple[Resource, str]) -> str:
    """The text of a place :func:`check_references` names in a message."""
    if isinstance(place, str):
        return place
    resource, label = place
    return f"{synthesis.name}: {resource._describe()}: {label}"


def _refuse_secret_output(synthesis: Synthesis, name: str, value: Any) -> None:
    """An output is stored and shown in clear (stack outputs, the registry's String parameters,
    exports): a secret never goes into one."""
    found: list[Expr[Any]] = []
    collect(value, found)
    for expr in found:
        if isinstance(expr, ParamRef) and expr.parameter.options.secret:
            secret = f"secret parameter `{expr.parameter.key}` ({expr.parameter.owner})"
        elif getattr(expr, "secret", False):
            secret = f"the secret {expr._describe()}"
        else:
            continue
        raise SynthError(
            f"{synthesis.name}: output `{name}` would publish {secret} in clear (outputs are stored and shown "
            "unencrypted); pass the secret to the consumer another way, such as a dynamic reference "
            "(fn.resolve_secret) that both components read"
        )


_PLACEHOLDER = re.compile(r"\$\{(?!!)([^}.]+)\}")


def _check_expr(synthesis: Synthesis, expr: Expr[Any], where: str, used: set[str]) -> None:
    if isinstance(expr, (Ref, GetAtt)):
        target = expr.resource
        if synthesis.by_id.get(target.logical_id) is not target:
            raise DanglingReferenceError(
                f"{where} refers to {target._describe()}, which is not part of the component; add it with "
                "self.add(...) (another component's resources are reached only through its outputs)"
            )
    elif isinstance(expr, ParamRef):
        key = expr.parameter.key
        if synthesis.parameters.get(key) is not expr.parameter:
            raise DanglingReferenceError(f"{where} uses parameter `{key}`, which is not a parameter of the component")
        used.add(key)
    elif isinstance(expr, ConditionRef) and synthesis.conditions.get(expr.name) is not expr:
        raise DanglingReferenceError(
            f"{where} uses condition {expr.name!r}, which is never defined; define it with self.condition(name, expr)"
        )


def _check_cycles(synthesis: Synthesis, depends: dict[Resource, list[Resource]]) -> None:
    state: dict[Resource, int] = {}  # 1 visiting, 2 done
    for start in synthesis.resources:
        if state.get(start):
            continue
        stack: list[tuple[Resource, int]] = [(start, 0)]
        path: list[Resource] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            targets = depends[node]
            if index < len(targets):
                stack.append((node, index + 1))
                target = targets[index]
                if state.get(target) == 1:
                    cycle = [*path[path.index(target) :], target]
                    shown = " -> ".join(f"'{r.logical_id}'" for r in cycle)
                    raise SynthError(f"{synthesis.name}: resources depend on each other in a cycle: {shown}")
                if not state.get(target):
                    stack.append((target, 0))
            else:
                state[node] = 2
                path.pop()
