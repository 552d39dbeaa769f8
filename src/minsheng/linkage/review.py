"""The review queue of probable links (比对复核): list, accept, reject, undo.

    page = list_candidates(conn, principal)                      # pending, in the user's area
    with UnitOfWork(engine, principal) as uow:
        accept(uow, principal, candidate_id, version)            # links the feed record
        uow.commit()

A candidate is a feed record and the registry person it most likely concerns,
scored between the two thresholds by `store.link_unmatched`, with the weight of
each comparison (`comparisons`: the waterfall, prior first; the weights add up
to `match_weight`). A caseworker of the proposed household's area decides:

- `accept` links the feed record to the person (`link_method` = `reviewed`);
- `reject` records, with a reason, that the person is not the one (never proposed again
  for that record);
- `undo` puts a decided candidate back in the queue, with a reason: an accepted link is
  taken off the record again (its link status as it was before), a rejection is lifted.

`in_words` says what a reviewer reads first: which facts agree, which nearly agree, which
disagree, which cannot be compared — and whether two valid, different ID numbers make the
pair a different person, whatever the other facts say. The weights stay one click away.

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
from minsheng.linkage.comparisons import AGREEMENT, DISAGREEMENT
from minsheng.linkage.store import ACCEPTED, PENDING, REJECTED
from minsheng.linkage.tables import LINK_CANDIDATES
from minsheng.registry.access import MAX_PAGE, Page, in_scope, require_persons
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.security import audit
from minsheng.security.tables import AUDIT_LOG
from minsheng.security.users import Principal

REVIEWED = "reviewed"  # link_method of a link a caseworker accepted
MAX_REASON = 500
DIFFERENT_IDS = ("id_number", "two valid numbers differ")  # two people, whatever else agrees
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


def in_words(comparisons: list[dict[str, Any]]) -> dict[str, Any]:
    """The comparisons as a reviewer reads them: {agree, near, disagree, unknown} (each a list of
    {title, title_zh, label, label_zh}) and `different_person` (two valid ID numbers differ).

    >>> in_words([{"comparison": "dob", "title": "birth date", "title_zh": "出生日期", "level": 4,
    ...            "label": "exact", "label_zh": "出生日期相同", "weight": 12.1}])["agree"][0]["label_zh"]
    '出生日期相同'
    """
    out: dict[str, Any] = {"agree": [], "near": [], "disagree": [], "unknown": [], "different_person": False}
    for c in comparisons:
        if c["level"] is None or c["comparison"] not in TITLED:
            continue  # the prior and the frequency adjustments: statistics, not facts
        fact = {k: c[k] for k in ("title", "title_zh", "label", "label_zh")}
        key = (c["comparison"], c["label"])
        if c["level"] < 0:
            out["unknown"].append(fact)
        elif key in AGREEMENT:
            out["agree"].append(fact)
        elif key in DISAGREEMENT:
            out["disagree"].append(fact)
        else:
            out["near"].append(fact)
        out["different_person"] |= key == DIFFERENT_IDS
    return out


TITLED = ("name", "dob", "id_number", "sex", "division")


def _item(row: Any) -> dict[str, Any]:
    item = dict(row._mapping)
    item["comparisons"] = json.loads(item["comparisons"])
    item["plain"] = in_words(item["comparisons"])
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


def _reviewer(principal: Principal) -> None:
    require_persons(principal)
    if principal.role not in REVIEWERS:
        raise Forbidden("您的角色不能复核比对结果", "your role may not review linkage candidates")


def _reason(reason: str, *, zh: str, en: str) -> str:
    if not reason.strip():
        raise InvalidInput("reason", zh, en)
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            "reason", f"理由不能超过{MAX_REASON}字", f"the reason may have at most {MAX_REASON} characters"
        )
    return reason.strip()


def _decide(
    uow: UnitOfWork,
    principal: Principal,
    candidate_id: int,
    version: int,
    to: str,
    note: dict[str, Any],
    *,
    undo: bool = False,
) -> tuple[dict[str, Any], int]:
    _reviewer(principal)
    conn = uow.connection
    candidate = get_candidate(conn, principal, candidate_id)
    if candidate["version"] != version:
        raise Conflict(
            f"比对复核记录 {candidate_id} 已被他人处理（版本 {candidate['version']}），请刷新后再办理",
            f"linkage candidate {candidate_id} was changed by someone else (now version {candidate['version']}): "
            "reload and try again",
        )
    was = candidate["status"]
    if undo and was == PENDING:
        raise Conflict("该记录尚未复核，无需撤销", "the candidate is not decided: there is nothing to undo")
    if not undo and was != PENDING:
        now = STATUSES[was]
        raise Conflict(f"该记录已{now[0]}，不能再次复核", f"the candidate is already {now[1]}")
    changed = conn.execute(
        update(_C)
        .where(_C.c.id == candidate_id, _C.c.version == version, _C.c.status == was)
        .values(
            status=to,
            version=version + 1,
            reviewed_by=None if undo else principal.username,
            reviewed_at=None if undo else dt.datetime.now(dt.UTC),
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
    action = f"link_candidate.undo_{was}" if undo else f"link_candidate.{to}"
    audit.record(conn, principal.username, action, "link_candidate", str(candidate_id), detail)
    return candidate, version + 1


def accept(uow: UnitOfWork, principal: Principal, candidate_id: int, version: int) -> int:
    """The feed record is this person: link it (`link_method` = `reviewed`). Returns the new version.

    Raises `Forbidden` (role), `NotFound` (not in the user's jurisdiction), `Conflict` (stale
    version, already decided, or the feed record was linked meanwhile)."""
    _reviewer(principal)
    feed_key = get_candidate(uow.connection, principal, candidate_id)["feed_key"]
    was = uow.connection.execute(select(FEED_RECORDS.c.link_status).where(FEED_RECORDS.c.feed_key == feed_key)).scalar()
    candidate, new_version = _decide(uow, principal, candidate_id, version, ACCEPTED, {"link_status_was": was})
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
    for it again. A reason is required. Returns the new version; raises as `accept` does."""
    _reviewer(principal)
    get_candidate(uow.connection, principal, candidate_id)  # out of scope is a 404 before a missing reason
    reason = _reason(reason, zh="请填写否定理由", en="give the reason for rejecting")
    _candidate, new_version = _decide(uow, principal, candidate_id, version, REJECTED, {"reason": reason})
    return new_version


