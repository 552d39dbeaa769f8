"""家庭经济状况核对 on SQLite and PostgreSQL: declared against recorded item by item, the
re-assessment, no report without a valid authorisation, every step audited, the report stored
as produced, and another county or an analyst refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.feeds.ingest import ingest_feed
from minsheng.security.audit import verify
from minsheng.security.tables import AUDIT_LOG
from minsheng.verification import authorisations, produce, read, record_authorisation
from minsheng.verification.tables import VERIFICATION_AUTHORISATIONS, VERIFICATION_REPORTS
from world import CIPHER, CLEAR_IDS, PARAMS, TODAY, World

ENVELOPE = "source,record_id,event_date,id_number,name,birth_date,sex,residence_division"
FEEDS = {
    # 李二 declared no wage; social insurance has her on 2,500 a month.
    "wage_record": ",monthly_wage\n"
    "human_resources,W1,2026-05-01,110105198201010221,李二,1982-01-01,2,110105001001,2500\n"
    # 王三 (A2) declared 500 a month, and that is what is on record.
    "human_resources,W2,2026-04-01,110105198501010215,王三,1985-01-01,1,110105002001,500\n",
    # 张一 registered a car worth 80,000 yuan; the household declared none.
    "vehicle_registration": ",value,commercial\n"
    "public_security,V1,2026-04-10,110105198001010219,张一,1980-01-01,1,110105001001,80000,0\n",
}


def deliver(engine: Engine, folder: Path) -> None:
    for kind, rows in FEEDS.items():
        path = folder / f"{kind}.csv"
        path.write_text(ENVELOPE + rows, encoding="utf-8")
        assert ingest_feed(engine, CIPHER, path).links["linked"] >= 1


def act(world: World, user: str, step: Any, *args: Any, **kwargs: Any) -> Any:
    with UnitOfWork(world.engine, world.users[user]) as uow:
        out = step(uow.connection, world.users[user], *args, **kwargs)
        uow.commit()
        return out


def authorise(world: World, user: str, household_id: str, signer: str, **dates: dt.date | None) -> int:
    signed = {"signed_on": dt.date(2026, 6, 1), "valid_until": None} | dates
    return int(
        act(
            world,
            user,
            record_authorisation,
            household_id,
            signed_by=signer,
            document_ref="SQ-001",
            today=TODAY,
            **signed,
        )
    )


def report_of(world: World, user: str, household_id: str) -> dict[str, Any]:
    return dict(act(world, user, produce, household_id, as_of=TODAY, params=PARAMS))


def item(report: dict[str, Any], field: str, person_id: str | None = None) -> dict[str, Any]:
    found = [i for i in report["items"] if i["field"] == field and i["person_id"] == person_id]
    assert len(found) == 1, (field, person_id, report["items"])
    return found[0]


def audit_actions(engine: Engine) -> list[tuple[str, str, str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AUDIT_LOG.c.actor, AUDIT_LOG.c.action, AUDIT_LOG.c.subject_id, AUDIT_LOG.c.detail)
            .where(AUDIT_LOG.c.action.like("%verification%"))
            .order_by(AUDIT_LOG.c.id)
        ).all()
    return [(r.actor, r.action, r.subject_id, json.loads(r.detail)) for r in rows]


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_declared_against_recorded_item_by_item(world: World, tmp_path: Path) -> None:
    deliver(world.engine, tmp_path)
    authorise(world, "township_a", "A1", "张一")
    report = report_of(world, "township_a", "A1")

    wage = item(report, "wage_income", "QA2")
    assert (wage["declared"], wage["determined"], wage["difference"]) == ("0.00", "2500.00", "2500.00")
    assert wage["status"] == "differs" and wage["evidence"] == ["human_resources:W1"] and wage["name"] == "李二"
    vehicles = item(report, "vehicles")
    assert (vehicles["declared"], vehicles["determined"], vehicles["difference"]) == (0, 1, 1)
    assert vehicles["scope"] == "household" and vehicles["evidence"] == ["public_security:V1"]
    value = item(report, "vehicle_value")
    assert (value["declared"], value["determined"], value["difference"]) == (None, "80000.00", "80000.00")
    # 张一's unemployment benefit (world: human_resources U1) stops the declared wage and is a transfer
    assert item(report, "wage_income", "QA1")["determined"] == "0.00"
    assert item(report, "transfer_income", "QA1")["determined"] == "1800.00"

    by_key = {r["feed_key"]: r for r in report["records"]}
    assert by_key["human_resources:W1"] == {
        "feed_key": "human_resources:W1",
        "source": "human_resources",
        "kind": "wage_record",
        "event_date": "2026-05-01",
        "person_id": "QA2",
        "name": "李二",
        "values": {"monthly_wage": "2500.00"},
    }
    assert "human_resources:W2" not in by_key  # another household's record
    assert [m["id_number_masked"] for m in report["members"]] == ["110105********0219", "110105********0221"]
    assert not any(clear in json.dumps(report) for clear in CLEAR_IDS)

    # every programme before and after; the car puts the household over the marginal assets limit
    programmes = {p["id"]: p for p in report["programmes"]}
    assert set(programmes) >= {"dibao", "dibao_marginal", "tekun", "rigid_expenditure_hardship"}
    marginal = programmes["dibao_marginal"]
    assert (marginal["before_status"], marginal["status"], marginal["changed"]) == ("eligible", "ineligible", True)
    assert report["summary"]["programmes_changed"] == sum(p["changed"] for p in report["programmes"])
    assert report["summary"]["differences"] == len(report["items"])

    with world.engine.connect() as conn:
        stored = conn.execute(select(VERIFICATION_REPORTS)).mappings().one()
    assert (stored["household_id"], stored["county"], stored["created_by"]) == ("A1", "110105", "township_a")
    assert json.loads(stored["content"]) == {
        k: v for k, v in report.items() if k not in ("id", "created_by", "created_at")
    }


def test_a_record_that_agrees_with_the_declaration(world: World, tmp_path: Path) -> None:
    deliver(world.engine, tmp_path)
    authorise(world, "reviewer_a", "A2", "王三")
    report = report_of(world, "reviewer_a", "A2")
    wage = item(report, "wage_income", "QA3")
    assert (wage["declared"], wage["determined"], wage["difference"], wage["status"]) == (
        "500.00",
        "500.00",
        "0.00",
        "consistent",
    )
    assert wage["evidence"] == ["human_resources:W2"]
    assert report["summary"]["differences"] == sum(i["status"] == "differs" for i in report["items"])


def test_no_report_without_an_authorisation_in_force(world: World, tmp_path: Path) -> None:
    deliver(world.engine, tmp_path)
    with pytest.raises(Conflict):
        report_of(world, "township_a", "A1")
    authorise(world, "township_a", "A1", "张一", signed_on=dt.date(2025, 1, 1), valid_until=dt.date(2026, 1, 1))
    with pytest.raises(Conflict):  # expired before the check
        report_of(world, "township_a", "A1")
    assert count(world.engine, VERIFICATION_REPORTS) == 0
    assert [a for _, a, _, _ in audit_actions(world.engine)] == ["record_verification_authorisation"]
    authorise(world, "township_a", "A1", "李二", valid_until=dt.date(2026, 12, 31))
    assert report_of(world, "township_a", "A1")["authorisation"]["signed_by"] == "李二"


@pytest.mark.parametrize(
    ("signer", "dates", "field"),
    [
        ("赵五", {}, "signed_by"),  # a member of another household
        ("", {}, "signed_by"),
        ("张一", {"signed_on": dt.date(2026, 7, 1)}, "signed_on"),  # after today
        ("张一", {"valid_until": dt.date(2026, 5, 1)}, "valid_until"),  # ends before it was signed
    ],
)
def test_a_wrong_authorisation_names_the_field_and_saves_nothing(
    world: World, signer: str, dates: dict[str, dt.date], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        authorise(world, "township_a", "A1", signer, **dates)
    assert caught.value.field == field
    assert count(world.engine, VERIFICATION_AUTHORISATIONS) == 0


def test_every_step_is_audited(world: World, tmp_path: Path) -> None:
    deliver(world.engine, tmp_path)
    consent = authorise(world, "township_a", "A1", "张一")
    report = report_of(world, "township_a", "A1")
    again = act(world, "reviewer_a", read, report["id"], view="pdf")
    assert again["items"] == report["items"] and again["created_by"] == "township_a"
    assert audit_actions(world.engine) == [
        (
            "township_a",
            "record_verification_authorisation",
            "A1",
            {"authorisation_id": consent, "signed_on": "2026-06-01", "valid_until": None},
        ),
        (
            "township_a",
            "produce_verification_report",
            "A1",
            {"report_id": report["id"], "authorisation_id": consent, "as_of": TODAY.isoformat()},
        ),
        ("reviewer_a", "read_verification_report", "A1", {"report_id": report["id"], "view": "pdf"}),
    ]
    with world.engine.connect() as conn:
        assert verify(conn).ok
        names = [a["signed_by"] for a in authorisations(conn, "A1")]
    assert names == ["张一"]  # the signer's name is on the authorisation, never in the audit log


def test_leaving_without_commit_keeps_nothing(world: World) -> None:
    user = world.users["township_a"]
    with UnitOfWork(world.engine, user) as uow:
        record_authorisation(
            uow.connection,
            user,
            "A1",
            signed_by="张一",
            signed_on=TODAY,
            valid_until=None,
            document_ref="SQ-1",
            today=TODAY,
        )
        produce(uow.connection, user, "A1", as_of=TODAY, params=PARAMS)
    assert count(world.engine, VERIFICATION_AUTHORISATIONS) == count(world.engine, VERIFICATION_REPORTS) == 0
    assert audit_actions(world.engine) == []


def test_another_county_sees_nothing_and_an_analyst_is_refused(world: World, tmp_path: Path) -> None:
    deliver(world.engine, tmp_path)
    authorise(world, "township_a", "A1", "张一")
    report = report_of(world, "township_a", "A1")
    with pytest.raises(NotFound):
        authorise(world, "township_b", "A1", "张一")
    with pytest.raises(NotFound):
        report_of(world, "reviewer_b", "A1")
    with pytest.raises(NotFound) as caught:
        act(world, "reviewer_b", read, report["id"])
    assert "A1" not in str(caught.value)  # the error names the report asked for, not the household
    with pytest.raises(NotFound):  # same county, another township
        act(world, "township_a2", read, report["id"])
    for step, args in ((read, (report["id"],)), (produce, ("A1",))):
        with pytest.raises(Forbidden):
            act(
                world,
                "city_analyst",
                step,
                *args,
                **({"as_of": TODAY, "params": PARAMS} if step is produce else {}),
            )
    assert count(world.engine, VERIFICATION_REPORTS) == 1
    assert {actor for actor, *_ in audit_actions(world.engine)} == {"township_a"}


def test_the_window_reaches_back_to_the_alert_or_says_the_latest_record_is_outside(
    world: World, tmp_path: Path
) -> None:
    """Two years on, a fixed 12-month window would leave out the unemployment claim that raised
    A1's alert (2026-03-01): the window starts at the alert instead. A2 has no alert; its only
    record (2026-04-01) is older than the window, and the report says so in words."""
    from minsheng.verification.view import view
    from minsheng.web.messages import translator

    deliver(world.engine, tmp_path)
    later = TODAY + dt.timedelta(days=730)
    authorise(world, "township_a", "A1", "张一")
    authorise(world, "reviewer_a", "A2", "王三")
    alerted = dict(act(world, "township_a", produce, "A1", as_of=later, params=PARAMS))
    window = alerted["window"]
    assert window["basis"] == "alert" and window["alerts"] == [world.alert_a]
    assert window["start"] <= "2026-03-01" and not window["latest_outside"]
    assert "human_resources:U1" in {r["feed_key"] for r in alerted["records"]}
    note = view(alerted, translator("zh"), "zh").window_note
    assert f"预警 #{world.alert_a}" in note and "之外" not in note

    quiet = dict(act(world, "reviewer_a", produce, "A2", as_of=later, params=PARAMS))
    assert quiet["window"]["basis"] == "year" and quiet["summary"]["records"] == 0
    assert quiet["window"] | {"start": "", "end": ""} == {
        "start": "",
        "end": "",
        "basis": "year",
        "alerts": [],
        "latest_record": "2026-04-01",
        "latest_outside": True,
    }
    note = view(quiet, translator("zh"), "zh").window_note
    assert "比对期间" in note and "2026-04-01" in note and "之外" in note
