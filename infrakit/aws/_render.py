"""Rendering one AWS component into a CloudFormation template."""

from __future__ import annotations

import re
import typing
from typing import Any

from infrakit._contract import UNSET, Parameter, out_options, output_name, parameter_name
from infrakit._expr import ConditionRef, Expr, GetAtt, Ref, base_type, type_name
from infrakit._resource import Resource, render_props, render_value
from infrakit.aws._options import render_options
from infrakit.aws._provider import AWS, LANGUAGE_EXTENSIONS, QUOTAS, SAM_TRANSFORM, AwsProvider
from infrakit.aws._schema import check_rendered
from infrakit.aws._tags import render_tags
from infrakit.aws.fn import as_condition
from infrakit.errors import DanglingReferenceError, LogicalIdError, QuotaError, SynthError

__all__ = ["QUOTAS", "check_size", "pascal", "render"]

_LOGICAL_ID = re.compile(r"^[A-Za-z0-9]+$")


#: ``vpc_id`` -> ``VpcId``: a parameter's or output's name in a CloudFormation template.
pascal = AwsProvider.parameter_name
#: Names parameters and outputs (the provider's spelling, unless a name was chosen).
AWS_NAMES = AWS


def registry_path(app: str, instance: str, output: str) -> str:
    """The SSM Parameter Store name under which the registry integration publishes an output."""
    return f"/infrakit/{app}/{instance}/{output}"


def export_name(app: str, instance: str, output: str) -> str:
    """The stack export name under which the exports integration publishes an output."""
    return f"{app}-{instance}-{output}"


def _integration(p: Parameter) -> str:
    return p.integration


def _source_names(p: Parameter) -> tuple[str, str, str]:
    ref = p.source
    return (
        ref.instance.app.name,
        ref.instance.name,
        output_name(AWS_NAMES, ref.instance.component.outputs_type, ref.field),
    )


def _imported_name(p: Parameter) -> Any:
    """The export a consumer imports: the producer's declared ``export_name``, else infrakit's."""
    ref = p.source
    declared = out_options(ref.instance.component.outputs_type, ref.field).export_name
    if declared is None:
        return export_name(*_source_names(p))
    if isinstance(declared, str) and "${" not in declared:
        return declared
    raise SynthError(
        f"{p.owner} is wired through the exports integration from output `{ref.field}` of {ref.instance.name}, "
        "whose export name is computed at deploy time; give that output a fixed export_name, or wire it "
        "with another integration"
    )


def _check_id(synthesis: Any, what: str, name: str) -> None:
    if not _LOGICAL_ID.match(name) or len(name) > 255:
        fixed = re.sub(r"[^A-Za-z0-9]", "", name)[:255]
        hint = f"; for example {fixed!r}" if fixed else ""
        raise LogicalIdError(
            f"{synthesis.name}: {what} {name!r} is not a valid CloudFormation logical id: use 1 to 255 letters "
            f"and digits (A-Z, a-z, 0-9){hint}"
        )


def _check_quota(synthesis: Any, what: str, count: int) -> None:
    limit = QUOTAS[what]
    if count > limit:
        raise QuotaError(
            f"{synthesis.name}: {count} {what} exceed CloudFormation's limit of {limit} per template; "
            "split the component into smaller ones"
        )


def check_size(synthesis: Any, text: str) -> None:
    """Refuse a template body larger than CloudFormation accepts (from S3)."""
    size = len(text.encode("utf-8"))
    if size > QUOTAS["template_bytes"]:
        raise QuotaError(
            f"{synthesis.name}: the template is {size:,} bytes, over CloudFormation's limit of "
            f"{QUOTAS['template_bytes']:,}; split the component into smaller ones"
        )


