"""核对授权: the household's written consent to the check of its economic status.

A household applying for assistance signs an authorisation (授权书) that lets the civil
affairs department query its members' records at other departments (《最低生活保障审核
确认办法》, 民发〔2021〕57号: the applicant and the members sign the declaration and the
authorisation). minsheng keeps what the paper says — who signed, when, until when, the
form's number or scan reference — and produces a verification report only while one is
valid. Recording it is audited; the signer's name stays out of the audit detail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from minsheng.errors import InvalidInput
from minsheng.registry import access
from minsheng.registry.tables import PERSONS
from minsheng.security import audit
from minsheng.security.users import Principal
from minsheng.verification.tables import VERIFICATION_AUTHORISATIONS

MAX_NAME = 64
MAX_REF = 128
COLUMNS = ("id", "signed_by", "signed_on", "valid_until", "document_ref", "recorded_by", "recorded_at")


def record_authorisation(
    conn: Connection,
    principal: Principal,
    household_id: str,
    *,
    signed_by: str,
    signed_on: dt.date,
    valid_until: dt.date | None,
    document_ref: str,
    today: dt.date,
) -> int:
    """Record a signed authorisation of a household in the user's jurisdiction; returns its id.
    The caller commits (the audit entry is in the same transaction)."""
    division = access.ensure_household(conn, principal, household_id)
    signed_by, document_ref = signed_by.strip(), document_ref.strip()
    members = set(conn.execute(select(PERSONS.c.name).where(PERSONS.c.household_id == household_id)).scalars())
    if not signed_by or len(signed_by) > MAX_NAME:
        raise InvalidInput("signed_by", "请填写签署人姓名", "enter the name of the member who signed")
    if signed_by not in members:
        raise InvalidInput(
            "signed_by",
            "签署人应为该户登记的家庭成员（姓名与登记一致）",
            "the signer must be a registered member of the household (name as registered)",
        )
    if signed_on > today:
        raise InvalidInput("signed_on", "签署日期不能晚于今天", "the signing date cannot be in the future")
    if valid_until is not None and valid_until < signed_on:
        raise InvalidInput("valid_until", "有效期至不能早于签署日期", "valid until cannot be before the signing date")
    if not document_ref or len(document_ref) > MAX_REF:
        raise InvalidInput(
            "document_ref",
            f"请填写授权书编号或扫描件索引（不超过{MAX_REF}字）",
            f"enter the form's number or scan reference (at most {MAX_REF} characters)",
        )
    new_id = conn.execute(
        insert(VERIFICATION_AUTHORISATIONS)
        .values(
            household_id=household_id,
            county=division[:6],
            signed_by=signed_by,
            signed_on=signed_on,
            valid_until=valid_until,
            document_ref=document_ref,
            recorded_by=principal.username,
        )
        .returning(VERIFICATION_AUTHORISATIONS.c.id)
    ).scalar_one()
    audit.record(
        conn,
        principal.username,
        "record_verification_authorisation",
        "household",
        household_id,
        {
            "authorisation_id": new_id,
            "signed_on": signed_on.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return int(new_id)


def valid_authorisation(conn: Connection, household_id: str, on: dt.date) -> dict[str, Any] | None:
    """The newest authorisation in force on `on` (signed by then, not expired; no end date: no expiry)."""
    t = VERIFICATION_AUTHORISATIONS.c
    row = (
        conn.execute(
            select(*(t[c] for c in COLUMNS))
            .where(
                t.household_id == household_id,
                t.signed_on <= on,
                or_(t.valid_until.is_(None), t.valid_until >= on),
            )
            .order_by(t.signed_on.desc(), t.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def authorisations(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """Every authorisation recorded for the household, newest first (the caller checked the scope)."""
    t = VERIFICATION_AUTHORISATIONS.c
    rows = conn.execute(
        select(*(t[c] for c in COLUMNS)).where(t.household_id == household_id).order_by(t.signed_on.desc(), t.id.desc())
    ).mappings()
    return [dict(r) for r in rows]
