"""导出: lists of the user's jurisdiction (or a township or village in it) as .xlsx, with
ID and phone numbers masked: households enrolled per programme, open alerts, and the
latest stored discovery list when a monitoring run has left one. Every download is an
audit entry (who, which list, where, how many rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from minsheng.errors import InvalidInput, NotFound
from minsheng.programmes.registry import model
from minsheng.readmodels import lists
from minsheng.security import audit
from minsheng.web.api.deps import AppDep, TodayDep
from minsheng.web.messages import catalogue, translator
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
}
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
    elif name == "alerts":
        frame = lists.open_alerts(conn, prefix, today=today)
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
    out = frame
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
