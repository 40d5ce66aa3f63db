"""A local Compute Engine REST server, for deploying GCP instances offline.

No Compute emulator exists, so infrakit ships its own: :func:`compute_server` starts it on
127.0.0.1 (a free port, a thread) and yields a :class:`ComputeServer` whose ``endpoint``
the real ``google-cloud-compute`` clients (REST transport, anonymous credentials) talk to::

    with compute_server() as server:
        result = ik.deploy("infrakit.out", gcp_endpoint=server.endpoint, project="demo", yes=True)

Every route comes from the REST transport of the installed ``compute_v1`` (each
method's URL template, HTTP method and body field), none is written by hand; what a
route does follows from the method's name and shape:

* ``insert`` parses the body into the kind's ``compute_v1`` message
  (``Message.from_json(..., ignore_unknown_fields=False)``: an unknown or mistyped field
  is a 400), refuses a name that is taken (409 ``alreadyExists``) or invalid, fills in what
  the server owns (``id``, ``selfLink``, ``creationTimestamp``, ``kind``, fingerprints,
  ``zone``/``region`` URLs, full URLs for relative references, an IP for a static address
  or an access config without one) and returns an ``Operation``; a reference to a
  resource of the project that does not exist fails the operation (``RESOURCE_NOT_FOUND``);
* ``get`` / ``list`` / ``delete`` (404 ``notFound`` for a missing resource; deleting a
  resource another one references fails the operation, ``RESOURCE_IN_USE_BY_ANOTHER_RESOURCE``);
* ``patch`` (the body's fields replace the resource's), ``update`` (the body replaces the
  resource), and ``set*`` / ``update*`` whose body is one field's message
  (``setMetadata``, ``setTags``) or a request of the resource's fields (``setLabels``,
  ``setMachineType``): a fingerprint in the body that is not the current one is a 412
  ``conditionNotMet``; changing a field documented as fixed at creation, or one a ``patch``
  or ``update`` is documented not to change (a network's ``patch`` changes only
  ``routingConfig``), is a 400;
* ``zoneOperations`` / ``regionOperations`` / ``globalOperations`` ``get`` and ``wait``;
* the project (``projects.get``, ``projects.setCommonInstanceMetadata``) exists for any id;
* a change sent again with the ``requestId`` of one already carried out gets that one's
  operation back, as the API does (:meth:`ComputeServer.lose_answer_next` loses an answer).

Errors have the API's JSON shape: ``{"error": {"code", "message", "errors": [{"domain",
"reason", "message"}]}}``. Anything else is a 501 naming the method. Operations complete
at once (``status: DONE``); :meth:`ComputeServer.fail_next` makes one fail with an
operation error, as quota or capacity problems do in a real project.
"""

from __future__ import annotations

import copy
import ipaddress
import itertools
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["ComputeServer", "compute_server"]

#: How the real API spells the URLs of resources (``selfLink`` and references).
API = "https://www.googleapis.com/compute/v1/"
_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_SCOPES = ("zones", "regions")
_MESSAGE = 11  # google.protobuf.descriptor.FieldDescriptor.TYPE_MESSAGE
_REASONS = {
    400: "invalid",
    404: "notFound",
    409: "alreadyExists",
    412: "conditionNotMet",
    501: "notImplemented",
}


class _ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or _REASONS.get(code, "backendError")

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "errors": [{"message": self.message, "domain": "global", "reason": self.reason}],
            }
        }