class _Renderer:
    """Renders expressions into CloudFormation's JSON shapes (the core's Renderer protocol)."""

    def __init__(self, synthesis: Any) -> None:
        self.synthesis = synthesis
        self.where = synthesis.name
        self.mappings: dict[str, Any] = {}
        self.names: set[str] = set()  # parameters and resources, for Fn::Sub
        self.in_rules = False  # rendering the Rules section: parameters only
        self.language_extensions = False  # a function of AWS::LanguageExtensions was rendered

    def value(self, value: Any) -> Any:
        return render_value(value, self, self.where)

    def param(self, parameter: Parameter) -> Any:
        if _integration(parameter) == "exports":
            imported = {"Fn::ImportValue": _imported_name(parameter)}
            return {"Fn::Split": [",", imported]} if _is_list(parameter.type) else imported
        return {"Ref": parameter_name(AWS_NAMES, parameter)}

    def condition(self, condition: ConditionRef) -> Any:
        if self.in_rules:
            raise SynthError(
                f"{self.where}: a rule cannot use the template's condition {condition.name!r}; write its "
                "expression in the rule (fn.equals, fn.and_, ...)"
            )
        return {"Condition": condition.name}

    def ref(self, resource: Resource) -> Any:
        self._no_resources_in_rules(resource)
        return {"Ref": resource.logical_id}

    def get_att(self, resource: Resource, name: str) -> Any:
        self._no_resources_in_rules(resource)
        return {"Fn::GetAtt": [resource.logical_id, name]}

    def _no_resources_in_rules(self, resource: Resource) -> None:
        if self.in_rules:
            raise SynthError(
                f"{self.where}: a rule sees parameters only, not {resource._describe()}; rules check parameter "
                "values before anything is deployed"
            )

    def call(self, name: str, args: Any) -> Any:
        if name in ("Fn::Length", "Fn::ToJsonString"):
            self.language_extensions = True
        if name == "Fn::Sub":
            self._check_sub(args)
        return {name: self.value(args)}

    def mapping(self, table: Any) -> None:
        known = self.mappings.get(table.name)
        if known is not None and known.values != table.values:
            raise SynthError(f"{self.synthesis.name}: two different mappings are named {table.name!r}")
        self.mappings[table.name] = table

    def _check_sub(self, args: Any) -> None:
        from infrakit.aws.fn import sub_names

        template, variables = (args[0], args[1]) if isinstance(args, list) else (args, {})
        for name in sub_names(template):
            base = name.split(".", 1)[0]
            if name in variables or base in self.names or name.startswith("AWS::"):
                continue
            raise DanglingReferenceError(
                f"{self.where}: fn.sub placeholder ${{{name}}} names nothing in the component; pass it in "
                "fn.sub's variables, or name a resource's logical id"
            )


#: A parameter's value constraints, as CloudFormation names them.
_CONSTRAINTS = {
    "pattern": "AllowedPattern",
    "min_length": "MinLength",
    "max_length": "MaxLength",
    "min_value": "MinValue",
    "max_value": "MaxValue",
}


def _parameter(p: Parameter) -> dict[str, Any]:
    options = p.options
    kind = base_type(p.type)
    p.check_default()
    aws_type = options.provider_option("aws", "type")  # ik.param(aws_type=...)
    if aws_type:
        from infrakit.aws._parameters import check_parameter_type

        check_parameter_type(p.owner, aws_type, p.type)
        cfn_type = aws_type
    elif kind is bool:
        cfn_type = "String"  # CloudFormation has no boolean parameter: "true" or "false"
    elif kind is str:
        cfn_type = "String"
    elif kind in (int, float):
        cfn_type = "Number"
    elif p.type == list[str]:
        cfn_type = "CommaDelimitedList"
    elif p.type in (list[int], list[float]):
        cfn_type = "List<Number>"
    else:
        raise SynthError(
            f"{p.owner}: a deploy-time parameter of type {type_name(p.type)} has no CloudFormation type; "
            "use str, int, float, bool, list[str] or a Literal of those"
        )
    if _integration(p) == "registry":
        kind = "CommaDelimitedList" if _is_list(p.type) else "String"
        cfn_type = f"AWS::SSM::Parameter::Value<{kind}>"
    body: dict[str, Any] = {"Type": cfn_type}
    if _integration(p) == "registry":
        body["Default"] = registry_path(*_source_names(p))
    if options.description:
        body["Description"] = options.description
    if p.default is not UNSET:
        default = p.default
        if isinstance(default, (list, tuple)):
            default = ",".join(str(v) for v in default)
        body["Default"] = _text(default) if isinstance(default, bool) else default
    allowed = p.allowed_values()
    if allowed is None and kind is bool:
        allowed = (True, False)
    if allowed:
        body["AllowedValues"] = [_text(v) if isinstance(v, bool) else v for v in allowed]
    body.update(p.constraints(_CONSTRAINTS))
    if options.constraint_description is not None:
        body["ConstraintDescription"] = options.constraint_description
    if options.secret:
        body["NoEcho"] = True
    return body


