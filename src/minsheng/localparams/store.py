"""Local parameters stored: submit, approve or reject (maker-checker), and lay the approved
values over the shipped files.

    batch = submit(conn, admin, values, division="621121", source_file="本地参数.xlsx")
    decide(conn, reviewer, batch, approve=True, note="县民政局会议纪要")   # another person
    params = parameters_for(conn, baseline())                              # the files + approved values

Every step is one entry in the audit log inside the caller's transaction; nothing commits here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import Connection, func, select

from minsheng.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.localparams.tables import BATCHES, VALUES
from minsheng.localparams.values import LocalValue, overlay, to_entry
from minsheng.programmes.local_choices import Missing, missing_local_parameters
from minsheng.rules.parameters import ParameterSet
from minsheng.security.audit import record

__all__ = ["LocalValue", "batches", "decide", "for_run", "overlay", "parameters_for", "submit", "to_entry"]

SUBMITTERS = frozenset({"administrator"})
APPROVERS = frozenset({"administrator", "county_reviewer"})


class Actor(Protocol):
    """Who submits or decides: the security layer's `Principal` is one."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def jurisdiction(self) -> str: ...


# ---------------------------------------------------------------- maker-checker


def submit(conn: Connection, who: Actor, values: list[LocalValue], *, division: str, source_file: str) -> int:
    """A pending submission of `values` (already checked, see `workbook.read`); returns its id."""
    if who.role not in SUBMITTERS:
        raise Forbidden("只有系统管理员可以提交本地参数", "only an administrator may submit local parameters")
    outside = sorted({v.region for v in values if not v.region.startswith(who.jurisdiction)})
    if outside or not division.startswith(who.jurisdiction):
        raise Forbidden(
            f"区划 {'、'.join(outside) or division} 不在您的辖区 {who.jurisdiction} 内",
            f"division {', '.join(outside) or division} is outside your jurisdiction {who.jurisdiction}",
        )
    if not values:
        raise InvalidInput("values", "文件中没有填写任何取值", "the file gives no values")
    now = dt.datetime.now(dt.UTC)
    batch = conn.execute(
        BATCHES.insert()
        .values(
            division=division,
            status="pending",
            source_file=source_file[:255],
            rows=len(values),
            submitted_by=who.username,
            submitted_at=now,
        )
        .returning(BATCHES.c.id)
    ).scalar_one()
    conn.execute(
        VALUES.insert(),
        [
            {
                "batch_id": batch,
                "parameter_id": v.parameter,
                "region": v.region,
                "effective": v.effective,
                "axis": axis,
                "value": text,
                "doc": v.doc,
                "title": v.title or None,
                "clause": v.clause or None,
                "url": v.url or None,
                "note": v.note or None,
            }
            for v in values
            for axis, text in v.value.items()
        ],
    )
    detail = {"division": division, "file": source_file, "values": len(values), "parameters": _ids(values)}
    record(conn, who.username, "submit_local_parameters", "local_parameters", str(batch), detail)
    return int(batch)


def decide(conn: Connection, who: Actor, batch_id: int, *, approve: bool, note: str = "") -> None:
    """Approve (the values take effect) or reject a pending submission: by another person."""
    if who.role not in APPROVERS:
        raise Forbidden(
            "只有系统管理员或区县审核人员可以审批本地参数",
            "only an administrator or a county reviewer may decide on local parameters",
        )
    row = conn.execute(select(BATCHES).where(BATCHES.c.id == batch_id)).mappings().first()
    if row is None or not row["division"].startswith(who.jurisdiction):
        raise NotFound(f"没有编号为 {batch_id} 的本地参数提交", f"no local-parameter submission {batch_id}")
    if row["submitted_by"] == who.username:
        raise Forbidden(
            "提交人不能审批自己提交的本地参数，请由另一人审批",
            "the submitter cannot decide on their own submission: another person must",
        )
    if not approve and not note.strip():
        raise InvalidInput("note", "退回须填写理由", "a rejection needs a reason")
    status = "approved" if approve else "rejected"
    done = conn.execute(
        BATCHES.update()
        .where(BATCHES.c.id == batch_id, BATCHES.c.status == "pending")  # a second decision finds none
        .values(status=status, decided_by=who.username, decided_at=dt.datetime.now(dt.UTC), decision_note=note or None)
    ).rowcount
    if not done:
        raise Conflict(
            f"提交 {batch_id} 已{_STATUS_ZH[row['status']]}，不能再审批",
            f"submission {batch_id} is already {row['status']}",
        )
    action = "approve_local_parameters" if approve else "reject_local_parameters"
    record(conn, who.username, action, "local_parameters", str(batch_id), {"division": row["division"], "note": note})