class _OperationError(Exception):
    """A failure the real API reports in the operation, not in the HTTP response."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class _Route:
    __slots__ = ("body", "client", "http", "literal", "method", "regex", "request", "response", "uri")

    def __init__(self, client: str, method: str, http: str, uri: str, body: str | None) -> None:
        self.client = client
        self.method = method
        self.http = http.upper()
        self.uri = uri
        self.body = body
        pattern = re.sub(r"\{([a-z_]+)(?:=([^}]+))?\}", _group, uri)
        self.regex = re.compile(f"^{pattern}$")
        self.literal = len(re.sub(r"\{[^}]+\}", "", uri))
        self.request: Any = None
        self.response: Any = None


def _group(match: re.Match[str]) -> str:
    name, template = match.group(1), match.group(2)
    if template is None:
        return f"(?P<{name}>[^/]+)"
    return f"(?P<{name}>{template.replace('**', '.+').replace('*', '[^/]+')})"


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def _routes(compute_v1: Any) -> list[_Route]:
    """Every REST method of every ``compute_v1`` client, from its transport's URL templates."""
    from infrakit.gcp._client import request_message, rest_options

    routes: list[_Route] = []
    for client_name in sorted(dir(compute_v1)):
        client = getattr(compute_v1, client_name)
        if not (client_name.endswith("Client") and isinstance(client, type)):
            continue
        for method, options in rest_options(client).items():
            request = request_message(client, method) if hasattr(client, method) else None
            for option in options:
                route = _Route(client_name, method, option["method"], option["uri"], option.get("body"))
                route.request = request
                routes.append(route)
    routes.sort(key=lambda r: -r.literal)  # `instances/bulkInsert` before `instances/{instance}`
    return routes


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _kind_name(message: str) -> str:
    return "compute#" + message[:1].lower() + message[1:]


def _path(value: str) -> str | None:
    """A reference's path inside the API (``projects/p/global/networks/n``), or None."""
    from infrakit.gcp._client import api_path

    return api_path(value) or (value if value.startswith("projects/") else None)


