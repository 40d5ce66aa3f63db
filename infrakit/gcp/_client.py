"""What the ``compute_v1`` clients say about themselves: each method's REST options and
request message, and the API path inside a resource URL.

One reading shared by ``tools/gen_gcp.py`` (the method table), the deploy engine
(``infrakit.gcp._deploy``) and the local Compute server (``infrakit.testing``). Nothing here
imports ``google.cloud.compute_v1``: the callers pass its clients in.
"""

from __future__ import annotations

import importlib
import re
import typing
from typing import Any

__all__ = ["api_path", "message_json", "request_message", "rest_options"]

#: Where the API path starts in a resource URL (``https://.../compute/v1/projects/p/...``).
_VERSIONS = ("/compute/v1/", "/compute/beta/")


def rest_options(client: type) -> dict[str, list[dict[str, str]]]:
    """``{method: [{"method", "uri", "body"?}, ...]}`` of a client, read from its REST
    transport (the URL templates, HTTP methods and body fields the client sends)."""
    module = importlib.import_module(client.__module__.rsplit(".", 1)[0] + ".transports.rest_base")
    base = getattr(module, f"_Base{client.__name__.removesuffix('Client')}RestTransport")
    found: dict[str, list[dict[str, str]]] = {}
    for attr, inner in vars(base).items():
        if attr.startswith("_Base") and hasattr(inner, "_get_http_options"):
            found[re.sub(r"(?<!^)(?=[A-Z])", "_", attr[len("_Base") :]).lower()] = inner._get_http_options()
    return found


def request_message(client: type, method: str) -> Any:
    """The request message class of ``client.method`` (``InsertNetworkRequest``), from its hints."""
    hints = typing.get_type_hints(getattr(client, method))
    (request,) = [a for a in typing.get_args(hints["request"]) if hasattr(a, "meta")]
    return request


def api_path(text: str) -> str | None:
    """The API path of a full resource URL (``projects/p/global/networks/n``), or None."""
    for marker in _VERSIONS:
        if marker in text:
            return text.split(marker, 1)[1]
    return None


def message_json(message: Any) -> dict[str, Any]:
    """A ``compute_v1`` message as the API's JSON (camelCase names, 64-bit integers as text)."""
    from google.protobuf import json_format  # type: ignore[import-untyped]

    result: dict[str, Any] = json_format.MessageToDict(type(message).pb(message))
    return result
