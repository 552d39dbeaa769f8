"""Reads of the registry on behalf of a user (按辖区查询): scope, search, the clear ID number.

Every query here carries the acting user's jurisdiction (a division-code prefix)
in its WHERE clause; on PostgreSQL row-level security checks the same thing
again (`UnitOfWork(engine, principal)`). A household outside the jurisdiction
raises the same `NotFound` as one that does not exist, so a URL reveals
nothing. ID and phone numbers leave the store masked; the clear value only
through `reveal_id_number`, for roles that need it, and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, or_, select

from minsheng.codes.id_number import is_valid, normalise
from minsheng.db.store import starts_with
from minsheng.errors import Forbidden, NotFound
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.security import audit
from minsheng.security.users import Principal

CLEAR_ID_ROLES = frozenset({"county_reviewer", "administrator"})  # payment and legal letters need the number
MAX_PAGE = 200

MEMBER_COLUMNS = (
    "person_id",
    "name",
    "relation",
    "sex",
    "birth_date",
    "id_number_masked",
    "phone_masked",
    "disability_grade",
    "disability_kind",
    "labour_capacity",
    "self_care",
    "employment",
    "school_stage",
    "wage_income_fen",
    "business_income_fen",
    "property_income_fen",
    "transfer_income_fen",
    "disregarded_income_fen",
    "medical_expense_fen",
    "education_expense_fen",
    "other_rigid_expense_fen",
    "medical_insurance",
    "pension_insurance",
    "supporter_capable",
)


def in_scope(principal: Principal) -> ColumnElement[bool]:
    """Households in the user's jurisdiction: a prefix of the residence division. (Matching a
    county on its indexed column instead made SQLite drive joins from all the county's
    households rather than from the few alerts or orders: slower, measured.) A test PostgreSQL's
    planner can estimate under row-level security (`db.store.starts_with`)."""
    return starts_with(HOUSEHOLDS.c.residence_division, principal.jurisdiction)


def require_persons(principal: Principal) -> None:
    """City and province analysts see aggregates only (F1)."""
    if not principal.sees_persons:
        raise Forbidden("您的角色只能查看汇总数据", "your role sees aggregate figures only, not persons")


@dataclass(frozen=True)
class Page:
    total: int
    items: list[dict[str, Any]]


def search_households(
    conn: Connection,
    principal: Principal,
    cipher: PersonalDataCipher,
    *,
    q: str = "",
    township: str = "",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Households in the jurisdiction matching `q`: a full ID number (found through its
    blind index, never compared in clear), a household number, or part of a member's name."""
    require_persons(principal)
    where = [in_scope(principal)]
    if township:
        where.append(HOUSEHOLDS.c.residence_division.startswith(township))
    q = q.strip()
    if q:
        members = select(PERSONS.c.household_id)
        if is_valid(q):
            members = members.where(PERSONS.c.id_number_hash == cipher.blind_index(normalise(q)))
        else:
            members = members.where(PERSONS.c.name.contains(q, autoescape=True))
        where.append(or_(HOUSEHOLDS.c.household_id == q, HOUSEHOLDS.c.household_id.in_(members)))
    total = conn.execute(select(func.count()).select_from(HOUSEHOLDS).where(*where)).scalar_one()
    size = select(func.count()).where(PERSONS.c.household_id == HOUSEHOLDS.c.household_id).scalar_subquery()
    head = (
        select(PERSONS.c.name)
        .where(PERSONS.c.household_id == HOUSEHOLDS.c.household_id, PERSONS.c.relation == "02")  # GB/T 4761: 02 户主
        .limit(1)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            HOUSEHOLDS.c.household_id,
            HOUSEHOLDS.c.residence_division,
            HOUSEHOLDS.c.urban_rural,
            HOUSEHOLDS.c.current_benefit_fen,
            head.label("head_name"),
            size.label("size"),
        )
        .where(*where)
        .order_by(HOUSEHOLDS.c.household_id)
        .limit(min(max(limit, 1), MAX_PAGE))
        .offset(max(offset, 0))
    ).all()
    return Page(total, [dict(r._mapping) for r in rows])


def ensure_household(conn: Connection, principal: Principal, household_id: str) -> str:
    """The household's residence division, if it is in the user's jurisdiction."""
    require_persons(principal)
    division = conn.execute(
        select(HOUSEHOLDS.c.residence_division).where(HOUSEHOLDS.c.household_id == household_id, in_scope(principal))
    ).scalar()
    if division is None:
        raise NotFound(f"辖区内没有编号为 {household_id} 的家庭", f"no household {household_id} in your jurisdiction")
    return str(division)


def reveal_id_number(conn: Connection, principal: Principal, cipher: PersonalDataCipher, person_id: str) -> str:
    """The clear ID number, for a role that needs it; every reveal is in the audit log."""
    require_persons(principal)
    if principal.role not in CLEAR_ID_ROLES:
        raise Forbidden("您的角色不能查看完整身份证号", "your role may not see full ID numbers")
    row = conn.execute(
        select(PERSONS.c.id_number_enc)
        .join(HOUSEHOLDS, HOUSEHOLDS.c.household_id == PERSONS.c.household_id)
        .where(PERSONS.c.person_id == person_id, in_scope(principal))
    ).first()
    if row is None or row.id_number_enc is None:
        raise NotFound(
            f"辖区内没有人员 {person_id} 的身份证号", f"no ID number for person {person_id} in your jurisdiction"
        )
    audit.record(conn, principal.username, "reveal_id_number", "person", person_id)
    return cipher.decrypt(row.id_number_enc)
