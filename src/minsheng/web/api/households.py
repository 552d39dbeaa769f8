"""Households: search, 一户一档 detail, entitlements with explanation, a clear ID number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from minsheng.assessment import explain
from minsheng.readmodels import household
from minsheng.registry import access, population
from minsheng.security import audit
from minsheng.web.api.deps import AppDep, ParamsDep, PlainJSON, PrincipalDep, TodayDep, UowDep
from minsheng.web.api.schemas import Search

router = APIRouter(prefix="/api", tags=["households"])


@router.get("/households")
def list_households(
    uow: UowDep,
    principal: PrincipalDep,
    app: AppDep,
    township: Annotated[str, Query(max_length=12, pattern="^[0-9]*$")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    page = access.search_households(
        uow.connection, principal, app.cipher, township=township, limit=limit, offset=offset
    )
    return {"total": page.total, "items": page.items}


@router.post("/households/search")
def search(body: Search, uow: UowDep, principal: PrincipalDep, app: AppDep) -> dict[str, Any]:
    """Find households by ID number, household number or part of a name. A POST, so the
    query (which may be an ID number) never appears in a URL, a proxy log or browser history."""
    page = access.search_households(
        uow.connection, principal, app.cipher, q=body.q, township=body.township, limit=body.limit, offset=body.offset
    )
    audit.record(uow.connection, principal.username, "search_households", "query", "", {"hits": page.total})
    uow.commit()
    return {"total": page.total, "items": page.items}


@router.get("/households/{household_id}", response_class=PlainJSON)
def detail(household_id: str, uow: UowDep, principal: PrincipalDep) -> PlainJSON:
    found = household.household_detail(uow.connection, principal, household_id)
    uow.commit()  # the audited read
    return PlainJSON(found)


@router.get("/households/{household_id}/entitlements")
def entitlements(
    household_id: str, uow: UowDep, principal: PrincipalDep, params: ParamsDep, today: TodayDep
) -> dict[str, Any]:
    """Every programme's result for the household today, with the explanation (minsheng.explain/v1)."""
    access.ensure_household(uow.connection, principal, household_id)
    hh, pp = population.load(uow.connection, household_id=household_id)
    result = explain(hh, pp, household_id, date=today, params=params)
    audit.record(uow.connection, principal.username, "read_entitlements", "household", household_id)
    uow.commit()
    return result


@router.get("/persons/{person_id}/id-number")
def id_number(person_id: str, uow: UowDep, principal: PrincipalDep, app: AppDep) -> dict[str, str]:
    """The clear ID number, for roles that need it; every call is in the audit log."""
    value = access.reveal_id_number(uow.connection, principal, app.cipher, person_id)
    uow.commit()
    return {"person_id": person_id, "id_number": value}
