"""Stand-in values for a component's parameters, so it can be tested without its producers.

A consumer's wired parameters (``ik.Param`` inputs fed by another instance's outputs) have
no value until its producer is deployed. :func:`standins` makes plausible ones from each
parameter's type, its ``aws_type`` (``AWS::EC2::VPC::Id`` gives ``vpc-…``,
``List<AWS::EC2::Subnet::Id>`` a list of ``subnet-…``), its name (``role_arn`` gives an
IAM role ARN) and its constraints (allowed values, pattern, lengths, bounds), so the
consumer can be synthesized, linted and deployed on a local stand-in of the cloud (moto)
on its own. Values are deterministic: the same parameter always gets the same value.
"""

from __future__ import annotations

import hashlib
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any

from infrakit._contract import UNSET, Parameter, parameter_name
from infrakit._expr import base_type
from infrakit.errors import InfrakitError

__all__ = ["standin_parameters", "standin_value", "standins"]

#: The AWS account, region and GCP project that stand-in identifiers and ARNs name.
ACCOUNT = "123456789012"
REGION = "us-east-1"
PROJECT = "standin-project"


def _hex(key: str, n: int = 17) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:n]


def _ec2_id(prefix: str) -> Callable[[str], str]:
    return lambda key: f"{prefix}-{_hex(key)}"


#: A stand-in for each AWS-specific parameter type (CloudFormation's ``AWS::…`` types).
_AWS_TYPES: dict[str, Callable[[str], Any]] = {
    "AWS::EC2::VPC::Id": _ec2_id("vpc"),
    "AWS::EC2::Subnet::Id": _ec2_id("subnet"),
    "AWS::EC2::SecurityGroup::Id": _ec2_id("sg"),
    "AWS::EC2::Instance::Id": _ec2_id("i"),
    "AWS::EC2::Image::Id": _ec2_id("ami"),
    "AWS::EC2::Volume::Id": _ec2_id("vol"),
    "AWS::EC2::SecurityGroup::GroupName": lambda key: f"standin-{_slug(key)}",
    "AWS::EC2::KeyPair::KeyName": lambda key: f"standin-{_slug(key)}",
    "AWS::EC2::AvailabilityZone::Name": lambda key: f"{REGION}a",
    "AWS::Route53::HostedZone::Id": lambda key: "Z" + _hex(key, 20).upper(),
    "AWS::SSM::Parameter::Name": lambda key: f"/infrakit/standins/{_slug(key)}",
}

#: Parameter names ending like this get an identifier of that kind (``vpc_id``, ``db_subnet_ids``).
_NAME_HINTS: tuple[tuple[str, str], ...] = (
    ("security_group_id", "AWS::EC2::SecurityGroup::Id"),
    ("sg_id", "AWS::EC2::SecurityGroup::Id"),
    ("subnet_id", "AWS::EC2::Subnet::Id"),
    ("vpc_id", "AWS::EC2::VPC::Id"),
    ("instance_id", "AWS::EC2::Instance::Id"),
    ("image_id", "AWS::EC2::Image::Id"),
    ("ami_id", "AWS::EC2::Image::Id"),
    ("volume_id", "AWS::EC2::Volume::Id"),
    ("hosted_zone_id", "AWS::Route53::HostedZone::Id"),
    ("availability_zone", "AWS::EC2::AvailabilityZone::Name"),
    ("key_name", "AWS::EC2::KeyPair::KeyName"),
)

