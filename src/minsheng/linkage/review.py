"""The review queue of probable links (比对复核): list, accept, reject.

    page = list_candidates(conn, principal)                      # pending, in the user's area
    with UnitOfWork(engine, principal) as uow:
        accept(uow, principal, candidate_id, version)            # links the feed record
        uow.commit()

A candidate is a feed record and the registry person it most likely concerns,
scored between the two thresholds by `store.link_unmatched`, with the weight of
each comparison (`comparisons`: the waterfall, prior first; the weights add up
to `match_weight`). A caseworker of the proposed household's area decides:

- `accept` links the feed record to the person (`link_method` = `reviewed`);
- `reject` records that the person is not the one (never proposed again for that record).

Each decision names the `version` it was based on (optimistic locking: a stale
version raises `Conflict`) and is audited. Candidates of households outside the
user's jurisdiction look exactly like ones that do not exist (`NotFound`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, func, select, update

from minsheng.contract.validation import REASONS
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.feeds.linking import ID_CONFLICT, LINKED, UNMATCHED
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.linkage.store import ACCEPTED, PENDING, REJECTED
from minsheng.linkage.tables import LINK_CANDIDATES
from minsheng.registry.access import MAX_PAGE, Page, in_scope, require_persons
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.security import audit
from minsheng.security.users import Principal

REVIEWED = "reviewed"  # link_method of a link a caseworker accepted
REVIEWERS = frozenset({"village_caseworker", "township_caseworker", "county_reviewer"})
STATUSES = {PENDING: ("待复核", "pending"), ACCEPTED: ("已确认", "accepted"), REJECTED: ("已否定", "rejected")}

_C, _F, _P = LINK_CANDIDATES, FEED_RECORDS, PERSONS
_COLUMNS = (
    _C.c.id,
    _C.c.feed_key,
    _C.c.person_id,
    _C.c.household_id,
    _C.c.county,
    _C.c.match_weight,
    _C.c.match_probability,
    _C.c.comparisons,
    _C.c.status,
    _C.c.reviewed_by,
    _C.c.reviewed_at,
    _C.c.version,
    _C.c.created_at,
    HOUSEHOLDS.c.residence_division,
    _F.c.kind.label("feed_kind"),
    _F.c.source.label("feed_source"),
    _F.c.event_date.label("feed_event_date"),
    _F.c.name.label("feed_name"),
    _F.c.birth_date.label("feed_birth_date"),
    _F.c.sex.label("feed_sex"),
    _F.c.id_number_masked.label("feed_id_number_masked"),
    _F.c.id_issue.label("feed_id_issue"),
    _F.c.residence_division.label("feed_residence_division"),
    _P.c.name.label("person_name"),
    _P.c.birth_date.label("person_birth_date"),
    _P.c.sex.label("person_sex"),
    _P.c.id_number_masked.label("person_id_number_masked"),
)


def _query() -> Any:
    # The feed record is joined loosely: on PostgreSQL an unlinked record is row-secured by its
    # own county, which a township worker's scope may not cover; the candidate still shows.
    return (
        select(*_COLUMNS)
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == _C.c.household_id)
        .join(_P, _P.c.person_id == _C.c.person_id)
        .outerjoin(_F, _F.c.feed_key == _C.c.feed_key)
    )


def _item(row: Any) -> dict[str, Any]:
    item = dict(row._mapping)
    item["comparisons"] = json.loads(item["comparisons"])
    # Why the record's ID number is not valid, in both languages (null when it is, or missing).
    no_issue: tuple[str | None, str | None] = (None, None)
    item["feed_id_issue_zh"], item["feed_id_issue_en"] = REASONS.get(item["feed_id_issue"], no_issue)
    return item


def list_candidates(
    conn: Connection, principal: Principal, *, status: str = PENDING, limit: int = 50, offset: int = 0
) -> Page:
    """Candidates in the user's jurisdiction with this `status` (pending, accepted, rejected),
    the most likely first; each with the feed record and the person side by side (ID
    numbers masked) and `comparisons`, the waterfall: a list of {comparison, title,
    title_zh, level, label, label_zh, weight}, the prior first."""
    require_persons(principal)
    if status not in STATUSES:
        raise InvalidInput("status", f"未知状态{status}", f"unknown status {status}; use one of {', '.join(STATUSES)}")
    where = [in_scope(principal), _C.c.status == status]
    total = conn.execute(
        select(func.count())
        .select_from(_C)
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == _C.c.household_id)
        .where(*where)
    ).scalar_one()
    rows = conn.execute(
        _query().where(*where).order_by(_C.c.match_weight.desc(), _C.c.id).limit(min(limit, MAX_PAGE)).offset(offset)
    )
    return Page(total, [_item(r) for r in rows])


def get_candidate(conn: Connection, principal: Principal, candidate_id: int) -> dict[str, Any]:
    """One candidate in the user's jurisdiction (as in `list_candidates`), or `NotFound`."""
    require_persons(principal)
    row = conn.execute(_query().where(_C.c.id == candidate_id, in_scope(principal))).first()
    if row is None:
        raise NotFound(
            f"辖区内没有比对复核记录 {candidate_id}", f"no linkage candidate {candidate_id} in your jurisdiction"
        )
    return _item(row)


