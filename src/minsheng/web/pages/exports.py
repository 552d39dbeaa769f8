"""导出: lists of the user's jurisdiction (or a township or village in it) as .xlsx, with
ID and phone numbers masked: households enrolled per programme, alerts not yet finished,
and the latest stored discovery list when a monitoring run has left one; and the Excel
button of every queue (the alert queue, the work-order list, the discovery list: the same
filters as the page, every page of it). The discovery list's page is here too, beside its
file. Every download is an audit entry (who, which list, where, how many rows).

A workbook is written through `contract.sheets` (no cell runs as a formula); money and
counts stay numbers, dates stay dates."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from minsheng.casework import queries
from minsheng.db.uow import UnitOfWork
from minsheng.errors import InvalidInput, NotFound
from minsheng.monitoring import discovery
from minsheng.monitoring.figures import Shown
from minsheng.programmes.registry import model
from minsheng.readmodels import lists
from minsheng.rules.parameters import ParameterSet
from minsheng.security import audit
from minsheng.security.users import Principal
from minsheng.web.api.deps import AppDep, ParamsDep, TodayDep
from minsheng.web.messages import catalogue, translator
from minsheng.web.pages import alerts as alert_page
from minsheng.web.pages import sheets
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)

LISTS = ("enrolled", "alerts", "discovery")
# list column → catalogue key of its header
HEADERS = {
    "programme": "exp.col.programme",
    "household_id": "exp.col.household",
    "residence_division": "exp.col.division",
    "residence_name": "exp.col.division_name",
    "head_name": "exp.col.head",
    "head_id_number": "exp.col.id_number",
    "head_phone": "exp.col.phone",
    "size": "exp.col.size",
    "since": "exp.col.since",
    "benefit": "exp.col.benefit",
    "id": "exp.col.alert",
    "reason": "exp.col.reason",
    "direction": "exp.col.direction",
    "severity": "exp.col.severity",
    "first_event": "exp.col.first_event",
    "last_event": "exp.col.last_event",
    "days_open": "exp.col.days_open",
    "kind": "exp.col.kind",
    "current_benefit": "exp.col.current_benefit",
    "computed_benefit": "exp.col.computed_benefit",
    "failed_conditions": "exp.col.failed_conditions",
    "observed_changes": "exp.col.observed_changes",
    "village": "exp.col.village",
    "figure": "exp.col.figure",
    "figure_value": "exp.col.figure_value",
    "deadline": "exp.col.deadline",
    "status": "exp.col.status",
    "work_order_id": "exp.col.work_order",
    "assignee": "exp.col.assignee",
}
# amounts in yuan: numbers in the workbook even where the stored list (a CSV) has them as text
MONEY = ("benefit", "current_benefit", "computed_benefit", "figure_value")
# coded columns shown as labels: column → catalogue key prefix
CODED = {"reason": "exp.reason.", "direction": "exp.direction.", "severity": "severity.", "kind": "exp.kind."}


def programmes() -> list[str]:
    """Programmes a household is enrolled in (单人保 is recorded as dibao)."""
    return [p for p in model().programmes if p != "dibao_single"]


def known_programme(programme: str, *, required: bool = False) -> str:
    if (programme or required) and programme not in programmes():
        raise InvalidInput("programme", "没有这个救助项目", "no such programme")
    return programme


@router.get("/exports", response_class=HTMLResponse)
def exports_page(
    request: Request, user: UserDep, uow: PageUowDep, app: AppDep, division: str = "", programme: str = ""
) -> Any:
    prefix = lists.within(user, division)
    known_programme(programme)
    conn = uow.connection
    stored = lists.discovery_file(app.settings.data)
    counts = lists.counts(conn, prefix, programme)
    if stored is not None:
        counts["discovery"] = lists.discovery_list(conn, stored, prefix, programme).height
    query = urlencode([(k, v) for k, v in (("division", division), ("programme", programme)) if v])
    return render(
        request,
        "exports.html",
        {
            "user": user,
            "areas": lists.areas(conn, user),
            "programmes": programmes(),
            "division": division,
            "programme": programme,
            "where": lists.division_name(prefix),
            "prefix": prefix,
            "counts": counts,
            "query": f"?{query}" if query else "",
            "discovery_at": (
                dt.datetime.fromtimestamp(stored.stat().st_mtime).strftime("%Y-%m-%d %H:%M") if stored else None
            ),
        },
    )


@router.get("/exports/{name}.xlsx")
def export_list(
    request: Request,
    user: UserDep,
    uow: PageUowDep,
    app: AppDep,
    today: TodayDep,
    params: ParamsDep,
    name: str,
    division: str = "",
    programme: str = "",
) -> Response:
    if name not in LISTS:
        raise NotFound("没有这个名单", "no such list")
    prefix = lists.within(user, division)
    known_programme(programme)
    conn = uow.connection
    lang = lang_of(request)
    t = translator(lang)
    if name == "enrolled":
        frame = lists.enrolled_households(conn, prefix, programme)
    elif name == "alerts":  # the alerts not yet finished, as the dashboard counts them
        f = {"status": "unfinished", "township": prefix if division else ""}
        return alert_workbook(
            request, user, uow, today, params, f, {"division": prefix, "programme": programme or None}
        )
    else:
        stored = lists.discovery_file(app.settings.data)
        if stored is None:
            raise NotFound(
                "还没有主动发现名单（需先运行监测）", "there is no discovery list yet (run monitoring first)"
            )
        frame = lists.discovery_list(conn, stored, prefix, programme)
    audit.record(
        conn,
        user.username,
        "export",
        "list",
        name,
        {"list": name, "division": prefix, "programme": programme or None, "rows": frame.height, "format": "xlsx"},
    )
    uow.commit()
    where = lists.division_name(prefix)
    title = f"{where} · {t('exp.list.' + name)}" + (f" · {programme_label(programme, lang)}" if programme else "")
    data = sheets.workbook(
        labelled(frame, lang),
        t("exp.list." + name),
        title=title,
        notes=[t("exp.sheet_note"), f"{t('exp.exported_by')} {user.username} · {today.isoformat()}"],
    )
    return sheets.download(data, f"{name}-{prefix}-{today:%Y%m%d}.xlsx")


def labelled(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Codes as labels, a division name beside each code, headers in the page's language."""
    t = translator(lang)
    messages = catalogue()
    index = 0 if lang == "zh" else 1
    out = frame.with_columns(
        pl.col(c).cast(pl.Float64, strict=False).round(2) for c in MONEY if c in frame.columns
    )  # 1021.05, never "1021.0500000000001" as text
    if "residence_division" in out.columns:
        names = {c: lists.division_name(c) for c in out["residence_division"].unique().drop_nulls().to_list()}
        at = out.columns.index("residence_division") + 1
        out = out.insert_column(
            at,
            out["residence_division"]
            .replace_strict(names, default=None, return_dtype=pl.String)
            .alias("residence_name"),
        )
    if "programme" in out.columns:
        labels = {p: programme_label(p, lang) for p in out["programme"].unique().drop_nulls().to_list()}
        out = out.with_columns(pl.col("programme").replace_strict(labels, default=pl.col("programme")))
    out = discovery.readable(out, lang)  # issue 12 §3: condition and field labels, not their codes
    for column, prefix in CODED.items():
        if column in out.columns:
            codes = out[column].unique().drop_nulls().to_list()
            labels = {c: messages[prefix + c][index] if prefix + c in messages else c for c in codes}
            out = out.with_columns(pl.col(column).replace_strict(labels, default=pl.col(column)))
    return out.rename({c: t(HEADERS[c]) for c in out.columns if c in HEADERS})


