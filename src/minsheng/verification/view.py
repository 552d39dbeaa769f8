"""A stored report as people read it: the text of every table, for the page and the PDF alike.

    shown = view(report, translator("zh"), "zh")
    shown.items.rows[0]   # ['张一', '工资性收入（元/月）', '4,000.00', '人社部门 2026-05-01 月工资（元） 1,000.00', '1,000.00', '-3,000.00', '不一致']

The words come from the caller's message catalogue (`t`, keys `ver.*`) and the code lists;
values from the report as it was stored: money in yuan with two decimals, ID numbers masked.
The page and the PDF render the same `View`, so they cannot say different things.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from minsheng.codes import enums
from minsheng.codes.clock import beijing_time
from minsheng.contract.columns import FEED_KINDS, FEED_SOURCES, Column
from minsheng.rules.explain_text import STATUS_ZH
from minsheng.verification.compare import COLUMNS

Translate = Callable[[str], str]
DASH = "—"


@dataclass(frozen=True)
class Table:
    headings: list[str]
    rows: list[list[str]]
    marks: list[str] = field(default_factory=list)  # one CSS-ready word per row (e.g. differs, changed)


@dataclass(frozen=True)
class View:
    title: str
    report_id: int
    facts: list[tuple[str, str]]
    summary: str
    members: Table
    items: Table
    programmes: Table
    records: Table
    note: str
    sections: dict[str, str]  # members, items, programmes, records → heading
    page_label: str  # with {n} and {nb}: this page, number of pages
    reference: str  # 报告编号 7
    window_note: str = ""  # why the window is what it is, and any record outside it, in plain words


def view(report: dict[str, Any], t: Translate, lang: str) -> View:
    hh, consent, window = report["household"], report["authorisation"], report["window"]
    members = {m["person_id"]: m for m in report["members"]}
    records = {r["feed_key"]: r for r in report["records"]}
    s = report["summary"]
    facts = [
        (t("ver.report_no"), str(report["id"])),
        (t("ver.household"), hh["household_id"]),
        (t("ver.residence"), hh["residence_name"] or hh["residence_division"]),
        (t("ver.urban_rural"), _code(enums.URBAN_RURAL, hh["urban_rural"], lang)),
        (t("ver.as_of"), report["as_of"]),
        (t("ver.window"), f"{window['start']} {t('ver.to')} {window['end']}"),
        (t("ver.authorisation"), f"{consent['document_ref']} · {t('ver.signed_by')} {consent['signed_by']}"),
        (
            t("ver.authorisation_dates"),
            f"{consent['signed_on']} {t('ver.to')} {consent['valid_until'] or t('ver.no_end')}",
        ),
        (t("ver.produced"), f"{beijing_time(report.get('created_at'))} · {report['created_by']}"),
    ]
    counts = (
        ("ver.summary_records", s["records"]),
        ("ver.summary_items", s["items"]),
        ("ver.summary_differences", s["differences"]),
        ("ver.summary_programmes", s["programmes_changed"]),
    )
    summary = _sep(lang).join(f"{t(key)} {n}" for key, n in counts)
    return View(
        title=t("ver.report_title"),
        report_id=int(report["id"]),
        facts=facts,
        summary=summary,
        window_note=window_note(window, s["records"], t),
        members=Table(
            [t("ver.name"), t("ver.relation"), t("ver.id_number")],
            [
                [m["name"], _code(enums.RELATION, m["relation"], lang), m["id_number_masked"] or DASH]
                for m in report["members"]
            ],
        ),
        items=_items(report["items"], members, records, t, lang),
        programmes=_programmes(report["programmes"], t, lang),
        records=Table(
            [t("ver.record_date"), t("ver.source"), t("ver.kind"), t("ver.name"), t("ver.record_values")],
            [
                [
                    r["event_date"],
                    _source(r["source"], lang),
                    t(f"ver.kind.{r['kind']}"),
                    r["name"] or DASH,
                    _values(r, t, lang),
                ]
                for r in report["records"]
            ],
        ),
        note=t("ver.note"),
        sections={k: t(f"ver.section_{k}") for k in ("members", "items", "programmes", "records")},
        page_label=t("ver.page_label"),
        reference=f"{t('ver.report_no')} {report['id']}",
    )


def window_note(window: dict[str, Any], records: int, t: Translate) -> str:
    """'比对期间自预警 #12 的首条部门记录起算……' and, when the latest record lies outside the
    window, a sentence that says so (reports stored before these keys existed say nothing)."""
    parts = []
    if window.get("basis") == "alert":
        ids = "、".join(f"#{a}" for a in window.get("alerts", []))
        parts.append(t("ver.window_from_alert").format(alerts=ids, start=window["start"]))
    latest = window.get("latest_record")
    if window.get("latest_outside"):
        key = "ver.latest_outside" if records == 0 else "ver.latest_after"
        parts.append(t(key).format(latest=latest, start=window["start"], end=window["end"]))
    elif "latest_record" in window and latest is None:
        parts.append(t("ver.no_records"))
    return " ".join(parts)


def _items(
    items: list[dict[str, Any]],
    members: dict[str, dict[str, Any]],
    records: dict[str, dict[str, Any]],
    t: Translate,
    lang: str,
) -> Table:
    rows, marks = [], []
    for i in items:
        who = members[i["person_id"]]["name"] if i["person_id"] in members else t("ver.whole_household")
        recorded = "\n".join(_evidence(records[k], t, lang) for k in i["evidence"] if k in records)
        rows.append(
            [
                who,
                t(f"ver.field.{i['field']}"),
                _shown(i, i["declared"], t, lang),
                recorded or DASH,
                _shown(i, i["determined"], t, lang),
                _signed(i["difference"]) if i["kind"] in ("money", "int", "decimal") else DASH,
                t(f"ver.status.{i['status']}"),
            ]
        )
        marks.append(i["status"])
    headings = ["member", "item", "declared", "recorded", "determined", "difference", "status"]
    return Table([t(f"ver.col_{h}") for h in headings], rows, marks)


def _programmes(programmes: list[dict[str, Any]], t: Translate, lang: str) -> Table:
    rows, marks = [], []
    for p in programmes:
        failed = _sep(lang).join(c["label"][lang] for c in p["failed"])
        rows.append(
            [
                p["label"][lang],
                _outcome(p["before_status"], p["before_benefit"], t, lang),
                _outcome(p["status"], p["benefit"], t, lang),
                t("ver.changed") if p["changed"] else t("ver.unchanged"),
                failed or DASH,
            ]
        )
        marks.append("changed" if p["changed"] else "")
    headings = ["programme", "before", "after", "change", "failed"]
    return Table([t(f"ver.col_{h}") for h in headings], rows, marks)


def _outcome(status: str, benefit: str | None, t: Translate, lang: str) -> str:
    text = STATUS_ZH[status] if lang == "zh" else status
    comma = "，" if lang == "zh" else ", "
    return f"{text}{comma}{t('ver.monthly')} {money(benefit)}" if benefit is not None else text


def _evidence(record: dict[str, Any], t: Translate, lang: str) -> str:
    return f"{_source(record['source'], lang)} {record['event_date']} {_values(record, t, lang)}"


def _values(record: dict[str, Any], t: Translate, lang: str) -> str:
    values = record["values"]  # stored with sorted keys: shown in the kind's own column order
    parts = [
        f"{t(f'ver.col.{c.name}')} {_payload(c, values[c.name], lang)}"
        for c in FEED_KINDS.get(record["kind"], ())
        if c.name in values
    ]
    return _sep(lang).join(parts) or t(f"ver.kind.{record['kind']}")


def _payload(column: Column, value: Any, lang: str) -> str:
    if column.kind == "money":
        return money(value)
    if column.kind == "bool":
        return enums.BOOLEAN.label("1" if value else "0", lang)
    if column.codes is not None:
        return _code(column.codes, str(value), lang)
    return str(value)


def _shown(item: dict[str, Any], value: Any, t: Translate, lang: str) -> str:
    if value is None:
        return t("ver.blank")
    kind = item["kind"]
    if kind == "member":
        return t(f"ver.member.{value}")
    if kind == "money":
        return money(value)
    if kind == "bool":
        return enums.BOOLEAN.label("1" if value else "0", lang)
    column = COLUMNS.get(item["field"]) or COLUMNS.get(f"{item['field']}_fen")
    if kind == "enum" and column is not None and column.codes is not None:
        return _code(column.codes, str(value), lang)
    return f"{value:g}" if isinstance(value, float) else str(value)


def money(text: str | None) -> str:
    """'4000.00' → '4,000.00' (yuan, two decimals); blank → —."""
    return DASH if text is None else f"{Decimal(text):,.2f}"


def _signed(value: Any) -> str:
    if value is None:
        return DASH
    number = Decimal(str(value))
    shown = f"{number:,.2f}" if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
    return f"+{shown}" if number > 0 else shown


def _sep(lang: str) -> str:
    return "；" if lang == "zh" else "; "


def _code(codes: enums.CodeList, value: str | None, lang: str) -> str:
    if value in (None, ""):
        return DASH
    return codes.label(value, lang) if value in codes.labels else str(value)


def _source(source: str, lang: str) -> str:
    return _code(FEED_SOURCES, source, lang)