def _decide(
    uow: UnitOfWork, principal: Principal, candidate_id: int, version: int, to: str, note: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    require_persons(principal)
    if principal.role not in REVIEWERS:
        raise Forbidden("您的角色不能复核比对结果", "your role may not review linkage candidates")
    conn = uow.connection
    candidate = get_candidate(conn, principal, candidate_id)
    if candidate["version"] != version:
        raise Conflict(
            f"比对复核记录 {candidate_id} 已被他人处理（版本 {candidate['version']}），请刷新后再办理",
            f"linkage candidate {candidate_id} was changed by someone else (now version {candidate['version']}): "
            "reload and try again",
        )
    if candidate["status"] != PENDING:
        now = STATUSES[candidate["status"]]
        raise Conflict(f"该记录已{now[0]}，不能再次复核", f"the candidate is already {now[1]}")
    changed = conn.execute(
        update(_C)
        .where(_C.c.id == candidate_id, _C.c.version == version, _C.c.status == PENDING)
        .values(
            status=to,
            version=version + 1,
            reviewed_by=principal.username,
            reviewed_at=dt.datetime.now(dt.UTC),
        )
    )
    if changed.rowcount != 1:
        raise Conflict(
            "比对复核记录已被他人同时处理，请刷新",
            "the candidate was reviewed at the same time by someone else: reload",
        )
    detail = {
        "feed_key": candidate["feed_key"],
        "person_id": candidate["person_id"],
        "match_weight": round(candidate["match_weight"], 3),
        **note,
    }
    audit.record(conn, principal.username, f"link_candidate.{to}", "link_candidate", str(candidate_id), detail)
    return candidate, version + 1


def accept(uow: UnitOfWork, principal: Principal, candidate_id: int, version: int) -> int:
    """The feed record is this person: link it (`link_method` = `reviewed`). Returns the new version.

    Raises `Forbidden` (role), `NotFound` (not in the user's jurisdiction), `Conflict` (stale
    version, already decided, or the feed record was linked meanwhile)."""
    candidate, new_version = _decide(uow, principal, candidate_id, version, ACCEPTED, {})
    linked = uow.connection.execute(
        update(FEED_RECORDS)
        .where(
            FEED_RECORDS.c.feed_key == candidate["feed_key"], FEED_RECORDS.c.link_status.in_([UNMATCHED, ID_CONFLICT])
        )
        .values(
            person_id=candidate["person_id"],
            household_id=candidate["household_id"],
            link_status=LINKED,
            link_method=REVIEWED,
        )
    )
    if linked.rowcount != 1:
        raise Conflict(
            "该部门记录已被关联或无权修改，请刷新",
            "the feed record was linked meanwhile, or is outside your jurisdiction: reload",
        )
    return new_version


def reject(uow: UnitOfWork, principal: Principal, candidate_id: int, version: int, *, reason: str = "") -> int:
    """The feed record is not this person: it stays unlinked, and this person is not proposed
    for it again. Returns the new version; raises as `accept` does."""
    if len(reason) > 500:
        raise InvalidInput("reason", "理由不能超过500字", "the reason may have at most 500 characters")
    _candidate, new_version = _decide(uow, principal, candidate_id, version, REJECTED, {"reason": reason})
    return new_version
