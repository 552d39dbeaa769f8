"""The verification report's words and numbers: every field `feeds.apply` sets is compared and has
a label, every record kind and column has one in both languages, money is yuan with two decimals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from minsheng.contract.columns import FEED_KINDS
from minsheng.feeds.apply import MEMBERSHIP, apply_feeds
from minsheng.feeds.fields import HOUSEHOLD_FIELDS, PERSON_FIELDS
from minsheng.feeds.payload import readable, yuan
from minsheng.verification.compare import COLUMNS, FIELD_KINDS, compare
from minsheng.verification.view import money, view
from minsheng.web.messages import catalogue, translator


def test_every_field_the_feeds_set_is_compared_from_the_right_kinds() -> None:
    assert set(FIELD_KINDS) == set(PERSON_FIELDS) | set(HOUSEHOLD_FIELDS)
    assert {k for kinds in FIELD_KINDS.values() for k in kinds} <= set(FEED_KINDS)


def test_every_label_the_report_uses_is_in_the_catalogue() -> None:
    messages = catalogue()
    fields = [COLUMNS[s].name for s in FIELD_KINDS] + list(MEMBERSHIP)
    columns = {c.name for cols in FEED_KINDS.values() for c in cols}
    wanted = [f"ver.field.{f}" for f in fields] + [f"ver.kind.{k}" for k in FEED_KINDS]
    wanted += [f"ver.col.{c}" for c in columns]
    assert [w for w in wanted if w not in messages] == []


@pytest.mark.parametrize(
    ("fen", "text", "shown"), [(0, "0.00", "0.00"), (400000, "4000.00", "4,000.00"), (-5, "-0.05", "-0.05")]
)
def test_money_is_yuan_with_two_decimals(fen: int, text: str, shown: str) -> None:
    assert yuan(fen) == text
    assert money(text) == shown


def test_a_record_shows_money_in_yuan_and_drops_blank_columns() -> None:
    assert readable("vehicle_registration", {"value": 8000000, "commercial": None}) == {"value": "80000.00"}


def report() -> dict[str, Any]:
    return {
        "id": 7,
        "created_by": "township_a",
        "created_at": "2026-06-30T08:00:00",
        "household": {
            "household_id": "A1",
            "residence_division": "110105001001",
            "residence_name": "北京市朝阳区",
            "urban_rural": "urban",
        },
        "as_of": "2026-06-30",
        "window": {"start": "2025-06-30", "end": "2026-06-30"},
        "authorisation": {
            "id": 1,
            "signed_by": "张一",
            "signed_on": "2026-06-01",
            "valid_until": None,
            "document_ref": "SQ-1",
        },
        "members": [{"person_id": "QA1", "name": "张一", "relation": "02", "id_number_masked": "110105********0219"}],
        "items": [
            {
                "scope": "person",
                "person_id": "QA1",
                "name": "张一",
                "field": "wage_income",
                "kind": "money",
                "declared": "4000.00",
                "determined": "1000.00",
                "difference": "-3000.00",
                "status": "differs",
                "evidence": ["human_resources:W1"],
            },
            {
                "scope": "household",
                "person_id": None,
                "name": None,
                "field": "vehicles",
                "kind": "int",
                "declared": None,
                "determined": 1,
                "difference": 1,
                "status": "differs",
                "evidence": ["public_security:V1"],
            },
        ],
        "records": [
            {
                "feed_key": "human_resources:W1",
                "source": "human_resources",
                "kind": "wage_record",
                "event_date": "2026-05-01",
                "person_id": "QA1",
                "name": "张一",
                "values": {"monthly_wage": "1000.00"},
            },
            {
                "feed_key": "public_security:V1",
                "source": "public_security",
                "kind": "vehicle_registration",
                "event_date": "2026-04-10",
                "person_id": "QA1",
                "name": "张一",
                "values": {"value": "80000.00", "commercial": False},
            },
        ],
        "programmes": [
            {
                "id": "dibao",
                "label": {"zh": "最低生活保障", "en": "Dibao"},
                "before_status": "eligible",
                "before_benefit": "520.00",
                "status": "ineligible",
                "benefit": None,
                "changed": True,
                "failed": [{"id": "x", "label": {"zh": "无超标机动车", "en": "no excluded vehicle"}}],
            }
        ],
        "summary": {"records": 2, "items": 2, "differences": 2, "programmes_changed": 1},
    }


def test_the_view_says_it_in_words_in_both_languages() -> None:
    zh = view(report(), translator("zh"), "zh")
    assert zh.items.rows[0] == [
        "张一",
        "工资性收入（元/月）",
        "4,000.00",
        "人社部门 2026-05-01 月工资（元） 1,000.00",
        "1,000.00",
        "-3,000.00",
        "不一致",
    ]
    assert zh.items.rows[1][:3] == ["全户", "机动车（辆）", "未填"] and zh.items.rows[1][5] == "+1"
    assert "价值（元） 80,000.00；营运车辆 否" in zh.items.rows[1][3]  # the kind's column order, not the stored one
    assert zh.programmes.rows[0] == ["最低生活保障", "符合，月发放（元） 520.00", "不符合", "有变化", "无超标机动车"]
    assert zh.members.rows == [["张一", "户主", "110105********0219"]]
    en = view(report(), translator("en"), "en")
    assert en.items.rows[0][1] == "Wages (yuan/month)" and en.items.rows[0][6] == "differs"
    assert en.programmes.rows[0][1] == "eligible, monthly (yuan) 520.00"


def test_a_death_on_record_is_an_item_and_the_rest_of_that_member_is_not() -> None:
    hh = pl.DataFrame({"household_id": ["H"], "vehicles": [0]})
    pp = pl.DataFrame(
        {
            "person_id": ["P1", "P2"],
            "household_id": ["H", "H"],
            "name": ["张一", "李二"],
            "relation": ["02", "12"],
            "wage_income_fen": [400000, 100000],
        }
    )
    day = dt.date(2026, 5, 1)
    envelope = {"event_date": [day], "household_id": ["H"]}
    feeds = {
        "death": pl.DataFrame({"feed_key": ["civil_affairs:D1"], "person_id": ["P2"], **envelope}),
        "wage_record": pl.DataFrame(
            {
                "feed_key": ["human_resources:W1", "human_resources:W2"],
                "person_id": ["P1", "P2"],
                "monthly_wage": [400000, 900000],
            }
            | {k: v * 2 for k, v in envelope.items()}
        ),
    }
    listing = [
        {"feed_key": "civil_affairs:D1", "kind": "death", "person_id": "P2"},
        {"feed_key": "human_resources:W1", "kind": "wage_record", "person_id": "P1"},
        {"feed_key": "human_resources:W2", "kind": "wage_record", "person_id": "P2"},
    ]
    applied = apply_feeds(hh, pp, feeds, start=dt.date(2025, 6, 30), end=dt.date(2026, 6, 30))
    items = {(i["person_id"], i["field"]): i for i in compare(hh, pp, listing, applied)}
    assert set(items) == {("P2", "member"), (None, "household_size"), ("P1", "wage_income")}
    assert (items[("P2", "member")]["declared"], items[("P2", "member")]["determined"]) == ("present", "deceased")
    size = items[(None, "household_size")]
    assert (size["declared"], size["determined"], size["difference"]) == (2, 1, -1)
    wage = items[("P1", "wage_income")]  # the record agrees with the declaration
    assert (wage["status"], wage["difference"], wage["evidence"]) == ("consistent", "0.00", ["human_resources:W1"])