def programme_label(pid: str, lang: str) -> str:
    programme = model().programmes.get(pid)
    if programme is None:
        return pid
    return programme.label_zh if lang == "zh" else programme.label_en


# ── the queues' Excel buttons ───────────────────────────────────────────────────────────


def queue_frame(rows: list[dict[str, Any]], extra: tuple[str, ...], lang: str, statuses: str) -> pl.DataFrame:
    """Queue rows as a sheet: head, village, reason, figure (text, and the amount in yuan as a
    number), deadline and the list's own columns; codes become labels in `labelled`."""
    schema: dict[str, Any] = {
        "head_name": pl.String,
        "head_id_number": pl.String,
        "head_phone": pl.String,
        "household_id": pl.String,
        "village": pl.String,
        "reason": pl.String,
        "figure": pl.String,
        "figure_value": pl.Float64,
        "deadline": pl.Date,
        **{c: pl.Date if c in ("first_event",) else pl.Int64 if c in ("days_open", "work_order_id", "id") else pl.String
           for c in extra},
    }  # fmt: skip
    data = [
        r
        | {
            "village": alert_page.area_name(r["residence_division"]),
            "figure": Shown(**r["figure"]).text(lang) if r["figure"] else None,
            "figure_value": r["figure"]["value"] if r["figure"] and r["figure"]["unit"] else None,
            "status": translator(lang)(statuses + r["status"]) if "status" in r else None,
        }
        for r in rows
    ]
    return pl.DataFrame([{c: d.get(c) for c in schema} for d in data], schema=schema, orient="row")


def queue_download(
    request: Request,
    user: Principal,
    uow: UnitOfWork,
    today: dt.date,
    name: str,
    frame: pl.DataFrame,
    where: dict[str, Any],
) -> Response:
    """Audit the export, then the workbook (the page's language, a title and the notes)."""
    lang = lang_of(request)
    t = translator(lang)
    audit.record(
        uow.connection,
        user.username,
        "export",
        "list",
        name,
        {"list": name, **where, "rows": frame.height, "format": "xlsx"},
    )
    uow.commit()
    data = sheets.workbook(
        labelled(frame, lang),
        t("exp.list." + name),
        title=f"{lists.division_name(user.jurisdiction)} · {t('exp.list.' + name)}",
        notes=[t("exp.sheet_note"), f"{t('exp.exported_by')} {user.username} · {today.isoformat()}"],
    )
    return sheets.download(data, f"{name}-{user.jurisdiction}-{today:%Y%m%d}.xlsx")


