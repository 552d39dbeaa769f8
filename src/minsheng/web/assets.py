"""The desk's static files, each under a URL that names its content: `/assets/<hash>/<name>`.

A township office may be on a slow link, so a browser should fetch a file once and then never
ask again: the URL carries the first 12 hex digits of the file's SHA-256, so the answer is
`Cache-Control: public, max-age=31536000, immutable` — a changed file gets a new URL, and the
page (never cached: `no-store`) names the new one. `immutable` keeps a browser from revalidating
even on a reload, so a repeat load of a page asks the server for the page alone (issue 12 §6:
each request more is a round trip of 50 ms on such a link). An old hash answers 404 rather
than the new content under the old name.

The files are read once per process and kept in memory with their gzip form (compressed once,
at level 9, not per request). Nothing comes from another host: a county office may have no
internet. (The dashboard's charts are SVG drawn by the server, `pages.charts`: no script.)
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request, Response

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    name: str
    digest: str
    body: bytes
    gzipped: bytes | None  # None where compressing gains nothing (an .ico, a tiny file)
    media_type: str

    @property
    def url(self) -> str:
        return f"/assets/{self.digest}/{self.name}"


def _asset(name: str, body: bytes) -> Asset:
    media_type = TYPES[Path(name).suffix]
    squeezed = gzip.compress(body, compresslevel=9, mtime=0) if media_type.startswith("text") else None
    worth = squeezed is not None and len(squeezed) < 0.9 * len(body)
    digest = hashlib.sha256(body).hexdigest()[:12]
    return Asset(name, digest, body, squeezed if worth else None, media_type)


@cache
def assets() -> dict[str, Asset]:
    """Every file of web/static by name (read and compressed once)."""
    static = resources.files("minsheng.web") / "static"
    return {
        entry.name: _asset(entry.name, entry.read_bytes())
        for entry in static.iterdir()
        if entry.is_file() and Path(entry.name).suffix in TYPES
    }


def asset_url(name: str) -> str:
    """The URL of a static file by its name, for templates: {{ asset_url('minsheng.css') }}."""
    return assets()[name].url


@router.get("/assets/{digest}/{name}")
def asset(digest: str, name: str, request: Request) -> Response:
    found = assets().get(name)
    if found is None or found.digest != digest:
        return Response("not found", status_code=404, media_type="text/plain")
    headers = {"Cache-Control": IMMUTABLE, "ETag": f'"{found.digest}"', "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == f'"{found.digest}"':
        return Response(status_code=304, headers=headers)
    if found.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        # Content-Encoding set here: the GZip middleware passes it through untouched.
        return Response(found.gzipped, media_type=found.media_type, headers=headers | {"Content-Encoding": "gzip"})
    return Response(found.body, media_type=found.media_type, headers=headers)


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico by themselves: the site's mark, not a 404 in every log."""
    found = assets()["favicon.svg"]
    return Response(
        found.body, media_type=found.media_type, headers={"Cache-Control": f"public, max-age={YEAR // 365}"}
    )
