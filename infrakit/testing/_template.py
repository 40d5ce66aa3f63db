"""Assertions on a synthesized template: resources, outputs and parameters.

:class:`Template` wraps what ``ik.synth`` returns (or a template as a plain dict) and
works on both shapes infrakit writes: CloudFormation (``Resources``, ``Outputs``,
``Parameters`` keyed by logical id) and compute templates (``resources``, ``outputs``,
``parameters`` lists of entries with a ``name``; a resource's ``type`` and
``properties``). A failed assertion raises ``AssertionError`` showing the closest
candidates and, for each, where it differs: the path, what was expected and what was found.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

from infrakit.testing._match import MISSING, Match, MatchResult, match_value, show

__all__ = ["Template"]

_SHOWN = 3  # closest candidates shown in a failure
_ABSENT = type(Match.absent())


class Template:
    """An assertion view of a template (as CDK's ``assertions.Template``): it wraps the
    ``ik.Template`` that ``ik.synth`` returns, or a template's JSON data.

    ``Template(ik.synth(Network, inputs))``, ``Template.from_synth(Network, inputs)`` or
    ``Template(a_dict)``. The ``has_*``, ``*_is`` and ``all_*`` methods raise
    ``AssertionError`` when the template does not match; ``find_*`` return what matches.
    Patterns are described in :class:`infrakit.testing.Match`.
    """

    def __init__(self, template: Any, *, skip_cyclical_dependencies_check: bool = False) -> None:
        from infrakit._synth import Template as SynthTemplate

        #: The ``ik.Template`` this wraps (``None`` for a template given as a dict).
        self.source: SynthTemplate | None = None
        if isinstance(template, Template):
            self.source = template.source
            body: Any = template.to_dict()
        elif isinstance(template, SynthTemplate):
            self.source = template
            body = template.to_dict()
        elif isinstance(template, Mapping):
            body = copy.deepcopy(dict(template))
        else:
            raise TypeError(f"Template takes an ik.Template or a template dict, got {type(template).__name__}")
        self._body: dict[str, Any] = body
        #: A compute template (a list of resources) rather than a CloudFormation one.
        self.compute = "Resources" not in body and "resources" in body
        #: ``"aws"`` or ``"gcp"``.
        self.provider = self.source.provider if self.source is not None else ("gcp" if self.compute else "aws")
        if not skip_cyclical_dependencies_check:
            cycle = self._cycle()
            if cycle:
                raise AssertionError(
                    "Template is undeployable, these resources have a dependency cycle: " + " -> ".join(cycle)
                )

    @classmethod
    def from_synth(cls, component: Any, inputs: Any = None) -> Template:
        """Synthesize ``component`` with ``inputs`` and wrap the result."""
        import infrakit as ik

        return cls(ik.synth(component, inputs))

    @classmethod
    def from_json(cls, text: str, *, skip_cyclical_dependencies_check: bool = False) -> Template:
        """A template read from its JSON text."""
        return cls(json.loads(text), skip_cyclical_dependencies_check=skip_cyclical_dependencies_check)

    # --- the whole template ----------------------------------------------------------

    def template_matches(self, expected: Any) -> None:
        """Assert that the whole template matches ``expected`` (a plain dict matches
        deep-partially, like :meth:`Match.object_like`; use ``Match.object_equals`` or
        ``Match.exact`` for an exact match)."""
        result = match_value(expected, self._body)
        if not result.ok:
            raise AssertionError(f"Template does not match {show(expected, 400)}:\n{result.describe()}")
        result.commit()

    def _cycle(self) -> list[str]:
        """A dependency cycle among the resources (Ref, Fn::GetAtt, Fn::Sub names, DependsOn,
        compute ``$(ref.NAME...)``), as the ids along it; ``[]`` when there is none."""
        resources = self._resources()
        graph = {name: sorted(self._dependencies(body, resources) - {name}) for name, body in resources.items()}
        state: dict[str, int] = {}
        trail: list[str] = []

        def visit(name: str) -> list[str]:
            state[name] = 1
            trail.append(name)
            for target in graph.get(name, ()):
                if state.get(target) == 1:
                    return [*trail[trail.index(target) :], target]
                if target not in state:
                    found = visit(target)
                    if found:
                        return found
            state[name] = 2
            trail.pop()
            return []

        for name in graph:
            if name not in state:
                found = visit(name)
                if found:
                    return found
        return []

    def _dependencies(self, body: Any, resources: Mapping[str, Any]) -> set[str]:
        from infrakit._provider import walk
        from infrakit.aws.fn import sub_names

        found: set[str] = set()
        if not isinstance(body, Mapping):
            return found
        if self.compute:
            metadata = body.get("metadata")
            depends = metadata.get("dependsOn") if isinstance(metadata, Mapping) else None
            found.update(d for d in depends or [] if isinstance(d, str))
            for _path, text in walk(body.get("properties"), ""):
                if isinstance(text, str):
                    found.update(_COMPUTE_REF.findall(text))
            return found & resources.keys()
        depends = body.get("DependsOn")
        found.update(d for d in ([depends] if isinstance(depends, str) else depends or []) if isinstance(d, str))
        for _path, node in walk(body.get("Properties"), ""):
            if not (isinstance(node, dict) and len(node) == 1):
                continue
            ((key, value),) = node.items()
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) and value else str(value).split(".", 1)[0]
                if isinstance(target, str):
                    found.add(target)
            elif key == "Fn::Sub":
                text, variables = (value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (value, {})
                if isinstance(text, str):
                    # ${Name} of the Sub's own variables names no resource.
                    found.update(n.split(".", 1)[0] for n in sub_names(text) if n not in variables)
        return found & resources.keys()

    def to_dict(self) -> dict[str, Any]:
        """A copy of the template."""
        return copy.deepcopy(self._body)

    def __repr__(self) -> str:
        return f"<infrakit.testing.Template ({self.provider}, {len(self._resources())} resources)>"

    # --- the template's parts, whatever its shape ----------------------------------------

    def _section(self, cfn: str, compute: str) -> dict[str, Any]:
        if self.compute:
            entries = self._body.get(compute) or []
            if isinstance(entries, Mapping):
                return dict(entries)
            return {str(e.get("name")): e for e in entries if isinstance(e, Mapping)}
        return dict(self._body.get(cfn) or {})

    def _resources(self) -> dict[str, Any]:
        return self._section("Resources", "resources")

    def _type_of(self, body: Any) -> Any:
        return body.get("type" if self.compute else "Type") if isinstance(body, Mapping) else None

    def _properties_key(self) -> str:
        return "properties" if self.compute else "Properties"

    def _of_type(self, resource_type: str) -> dict[str, Any]:
        return {name: body for name, body in self._resources().items() if self._type_of(body) == resource_type}

    def _named(self, section: str, cfn: str, compute: str, name: str) -> tuple[str, Any]:
        from infrakit.aws._provider import AwsProvider

        entries = self._section(cfn, compute)
        for candidate in (name, AwsProvider.parameter_name(name)) if not self.compute else (name,):
            if candidate in entries:
                return candidate, entries[candidate]
        known = ", ".join(entries) or "none"
        close = difflib.get_close_matches(name, list(entries), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise AssertionError(f"Template has no {section} {name!r}{hint}; its {section}s are: {known}")

    # --- resources -----------------------------------------------------------------

    def find_resources(self, resource_type: str, props: Any = None) -> dict[str, Any]:
        """The resources of ``resource_type`` (by logical id / name) whose whole definition
        matches ``props`` (all of them if ``props`` is None)."""
        found = {}
        for name, body in self._of_type(resource_type).items():
            if props is None or match_value(props, body).ok:
                found[name] = copy.deepcopy(body)
        return found

    def has_resource(self, resource_type: str, props: Any = None) -> None:
        """Assert a resource of ``resource_type`` whose whole definition (``Properties``,
        ``DependsOn``, ``Condition``...) matches ``props``."""
        self._has(resource_type, props, properties=False)

    def has_resource_properties(self, resource_type: str, props: Any) -> None:
        """Assert a resource of ``resource_type`` whose properties match ``props``."""
        self._has(resource_type, props, properties=True)

    def resource_properties_count_is(self, resource_type: str, props: Any, count: int) -> None:
        """Assert exactly ``count`` resources of ``resource_type`` whose properties match
        ``props``."""
        results = self._results(resource_type, props, properties=True)
        matched = [name for name, result in results.items() if result.ok]
        if len(matched) != count:
            raise AssertionError(
                f"Template has {len(matched)} {resource_type} resources whose properties match {show(props, 400)}, "
                f"expected {count}: {', '.join(matched) or 'none'}"
            )

    def resource_count_is(self, resource_type: str, count: int) -> None:
        """Assert exactly ``count`` resources of ``resource_type``."""
        found = self._of_type(resource_type)
        if len(found) != count:
            names = ", ".join(found) or "none"
            raise AssertionError(
                f"Template has {len(found)} {resource_type} resources, expected {count}: {names}"
                + (self._type_hint(resource_type) if not found else "")
            )

    def all_resources(self, resource_type: str, props: Any) -> None:
        """Assert that every resource of ``resource_type`` (at least one) matches ``props``
        (its whole definition)."""
        self._all(resource_type, props, properties=False)

    def all_resources_properties(self, resource_type: str, props: Any) -> None:
        """Assert that every resource of ``resource_type`` (at least one) has properties
        matching ``props``."""
        self._all(resource_type, props, properties=True)

    def _target(self, body: Any, properties: bool, props: Any) -> tuple[Any, str]:
        if not properties:
            return body, ""
        key = self._properties_key()
        if not isinstance(body, Mapping):
            return MISSING, key
        # infrakit leaves out an empty ``Properties``: no properties are empty properties,
        # unless the pattern asks for ``Properties`` to be absent.
        return body.get(key, MISSING if isinstance(props, _ABSENT) else {}), key

    def _results(self, resource_type: str, props: Any, properties: bool) -> dict[str, MatchResult]:
        results = {}
        for name, body in self._of_type(resource_type).items():
            target, path = self._target(body, properties, props)
            results[name] = match_value(props if props is not None else {}, target, path)
        return results

    def _has(self, resource_type: str, props: Any, properties: bool) -> None:
        results = self._results(resource_type, props, properties)
        if not results:
            raise AssertionError(f"Template has no {resource_type} resource{self._type_hint(resource_type)}")
        matched = [r for r in results.values() if r.ok]
        if matched:
            for result in matched:
                result.commit()
            return
        what = "properties match" if properties else "definition matches"
        raise AssertionError(
            f"Template has no {resource_type} resource whose {what} {show(props, 400)}\n"
            + self._closest(results, resource_type)
        )

    def _all(self, resource_type: str, props: Any, properties: bool) -> None:
        results = self._results(resource_type, props, properties)
        if not results:
            raise AssertionError(f"Template has no {resource_type} resource{self._type_hint(resource_type)}")
        failed = {name: r for name, r in results.items() if not r.ok}
        if failed:
            what = "properties" if properties else "definitions"
            lines = [
                f"{len(failed)} of {len(results)} {resource_type} resources do not match {show(props, 400)} "
                f"(their {what}):"
            ]
            for name, result in failed.items():
                lines.append(f"  {name}:\n{result.describe('    ')}")
            raise AssertionError("\n".join(lines))
        for result in results.values():
            result.commit()

    def _closest(self, results: dict[str, MatchResult], resource_type: str) -> str:
        ranked = sorted(results.items(), key=lambda item: len(item[1].failures))
        lines = [f"The closest of {len(results)} {resource_type} resources:"]
        for name, result in ranked[:_SHOWN]:
            count = len(result.failures)
            lines.append(f"  {name} ({count} difference{'s' if count != 1 else ''}):\n{result.describe('    ')}")
        if len(ranked) > _SHOWN:
            lines.append(f"  ... and {len(ranked) - _SHOWN} more")
        return "\n".join(lines)

    def _type_hint(self, resource_type: str) -> str:
        types = sorted({str(self._type_of(b)) for b in self._resources().values()})
        close = difflib.get_close_matches(resource_type, types, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{hint}; its resource types are: {', '.join(types) or 'none'}"

    # --- outputs, parameters, mappings and conditions -----------------------------------

    def find_outputs(self, logical_id: str = "*", props: Any = None) -> dict[str, Any]:
        """The outputs named ``logical_id`` (``"*"``: any) matching ``props`` (all, if None)."""
        return self._find("find_outputs", "Outputs", "outputs", logical_id, props)

    def find_parameters(self, logical_id: str = "*", props: Any = None) -> dict[str, Any]:
        """The parameters named ``logical_id`` (``"*"``: any) matching ``props`` (all, if None)."""
        return self._find("find_parameters", "Parameters", "parameters", logical_id, props)

    def find_mappings(self, logical_id: str = "*", props: Any = None) -> dict[str, Any]:
        """The mappings named ``logical_id`` (``"*"``: any) matching ``props`` (all, if None)."""
        return self._find("find_mappings", "Mappings", "mappings", logical_id, props)

    def find_conditions(self, logical_id: str = "*", props: Any = None) -> dict[str, Any]:
        """The conditions named ``logical_id`` (``"*"``: any) matching ``props`` (all, if None)."""
        return self._find("find_conditions", "Conditions", "conditions", logical_id, props)

    def has_output(self, name: str, props: Any = None) -> None:
        """Assert an output ``name`` (as in the template, or the snake_case field name; ``"*"``:
        any output), whose definition matches ``props`` if given (``{"Value": {"Ref": "Vpc"}}``)."""
        self._has_named("output", "Outputs", "outputs", name, props)

    def has_parameter(self, name: str, props: Any = None) -> None:
        """Assert a parameter ``name`` (as in the template, or the snake_case field name;
        ``"*"``: any), whose definition matches ``props`` if given (``{"Type": "AWS::EC2::VPC::Id"}``)."""
        self._has_named("parameter", "Parameters", "parameters", name, props)

    def has_mapping(self, name: str, props: Any = None) -> None:
        """Assert a mapping ``name`` (``"*"``: any) whose table matches ``props`` if given."""
        self._has_named("mapping", "Mappings", "mappings", name, props)

    def has_condition(self, name: str, props: Any = None) -> None:
        """Assert a condition ``name`` (``"*"``: any) whose expression matches ``props`` if given."""
        self._has_named("condition", "Conditions", "conditions", name, props)

    def _find(self, method: str, cfn: str, compute: str, logical_id: Any, props: Any) -> dict[str, Any]:
        if not isinstance(logical_id, str):
            raise TypeError(
                f"{method} takes a logical id or '*' first, then the pattern: {method}('*', {show(logical_id, 60)})"
            )
        entries = self._section(cfn, compute)
        if logical_id != "*":
            names = self._candidates(logical_id)
            entries = {name: body for name, body in entries.items() if name in names}
        return {
            name: copy.deepcopy(body) for name, body in entries.items() if props is None or match_value(props, body).ok
        }

    def _candidates(self, name: str) -> tuple[str, ...]:
        from infrakit.aws._provider import AwsProvider

        return (name,) if self.compute else (name, AwsProvider.parameter_name(name))

    def _has_named(self, section: str, cfn: str, compute: str, name: str, props: Any) -> None:
        if name == "*":
            entries = self._section(cfn, compute)
            if not entries:
                raise AssertionError(f"Template has no {section}s")
            if props is None:
                return
            results = {key: match_value(props, body) for key, body in entries.items()}
            matched = [r for r in results.values() if r.ok]
            if matched:
                for result in matched:
                    result.commit()
                return
            lines = [f"Template has no {section} matching {show(props, 400)}; its {section}s:"]
            lines += [f"  {key}:\n{result.describe('    ')}" for key, result in list(results.items())[:_SHOWN]]
            raise AssertionError("\n".join(lines))
        found, body = self._named(section, cfn, compute, name)
        if props is None:
            return
        result = match_value(props, body)
        if not result.ok:
            raise AssertionError(
                f"Template's {section} {found!r} does not match {show(props, 400)}:\n{result.describe()}"
            )
        result.commit()


_COMPUTE_REF = re.compile(r"\$\(ref\.([^.)]+)")
