"""Deploying AWS instances: CloudFormation change sets through boto3.

One stack per instance, named ``<app>-<instance>`` and tagged ``infrakit:app`` /
``infrakit:instance``. Every deploy creates a change set and describes it: an empty one means
``unchanged`` (and is deleted, so a no-op redeploy changes no stack); one that removes or
replaces a resource is executed only with ``allow_replace``. Credentials, region and
endpoint come from boto3's standard chain (``AWS_PROFILE``, ``AWS_REGION``,
``AWS_ENDPOINT_URL``, ...). Throttling is retried by botocore (standard retry mode, with
backoff).

boto3 is imported here only: this module loads when a deploy starts, never to synthesize.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from infrakit._deploy import (
    DeploySettings,
    InstancePlan,
    InstanceResult,
    Report,
    ResourceChange,
    Status,
    Target,
    not_as_approved,
)
from infrakit.errors import AssemblyError, DeployError

__all__ = ["BOOTSTRAP_STACK", "TEMPLATE_BODY_LIMIT", "AwsDeployer", "bootstrap", "capabilities", "stack_name"]

#: CloudFormation's limit on a template passed inline (``TemplateBody``); larger ones go
#: through the asset bucket (``TemplateURL``).
TEMPLATE_BODY_LIMIT = 51_200
#: The stack ``infrakit bootstrap`` creates (one per account and region).
BOOTSTRAP_STACK = "infrakit-bootstrap"
from infrakit._asset import ASSET_BUCKET_EXPORT, asset_key  # noqa: E402  (the export ik.Asset.bucket reads)

_NO_CHANGES = ("didn't contain changes", "No updates are to be performed", "no changes")
_NAMED_IAM = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}
_BUSY = ("_IN_PROGRESS",)
_STUCK = ("UPDATE_ROLLBACK_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED")


# What boto3's chain reads from the environment: a change makes new clients.
_CHAIN_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CLOUDFORMATION",
    "AWS_ENDPOINT_URL_S3",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)
_CLIENTS: dict[tuple[str | None, ...], tuple[str, Any, Any, Any]] = {}
_CLIENTS_LOCK = threading.Lock()


def _clients(region: str | None) -> tuple[str, Any, Any, Any]:
    """``(region, session, config, cloudformation client)`` for this region and environment,
    made once per process: a session and client cost ~150 ms of CPU (loading the service
    models), more than a whole no-op redeploy of dozens of stacks. Clients are thread-safe."""
    import os

    key = (region, *(os.environ.get(k) for k in _CHAIN_ENV))
    with _CLIENTS_LOCK:
        known = _CLIENTS.get(key)
        if known is not None:
            return known
        try:
            import boto3  # type: ignore[import-untyped]
            import botocore.config  # type: ignore[import-untyped]
            import botocore.exceptions  # type: ignore[import-untyped]
        except ImportError as exc:
            raise DeployError(
                f"deploying AWS instances needs boto3, which is not installed ({exc}): pip install 'infrakit[aws]'"
            ) from None

        config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": 10}, max_pool_connections=50, user_agent_extra="infrakit"
        )
        try:
            # boto3 reads AWS_DEFAULT_REGION but not AWS_REGION, which the AWS CLI and the
            # other SDKs read first (and the docs tell users to set).
            session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None)
            name = session.region_name or ""
            if not name:
                raise DeployError(
                    "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, a profile's region, or --region)"
                )
            made = _CLIENTS[key] = (name, session, config, session.client("cloudformation", config=config))
        except botocore.exceptions.BotoCoreError as exc:
            raise DeployError(f"cannot reach AWS: {exc}") from None
        return made


def stack_name(app: str, instance: str) -> str:
    """The stack of an instance: ``<app>-<instance>``."""
    return f"{app}-{instance}"


def capabilities(template: Mapping[str, Any]) -> list[str]:
    """The capabilities CloudFormation needs to be given for ``template``: IAM for IAM
    resources (NAMED_IAM when one is given a name), AUTO_EXPAND for a transform or macro,
    and IAM plus AUTO_EXPAND for nested stacks (whose contents are not known here)."""
    needs: set[str] = set()
    resources = template.get("Resources") or {}
    for resource in resources.values() if isinstance(resources, dict) else ():
        kind = resource.get("Type", "") if isinstance(resource, dict) else ""
        if not isinstance(kind, str):
            continue
        if kind.startswith("AWS::IAM::"):
            needs.add("CAPABILITY_IAM")
            name = _NAMED_IAM.get(kind)
            if name and name in (resource.get("Properties") or {}):
                needs.add("CAPABILITY_NAMED_IAM")
        if kind in ("AWS::CloudFormation::Stack", "AWS::Serverless::Application"):
            needs |= {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}
        if kind.startswith("AWS::Serverless::"):
            needs |= {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    if template.get("Transform") or _has_macro(resources):
        needs.add("CAPABILITY_AUTO_EXPAND")
    return sorted(needs)


def _has_macro(value: Any) -> bool:
    if isinstance(value, dict):
        return "Fn::Transform" in value or any(_has_macro(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_macro(v) for v in value)
    return False


@contextlib.contextmanager
def _as_deploy_error(what: str) -> Iterator[None]:
    """A botocore error (no credentials, no endpoint, access denied, ...) as a DeployError
    naming what was being done, never a raw botocore exception."""
    try:
        yield
    except _boto_errors() as exc:
        raise DeployError(f"{what}: {_error_text(exc)}{_hint(exc)}") from None


def _hint(exc: Exception) -> str:
    text = type(exc).__name__
    if text == "NoCredentialsError":
        return " (set AWS credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a role)"
    if text == "EndpointConnectionError":
        return " (check AWS_ENDPOINT_URL / the region, and the network)"
    return ""


def _client_error() -> type[Exception]:
    from botocore.exceptions import ClientError

    return ClientError  # type: ignore[no-any-return]


def _error_text(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def _boto_errors() -> tuple[type[Exception], ...]:
    """The errors of a call to AWS: an answer refusing it, or none (credentials, network);
    none at all without botocore (then making the clients reports it)."""
    try:
        import botocore.exceptions
    except ImportError:
        return ()
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


class AwsDeployer:
    """The AWS provider's :class:`~infrakit._deploy.Deployer`: CloudFormation change sets.

    One object per run, shared by the worker threads (boto3 clients are thread-safe; the
    session is used only here, in the constructor).
    """

    #: Seconds between polls of a stack or change set; grows up to ``max_poll``.
    poll = 0.2
    max_poll = 5.0

    def __init__(self, settings: DeploySettings | None = None) -> None:
        settings = settings or DeploySettings()
        self.region, self._session, self._config, self.cfn = _clients(settings.region)
        self._asset_bucket: str | None = None
        self._s3_client: Any = None
        self._prefetched: dict[str, dict[str, Any] | None] = {}
        self._prefetch_lock = threading.Lock()
        self._s3_lock = threading.Lock()
        #: Objects this deployer uploaded (bucket/key), for tests and reports.
        self.uploaded: list[str] = []

    # --- the Deployer protocol -------------------------------------------------------

    def plan(self, target: Target) -> InstancePlan:
        with _as_deploy_error(f"planning {target.name} (stack {stack_name(target.app, target.name)})"):
            return self._plan(target)

    def _plan(self, target: Target) -> InstancePlan:
        name = stack_name(target.app, target.name)
        stack = self._stack(name)
        template = _read_template(target.template_path)
        if stack is None or stack["StackStatus"] in ("REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE"):
            changes = tuple(
                ResourceChange(logical_id, str(r.get("Type", "")), "Add")
                for logical_id, r in sorted((template.get("Resources") or {}).items())
            )
            return InstancePlan(target.name, name, "create", changes)
        if self._same_as_deployed(target, stack, template):
            return InstancePlan(target.name, name, "unchanged")
        change_set = self._create_change_set(target, stack, template, "UPDATE", use_previous=True)
        if change_set is None:
            return InstancePlan(target.name, name, "unchanged")
        try:
            described = self._wait_change_set(name, change_set)
            if described["Status"] == "FAILED":
                if _is_empty(described):
                    return InstancePlan(target.name, name, "unchanged")
                raise DeployError(f"stack {name}: CloudFormation refuses the change: {described.get('StatusReason')}")
            return InstancePlan(target.name, name, "update", _changes(described))
        finally:
            self._delete_change_set(name, change_set)

    def deploy(
        self, target: Target, *, allow_replace: bool, report: Report, approved: InstancePlan | None = None
    ) -> InstanceResult:
        name = stack_name(target.app, target.name)
        try:
            template = _read_template(target.template_path)
            stack = self._settled_or_gone(name, report)
            if stack is not None:
                status = stack["StackStatus"]
                if status.endswith(_BUSY) and status != "REVIEW_IN_PROGRESS":
                    return InstanceResult(
                        target.name, "failed", message=f"stack {name} is busy ({status}); deploy again when it settles"
                    )
                if status in _STUCK:
                    return InstanceResult(
                        target.name,
                        "failed",
                        message=f"stack {name} is {status}: fix the cause shown in its events (continue the "
                        f"rollback in the console or with `aws cloudformation continue-update-rollback`), then "
                        f"deploy again",
                    )
            self._upload_assets(target, report)
            if stack is not None and self._same_as_deployed(target, stack, template):
                return InstanceResult(target.name, "unchanged", outputs=_outputs(stack))
            creating = stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"
            kind = "CREATE" if creating else "UPDATE"
            change_set = self._create_change_set(target, stack, template, kind, use_previous=False)
            if change_set is None:
                return InstanceResult(target.name, "unchanged", outputs=self.outputs(target.app, target.name) or {})
            described = self._wait_change_set(name, change_set)
            if described["Status"] == "FAILED":
                self._delete_change_set(name, change_set)
                if _is_empty(described):
                    return InstanceResult(target.name, "unchanged", outputs=self.outputs(target.app, target.name) or {})
                return InstanceResult(
                    target.name,
                    "failed",
                    message=f"CloudFormation refuses the change set: {described.get('StatusReason')}",
                )
            planned = InstancePlan(target.name, name, "create" if creating else "update", _changes(described))
            changed = not_as_approved(approved, planned)
            if changed is not None:
                self._delete_change_set(name, change_set)
                return InstanceResult(target.name, "failed", message=changed)
            if planned.destructive and not allow_replace and not creating:
                self._delete_change_set(name, change_set)
                from infrakit._deploy import _refusal

                return InstanceResult(target.name, "failed", message=_refusal(planned))
            final, events = self._execute(name, change_set, creating, report)
            if final in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                done: Status = "created" if final == "CREATE_COMPLETE" else "updated"
                return InstanceResult(target.name, done, outputs=self.outputs(target.app, target.name) or {})
            return InstanceResult(target.name, "failed", message=_failure(name, final, events))
        except _boto_errors() as exc:
            return InstanceResult(target.name, "failed", message=f"stack {name}: {_error_text(exc)}{_hint(exc)}")

    def outputs(self, app: str, name: str) -> dict[str, str] | None:
        with _as_deploy_error(f"reading the outputs of {name} (stack {stack_name(app, name)})"):
            return self.outputs_of(stack_name(app, name))

    def outputs_of(self, name: str) -> dict[str, str] | None:
        """The outputs of stack ``name``; ``None`` when it is not deployed."""
        stack = self._stack(name)
        if stack is None or stack["StackStatus"] in ("REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "DELETE_COMPLETE"):
            return None
        return _outputs(stack)

    def destroy(self, target: Target, *, report: Report) -> InstanceResult:
        name = stack_name(target.app, target.name)
        try:
            stack = self._stack(name)
            if stack is None:
                return InstanceResult(target.name, "unchanged", message="not deployed")
            final, events = self._delete_and_wait(stack, report)
        except _boto_errors() as exc:
            return InstanceResult(target.name, "failed", message=f"stack {name}: {_error_text(exc)}{_hint(exc)}")
        if final == "DELETE_COMPLETE":
            return InstanceResult(target.name, "deleted")
        return InstanceResult(target.name, "failed", message=_failure(name, final, events))

    # --- stacks and change sets ------------------------------------------------------

    def _same_as_deployed(self, target: Target, stack: dict[str, Any], template: dict[str, Any]) -> bool:
        """Whether the stack already holds exactly this template, these parameter values and
        infrakit's tags: then CloudFormation would find an empty change set, and the change
        set (three API calls) is skipped. Undecidable cases (a secret value, which
        CloudFormation shows masked, or a stack that is not settled) take the change set."""
        if not stack["StackStatus"].endswith("_COMPLETE") or stack["StackStatus"] == "ROLLBACK_COMPLETE":
            return False
        declared = template.get("Parameters") or {}
        if any(p.secret for p in target.entry.parameters.values()) or any(
            isinstance(d, dict) and d.get("NoEcho") for d in declared.values()
        ):
            return False
        tags = {t["Key"]: t["Value"] for t in stack.get("Tags") or []}
        if tags.get("infrakit:app") != target.app or tags.get("infrakit:instance") != target.name:
            return False
        deployed = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters") or []}
        expected: dict[str, Any] = {}
        for key, declaration in declared.items():
            if key in target.parameters:
                expected[key] = target.parameters[key]
            elif isinstance(declaration, dict) and "Default" in declaration:
                default = declaration["Default"]
                expected[key] = ",".join(map(str, default)) if isinstance(default, list) else str(default)
            else:
                return False
        if deployed != expected:
            return False
        body = self.cfn.get_template(StackName=stack["StackId"], TemplateStage="Original").get("TemplateBody")
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError:
                return False
        return bool(body == template)

    #: Below this many instances a run looks each stack up by name; from it on, one paginated
    #: DescribeStacks lists them all first (a no-op redeploy of 50 then costs 50 GetTemplate
    #: calls and a few list pages instead of 100 calls).
    prefetch_from = 8

    def prefetch(self, app: str, names: Iterable[str]) -> None:
        """Optional part of the deployer protocol: look the stacks of ``names`` up in one
        listing; each one's first lookup in this run is then answered from it."""
        wanted = {stack_name(app, n) for n in names}
        if len(wanted) < self.prefetch_from:
            return
        found: dict[str, dict[str, Any]] = {}
        with _as_deploy_error(f"listing the stacks of {app}"):
            for page in self.cfn.get_paginator("describe_stacks").paginate():
                for stack in page.get("Stacks", []):
                    if stack.get("StackName") in wanted and stack.get("StackStatus") != "DELETE_COMPLETE":
                        found[stack["StackName"]] = stack
        with self._prefetch_lock:
            self._prefetched.update({name: found.get(name) for name in wanted})

    def _stack(self, name: str) -> dict[str, Any] | None:
        with self._prefetch_lock:
            if name in self._prefetched:
                return self._prefetched.pop(name)
        ClientError = _client_error()
        try:
            stacks = self.cfn.describe_stacks(StackName=name)["Stacks"]
        except ClientError as exc:
            if "does not exist" in _error_text(exc):
                return None
            raise
        live = [s for s in stacks if s.get("StackStatus") != "DELETE_COMPLETE"]
        return live[0] if live else None

    def _template_argument(self, target: Target, text: str) -> dict[str, str]:
        data = text.encode("utf-8")
        if len(data) <= TEMPLATE_BODY_LIMIT:
            return {"TemplateBody": text}
        bucket = self.asset_bucket(
            f"instance {target.name!r}: its template is {len(data)} bytes, over "
            f"CloudFormation's {TEMPLATE_BODY_LIMIT}-byte inline limit, so it goes through "
            "the asset bucket"
        )
        key = f"templates/{hashlib.sha256(data).hexdigest()}{Path(target.entry.template).suffix}"
        self._put_once(bucket, key, data)
        return {"TemplateURL": f"https://s3.{self.region}.amazonaws.com/{bucket}/{key}"}

    def _create_change_set(
        self, target: Target, stack: dict[str, Any] | None, template: dict[str, Any], kind: str, *, use_previous: bool
    ) -> str | None:
        """Create a change set; its name, or ``None`` when the endpoint says there is nothing
        to change."""
        name = stack_name(target.app, target.name)
        change_set = f"infrakit-{uuid.uuid4().hex}"
        known = set((template.get("Parameters") or {}).keys())
        parameters: list[dict[str, Any]] = [
            {"ParameterKey": k, "ParameterValue": v} for k, v in sorted(target.parameters.items()) if k in known
        ]
        if use_previous and stack is not None:
            given = set(target.parameters)
            deployed = {p["ParameterKey"] for p in stack.get("Parameters") or []}
            parameters += [
                {"ParameterKey": k, "UsePreviousValue": True}
                for k in sorted(known - given)
                if k in deployed
                and (target.entry.parameters.get(k) is None or target.entry.parameters[k].default is None)
            ]
        text = target.template_path.read_text(encoding="utf-8")
        try:
            self.cfn.create_change_set(
                StackName=name,
                ChangeSetName=change_set,
                ChangeSetType=kind,
                Parameters=parameters,
                Capabilities=capabilities(template),
                Tags=[{"Key": "infrakit:app", "Value": target.app}, {"Key": "infrakit:instance", "Value": target.name}],
                Description=f"infrakit deploy of {target.name}",
                **self._template_argument(target, text),
            )
        except _client_error() as exc:
            # Some endpoints refuse an empty update outright instead of failing the change set.
            if any(text in _error_text(exc) for text in _NO_CHANGES):
                return None
            raise
        return change_set

    def _pauses(self) -> Iterator[None]:
        """Yields at once, then after each pause: ``poll`` seconds, growing up to ``max_poll``."""
        delay = self.poll
        while True:
            yield
            time.sleep(delay)
            delay = min(delay * 1.5, self.max_poll)

    def _wait_change_set(self, name: str, change_set: str) -> dict[str, Any]:
        for _ in self._pauses():
            described: dict[str, Any] = self.cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
            token = described.get("NextToken")
            while token:  # a big change set comes in pages
                more = self.cfn.describe_change_set(StackName=name, ChangeSetName=change_set, NextToken=token)
                described["Changes"] = [*described.get("Changes", []), *more.get("Changes", [])]
                token = more.get("NextToken")
            if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
                return described
        raise AssertionError("unreachable: _pauses never ends")

    def _delete_change_set(self, name: str, change_set: str) -> None:
        try:
            self.cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
        except _client_error():
            pass  # already gone (executed or never created): nothing to clean up

    def _event_ids(self, name: str) -> set[str]:
        events = self.cfn.describe_stack_events(StackName=name).get("StackEvents", [])
        return {e["EventId"] for e in events}

    def _execute(self, name: str, change_set: str, creating: bool, report: Report) -> tuple[str, list[dict[str, Any]]]:
        """Execute a described change set of stack ``name`` and wait for the stack to settle."""
        seen = set() if creating else self._event_ids(name)
        self.cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
        return self._wait_stack(name, seen, report)

    def _settled_or_gone(self, name: str, report: Report) -> dict[str, Any] | None:
        """Stack ``name``, or ``None`` when it does not exist or was left ``ROLLBACK_COMPLETE``
        by a failed first create (it cannot be updated: it is deleted, saying so)."""
        stack = self._stack(name)
        if stack is not None and stack["StackStatus"] == "ROLLBACK_COMPLETE":
            report(f"stack {name} is in ROLLBACK_COMPLETE after a failed first create: deleting it to create it again")
            self._delete_and_wait(stack, report)
            return None
        return stack

    def _delete_and_wait(self, stack: dict[str, Any], report: Report) -> tuple[str, list[dict[str, Any]]]:
        # By id: once deleted, a stack's name no longer finds it.
        seen = self._event_ids(stack["StackId"])
        self.cfn.delete_stack(StackName=stack["StackId"])
        return self._wait_stack(stack["StackId"], seen, report)

    def _wait_stack(self, stack: str, seen: set[str], report: Report) -> tuple[str, list[dict[str, Any]]]:
        """Report the new events of ``stack`` (a name or a stack id) until it settles; its final
        status (``DELETE_COMPLETE`` once it is gone) and the events reported."""
        events: list[dict[str, Any]] = []
        for _ in self._pauses():
            try:
                status = self.cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
                found = self.cfn.describe_stack_events(StackName=stack).get("StackEvents", [])
            except _client_error() as exc:
                if "does not exist" in _error_text(exc):
                    return "DELETE_COMPLETE", events
                raise
            for event in reversed([e for e in found if e["EventId"] not in seen]):  # the API lists the newest first
                seen.add(event["EventId"])
                events.append(event)
                report(_event_line(event))
            if not str(status).endswith("_IN_PROGRESS"):
                return str(status), events
        raise AssertionError("unreachable: _pauses never ends")

    # --- assets ----------------------------------------------------------------------

    @property
    def _s3(self) -> Any:
        # Created on first use: most deploys upload nothing, and a client costs ~50 ms of CPU.
        with self._s3_lock:
            if self._s3_client is None:
                self._s3_client = _s3_client(self._session, self._config)
            return self._s3_client

    def asset_bucket(self, why: str = "") -> str:
        """The bucket of the bootstrap stack (``infrakit bootstrap``)."""
        if self._asset_bucket is None:
            stack = self._stack(BOOTSTRAP_STACK)
            outputs = {o["OutputKey"]: o.get("OutputValue") for o in (stack or {}).get("Outputs") or []}
            bucket = outputs.get("AssetBucket")
            if not bucket:
                raise DeployError(
                    f"{why}{'; ' if why else ''}no asset bucket in {self.region}: run `infrakit bootstrap"
                    f" --region {self.region}` once for this account and region"
                )
            self._asset_bucket = str(bucket)
        return self._asset_bucket

    def _put_once(self, bucket: str, key: str, data: bytes | Path) -> bool:
        """Upload an object unless it is there already (content-addressed keys); whether it
        was uploaded."""
        ClientError = _client_error()
        try:
            self._s3.head_object(Bucket=bucket, Key=key)
            return False
        except ClientError as exc:
            if str(getattr(exc, "response", {}).get("Error", {}).get("Code")) not in ("404", "NoSuchKey", "NotFound"):
                raise
        body = data.read_bytes() if isinstance(data, Path) else data
        self._s3.put_object(Bucket=bucket, Key=key, Body=body)
        self.uploaded.append(f"{bucket}/{key}")
        return True

    def _upload_assets(self, target: Target, report: Report) -> None:
        if not target.entry.assets:
            return
        bucket = self.asset_bucket(f"instance {target.name!r} uses assets")
        for asset_id in target.entry.assets:
            asset = target.assets.get(asset_id)
            if asset is None:
                raise DeployError(
                    f"instance {target.name!r} uses asset {asset_id}, which the manifest's assets do not list: "
                    "synthesize the assembly again"
                )
            key = asset_key(asset.path)
            if self._put_once(bucket, key, target.directory / asset.path):
                report(f"uploaded asset {asset.source or asset.path} to s3://{bucket}/{key}")


