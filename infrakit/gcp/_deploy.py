"""Deploying compute templates: infrakit is the engine, through ``google.cloud.compute_v1``.

One :class:`GcpDeployer` per deploy run (the orchestration in ``infrakit._deploy`` calls it
from several threads, one instance each). For one instance it

1. reads the instance's **state** from the project (below) and takes its lock;
2. reads every resource of the template from the API, resolves ``$(params.x)`` and
   ``$(ref.NAME.path)`` (any field of a deployed resource, nested paths included:
   ``networkInterfaces[0].accessConfigs[0].natIP``) and works out the plan: ``Add``,
   ``Modify`` (with the in-place methods the kind's client has, from the generated table
   ``infrakit.gcp._methods``), a replacement, or ``Remove`` for a resource the state owns that
   the template no longer has;
3. refuses a plan that replaces or removes a resource unless ``allow_replace``;
4. applies it in dependency order (replacements and removals deleted dependents first),
   waiting on each zonal, regional or global operation; an operation's errors are reported
   (resource, code, message) and the resources that depend on the failed one are skipped;
5. writes the new state and releases the lock.

**Names**: resource ``net`` of instance ``web-dev`` is ``web-dev-net`` in the project
(:mod:`infrakit.gcp._names`).

**State** lives in the project, so that every machine sees it: one item of the project's
common instance metadata per instance, ``infrakit-<app>--<instance>``, holding the
resources the instance owns (type, name, location, a salted digest of each field as last
applied — no values, so no secret; scrypt for a field holding a secret), its outputs, a
serial and a lock. The metadata has one fingerprint, and ``setCommonInstanceMetadata``
refuses a stale one (412), so each write is
a compare-and-swap: a deploy takes the lock in one, releases it with the new state in
another, and a concurrent deploy of the same instance fails with a clear error instead of
winning too. Writes for other instances that race with ours are merged and retried.

Retried with backoff: 429, 500, 502, 503, 504, rate-limit 403s and dropped connections.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import os
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs

from infrakit._deploy import (
    DeploySettings,
    InstancePlan,
    InstanceResult,
    Report,
    ResourceChange,
    Target,
    not_as_approved,
)
from infrakit._manifest import read_template
from infrakit.errors import AssemblyError, DeployError
from infrakit.gcp._client import api_path, message_json, request_message
from infrakit.gcp._names import deployed_name, fit

__all__ = ["ENDPOINT_ENV", "GcpDeployer", "choose_methods", "state_key"]

#: The environment variable naming a Compute endpoint (``http://127.0.0.1:PORT`` for the local server).
ENDPOINT_ENV = "INFRAKIT_COMPUTE_ENDPOINT"
_PLACEHOLDER = re.compile(r"\$\((ref|params)\.([^.()]+)(?:\.([^()]+))?\)")
_WHOLE = re.compile(r"^\$\((ref|params)\.([^.()]+)(?:\.([^()]+))?\)$")
_PATH_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_STATE_VERSION = 1
_T = TypeVar("_T")


class _Unknown:
    """A value not known before deploying (a field of a resource about to be created)."""

    def __repr__(self) -> str:
        return "<known after deploy>"


UNKNOWN = _Unknown()


def state_key(app: str, instance: str) -> str:
    """The project metadata key holding an instance's state: ``infrakit-<app>--<instance>``
    (beyond the 128 characters a key may have, cut and ended with a digest, as long names are)."""
    return fit(re.sub(r"[^A-Za-z0-9_-]", "-", f"infrakit-{app}--{instance}"), 128)


# --- choosing how to change a resource -------------------------------------------------


def choose_methods(type_name: str, changed: set[str]) -> list[tuple[Any, ...]] | None:
    """The in-place methods that make the ``changed`` fields (JSON names) of a deployed
    ``type_name`` resource, or ``None`` when it must be replaced.

    A field is replaced when it is where the resource lives (``zone`` / ``region``), or one the
    API documents as fixed at creation, or one no method changes (a network's ``patch`` changes
    only ``routingConfig``, so its description is fixed); else the kind's setters come first
    (``setLabels`` for ``labels``, ``setMetadata`` for ``metadata``, ...), then ``patch``, then
    ``update`` (the order of the generated table, ``infrakit.gcp._methods``).
    """
    from infrakit.gcp._methods import KINDS as METHODS
    from infrakit.gcp._types import KINDS

    _client, _name, _parents, _body, methods, fixed = METHODS[type_name]
    scope = KINDS[type_name][1]
    if changed & {scope, "name", *fixed}:
        return None
    chosen: list[tuple[Any, ...]] = []
    left = set(changed)
    for method in methods:
        mode, fields = method[3], method[4]
        # A setter covers its fields; patch and update every field, unless their documentation
        # names the few they change (a network's patch: only routingConfig).
        covered = left & set(fields) if mode in ("field", "merge") or fields else set(left)
        if covered:
            chosen.append(method)
            left -= covered
    return chosen if not left else None


# --- templates ---------------------------------------------------------------------------


@attrs.define
class _Resource:
    name: str  # in the template
    type: str
    properties: dict[str, Any]
    deployed: str  # in the project
    message: str
    scope: str
    collection: str
    depends: list[str]  # resources it references or names in dependsOn
    refs: list[str]  # resources it references (their values flow into it)


def _placeholders(value: Any) -> Iterator[tuple[str, str, str | None]]:
    if isinstance(value, str):
        for match in _PLACEHOLDER.finditer(value):
            yield match.group(1), match.group(2), match.group(3)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _placeholders(item)
    elif isinstance(value, list):
        for item in value:
            yield from _placeholders(item)


def _read_template(target: Target) -> tuple[list[_Resource], dict[str, Any], list[dict[str, Any]]]:
    from infrakit.gcp._methods import KINDS as METHODS
    from infrakit.gcp._types import KINDS

    try:
        body = read_template(target.template_path)
    except AssemblyError as exc:
        raise DeployError(f"instance {target.name!r}: {exc}") from None
    resources: list[_Resource] = []
    for item in body.get("resources", []):
        type_name = item.get("type")
        if type_name not in KINDS:
            raise DeployError(f"instance {target.name!r}: resource {item.get('name')!r}: unknown type {type_name!r}")
        parents = METHODS[type_name][2]
        if parents:
            raise DeployError(
                f"instance {target.name!r}: resource {item['name']!r}: {type_name} is created under another resource "
                f"({', '.join(parents)}), which a compute template cannot say; infrakit cannot deploy it"
            )
        message, scope, collection = KINDS[type_name]
        properties = dict(item.get("properties") or {})
        refs = list(dict.fromkeys(n for kind, n, _f in _placeholders(properties) if kind == "ref"))
        explicit = list((item.get("metadata") or {}).get("dependsOn") or [])
        resources.append(
            _Resource(
                name=item["name"],
                type=type_name,
                properties=properties,
                deployed=deployed_name(target.name, item["name"]),
                message=message,
                scope=scope,
                collection=collection,
                depends=list(dict.fromkeys(refs + explicit)),
                refs=refs,
            )
        )
    parameters = {p["name"]: p for p in body.get("parameters", [])}
    return resources, parameters, list(body.get("outputs", []))


def _parameter_values(target: Target, declared: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter's value, typed as the template declares it (the deploy passes text)."""
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in target.parameters:
            values[name] = _typed(target.parameters[name], spec, f"{target.name}.{name}")
        elif "default" in spec:
            values[name] = spec["default"]
        else:
            raise DeployError(f"{target.name}.{name}: the parameter has no value; give one with --parameter")
    return values