def undo(uow: UnitOfWork, principal: Principal, candidate_id: int, version: int, *, reason: str) -> int:
    """Put a decided candidate back in the queue (a reason is required). An accepted link is
    taken off the feed record, which returns to the link status it had before (unmatched, or
    an ID number conflict); the record may meanwhile have raised alerts, which stay as they
    are. Returns the new version; raises as `accept` does, and `Conflict` if the record was
    linked otherwise since."""
    _reviewer(principal)
    get_candidate(uow.connection, principal, candidate_id)
    reason = _reason(reason, zh="请填写撤销理由", en="give the reason for undoing")
    conn = uow.connection
    candidate, new_version = _decide(uow, principal, candidate_id, version, PENDING, {"reason": reason}, undo=True)
    if candidate["status"] == ACCEPTED:
        unlinked = conn.execute(
            update(FEED_RECORDS)
            .where(
                FEED_RECORDS.c.feed_key == candidate["feed_key"],
                FEED_RECORDS.c.person_id == candidate["person_id"],
                FEED_RECORDS.c.link_method == REVIEWED,
            )
            .values(person_id=None, household_id=None, link_status=_status_before(conn, candidate_id), link_method=None)
        )
        if unlinked.rowcount != 1:
            raise Conflict(
                "该部门记录已按其他方式关联，不能撤销，请刷新", "the feed record was linked otherwise since: reload"
            )
    return new_version


def _status_before(conn: Connection, candidate_id: int) -> str:
    """The record's link status before it was accepted, as the accept's audit entry keeps it."""
    detail = conn.execute(
        select(AUDIT_LOG.c.detail)
        .where(
            AUDIT_LOG.c.action == f"link_candidate.{ACCEPTED}",
            AUDIT_LOG.c.subject_kind == "link_candidate",
            AUDIT_LOG.c.subject_id == str(candidate_id),
        )
        .order_by(AUDIT_LOG.c.id.desc())
        .limit(1)
    ).scalar()
    was = json.loads(detail).get("link_status_was") if detail else None
    return was if was in (UNMATCHED, ID_CONFLICT) else UNMATCHED