_S3: dict[int, Any] = {}


def _s3_client(session: Any, config: Any) -> Any:
    """The S3 client of a cached session (made once, like the CloudFormation client)."""
    with _CLIENTS_LOCK:
        client = _S3.get(id(session))
        if client is None:
            client = _S3[id(session)] = session.client("s3", config=config)
        return client


def _read_template(path: Path) -> dict[str, Any]:
    from infrakit._manifest import read_template

    try:
        return read_template(path)
    except AssemblyError as exc:
        raise DeployError(str(exc)) from None


def _outputs(stack: Mapping[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs") or []}


def _is_empty(described: Mapping[str, Any]) -> bool:
    reason = str(described.get("StatusReason") or "")
    return any(text in reason for text in _NO_CHANGES)


def _changes(described: Mapping[str, Any]) -> tuple[ResourceChange, ...]:
    result: list[ResourceChange] = []
    for change in described.get("Changes") or []:
        rc = change.get("ResourceChange") or {}
        if not rc:
            continue
        properties = sorted(
            {
                str((d.get("Target") or {}).get("Name") or (d.get("Target") or {}).get("Path", "")).lstrip("/")
                for d in rc.get("Details") or []
                if (d.get("Target") or {}).get("Attribute") == "Properties"
            }
            - {""}
        )
        replacement = rc.get("Replacement") or "False"
        result.append(
            ResourceChange(
                logical_id=rc.get("LogicalResourceId", ""),
                type=rc.get("ResourceType", ""),
                action=_ACTION.get(str(rc.get("Action")), "Modify"),
                replacement=_REPLACEMENT.get(str(replacement), "False"),
                properties=tuple(properties),
            )
        )
    return tuple(sorted(result, key=lambda c: c.logical_id))


_REPLACEMENT: dict[str, Literal["True", "False", "Conditional"]] = {
    "True": "True",
    "False": "False",
    "Conditional": "Conditional",
}
_ACTION: dict[str, Literal["Add", "Modify", "Remove"]] = {"Add": "Add", "Modify": "Modify", "Remove": "Remove"}


def _event_line(event: Mapping[str, Any]) -> str:
    reason = event.get("ResourceStatusReason")
    line = f"{event.get('ResourceStatus', '')} {event.get('LogicalResourceId', '')} ({event.get('ResourceType', '')})"
    return f"{line}: {reason}" if reason else line


def _failure(name: str, final: str, events: Iterable[Mapping[str, Any]]) -> str:
    failing = [
        f"{e.get('LogicalResourceId')} ({e.get('ResourceType')}): {e.get('ResourceStatusReason') or 'no reason given'}"
        for e in events
        if str(e.get("ResourceStatus", "")).endswith("_FAILED")
    ]
    detail = "; ".join(failing) if failing else "no failing resource event was reported"
    return f"stack {name} ended {final}: {detail}"


# --- bootstrap ------------------------------------------------------------------------

BOOTSTRAP_TEMPLATE: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "infrakit bootstrap: the bucket that holds assets and large templates",
    "Resources": {
        "AssetBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "Tags": [{"Key": "infrakit:app", "Value": "infrakit-bootstrap"}],
            },
        }
    },
    "Outputs": {
        "AssetBucket": {
            "Description": "The asset bucket",
            "Value": {"Ref": "AssetBucket"},
            "Export": {"Name": ASSET_BUCKET_EXPORT},
        }
    },
}


