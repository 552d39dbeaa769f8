"""Department feeds: ingest, quarantine, idempotency and exact linking, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select, text

from minsheng.errors import ImportRejected
from minsheng.feeds.ingest import ingest_feed
from minsheng.feeds.tables import FEED_QUARANTINE, FEED_RECORDS
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files
from minsheng.synth import SynthConfig, generate, write
from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")
ENVELOPE = "source,record_id,event_date,id_number,name,birth_date,sex,residence_division"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("county")
    pop = generate(SynthConfig(county="110105", households=1500, seed=11))
    write(pop, out)
    write_feeds(generate_feeds(pop, FeedConfig(start=dt.date(2025, 7, 1), months=12, seed=11)), out / "feeds")
    return out


def count(engine: Engine, where: str = "") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM feed_records {where}")).scalar() or 0)


def test_a_year_of_synthetic_feeds_is_ingested_linked_and_idempotent(engine: Engine, county: Path) -> None:
    import_files(engine, CIPHER, county / "households.csv", county / "persons.csv")
    feeds = sorted((county / "feeds").glob("*.csv"))
    assert len(feeds) == 13  # every kind of the contract
    total = 0
    for path in feeds:
        outcome = ingest_feed(engine, CIPHER, path)
        assert outcome.quarantined == 0, path.name
        total += outcome.rows
        frame = pl.read_csv(path, infer_schema=False)
        with_id = frame.filter(pl.col("id_number").is_not_null()).height
        # The synthetic records carry their persons' true ID numbers: every one links, the blanks do not.
        assert outcome.links["linked"] == with_id, path.name
        assert outcome.links["unmatched"] == frame.height - with_id
    assert count(engine) == total
    again = ingest_feed(engine, CIPHER, county / "feeds" / "medical_claim.csv")
    assert (again.inserted, again.updated) == (0, 0) and again.unchanged == again.rows
    assert count(engine) == total
    with engine.connect() as conn:
        payload, person, method = conn.execute(
            text(
                "SELECT payload, person_id, link_method FROM feed_records WHERE kind = 'medical_claim' "
                "AND link_status = 'linked' ORDER BY id LIMIT 1"
            )
        ).one()
    claim = json.loads(payload)
    assert set(claim) == {"total_cost", "out_of_pocket", "inpatient", "major_illness"}
    assert isinstance(claim["out_of_pocket"], int)  # fen
    assert person and method == "id_number"


def test_bad_rows_are_quarantined_with_reasons_and_nothing_is_lost(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "wage_record.csv"
    path.write_text(
        f"{ENVELOPE},monthly_wage\n"
        "human_resources,W1,2025-08-01,,张三,1980-01-01,1,110105001001,3000\n"
        "human_resources,W2,2025-13-01,,李四,1980-01-01,1,110105001001,3000\n"
        "nowhere,W3,2025-08-01,,王五,1980-01-01,1,110105001001,3000\n"
        "human_resources,W4,2025-08-01,11010519491231002X,赵六,1949-12-31,2,110105001001,-5\n"
        "human_resources,W1,2025-08-02,,张三,1980-01-01,1,110105001001,3100\n",
        encoding="utf-8",
    )
    outcome = ingest_feed(engine, CIPHER, path)
    assert (outcome.rows, outcome.inserted, outcome.quarantined) == (5, 1, 4)
    with engine.connect() as conn:
        stored = conn.execute(
            select(FEED_QUARANTINE.c.row, FEED_QUARANTINE.c.reasons, FEED_QUARANTINE.c.raw_enc).order_by(
                FEED_QUARANTINE.c.row
            )
        ).all()
    assert [r.row for r in stored] == [3, 4, 5, 6]
    reasons = {r.row: [x["column"] for x in json.loads(r.reasons)] for r in stored}
    assert reasons == {3: ["event_date"], 4: ["source"], 5: ["monthly_wage"], 6: ["record_id"]}
    assert json.loads(CIPHER.decrypt(stored[2].raw_enc))["id_number"] == "11010519491231002X"  # kept, encrypted
    again = ingest_feed(engine, CIPHER, path)
    assert again.inserted == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(FEED_QUARANTINE)) == 4


def test_a_valid_id_number_with_another_name_is_a_conflict_not_a_link(engine: Engine, tmp_path: Path) -> None:
    hh = tmp_path / "hh.csv"
    hh.write_text("household_id,residence_division,urban_rural\nA1,110105001001,urban\n", encoding="utf-8")
    p = tmp_path / "p.csv"
    p.write_text(
        "person_id,household_id,id_number,name,relation\nQ1,A1,11010519491231002X,王秀英,02\n", encoding="utf-8"
    )
    import_files(engine, CIPHER, hh, p)
    feed = tmp_path / "death.csv"
    feed.write_text(
        f"{ENVELOPE}\n"
        "public_security,D1,2025-09-01,11010519491231002X,王秀英,,,110105001001\n"
        "public_security,D2,2025-09-01,11010519491231002X,王秀华,,,110105001001\n",
        encoding="utf-8",
    )
    outcome = ingest_feed(engine, CIPHER, feed)
    assert outcome.links == {"linked": 1, "id_conflict": 1, "unmatched": 0}
    with engine.connect() as conn:
        rows = dict(conn.execute(select(FEED_RECORDS.c.record_id, FEED_RECORDS.c.person_id)).all())
    assert rows == {"D1": "Q1", "D2": None}


def test_a_wrong_id_number_keeps_the_record_for_probabilistic_linkage(engine: Engine, tmp_path: Path) -> None:
    """DATA-CONTRACT: a feed's id_number "may be missing or wrong; linkage must cope"."""
    hh = tmp_path / "hh.csv"
    hh.write_text("household_id,residence_division,urban_rural\nA1,110105001001,urban\n", encoding="utf-8")
    p = tmp_path / "p.csv"
    p.write_text(
        "person_id,household_id,id_number,name,relation\nQ1,A1,110105198003070012,张伟明,02\n", encoding="utf-8"
    )
    import_files(engine, CIPHER, hh, p)
    wrong = {
        "D1": ("110105198003070042", "id_check_digit"),  # one digit wrong
        "D2": ("110105198003070102", "id_check_digit"),  # two digits swapped
        "D3": ("11010519800307001", "id_length"),  # one digit dropped
        "D4": ("11010519800307001Y", "id_characters"),
        "D5": ("110105198013070012", "id_birth_date"),  # month 13
    }
    feed = tmp_path / "death.csv"
    feed.write_text(
        f"{ENVELOPE}\n"
        + "".join(f"public_security,{k},2025-09-01,{n},张伟明,,,110105001001\n" for k, (n, _) in wrong.items())
        + "public_security,D6,2025-09-01,110105198003070012,张伟明,,,110105001001\n",
        encoding="utf-8",
    )
    outcome = ingest_feed(engine, CIPHER, feed)
    assert (outcome.rows, outcome.inserted, outcome.quarantined, outcome.id_invalid) == (6, 6, 0, 5)
    assert outcome.links == {"linked": 1, "id_conflict": 0, "unmatched": 5}
    with engine.connect() as conn:
        rows = {
            r.record_id: r
            for r in conn.execute(
                select(
                    FEED_RECORDS.c.record_id,
                    FEED_RECORDS.c.id_issue,
                    FEED_RECORDS.c.id_number_enc,
                    FEED_RECORDS.c.id_number_masked,
                    FEED_RECORDS.c.birth_date,
                    FEED_RECORDS.c.link_status,
                )
            )
        }
    for key, (number, issue) in wrong.items():
        row = rows[key]
        assert (row.id_issue, row.link_status) == (issue, "unmatched"), key
        assert CIPHER.decrypt(row.id_number_enc) == number  # kept as delivered, encrypted
        assert row.birth_date is None  # never read from a number that may be wrong there
    assert rows["D1"].id_number_masked == "110105********0042"
    assert (rows["D6"].id_issue, rows["D6"].link_status, rows["D6"].birth_date) == (
        None,
        "linked",
        dt.date(1980, 3, 7),
    )
    assert ingest_feed(engine, CIPHER, feed).inserted == 0  # idempotent as any other