_STATUS_ZH = {"pending": "待审批", "approved": "批准", "rejected": "退回"}


def batches(conn: Connection, *, jurisdiction: str = "", status: str | None = None) -> list[dict[str, Any]]:
    query = select(BATCHES).where(BATCHES.c.division.startswith(jurisdiction)).order_by(BATCHES.c.id)
    if status:
        query = query.where(BATCHES.c.status == status)
    return [dict(r) for r in conn.execute(query).mappings()]


# ---------------------------------------------------------------- the values in force


def batch_values(conn: Connection, batch_id: int) -> list[LocalValue]:
    rows = conn.execute(select(VALUES).where(VALUES.c.batch_id == batch_id).order_by(VALUES.c.id)).mappings()
    return _grouped(rows)


def approved_values(conn: Connection, jurisdiction: str = "") -> list[LocalValue]:
    """The values in force: for each parameter, region and date, the latest approved submission's."""
    query = (
        select(VALUES, BATCHES.c.decided_at)
        .join(BATCHES, BATCHES.c.id == VALUES.c.batch_id)
        .where(BATCHES.c.status == "approved", VALUES.c.region.startswith(jurisdiction))
        .order_by(BATCHES.c.decided_at, BATCHES.c.id, VALUES.c.id)
    )
    latest: dict[tuple[str, str, dt.date], tuple[int, list[dict[str, Any]]]] = {}
    for row in conn.execute(query).mappings():
        key = (row["parameter_id"], row["region"], row["effective"])
        batch, rows = latest.get(key, (-1, []))
        if batch != row["batch_id"]:  # a later approval replaces the whole value (every axis value)
            latest[key] = (row["batch_id"], [dict(row)])
        else:
            rows.append(dict(row))
    return _grouped(r for _, rows in latest.values() for r in rows)


def _grouped(rows: Iterable[Any]) -> list[LocalValue]:
    """Rows of one value per axis value → one `LocalValue` per parameter, region and date."""
    out: dict[tuple[int, str, str, dt.date], LocalValue] = {}
    for r in rows:
        key = (r["batch_id"], r["parameter_id"], r["region"], r["effective"])
        if key in out:
            out[key].value[r["axis"]] = r["value"]
            continue
        out[key] = LocalValue(
            parameter=r["parameter_id"],
            region=r["region"],
            effective=r["effective"],
            value={r["axis"]: r["value"]},
            doc=r["doc"],
            title=r["title"] or "",
            clause=r["clause"] or "",
            url=r["url"] or "",
            note=r["note"] or "",
        )
    return sorted(out.values(), key=lambda v: (v.parameter, v.region, v.effective))


def _ids(values: list[LocalValue]) -> list[str]:
    return sorted({v.parameter for v in values})


_CACHE: dict[tuple[int, tuple[Any, ...]], tuple[ParameterSet, ParameterSet]] = {}


def parameters_for(conn: Connection, base: ParameterSet) -> ParameterSet:
    """The parameters of a registry-backed run: `base` (the shipped files, or a reform of them)
    with every approved local value laid over it. Cached per base set and state of the approved
    submissions, so a page or a run recompiles only after an approval."""
    state = conn.execute(
        select(func.count(), func.max(BATCHES.c.id), func.max(BATCHES.c.decided_at)).where(
            BATCHES.c.status == "approved"
        )
    ).one()
    if not state[0]:
        return base
    key = (id(base), tuple(state))
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not base:  # the base kept alongside: an id may be reused
        if len(_CACHE) > 8:
            _CACHE.clear()
        cached = _CACHE[key] = (base, overlay(base, approved_values(conn)))
    return cached[1]


def for_run(
    conn: Connection, base: ParameterSet, divisions: Iterable[str], date: dt.date
) -> tuple[ParameterSet, list[Missing]]:
    """What a registry-backed run (assess, monitor run, the desk) starts with: the parameters
    with the approved local values laid over `base`, and the required ones still not set for
    its divisions on `date` (to say up front, `programmes.local_choices.missing_summary`)."""
    params = parameters_for(conn, base)
    return params, missing_local_parameters(params, divisions, date)