class ComputeServer:
    """The running server: its ``endpoint`` and what it holds.

    ``resources(project)`` lists the paths of the resources it keeps
    (``projects/p/zones/z/instances/vm``); ``resource(path)`` returns one as the API's JSON;
    ``calls`` records every request as ``"<client>.<method> <path>"`` (``"InstancesClient.set_labels
    projects/p/zones/z/instances/vm"``), for tests that check which method a change used.
    """

    def __init__(self) -> None:
        from google.cloud import compute_v1  # the messages every body is parsed into

        self._compute_v1 = compute_v1
        self._routes = _routes(compute_v1)
        self._by_http: dict[str, list[_Route]] = {}
        for route in self._routes:
            self._by_http.setdefault(route.http, []).append(route)
        from infrakit.gcp._methods import KINDS as METHODS
        from infrakit.gcp._types import KINDS

        #: collection path segment -> (message name, fields fixed at creation), from the catalogue.
        self._collections: dict[str, tuple[str, tuple[str, ...]]] = {}
        #: (collection, "patch" / "update") -> the only fields that method changes (its documentation's).
        self._only: dict[tuple[str, str], tuple[str, ...]] = {}
        for type_name, (message, _scope, collection) in KINDS.items():
            fixed = METHODS[type_name][5]
            known = self._collections.get(collection, (message, ()))[1]
            self._collections[collection] = (message, tuple(sorted({*fixed, *known})))
            for method in METHODS[type_name][4]:
                if method[3] in ("patch", "update") and method[4]:
                    self._only[(collection, method[3])] = method[4]
        self._lock = threading.Lock()
        self._resources: dict[str, tuple[str, dict[str, Any]]] = {}  # path -> (message name, JSON)
        self._operations: dict[str, dict[str, Any]] = {}
        self._failures: list[tuple[str, str, str, str]] = []
        self._lost: list[tuple[str, str]] = []
        self._requests: dict[str, dict[str, Any]] = {}  # requestId -> its operation
        self._ids = itertools.count(1_000_001)
        self._ips = ipaddress.ip_network("34.0.0.0/8").hosts()
        self._internal_ips = ipaddress.ip_network("10.128.0.0/9").hosts()
        self.calls: list[str] = []
        #: How many requests were answered 429 by :meth:`throttle_next`.
        self.throttled = 0
        self._throttle = 0
        self.endpoint = ""
        self._http: ThreadingHTTPServer | None = None

    # --- for tests -----------------------------------------------------------------

    def resources(self, project: str | None = None) -> list[str]:
        """The paths of the resources held (of one project, if given), sorted; the project
        records themselves are left out."""
        with self._lock:
            paths = [p for p in self._resources if p.count("/") > 1]
        prefix = f"projects/{project}/" if project else ""
        return sorted(p for p in paths if p.startswith(prefix))

    def resource(self, path: str) -> dict[str, Any] | None:
        """One resource's JSON by path (``projects/p/global/networks/n``), or None."""
        with self._lock:
            held = self._resources.get(path)
        return copy.deepcopy(held[1]) if held else None

    def fail_next(self, method: str, name: str, code: str = "QUOTA_EXCEEDED", message: str | None = None) -> None:
        """Make the next ``method`` (``"insert"``, ``"delete"``, ``"set_labels"``, ...) on the
        resource called ``name`` fail in its operation with ``code`` and ``message``."""
        text = message or f"Quota exceeded for the resource '{name}' (injected by the test)."
        with self._lock:
            self._failures.append((method, name, code, text))

    def lose_answer_next(self, method: str, name: str) -> None:
        """Carry out the next ``method`` (``"insert"``, ...) on the resource called ``name`` but
        answer it 503, as when an answer is lost on the way: a client that sends it again
        with the same ``requestId`` gets the first operation back, without one it is a new request."""
        with self._lock:
            self._lost.append((method, name))

    def throttle_next(self, count: int = 1) -> None:
        """Answer the next ``count`` requests 429 ``rateLimitExceeded``, as a busy project does."""
        with self._lock:
            self._throttle += count

    # --- dispatch ------------------------------------------------------------------

    def handle(self, http: str, raw_path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self._throttle:
                self._throttle -= 1
                self.throttled += 1
                raise _ApiError(429, "Rate Limit Exceeded", "rateLimitExceeded")
        split = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        for route in self._by_http.get(http, ()):
            match = route.regex.match(split.path)
            if match:
                break
        else:
            raise _ApiError(404, f"The requested URL {split.path} was not found on this server.", "notFound")
        params = match.groupdict()
        path = split.path.removeprefix("/compute/v1/")
        self.calls.append(f"{route.client}.{route.method} {path}")
        data: dict[str, Any] | None = None
        if route.body:
            data = self._parse(route, body)
        request_id = query.get("requestId") if http != "GET" else None
        with self._lock:
            if request_id in self._requests:  # sent again: the API carries a request out once
                return 200, copy.deepcopy(self._requests[request_id])
            result = self._dispatch(route, path, params, query, data)
            if request_id and result.get("kind") == "compute#operation":
                self._requests[request_id] = result
            lost = next((f for f in self._lost if _answers(result, *f)), None)
            if lost:
                self._lost.remove(lost)
                raise _ApiError(503, "Backend Error", "backendError")
        return 200, result

    def _parse(self, route: _Route, body: bytes) -> dict[str, Any]:
        """The body as the API's JSON, after parsing it into its ``compute_v1`` message."""
        from google.protobuf import json_format  # type: ignore[import-untyped]

        from infrakit.gcp._client import message_json

        message = route.request.meta.fields[route.body].message
        text = body.decode("utf-8") if body else "{}"
        try:
            parsed = message.from_json(text, ignore_unknown_fields=False)
        except json_format.ParseError as exc:
            detail = str(exc).split("\n", 1)[0]
            raise _ApiError(400, f"Invalid JSON payload received. {detail}", "badRequest") from None
        return message_json(parsed)

    def _dispatch(
        self, route: _Route, path: str, params: dict[str, str], query: dict[str, str], data: dict[str, Any] | None
    ) -> dict[str, Any]:
        method = route.method
        if route.client.endswith("OperationsClient"):
            if method in ("get", "wait"):
                if path.endswith("/wait"):
                    path = path.removesuffix("/wait")
                operation = self._operations.get(path)
                if operation is None:
                    raise _ApiError(404, f"The resource '{path}' was not found")
                return operation
            raise _ApiError(501, f"the local Compute server does not implement {route.client}.{method}")
        if route.client == "ProjectsClient":
            project = self._project(params["project"])
            if method == "get":
                return project
            if method == "set_common_instance_metadata" and data is not None:
                return self._set(f"projects/{params['project']}", "Project", data, "commonInstanceMetadata", method)
            raise _ApiError(501, f"the local Compute server does not implement {route.client}.{method}")
        if method == "insert" and data is not None:
            return self._insert(route, path, data)
        if method == "list":
            prefix = path + "/"
            items = [
                r for p, (_m, r) in self._resources.items() if p.startswith(prefix) and "/" not in p[len(prefix) :]
            ]
            return {"kind": "compute#list", "id": path, "items": copy.deepcopy(items), "selfLink": API + path}
        if method in ("get", "delete", "patch", "update"):
            target = path
        elif method.startswith(("set_", "update_")) and data is not None:
            target = path.rsplit("/", 1)[0]
        else:
            raise _ApiError(501, f"the local Compute server does not implement {route.client}.{method}")
        held = self._resources.get(target)
        if held is None:
            raise _ApiError(404, f"The resource '{target}' was not found")
        message, current = held
        if method == "get":
            return copy.deepcopy(current)
        if method == "delete":
            return self._delete(target, current)
        assert data is not None
        if method in ("patch", "update"):
            return self._replace(target, message, current, data, method)
        body_type = route.request.meta.fields[route.body].message.__name__
        return self._setter(target, message, current, data, method, body_type)

    # --- resources -----------------------------------------------------------------

    def _project(self, project: str) -> dict[str, Any]:
        path = f"projects/{project}"
        if path not in self._resources:
            self._resources[path] = (
                "Project",
                {
                    "kind": "compute#project",
                    "id": str(next(self._ids)),
                    "name": project,
                    "creationTimestamp": _now(),
                    "selfLink": API + path,
                    "commonInstanceMetadata": {"kind": "compute#metadata", "fingerprint": _fingerprint()},
                },
            )
        return copy.deepcopy(self._resources[path][1])

    def _insert(self, route: _Route, collection_path: str, data: dict[str, Any]) -> dict[str, Any]:
        name = data.get("name", "")
        if not isinstance(name, str) or not _NAME.match(name):
            raise _ApiError(
                400,
                f"Invalid value for field 'resource.name': '{name}'. "
                "Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'",
            )
        path = f"{collection_path}/{name}"
        message = route.request.meta.fields[route.body].message.__name__
        if path in self._resources:
            raise _ApiError(409, f"The resource '{path}' already exists")
        project = path.split("/")[1]
        self._project(project)
        resource = copy.deepcopy(data)
        self._expand(resource, project)

        def create() -> None:
            self._check_references(resource, project, path)
            for key in ("id", "creationTimestamp", "selfLink", "kind"):
                resource.pop(key, None)
            resource.update(
                kind=_kind_name(message), id=str(next(self._ids)), creationTimestamp=_now(), selfLink=API + path
            )
            parts = path.split("/")
            if parts[2] in _SCOPES:
                resource[parts[2][:-1]] = API + "/".join(parts[:4])
            self._fill(message, resource, project)
            _refingerprint({}, resource)
            self._resources[path] = (message, resource)

        return self._operation("insert", path, name, create)

    def _delete(self, path: str, current: dict[str, Any]) -> dict[str, Any]:
        link = current.get("selfLink", API + path)

        def delete() -> None:
            project = path.split("/")[1]
            for other, (_m, body) in self._resources.items():
                if other != path and other.startswith(f"projects/{project}/") and _mentions(body, link):
                    kind = path.split("/")[-2]
                    raise _OperationError(
                        "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE",
                        f"The {kind[:-1]} resource '{path}' is already being used by '{other}'",
                    )
            del self._resources[path]

        return self._operation("delete", path, path.rsplit("/", 1)[1], delete)

    def _check_fixed(self, path: str, current: dict[str, Any], changed: dict[str, Any]) -> None:
        collection = path.split("/")[-2]
        for field in self._collections.get(collection, ("", ()))[1]:
            if field in changed and changed[field] != current.get(field):
                raise _ApiError(
                    400,
                    f"Invalid value for field 'resource.{field}': '{changed[field]}'. "
                    f"The field '{field}' cannot be changed after the resource is created.",
                )

    def _replace(
        self, path: str, message: str, current: dict[str, Any], data: dict[str, Any], method: str
    ) -> dict[str, Any]:
        name = path.rsplit("/", 1)[1]
        if data.get("name", name) != name:
            raise _ApiError(400, f"Invalid value for field 'resource.name': '{data.get('name')}'. Cannot be changed.")
        if "fingerprint" in data and data["fingerprint"] != current.get("fingerprint"):
            raise _ApiError(
                412,
                "Supplied fingerprint does not match current fingerprint of the resource; get the resource and retry.",
            )
        project = path.split("/")[1]
        body = copy.deepcopy(data)
        body.pop("fingerprint", None)
        self._expand(body, project)
        self._check_fixed(path, current, body)
        only = self._only.get((path.split("/")[-2], method))
        if only is not None:
            changed = sorted(k for k, v in body.items() if k not in (*only, "name") and v != current.get(k))
            if changed:
                raise _ApiError(
                    400,
                    f"Invalid value for field 'resource.{changed[0]}': {method} changes only "
                    f"{', '.join(only)} of this resource.",
                )

        def apply() -> None:
            self._check_references(body, project, path)
            before = copy.deepcopy(current)
            owned: dict[str, Any] = {
                k: current[k] for k in ("kind", "id", "creationTimestamp", "selfLink", "zone", "region") if k in current
            }
            if method == "update":
                current.clear()
                current.update(body)
            else:
                current.update(body)
            current.update(owned)
            current["name"] = name
            self._fill(message, current, project)
            _refingerprint(before, current)

        return self._operation(method, path, name, apply)

    def _setter(
        self, path: str, message: str, current: dict[str, Any], data: dict[str, Any], method: str, body_type: str
    ) -> dict[str, Any]:
        """``set*`` / ``update*``: the body is one field's message (``setMetadata`` takes a
        ``Metadata``), or a request holding some of the resource's fields (``setLabels``)."""
        resource_fields = {fd.json_name: fd for fd in getattr(self._compute_v1, message).pb().DESCRIPTOR.fields}
        for json_name, fd in resource_fields.items():
            if fd.type == _MESSAGE and not fd.is_repeated and fd.message_type.name == body_type:
                return self._set(path, message, data, json_name, method)
        fields = {k: v for k, v in data.items() if not k.endswith("Fingerprint")}
        if not fields or any(k not in resource_fields for k in fields):
            raise _ApiError(501, f"the local Compute server does not implement {method} for {message}")
        # labels are guarded by labelFingerprint: required, and it must be the current one
        for key in (k for k in resource_fields if k.endswith("Fingerprint")):
            guarded = key.removesuffix("Fingerprint")
            if (guarded in fields or f"{guarded}s" in fields or key in data) and data.get(key) != current.get(key):
                raise _ApiError(
                    412, f"{key} either invalid or the resource's {guarded}s have changed; get the resource and retry."
                )
        project = path.split("/")[1]
        body = copy.deepcopy(fields)
        self._expand(body, project)
        self._check_fixed(path, current, body)

        def apply() -> None:
            before = copy.deepcopy(current)
            current.update(body)
            self._fill(message, current, project)
            _refingerprint(before, current)

        return self._operation(_camel(method), path, path.rsplit("/", 1)[1], apply)

    def _set(self, path: str, message: str, data: dict[str, Any], field: str, method: str) -> dict[str, Any]:
        """Replace one message-typed field (``metadata``, ``tags``), checking its fingerprint."""
        current = self._resources[path][1]
        held = current.get(field) or {}
        if "fingerprint" in held and data.get("fingerprint") != held["fingerprint"]:
            raise _ApiError(
                412, f"Supplied fingerprint does not match current {field} fingerprint; get the resource and retry."
            )

        def apply() -> None:
            before = copy.deepcopy(current)
            value = copy.deepcopy(data)
            value.pop("fingerprint", None)
            if message == "Project" or "kind" in held:
                value.setdefault("kind", held.get("kind", "compute#metadata"))
            unchanged = {k: v for k, v in held.items() if k != "fingerprint"} == value
            value["fingerprint"] = held["fingerprint"] if unchanged and "fingerprint" in held else _fingerprint()
            current[field] = value
            _refingerprint(before, current)

        return self._operation(_camel(method), path, path.rsplit("/", 1)[1], apply)

    # --- what the server owns ------------------------------------------------------

    def _expand(self, value: Any, project: str) -> None:
        """Relative references become full URLs, as the API returns them."""
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str) and re.match(r"^(global|zones|regions)/", item):
                    value[key] = f"{API}projects/{project}/{item}"
                elif isinstance(item, str) and item.startswith("projects/"):
                    value[key] = API + item
                else:
                    self._expand(item, project)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str) and re.match(r"^(global|zones|regions|projects)/", item):
                    value[i] = API + (item if item.startswith("projects/") else f"projects/{project}/{item}")
                else:
                    self._expand(item, project)

    def _check_references(self, value: Any, project: str, path: str) -> None:
        for text in _strings(value):
            ref = _path(text)
            if not ref:
                continue
            parts = ref.split("/")
            # projects/P/global/C/N or projects/P/(zones|regions)/S/C/N: a resource of a collection it keeps
            known = len(parts) in (5, 6) and parts[1] == project and parts[-2] in self._collections
            if known and ref != path and (len(parts) == 5) == (parts[2] == "global") and ref not in self._resources:
                raise _OperationError("RESOURCE_NOT_FOUND", f"The resource '{ref}' was not found", 404)

    def _fill(self, message: str, resource: dict[str, Any], project: str) -> None:
        """Values the server fills in: reserved and ephemeral IPs, a VM's network, a status."""
        if message == "Address" and not resource.get("address"):
            internal = resource.get("addressType") == "INTERNAL"
            resource["address"] = str(next(self._internal_ips if internal else self._ips))
        if message in ("Address", "Instance", "Disk"):
            resource.setdefault("status", {"Address": "RESERVED", "Instance": "RUNNING", "Disk": "READY"}[message])
        for nic_index, nic in enumerate(resource.get("networkInterfaces") or ()):
            nic.setdefault("name", f"nic{nic_index}")
            nic.setdefault("networkIP", str(next(self._internal_ips)))
            subnet = self._resources.get(_path(nic.get("subnetwork", "")) or "")
            if subnet and "network" not in nic:
                nic["network"] = subnet[1].get("network")
            for config in nic.get("accessConfigs") or ():
                config.setdefault("kind", "compute#accessConfig")
                config.setdefault("natIP", str(next(self._ips)))
        if message == "Network":
            resource.setdefault("routingConfig", {"routingMode": "REGIONAL"})
        if message == "Subnetwork" and "gatewayAddress" not in resource and resource.get("ipCidrRange"):
            try:
                resource["gatewayAddress"] = str(next(ipaddress.ip_network(resource["ipCidrRange"]).hosts()))
            except ValueError:
                raise _OperationError(
                    "INVALID_FIELD_VALUE",
                    f"Invalid value for field 'resource.ipCidrRange': '{resource['ipCidrRange']}'",
                ) from None

    def _operation(self, kind: str, path: str, name: str, action: Any) -> dict[str, Any]:
        parts = path.split("/")
        project = parts[1]
        where = "/".join(parts[:4]) if len(parts) > 3 and parts[2] in _SCOPES else f"projects/{project}/global"
        op_name = f"operation-{next(self._ids)}-{secrets.token_hex(6)}"
        op_path = f"{where}/operations/{op_name}"
        started = _now()
        operation: dict[str, Any] = {
            "kind": "compute#operation",
            "id": str(next(self._ids)),
            "name": op_name,
            "operationType": kind,
            "targetLink": API + path,
            "status": "DONE",
            "progress": 100,
            "user": "local@infrakit.test",
            "insertTime": started,
            "startTime": started,
            "selfLink": API + op_path,
        }
        if len(parts) > 3 and parts[2] in _SCOPES:
            operation[parts[2][:-1]] = API + "/".join(parts[:4])
        failure = next(
            (f for f in self._failures if f[0] in (kind, _snake(kind)) and f[1] == name),
            None,
        )
        try:
            if failure:
                self._failures.remove(failure)
                raise _OperationError(failure[2], failure[3], 403)
            action()
            held = self._resources.get(path)
            if held and "id" in held[1]:
                operation["targetId"] = held[1]["id"]
        except _OperationError as exc:
            operation["error"] = {"errors": [{"code": exc.code, "message": exc.message}]}
            operation["httpErrorStatusCode"] = exc.status
            operation["httpErrorMessage"] = {403: "FORBIDDEN", 404: "NOT FOUND"}.get(exc.status, "BAD REQUEST")
        operation["endTime"] = _now()
        self._operations[op_path] = operation
        return copy.deepcopy(operation)

    # --- HTTP ----------------------------------------------------------------------

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    status, payload = server.handle(self.command, self.path, body)
                except _ApiError as exc:
                    status, payload = exc.code, exc.body()
                except Exception as exc:  # a bug of this server: answer as the API does, 500
                    failure = _ApiError(500, f"the local Compute server failed: {type(exc).__name__}: {exc}")
                    status, payload = 500, failure.body()
                text = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read results, not logs
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        port = self._http.server_address[1]
        self.endpoint = f"http://127.0.0.1:{port}"
        threading.Thread(target=self._http.serve_forever, name="infrakit-compute-server", daemon=True).start()

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None


