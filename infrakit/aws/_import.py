"""``infrakit import``: a CloudFormation template turned into one typed component.

:func:`import_template` reads a template (JSON, or YAML with the short-form tags
``!Ref``, ``!GetAtt``, ``!Sub``...) and writes the source of a Python module holding one
``ik.Component`` subclass: an ``@ik.inputs`` class with one ``ik.Param`` per template
parameter, an ``@ik.outputs`` class with one ``ik.Out`` per output, and a ``build``
that adds the typed resource classes with their properties as keywords and the
intrinsic functions as ``fn`` calls. Synthesizing the component with its default
inputs gives back a template with the same meaning.

What infrakit cannot express is returned as a list of :class:`ImportProblem`, each
with the JSON path of the part of the template it concerns; nothing is dropped
silently.
"""

from __future__ import annotations

import copy
import json
import keyword
import re
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from infrakit.aws._provider import SAM_TRANSFORM
from infrakit.errors import InfrakitError

__all__ = ["ImportProblem", "TemplateImportError", "import_file", "import_template", "load_template"]


class TemplateImportError(InfrakitError):
    """A template that cannot be read at all (not JSON or YAML, not a mapping, no Resources)."""


@attrs.frozen
class ImportProblem:
    """Something in the template that the imported component cannot express.

    ``path`` is where it is in the template (``Resources.Web.UpdatePolicy``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# --- reading templates ----------------------------------------------------------------

_SHORT_TAGS = (
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "Length",
    "ToJsonString",
    "Contains",
    "EachMemberEquals",
    "EachMemberIn",
    "RefAll",
    "ValueOf",
    "ValueOfAll",
)

_LOADER: Any = None


def _yaml_loader() -> Any:
    """A PyYAML SafeLoader reading CloudFormation's short-form tags into their long form."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    # CloudFormation reads 2010-09-09 as a string, not a date, and yes/no/on/off as strings
    # (only true/false are booleans).
    Loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
        ]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )

    def node_value(loader: Any, node: Any) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    def long_form(name: str) -> Callable[[Any, Any], Any]:
        def construct(loader: Any, node: Any) -> Any:
            return {name: node_value(loader, node)}

        return construct

    for tag in _SHORT_TAGS:
        Loader.add_constructor(f"!{tag}", long_form(f"Fn::{tag}"))
    Loader.add_constructor("!Ref", long_form("Ref"))
    Loader.add_constructor("!Condition", long_form("Condition"))

    def get_att(loader: Any, node: Any) -> Any:
        value = node_value(loader, node)
        if isinstance(value, str):
            value = value.split(".", 1)
        return {"Fn::GetAtt": value}

    Loader.add_constructor("!GetAtt", get_att)

    def unique_mapping(loader: Any, node: Any, deep: bool = False) -> Any:
        # A key given twice is an invalid template (CloudFormation and cfn-lint refuse it);
        # PyYAML would keep the last one and drop the other silently.
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node)
            if key in seen:
                raise TemplateImportError(f"the key {key!r} is given twice (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return base.construct_mapping(loader, node, deep=deep)

    Loader.construct_mapping = unique_mapping
    _LOADER = Loader
    return Loader


def load_template(text: str) -> dict[str, Any]:
    """A CloudFormation template's data, from its JSON or YAML text (short-form tags read)."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            data = json.loads(text, object_pairs_hook=_unique_object)
        else:
            import yaml

            data = yaml.load(text, Loader=_yaml_loader())  # a SafeLoader subclass
    except TemplateImportError:
        raise
    except ValueError as exc:
        raise TemplateImportError(f"the template is not valid JSON: {exc}") from None
    except Exception as exc:  # yaml.YAMLError and its subclasses
        raise TemplateImportError(f"the template is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise TemplateImportError(f"a template is a mapping of sections, got {type(data).__name__}")
    data = dict(_string_keys(data))
    if not isinstance(data.get("Resources"), dict) or not data["Resources"]:
        raise TemplateImportError("the template has no Resources section (a template needs at least one resource)")
    return data


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (``json`` would keep the last one silently)."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise TemplateImportError(f"the key {key!r} is given twice")
        data[key] = value
    return data


def _string_keys(value: Any) -> Any:
    """Every mapping key as CloudFormation reads it: a string (YAML reads ``123456789012:`` as
    a number)."""
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else _text(k)): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


# --- source text --------------------------------------------------------------------

LINE = 120


class Node:
    """A piece of Python source: an atom, a bracketed list of elements, or a string of
    several lines (``parts``), written as one literal when it fits and else as implicitly
    concatenated literals, one line of text each."""

    __slots__ = ("close", "items", "open", "parts", "text")

    def __init__(
        self,
        text: str,
        items: list[Node] | None = None,
        open: str = "",
        close: str = "",
        parts: list[str] | None = None,
    ) -> None:
        self.text = text  # the atom, or the head before the bracket ("fn.join"), or before the string
        self.items = items
        self.open = open
        self.close = close
        self.parts = parts

    def flat(self) -> str:
        if self.parts is not None:
            return self.text + py_str("".join(self.parts))
        if self.items is None:
            return self.text
        return f"{self.text}{self.open}{', '.join(i.flat() for i in self.items)}{self.close}"


def text_node(value: str) -> Node:
    """A string literal; a text of several lines (a script, a document) line by line."""
    lines = [line + "\n" for line in value.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return Node("", parts=lines) if len(lines) > 1 else atom(py_str(value))


def atom(text: str) -> Node:
    return Node(text)


def call(head: str, *items: Node) -> Node:
    return Node(head, list(items), "(", ")")


def prefixed(prefix: str, node: Node) -> Node:
    """``prefix`` glued before ``node`` (a keyword ``name=``, a dict key ``"k": ``)."""
    return Node(prefix + node.text, node.items, node.open, node.close, node.parts)


def fmt(node: Node, indent: str, suffix: str = "") -> list[str]:
    """``node`` laid out as ruff format lays it out (120 columns, magic trailing commas)."""
    flat = indent + node.flat() + suffix
    if node.parts is not None and len(flat) > LINE:
        # ruff keeps implicitly concatenated strings that do not fit on one line as they are:
        # the first after the key, the others under it.
        first, *rest = (py_str(part) for part in node.parts)
        return [
            f"{indent}{node.text}{first}",
            *(f"{indent}{part}" for part in rest[:-1]),
            f"{indent}{rest[-1]}{suffix}",
        ]
    if len(flat) <= LINE or not node.items:
        return [flat]
    inner = indent + "    "
    head = f"{indent}{node.text}{node.open}"
    tail = f"{indent}{node.close}{suffix}"
    body = inner + ", ".join(i.flat() for i in node.items)
    # A call's arguments stay on one line when they fit; a list or dict literal that is
    # split has one item per line (black's and ruff's rule for collections).
    if len(body) <= LINE and (node.open == "(" or len(node.items) == 1):
        return [head, body, tail]
    lines = [head]
    if len(node.items) == 1:
        lines += fmt(node.items[0], inner)
    else:
        for item in node.items:
            lines += fmt(item, inner, ",")
    lines.append(tail)
    return lines


def _assignment(name: str, value: Node, indent: str) -> list[str]:
    """``name = value`` for a string value: a value too long for its line goes in parentheses
    when that makes it fit, or when it is several literals (ruff's layout)."""
    line = f"{indent}{name} = {value.flat()}"
    inner = indent + "    "
    if len(line) <= LINE or (value.parts is None and len(inner + value.flat()) > LINE):
        return [line]
    return [f"{indent}{name} = (", *fmt(value, inner), f"{indent})"]


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_str(value: str) -> str:
    """A string literal the way ruff writes it: double quotes unless the text holds more
    double than single quotes; control characters escaped, other characters as they are."""
    quote = "'" if value.count('"') > value.count("'") else '"'
    out = []
    for ch in value:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == quote:
            out.append("\\" + ch)
        elif code < 32 or code == 127:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:  # a lone surrogate (JSON allows it; a source file cannot hold it)
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return quote + "".join(out) + quote


def py_number(value: int | float) -> str:
    return repr(value)


# --- names ----------------------------------------------------------------------------


def pascal(key: str) -> str:
    """The template name of a parameter or output field (what infrakit writes)."""
    return "".join(part[:1].upper() + part[1:] for part in key.split("_"))


def snake(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", name)
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", s).lower().strip("_")
    if not s or s[0].isdigit():
        s = "n_" + s
    return s


def identifier(name: str, taken: set[str]) -> str:
    base = name + "_" if keyword.iskeyword(name) or name in _RESERVED_NAMES else name
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base.rstrip('_')}_{n}", n + 1
    taken.add(candidate)
    return candidate


_RESERVED_NAMES = frozenset({"self", "inputs", "ik", "fn", "template", "cast", "Any", "Literal"})


def field_name(name: str, taken: set[str]) -> str | None:
    """A field whose template name (``pascal``) is exactly ``name``, or None."""
    plain = snake(name)
    mixed = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    mixed = "_".join(p[:1].lower() + p[1:] for p in mixed.split("_"))
    for candidate in (plain, mixed):
        if candidate.isidentifier() and pascal(candidate) == name:
            fixed = candidate + "_" if keyword.iskeyword(candidate) or candidate in _RESERVED_NAMES else candidate
            if fixed not in taken and pascal(fixed) == name:
                taken.add(fixed)
                return fixed
    return None


#: Names an imported module may import: its component class cannot take them.
_IMPORTED = frozenset({"Any", "CreationPolicy", "CustomResource", "UpdatePolicy"})


def class_name(stem: str) -> str:
    """A component class name made from a file name: ``web-tier.yaml`` -> ``WebTier``."""
    parts = re.split(r"[^A-Za-z0-9]+", stem)
    name = "".join(p[:1].upper() + p[1:] for p in parts if p)
    if not name or name[0].isdigit():
        name = "Imported" + name
    return name + "Stack" if name in _IMPORTED else name


# --- the importer -----------------------------------------------------------------------


_PSEUDO = {
    "AWS::Region": ("fn.region", str),
    "AWS::AccountId": ("fn.account_id", str),
    "AWS::StackName": ("fn.stack_name", str),
    "AWS::StackId": ("fn.stack_id", str),
    "AWS::Partition": ("fn.partition", str),
    "AWS::URLSuffix": ("fn.url_suffix", str),
    "AWS::NotificationARNs": ("fn.notification_arns", list[str]),
    "AWS::NoValue": ("fn.no_value", Any),
}

_NUMBER = object()  # a Number parameter: int or float, by its default and allowed values
_SECTIONS = (
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Globals",
    "Resources",
    "Outputs",
)
_RESOURCE_KEYS = {
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
    "CreationPolicy",
    "UpdatePolicy",
}
_CUSTOM = re.compile(r"^(Custom::[A-Za-z0-9_@-]{1,60}|AWS::CloudFormation::CustomResource)$")


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = str(next(iter(value)))
    return key == "Ref" or key.startswith("Fn::") or key == "Condition"


@attrs.define
class _Param:
    """A template parameter and the field it becomes."""

    name: str
    field: str
    cfn_type: str
    body: dict[str, Any]
    kind: Any  # the runtime type of its Ref
    chosen_name: bool = False  # the template name differs from the field's CamelCase
    literal: list[str] | None = None  # a String parameter's AllowedValues, typed as a Literal
    group: str | None = None  # the console's parameter group and label
    label: str | None = None
    uses: int = 0
    sub_uses: int = 0


@attrs.define
class _Resource:
    """A template resource, its class and the variable it is bound to in ``build``."""

    logical_id: str
    var: str
    cls: Any
    module: str
    class_name: str
    body: dict[str, Any]
    deps: list[str] = attrs.Factory(list)
    used: bool = False


class _Importer:
    """One template's import: walks the sections, collects problems and writes the module.

    Conversion methods return source nodes (and, for expressions, the runtime
    type CloudFormation computes, checked against the slot it goes to)."""

    def __init__(self, data: dict[str, Any], name: str) -> None:
        self.data = data
        self.name = name
        self.problems: list[ImportProblem] = []
        self.modules: set[str] = {"fn"}
        self.names: set[str] = set()
        self.params: dict[str, _Param] = {}
        self.resources: dict[str, _Resource] = {}
        self.conditions: dict[str, str] = {}  # name -> variable
        self.condition_deps: dict[str, list[str]] = {}
        self.mappings: dict[str, str] = {}  # name -> constant
        self.used_mappings: set[str] = set()
        self.used_conditions: set[str] = set()
        self.typing: set[str] = set()  # names imported from typing
        self.policies: set[str] = set()
        self.custom = False
        self._current: _Resource | None = None
        self._condition_owner: str | None = None
        self._static: str | None = None  # converting a value outside build (an export name)
        self._refs: list[_Resource] | None = None  # collecting the resources a value refers to

    def problem(self, path: str, message: str) -> None:
        self.problems.append(ImportProblem(path, message))

    def where(self, message: str) -> str:
        """The template path an infrakit error message is about (a resource or parameter it names)."""
        for lid in self.resources:
            if f"'{lid}'" in message:
                return f"Resources.{lid}"
        for p in self.params.values():
            if f"Inputs.{p.field}" in message or f"`{p.field}`" in message:
                return f"Parameters.{p.name}"
        return "Template"

    # -- the walk ------------------------------------------------------------------

    def run(self) -> str:
        data = self.data
        for key in data:
            if key not in _SECTIONS:
                self.problem(key, f"unknown template section {key!r}")
        version = data.get("AWSTemplateFormatVersion")
        if version is not None and str(version) != "2010-09-09":
            self.problem("AWSTemplateFormatVersion", f"infrakit writes version 2010-09-09, not {version!r}")
        if "Description" not in data:
            self.problem("Description", "the template has no Description; infrakit always writes one")
        elif not isinstance(data["Description"], str):
            self.problem("Description", "a Description is a string")
        self.names.update({self.name, f"{self.name}Inputs", f"{self.name}Outputs"})
        for section in ("Parameters", "Mappings", "Conditions", "Outputs", "Rules", "Globals"):
            if section in data and not isinstance(data[section], dict):
                self.problem(section, f"must be a mapping, got {_short(data[section])}")
                data[section] = {}
        self._mappings(data.get("Mappings") or {})
        self._parameters(data.get("Parameters") or {})
        self._resource_classes(data.get("Resources") or {})
        transform_lines = self._transform(data.get("Transform"))
        condition_lines = self._conditions(data.get("Conditions") or {})
        output_fields, output_values = self._outputs(data.get("Outputs") or {})
        resource_lines = self._resources()
        section_lines = [
            *self._metadata(data.get("Metadata")),
            *self._rules(data.get("Rules")),
            *self._globals(data.get("Globals")),
        ]
        self._check_uses()
        return self._module(
            [*transform_lines, *condition_lines], [*resource_lines, *section_lines], output_fields, output_values
        )

    # -- template sections ------------------------------------------------------------------

    def _section_call(self, function: str, *args: Node) -> Node:
        self.modules.add("template")
        return call(f"template.{function}", atom("self"), *args)

    def _metadata(self, metadata: Any) -> list[Node]:
        if metadata is None:
            return []
        if not isinstance(metadata, dict):
            self.problem("Metadata", "must be a mapping")
            return []
        lines = []
        for key, value in metadata.items():
            if key == _INTERFACE and self._interface(value):
                continue
            where = f"Metadata.{key}"
            lines.append(self._section_call("metadata", atom(py_str(str(key))), self._any(value, where)))
        return lines

    def _interface(self, value: Any) -> bool:
        """Whether the console's parameter groups and labels are written as ``ik.param(group=,
        label=)`` (they are when that gives back the same metadata; else they are kept as is)."""
        if not isinstance(value, dict) or not set(value) <= {"ParameterGroups", "ParameterLabels"}:
            return False
        groups = value.get("ParameterGroups") or []
        labels = value.get("ParameterLabels") or {}
        if not isinstance(groups, list) or not isinstance(labels, dict):
            return False
        grouped: dict[str, str] = {}
        for group in groups:
            ok = isinstance(group, dict) and set(group) == {"Label", "Parameters"}
            label = group.get("Label") if ok else None
            members = group.get("Parameters") if ok else None
            if not (isinstance(label, dict) and set(label) == {"default"} and isinstance(label["default"], str)):
                return False
            if not isinstance(members, list) or not members or label["default"] in grouped.values():
                return False
            for member in members:
                if not isinstance(member, str) or member not in self.params or member in grouped:
                    return False
                grouped[member] = label["default"]
        for name, label in labels.items():
            if name not in self.params or not (isinstance(label, dict) and set(label) == {"default"}):
                return False
            if not isinstance(label["default"], str):
                return False
        # Groups are written in the order their parameters are declared: declare them so.
        order = [*grouped, *(n for n in self.params if n not in grouped)]
        self.params = {n: self.params[n] for n in order}
        for name, p in self.params.items():
            p.group = grouped.get(name)
            p.label = labels[name]["default"] if name in labels else None
        return True

    def _rules(self, rules: Any) -> list[Node]:
        if rules is None:
            return []
        if not isinstance(rules, dict):
            self.problem("Rules", "must be a mapping")
            return []
        lines = []
        for name, body in rules.items():
            path = f"Rules.{name}"
            if not isinstance(body, dict) or not isinstance(body.get("Assertions"), list):
                self.problem(path, "a rule needs a list of Assertions")
                continue
            for key in body:
                if key not in ("RuleCondition", "Assertions"):
                    self.problem(f"{path}.{key}", f"unknown rule key {key!r}")
            asserts = []
            for i, item in enumerate(body["Assertions"]):
                where = f"{path}.Assertions[{i}]"
                if not isinstance(item, dict) or "Assert" not in item:
                    self.problem(where, "an assertion needs an Assert")
                    continue
                for key in item:
                    if key not in ("Assert", "AssertDescription"):
                        self.problem(f"{where}.{key}", f"unknown assertion key {key!r}")
                check = self._rule_expr(item["Assert"], f"{where}.Assert")
                if "AssertDescription" in item:
                    description = atom(py_str(_text(item["AssertDescription"])))
                    asserts.append(call("template.Assert", check, description))
                else:
                    asserts.append(call("template.Assert", check))
            args = [atom(py_str(str(name))), Node("", asserts, "[", "]")]
            if "RuleCondition" in body:
                args.append(prefixed("when=", self._rule_expr(body["RuleCondition"], f"{path}.RuleCondition")))
            lines.append(self._section_call("rule", *args))
        return lines

    def _rule_expr(self, value: Any, path: str) -> Node:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key in ("Fn::And", "Fn::Or", "Fn::Not"):
                items = arg if isinstance(arg, list) else [arg]
                operands = [self._rule_expr(c, f"{path}.{key}[{i}]") for i, c in enumerate(items)]
                return call({"Fn::And": "fn.and_", "Fn::Or": "fn.or_", "Fn::Not": "fn.not_"}[key], *operands)
            if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                sides = [self._any(v, f"{path}.Fn::Equals[{i}]", str_or_number=True) for i, v in enumerate(arg)]
                return call("fn.equals", *sides)
            if key in _RULE_FUNCTIONS:
                return self._intrinsic(value, path, "any", None)[0]
        self.problem(path, f"a rule assertion must be a rule function (Fn::Contains, Fn::Equals, ...), got {value!r}")
        return atom('fn.equals("", "")')

    def _rule_call(self, key: str, arg: Any, path: str) -> tuple[Node, Any]:
        def listed(value: Any, where: str) -> Node:
            if isinstance(value, list):
                return Node("", [self._any(v, f"{where}[{i}]") for i, v in enumerate(value)], "[", "]")
            return self._any(value, where)

        pair = isinstance(arg, list) and len(arg) == 2
        if key in ("Fn::Contains", "Fn::EachMemberEquals") and pair:
            name = "contains" if key == "Fn::Contains" else "each_member_equals"
            return call(f"fn.{name}", listed(arg[0], f"{path}[0]"), self._any(arg[1], f"{path}[1]")), bool
        if key == "Fn::EachMemberIn" and pair:
            return call("fn.each_member_in", listed(arg[0], f"{path}[0]"), listed(arg[1], f"{path}[1]")), bool
        if key == "Fn::RefAll" and isinstance(arg, str):
            return call("fn.ref_all", atom(py_str(arg))), list[str]
        if key == "Fn::ValueOf" and pair and arg[0] in self.params and isinstance(arg[1], str):
            p = self.params[arg[0]]
            p.uses += 1
            return call("fn.value_of", atom(f"inputs.{p.field}"), atom(py_str(arg[1]))), Any
        if key == "Fn::ValueOfAll" and pair and all(isinstance(a, str) for a in arg):
            return call("fn.value_of_all", atom(py_str(arg[0])), atom(py_str(arg[1]))), list[str]
        self.problem(path, f"malformed {key}")
        return atom('""'), Any

    def _globals(self, sections: Any) -> list[Node]:
        if sections is None:
            return []
        if not isinstance(sections, dict):
            self.problem("Globals", "must be a mapping")
            return []
        lines = []
        for section, values in sections.items():
            if not isinstance(values, dict):
                self.problem(f"Globals.{section}", "must be a mapping")
                continue
            node = self._any(values, f"Globals.{section}")
            lines.append(self._section_call("sam_globals", atom(py_str(str(section))), node))
        return lines

    def _transform(self, transform: Any) -> list[Node]:
        if transform is None:
            return []
        names = transform if isinstance(transform, list) else [transform]
        sam = "Globals" in self.data or any(str(t).startswith("AWS::Serverless::") for t in self._types())
        lines = []
        for i, t in enumerate(names):
            path = "Transform" if not isinstance(transform, list) else f"Transform[{i}]"
            if t == SAM_TRANSFORM and sam:
                if i != len(names) - 1:
                    self.problem(path, "infrakit declares the SAM transform last (it must see the others' output)")
                continue  # infrakit declares it for every template with SAM resources
            if isinstance(t, str):
                lines.append(self._section_call("transform", atom(py_str(t))))
            elif isinstance(t, dict) and set(t) <= {"Name", "Parameters"} and isinstance(t.get("Name"), str):
                args = [atom(py_str(t["Name"]))]
                if "Parameters" in t:
                    args.append(self._any(t["Parameters"], f"{path}.Parameters"))
                lines.append(self._section_call("transform", *args))
            else:
                self.problem(path, f"a transform is a name or {{Name, Parameters}}, got {t!r}")
        return lines

    def _types(self) -> Iterator[str]:
        for body in (self.data.get("Resources") or {}).values():
            if isinstance(body, dict):
                yield str(body.get("Type", ""))

    # -- mappings ----------------------------------------------------------------------

    def _mappings(self, mappings: Any) -> None:
        if not isinstance(mappings, dict):
            self.problem("Mappings", "must be a mapping")
            return
        for name in mappings:
            self.mappings[name] = identifier(snake(name).upper(), self.names)

    # -- parameters --------------------------------------------------------------------

    def _parameters(self, parameters: Any) -> None:
        taken = {"self"}
        for name, body in parameters.items():
            path = f"Parameters.{name}"
            if not isinstance(body, dict) or "Type" not in body:
                self.problem(path, "a parameter needs a Type")
                continue
            field, chosen = self._field(name, taken, path, "parameter")
            cfn_type = str(body["Type"])
            kind = _param_kind(cfn_type)
            if kind is _NUMBER:
                kind = _number_kind(body)  # read as a string with fn.as_str where one is expected
            if kind is None:
                self.problem(f"{path}.Type", f"unknown parameter type {cfn_type!r}")
                kind = str
            self.params[name] = _Param(name, field, cfn_type, body, kind, chosen)
            listed = body.get("AllowedValues")
            allowed: list[Any] = listed if isinstance(listed, list) else []
            if cfn_type == "String" and allowed and all(isinstance(v, (str, int, float)) for v in allowed):
                values = list(dict.fromkeys(_text(v) for v in allowed))
                annotation = f"    {field}: ik.Param[Literal[{', '.join(py_str(v) for v in values)}]] = ik.param("
                if len(annotation) <= LINE:  # else allowed=[...]: a Literal that long would be split
                    self.params[name].literal = values
            for key in body:
                if key not in _PARAM_KEYS:
                    self.problem(f"{path}.{key}", f"unknown parameter key {key!r}")
            if _truthy(body.get("NoEcho")) and "Default" in body:
                self.problem(
                    f"{path}.Default",
                    "a NoEcho parameter with a Default cannot be expressed: infrakit never writes a secret's value",
                )

    def _param_field(self, p: _Param) -> Node:
        body = p.body
        options: list[Node] = []
        list_kind = p.kind in (list[str], list[int], list[float])
        number_py = p.kind if p.kind in (int, float) else None

        def number(value: Any, where: str) -> Node:
            try:
                return atom(py_number(_as_number(value)))
            except ValueError:
                self.problem(where, f"expected a number, got {value!r}")
                return atom(py_str(str(value)))

        def typed(value: Any, where: str) -> Node:
            if number_py is not None:
                return number(value, where)
            if list_kind:
                items = str(value).split(",") if not isinstance(value, list) else [str(v) for v in value]
                if p.kind in (list[int], list[float]):
                    return Node("", [number(i, where) for i in items], "[", "]")
                return Node("", [atom(py_str(i)) for i in items], "[", "]")
            return atom(py_str(_text(value)))

        path = f"Parameters.{p.name}"
        if "Default" in body and not _truthy(body.get("NoEcho")):
            options.append(prefixed("default=", typed(body["Default"], f"{path}.Default")))
        if _truthy(body.get("NoEcho")):
            options.append(atom("secret=True"))
        if "Description" in body:
            options.append(atom(f"description={py_str(str(body['Description']))}"))
        if "AllowedValues" in body and not p.literal:
            values = body["AllowedValues"]
            if not isinstance(values, list):
                self.problem(f"{path}.AllowedValues", "must be a list")
            else:
                items = [
                    number(v, f"{path}.AllowedValues") if number_py is not None else atom(py_str(_text(v)))
                    for v in values
                ]
                options.append(prefixed("allowed=", Node("", items, "[", "]")))
        if p.cfn_type not in ("String", "Number", "CommaDelimitedList", "List<Number>"):
            options.append(atom(f"aws_type={py_str(p.cfn_type)}"))
        if "AllowedPattern" in body:
            options.append(atom(f"pattern={py_str(str(body['AllowedPattern']))}"))
        if "ConstraintDescription" in body:
            options.append(atom(f"constraint_description={py_str(_text(body['ConstraintDescription']))}"))
        if p.chosen_name:
            options.append(atom(f"name={py_str(p.name)}"))
        if p.group is not None:
            options.append(atom(f"group={py_str(p.group)}"))
        if p.label is not None:
            options.append(atom(f"label={py_str(p.label)}"))
        for key, option in (
            ("MinLength", "min_length"),
            ("MaxLength", "max_length"),
            ("MinValue", "min_value"),
            ("MaxValue", "max_value"),
        ):
            if key in body:
                options.append(prefixed(f"{option}=", number(body[key], f"{path}.{key}")))
        type_text = _type_text(p.kind)
        if p.literal:
            self.typing.add("Literal")
            type_text = f"Literal[{', '.join(py_str(v) for v in p.literal)}]"
        annotation = f"{p.field}: ik.Param[{type_text}]"
        if not options:
            return atom(annotation)
        return prefixed(f"{annotation} = ", call("ik.param", *options))

    def _check_uses(self) -> None:
        for p in self.params.values():
            if not (p.uses or p.sub_uses):
                self.problem(f"Parameters.{p.name}", "the parameter is never used; infrakit refuses unused parameters")
        for name in self.conditions:
            if name not in self.used_conditions:
                self.problem(f"Conditions.{name}", "the condition is never used; infrakit refuses unused conditions")
        for name in self.mappings:
            if name not in self.used_mappings:
                self.problem(
                    f"Mappings.{name}",
                    "the mapping is never read by Fn::FindInMap; infrakit writes only the mappings it reads",
                )

    # -- conditions -----------------------------------------------------------------------

    def _conditions(self, conditions: Any) -> list[Node]:
        if not isinstance(conditions, dict):
            self.problem("Conditions", "must be a mapping")
            return []
        for name in conditions:
            self.conditions[name] = identifier(snake(name), self.names)
        nodes: dict[str, Node] = {}
        for name, body in conditions.items():
            self.condition_deps[name] = []
            self._condition_owner = name
            expr = self._condition(body, f"Conditions.{name}")
            self._condition_owner = None
            nodes[name] = prefixed(f"{self.conditions[name]} = ", call("self.condition", atom(py_str(name)), expr))
        order = _topological(list(conditions), self.condition_deps, lambda n: f"Conditions.{n}", self.problem)
        return [nodes[n] for n in order]

    def _condition(self, value: Any, path: str) -> Node:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Condition":
                return self._condition_ref(arg, path)
            if key == "Fn::Equals":
                if not isinstance(arg, list) or len(arg) != 2:
                    self.problem(path, "Fn::Equals takes two values")
                    return atom('fn.equals("", "")')
                sides = []
                for i, side in enumerate(arg):
                    sides.append(self._any(side, f"{path}.Fn::Equals[{i}]", str_or_number=True))
                return call("fn.equals", *sides)
            if key in ("Fn::And", "Fn::Or", "Fn::Not"):
                items = arg if isinstance(arg, list) else [arg]
                operands = [self._condition(c, f"{path}.{key}[{i}]") for i, c in enumerate(items)]
                return call({"Fn::And": "fn.and_", "Fn::Or": "fn.or_", "Fn::Not": "fn.not_"}[key], *operands)
        self.problem(path, f"a condition must be Fn::Equals/And/Or/Not or {{Condition: name}}, got {value!r}")
        return atom('fn.equals("", "")')

    def _condition_ref(self, name: Any, path: str) -> Node:
        if not isinstance(name, str) or name not in self.conditions:
            self.problem(path, f"names no condition: {name!r}")
            return atom('fn.equals("", "")')
        if self._condition_owner is not None and name not in self.condition_deps[self._condition_owner]:
            self.condition_deps[self._condition_owner].append(name)
        self.used_conditions.add(name)
        return atom(self.conditions[name])

    # -- resources -------------------------------------------------------------------------

    def _resource_classes(self, resources: dict[str, Any]) -> None:
        from infrakit.aws._types import MODULES

        # The service modules the module imports, first: no resource variable may take their names.
        for body in resources.values():
            entry = MODULES.get(str(body.get("Type"))) if isinstance(body, dict) else None
            if entry is not None:
                self.names.add(entry[0])
        for lid, body in resources.items():
            path = f"Resources.{lid}"
            if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
                self.problem(path, "a resource needs a Type")
                continue
            rtype = body["Type"]
            var = identifier(snake(lid), self.names)
            if _CUSTOM.match(rtype):
                from infrakit.aws._custom import CustomResource

                self.custom = True
                self.resources[lid] = _Resource(lid, var, CustomResource, "", "CustomResource", body)
                continue
            entry = MODULES.get(rtype)
            if entry is None:
                self.problem(f"{path}.Type", f"unknown resource type {rtype!r} (not in the catalogue)")
                continue
            module, cls_name = entry
            from infrakit.aws import resource_class

            self.resources[lid] = _Resource(lid, var, resource_class(rtype), module, cls_name, body)

    def _resources(self) -> list[Node]:
        nodes: dict[str, Node] = {}
        for lid, res in self.resources.items():
            self._current = res
            nodes[lid] = self._resource(res)
            self._current = None
        order = _topological(
            list(self.resources),
            {k: r.deps for k, r in self.resources.items()},
            lambda n: f"Resources.{n}",
            self.problem,
        )
        lines = []
        for lid in order:
            res = self.resources[lid]
            node = call("self.add", nodes[lid])
            lines.append(prefixed(f"{res.var} = ", node) if res.used else node)
        return lines

    def _resource(self, res: _Resource) -> Node:
        body = res.body
        path = f"Resources.{res.logical_id}"
        for key in body:
            if key not in _RESOURCE_KEYS:
                self.problem(f"{path}.{key}", f"unknown resource attribute {key!r}")
        args: list[Node] = [atom(py_str(res.logical_id))]
        props = body.get("Properties")
        props = {} if props is None else props
        if not isinstance(props, dict):
            if _is_intrinsic(props):
                self.problem(f"{path}.Properties", "Properties given by an intrinsic function cannot be expressed")
            else:
                self.problem(f"{path}.Properties", "must be a mapping")
            props = {}
        if res.class_name == "CustomResource":
            args += self._custom_properties(res, props, path)
        else:
            self.modules.add(res.module)
            args += self._properties(res.cls, props, f"{path}.Properties")
        deps = body.get("DependsOn")
        if deps is not None:
            names = deps if isinstance(deps, list) else [deps]
            vars_ = []
            for i, d in enumerate(names):
                target = self.resources.get(d) if isinstance(d, str) else None
                if target is None:
                    self.problem(f"{path}.DependsOn[{i}]", f"names no resource: {d!r}")
                    continue
                target.used = True
                res.deps.append(d)
                vars_.append(atom(target.var))
            if vars_:
                value = vars_[0] if not isinstance(deps, list) and len(vars_) == 1 else Node("", vars_, "[", "]")
                args.append(prefixed("depends_on=", value))
        if "Condition" in body:
            args.append(prefixed("condition=", self._condition_ref(body["Condition"], f"{path}.Condition")))
        for key, option, allowed in (
            ("DeletionPolicy", "deletion_policy", ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot")),
            ("UpdateReplacePolicy", "update_replace_policy", ("Delete", "Retain", "Snapshot")),
        ):
            if key in body:
                value = body[key]
                if value not in allowed:
                    self.problem(f"{path}.{key}", f"must be one of {', '.join(allowed)}, got {value!r}")
                args.append(atom(f"{option}={py_str(str(value))}"))
        if "Metadata" in body:
            if not isinstance(body["Metadata"], dict):
                self.problem(f"{path}.Metadata", f"must be a mapping, got {_short(body['Metadata'])}")
            args.append(prefixed("metadata=", self._any(body["Metadata"], f"{path}.Metadata")))
        from infrakit.aws import _policies

        for key, option in (("CreationPolicy", "creation_policy"), ("UpdatePolicy", "update_policy")):
            if key in body:
                self.policies.add(key)
                args.append(prefixed(f"{option}=", self._value(body[key], ("obj", key), f"{path}.{key}", _policies)))
        head = "CustomResource" if res.class_name == "CustomResource" else f"{res.module}.{res.class_name}"
        return call(head, *args)

    def _custom_properties(self, res: _Resource, props: dict[str, Any], path: str) -> list[Node]:
        args: list[Node] = []
        rtype = res.body["Type"]
        if rtype != "AWS::CloudFormation::CustomResource":
            args.append(atom(f"type_name={py_str(rtype)}"))
        rest = {}
        for key, value in props.items():
            where = f"{path}.Properties.{key}"
            if key == "ServiceToken":
                args.append(prefixed("service_token=", self._value(value, "str", where)))
            elif key == "ServiceTimeout":
                args.append(prefixed("service_timeout=", self._value(value, "int", where)))
            else:
                rest[key] = value
        if "ServiceToken" not in props:
            self.problem(f"{path}.Properties", "a custom resource needs a ServiceToken")
        if rest:
            items = [prefixed(f"{py_str(k)}: ", self._any(v, f"{path}.Properties.{k}")) for k, v in rest.items()]
            args.append(prefixed("properties=", Node("", items, "{", "}")))
        return args

    def _properties(self, cls: Any, props: dict[str, Any], path: str, owner: Any = None) -> list[Node]:
        """``props`` as keywords of ``cls`` (``owner``: the class holding the nested types)."""
        owner = cls if owner is None else owner
        by_wire = {wire: (py, spec, required) for py, wire, spec, required in cls._props}
        args: list[Node] = []
        for wire, value in props.items():
            where = f"{path}.{wire}"
            found = by_wire.get(wire)
            if found is None:
                self.problem(where, f"{_owner(cls)} has no property {wire!r}")
                continue
            py, spec, _required = found
            args.append(prefixed(f"{py}=", self._value(value, spec, where, owner)))
        for wire, (py, _spec, required) in by_wire.items():
            if required and wire not in props:
                self.problem(path, f"{_owner(cls)} requires property {wire!r} ({py})")
        return args

    # -- values --------------------------------------------------------------------------

    def _value(self, value: Any, spec: Any, path: str, owner: Any = None) -> Node:
        """A property value of type ``spec`` as source (``owner``: the class whose nested types
        ``("obj", Name)`` names)."""
        if _is_intrinsic(value):
            node, kind = self._intrinsic(value, path, spec, owner)
            self._expect(spec, kind, path)
            if not _takes_expr(spec) or (kind is dict and spec != "any") or self._loose_enum(spec, node):
                # The stubs type this slot more narrowly than the expression says (a nested
                # type chosen by a condition, a plain string parameter where values are listed).
                self.typing.update(("Any", "cast"))
                return call("cast", atom('"Any"'), node)
            return node
        if isinstance(spec, str):
            return self._scalar(value, spec, path)
        kind, arg = spec
        if kind == "enum":
            text = _text(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
            if text is None or text not in arg:
                self.problem(path, f"{value!r} is not one of the values infrakit's catalogue allows ({_few(arg)})")
                return atom(py_str(str(value)))
            return atom(py_str(text))
        if kind == "list":
            if not isinstance(value, list):
                self.problem(path, f"expected a list, got {value!r}")
                return self._any(value, path)
            return Node("", [self._value(v, arg, f"{path}[{i}]", owner) for i, v in enumerate(value)], "[", "]")
        if kind == "map":
            if not isinstance(value, dict):
                self.problem(path, f"expected a mapping, got {value!r}")
                return self._any(value, path)
            items = [prefixed(f"{py_str(k)}: ", self._value(v, arg, f"{path}.{k}", owner)) for k, v in value.items()]
            return Node("", items, "{", "}")
        if kind == "obj":
            nested = _nested(owner, arg)
            if not isinstance(value, dict):
                self.problem(path, f"expected {_owner(nested)} (a mapping), got {value!r}")
                return self._any(value, path)
            module = nested.__module__.rsplit(".", 1)[-1]
            head = nested.__qualname__ if module == "_policies" else f"{module}.{nested.__qualname__}"
            return call(head, *self._properties(nested, value, path, owner if module != "_policies" else nested))
        if kind == "union":
            return self._union(value, arg, path, owner)
        self.problem(path, f"unknown type spec {spec!r}")
        return self._any(value, path)

    def _loose_enum(self, spec: Any, node: Node) -> bool:
        """Whether ``node`` is a parameter typed ``str`` (or ``list[str]``) where the stubs list
        the values a property takes (an enum, or a list of one)."""
        listed = isinstance(spec, tuple) and spec[0] == "list" and isinstance(spec[1], tuple) and spec[1][0] == "enum"
        if not ((isinstance(spec, tuple) and spec[0] == "enum") or listed) or node.items is not None:
            return False
        field = node.text[len("inputs.") :] if node.text.startswith("inputs.") else None
        return any(p.field == field and not p.literal for p in self.params.values())

    def _union(self, value: Any, options: tuple[Any, ...], path: str, owner: Any) -> Node:
        def rank(option: Any) -> int:
            if isinstance(value, dict):
                return {"json": 0, "any": 1}.get(option if isinstance(option, str) else "", 2)
            if isinstance(value, list):
                return 0 if isinstance(option, tuple) and option[0] == "list" else 1
            exact = {str: "str", bool: "bool", int: "int", float: "float"}.get(type(value))
            return 0 if option == exact else 1

        ordered = sorted(options, key=rank)
        for option in ordered:
            before = len(self.problems)
            node = self._value(value, option, path, owner)
            if len(self.problems) == before:
                return node
            del self.problems[before:]
        return self._value(value, ordered[0], path, owner)

    def _scalar(self, value: Any, spec: str, path: str) -> Node:
        if spec in ("json", "any"):
            if spec == "json" and not isinstance(value, (dict, list)):
                self.problem(path, f"expected a JSON object, got {value!r}")
            if spec == "json" and isinstance(value, list):  # the stubs type free-form JSON as a mapping
                self.typing.update(("Any", "cast"))
                return call("cast", atom('"Any"'), self._any(value, path))
            return self._any(value, path)
        if isinstance(value, (dict, list)):
            self.problem(path, f"expected a {spec}, got {type(value).__name__} {_short(value)}")
            return self._any(value, path)
        if spec == "str":
            return text_node(_text(value))
        if spec == "bool":
            if isinstance(value, bool):
                return atom(repr(value))
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return atom("True" if value.lower() == "true" else "False")
            self.problem(path, f"expected a boolean, got {value!r}")
            return self._any(value, path)
        try:
            number = _as_number(value)
        except ValueError:
            self.problem(path, f"expected a number, got {value!r}")
            return atom(py_str(str(value)))
        if spec == "int" and not isinstance(number, int):
            self.problem(path, f"expected an integer, got {value!r}")
        return atom(py_number(number))

    def _any(self, value: Any, path: str, str_or_number: bool = False) -> Node:
        """A free-form value (policy documents, metadata, custom properties), intrinsics converted."""
        if _is_intrinsic(value):
            node, kind = self._intrinsic(value, path, "any", None)
            if str_or_number:
                self._expect(str | int | float, kind, path)
            return node
        if isinstance(value, dict):
            items = [prefixed(f"{py_str(str(k))}: ", self._any(v, f"{path}.{k}")) for k, v in value.items()]
            return Node("", items, "{", "}")
        if isinstance(value, list):
            return Node("", [self._any(v, f"{path}[{i}]") for i, v in enumerate(value)], "[", "]")
        if isinstance(value, str):
            return text_node(value)
        if value is None:
            self.problem(path, "a null value cannot be expressed")
            return atom("None")
        if isinstance(value, (bool, int, float)):
            return atom(repr(value))
        return atom(py_str(str(value)))

    def _expect(self, spec: Any, kind: Any, path: str) -> None:
        from infrakit._expr import compatible
        from infrakit._resource import spec_type

        expected = spec if not isinstance(spec, (str, tuple)) else spec_type(spec)
        if not compatible(expected, kind):
            from infrakit._expr import type_name

            self.problem(path, f"the value is a {type_name(kind)} where infrakit expects a {type_name(expected)}")

    # -- intrinsic functions -------------------------------------------------------------------

    def _intrinsic(self, value: dict[str, Any], path: str, spec: Any, owner: Any) -> tuple[Node, Any]:
        ((key, arg),) = value.items()
        where = f"{path}.{key}"
        if key == "Ref":
            return self._ref(arg, where, spec)
        if key == "Fn::GetAtt":
            return self._get_att(arg, where)
        if key == "Fn::Sub":
            return self._sub(arg, where), str
        if key == "Fn::Join":
            if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
                self.problem(where, "Fn::Join takes [delimiter, list]")
                return atom('""'), str
            items = arg[1]
            if isinstance(items, list):
                nodes = [self._operand(v, f"{where}[1][{i}]") for i, v in enumerate(items)]
                listed = Node("", nodes, "[", "]")
            else:
                listed, kind = self._expr(items, f"{where}[1]", list[str])
                self._expect(list[str], kind, f"{where}[1]")
            return call("fn.join", atom(py_str(arg[0])), listed), str
        if key == "Fn::Select":
            if not (isinstance(arg, list) and len(arg) == 2):
                self.problem(where, "Fn::Select takes [index, list]")
                return atom('""'), Any
            index = self._index(arg[0], f"{where}[0]")
            items = arg[1]
            if isinstance(items, list):
                nodes = [self._any(v, f"{where}[1][{i}]") for i, v in enumerate(items)]
                return call("fn.select", index, Node("", nodes, "[", "]")), _list_item_type(items)
            listed, kind = self._expr(items, f"{where}[1]", list[Any])
            args = getattr(kind, "__args__", None)
            return call("fn.select", index, listed), args[0] if args else Any
        if key == "Fn::Split":
            if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
                self.problem(where, "Fn::Split takes [delimiter, string]")
                return atom("[]"), list[str]
            return call("fn.split", atom(py_str(arg[0])), self._str_operand(arg[1], f"{where}[1]")), list[str]
        if key == "Fn::Base64":
            return call("fn.base64", self._str_operand(arg, where)), str
        if key == "Fn::ImportValue":
            return call("fn.import_value", self._str_operand(arg, where)), str
        if key == "Fn::GetAZs":
            if arg in ("", None):
                return atom("fn.get_azs()"), list[str]
            return call("fn.get_azs", self._str_operand(arg, where)), list[str]
        if key == "Fn::Cidr":
            if not (isinstance(arg, list) and len(arg) == 3):
                self.problem(where, "Fn::Cidr takes [ip_block, count, cidr_bits]")
                return atom("[]"), list[str]
            block = self._str_operand(arg[0], f"{where}[0]")
            count = self._index(arg[1], f"{where}[1]")
            bits = self._index(arg[2], f"{where}[2]")
            return call("fn.cidr", block, count, bits), list[str]
        if key == "Fn::FindInMap":
            return self._find_in_map(arg, where)
        if key == "Fn::If":
            return self._if(arg, where, spec, owner)
        if key in _RULE_FUNCTIONS:
            return self._rule_call(key, arg, where)
        if key == "Fn::Length":
            node, kind = self._expr(arg, where, list[Any])
            self._expect(list[Any], kind, where)
            return call("fn.length", node), int
        if key == "Fn::ToJsonString":
            if not isinstance(arg, (dict, list)) and not _is_intrinsic(arg):
                self.problem(where, "Fn::ToJsonString takes a mapping or a list")
            return call("fn.to_json_string", self._any(arg, where)), str
        if key == "Fn::Transform":
            if not (isinstance(arg, dict) and isinstance(arg.get("Name"), str) and set(arg) <= {"Name", "Parameters"}):
                self.problem(where, "Fn::Transform takes {Name, Parameters}")
                return atom('""'), Any
            args = [atom(py_str(arg["Name"]))]
            if "Parameters" in arg:
                args.append(self._any(arg["Parameters"], f"{where}.Parameters"))
            return call("fn.transform", *args), Any
        if key == "Condition":
            self.problem(where, "a {Condition: name} belongs inside a condition function")
            return atom('""'), Any
        self.problem(where, f"the intrinsic function {key} cannot be expressed")
        return atom(py_str(json.dumps(value)[:40])), Any

    def _expr(self, value: Any, path: str, spec: Any) -> tuple[Node, Any]:
        if _is_intrinsic(value):
            return self._intrinsic(value, path, spec, None)
        return self._any(value, path), _plain_type(value)

    def _operand(self, value: Any, path: str) -> Node:
        """A value joined into a string (Fn::Join items, Fn::Sub variables)."""
        node, kind = self._expr(value, path, str)
        self._expect(str | int | float, kind, path)
        return node

    def _str_operand(self, value: Any, path: str) -> Node:
        if isinstance(value, str):
            return text_node(value)
        node, kind = self._expr(value, path, str)
        self._expect(str, kind, path)
        return node

    def _index(self, value: Any, path: str) -> Node:
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            try:
                return atom(py_number(int(value)))
            except ValueError:
                self.problem(path, f"expected an integer, got {value!r}")
                return atom("0")
        node, kind = self._expr(value, path, int)
        self._expect(int, kind, path)
        return node

    def _ref(self, name: Any, path: str, spec: Any) -> tuple[Node, Any]:
        if not isinstance(name, str):
            self.problem(path, f"Ref takes a name, got {name!r}")
            return atom('""'), Any
        if name in self.params:
            p = self.params[name]
            if self._static is not None:
                self.problem(path, "an export name names a parameter only inside Fn::Sub text")
                return atom('""'), Any
            p.uses += 1
            if p.cfn_type == "Number" and p.kind in (int, float):
                from infrakit._expr import compatible

                expected = spec if not isinstance(spec, (str, tuple)) else _spec_type(spec)
                if not compatible(expected, p.kind) and compatible(expected, str):
                    return call("fn.as_str", atom(f"inputs.{p.field}")), str
            return atom(f"inputs.{p.field}"), p.kind
        if name in _PSEUDO:
            text, kind = _PSEUDO[name]
            return atom(text), kind
        res = self.resources.get(name)
        if res is None:
            self.problem(path, f"names no parameter, resource or pseudo parameter: {name!r}")
            return atom('""'), Any
        if self._static is not None:
            self.problem(path, "an export name names a resource only inside Fn::Sub text")
            return atom('""'), Any
        self._depend(res)
        return atom(f"{res.var}.ref"), str

    def _depend(self, res: _Resource) -> None:
        res.used = True
        if self._refs is not None:
            self._refs.append(res)
        if self._current is not None and res.logical_id not in self._current.deps:
            self._current.deps.append(res.logical_id)

    def _get_att(self, arg: Any, path: str) -> tuple[Node, Any]:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            self.problem(path, "Fn::GetAtt takes [logical id, attribute]")
            return atom('""'), Any
        lid, attribute = arg
        if not isinstance(attribute, str):
            self.problem(path, "an attribute name given by an intrinsic function cannot be expressed")
            return atom('""'), Any
        res = self.resources.get(lid)
        if res is None:
            self.problem(path, f"names no resource: {lid!r}")
            return atom('""'), Any
        if self._static is not None:
            self.problem(path, "an export name names a resource only inside Fn::Sub text")
            return atom('""'), Any
        self._depend(res)
        if res.class_name == "CustomResource":
            if attribute.isidentifier() and not keyword.iskeyword(attribute) and not attribute.startswith("__"):
                return atom(f"{res.var}.attrs.{attribute}"), Any
            return call("fn.get_att", atom(res.var), atom(py_str(attribute))), Any
        from infrakit._resource import spec_type

        for py, (wire, attr_spec) in res.cls._attr_specs.items():
            if wire == attribute:
                return atom(f"{res.var}.attrs.{py}"), spec_type(attr_spec)
        if attribute.startswith("Outputs.") and res.body["Type"] in (
            "AWS::CloudFormation::Stack",
            "AWS::Serverless::Application",
            "AWS::ServiceCatalog::CloudFormationProvisionedProduct",
        ):
            return call("fn.get_att", atom(res.var), atom(py_str(attribute))), Any
        self.problem(path, f"{res.body['Type']} has no attribute {attribute!r} in infrakit's catalogue")
        return atom('""'), Any

    def _sub(self, arg: Any, path: str) -> Node:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text, variables = arg
        else:
            self.problem(path, "Fn::Sub takes a string or [string, {variables}]")
            return atom('""')
        for name in re.findall(r"\$\{(?!!)([^}]+)\}", text):
            name = name.strip()
            if name in variables or name.startswith("AWS::"):
                continue
            base = name.split(".", 1)[0]
            if base in self.params and "." not in name:
                self.params[base].sub_uses += 1
            elif base in self.resources:
                continue  # a resource named in the text: written as it is
            else:
                self.problem(path, f"the placeholder ${{{name}}} names no parameter or resource")
        if not variables:
            return call("fn.sub", text_node(text))
        items = [prefixed(f"{py_str(k)}: ", self._operand(v, f"{path}[1].{k}")) for k, v in variables.items()]
        return call("fn.sub", text_node(text), Node("", items, "{", "}"))

    def _find_in_map(self, arg: Any, path: str) -> tuple[Node, Any]:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            self.problem(path, "Fn::FindInMap takes [map, top key, second key]")
            return atom('""'), Any
        default: Node | None = None
        if len(arg) == 4:  # AWS::LanguageExtensions' [map, top, second, {DefaultValue: value}]
            if isinstance(arg[3], dict) and list(arg[3]) == ["DefaultValue"]:
                default = self._any(arg[3]["DefaultValue"], f"{path}[3].DefaultValue")
            else:
                self.problem(f"{path}[3]", f"a Fn::FindInMap default is {{DefaultValue: value}}, got {arg[3]!r}")
        name = arg[0]
        if not isinstance(name, str) or name not in self.mappings:
            self.problem(f"{path}[0]", f"names no mapping: {name!r}")
            return atom('""'), Any
        self.used_mappings.add(name)
        top = self._str_operand(arg[1], f"{path}[1]")
        second = self._str_operand(arg[2], f"{path}[2]")
        table = self.data["Mappings"][name]
        inners = [i for i in table.values() if isinstance(i, dict)] if isinstance(table, dict) else []
        values = [v for inner in inners for v in inner.values()]
        kinds = {_plain_type(v) for v in values}
        args = [atom(self.mappings[name]), top, second]
        if default is not None:
            args.append(prefixed("default=", default))
            kinds.add(Any if _is_intrinsic(arg[3]["DefaultValue"]) else _plain_type(arg[3]["DefaultValue"]))
        return call("fn.find_in_map", *args), kinds.pop() if len(kinds) == 1 else Any

    def _if(self, arg: Any, path: str, spec: Any, owner: Any) -> tuple[Node, Any]:
        if not (isinstance(arg, list) and len(arg) == 3):
            self.problem(path, "Fn::If takes [condition, value if true, value if false]")
            return atom('""'), Any
        cond = self._condition_ref(arg[0], f"{path}[0]")
        branches: list[Node] = []
        kinds: list[Any] = []
        for i, branch in enumerate(arg[1:], start=1):
            where = f"{path}[{i}]"
            if branch == {"Ref": "AWS::NoValue"}:
                branches.append(atom("fn.no_value"))
                continue
            if spec in ("any", "json") or spec is None or not isinstance(spec, (str, tuple)):
                node, kind = self._expr(branch, where, spec)
            elif _is_intrinsic(branch):
                node, kind = self._intrinsic(branch, where, spec, owner)
                self._expect(spec, kind, where)
            else:
                node = self._value(branch, spec, where, owner)
                kind = dict if isinstance(branch, dict) else _spec_type(spec)
            branches.append(node)
            kinds.append(kind)
        kind = next((k for k in kinds if k is not Any), Any)
        return call("fn.if_", cond, *branches), kind

    # -- outputs -------------------------------------------------------------------------

    def _outputs(self, outputs: Any) -> tuple[list[tuple[str, Any, list[Node]]], list[Node]]:
        fields: list[tuple[str, Any, list[Node]]] = []
        values: list[Node] = []
        if not isinstance(outputs, dict):
            self.problem("Outputs", "must be a mapping")
            return fields, values
        taken = {"self"}
        for name, body in outputs.items():
            path = f"Outputs.{name}"
            if not isinstance(body, dict) or "Value" not in body:
                self.problem(path, "an output needs a Value")
                continue
            field, chosen = self._field(name, taken, path, "output")
            for key in body:
                if key not in ("Value", "Description", "Condition", "Export"):
                    self.problem(f"{path}.{key}", f"unknown output key {key!r}")
            options = self._out_options(name, body, path, chosen)
            value = body["Value"]
            self._refs = []
            if _is_intrinsic(value):
                node, kind = self._intrinsic(value, f"{path}.Value", str | int | float, None)
            else:
                node, kind = self._scalar(value, "str", f"{path}.Value"), str
            conditional = [r for r in self._refs if "Condition" in r.body]
            self._refs = None
            if conditional and "Condition" not in body:
                self.problem(
                    f"{path}.Value",
                    f"the output refers to {conditional[0].logical_id}, which exists only under condition "
                    f"{conditional[0].body['Condition']!r}; infrakit gives the output that condition (add it to "
                    "the output: CloudFormation fails on the output when the resource is not created)",
                )
            fields.append((field, kind, options))
            values.append(prefixed(f"{field}=", node))
        return fields, values

    def _out_options(self, name: str, body: dict[str, Any], path: str, chosen: bool) -> list[Node]:
        options: list[Node] = []
        if "Description" in body:
            options.append(atom(f"description={py_str(_text(body['Description']))}"))
        if "Condition" in body:
            condition = body["Condition"]
            if not isinstance(condition, str) or condition not in self.conditions:
                self.problem(f"{path}.Condition", f"names no condition: {condition!r}")
            else:
                self.used_conditions.add(condition)
            options.append(atom(f"condition={py_str(str(condition))}"))
        if "Export" in body:
            export = body["Export"]
            if not isinstance(export, dict) or set(export) != {"Name"}:
                self.problem(f"{path}.Export", "an Export is {Name: ...}")
            else:
                self._static = f"{path}.Export.Name"
                node, kind = self._expr(export["Name"], f"{path}.Export.Name", str)
                self._static = None
                self._expect(str, kind, f"{path}.Export.Name")
                options.append(prefixed("export_name=", node))
        if chosen:
            options.append(atom(f"name={py_str(name)}"))
        return options

    def _field(self, name: str, taken: set[str], path: str, what: str) -> tuple[str, bool]:
        """The field of a parameter or output, and whether it needs ``name=`` to keep ``name``."""
        field = field_name(name, taken)
        if field is not None and field.islower():
            return field, False
        if field is not None:
            taken.discard(field)
        if not name.isalnum():
            self.problem(path, f"the {what} name {name!r} is not letters and digits")
        return identifier(snake(name), taken), True

    # -- the module -------------------------------------------------------------------------

    def _module(
        self,
        conditions: list[Node],
        resources: list[Node],
        output_fields: list[tuple[str, Any, list[Node]]],
        output_values: list[Node],
    ) -> str:
        name = self.name
        outputs = []
        for field, kind, options in output_fields:
            out_type = kind if kind in (str, int, float, bool) else Any
            if out_type is Any:
                self.typing.add("Any")
            annotation = f"{field}: ik.Out[{_type_text(out_type)}]"
            outputs.append(prefixed(f"{annotation} = ", call("ik.out", *options)) if options else atom(annotation))
        lines: list[str] = []
        params = list(self.params.values())
        lines += ["@ik.inputs", f"class {name}Inputs:"]
        if params:
            for p in params:
                lines += fmt(self._param_field(p), "    ")
        else:
            lines.append("    pass")
        lines += ["", "", "@ik.outputs", f"class {name}Outputs:"]
        for node in outputs:
            lines += fmt(node, "    ")
        if not outputs:
            lines.append("    pass")
        for mapping, constant in self.mappings.items():
            if mapping not in self.used_mappings:
                continue
            lines += ["", ""]
            table = self._mapping_node(mapping)
            lines += fmt(prefixed(f"{constant} = ", call("fn.mapping", atom(py_str(mapping)), table)), "")
        lines += ["", "", f"class {name}(ik.Component[{name}Inputs, {name}Outputs]):"]
        lines.append('    """The resources of the imported template."""')
        description = self.data.get("Description")
        if isinstance(description, str):
            lines += ["", *_assignment("description", text_node(description), "    ")]
        lines += ["", f"    def build(self, inputs: {name}Inputs) -> {name}Outputs:"]
        for node in [*conditions, *resources]:
            lines += fmt(node, "        ")
        lines += fmt(prefixed("return ", call(f"{name}Outputs", *output_values)), "        ")
        body = "\n".join(lines) + "\n"
        if not _uses_name(body, "fn"):
            self.modules.discard("fn")
        return "\n".join(self._header()) + "\n\n\n" + body

    def _header(self) -> list[str]:
        lines = ['"""' + f"{self.name}: imported from a CloudFormation template by `infrakit import`." + '"""', ""]
        if self.typing:
            lines += [f"from typing import {', '.join(sorted(self.typing, key=_isort_key))}", ""]
        lines.append("import infrakit as ik")
        modules = sorted(self.modules)
        modules[:0] = sorted(self.policies | ({"CustomResource"} if self.custom else set()))
        imports = f"from infrakit.aws import {', '.join(modules)}"
        if not modules:
            pass
        elif len(imports) <= LINE:
            lines.append(imports)
        else:
            lines += ["from infrakit.aws import (", *(f"    {m}," for m in modules), ")"]
        return lines

    def _mapping_node(self, name: str) -> Node:
        table = self.data["Mappings"][name]
        path = f"Mappings.{name}"
        if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
            self.problem(path, "a mapping is a mapping of mappings")
            return Node("", [], "{", "}")
        if not name.isalnum():
            self.problem(path, "a mapping name must be letters and digits")
        items = []
        for top, inner in table.items():
            entries = [prefixed(f"{py_str(str(k))}: ", self._any(v, f"{path}.{top}.{k}")) for k, v in inner.items()]
            items.append(prefixed(f"{py_str(str(top))}: ", Node("", entries, "{", "}")))
        return Node("", items, "{", "}")


# --- helpers ---------------------------------------------------------------------------

_PARAM_KEYS = {
    "Type",
    "Default",
    "Description",
    "AllowedValues",
    "AllowedPattern",
    "MinLength",
    "MaxLength",
    "MinValue",
    "MaxValue",
    "NoEcho",
    "ConstraintDescription",
}

_INTERFACE = "AWS::CloudFormation::Interface"
_RULE_FUNCTIONS = (
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::RefAll",
    "Fn::ValueOf",
    "Fn::ValueOfAll",
)


def _param_kind(cfn_type: str) -> Any:
    if cfn_type == "Number":
        return _NUMBER
    if cfn_type == "List<Number>":
        return list[int]
    if cfn_type == "CommaDelimitedList" or cfn_type.startswith("List<"):
        return list[str]
    if cfn_type.startswith("AWS::SSM::Parameter::Value<"):
        inner = cfn_type[len("AWS::SSM::Parameter::Value<") : -1]
        return list[str] if inner.startswith("List<") or inner == "CommaDelimitedList" else str
    if cfn_type == "String" or cfn_type.startswith("AWS::"):
        return str
    return None


def _isort_key(name: str) -> tuple[int, str]:
    """isort's order of imported names: CONSTANTS, Classes, functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _uses_name(source: str, name: str) -> bool:
    """Whether ``source`` uses the Python name ``name`` (outside strings and comments)."""
    import io
    import tokenize

    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return any(t.type == tokenize.NAME and t.string == name for t in tokens)


def _number_kind(body: dict[str, Any]) -> Any:
    allowed = body.get("AllowedValues")
    values = [body.get("Default"), *(allowed if isinstance(allowed, list) else [])]
    is_float = any(isinstance(v, float) or (isinstance(v, str) and "." in v) for v in values)
    return float if is_float else int


def _type_text(kind: Any) -> str:
    if kind is Any:
        return "Any"
    if isinstance(kind, type) and not getattr(kind, "__args__", None):
        return kind.__name__
    return str(kind).replace("typing.", "")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _text(value: Any) -> str:
    """A scalar as CloudFormation reads it where a string is expected."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and "e" not in repr(value):
        return repr(value)
    return str(value)


def _as_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


def _plain_type(value: Any) -> Any:
    if isinstance(value, bool):
        return bool
    if isinstance(value, (int, float, str)):
        return type(value)
    if isinstance(value, list):
        return list[_list_item_type(value)] if value else list  # type: ignore[misc]
    if isinstance(value, dict):
        return dict
    return Any


def _list_item_type(values: list[Any]) -> Any:
    kinds = {_plain_type(v) if not _is_intrinsic(v) else Any for v in values}
    return kinds.pop() if len(kinds) == 1 else Any


def _spec_type(spec: Any) -> Any:
    from infrakit._resource import spec_type

    return spec_type(spec)


def _takes_expr(spec: Any) -> bool:
    """Whether the resource stubs accept an expression where ``spec`` is expected."""
    if spec in ("str", "int", "float", "bool", "any"):
        return True
    if spec == "json" or not isinstance(spec, tuple):
        return False
    kind, arg = spec
    if kind == "enum":
        return True
    if kind == "list":
        return _has_expr_form(arg)
    if kind == "union":
        return any(_takes_expr(a) for a in arg)
    return False


def _has_expr_form(spec: Any) -> bool:
    if spec in ("str", "int", "float", "bool"):
        return True
    if isinstance(spec, tuple) and spec[0] == "enum":
        return True
    if isinstance(spec, tuple) and spec[0] in ("list", "map"):
        return _has_expr_form(spec[1])
    if isinstance(spec, tuple) and spec[0] == "union":
        return all(_has_expr_form(s) for s in spec[1])
    return False


def _nested(owner: Any, name: str) -> Any:
    """The class a ``("obj", name)`` spec of ``owner`` names (a nested type, or a policy class)."""
    found = getattr(owner, name, None)
    if found is None:
        from infrakit.aws._policies import _POLICY_CLASSES

        found = _POLICY_CLASSES[name]
    return found


def _owner(cls: Any) -> str:
    return getattr(cls, "resource_type", "") or cls.__qualname__


def _few(values: tuple[Any, ...]) -> str:
    shown = ", ".join(repr(v) for v in values[:6])
    return shown + (", ..." if len(values) > 6 else "")


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _topological(
    names: list[str], deps: dict[str, list[str]], where: Callable[[str], str], problem: Callable[[str, str], None]
) -> list[str]:
    """``names`` ordered so that each comes after what it depends on (original order otherwise)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            problem(where(name), f"depends on itself through {' -> '.join([*chain, name])}")
            return
        state[name] = 1
        for dep in deps.get(name, []):
            if dep in deps:  # a name depending on itself is a cycle too
                visit(dep, [*chain, name])
        state[name] = 2
        order.append(name)

    for name in names:
        visit(name, [])
    return order


def import_template(text: str, *, name: str = "Imported", verify: bool = True) -> tuple[str, list[ImportProblem]]:
    """Import a CloudFormation template (JSON or YAML text).

    Returns the source of a Python module holding one component class ``name`` (with
    ``<name>Inputs`` and ``<name>Outputs``), and the list of what the component cannot
    express (empty when the import is complete). With ``verify`` (the default), a module
    that has no problem is run and synthesized with its default inputs, and every way the
    result differs from the template (beyond key order, intrinsic forms and coerced
    literals) is a problem too. Raises :class:`TemplateImportError` for text that is not a
    template at all.
    """
    if not name.isidentifier() or keyword.iskeyword(name) or not name[:1].isupper():
        raise TemplateImportError(f"the component class name must be a CamelCase Python identifier, got {name!r}")
    if name in _IMPORTED:
        raise TemplateImportError(f"the component class name {name!r} is a name the module imports; choose another")
    data = load_template(text)
    importer = _Importer(copy.deepcopy(data), name)
    source = importer.run()
    problems = importer.problems
    if verify and not problems:
        problems = _verify(source, name, data, importer)
    return source, problems


def normalize(template: Any) -> Any:
    """A template in the one form the round trip compares: what CloudFormation reads the same
    way is equal. Only key order (dicts compare unordered), the short and long forms of
    intrinsics (``Fn::GetAtt: "A.B"`` vs ``["A", "B"]``, a lone ``DependsOn`` or ``Transform``
    name vs a one-item list) and literals CloudFormation coerces (``"22"``/``22``,
    ``"true"``/``true``) are made alike."""

    def walk(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k == "Fn::GetAtt" and isinstance(v, str):
                    v = v.split(".", 1)
                out[k] = walk(v, k)
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if key in ("DependsOn", "Transform") and isinstance(value, str):
            return [value]
        return value

    return walk(template)


def _differences(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Where two normalized templates differ: ``(path, in a, in b)``, depth first."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                yield where, a.get(key, "(absent)"), b.get(key, "(absent)")
            else:
                yield from _differences(a[key], b[key], where)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, a, b


def _verify(source: str, name: str, data: dict[str, Any], importer: _Importer) -> list[ImportProblem]:
    """Run the module, synthesize the component and compare the result with the template."""
    from infrakit._synth import synth

    namespace: dict[str, Any] = {"__name__": f"infrakit_imported_{name.lower()}"}
    try:
        exec(compile(source, f"<imported {name}>", "exec"), namespace)
        template = synth(namespace[name]).to_dict()
    except InfrakitError as exc:
        return [ImportProblem(importer.where(str(exc)), f"infrakit refuses the imported component: {exc}")]
    except Exception as exc:  # the importer wrote code that fails: say so, with what failed
        return [ImportProblem("Template", f"the imported module fails: {type(exc).__name__}: {exc}")]
    # CloudFormation has one template format version: leaving it out means 2010-09-09.
    data = {"AWSTemplateFormatVersion": "2010-09-09", **data}
    found = []
    for path, synthesized, original in _differences(normalize(template), normalize(data)):
        found.append(
            ImportProblem(
                path, f"the component synthesizes {_short(synthesized)} where the template has {_short(original)}"
            )
        )
        if len(found) == 5:
            break
    return found


def import_file(path: str, *, output: str | None = None, name: str | None = None) -> int:
    """``infrakit import``: import the template at ``path``, write the module to ``output``
    (standard output if None), list every problem on standard error; the exit status."""
    import sys
    from pathlib import Path

    source_path = Path(path)
    try:
        text = source_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateImportError(f"{path}: cannot read the template: {exc.strerror or exc}") from None
    try:
        source, problems = import_template(text, name=name or class_name(source_path.stem))
    except TemplateImportError as exc:
        raise TemplateImportError(f"{path}: {exc}") from None
    if output is None:
        sys.stdout.write(source)
    else:
        try:
            Path(output).write_text(source, encoding="utf-8")
        except OSError as exc:
            raise TemplateImportError(f"{output}: cannot write the module: {exc.strerror or exc}") from None
    if problems:
        print(f"infrakit: {path}: {len(problems)} part(s) cannot be expressed in infrakit:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0