def _typed(text: str, spec: Mapping[str, Any], where: str) -> Any:
    kind = spec.get("type", "string")
    try:
        if kind == "array":
            item = spec.get("items") or {"type": "string"}
            return [_typed(part, item, where) for part in text.split(",")] if text else []
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
    except ValueError:
        raise DeployError(
            f"{where}: expected a value of type {kind}, got {'****' if spec.get('secret') else text!r}"
        ) from None
    return text


def _walk(value: Any, path: str, where: str) -> Any:
    """``value``'s field at ``path`` (``networkInterfaces[0].accessConfigs[0].natIP``)."""
    current = value
    for match in _PATH_TOKEN.finditer(path):
        key, index = match.group(1), match.group(2)
        if isinstance(current, _Unknown):
            return current
        try:
            current = current[key] if key is not None else current[int(index)]
        except (KeyError, IndexError, TypeError):
            raise DeployError(
                f"{where}: the deployed resource has no {path} (no value at {match.group(0)!r})"
            ) from None
    return current


# --- the deployer -------------------------------------------------------------------------


_F = TypeVar("_F", bound=Callable[..., Any])


def _api_errors(method: _F) -> _F:
    """An API error that ends a whole step (reading the state, a lock) becomes a DeployError
    with its status, reason and message: the user sees what the API said, not a traceback."""
    import functools

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        from google.api_core.exceptions import GoogleAPICallError

        try:
            return method(self, *args, **kwargs)
        except GoogleAPICallError as exc:
            first = args[0] if args else None
            name = getattr(first, "name", None) or (args[1] if len(args) > 1 else "?")
            raise DeployError(
                f"instance {name!r}: the Compute API refused a request of project {self.project!r}: {_why(exc)}"
            ) from None

    return wrapper  # type: ignore[return-value]