def alert_workbook(
    request: Request,
    user: Principal,
    uow: UnitOfWork,
    today: dt.date,
    params: ParameterSet,
    filters: dict[str, Any],
    where: dict[str, Any] | None = None,
) -> Response:
    page = queries.list_alerts(uow.connection, user, today=today, params=params, limit=None, **filters)
    extra = ("severity", "first_event", "days_open", "status", "work_order_id", "id")
    frame = queue_frame(page.items, extra, lang_of(request), "al.status.")
    where = {k: v for k, v in filters.items() if v} if where is None else where
    return queue_download(request, user, uow, today, "alerts", frame, where)


@router.get("/alerts.xlsx")
def alert_queue_excel(request: Request, user: UserDep, uow: PageUowDep, today: TodayDep, params: ParamsDep) -> Response:
    """The alert queue as filtered, every page of it."""
    return alert_workbook(
        request, user, uow, today, params, alert_page.list_filters(alert_page.filters(request.query_params))
    )


@router.get("/work-orders.xlsx")
def work_order_excel(request: Request, user: UserDep, uow: PageUowDep, today: TodayDep) -> Response:
    """The work-order list as filtered, every page of it."""
    from minsheng.web.pages import work_orders

    f = work_orders.filters(request.query_params)
    page = queries.list_orders(uow.connection, user, today=today, limit=None, **work_orders.list_filters(f, user))
    items = [o | {"work_order_id": o["id"]} for o in page.items]
    frame = queue_frame(items, ("severity", "status", "assignee", "work_order_id"), lang_of(request), "status.")
    return queue_download(
        request, user, uow, today, "work_orders", frame, {k: v for k, v in f.items() if v and k != "page"}
    )


# ── the discovery list (主动发现名单) as a page ──────────────────────────────────────────

DISCOVERY_PAGE = 50


def discovery_filters(query: Any, user: Principal) -> dict[str, Any]:
    """The page's filters from the URL; an unknown value is no filter."""
    return {
        "kind": query.get("kind") if query.get("kind") in ("missed", "leaked", "changed") else "",
        "programme": query.get("programme") if query.get("programme") in programmes() else "",
        "township": alert_page.digits(query.get("township")),
        "sort": query.get("sort") if query.get("sort") in lists.DISCOVERY_SORTS else "kind",
        "page": alert_page.whole(query.get("page"), 1, 1, alert_page.MAX_ROW // DISCOVERY_PAGE),
    }


def _discovery_query(f: dict[str, Any], **change: Any) -> str:
    merged = {**f, **change}
    return urlencode({k: v for k, v in merged.items() if v and not (k == "sort" and v == "kind")})


@router.get("/discovery", response_class=HTMLResponse)
def discovery_page(request: Request, user: UserDep, uow: PageUowDep, app: AppDep) -> Any:
    f = discovery_filters(request.query_params, user)
    prefix = lists.within(user, f["township"])
    stored = lists.discovery_file(app.settings.data)
    total, page = (0, pl.DataFrame())
    if stored is not None:
        total, page = lists.discovery_page(
            uow.connection, stored, prefix, programme=f["programme"], kind=f["kind"], sort=f["sort"],
            limit=DISCOVERY_PAGE, offset=(f["page"] - 1) * DISCOVERY_PAGE,
        )  # fmt: skip
    rows = [r | {"area": alert_page.area_name(r["residence_division"])} for r in page.iter_rows(named=True)]
    return render(
        request,
        "discovery.html",
        {
            "user": user,
            "f": f,
            "rows": rows,
            "total": total,
            "stored": stored is not None,
            "pages": max(1, -(-total // DISCOVERY_PAGE)),
            "prev": _discovery_query(f, page=f["page"] - 1),
            "next": _discovery_query(f, page=f["page"] + 1),
            "sort_deadline": _discovery_query(f, sort="deadline", page=1),
            "excel": _discovery_query(f, page=0),
            "programmes": programmes(),
            "townships": alert_page.township_choices(user),
        },
    )


@router.get("/discovery.xlsx")
def discovery_excel(request: Request, user: UserDep, uow: PageUowDep, app: AppDep, today: TodayDep) -> Response:
    """The discovery list as filtered on its page, every page of it."""
    f = discovery_filters(request.query_params, user)
    prefix = lists.within(user, f["township"])
    stored = lists.discovery_file(app.settings.data)
    if stored is None:
        raise NotFound("还没有主动发现名单（需先运行监测）", "there is no discovery list yet (run monitoring first)")
    _total, frame = lists.discovery_page(
        uow.connection, stored, prefix, programme=f["programme"], kind=f["kind"], sort=f["sort"], limit=None
    )
    where = {k: v for k, v in f.items() if v and k != "page"}
    return queue_download(request, user, uow, today, "discovery", frame.drop("head_phone", strict=False), where)
