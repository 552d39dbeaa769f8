"""Conflict of interest (人情保、关系保): the register of workers' close relatives.

Village cadres and civil-affairs workers must report their close relatives who
apply for or receive assistance (近亲属备案). A case about a household with a
registered relative is flagged; the related worker, if a user, can neither
record its findings nor propose nor approve its decision. Relatives are found
through the blind index of their ID number: the register holds no clear ID.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from minsheng.casework.tables import RELATIVES
from minsheng.codes.id_number import is_valid, normalise
from minsheng.errors import Forbidden, InvalidInput
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.tables import PERSONS
from minsheng.security import audit
from minsheng.security.tables import USERS
from minsheng.security.users import Principal

# 民法典 第一千零四十五条：配偶、父母、子女、兄弟姐妹、祖父母、外祖父母、孙子女、外孙子女为近亲属。
RELATIONS = {
    "spouse": "配偶",
    "parent": "父母",
    "child": "子女",
    "sibling": "兄弟姐妹",
    "grandparent": "祖父母、外祖父母",
    "grandchild": "孙子女、外孙子女",
}
WORKER_ROLES = {"village_cadre": "村（居）委会干部", "caseworker": "经办人员", "reviewer": "审核审批人员"}
REGISTRARS = frozenset({"township_caseworker", "county_reviewer", "administrator"})


def register(
    conn: Connection,
    principal: Principal,
    cipher: PersonalDataCipher,
    *,
    worker_name: str,
    worker_role: str,
    relative_name: str,
    relative_id_number: str,
    relation: str,
    worker_username: str | None = None,
) -> int:
    """Record one close relative of a worker in the register of the user's county (audited)."""
    if principal.role not in REGISTRARS:
        raise Forbidden("您的角色不能登记近亲属备案", "your role may not add to the relatives register")
    if len(principal.jurisdiction) < 6:
        raise Forbidden(
            "近亲属备案按区县登记", "the relatives register is kept per county: act as a county or township user"
        )
    if worker_role not in WORKER_ROLES:
        raise InvalidInput("worker_role", f"应为 {'/'.join(WORKER_ROLES)}", f"must be one of {', '.join(WORKER_ROLES)}")
    if relation not in RELATIONS:
        raise InvalidInput("relation", f"应为 {'/'.join(RELATIONS)}", f"must be one of {', '.join(RELATIONS)}")
    if not is_valid(relative_id_number):
        raise InvalidInput("relative_id_number", "不是有效的公民身份号码", "is not a valid citizen ID number")
    if not worker_name.strip() or not relative_name.strip():
        raise InvalidInput("worker_name", "姓名不能为空", "names must not be empty")
    county = principal.jurisdiction[:6]
    if (
        worker_username is not None
        and conn.execute(
            select(USERS.c.username).where(
                USERS.c.username == worker_username, USERS.c.jurisdiction.startswith(county, autoescape=True)
            )
        ).first()
        is None
    ):
        # The same answer for a user who does not exist and one outside the county: the register
        # must not tell a registrar who has an account elsewhere (security finding #8).
        raise InvalidInput(
            "worker_username", "本区县没有这个用户", "no such user in your county (the register is kept per county)"
        )
    number = normalise(relative_id_number)
    result = conn.execute(
        RELATIVES.insert().values(
            county=county,
            worker_name=worker_name.strip(),
            worker_username=worker_username,
            worker_role=worker_role,
            relative_name=relative_name.strip(),
            relative_id_hash=cipher.blind_index(number),
            relative_id_masked=number[:6] + "*" * 8 + number[14:],
            relation=relation,
            registered_by=principal.username,
        )
    )
    new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    audit.record(conn, principal.username, "register_relative", "relative", str(new_id), {"worker": worker_name})
    return new_id


def for_household(conn: Connection, household_id: str, county: str) -> list[dict[str, Any]]:
    """Registered workers related to any member of the household (same county's register)."""
    rows = conn.execute(
        select(
            RELATIVES.c.worker_name,
            RELATIVES.c.worker_username,
            RELATIVES.c.worker_role,
            RELATIVES.c.relation,
            PERSONS.c.person_id,
            PERSONS.c.name,
        )
        .join(PERSONS, PERSONS.c.id_number_hash == RELATIVES.c.relative_id_hash)
        .where(PERSONS.c.household_id == household_id, RELATIVES.c.county == county)
        .order_by(RELATIVES.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def ensure_unrelated(conflicts: list[dict[str, Any]], principal: Principal) -> None:
    """A worker never acts on a relative's case (回避)."""
    if any(c["worker_username"] == principal.username for c in conflicts):
        raise Forbidden(
            "该户有您的近亲属，依规回避，请由其他人员办理",
            "a member of this household is your close relative: another worker must handle the case",
        )


def list_register(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    """The register entries a user may see: its county's (relatives' ID numbers masked)."""
    if principal.role not in REGISTRARS:
        raise Forbidden("您的角色不能查看近亲属备案", "your role may not read the relatives register")
    scope = principal.jurisdiction[:6]
    rows = conn.execute(
        select(
            RELATIVES.c.id,
            RELATIVES.c.worker_name,
            RELATIVES.c.worker_username,
            RELATIVES.c.worker_role,
            RELATIVES.c.relative_name,
            RELATIVES.c.relative_id_masked,
            RELATIVES.c.relation,
            RELATIVES.c.registered_by,
        )
        .where(RELATIVES.c.county.startswith(scope) if len(scope) < 6 else RELATIVES.c.county == scope)
        .order_by(RELATIVES.c.id)
    ).mappings()
    return [dict(r) for r in rows]
