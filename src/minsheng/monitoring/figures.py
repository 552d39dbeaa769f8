"""The figure that raised an alert (触发数值), read from the department records behind it.

A queue shows it beside the reason so a caseworker can weigh the alert without opening it:
the out-of-pocket medical costs the rule summed, the loss of a disaster, the recorded wage
that may lift a household over the standard. Each reason names the record kind and payload
field its rule reads (`warnings`); a reason without a figure of its own (a death, a person
living alone, enrolment in higher education by stage) has none.

    >>> FIGURES["medical_cost"]
    Figure(kind='medical_claim', field='out_of_pocket', how='sum')
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from minsheng.contract.columns import FEED_KINDS
from minsheng.feeds.tables import FEED_RECORDS

_CHUNK = 900  # feed keys per IN (…): under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Figure:
    kind: str  # the department record kind (contract.columns.FEED_KINDS)
    field: str  # its payload field
    how: str  # "sum" over the alert's records (as the rule sums them) or "max"


FIGURES = {
    "medical_cost": Figure("medical_claim", "out_of_pocket", "sum"),  # the rule sums a household's claims
    "unemployment": Figure("unemployment", "monthly_benefit", "max"),
    "severe_disability": Figure("disability_certification", "disability_grade", "max"),
    "disaster_loss": Figure("disaster_loss", "loss_amount", "max"),
    "higher_education": Figure("education_enrolment", "annual_fee", "max"),
    "exit_vehicle": Figure("vehicle_registration", "value", "max"),
    "exit_property": Figure("property_registration", "value", "max"),
    "exit_business": Figure("business_registration", "capital", "max"),
    "exit_wage": Figure("wage_record", "monthly_wage", "max"),
}


@dataclass(frozen=True)
class Shown:
    """One alert's figure: the field's labels and unit, and its value (yuan for money)."""

    label_zh: str
    label_en: str
    unit: str  # "yuan", "yuan/month", "yuan/year" or "" (a code, such as a disability grade)
    value: float | str  # yuan as a number; a code as it is stored
    code_zh: str = ""  # a code's labels
    code_en: str = ""

    def text(self, lang: str) -> str:
        label = self.label_zh if lang == "zh" else self.label_en
        if not self.unit:
            return f"{label} {self.code_zh if lang == 'zh' else self.code_en}"
        unit = {"yuan": "元", "yuan/month": "元/月", "yuan/year": "元/年"}[self.unit] if lang == "zh" else self.unit
        return f"{label} {self.value:,.2f} {unit}"


def _column(figure: Figure) -> Any:
    return next(c for c in FEED_KINDS[figure.kind] if c.name == figure.field)


def unit_of(figure: Figure) -> str:
    column = _column(figure)
    if column.kind != "money":
        return ""
    return next((u for u in ("yuan/month", "yuan/year") if column.en.startswith(u)), "yuan")


def figures(conn: Connection, alerts: Iterable[Any]) -> dict[int, Shown]:
    """alert id → its figure, for alerts given as mappings with id, reason, evidence (JSON list
    of feed keys) and household_id. One query per 900 keys, so a page costs one query."""
    wanted: dict[int, tuple[Figure, list[str], str]] = {}
    for a in alerts:
        figure = FIGURES.get(a["reason"])
        keys = json.loads(a["evidence"]) if figure else []
        if figure and keys:
            wanted[a["id"]] = (figure, keys, a["household_id"])
    keys = sorted({k for _f, ks, _h in wanted.values() for k in ks})
    payloads: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for start in range(0, len(keys), _CHUNK):
        rows = conn.execute(
            select(
                FEED_RECORDS.c.feed_key, FEED_RECORDS.c.kind, FEED_RECORDS.c.household_id, FEED_RECORDS.c.payload
            ).where(FEED_RECORDS.c.feed_key.in_(keys[start : start + _CHUNK]))
        ).all()
        payloads.update({k: (kind, hid, json.loads(p)) for k, kind, hid, p in rows})
    out: dict[int, Shown] = {}
    for alert_id, (figure, ks, household) in wanted.items():
        values = [
            payloads[k][2].get(figure.field)
            for k in ks
            if k in payloads and payloads[k][0] == figure.kind and payloads[k][1] == household
        ]
        column = _column(figure)
        label = (column.zh, figure.field.replace("_", " "))
        if column.kind == "money":
            fen = [int(v) for v in values if isinstance(v, int | float)]
            if fen:  # money is stored in fen
                total = sum(fen) if figure.how == "sum" else max(fen)
                out[alert_id] = Shown(*label, unit_of(figure), round(total / 100, 2))
        elif column.codes is not None:
            codes = sorted(str(v) for v in values if v is not None and str(v) in column.codes.labels)
            if codes:  # a grade: 1 is the most severe, and the one shown
                zh, en = column.codes.labels[codes[0]]
                out[alert_id] = Shown(*label, "", codes[0], zh, en)
    return out