class _OperationFailed(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class GcpDeployer:
    """Deploys GCP instances through ``google.cloud.compute_v1`` (REST transport).

    The project comes from ``settings.project``, ``GOOGLE_CLOUD_PROJECT`` or the Google auth
    chain (``google.auth.default()``); the endpoint from ``settings.gcp_endpoint`` or
    ``INFRAKIT_COMPUTE_ENDPOINT`` (an ``http://`` loopback endpoint, such as
    :func:`infrakit.testing.compute_server`'s, uses anonymous credentials).
    """

    #: Seconds before the first retry of a transient error (doubling, at most ``retries`` times).
    backoff = 0.5
    retries = 6

    def __init__(self, settings: DeploySettings | None = None) -> None:
        try:
            from google.cloud import compute_v1  # google-cloud-compute loads only when deploying
        except ImportError as exc:
            raise DeployError(
                f"deploying GCP instances needs google-cloud-compute, which is not installed ({exc}): "
                "pip install 'infrakit[gcp]'"
            ) from None

        self._compute_v1 = compute_v1
        self.settings = settings or DeploySettings()
        self.endpoint = self.settings.gcp_endpoint or os.environ.get(ENDPOINT_ENV) or None
        self._credentials: Any = None
        self.project = self._project()
        self._local = threading.local()
        self._run = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    # --- connection --------------------------------------------------------------------

    def _project(self) -> str:
        if self.endpoint and _loopback_http(self.endpoint):
            from google.auth.credentials import AnonymousCredentials

            self._credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
        elif self.endpoint and self.endpoint.startswith("http://"):
            raise DeployError(
                f"the Compute endpoint {self.endpoint} is plain http on a non-loopback host; use https, or "
                "127.0.0.1 for a local server"
            )
        project = self.settings.project or os.environ.get("GOOGLE_CLOUD_PROJECT")
        if project:
            return project
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            credentials, project = google.auth.default()
        except DefaultCredentialsError as exc:
            raise DeployError(
                "no Google Cloud project: pass --project (project=), set GOOGLE_CLOUD_PROJECT, or log in with "
                f"`gcloud auth application-default login` ({exc})"
            ) from None
        if self._credentials is None:
            self._credentials = credentials
        if not project:
            raise DeployError("no Google Cloud project: pass --project (project=) or set GOOGLE_CLOUD_PROJECT")
        return str(project)

    def _client(self, name: str) -> Any:
        """A ``compute_v1`` client, one per thread (a client's HTTP session is not shared)."""
        clients: dict[str, Any] = self._local.__dict__.setdefault("clients", {})
        client = clients.get(name)
        if client is None:
            options = {"api_endpoint": self.endpoint} if self.endpoint else None
            client = clients[name] = getattr(self._compute_v1, name)(
                credentials=self._credentials, transport="rest", client_options=options
            )
        return client

    def _call(self, what: str, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Call the API, retrying transient errors with exponential backoff."""
        from google.api_core import exceptions

        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return function(*args, **kwargs)
            except exceptions.GoogleAPICallError as exc:
                reasons = {str(e.get("reason", "")) for e in (exc.errors or []) if isinstance(e, dict)}
                transient = exc.code in (429, 500, 502, 503, 504) or (
                    exc.code == 403 and reasons & {"rateLimitExceeded", "userRateLimitExceeded"}
                )
                if not transient or attempt == self.retries:
                    raise
            except (ConnectionError, OSError) as exc:
                if attempt == self.retries:
                    raise DeployError(
                        f"{what}: cannot reach the Compute API at {self.endpoint or 'Google'}: {exc}"
                    ) from None
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def _change_call(self, what: str, client: Any, method: str, **fields: Any) -> Any:
        """Call a method that changes something, with one ``requestId`` for every retry of it:
        the API carries a request out once, however often a lost answer makes us send it."""
        request = request_message(type(client), method)(**fields)
        if "request_id" in type(request).meta.fields:
            request.request_id = str(uuid.uuid4())
        function = getattr(client, f"{method}_unary", None) or getattr(client, method)
        return self._call(what, function, request=request)

    def _wait(self, operation: Any, where: tuple[str, str]) -> None:
        """Wait for an operation; raise :class:`_OperationFailed` with its errors."""
        scope, location = where
        status = self._compute_v1.Operation.Status
        while operation.status != status.DONE:
            if scope == "zone":
                client, extra = self._client("ZoneOperationsClient"), {"zone": location}
            elif scope == "region":
                client, extra = self._client("RegionOperationsClient"), {"region": location}
            else:
                client, extra = self._client("GlobalOperationsClient"), {}
            operation = self._call("wait", client.wait, project=self.project, operation=operation.name, **extra)
        if operation.error and operation.error.errors:
            text = "; ".join(f"{e.code}: {e.message}" for e in operation.error.errors)
            raise _OperationFailed(text)

    # --- reading -----------------------------------------------------------------------

    def _where(self, resource: _Resource, values: Mapping[str, Any], lives: Mapping[str, Any]) -> tuple[str, str]:
        if resource.scope == "global":
            return "global", ""
        location = self._resolve(resource.properties.get(resource.scope), values, lives, resource.name)
        if not isinstance(location, str) or not location:
            raise DeployError(f"resource {resource.name!r}: no {resource.scope} to create it in")
        return resource.scope, location.rsplit("/", 1)[-1]

    def _get(self, type_name: str, name: str, where: tuple[str, str]) -> dict[str, Any] | None:
        from google.api_core import exceptions

        from infrakit.gcp._methods import KINDS as METHODS

        client_name, name_field = METHODS[type_name][0], METHODS[type_name][1]
        kwargs = {"project": self.project, name_field: name}
        if where[0] != "global":
            kwargs[where[0]] = where[1]
        try:
            found = self._call(f"get {name}", self._client(client_name).get, **kwargs)
        except exceptions.NotFound:
            return None
        return message_json(found)

    def _resolve(self, value: Any, values: Mapping[str, Any], lives: Mapping[str, Any], where: str) -> Any:
        """``value`` with placeholders replaced: a whole-value placeholder keeps its type, one
        inside a string is written into it."""
        if isinstance(value, str):
            whole = _WHOLE.match(value)
            if whole:
                return self._lookup(whole.group(1), whole.group(2), whole.group(3), values, lives, where)
            if "$(" not in value:
                return value
            parts: list[Any] = []

            def substitute(match: re.Match[str]) -> str:
                found = self._lookup(match.group(1), match.group(2), match.group(3), values, lives, where)
                parts.append(found)
                return found if isinstance(found, str) else json.dumps(found)

            text = _PLACEHOLDER.sub(substitute, value)
            return UNKNOWN if any(isinstance(p, _Unknown) for p in parts) else text
        if isinstance(value, dict):
            return {k: self._resolve(v, values, lives, where) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, values, lives, where) for v in value]
        return value

    @staticmethod
    def _lookup(
        kind: str, name: str, path: str | None, values: Mapping[str, Any], lives: Mapping[str, Any], where: str
    ) -> Any:
        if kind == "params":
            if name not in values:
                raise DeployError(f"resource {where!r}: $(params.{name}) names no parameter of the template")
            return values[name]
        if name not in lives:
            raise DeployError(f"resource {where!r}: $(ref.{name}.{path}) names no resource of the template")
        live = lives[name]
        if live is None or isinstance(live, _Unknown):
            return UNKNOWN
        return _walk(live, path or "selfLink", f"resource {where!r}: $(ref.{name}.{path})")

    # --- state ---------------------------------------------------------------------------

    def _read_state(self, app: str, name: str) -> tuple[dict[str, Any] | None, Any]:
        project = self._call("read the state", self._client("ProjectsClient").get, project=self.project)
        metadata = project.common_instance_metadata
        key = state_key(app, name)
        for item in metadata.items:
            if item.key == key:
                try:
                    state = json.loads(item.value)
                except ValueError:
                    state = None
                if not isinstance(state, dict) or not isinstance(state.get("resources"), list):
                    raise DeployError(
                        f"instance {name!r}: the project metadata item {key!r} is not infrakit state; remove it "
                        "or rename the instance"
                    )
                return state, metadata
        return None, metadata

    def _write_state(
        self, app: str, name: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Compare-and-swap the instance's state: ``change`` maps the current state to the new
        one (or raises); a write that lost a race with another instance's write is redone."""
        from google.api_core import exceptions

        key = state_key(app, name)
        for _attempt in range(30):
            current, metadata = self._read_state(app, name)
            new = change(copy.deepcopy(current))
            items = [self._compute_v1.Items(key=i.key, value=i.value) for i in metadata.items if i.key != key]
            if new is not None:
                text = json.dumps(new, sort_keys=True, separators=(",", ":"))
                items.append(self._compute_v1.Items(key=key, value=text))
            body = self._compute_v1.Metadata(fingerprint=metadata.fingerprint, items=items)
            try:
                operation = self._change_call(
                    "write the state",
                    self._client("ProjectsClient"),
                    "set_common_instance_metadata",
                    project=self.project,
                    metadata_resource=body,
                )
            except exceptions.PreconditionFailed:
                time.sleep(0.01 + secrets.randbelow(50) / 1000)  # another write won: read again, merge, retry
                continue
            try:
                self._wait(operation, ("global", ""))
            except _OperationFailed as exc:
                raise DeployError(
                    f"instance {name!r}: cannot write its state to the project metadata: {exc.text}"
                ) from None
            return new
        raise DeployError(f"instance {name!r}: the project metadata kept changing; could not write the state")

    def _lock(self, app: str, name: str) -> dict[str, Any]:
        run = self._run

        def take(current: dict[str, Any] | None) -> dict[str, Any]:
            state = current or {
                "version": _STATE_VERSION,
                "app": app,
                "instance": name,
                "serial": 0,
                "salt": secrets.token_hex(8),
                "resources": [],
                "outputs": {},
            }
            _check_locked(state, name, run)
            state["serial"] += 1
            state["lock"] = {"run": run, "since": _now()}
            return state

        taken = self._write_state(app, name, take)
        assert taken is not None
        return taken

    def _release(self, app: str, name: str, serial: int, final: dict[str, Any] | None) -> None:
        run = self._run

        def put(current: dict[str, Any] | None) -> dict[str, Any] | None:
            lock = (current or {}).get("lock") or {}
            if current is None or lock.get("run") != run or current.get("serial") != serial:
                holder = lock.get("run", "nobody")
                raise DeployError(
                    f"instance {name!r}: its state changed while this deploy ran (lock now held by {holder}, serial "
                    f"{(current or {}).get('serial')} instead of {serial}): another run took it over, so this run's "
                    "record of what it changed was not written; run `infrakit plan` to see where things stand, then "
                    "deploy again"
                )
            if final is None:
                return None
            final["serial"] = serial + 1
            final.pop("lock", None)
            return final

        self._write_state(app, name, put)

    def unlock(self, app: str, name: str) -> None:
        """Release the lock of an instance whose deploy died (a crashed or killed run)."""

        def clear(current: dict[str, Any] | None) -> dict[str, Any] | None:
            if current is not None:
                current.pop("lock", None)
                current["serial"] = current.get("serial", 0) + 1
            return current

        self._write_state(app, name, clear)

    # --- planning ------------------------------------------------------------------------

    def _analyse(self, target: Target, state: dict[str, Any] | None) -> _Analysis:
        resources, declared, outputs = _read_template(target)
        values = _parameter_values(target, declared)
        owned = {r["name"]: r for r in (state or {}).get("resources", [])}
        salt = (state or {}).get("salt", "")
        lives: dict[str, Any] = {}
        analysis = _Analysis(
            resources=resources, values=values, outputs=outputs, owned=owned, lives=lives, hidden=_hidden_forms(target)
        )
        pending: set[str] = set()  # resources whose values change: created or replaced
        for resource in resources:
            where = self._where(resource, values, lives)
            analysis.where[resource.name] = where
            live = self._get(resource.type, resource.deployed, where)
            record = owned.get(resource.name)
            if record is not None and (record["type"] != resource.type or record["deployed"] != resource.deployed):
                record = None  # the template's resource of that name is another one now: the old one is removed
            if live is None:
                lives[resource.name] = UNKNOWN
                analysis.actions[resource.name] = ("create", [], [])
                pending.add(resource.name)
                continue
            if record is None:
                raise DeployError(
                    f"instance {target.name!r}: resource {resource.name!r} ({resource.type}) would be "
                    f"{resource.deployed!r}, which already exists in project {self.project!r} and does not belong to "
                    "this instance; delete or rename it, or give the resource another name"
                )
            lives[resource.name] = live
            desired = self._desired(resource, values, lives, where)
            fields = {k: _digest(salt, v, analysis.hidden) for k, v in desired.items() if not isinstance(v, _Unknown)}
            stored = record.get("fields", {})
            changed = {
                k
                for k, d in fields.items()
                if stored.get(k) != d and not _digested_before(salt, desired[k], d, stored.get(k))
            }
            changed |= {k for k, v in desired.items() if isinstance(v, _Unknown)}
            changed |= set(record.get("fields", {})) - set(desired)
            seen = {**live, resource.scope: str(live.get(resource.scope, "")).rsplit("/", 1)[-1]}
            changed |= {k for k, v in desired.items() if k in seen and not _matches(v, seen[k], self.project)}
            changed.discard("name")
            replaced_refs = [r for r in resource.refs if r in pending]
            if replaced_refs or (changed and choose_methods(resource.type, changed) is None):
                analysis.actions[resource.name] = ("replace", sorted(changed), replaced_refs)
                pending.add(resource.name)
                lives[resource.name] = UNKNOWN
            elif changed:
                analysis.actions[resource.name] = ("update", sorted(changed), [])
            else:
                analysis.actions[resource.name] = ("keep", [], [])
        current = {r.name: (r.type, r.deployed) for r in resources}
        analysis.removed = [
            r for r in (state or {}).get("resources", []) if current.get(r["name"]) != (r["type"], r["deployed"])
        ]
        return analysis

    def _desired(
        self, resource: _Resource, values: Mapping[str, Any], lives: Mapping[str, Any], where: tuple[str, str]
    ) -> dict[str, Any]:
        """The request body (JSON names) the template asks for, placeholders resolved; the
        location stays in the body as a field, so moving a resource is a change."""
        body = self._resolve(resource.properties, values, lives, resource.name)
        body["name"] = resource.deployed
        if resource.scope != "global":
            body[resource.scope] = where[1]
        return dict(body)

    @_api_errors
    def plan(self, target: Target) -> InstancePlan:
        state, _metadata = self._read_state(target.app, target.name)
        analysis = self._analyse(target, state)
        return self._shown(target, analysis, state, analysis.plan(target, self.project))

    def _shown(
        self, target: Target, analysis: _Analysis, state: dict[str, Any] | None, planned: InstancePlan
    ) -> InstancePlan:
        """The plan as :meth:`plan` shows it: an update when only the outputs change."""
        if planned.action == "unchanged" and state is not None:
            stored = _storable(target, self._outputs(analysis, target.name))
            if stored != state.get("outputs", {}):
                return attrs.evolve(planned, action="update")  # only the outputs: the state is rewritten
        return planned

    # --- deploying -----------------------------------------------------------------------

    @_api_errors
    def deploy(
        self, target: Target, *, allow_replace: bool, report: Report, approved: InstancePlan | None = None
    ) -> InstanceResult:
        """Create or update the instance's resources; see the module documentation."""
        state, _metadata = self._read_state(target.app, target.name)
        _check_locked(state, target.name, self._run)
        analysis = self._analyse(target, state)
        planned = analysis.plan(target, self.project)
        changed = not_as_approved(approved, self._shown(target, analysis, state, planned) if approved else planned)
        if changed is not None:
            return InstanceResult(target.name, "failed", message=changed)
        if planned.action == "unchanged":
            current = self._outputs(analysis, target.name)
            if state is None or _storable(target, current) == state.get("outputs", {}):
                return InstanceResult(target.name, "unchanged", outputs=current)
            # else an output changed with no resource change: the state is rewritten with it
        if planned.destructive and not allow_replace:
            from infrakit._deploy import _refusal

            return InstanceResult(target.name, "failed", message=_refusal(planned))
        locked = self._lock(target.app, target.name)
        serial = locked["serial"]
        if locked.get("resources", []) != (state or {}).get("resources", []):
            # another run changed the state between our read and our lock: plan again on what it left
            try:
                analysis = self._analyse(target, locked)
            except BaseException:
                self._release(target.app, target.name, serial, _without_lock(locked))
                raise
            planned = analysis.plan(target, self.project)
            refused = not_as_approved(approved, self._shown(target, analysis, locked, planned) if approved else planned)
            if refused is None and planned.destructive and not allow_replace:
                from infrakit._deploy import _refusal

                refused = _refusal(planned)
            if refused is not None:
                self._release(target.app, target.name, serial, _without_lock(locked))
                return InstanceResult(target.name, "failed", message=refused)
        created_any = not (state or {}).get("resources")
        try:
            errors = self._apply(target, analysis, locked, report)
        except BaseException:
            self._release(target.app, target.name, serial, _without_lock(locked))
            raise
        if errors:  # the outputs the resources still give (consumers of the others need them)
            outputs = self._outputs(analysis, target.name, known_only=True)
        else:
            try:
                outputs = self._outputs(analysis, target.name)
            except DeployError as exc:
                errors.append(str(exc))
                outputs = self._outputs(analysis, target.name, known_only=True)
        locked["outputs"] = _storable(target, outputs)
        self._release(target.app, target.name, serial, _without_lock(locked))
        if errors:
            return InstanceResult(target.name, "failed", outputs=outputs, message="; ".join(errors))
        return InstanceResult(target.name, "created" if created_any else "updated", outputs=outputs)

    def _apply(self, target: Target, analysis: _Analysis, state: dict[str, Any], report: Report) -> list[str]:
        records: dict[str, dict[str, Any]] = {r["name"]: r for r in state.get("resources", [])}
        order = [r["name"] for r in state.get("resources", [])]
        salt = state["salt"]
        errors: list[str] = []

        def save() -> None:
            state["resources"] = [records[n] for n in order if n in records]

        try:
            self._steps(analysis, records, order, salt, errors, report)
        finally:
            save()  # whatever happened, the state records what exists now
        return errors

    def _steps(
        self,
        analysis: _Analysis,
        records: dict[str, dict[str, Any]],
        order: list[str],
        salt: str,
        errors: list[str],
        report: Report,
    ) -> None:
        from google.api_core.exceptions import GoogleAPICallError

        failed: set[str] = set()
        refused = (_OperationFailed, GoogleAPICallError)
        # 1. Delete what is replaced, and what the template dropped that uses it (it would keep
        #    the old one in use), dependents first (newest first).
        replaced = {r.name: r for r in analysis.resources if analysis.actions[r.name][0] == "replace"}
        dropped = {r["name"]: r for r in analysis.removed}
        early = _users(dropped, set(replaced))
        for name in reversed([n for n in order if n in replaced or n in early]):
            if name in early:
                if not self._remove(dropped[name], records, errors, report):
                    failed.add(name)
                continue
            resource = replaced[name]
            report(f"replacing {resource.deployed} ({resource.type}): deleting")
            try:
                self._delete(resource.type, resource.deployed, analysis.where[resource.name])
            except refused as exc:
                errors.append(f"resource {resource.name} ({resource.type}): delete failed: {_why(exc)}")
                failed.add(resource.name)
                continue
            records.pop(resource.name, None)
        # 2. Create and update in dependency order; a failure skips its dependents.
        lives = analysis.lives
        for resource in analysis.resources:
            if resource.name in failed:
                continue  # its replacement could not delete it (reported): it stays as it is
            action, changed, _refs = analysis.actions[resource.name]
            blocked = [d for d in resource.depends if d in failed]
            if blocked:
                failed.add(resource.name)
                if action != "keep":
                    errors.append(f"resource {resource.name} ({resource.type}): skipped, it depends on {blocked[0]}")
                    report(f"skipped {resource.deployed} ({resource.type}): {blocked[0]} failed")
                continue
            where = self._where(resource, analysis.values, lives)
            if action == "keep":
                records[resource.name]["depends"] = resource.depends
                continue
            desired = self._desired(resource, analysis.values, lives, where)
            try:
                if action in ("create", "replace"):
                    report(f"creating {resource.deployed} ({resource.type})")
                    self._insert(resource, desired, where)
                else:
                    for method in choose_methods(resource.type, set(changed)) or ():
                        report(f"updating {resource.deployed} ({resource.type}): {method[0]}")
                        self._change(resource, desired, where, method)
            except refused as exc:
                verb = {"create": "insert", "replace": "insert", "update": "update"}[action]
                errors.append(f"resource {resource.name} ({resource.type}): {verb} failed: {_why(exc)}")
                report(f"FAILED {resource.deployed} ({resource.type}): {_why(exc)}")
                failed.add(resource.name)
                live = self._get(resource.type, resource.deployed, where)
                if live is None:
                    records.pop(resource.name, None)
                    continue
                lives[resource.name] = live
                continue
            lives[resource.name] = self._get(resource.type, resource.deployed, where)
            records[resource.name] = {
                "name": resource.name,
                "type": resource.type,
                "deployed": resource.deployed,
                "where": list(where),
                "fields": {k: _digest(salt, v, analysis.hidden) for k, v in desired.items()},
                "depends": resource.depends,
            }
            if resource.name not in order:
                order.append(resource.name)
            report(f"{'created' if action != 'update' else 'updated'} {resource.deployed} ({resource.type})")
        # 3. Delete what the template no longer has, newest first.
        for record in reversed(analysis.removed):
            if failed:
                break  # keep them while the new resources are not all in place
            if record["name"] not in early:
                self._remove(record, records, errors, report)

    def _remove(
        self,
        record: dict[str, Any],
        records: dict[str, dict[str, Any]],
        errors: list[str],
        report: Report,
    ) -> bool:
        """Delete a resource the template no longer has; a failure is reported in ``errors``."""
        from google.api_core.exceptions import GoogleAPICallError

        report(f"deleting {record['deployed']} ({record['type']})")
        try:
            self._delete(record["type"], record["deployed"], (record["where"][0], record["where"][1]))
        except (_OperationFailed, GoogleAPICallError) as exc:
            errors.append(f"resource {record['name']} ({record['type']}): delete failed: {_why(exc)}")
            return False
        held = records.get(record["name"], {})
        if (held.get("type"), held.get("deployed")) == (record["type"], record["deployed"]):
            records.pop(record["name"], None)
        return True

    def _insert(self, resource: _Resource, desired: dict[str, Any], where: tuple[str, str]) -> None:
        from infrakit.gcp._methods import KINDS as METHODS

        client_name, _name_field, _parents, body_field, _methods, _fixed = METHODS[resource.type]
        body = {k: v for k, v in desired.items() if not (k == resource.scope and resource.scope != "global")}
        message = self._message(getattr(self._compute_v1, resource.message), body, resource)
        kwargs: dict[str, Any] = {"project": self.project, body_field: message}
        if where[0] != "global":
            kwargs[where[0]] = where[1]
        client = self._client(client_name)
        operation = self._change_call(f"insert {resource.deployed}", client, "insert", **kwargs)
        self._wait(operation, where)

    def _change(self, resource: _Resource, desired: dict[str, Any], where: tuple[str, str], method: Any) -> None:
        from infrakit.gcp._methods import KINDS as METHODS

        name, this, body_field, mode, fields, fingerprint = method
        client = self._client(METHODS[resource.type][0])
        live = self._get(resource.type, resource.deployed, where) or {}
        body_desired = {k: v for k, v in desired.items() if not (k == resource.scope and resource.scope != "global")}
        body_message = request_message(type(client), name).meta.fields[body_field].message
        if mode == "field":
            (field,) = fields
            body = dict(body_desired.get(field) or {})
            if fingerprint and fingerprint in (live.get(field) or {}):
                body[fingerprint] = live[field][fingerprint]
        elif mode == "merge":
            body = {f: body_desired.get(f, _empty(f, live)) for f in fields}
            if fingerprint and fingerprint in live:
                body[fingerprint] = live[fingerprint]
        elif mode == "patch":
            body = dict(body_desired)
            if fingerprint and fingerprint in live:
                body[fingerprint] = live[fingerprint]
        else:  # update: the whole resource as it is, with the template's fields
            body = {k: v for k, v in live.items() if k not in ("id", "creationTimestamp", "selfLink", "kind")}
            body.update(body_desired)
        message = self._message(body_message, body, resource)
        kwargs: dict[str, Any] = {"project": self.project, this: resource.deployed, body_field: message}
        if where[0] != "global":
            kwargs[where[0]] = where[1]
        operation = self._change_call(f"{name} {resource.deployed}", client, name, **kwargs)
        self._wait(operation, where)

    @staticmethod
    def _message(message: Any, body: Mapping[str, Any], resource: _Resource) -> Any:
        """``body`` parsed into the ``compute_v1`` message class ``message``, unknown fields refused."""
        from google.protobuf.json_format import ParseError  # type: ignore[import-untyped]

        try:
            return message.from_json(json.dumps(body), ignore_unknown_fields=False)
        except ParseError as exc:
            raise DeployError(
                f"resource {resource.name!r} ({resource.type}): its properties do not parse into "
                f"compute_v1.{message.__name__}: {str(exc).splitlines()[0]}"
            ) from None

    def _delete(self, type_name: str, name: str, where: tuple[str, str]) -> None:
        from google.api_core import exceptions

        from infrakit.gcp._methods import KINDS as METHODS

        client_name, name_field = METHODS[type_name][0], METHODS[type_name][1]
        kwargs: dict[str, Any] = {"project": self.project, name_field: name}
        if where[0] != "global":
            kwargs[where[0]] = where[1]
        client = self._client(client_name)
        try:
            operation = self._change_call(f"delete {name}", client, "delete", **kwargs)
        except exceptions.NotFound:
            return  # already gone
        self._wait(operation, where)

    def _outputs(self, analysis: _Analysis, name: str, *, known_only: bool = False) -> dict[str, str]:
        """The template's outputs from the deployed resources; ``known_only``: leave out the
        ones a resource that is not (or no longer) there would give, instead of failing."""
        result: dict[str, str] = {}
        for output in analysis.outputs:
            try:
                value = self._resolve(
                    output.get("value"), analysis.values, analysis.lives, f"output {output.get('name')}"
                )
            except DeployError:
                if known_only:
                    continue
                raise
            if isinstance(value, _Unknown):
                if known_only:
                    continue
                raise DeployError(f"instance {name!r}: output {output.get('name')!r} has no value yet")
            result[output["name"]] = _text(value)
        return result

    # --- outputs and destroy ----------------------------------------------------------------

    @_api_errors
    def outputs(self, app: str, name: str) -> dict[str, str] | None:
        state, _metadata = self._read_state(app, name)
        if state is None or not state.get("resources"):
            return None
        return dict(state.get("outputs") or {})

    @_api_errors
    def destroy(self, target: Target, *, report: Report) -> InstanceResult:
        state, _metadata = self._read_state(target.app, target.name)
        if state is None:
            return InstanceResult(target.name, "unchanged", message="not deployed")
        from google.api_core.exceptions import GoogleAPICallError

        locked = self._lock(target.app, target.name)
        serial = locked["serial"]
        errors: list[str] = []
        remaining = list(locked.get("resources", []))
        try:
            for record in reversed(list(remaining)):
                report(f"deleting {record['deployed']} ({record['type']})")
                try:
                    self._delete(record["type"], record["deployed"], (record["where"][0], record["where"][1]))
                except (_OperationFailed, GoogleAPICallError) as exc:
                    errors.append(f"resource {record['name']} ({record['type']}): delete failed: {_why(exc)}")
                    continue
                remaining.remove(record)
        except BaseException:
            locked["resources"] = remaining
            self._release(target.app, target.name, serial, _without_lock(locked))
            raise
        if errors:
            locked["resources"] = remaining
            self._release(target.app, target.name, serial, _without_lock(locked))
            return InstanceResult(target.name, "failed", message="; ".join(errors))
        self._release(target.app, target.name, serial, None)
        return InstanceResult(target.name, "deleted")


@attrs.define
class _Analysis:
    resources: list[_Resource]
    values: dict[str, Any]
    outputs: list[dict[str, Any]]
    owned: dict[str, Any]
    lives: dict[str, Any]
    where: dict[str, tuple[str, str]] = attrs.Factory(dict)
    #: name -> (action, changed fields, replaced references)
    actions: dict[str, tuple[str, list[str], list[str]]] = attrs.Factory(dict)
    removed: list[dict[str, Any]] = attrs.Factory(list)
    #: The forms a secret parameter's value takes in a field's JSON text (see :func:`_digest`).
    hidden: frozenset[str] = frozenset()

    def plan(self, target: Target, project: str) -> InstancePlan:
        changes: list[ResourceChange] = []
        for resource in self.resources:
            action, changed, refs = self.actions[resource.name]
            if action == "create":
                changes.append(ResourceChange(resource.name, resource.type, "Add"))
            elif action == "update":
                methods = choose_methods(resource.type, set(changed)) or []
                changes.append(
                    ResourceChange(
                        resource.name,
                        resource.type,
                        "Modify",
                        "False",
                        properties=tuple(changed),
                        methods=tuple(m[0] for m in methods),
                    )
                )
            elif action == "replace":
                why = tuple(changed) or tuple(f"$(ref.{r})" for r in refs)
                changes.append(ResourceChange(resource.name, resource.type, "Modify", "True", properties=why))
        for record in self.removed:
            changes.append(ResourceChange(record["name"], record["type"], "Remove"))
        if not changes:
            action = "unchanged"
        elif not self.owned and all(c.action == "Add" for c in changes):
            action = "create"
        else:
            action = "update"
        return InstancePlan(target.name, f"{project}/{state_key(target.app, target.name)}", action, tuple(changes))  # type: ignore[arg-type]


def _why(exc: BaseException) -> str:
    """An operation's errors, or an API error's status, reason and message (no traceback)."""
    if isinstance(exc, _OperationFailed):
        return exc.text
    code = getattr(exc, "code", None)
    reasons = [e.get("reason") for e in getattr(exc, "errors", None) or [] if isinstance(e, dict) and e.get("reason")]
    reason = f" {reasons[0]}" if reasons else ""
    return f"HTTP {code}{reason}: {getattr(exc, 'message', exc)}"


def _hidden_forms(target: Target) -> frozenset[str]:
    """The forms a secret parameter's value takes in text: as it is, and escaped in JSON text."""
    return frozenset(
        form
        for k in target.secrets
        if target.parameters.get(k)
        for form in (target.parameters[k], json.dumps(target.parameters[k])[1:-1])
    )


def _storable(target: Target, outputs: Mapping[str, str]) -> dict[str, str]:
    """The outputs the state keeps: one holding a secret parameter's value (as it is, or
    escaped in the JSON text of a message or list output) is returned to the run that
    deployed it, never stored."""
    hidden = _hidden_forms(target)
    return {k: v for k, v in outputs.items() if not any(h in v for h in hidden)}


def _users(dropped: Mapping[str, Mapping[str, Any]], used: set[str]) -> set[str]:
    """The names of the ``dropped`` records that reference a resource of ``used``, directly
    or through another dropped one (the state records what each resource referenced)."""
    found: set[str] = set()
    grew = True
    while grew:
        grew = False
        for name, record in dropped.items():
            if name not in found and set(record.get("depends", ())) & (used | found):
                found.add(name)
                grew = True
    return found


def _check_locked(state: Mapping[str, Any] | None, name: str, run: str) -> None:
    lock = (state or {}).get("lock")
    if lock and lock.get("run") != run:
        raise DeployError(
            f"instance {name!r} is being deployed by another run ({lock.get('run')}, since {lock.get('since')}); "
            "wait for it to finish and deploy again. If no deploy is running (it was killed), release the lock "
            "with GcpDeployer(settings).unlock(app, instance)"
        )


def _without_lock(state: dict[str, Any]) -> dict[str, Any]:
    final = dict(state)
    final.pop("lock", None)
    return final


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _digest(salt: str, value: Any, hidden: frozenset[str] = frozenset()) -> str:
    """A salted digest of a field's value: the state records what was applied, not the value.

    The state is readable by anyone who may read the project, and the rest of a field can be
    read back from the API: a field holding a secret parameter's value (one of ``hidden``)
    is digested with scrypt (``k:`` and 32 hex digits; ~16 MB and tens of ms a guess), so that
    a weak secret cannot be recovered by trying guesses at SHA-256's speed."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    if any(h in text for h in hidden):
        key = hashlib.scrypt(text.encode(), salt=salt.encode(), n=_SCRYPT_N, r=8, p=1, maxmem=64 << 20, dklen=16)
        return "k:" + key.hex()
    return hashlib.sha256(f"{salt}:{text}".encode()).hexdigest()[:16]


#: scrypt's cost (2**14, with r=8: 16 MB of memory a digest).
_SCRYPT_N = 1 << 14


def _digested_before(salt: str, value: Any, digest: str, stored: str | None) -> bool:
    """Whether ``stored`` is the plain digest that a state written before secret-bearing fields
    were digested with scrypt holds for ``value``: the field is unchanged (rewritten in the
    new form on the next write), not a change to apply."""
    return digest.startswith("k:") and stored is not None and stored == _digest(salt, value)


def _empty(field: str, live: Mapping[str, Any]) -> Any:
    current = live.get(field)
    if isinstance(current, dict):
        return {}
    if isinstance(current, list):
        return []
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return json.dumps(value) if isinstance(value, dict) else str(value)


def _reference(text: str, project: str) -> str:
    """A resource URL or a relative path, as ``projects/P/...`` (for comparisons)."""
    path = api_path(text)
    if path is not None:
        return path
    if re.match(r"^(global|zones|regions)/", text):
        return f"projects/{project}/{text}"
    return text


def _matches(desired: Any, live: Any, project: str) -> bool:
    """Whether the deployed value agrees with the template's: what the template sets must be
    there; what the API adds (defaults, server-set fields) or leaves out of its answers is
    not a difference."""
    if isinstance(desired, _Unknown):
        return False
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return False
        return all(k not in live or _matches(v, live[k], project) for k, v in desired.items())
    if isinstance(desired, list):
        if not isinstance(live, list) or len(desired) != len(live):
            return False
        return all(_matches(d, v, project) for d, v in zip(desired, live, strict=True))
    if isinstance(desired, str) and isinstance(live, str):
        return desired == live or _reference(desired, project) == _reference(live, project)
    if isinstance(desired, (int, float)) and not isinstance(desired, bool) and isinstance(live, str):
        return str(desired) == live  # 64-bit integers are strings in the API's JSON
    return bool(desired == live)


def _loopback_http(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False