def bootstrap(settings: DeploySettings | None = None, *, report: Report | None = None) -> InstanceResult:
    """Create (or bring up to date) the bootstrap stack with the asset bucket: versioned,
    encrypted (SSE-S3), all public access blocked, kept when the stack is deleted."""
    with _as_deploy_error(f"bootstrap (stack {BOOTSTRAP_STACK})"):
        return _bootstrap(AwsDeployer(settings), report or (lambda _line: None))


def _bootstrap(deployer: AwsDeployer, say: Report) -> InstanceResult:
    stack = deployer._settled_or_gone(BOOTSTRAP_STACK, say)
    creating = stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    change_set = f"infrakit-{uuid.uuid4().hex}"
    deployer.cfn.create_change_set(
        StackName=BOOTSTRAP_STACK,
        ChangeSetName=change_set,
        ChangeSetType="CREATE" if creating else "UPDATE",
        TemplateBody=json.dumps(BOOTSTRAP_TEMPLATE, indent=1, sort_keys=True),
        Tags=[{"Key": "infrakit:app", "Value": "infrakit-bootstrap"}],
    )
    described = deployer._wait_change_set(BOOTSTRAP_STACK, change_set)
    if described["Status"] == "FAILED":
        deployer._delete_change_set(BOOTSTRAP_STACK, change_set)
        if _is_empty(described):
            return InstanceResult(BOOTSTRAP_STACK, "unchanged", outputs=deployer.outputs_of(BOOTSTRAP_STACK) or {})
        return InstanceResult(BOOTSTRAP_STACK, "failed", message=str(described.get("StatusReason")))
    final, events = deployer._execute(BOOTSTRAP_STACK, change_set, creating, say)
    if final in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        done: Status = "created" if creating else "updated"
        return InstanceResult(BOOTSTRAP_STACK, done, outputs=deployer.outputs_of(BOOTSTRAP_STACK) or {})
    return InstanceResult(BOOTSTRAP_STACK, "failed", message=_failure(BOOTSTRAP_STACK, final, events))