def _camel(method: str) -> str:
    head, *rest = method.split("_")
    return head + "".join(p.title() for p in rest)


def _fingerprint() -> str:
    import base64

    return base64.b64encode(secrets.token_bytes(8)).decode()


def _refingerprint(before: dict[str, Any], after: dict[str, Any]) -> None:
    """New fingerprints for what changed: the resource's, ``labelFingerprint`` for labels,
    and each field message's own (``metadata.fingerprint``, ``tags.fingerprint``)."""
    changed = any(before.get(k) != v for k, v in after.items() if k != "fingerprint") or not before
    if changed:
        after["fingerprint"] = _fingerprint()
    if not before or before.get("labels") != after.get("labels"):
        after["labelFingerprint"] = _fingerprint()
    for key in ("metadata", "tags"):
        value = after.get(key)
        if isinstance(value, dict):
            old = (before.get(key) or {}) if isinstance(before.get(key), dict) else {}
            content = {k: v for k, v in value.items() if k != "fingerprint"}
            if "fingerprint" not in value or content != {k: v for k, v in old.items() if k != "fingerprint"}:
                value["fingerprint"] = _fingerprint()
    if not before and "metadata" in after and "fingerprint" not in after["metadata"]:
        after["metadata"]["fingerprint"] = _fingerprint()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _answers(operation: dict[str, Any], method: str, name: str) -> bool:
    """Whether ``operation`` is of ``method`` (``"insert"``, ``"set_labels"``) on resource ``name``."""
    kind = str(operation.get("operationType", ""))
    return kind in (method, _camel(method)) and str(operation.get("targetLink", "")).endswith(f"/{name}")


def _mentions(body: Any, link: str) -> bool:
    return any(s == link for s in _strings(body))


@contextmanager
def compute_server() -> Iterator[ComputeServer]:
    """Start infrakit's local Compute REST server on 127.0.0.1 (a free port) and stop it on exit.

    Yields a :class:`ComputeServer`; point a deploy at ``server.endpoint``
    (``gcp_endpoint=`` / ``INFRAKIT_COMPUTE_ENDPOINT``), or a client at it with
    ``client_options={"api_endpoint": server.endpoint}``, ``transport="rest"`` and
    ``google.auth.credentials.AnonymousCredentials()``. Needs ``google-cloud-compute``
    (``pip install infrakit[gcp]``).
    """
    server = ComputeServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
