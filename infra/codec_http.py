"""HTTP plumbing of the codec server: refusals, reading a proto3 JSON body of
payloads (naming the field that is wrong), and CORS for the Web UI's origins."""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from google.protobuf.json_format import ParseDict, ParseError
from temporalio.api.common.v1 import Payload, Payloads

MAX_BODY = 4 * 1024 * 1024
ALLOWED_HEADERS = (
    "content-type",
    "x-namespace",
    "authorization",
    "x-casework-workflow-id",
    "x-casework-domain",
    "x-workflow-id",
    "caller-type",
    "client-name",
    "client-version",
)


class Refusal(Exception):
    """A request answered with ``status``; ``reason`` is the short, content-free
    text for the audit trail."""

    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


async def read_payloads(request: web.Request) -> list[Payload]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Refusal(413, f"request body over {MAX_BODY} bytes", "body too large")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise Refusal(413, f"request body over {MAX_BODY} bytes", "body too large") from None
    try:
        body = json.loads(raw)
    except ValueError:
        raise Refusal(400, "request body is not JSON", "body not JSON") from None
    if not isinstance(body, dict):
        raise Refusal(
            400, 'request body must be a JSON object {"payloads": [...]}', "not an object"
        )
    unknown = sorted(set(body) - {"payloads"})
    if unknown:
        raise Refusal(400, f"unknown field {unknown[0]!r}: expected payloads", "unknown field")
    # Proto3 JSON leaves an empty list out: {} is no payloads (the CLI sends it for
    # a query without arguments).
    items = body.get("payloads", [])
    if not isinstance(items, list):
        raise Refusal(400, "payloads: must be a list", "payloads not a list")
    for i, item in enumerate(items):
        _check_payload(item, f"payloads[{i}]")
    try:
        parsed = ParseDict({"payloads": items}, Payloads())
    except ParseError as error:
        raise Refusal(400, f"payloads: {error}", "payloads malformed") from None
    return list(parsed.payloads)


def _check_payload(item: object, where: str) -> None:
    if not isinstance(item, dict):
        raise Refusal(400, f"{where}: must be an object", f"{where} not an object")
    metadata = item.get("metadata", {})
    if not isinstance(metadata, dict):
        raise Refusal(400, f"{where}.metadata: must be an object", f"{where}.metadata")
    for key, value in metadata.items():
        if not _is_base64(value):
            raise Refusal(400, f"{where}.metadata.{key}: not base64", f"{where}.metadata")
    if not _is_base64(item.get("data", "")):
        raise Refusal(400, f"{where}.data: not base64", f"{where}.data")


def _is_base64(value: object) -> bool:
    """Proto3 JSON bytes: standard or URL-safe alphabet, padding optional."""
    if not isinstance(value, str):
        return False
    text = value.replace("-", "+").replace("_", "/")
    try:
        base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def cors(origins: frozenset[str]) -> Any:
    """Strict on origins, permissive on headers: the UI's own and any it asks for."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        allowed = origin is not None and origin in origins
        if request.method == "OPTIONS":
            if not allowed:
                return error_response(403, f"origin {origin or '(none)'} is not allowed")
            asked = request.headers.get("Access-Control-Request-Headers", "")
            wanted = {h.strip().lower() for h in asked.split(",") if h.strip()}
            response: web.StreamResponse = web.Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "POST, GET, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = ", ".join(
                sorted(wanted | set(ALLOWED_HEADERS))
            )
            response.headers["Access-Control-Max-Age"] = "600"
        else:
            try:
                response = await handler(request)
            except web.HTTPException as error:  # 404, 405 from the router
                if error.status < 400:
                    raise
                response = error_response(error.status, error.reason)
        response.headers["Vary"] = "Origin"
        if allowed:
            assert origin is not None
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    return middleware


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def error_response(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)
