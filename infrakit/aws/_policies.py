"""CloudFormation's typed resource policies: :class:`CreationPolicy` and :class:`UpdatePolicy`.

``creation_policy=`` and ``update_policy=`` take them; their nested classes are every policy
CloudFormation documents, and each value may be an expression of its type (``fn.ref`` of a
parameter, ``fn.if_``, ...). Kept apart from the options table (``infrakit.aws._options``)
so that importing a service module does not create these classes: they are made when first
used (``from infrakit.aws import CreationPolicy``).
"""

# ruff: noqa: RUF009  (_prop makes an attrs field, checked when set; not a dataclass default)
from __future__ import annotations

from typing import Any, ClassVar

import attrs

from infrakit._expr import Expr
from infrakit._resource import PropertyType, _on_setattr, building_prefix, check_value
from infrakit.errors import PropertyTypeError, UnknownPropertyError, did_you_mean

__all__ = ["CreationPolicy", "UpdatePolicy"]


# --- typed policies ---------------------------------------------------------------------


def _prop(wire: str, spec: Any, doc: str = "") -> Any:
    """A field of a policy class: its CloudFormation key and type spec (``infrakit._spec``);
    the value (or an expression of its type) is checked when given and when assigned."""

    def check(inst: Any, value: Any) -> None:
        if value is None:
            return
        problem = check_value(spec, value, lambda name: _POLICY_CLASSES[name])
        if problem:
            owner = type(inst).__qualname__
            raise PropertyTypeError(f"{building_prefix()}{owner}: `{_py_of(type(inst), wire)}`: {problem}")

    return attrs.field(
        default=None, kw_only=True, on_setattr=_on_setattr(check), metadata={"wire": wire, "spec": spec, "check": check}
    )


def _py_of(cls: type, wire: str) -> str:
    return next((py for py, w, *_ in cls._props if w == wire), wire)  # type: ignore[attr-defined]


class _Policy(PropertyType):
    """Base of the policy classes: rendered like nested property types."""

    __slots__ = ()
    _props: ClassVar[tuple[Any, ...]] = ()

    def __attrs_post_init__(self) -> None:
        cls: Any = type(self)
        for a in attrs.fields(cls):
            value = getattr(self, a.name)
            if value is not None:
                a.metadata["check"](self, value)


def _policy(cls: type[Any]) -> type[Any]:
    """Finish a policy class: its ``_props`` table (from the fields) and a did-you-mean
    error for an unknown keyword."""
    cls._props = tuple((a.name, a.metadata["wire"], a.metadata["spec"], False) for a in attrs.fields(cls))
    _POLICY_CLASSES[cls.__qualname__] = cls
    _POLICY_CLASSES[cls.__name__] = cls
    keywords = frozenset(a.name for a in attrs.fields(cls))
    init = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - keywords)
        if unknown or args:
            shown = unknown[0] if unknown else "a positional argument"
            raise UnknownPropertyError(
                f"{building_prefix()}{cls.__qualname__}: unknown field `{shown}`{did_you_mean(shown, keywords)}; "
                f"its fields are: {', '.join(sorted(keywords))}"
            )
        init(self, **kwargs)

    __init__.__doc__ = init.__doc__
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = __init__
    return cls


_POLICY_CLASSES: dict[str, type] = {}


@_policy
@attrs.define(slots=True)
class _ResourceSignal(_Policy):
    count: int | Expr[int] | None = _prop("Count", "int")
    timeout: str | Expr[str] | None = _prop("Timeout", "str")


@_policy
@attrs.define(slots=True)
class _AutoScalingCreationPolicy(_Policy):
    min_successful_instances_percent: int | Expr[int] | None = _prop("MinSuccessfulInstancesPercent", "int")


@_policy
@attrs.define(slots=True)
class _AutoScalingReplacingUpdate(_Policy):
    will_replace: bool | Expr[bool] | None = _prop("WillReplace", "bool")


@_policy
@attrs.define(slots=True)
class _AutoScalingRollingUpdate(_Policy):
    max_batch_size: int | Expr[int] | None = _prop("MaxBatchSize", "int")
    min_active_instances_percent: int | Expr[int] | None = _prop("MinActiveInstancesPercent", "int")
    min_instances_in_service: int | Expr[int] | None = _prop("MinInstancesInService", "int")
    min_successful_instances_percent: int | Expr[int] | None = _prop("MinSuccessfulInstancesPercent", "int")
    pause_time: str | Expr[str] | None = _prop("PauseTime", "str")
    suspend_processes: list[str] | Expr[list[str]] | None = _prop("SuspendProcesses", ("list", "str"))
    wait_on_resource_signals: bool | Expr[bool] | None = _prop("WaitOnResourceSignals", "bool")


