"""Errors as JSON with both languages; a status code per kind of error."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from minsheng.errors import (
    Conflict,
    Forbidden,
    ImportRejected,
    InvalidInput,
    MinshengError,
    NotAuthenticated,
    NotFound,
    StoreBusy,
)

STATUS: list[tuple[type[MinshengError], int, str]] = [
    (NotAuthenticated, 401, "not_authenticated"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (InvalidInput, 422, "invalid_input"),
    (ImportRejected, 422, "import_rejected"),
    (StoreBusy, 503, "busy"),
]
RETRY_AFTER_SECONDS = "5"  # a busy database (an import) is worth asking again soon
HTTP_ZH = {
    401: "请先登录",
    403: "无权访问",
    404: "没有找到",
    405: "不支持该请求方法",
    413: "请求内容过大",
    415: "不支持的内容类型",
}


def body(kind: str, zh: str, en: str, **extra: object) -> dict[str, object]:
    return {"error": {"type": kind, "zh": zh, "en": en, **extra}}


def is_page(request: Request) -> bool:
    """A browser page (HTML errors) rather than the API (JSON errors)."""
    path = request.url.path
    return not (path.startswith(("/api/", "/static/", "/vendor/")) or path in ("/healthz", "/openapi.json", "/docs"))


def install(app: FastAPI) -> None:
    @app.exception_handler(MinshengError)
    async def minsheng_error(request: Request, exc: MinshengError) -> Response:
        status, kind = next(((s, k) for t, s, k in STATUS if isinstance(exc, t)), (400, "bad_request"))
        if is_page(request):
            from minsheng.web.pages.common import error_page

            return error_page(request, status, exc.zh, exc.en)
        extra = {"field": exc.field} if isinstance(exc, InvalidInput) else {}
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 503:
            headers = {"Retry-After": RETRY_AFTER_SECONDS}
        return JSONResponse(body(kind, exc.zh, exc.en, **extra), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in e.get("loc", ())), "en": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse(
            body("invalid_input", "请求内容不正确", "the request is not valid", problems=problems), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        en = str(exc.detail)
        if is_page(request):
            from minsheng.web.pages.common import error_page

            return error_page(request, exc.status_code, HTTP_ZH.get(exc.status_code, "请求无法处理"), en)
        return JSONResponse(
            body("http", HTTP_ZH.get(exc.status_code, "请求无法处理"), en),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
