"""Saved scenarios stored (issue 13 §2): save by name (each save the next version), read one,
list those of an area. Shared within the jurisdiction: a user sees a scenario made for its own
area, for an area inside it, or for an area it lies in (a county's reviewer reads the city's
scenario and runs it on the county). Every save is one audit entry inside the caller's
transaction; nothing commits here.

    saved = save(conn, analyst, name="提标5%", programme="dibao", effective=…, form=form, note="")
    one = get(conn, analyst, saved.id)          # NotFound for another area's scenario
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import Connection, func, or_, select

from minsheng.errors import Forbidden, InvalidInput, NotFound
from minsheng.programmes.registry import model
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.reforms import parse_reform_text
from minsheng.security.audit import record
from minsheng.security.users import Principal
from minsheng.simulation.reform_form import Form, dump
from minsheng.simulation.tables import SCENARIOS

# Who uses the analyst's page: aggregates only, so the analysts; and the county's reviewer and
# administrator, who set the county's standard and answer to its finance bureau.
ANALYSTS = frozenset({"city_analyst", "province_analyst", "county_reviewer", "administrator"})
MAX_NAME = 80


@dataclass(frozen=True)
class Saved:
    id: int
    reform_id: str  # the id it runs under (its reform text's), one per saved version
    name: str
    version: int
    jurisdiction: str
    programme: str
    effective: dt.date
    reform: str
    changes: list[dict[str, Any]]
    note: str
    created_by: str
    created_at: dt.datetime

    def label(self, lang: str = "zh") -> str:
        return f"{self.name}（第{self.version}版）" if lang == "zh" else f"{self.name} (version {self.version})"


def may_use(user: Principal) -> None:
    if user.role not in ANALYSTS:
        raise Forbidden(
            "改革测算仅供分析人员、区县审核人员和系统管理员使用",
            "reform simulation is for analysts, county reviewers and administrators",
        )


def save(
    conn: Connection,
    user: Principal,
    *,
    name: str,
    programme: str,
    effective: dt.date,
    form: Form,
    params: ParameterSet,
    note: str = "",
) -> Saved:
    """The next version of `name` in the user's area. The reform is checked as a reform file is,
    and runs under an id of its own (`Saved.reform_id`), whatever id the text was written with."""
    may_use(user)
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput("name", f"方案名称应为1至{MAX_NAME}个字", f"a scenario name has 1 to {MAX_NAME} characters")
    version = (
        conn.execute(
            select(func.max(SCENARIOS.c.version)).where(
                SCENARIOS.c.jurisdiction == user.jurisdiction, SCENARIOS.c.name == name
            )
        ).scalar_one()
        or 0
    ) + 1
    reform_id = "s" + secrets.token_hex(5)  # its own id: two versions compared side by side differ
    text = _with_id(form.text, reform_id, name, version)
    parse_reform_text(text, f"scenario {name}", params, model())  # formulas too (a structural reform)
    row = {
        "reform_id": reform_id,
        "name": name,
        "version": version,
        "jurisdiction": user.jurisdiction,
        "programme": programme,
        "effective": effective,
        "reform": text,
        "changes": json.dumps(form.changes, ensure_ascii=False),
        "note": note.strip(),
        "created_by": user.username,
        "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
    }
    new_id = int(conn.execute(SCENARIOS.insert().values(row).returning(SCENARIOS.c.id)).scalar_one())
    record(
        conn,
        user.username,
        "save_scenario",
        "simulation_scenario",
        str(new_id),
        {"name": name, "version": version, "programme": programme, "changes": len(form.changes)},
    )
    return get(conn, user, new_id)


def _with_id(text: str, reform_id: str, name: str, version: int) -> str:
    """The reform's header replaced by the saved version's id and label (the body kept as is)."""
    doc = yaml.safe_load(text)
    doc["reform"] = {
        "id": reform_id,
        "label": {"zh": f"{name}（第{version}版）", "en": f"{name} (version {version})"},
    }
    return dump(doc)


def visible(user: Principal) -> Any:
    """The area test: the scenario's area and the user's lie one inside the other."""
    j = user.jurisdiction
    mine = SCENARIOS.c.jurisdiction.startswith(j, autoescape=True)
    above = [SCENARIOS.c.jurisdiction == j[:n] for n in (2, 4, 6, 9) if n < len(j)]
    return or_(mine, *above)


def get(conn: Connection, user: Principal, scenario_id: int) -> Saved:
    may_use(user)
    row = conn.execute(select(SCENARIOS).where(SCENARIOS.c.id == scenario_id, visible(user))).one_or_none()
    if row is None:
        raise NotFound("没有这个测算方案", "no such scenario")  # another area's is not there
    return _saved(row)


def listed(conn: Connection, user: Principal) -> list[Saved]:
    """Every version visible to the user, newest first."""
    may_use(user)
    rows = conn.execute(select(SCENARIOS).where(visible(user)).order_by(SCENARIOS.c.id.desc())).all()
    return [_saved(r) for r in rows]


def versions(conn: Connection, user: Principal, saved: Saved) -> list[Saved]:
    return [s for s in listed(conn, user) if s.name == saved.name and s.jurisdiction == saved.jurisdiction][::-1]


def _saved(row: Any) -> Saved:
    return Saved(
        id=row.id,
        reform_id=row.reform_id,
        name=row.name,
        version=row.version,
        jurisdiction=row.jurisdiction,
        programme=row.programme,
        effective=row.effective,
        reform=row.reform,
        changes=json.loads(row.changes),
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
    )
