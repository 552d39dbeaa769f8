"""Dashboard figures, the registry summary, the relatives register, department tokens,
feed delivery and audit verification."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile

from minsheng.casework import conflicts
from minsheng.contract.columns import FEED_KINDS
from minsheng.errors import Forbidden, InvalidInput
from minsheng.feeds.ingest import ingest_feed
from minsheng.readmodels import dashboard
from minsheng.registry.queries import summary
from minsheng.security import audit, sessions
from minsheng.web.api.deps import AppDep, PrincipalDep, TodayDep, UowDep, get_department
from minsheng.web.api.schemas import DepartmentTokenIn, RelativeIn

router = APIRouter(prefix="/api", tags=["administration"])
AUDITORS = frozenset({"county_reviewer", "administrator"})
MAX_FEED_BYTES = 200 * 1024 * 1024
FEED_SUFFIXES = (".csv", ".xlsx", ".parquet")
MAX_ERRORS_SHOWN = 1000  # a reply stays small; every rejected row is in the county's quarantine


@router.get("/summary")
def registry_summary(uow: UowDep, principal: PrincipalDep) -> dict[str, Any]:
    """Households and persons by township in the user's jurisdiction (aggregates)."""
    result = summary(uow.connection, principal.jurisdiction)
    return {
        "jurisdiction": result.jurisdiction,
        "households": result.households,
        "persons": result.persons,
        "townships": [t.__dict__ | {"households": t.households, "persons": t.persons} for t in result.townships],
    }


@router.get("/dashboard")
def dashboard_figures(uow: UowDep, principal: PrincipalDep, today: TodayDep) -> dict[str, Any]:
    return dashboard.figures(uow.connection, principal, today=today)


@router.get("/relatives")
def relatives(uow: UowDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return conflicts.list_register(uow.connection, principal)


@router.post("/relatives", status_code=201)
def add_relative(body: RelativeIn, uow: UowDep, principal: PrincipalDep, app: AppDep) -> dict[str, int]:
    new_id = conflicts.register(uow.connection, principal, app.cipher, **body.model_dump())
    uow.commit()
    return {"id": new_id}


@router.post("/department-tokens", status_code=201)
def department_token(body: DepartmentTokenIn, uow: UowDep, principal: PrincipalDep, app: AppDep) -> dict[str, str]:
    """A feed-delivery token for one department and area (administrators); shown once."""
    days = body.days or app.settings.department_token_days
    token, expires = sessions.issue_department_token(
        uow.connection, principal, body.department, body.jurisdiction, days
    )
    uow.commit()
    return {"token": token, "expires_at": expires.isoformat() + "Z", "department": body.department}


@router.post("/feeds/{kind}")
def deliver_feed(
    kind: str,
    app: AppDep,
    department: Annotated[sessions.Department, Depends(get_department)],
    file: Annotated[UploadFile, File(description="the feed file: .csv, .xlsx or .parquet, per DATA-CONTRACT.md")],
) -> dict[str, Any]:
    """A department delivers one feed file; rows from another source or area refuse the whole file.
    The reply: rows received and rejected, with the rejected rows' reasons (row, column, zh, en)."""
    if kind not in FEED_KINDS:
        raise InvalidInput("kind", f"未知数据类别 {kind}", f"unknown feed kind {kind}")
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in FEED_SUFFIXES:
        raise InvalidInput("file", "文件应为 .csv、.xlsx 或 .parquet", "the file must be .csv, .xlsx or .parquet")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}{suffix}"
        size = 0
        with path.open("wb") as out:
            while chunk := file.file.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_FEED_BYTES:
                    raise InvalidInput("file", "文件过大（上限200MB）", "the file is too large (200 MB at most)")
                out.write(chunk)
        outcome = ingest_feed(
            app.engine, app.cipher, path, kind=kind, source=department.department, jurisdiction=department.jurisdiction
        )
    # The links (and the records kept unlinked because their person lives outside the token's
    # area) are the county's to know: in its audit log, never in the reply.
    audit.record_now(
        app.engine,
        f"department:{department.department}",
        "deliver_feed",
        "feed",
        kind,
        {"rows": outcome.rows, "quarantined": outcome.quarantined, "links": outcome.links},
    )
    # The department hears about its own file only. How many rows linked would tell it whether
    # an ID number is in the registry (security finding #1), so the reply has no link counts.
    return {
        "kind": kind,
        "rows": outcome.rows,
        "received": outcome.rows - outcome.quarantined,
        "rejected": outcome.quarantined,
        "inserted": outcome.inserted,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "id_invalid": outcome.id_invalid,
        "errors": outcome.errors[:MAX_ERRORS_SHOWN],
        "errors_total": len(outcome.errors),
    }


@router.get("/audit/verify")
def verify_audit(uow: UowDep, principal: PrincipalDep) -> dict[str, Any]:
    """Check the whole audit chain (hash-chained with SM3)."""
    if principal.role not in AUDITORS:
        raise Forbidden("您的角色不能核验审计日志", "your role may not verify the audit log")
    result = audit.verify(uow.connection)
    audit.record(uow.connection, principal.username, "verify_audit", "audit_log", "", {"ok": result.ok})
    uow.commit()
    return {
        "ok": result.ok,
        "rows": result.rows,
        "head_hash": result.head_hash,
        "problem_id": result.problem_id,
        "reason": {"zh": result.reason_zh, "en": result.reason_en},
    }
