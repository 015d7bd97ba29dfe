"""The HTTP hardening, as small pure-ASGI middlewares (no per-request task, unlike
`BaseHTTPMiddleware`): request ids and the access log, security headers, trusted hosts and
the request-body limit. `create_app` installs them from the settings.
"""

import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import problem_response
from app.core.logging import request_id_var

access_logger = logging.getLogger("app.access")

REQUEST_ID_HEADER = b"x-request-id"
# An incoming X-Request-ID is kept only if it looks like an id, so that it cannot forge
# log lines or carry a payload; otherwise the request gets a fresh one.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
UNTRUSTED_HOST = "The Host header names a host this service does not serve."


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class RequestLogMiddleware:
    """Give each request an id, send it back as `X-Request-ID`, log one line per request.

    The id is the client's `X-Request-ID` if it is 1 to 128 characters of
    `[A-Za-z0-9._-]`, else a fresh uuid4 hex. While the request is served it sits in
    `request_id_var`, which puts it on every log line. The line, on the `app.access`
    logger at INFO, carries the method, path (never the query string, which may hold
    secrets; control characters escaped, so that no path forges a line), status and duration.
    """

    def __init__(self, app: ASGIApp) -> None:
        """Wrap `app`."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request under its id, then log it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_id = _header(scope, REQUEST_ID_HEADER)
        if raw_id is None or not _SANE_REQUEST_ID.fullmatch(raw_id):
            raw_id = uuid.uuid4().hex.encode("ascii")
        token = request_id_var.set(raw_id.decode("ascii"))
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, raw_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_logger.isEnabledFor(logging.INFO):
                duration_ms = round((time.perf_counter() - start) * 1000, 2)
                path: str = scope["path"]
                if not path.isprintable():
                    path = repr(path)[1:-1]
                access_logger.info(
                    "%s %s %d %.2fms",
                    scope["method"],
                    path,
                    status,
                    duration_ms,
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "status": status,
                        "duration_ms": duration_ms,
                    },
                )
        # Only on success: an error raised past this point is logged by the server next,
        # in this request's own task, and should carry the id too.
        request_id_var.reset(token)


class SecurityHeadersMiddleware:
    """Add `X-Content-Type-Options`, `X-Frame-Options`, `Referrer-Policy` and, when
    `hsts_seconds` > 0, `Strict-Transport-Security` to every response that lacks them.

    No Content-Security-Policy: the interactive docs load Swagger UI's scripts from a CDN.
    """

    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        """Wrap `app`; build the headers once."""
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if hsts_seconds > 0:
            hsts = f"max-age={hsts_seconds}; includeSubDomains".encode("ascii")
            self.headers.append((b"strict-transport-security", hsts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {bytes(name).lower() for name, _ in headers}
                headers += [header for header in self.headers if header[0] not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrustedHostMiddleware:
    """Answer 400 (a problem document) to a request whose `Host` is not allowed.

    Patterns as in Starlette's middleware of the same name: exact host names, or
    `*.example.com` for any subdomain of example.com. The port is ignored. (To allow any
    host, leave this middleware out.)
    """

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        """Wrap `app`, letting through the hosts that `allowed_hosts` match."""
        self.app = app
        self.exact = {host.lower() for host in allowed_hosts if not host.startswith("*")}
        self.suffixes = tuple(host[1:].lower() for host in allowed_hosts if host.startswith("*."))

    def _allowed(self, host: str) -> bool:
        # Drop the port; an IPv6 literal keeps its brackets: [::1]:8000 -> [::1].
        ipv6 = host.startswith("[")
        host = host.partition("]")[0] + "]" if ipv6 else host.partition(":")[0]
        host = host.lower()
        return host in self.exact or bool(self.suffixes and host.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or refuse it with a 400."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = (_header(scope, b"host") or b"").decode("latin-1")
        if self._allowed(host):
            await self.app(scope, receive, send)
            return
        response = problem_response(400, UNTRUSTED_HOST)
        await response(scope, receive, send)


class RequestBodyTooLarge(HTTPException):
    """The request body grew past the limit while it was read: answered with a 413."""

    def __init__(self, limit: int) -> None:
        """Name the limit in the detail the client reads."""
        super().__init__(413, f"The request body is larger than the limit of {limit} bytes.")


class BodySizeLimitMiddleware:
    """Refuse request bodies larger than `max_bytes` with a 413 problem document.

    A declared `Content-Length` over the limit is refused before anything is read; the
    body is counted as it streams in too (chunked bodies have no length), and the read
    that crosses the limit raises `RequestBodyTooLarge`, which FastAPI passes on to the
    HTTP error handler.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        """Wrap `app`."""
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with a counting `receive`, or refuse it at once."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            error = RequestBodyTooLarge(self.max_bytes)
            await problem_response(error.status_code, error.detail)(scope, receive, send)
            return
        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RequestBodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, receive_counted, send)