#: ARNs by the service named in the parameter (``queue_arn``, ``execution_role_arn``).
_ARNS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("role", lambda s: f"arn:aws:iam::{ACCOUNT}:role/{s}"),
    ("policy", lambda s: f"arn:aws:iam::{ACCOUNT}:policy/{s}"),
    ("user", lambda s: f"arn:aws:iam::{ACCOUNT}:user/{s}"),
    ("queue", lambda s: f"arn:aws:sqs:{REGION}:{ACCOUNT}:{s}"),
    ("topic", lambda s: f"arn:aws:sns:{REGION}:{ACCOUNT}:{s}"),
    ("bucket", lambda s: f"arn:aws:s3:::{s}"),
    ("function", lambda s: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{s}"),
    ("key", lambda s: f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{_uuid(s)}"),
    ("table", lambda s: f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{s}"),
    ("secret", lambda s: f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{s}-AbCdEf"),
    ("stream", lambda s: f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{s}"),
    ("certificate", lambda s: f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/{_uuid(s)}"),
    ("cluster", lambda s: f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{s}"),
    ("log_group", lambda s: f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{s}"),
)

#: Compute (GCP) parameters by name: self links of the kinds consumers usually receive.
_GCP_HINTS: tuple[tuple[str, Callable[[str], str]], ...] = (
    (
        "subnetwork",
        lambda s: f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/regions/us-central1/subnetworks/{s}",
    ),
    ("network", lambda s: f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/global/networks/{s}"),
    (
        "instance",
        lambda s: f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/zones/us-central1-a/instances/{s}",
    ),
    ("disk", lambda s: f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/zones/us-central1-a/disks/{s}"),
    ("address", lambda s: "10.128.0.2"),
    ("zone", lambda s: "us-central1-a"),
    ("region", lambda s: "us-central1"),
    ("project", lambda s: PROJECT),
)


def _slug(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "value"


def _uuid(key: str) -> str:
    h = _hex(key, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _arn(name: str, index: int = 0) -> str:
    """An ARN of the service the name points at: ``queue_arn`` gives an SQS queue's."""
    stem = name.removesuffix("_arns").removesuffix("_arn")
    resource = f"standin-{_slug(stem)}" + (f"-{index}" if index else "")
    for word, make in _ARNS:
        if word in stem:
            return make(resource)
    return f"arn:aws:iam::{ACCOUNT}:role/{resource}"


def _hinted_aws_type(key: str) -> str | None:
    singular = key[:-1] if key.endswith("_ids") else key
    for suffix, aws_type in _NAME_HINTS:
        if singular.endswith(suffix):
            return aws_type
    return None


def _hint_names(parameter: Parameter) -> list[str]:
    """The names that say what a parameter holds: its own, then the producer's output it is
    wired from (``network`` wired from ``vpc_id`` holds a VPC id)."""
    names = [parameter.key]
    field = getattr(parameter.source, "field", None)
    if isinstance(field, str) and field not in names:
        names.append(field)
    return names


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def _shaped(name: str, provider: str, index: int) -> str | None:
    """A value shaped like what the name says it holds (a CIDR, an IP address, an email,
    a host name, a region, an account, a port), or ``None``."""
    words = _words(name)
    if not words:
        return None
    if "cidr" in words or "cidrs" in words or name.endswith("ip_cidr_range"):
        if "ipv6" in words:
            return f"2001:db8:{index:x}::/56"
        if provider == "gcp":
            return f"10.{128 + index}.0.0/20"
        return f"10.{index}.1.0/24" if "subnet" in words else f"10.{index}.0.0/16"
    if words[-1] in ("ip", "ips") or words[-2:] == ["ip", "address"] or words[-1] == "ipv4":
        return f"10.0.0.{10 + index}"
    if "ipv6" in words and words[-1] in ("address", "ip"):
        return f"2001:db8::{10 + index:x}"
    if "email" in words or "emails" in words:
        return f"standin{index or ''}@example.com"
    if words[-1] in ("domain", "hostname", "host", "fqdn") or words[-2:] == ["dns", "name"]:
        return f"standin{index or ''}.example.com"
    if words[-1] == "region":
        return "us-central1" if provider == "gcp" else REGION
    if words[-1] in ("account", "account_id") or words[-2:] == ["account", "id"]:
        return ACCOUNT
    if words[-1] == "port":
        return str(443 + index)
    return None


def _string(parameter: Parameter, provider: str, index: int = 0) -> str:
    key = parameter.key if index == 0 else f"{parameter.key}{index}"
    if parameter.options.secret:
        return "Standin0Secret1Value"
    names = _hint_names(parameter)
    for name in names:
        shaped = _shaped(name, provider, index)
        if shaped is not None:
            return shaped
    if provider == "gcp":
        for name in names:
            for word, make in _GCP_HINTS:
                if word in name:
                    return make(f"standin-{_slug(key)}")
        return f"standin-{_slug(key)}"
    for name in names:
        aws_type = _hinted_aws_type(name)
        if aws_type is not None:
            return str(_AWS_TYPES[aws_type](key))
        if name.endswith(("_arn", "_arns")):
            return _arn(name, index)
        if name.endswith("_url"):
            return f"https://standin-{_slug(key)}.example.com/"
    return f"standin-{_slug(key)}"


def _aws_typed(parameter: Parameter, aws_type: str) -> Any:
    key = parameter.key
    match = re.fullmatch(r"List<(.+)>", aws_type)
    if match:
        inner = match.group(1)
        if inner == "Number":
            return [1, 2]
        make = _AWS_TYPES.get(inner)
        if make is None:
            return None
        if inner == "AWS::EC2::AvailabilityZone::Name":
            return [f"{REGION}a", f"{REGION}b"]
        return [make(f"{key}0"), make(f"{key}1")]
    if aws_type.startswith("AWS::SSM::Parameter::Value<"):
        # The value of a registry-wired parameter is the name of an SSM parameter.
        return f"/infrakit/standins/{_slug(key)}"
    make = _AWS_TYPES.get(aws_type)
    return None if make is None else make(key)


def _number(parameter: Parameter) -> int | float:
    options = parameter.options
    value: float = 443 if any(_words(n)[-1:] == ["port"] for n in _hint_names(parameter)) else 1
    if options.min_value is not None:
        value = max(value, options.min_value)
    if options.max_value is not None:
        value = min(value, options.max_value)
    kind = base_type(parameter.type)
    return int(value) if kind is int or float(value).is_integer() else value


def _fits(parameter: Parameter, value: Any) -> bool:
    options = parameter.options
    items = value if isinstance(value, list) else [value]
    for item in items:
        text = str(item)
        if options.pattern is not None and not re.fullmatch(options.pattern, text):
            return False
        if options.min_length is not None and len(text) < options.min_length:
            return False
        if options.max_length is not None and len(text) > options.max_length:
            return False
    return True


def _fitted(parameter: Parameter, value: str) -> str:
    """Adjust a string to the parameter's length limits, if that makes it fit."""
    options = parameter.options
    if options.max_length is not None and len(value) > options.max_length:
        value = value[: options.max_length]
    if options.min_length is not None and len(value) < options.min_length:
        value = value + "x" * (options.min_length - len(value))
    return value


def _from_pattern(parameter: Parameter) -> str | None:
    """The simplest string of the parameter's pattern and lengths (hypothesis's shrunk
    example: deterministic), or ``None`` if none is found."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    options = parameter.options
    try:
        strategy = st.from_regex(options.pattern or "", fullmatch=True)
        chosen: str = find(
            strategy,
            lambda text: _fits(parameter, text),
            settings=settings(
                database=None, derandomize=True, max_examples=200, suppress_health_check=list(HealthCheck)
            ),
        )
    except (NoSuchExample, ValueError, TypeError, re.error):
        return None
    return chosen


def standin_value(parameter: Parameter, provider: str = "aws") -> Any:
    """A plausible value for one parameter (a ``str``, a number, or a list for list types).

    Raises :class:`infrakit.errors.InfrakitError` when no stand-in fits the parameter's
    pattern or lengths; pass that one explicitly.
    """
    options = parameter.options
    allowed = parameter.allowed_values()
    if allowed:
        return allowed[0]
    value: Any = _aws_typed(parameter, aws_type) if (aws_type := options.provider_option("aws", "type")) else None
    if value is None:
        kind = base_type(parameter.type)
        if kind is bool:
            return False
        if kind in (int, float):
            return _number(parameter)
        if typing.get_origin(parameter.type) is list:
            (item,) = typing.get_args(parameter.type) or (str,)
            if base_type(item) is bool:
                return [False, True]
            if item in (int, float):
                return [1, 2]
            value = [_string(parameter, provider, 0), _string(parameter, provider, 1)]
        else:
            value = _string(parameter, provider)
    if isinstance(value, str):
        value = _fitted(parameter, value)
    if not _fits(parameter, value) and options.pattern is not None:
        drawn = _from_pattern(parameter)
        if drawn is not None:
            value = [drawn] * len(value) if isinstance(value, list) else drawn
    if not _fits(parameter, value):
        raise InfrakitError(
            f"standins: no stand-in fits parameter `{parameter.key}` ({parameter.owner}): the value {value!r} does "
            f"not meet its pattern {options.pattern!r} / lengths; pass it yourself: standins(..., "
            f"{parameter.key}=...)"
        )
    return value


def standins(component: Any, inputs: Any = None, **values: Any) -> dict[str, Any]:
    """Stand-in values for the parameters of ``component`` (synthesized with ``inputs``)
    that have no default — those wired from other instances, or left for the deployer.

    Keys are the template's parameter names (``VpcId`` in CloudFormation, ``vpc_id`` in a
    compute template); values are typed (a ``list`` for list parameters). Pass a value
    yourself as a keyword, by template name or field name: ``standins(Service, VpcId="vpc-1")``.
    A parameter wired to an instance's output whose component declares the output's stand-in
    (``ik.out(standin=...)``) gets that value.
    """
    from infrakit._synth import synthesize

    synthesis = synthesize(component, inputs)
    chosen = dict(values)
    result: dict[str, Any] = {}
    for key, parameter in synthesis.parameters.items():
        if parameter.default is not UNSET:
            continue
        name = parameter_name(synthesis.provider, parameter)
        if name in chosen or key in chosen:
            result[name] = chosen.pop(name) if name in chosen else chosen.pop(key)
        else:
            declared = _declared_standin(parameter, name)
            result[name] = declared if declared is not None else standin_value(parameter, synthesis.provider.name)
    if chosen:
        unknown = ", ".join(sorted(chosen))
        raise InfrakitError(
            f"standins({synthesis.name}): {unknown} is not an undefaulted parameter of the component; "
            f"its undefaulted parameters are: {', '.join(result) or 'none'}"
        )
    return result


def _declared_standin(parameter: Parameter, name: str) -> Any:
    """The stand-in that the producer of a wired parameter declares for the output it is
    wired from (``ik.out(standin=...)``), or None."""
    source = parameter.source
    component = getattr(getattr(source, "instance", None), "component", None)
    if component is None:
        return None
    from infrakit._contract import out_options

    standin = out_options(component.outputs_type, source.field).standin
    return standin(name) if callable(standin) else standin


def _as_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_as_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def standin_parameters(component: Any, inputs: Any = None, **values: Any) -> list[dict[str, str]]:
    """:func:`standins` in boto3's form, ready for ``create_stack(Parameters=...)``:
    ``[{"ParameterKey": "VpcId", "ParameterValue": "vpc-…"}, ...]`` (lists comma-joined)."""
    found: Mapping[str, Any] = standins(component, inputs, **values)
    return [{"ParameterKey": name, "ParameterValue": _as_text(value)} for name, value in found.items()]