def _text(flag: bool) -> str:
    return "true" if flag else "false"


def _is_list(kind: Any) -> bool:
    return kind is list or typing.get_origin(kind) is list


def _resource(r: _Renderer, resource: Any) -> dict[str, Any]:
    where = f"{r.synthesis.name}: {resource._describe()}"
    r.where = where
    body: dict[str, Any] = {"Type": resource.resource_type}
    properties = render_props(resource, r, where)
    extra = getattr(resource, "extra_properties", None)
    if extra is not None:  # a custom resource's free-form properties
        properties.update(r.value(extra()))
    else:
        render_tags(r, r.synthesis, resource, properties, where)
        check_rendered(where, resource, properties)
    if properties:
        body["Properties"] = properties
    render_options(r, resource, body)
    return body


def _output(r: _Renderer, field: str, name: str, kind: Any, value: Any) -> dict[str, Any]:
    r.where = f"{r.synthesis.name}: output `{field}`"
    options = out_options(r.synthesis.component.outputs_type, field)
    rendered = r.value(value)
    if _is_list(kind):
        # A list is published comma-joined and consumed as a CommaDelimitedList.
        rendered = {"Fn::Join": [",", rendered]}
    elif isinstance(rendered, bool):
        rendered = "true" if rendered else "false"
    elif isinstance(rendered, (int, float)):
        rendered = str(rendered)
    body: dict[str, Any] = {}
    if options.description is not None:
        body["Description"] = options.description
    condition = options.condition if options.condition is not None else _implied_condition(r, field, value)
    if condition is not None:
        if condition not in r.synthesis.conditions:
            raise DanglingReferenceError(
                f"{r.where}: condition {condition!r} (ik.out(condition=...)) is never defined; define it in build "
                "with self.condition(name, expr)"
            )
        body["Condition"] = condition
    body["Value"] = rendered
    if options.export_name is not None:
        exported = options.export_name
        if isinstance(exported, str) and "${" in exported:
            exported = fn_sub(exported)
        body["Export"] = {"Name": r.value(exported)}
    return body


def _implied_condition(r: _Renderer, field: str, value: Any) -> str | None:
    """The condition of the conditional resources an output's value refers to (outside
    ``fn.if_``, which guards its branches itself): an output of a resource that may not
    exist must have that resource's condition."""
    found: set[str] = set()
    _conditions_in(value, found)
    if len(found) > 1:
        listed = ", ".join(sorted(found))
        raise SynthError(
            f"{r.synthesis.name}: output `{field}` refers to resources of different conditions ({listed}); define a "
            "condition that holds only when all of them do (self.condition(name, fn.and_(...))) and declare "
            "the output with ik.out(condition=name), or guard the value with fn.if_"
        )
    return found.pop() if found else None