def test_an_unreadable_feed_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "medical_claim.csv"
    path.write_text("source,record_id,name\nmedical_insurance,M1,张三\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="event_date"):
        ingest_feed(engine, CIPHER, path)
    with pytest.raises(ImportRejected, match="unknown feed kind"):
        ingest_feed(engine, CIPHER, tmp_path / "notes.csv")
    assert count(engine) == 0


def test_feed_id_numbers_never_reach_the_database_file_in_clear(county: Path, tmp_path: Path) -> None:
    from minsheng.db.store import open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'feeds.db'}")
    import_files(engine, CIPHER, county / "households.csv", county / "persons.csv")
    ingest_feed(engine, CIPHER, county / "feeds" / "medical_claim.csv")
    engine.dispose()
    numbers = pl.read_csv(county / "feeds" / "medical_claim.csv", infer_schema=False).get_column("id_number")
    sample = numbers.drop_nulls().head(200).to_list()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("feeds.db*"))
    assert sample and not [n for n in sample if n.encode() in stored]


# --- re-delivery and the delivering token's area ---------------------------------------------

REGISTRY = {
    "households.csv": "household_id,residence_division,urban_rural\nA1,110105001001,urban\nB1,110106001001,urban\n",
    "persons.csv": (
        "person_id,household_id,id_number,name,relation\n"
        "Q1,A1,110105198003070012,张伟明,02\n"
        "Q2,A1,110105198205110027,李秀英,10\n"
        "QB,B1,110106196508080029,赵敏,02\n"
    ),
}
WAGE = f"{ENVELOPE},monthly_wage\n"