@_policy
@attrs.define(slots=True)
class _AutoScalingScheduledAction(_Policy):
    ignore_unmodified_group_size_properties: bool | Expr[bool] | None = _prop(
        "IgnoreUnmodifiedGroupSizeProperties", "bool"
    )


@_policy
@attrs.define(slots=True)
class _CodeDeployLambdaAliasUpdate(_Policy):
    after_allow_traffic_hook: str | Expr[str] | None = _prop("AfterAllowTrafficHook", "str")
    application_name: str | Expr[str] | None = _prop("ApplicationName", "str")
    before_allow_traffic_hook: str | Expr[str] | None = _prop("BeforeAllowTrafficHook", "str")
    deployment_group_name: str | Expr[str] | None = _prop("DeploymentGroupName", "str")


@_policy
@attrs.define(slots=True)
class CreationPolicy(_Policy):
    """``creation_policy=``: CloudFormation waits for success signals before the resource is
    complete (Auto Scaling groups, EC2 instances, wait conditions; AppStream fleets)::

        ec2.Instance("Web", ..., creation_policy=CreationPolicy(
            resource_signal=CreationPolicy.ResourceSignal(count=1, timeout="PT15M")))
    """

    #: ``ResourceSignal``: how many success signals, within how long (ISO 8601, ``PT15M``).
    ResourceSignal: ClassVar[type[_ResourceSignal]] = _ResourceSignal
    #: ``AutoScalingCreationPolicy``: the share of instances that must signal success.
    AutoScalingCreationPolicy: ClassVar[type[_AutoScalingCreationPolicy]] = _AutoScalingCreationPolicy

    auto_scaling_creation_policy: _AutoScalingCreationPolicy | None = _prop(
        "AutoScalingCreationPolicy", ("obj", "_AutoScalingCreationPolicy")
    )
    resource_signal: _ResourceSignal | None = _prop("ResourceSignal", ("obj", "_ResourceSignal"))
    #: AppStream fleets: start the fleet when it is created.
    start_fleet: bool | Expr[bool] | None = _prop("StartFleet", "bool")


@_policy
@attrs.define(slots=True)
class UpdatePolicy(_Policy):
    """``update_policy=``: how CloudFormation updates the resource (Auto Scaling rolling or
    replacing updates and scheduled actions, Lambda alias deployments through CodeDeploy,
    OpenSearch/Elasticsearch version upgrades, ElastiCache online resharding)::

        autoscaling.AutoScalingGroup("Asg", ..., update_policy=UpdatePolicy(
            auto_scaling_rolling_update=UpdatePolicy.AutoScalingRollingUpdate(
                max_batch_size=1, min_instances_in_service=1, pause_time="PT5M",
                wait_on_resource_signals=True)))
    """

    AutoScalingReplacingUpdate: ClassVar[type[_AutoScalingReplacingUpdate]] = _AutoScalingReplacingUpdate
    AutoScalingRollingUpdate: ClassVar[type[_AutoScalingRollingUpdate]] = _AutoScalingRollingUpdate
    AutoScalingScheduledAction: ClassVar[type[_AutoScalingScheduledAction]] = _AutoScalingScheduledAction
    CodeDeployLambdaAliasUpdate: ClassVar[type[_CodeDeployLambdaAliasUpdate]] = _CodeDeployLambdaAliasUpdate

    auto_scaling_replacing_update: _AutoScalingReplacingUpdate | None = _prop(
        "AutoScalingReplacingUpdate", ("obj", "_AutoScalingReplacingUpdate")
    )
    auto_scaling_rolling_update: _AutoScalingRollingUpdate | None = _prop(
        "AutoScalingRollingUpdate", ("obj", "_AutoScalingRollingUpdate")
    )
    auto_scaling_scheduled_action: _AutoScalingScheduledAction | None = _prop(
        "AutoScalingScheduledAction", ("obj", "_AutoScalingScheduledAction")
    )
    code_deploy_lambda_alias_update: _CodeDeployLambdaAliasUpdate | None = _prop(
        "CodeDeployLambdaAliasUpdate", ("obj", "_CodeDeployLambdaAliasUpdate")
    )
    #: OpenSearch / Elasticsearch domains: upgrade the engine version in place.
    enable_version_upgrade: bool | Expr[bool] | None = _prop("EnableVersionUpgrade", "bool")
    #: ElastiCache replication groups: change shards without replacing the group.
    use_online_resharding: bool | Expr[bool] | None = _prop("UseOnlineResharding", "bool")


# The nested classes show under their public names (``UpdatePolicy.AutoScalingRollingUpdate``).
for _owner in (CreationPolicy, UpdatePolicy):
    for _name in [n for n in vars(_owner) if n[:1].isupper()]:
        _nested = getattr(_owner, _name)
        _nested.__name__ = _name
        _nested.__qualname__ = f"{_owner.__name__}.{_name}"
        _POLICY_CLASSES[_nested.__qualname__] = _nested