def _conditions_in(value: Any, found: set[str]) -> None:
    from infrakit.aws.fn import _If

    if isinstance(value, _If):
        return
    if isinstance(value, (Ref, GetAtt)):
        condition = getattr(value.resource, "condition", None)
        if condition is not None:
            found.add(condition.name if isinstance(condition, ConditionRef) else condition)
        return
    if isinstance(value, Expr):
        for child in value._children():
            _conditions_in(child, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _conditions_in(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _conditions_in(item, found)


def _publish(synthesis: Any, resources: dict[str, Any], outputs: dict[str, Any]) -> None:
    """Publish the outputs that consumers read through the registry or exports."""
    kinds = {field: kind for field, kind, _v in synthesis.outputs}
    for field, integrations in synthesis.publish.items():
        name = output_name(AWS_NAMES, synthesis.component.outputs_type, field)
        declared = out_options(synthesis.component.outputs_type, field).export_name
        if "exports" in integrations and declared is None:
            outputs[name]["Export"] = {"Name": export_name(synthesis.app, synthesis.instance, name)}
        if "registry" in integrations:
            logical_id = f"Registry{name}"
            if logical_id in resources:
                raise LogicalIdError(
                    f"{synthesis.name}: the registry integration needs the logical id {logical_id!r} for output "
                    f"`{field}`, but a resource of the component has it; rename that resource"
                )
            resources[logical_id] = {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": registry_path(synthesis.app, synthesis.instance, name),
                    "Type": "StringList" if _is_list(kinds[field]) else "String",
                    "Value": outputs[name]["Value"],
                    "Description": f"{synthesis.app}/{synthesis.instance} output {name} (infrakit registry integration)",
                },
            }
            if "Condition" in outputs[name]:
                resources[logical_id]["Condition"] = outputs[name]["Condition"]
    if synthesis.publish:
        _check_quota(synthesis, "resources", len(resources))


def _loops(r: _Renderer, synthesis: Any, resources: dict[str, Any]) -> None:
    """``Fn::ForEach::<Name>`` entries of the Resources section (``template.for_each``)."""
    names = r.names
    for entry in synthesis.extras.get("ForEach") or []:
        loop = entry["loop"]
        r.names = names | {loop.identifier}  # ${Identifier} in fn.sub text names the item
        try:
            body = {res.logical_id: _resource(r, res) for res in loop.resources}
            r.where = f"{synthesis.name}: for_each {loop.name!r}"
            resources[f"Fn::ForEach::{loop.name}"] = [loop.identifier, r.value(loop.collection), body]
        finally:
            r.names = names
        r.language_extensions = True


def _description(synthesis: Any) -> str:
    """The template's description: a docstring's is cut to CloudFormation's 1,024 bytes; a
    ``description`` the component chose is refused when longer (never cut silently)."""
    text = str(synthesis.description())
    if len(text.encode("utf-8")) <= 1024:
        return text
    if isinstance(getattr(synthesis.component, "description", None), str):
        raise SynthError(
            f"{synthesis.name}: description is {len(text.encode('utf-8')):,} bytes, over CloudFormation's limit of "
            "1,024; shorten it"
        )
    return text.encode("utf-8")[:1024].decode("utf-8", "ignore")


def _metadata(r: _Renderer, synthesis: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    """The template's Metadata: ``template.metadata`` entries, and the console's parameter
    groups and labels (``AWS::CloudFormation::Interface``) from ``ik.param(group=, label=)``."""
    r.where = f"{synthesis.name}: template metadata"
    given = synthesis.extras.get("Metadata")
    metadata: dict[str, Any] = dict(r.value(given)) if given else {}
    groups: dict[str, list[str]] = {}
    labels: dict[str, Any] = {}
    for p in synthesis.parameters.values():
        name = parameter_name(AWS_NAMES, p)
        if name not in parameters:
            continue
        if p.options.group is not None:
            groups.setdefault(p.options.group, []).append(name)
        if p.options.label is not None:
            labels[name] = {"default": p.options.label}
    if groups or labels:
        if INTERFACE in metadata:
            raise SynthError(
                f"{synthesis.name}: template metadata {INTERFACE!r} is set by template.metadata and also made from "
                "ik.param(group=..., label=...); use one of the two"
            )
        interface: dict[str, Any] = {}
        if groups:
            interface["ParameterGroups"] = [{"Label": {"default": g}, "Parameters": n} for g, n in groups.items()]
        if labels:
            interface["ParameterLabels"] = labels
        metadata[INTERFACE] = interface
    return metadata


#: The metadata key of the console's parameter groups and labels.
INTERFACE = "AWS::CloudFormation::Interface"


def _rules(r: _Renderer, synthesis: Any) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    r.in_rules = True
    try:
        for name, body in (synthesis.extras.get("Rules") or {}).items():
            r.where = f"{synthesis.name}: rule {name!r}"
            rules[name] = {
                key: as_condition(r, value) if key == "RuleCondition" else r.value(value) for key, value in body.items()
            }
            rules[name]["Assertions"] = [
                {key: as_condition(r, v) if key == "Assert" else v for key, v in entry.items()}
                for entry in body["Assertions"]
            ]
    finally:
        r.in_rules = False
    return rules


def _transforms(r: _Renderer, synthesis: Any) -> list[Any]:
    """The user's transforms, ``AWS::LanguageExtensions`` if its functions are used, and SAM's
    if the component has SAM resources or Globals (SAM's last: it must see the others' output)."""
    r.where = f"{synthesis.name}: transform"
    given = synthesis.extras.get("Transform")
    listed: list[Any] = list(r.value(given)) if given else []
    if r.language_extensions and LANGUAGE_EXTENSIONS not in listed:
        listed.insert(0, LANGUAGE_EXTENSIONS)
    sam = synthesis.extras.get("Globals") or any(
        res.resource_type.startswith("AWS::Serverless::") for res in synthesis.resources
    )
    if sam and SAM_TRANSFORM not in listed:
        listed.append(SAM_TRANSFORM)  # SAM types exist only through their transform
    return listed


def fn_sub(text: str) -> Any:
    from infrakit.aws.fn import sub

    return sub(text)


def render(synthesis: Any) -> dict[str, Any]:
    """The CloudFormation template of a checked synthesis."""
    r = _Renderer(synthesis)
    _check_quota(synthesis, "resources", len(synthesis.resources))
    _check_quota(synthesis, "parameters", len(synthesis.parameters))
    _check_quota(synthesis, "outputs", len(synthesis.outputs))
    for resource in synthesis.resources:
        _check_id(synthesis, f"{resource.resource_type} logical id", resource.logical_id)
    parameters = {}
    for p in synthesis.parameters.values():
        if _integration(p) == "exports":
            continue  # read with Fn::ImportValue where it is used
        name = parameter_name(AWS_NAMES, p)
        _check_id(synthesis, f"parameter (from {p.owner})", name)
        if name in parameters:
            raise LogicalIdError(
                f"{synthesis.name}: two parameters are named {name!r} ({p.owner}); give each its own name"
            )
        if name in synthesis.by_id:
            raise LogicalIdError(
                f"{synthesis.name}: parameter {name!r} ({p.owner}) has the logical id of {synthesis.by_id[name]._describe()}; "
                "rename one of them"
            )
        parameters[name] = _parameter(p)
    r.names = set(parameters) | set(synthesis.by_id)
    conditions = {}
    for name, cond in synthesis.conditions.items():
        _check_id(synthesis, "condition", name)
        r.where = f"{synthesis.name}: condition {name!r}"
        conditions[name] = as_condition(r, cond.expr)
    resources = {res.logical_id: _resource(r, res) for res in synthesis.resources}
    _loops(r, synthesis, resources)
    outputs: dict[str, Any] = {}
    for field, kind, value in synthesis.outputs:
        name = output_name(AWS_NAMES, synthesis.component.outputs_type, field)
        _check_id(synthesis, f"output (`{field}`)", name)
        if name in outputs:
            raise LogicalIdError(f"{synthesis.name}: two outputs are named {name!r}; give each its own name")
        outputs[name] = _output(r, field, name, kind, value)
    _publish(synthesis, resources, outputs)
    _check_quota(synthesis, "mappings", len(r.mappings))

    metadata = _metadata(r, synthesis, parameters)
    rules = _rules(r, synthesis)
    sam_globals = synthesis.extras.get("Globals")
    if sam_globals:
        r.where = f"{synthesis.name}: SAM Globals"
        sam_globals = r.value(sam_globals)

    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09", "Description": _description(synthesis)}
    if metadata:
        template["Metadata"] = metadata
    transforms = _transforms(r, synthesis)
    if transforms:
        template["Transform"] = transforms[0] if len(transforms) == 1 else transforms
    if parameters:
        template["Parameters"] = parameters
    if rules:
        template["Rules"] = rules
    if r.mappings:
        template["Mappings"] = {name: table.values for name, table in sorted(r.mappings.items())}
    if conditions:
        template["Conditions"] = conditions
    if sam_globals:
        template["Globals"] = sam_globals
    template["Resources"] = resources
    if outputs:
        template["Outputs"] = outputs
    return template
