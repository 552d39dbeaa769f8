"""What every page needs: the signed-in user (or a redirect to the login page), the
language (query `lang`, then the `lang` cookie, then Chinese), and `render`."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from minsheng.bootstrap import App
from minsheng.codes import enums
from minsheng.codes.clock import beijing_time
from minsheng.contract.columns import FEED_SOURCES
from minsheng.db.uow import UnitOfWork
from minsheng.errors import NotAuthenticated
from minsheng.security import sessions
from minsheng.security.users import ROLES, Principal
from minsheng.simulation.scenarios import ANALYSTS
from minsheng.web.api.deps import SESSION_COOKIE, get_app, remember_user
from minsheng.web.assets import asset_url
from minsheng.web.messages import LANGS, translator

templates = Jinja2Templates(directory=str(resources.files("minsheng.web") / "templates"))


@pass_context
def _code(context: Any, codes: enums.CodeList, value: str | None) -> str:
    """{{ code(enums.SEX, value) }}: a code's label in the page's language; an unknown code as
    it is, none as nothing."""
    if value in (None, ""):
        return ""
    return codes.label(value, context["lang"]) if value in codes.labels else str(value)


# China has one time zone; the store keeps UTC. Every time a person reads is Beijing time,
# labelled so (北京时间), on pages, in the audit log shown to users, in reports and exports.
# Every page may show a code by its label: the code lists, and the function.
templates.env.globals.update(code=_code, enums=enums, FEED_SOURCES=FEED_SOURCES, asset_url=asset_url)
templates.env.filters["beijing"] = beijing_time
NAV = (
    ("/", "nav.dashboard", False),
    ("/alerts", "nav.alerts", True),
    ("/work-orders", "nav.work_orders", True),
    ("/discovery", "nav.discovery", True),
    ("/households", "nav.households", True),
    ("/links", "nav.links", True),
    ("/import", "nav.import", True),
    ("/exports", "nav.exports", True),
)  # (path, label, needs person-level access)
ADMIN_NAV = (("/local-parameters", "nav.local_parameters"),)  # administrators only (issue 12 §5)
SIMULATION_NAV = (("/simulation", "nav.simulation"),)  # analysts, reviewers, administrators (issue 13 §2)


class LoginRequired(Exception):
    """No live session: the page handler sends the browser to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return lang if lang in LANGS else "zh"


def page_user(request: Request, app: Annotated[App, Depends(get_app)]) -> Principal:
    found: Principal | None = getattr(request.state, "principal", None)
    if found is not None:  # the page's unit of work found the user already
        return found
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            with app.engine.connect() as conn:
                return remember_user(request, sessions.principal_for(conn, token))
        except NotAuthenticated:
            pass
    raise LoginRequired(request.url.path)


def page_uow(request: Request, app: Annotated[App, Depends(get_app)]) -> Any:
    """The page's transaction, acting for the signed-in user, found in it (see api.deps.get_uow)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired(request.url.path)
    with UnitOfWork(app.engine) as uow:
        try:
            principal = sessions.principal_for(uow.connection, token)
        except NotAuthenticated:
            raise LoginRequired(request.url.path) from None
        uow.act_for(remember_user(request, principal))
        yield uow


UserDep = Annotated[Principal, Depends(page_user)]
PageUowDep = Annotated[UnitOfWork, Depends(page_uow)]


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    lang = lang_of(request)
    user: Principal | None = context.get("user")
    nav = [(p, k) for p, k, persons in NAV if user is None or user.sees_persons or not persons]
    if user is not None and user.role in ANALYSTS:
        nav += SIMULATION_NAV
    if user is not None and user.role == "administrator":
        nav += ADMIN_NAV
    page = templates.TemplateResponse(
        request,
        name,
        {
            "t": translator(lang),
            "lang": lang,
            "nav": nav,
            "path": request.url.path,
            "role_label": (ROLES[user.role][0 if lang == "zh" else 1] if user else ""),
            "plabel": lambda pid: _programme_label(pid, lang),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGS:
        page.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="strict")
    return page


def _programme_label(pid: str, lang: str) -> str:
    """Programme names come from the programme registry, the single source of labels."""
    from minsheng.programmes.registry import model

    programme = model().programmes.get(pid)
    if programme is None:
        return pid
    return programme.label_zh if lang == "zh" else programme.label_en


def login_redirect(exc: LoginRequired) -> Response:
    from fastapi.responses import RedirectResponse

    return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)


def error_page(request: Request, status: int, zh: str, en: str) -> HTMLResponse:
    """An error as a page in the user's language (404 for another area's record, like a missing
    one), with the navigation when the browser is signed in: a mistyped address is no dead end."""
    user = getattr(request.state, "principal", None) or _signed_in(request)
    message = zh if lang_of(request) == "zh" else en
    return render(request, "error.html", {"status": status, "message": message, "user": user}, status_code=status)


def _signed_in(request: Request) -> Principal | None:
    """The session's user where no route looked (an unknown address), or None."""
    token = request.cookies.get(SESSION_COOKIE)
    app = getattr(request.app.state, "minsheng", None)
    if not token or app is None:
        return None
    try:
        with app.engine.connect() as conn:
            return sessions.principal_for(conn, token)
    except NotAuthenticated:
        return None


def invalid_request_page(as_json: Any) -> Any:
    """The handler of a request FastAPI could not read (?page=abc, a township of letters): on a
    page, the error page naming the fields; on the API, `as_json` (the JSON error)."""
    from minsheng.web.api.errors import is_page

    async def handler(request: Request, exc: RequestValidationError) -> Response:
        if not is_page(request):
            return await as_json(request, exc)
        fields = sorted({str(e.get("loc", ("", ""))[-1]) for e in exc.errors()})
        # the Chinese page names no field: they are the URL's English names (page, township)
        return error_page(
            request,
            422,
            "网址中的页码或筛选条件不正确，请返回修改后重试。",
            f"A page number or filter in the address is not valid ({', '.join(fields)}): go back and correct it.",
        )

    return handler
