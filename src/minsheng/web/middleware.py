"""Plain ASGI middleware (lighter than Starlette's BaseHTTPMiddleware, which costs every request
a task and a queue: measured under 20 concurrent clients), outermost first:

- `AccessLog`: method, path without its query string (a query could hold an ID number),
  status, user, client address and milliseconds — never a body;
- `SecurityHeaders`: a Content-Security-Policy, no framing, no MIME sniffing, referrers only
  to this site, and `Cache-Control: no-store` on everything but the static files (which
  `web.assets` marks immutable under content-hashed URLs);
- `SameOriginForms`: a state-changing request from another site (or from an opaque `null`
  origin) is refused (besides SameSite=Strict cookies);
- `BodyLimit`: a body larger than its limit is refused with 413 before it fills the memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("minsheng.access")


def error_json(kind: str, zh: str, en: str) -> bytes:
    return json.dumps({"error": {"type": kind, "zh": zh, "en": en}}, ensure_ascii=False).encode()


async def answer(send: Send, status: int, body: bytes) -> None:
    """A JSON answer sent straight from a middleware, before the app sees the request."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


REFUSED = error_json("forbidden", "拒绝跨站提交", "a request from another site was refused")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Credentials a client names in a header: a page of another site cannot add these to a request
# to us without a CORS preflight, which this app never grants; only cookies ride along by themselves.
EXPLICIT_CREDENTIALS = (b"authorization", b"x-department-token")


class SameOriginForms:
    """Cross-site request forgery needs a credential the browser sends by itself: a cookie. So a
    state-changing request must show where it comes from — an `Origin` naming this host (a
    browser sends one with every POST; `null`, from a sandboxed frame or a file, is refused),
    or, without an Origin, a `Referer` naming this host (the pages' Referrer-Policy keeps
    sending it to this site). A request with neither is let through only when it carries no
    cookie (nothing to forge with: a script logging in) or names its credential in a header
    (a Bearer session token, a department's X-Department-Token)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS and _cross_site(dict(scope["headers"])):
            await answer(send, 403, REFUSED)
            return
        await self.app(scope, receive, send)


def _cross_site(headers: dict[bytes, bytes]) -> bool:
    host = headers.get(b"host", b"").decode("latin-1")
    origin = headers.get(b"origin")
    if origin is not None:
        text = origin.decode("latin-1").strip()
        return text == "null" or urlsplit(text).netloc != host
    referer = headers.get(b"referer")
    if referer is not None:
        return urlsplit(referer.decode("latin-1").strip()).netloc != host
    return b"cookie" in headers and not any(name in headers for name in EXPLICIT_CREDENTIALS)


class BodyTooLarge(Exception):
    """Raised into the app when a streamed body passes its limit."""


def _mib(size: int) -> str:
    return f"{size / 1024**2:g} MiB"


class BodyLimit:
    """A request body of more than `limit` bytes (`upload_limit` on the paths that take files)
    is refused with 413: by its Content-Length before a byte is read, and for a chunked body (or
    one longer than it said) by counting as it streams in. A refused body never reaches memory."""

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int, upload_paths: tuple[str, ...]) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"].startswith(self.upload_paths) else self.limit
        refusal = error_json(
            "too_large", f"请求内容过大（上限 {_mib(limit)}）", f"the request is too large (at most {_mib(limit)})"
        )
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await answer(send, 413, refusal)
            return
        received = 0
        over = started = False

        async def counting() -> Message:
            """The body as it arrives; past the limit, the app gets an error instead."""
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # whatever the app answers to a body cut short, the answer is 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting, sending)
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await answer(send, 413, refusal)


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# The pages load scripts and styles from this site only. Two allowances, each for a reason:
# the notice's print button is an inline handler (its exact text allowed by hash, nothing else),
# and the bars of the link review page are sized by inline styles.
CSP = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'unsafe-hashes' {_sha256('window.print()')}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The API reference page (/docs) is Swagger UI served from the installed swagger-ui-bundle
# package (no CDN: a county office may have no internet) plus FastAPI's inline start-up script;
# it holds no personal data.
API_REFERENCE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
API_REFERENCE = ("/docs",)
CACHEABLE = ("/static/", "/vendor/", "/assets/", "/favicon.ico")  # the same files for everyone, no personal data
# Not worth gzipping again: already compressed (xlsx is a zip, a PDF's streams are deflated).
# Nor the API's JSON: its answers are a few KB for systems on the office network, and gzip in
# the server's one event loop cut the household-detail API from 127 to 91 requests a second
# under 20 clients (benchmarks/bench_api.py, PostgreSQL). Pages, which township offices load
# over slow links, stay compressed.
NOT_COMPRESSED = (
    "application/json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "image/png",
    "image/jpeg",
    "font/woff2",
)


class SecurityHeaders:
    """Headers every response carries. `Referrer-Policy: same-origin`, not `no-referrer`: with
    no-referrer a browser sends `Origin: null` on form posts, which `SameOriginForms` refuses.
    Everything but the static files is `no-store`: a page or an answer may hold personal data,
    and a shared or stolen computer's cache must not keep it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = API_REFERENCE_CSP if path.startswith(API_REFERENCE) else CSP
        cacheable = path.startswith(CACHEABLE)
        added = [
            (b"content-security-policy", csp.encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]
        if not cacheable:
            added.append((b"cache-control", b"no-store"))
        names = {name for name, _ in added}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + added}
            await send(message)

        await self.app(scope, receive, sending)


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            user = scope.get("state", {}).get("username", "-")
            client = scope.get("client")
            address = client[0] if client else "-"
            ms = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %s %s %s %.0fms", scope["method"], scope["path"], status["code"], user, address, ms)