def _registry(engine: Engine, tmp_path: Path) -> None:
    for name, text_ in REGISTRY.items():
        (tmp_path / name).write_text(text_, encoding="utf-8")
    import_files(engine, CIPHER, tmp_path / "households.csv", tmp_path / "persons.csv")


def _links(engine: Engine) -> dict[str, tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                FEED_RECORDS.c.record_id,
                FEED_RECORDS.c.person_id,
                FEED_RECORDS.c.link_status,
                FEED_RECORDS.c.link_method,
                FEED_RECORDS.c.payload,
            )
        ).all()
    return {r.record_id: (r.person_id, r.link_status, r.link_method, json.loads(r.payload)) for r in rows}


def test_a_redelivered_changed_record_is_updated_and_relinked_only_when_its_identity_changed(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue §3: re-delivering a changed record failed ("Unconsumed column names: updated_at") and
    rolled the whole file back. A corrected amount keeps the record's link, however it was made;
    a corrected ID number, name or birth date links the record afresh."""
    _registry(engine, tmp_path)
    path = tmp_path / "wage_record.csv"
    path.write_text(
        WAGE + "human_resources,W1,2025-08-01,110105198003070012,张伟明,,,110105001001,3000\n"
        "human_resources,W2,2025-08-01,110105198205110027,李秀英,,,110105001001,2000\n"
        "human_resources,W3,2025-08-01,,张伟民,1980-03-07,1,110105001001,2500\n",
        encoding="utf-8",
    )
    ingest_feed(engine, CIPHER, path)
    with engine.begin() as conn:  # what `minsheng feeds link` (or a caseworker's review) leaves
        conn.execute(
            FEED_RECORDS.update()
            .where(FEED_RECORDS.c.record_id == "W3")
            .values(person_id="Q1", household_id="A1", link_status="linked", link_method="probabilistic")
        )
    path.write_text(
        WAGE + "human_resources,W1,2025-08-01,110105198003070012,张伟明,,,110105001001,3100\n"  # amount
        "human_resources,W2,2025-08-01,110105198205110027,李秀华,,,110105001001,2000\n"  # name
        "human_resources,W3,2025-08-01,,张伟民,1980-03-07,1,110105001001,2600\n",  # amount, after linking
        encoding="utf-8",
    )
    again = ingest_feed(engine, CIPHER, path)
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 3, 0, 0)
    links = _links(engine)
    assert links["W1"] == ("Q1", "linked", "id_number", {"monthly_wage": 310000})
    assert links["W2"][:3] == (None, "id_conflict", None)  # Q2's number, another name: linked afresh
    assert links["W3"] == ("Q1", "linked", "probabilistic", {"monthly_wage": 260000})  # the link is kept
    path.write_text(
        WAGE + "human_resources,W2,2025-08-01,110105198205110027,李秀英,,,110105001001,2000\n",
        encoding="utf-8",
    )
    corrected = ingest_feed(engine, CIPHER, path)
    assert corrected.updated == 1 and _links(engine)["W2"][:3] == ("Q2", "linked", "id_number")
    assert ingest_feed(engine, CIPHER, path).unchanged == 1  # and delivering it once more changes nothing


def test_a_token_links_only_to_people_of_its_own_area(engine: Engine, tmp_path: Path) -> None:
    """Security #1: a row with a blank residence passed the area check and linked to a person of
    another county (raising an alert there). The linked person's residence is what counts: a
    record about someone living outside the token's area is kept, unlinked, with the reason."""
    _registry(engine, tmp_path)
    path = tmp_path / "death.csv"
    path.write_text(
        f"{ENVELOPE}\n"
        "public_security,D1,2025-09-01,110106196508080029,赵敏,,,\n"  # county B's person, no residence
        "public_security,D2,2025-09-01,110105198003070012,张伟明,,,\n",  # the token's own area
        encoding="utf-8",
    )
    outcome = ingest_feed(engine, CIPHER, path, source="public_security", jurisdiction="110105")
    assert outcome.links["outside_area"] == 1 and outcome.links["linked"] == 1
    with engine.connect() as conn:
        rows = {
            r.record_id: r
            for r in conn.execute(
                select(
                    FEED_RECORDS.c.record_id,
                    FEED_RECORDS.c.person_id,
                    FEED_RECORDS.c.household_id,
                    FEED_RECORDS.c.link_status,
                    FEED_RECORDS.c.county,
                    FEED_RECORDS.c.delivered_area,
                )
            )
        }
    d1 = rows["D1"]
    assert (d1.person_id, d1.household_id, d1.link_status) == (None, None, "outside_area")
    assert (d1.county, d1.delivered_area) == ("110105", "110105")  # seen by the delivering county
    assert (rows["D2"].person_id, rows["D2"].link_status) == ("Q1", "linked")
    # The county's own import (no token, no area) links the same row: people move between counties.
    (tmp_path / "d.csv").write_text(path.read_text(encoding="utf-8").replace(",D", ",E"), encoding="utf-8")
    assert ingest_feed(engine, CIPHER, tmp_path / "d.csv", kind="death").links["linked"] == 2


def test_hostile_numbers_in_a_feed_are_rejected_rows_never_stored(engine: Engine, tmp_path: Path) -> None:
    """Security #6 for feeds: the contract's cell checks bound every payload number."""
    path = tmp_path / "property_registration.csv"
    hostile = ["1e30", "1e17", "NaN", "Infinity", "-Infinity", "2147483648000000", "99999999999999.99"]
    path.write_text(
        f"{ENVELOPE},area_m2,value,residential\n"
        + "".join(f"housing,R{i},2025-09-01,,张三,,,110105001001,{v},{v},1\n" for i, v in enumerate(hostile)),
        encoding="utf-8",
    )
    outcome = ingest_feed(engine, CIPHER, path)
    assert (outcome.inserted, outcome.quarantined) == (0, len(hostile))
    assert {e["column"] for e in outcome.errors} == {"area_m2", "value"}
    assert count(engine) == 0
