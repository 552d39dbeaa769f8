"""The linkage review queue (比对复核): probable links a caseworker accepts or rejects (with a
reason); each with the facts in plain words (`plain`: agree, near, disagree, unknown,
different_person) and the match weight of every comparison (the waterfall of why)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from minsheng.linkage import review
from minsheng.web.api.deps import PrincipalDep, UowDep
from minsheng.web.api.schemas import Version

router = APIRouter(prefix="/api", tags=["linkage review"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class Decision(BaseModel):
    version: int = Version
    reason: str = Field(default="", max_length=2000)


@router.get("/link-candidates")
def candidates(
    uow: UowDep,
    principal: PrincipalDep,
    status: Annotated[str, Query(max_length=12, pattern="^[a-z]*$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    page = review.list_candidates(uow.connection, principal, status=status, limit=limit, offset=offset)
    return {"total": page.total, "items": page.items}


@router.get("/link-candidates/{candidate_id}")
def candidate(candidate_id: Id, uow: UowDep, principal: PrincipalDep) -> dict[str, Any]:
    return review.get_candidate(uow.connection, principal, candidate_id)


@router.post("/link-candidates/{candidate_id}/accept")
def accept(candidate_id: Id, body: Decision, uow: UowDep, principal: PrincipalDep) -> dict[str, int]:
    version = review.accept(uow, principal, candidate_id, body.version)
    uow.commit()
    return {"id": candidate_id, "version": version}


@router.post("/link-candidates/{candidate_id}/reject")
def reject(candidate_id: Id, body: Decision, uow: UowDep, principal: PrincipalDep) -> dict[str, int]:
    version = review.reject(uow, principal, candidate_id, body.version, reason=body.reason)
    uow.commit()
    return {"id": candidate_id, "version": version}
