"""Probabilistic linkage over the store, on SQLite and PostgreSQL: after ingest links exactly,
`link_unmatched` links, queues for review or leaves unmatched by the thresholds; caseworkers
accept or reject with optimistic versions, audited; Spark gives DuckDB's links."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, select

from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, Forbidden, NotFound
from minsheng.feeds.ingest import ingest_feed
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.linkage.model import LinkModel, default_model_path
from minsheng.linkage.review import accept, get_candidate, list_candidates, reject
from minsheng.linkage.scoring import explain
from minsheng.linkage.store import link_unmatched
from minsheng.linkage.tables import LINK_CANDIDATES
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files
from minsheng.security.tables import AUDIT_LOG
from minsheng.security.users import Principal, create_user

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")
PASSWORD = "correct horse battery staple"
HOUSEHOLDS = (
    "household_id,residence_division,urban_rural\n"
    "A1,110105001001,urban\nA2,110105001002,urban\nA3,110105002001,rural\nB1,110106001001,urban\n"
)
PERSONS = (
    "person_id,household_id,id_number,name,relation,sex,birth_date\n"
    "P1,A1,110105198003070012,张伟明,02,1,1980-03-07\n"
    "P2,A1,110105198205110027,李秀英,10,2,1982-05-11\n"
    "P3,A2,,王国庆,02,1,1975-10-01\n"
    "P4,A3,,刘芳,02,2,1990-06-15\n"
    "P5,A3,,陈建华,20,1,1962-02-20\n"
    "P6,B1,110106196508080029,赵敏,02,2,1965-08-08\n"
)
ENVELOPE = "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,monthly_wage"
WAGES = (
    f"{ENVELOPE}\n"
    "human_resources,W1,2026-03-01,110105198003070012,张伟明,1980-03-07,1,110105001001,3000\n"  # exact
    "human_resources,W2,2026-03-01,,王国清,1975-10-01,1,110105001002,2800\n"  # homophone, no ID
    "human_resources,W3,2026-03-01,110105198205110027,刘芳,1990-06-15,2,110105002001,2500\n"  # P2's number, P4's name
    "human_resources,W4,2026-03-01,,陈建设,1962-02-20,1,110105002001,2600\n"  # one character off: review
    "human_resources,W5,2026-03-01,,孙小红,2001-12-24,2,110105001001,2400\n"  # nobody
)
TRUE = {"W2": "P3", "W3": "P4", "W4": "P5"}


@dataclass
class County:
    engine: Engine
    model: LinkModel
    upper: float
    lower: float
    reviewer: Principal
    caseworker: Principal
    other_county: Principal
    analyst: Principal


def _feed(rows: str, key: str) -> dict[str, Any]:
    header = ENVELOPE.split(",")
    line = next(r for r in rows.splitlines() if f",{key}," in r)
    record = dict(zip(header, line.split(","), strict=True))
    return {k: record[k] or None for k in ("id_number", "name", "birth_date", "sex", "residence_division")}


def _person(person_id: str) -> dict[str, Any]:
    lines = [line.split(",") for line in PERSONS.splitlines()]
    row = dict(zip(lines[0], next(r for r in lines[1:] if r[0] == person_id), strict=True))
    household = next(
        line.split(",")[1] for line in HOUSEHOLDS.splitlines() if line.startswith(row["household_id"] + ",")
    )
    return {**{k: row[k] or None for k in ("id_number", "name", "birth_date", "sex")}, "residence_division": household}


@pytest.fixture
def county(engine: Engine, tmp_path: Path) -> County:
    (tmp_path / "households.csv").write_text(HOUSEHOLDS, encoding="utf-8")
    (tmp_path / "persons.csv").write_text(PERSONS, encoding="utf-8")
    import_files(engine, CIPHER, tmp_path / "households.csv", tmp_path / "persons.csv")
    (tmp_path / "wage_record.csv").write_text(WAGES, encoding="utf-8")
    outcome = ingest_feed(engine, CIPHER, tmp_path / "wage_record.csv")
    assert outcome.links == {"linked": 1, "id_conflict": 1, "unmatched": 3}
    model = LinkModel.load(default_model_path())
    weights = {k: explain(model, _feed(WAGES, k), _person(p), registry_size=6)["match_weight"] for k, p in TRUE.items()}
    # The thresholds sit between the weights, so each record has a known route.
    assert weights["W2"] > weights["W4"] and weights["W3"] > weights["W4"], weights
    upper = (min(weights["W2"], weights["W3"]) + weights["W4"]) / 2
    lower = weights["W4"] - 1
    with engine.begin() as conn:
        users = {
            "reviewer": create_user(conn, "reviewer", "审核", "county_reviewer", "110105", PASSWORD),
            "caseworker": create_user(conn, "caseworker", "经办", "township_caseworker", "110105002", PASSWORD),
            "other": create_user(conn, "other", "外县", "county_reviewer", "110106", PASSWORD),
            "analyst": create_user(conn, "analyst", "分析", "city_analyst", "1101", PASSWORD),
        }
    return County(engine, model, upper, lower, users["reviewer"], users["caseworker"], users["other"], users["analyst"])


def _records(engine: Engine) -> dict[str, tuple[str | None, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                FEED_RECORDS.c.record_id,
                FEED_RECORDS.c.person_id,
                FEED_RECORDS.c.link_status,
                FEED_RECORDS.c.link_method,
            )
        )
        return {r.record_id: (r.person_id, r.link_status, r.link_method) for r in rows}


def _run(county: County) -> Any:
    return link_unmatched(county.engine, CIPHER, model=county.model, upper=county.upper, lower=county.lower)


def test_thresholds_route_records_to_linked_review_and_unmatched(county: County) -> None:
    run = _run(county)
    assert (run.records, run.linked, run.review, run.unmatched) == (4, 2, 1, 1)
    records = _records(county.engine)
    assert records["W1"] == ("P1", "linked", "id_number")  # ingest's exact pass
    assert records["W2"] == ("P3", "linked", "probabilistic")  # a homophone, no ID number
    assert records["W3"] == ("P4", "linked", "probabilistic")  # someone else's valid number is not trusted
    assert records["W4"] == (None, "unmatched", None)  # waits for review
    assert records["W5"] == (None, "unmatched", None)  # nobody: stays visible as unmatched
    with county.engine.connect() as conn:
        page = list_candidates(conn, county.reviewer)
        assert page.total == 1
        [candidate] = page.items
        assert (candidate["feed_key"], candidate["person_id"], candidate["status"]) == (
            "human_resources:W4",
            "P5",
            "pending",
        )
        assert (candidate["feed_name"], candidate["person_name"]) == ("陈建设", "陈建华")
        steps = candidate["comparisons"]
        # (with how common the birth date is, when the dates agree)
        assert [s["comparison"] for s in steps] == ["prior", "name", "dob", "id_number", "sex", "division", "tf_dob"]
        assert steps[1]["label"] == "one of three characters changed" and steps[1]["label_zh"]
        assert sum(s["weight"] for s in steps) == pytest.approx(candidate["match_weight"], abs=1e-3)
        audited = conn.execute(select(AUDIT_LOG.c.action).where(AUDIT_LOG.c.action == "linkage.run")).all()
        assert len(audited) == 1
    again = _run(county)  # nothing new: the pending candidate is not proposed twice
    assert (again.records, again.linked, again.review) == (1, 0, 0)  # W5 only


def test_accept_links_the_record_once_and_is_audited(county: County) -> None:
    _run(county)
    with county.engine.connect() as conn:
        [candidate] = list_candidates(conn, county.reviewer).items
    with UnitOfWork(county.engine, county.reviewer) as uow:
        assert accept(uow, county.reviewer, candidate["id"], candidate["version"]) == candidate["version"] + 1
        uow.commit()
    assert _records(county.engine)["W4"] == ("P5", "linked", "reviewed")
    with UnitOfWork(county.engine, county.reviewer) as uow, pytest.raises(Conflict):
        accept(uow, county.reviewer, candidate["id"], candidate["version"])  # stale version
    with county.engine.connect() as conn:
        row = conn.execute(select(LINK_CANDIDATES).where(LINK_CANDIDATES.c.id == candidate["id"])).one()
        assert (row.status, row.reviewed_by, row.version) == ("accepted", "reviewer", 2)
        entry = conn.execute(select(AUDIT_LOG).where(AUDIT_LOG.c.action == "link_candidate.accepted")).one()
        assert (entry.actor, entry.subject_id) == ("reviewer", str(candidate["id"]))


def test_reject_keeps_the_record_unmatched_and_the_person_is_not_proposed_again(county: County) -> None:
    _run(county)
    with county.engine.connect() as conn:
        [candidate] = list_candidates(conn, county.reviewer).items
    with UnitOfWork(county.engine, county.reviewer) as uow:
        reject(uow, county.reviewer, candidate["id"], candidate["version"], reason="不是同一人")
        uow.commit()
    with UnitOfWork(county.engine, county.reviewer) as uow, pytest.raises(Conflict):
        accept(uow, county.reviewer, candidate["id"], candidate["version"] + 1)  # already decided
    assert _records(county.engine)["W4"] == (None, "unmatched", None)
    again = _run(county)
    assert again.review == 0
    with county.engine.connect() as conn:
        assert list_candidates(conn, county.reviewer, status="rejected").total == 1
        assert list_candidates(conn, county.reviewer).total == 0
        assert conn.execute(select(AUDIT_LOG).where(AUDIT_LOG.c.action == "link_candidate.rejected")).one()


def test_a_decision_rolls_back_with_its_unit_of_work(county: County) -> None:
    _run(county)
    with county.engine.connect() as conn:
        [candidate] = list_candidates(conn, county.reviewer).items
    with UnitOfWork(county.engine, county.reviewer) as uow:
        accept(uow, county.reviewer, candidate["id"], candidate["version"])  # no commit
    assert _records(county.engine)["W4"] == (None, "unmatched", None)
    with county.engine.connect() as conn:
        assert get_candidate(conn, county.reviewer, candidate["id"])["status"] == "pending"


def test_only_caseworkers_of_the_households_area_review(county: County) -> None:
    _run(county)
    with county.engine.connect() as conn:
        [candidate] = list_candidates(conn, county.reviewer).items
        assert list_candidates(conn, county.caseworker).total == 1  # the household lives in 110105002
        assert list_candidates(conn, county.other_county).total == 0
    with UnitOfWork(county.engine, county.other_county) as uow, pytest.raises(NotFound):
        accept(uow, county.other_county, candidate["id"], candidate["version"])
    with UnitOfWork(county.engine, county.analyst) as uow, pytest.raises(Forbidden):
        reject(uow, county.analyst, candidate["id"], candidate["version"])


def test_a_township_caseworker_accepts_a_link_in_its_area(county: County) -> None:
    """On PostgreSQL the unlinked record is row-secured by its county; migration 0010 lets the
    workers below that county see it, so the township's own caseworker can decide."""
    _run(county)
    with county.engine.connect() as conn:
        [candidate] = list_candidates(conn, county.caseworker).items
    with UnitOfWork(county.engine, county.caseworker) as uow:
        accept(uow, county.caseworker, candidate["id"], candidate["version"])
        uow.commit()
    assert _records(county.engine)["W4"] == ("P5", "linked", "reviewed")


WRONG_ID = (  # delivered after the first file: P1's number with one digit wrong, and two swapped
    f"{ENVELOPE}\n"
    "human_resources,W6,2026-04-01,110105198003070042,张伟明,1980-03-07,1,110105001001,3100\n"
    "human_resources,W7,2026-04-01,110105198003070102,张伟明,1980-03-07,1,110105001001,3200\n"
)


def test_a_record_with_a_wrong_id_digit_is_kept_at_ingest_and_linked_by_its_weight(
    county: County, tmp_path: Path
) -> None:
    (tmp_path / "wage_record.csv").write_text(WRONG_ID, encoding="utf-8")
    outcome = ingest_feed(county.engine, CIPHER, tmp_path / "wage_record.csv")
    assert (outcome.quarantined, outcome.id_invalid, outcome.links["unmatched"]) == (0, 2, 2)
    run = _run(county)
    assert run.linked == 4  # W2, W3 as before, and the two wrong numbers
    records = _records(county.engine)
    assert records["W6"] == records["W7"] == ("P1", "linked", "probabilistic")


def test_the_review_queue_says_why_a_records_number_is_not_valid(county: County, tmp_path: Path) -> None:
    (tmp_path / "wage_record.csv").write_text(WRONG_ID, encoding="utf-8")
    ingest_feed(county.engine, CIPHER, tmp_path / "wage_record.csv")
    # An upper threshold nothing reaches: every probable link waits for a caseworker.
    link_unmatched(county.engine, CIPHER, model=county.model, upper=1000.0, lower=county.lower)
    with county.engine.connect() as conn:
        items = {c["feed_key"]: c for c in list_candidates(conn, county.reviewer).items}
    wrong = items["human_resources:W6"]
    assert (wrong["person_id"], wrong["feed_id_issue"]) == ("P1", "id_check_digit")
    assert "校验码" in wrong["feed_id_issue_zh"] and "check digit" in wrong["feed_id_issue_en"]
    assert items["human_resources:W2"]["feed_id_issue"] is None  # no number at all is not a wrong one
    id_step = next(s for s in wrong["comparisons"] if s["comparison"] == "id_number")
    assert id_step["weight"] > 0  # one digit off is evidence for the same person, not against


def test_feeds_link_keeps_a_token_delivered_record_inside_the_tokens_area(county: County, tmp_path: Path) -> None:
    """Security #1, later: `feeds link` must not link (or propose) a record a department delivered
    with its token to a person living outside the token's area. 赵敏 (P6) lives in 110106."""
    row = "human_resources,{key},2026-04-01,110106196508080039,赵敏,1965-08-08,2,,3300\n"  # one digit wrong
    (tmp_path / "wage_record.csv").write_text(f"{ENVELOPE}\n" + row.format(key="T1"), encoding="utf-8")
    ingest_feed(county.engine, CIPHER, tmp_path / "wage_record.csv", source="human_resources", jurisdiction="110105")
    (tmp_path / "wage_record.csv").write_text(f"{ENVELOPE}\n" + row.format(key="T2"), encoding="utf-8")
    ingest_feed(county.engine, CIPHER, tmp_path / "wage_record.csv", source="human_resources", jurisdiction="110106")
    # An upper threshold nothing reaches, then one everything reaches: neither links nor proposes T1.
    link_unmatched(county.engine, CIPHER, model=county.model, upper=1000.0, lower=county.lower)
    with county.engine.connect() as conn:
        proposed = {c["feed_key"]: c["person_id"] for c in list_candidates(conn, county.other_county).items}
    assert proposed.get("human_resources:T2") == "P6" and "human_resources:T1" not in proposed
    link_unmatched(county.engine, CIPHER, model=county.model, upper=county.lower, lower=county.lower - 1)
    records = _records(county.engine)
    assert records["T1"] == (None, "unmatched", None)
    assert records["T2"][:2] == (None, "unmatched")  # pending review: not scored twice


# --- Spark: the same links as DuckDB (local mode) ---------------------------------------------


@pytest.fixture(scope="module")
def spark(missing_component: Any) -> Iterator[Any]:
    if shutil.which("java") is None:
        missing_component("Java is not installed (Spark needs Java 17)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing_component("PySpark is not installed (the spark extra)")
    from minsheng.rules.spark import session

    s = session(partitions=4)
    yield s
    s.stop()


def test_spark_gives_the_same_links_as_duckdb(spark: Any) -> None:
    from minsheng.linkage.backend import duckdb_backend, spark_backend
    from minsheng.linkage.pipeline import link_records
    from minsheng.synth import SynthConfig, generate
    from minsheng.synth.feeds_noise import NoiseConfig, add_noise

    pop = generate(SynthConfig(county="110105", households=400, seed=3))
    registry = pop.persons.select(
        "person_id", "household_id", "id_number", "name", "birth_date", pl.col("sex").cast(pl.String)
    ).join(pop.households.select("household_id", "residence_division"), on="household_id")
    sample = registry.sample(300, seed=3)
    noisy, _links = add_noise(sample.drop("household_id"), NoiseConfig(seed=3, homophone=0.2, id_digit=0.1), "110105")
    feed = noisy.with_columns(pl.format("F{}", pl.int_range(pl.len())).alias("feed_key"))
    model = LinkModel.load(default_model_path())
    columns = ["feed_key", "status", "method", "person_id", "match_weight"]
    local = link_records(feed, registry, model, backend=duckdb_backend()).select(columns).sort("feed_key")
    distributed = link_records(feed, registry, model, backend=spark_backend(spark)).select(columns).sort("feed_key")
    assert local.select(columns[:4]).equals(distributed.select(columns[:4]))
    assert (local.get_column("match_weight") - distributed.get_column("match_weight")).abs().fill_null(0).max() < 1e-6  # type: ignore[operator]
    assert local.filter(pl.col("method") == "probabilistic").height > 20  # the comparison is not of exact links only


def test_feeds_link_on_spark_links_what_duckdb_links(spark: Any, tmp_path: Path) -> None:
    """`minsheng feeds link --engine spark` (the CLI's Spark session is this one: getOrCreate)."""
    from typer.testing import CliRunner

    from minsheng.cli import app

    runner = CliRunner()
    (tmp_path / "households.csv").write_text(HOUSEHOLDS, encoding="utf-8")
    (tmp_path / "persons.csv").write_text(PERSONS, encoding="utf-8")
    (tmp_path / "wage_record.csv").write_text(WAGES, encoding="utf-8")
    outputs = {}
    for engine in ("duckdb", "spark"):
        data = str(tmp_path / engine)
        registry = [str(tmp_path / "households.csv"), str(tmp_path / "persons.csv")]
        assert runner.invoke(app, ["import", *registry, "--data", data]).exit_code == 0
        assert runner.invoke(app, ["feeds", "import", str(tmp_path / "wage_record.csv"), "--data", data]).exit_code == 0
        result = runner.invoke(app, ["feeds", "link", "--engine", engine, "--data", data])
        assert result.exit_code == 0, result.output
        outputs[engine] = " ".join(result.output.split()).split("比对 scored")[-1]  # the counts
    linked = re.search(r"linked (\d+)", outputs["duckdb"])
    assert outputs["duckdb"].startswith(" 4：") and linked and int(linked.group(1)) >= 2  # W2 and W3 at least
    assert outputs["spark"] == outputs["duckdb"]
    unknown = runner.invoke(app, ["feeds", "link", "--engine", "oracle", "--data", str(tmp_path / "duckdb")])
    assert unknown.exit_code == 1 and "unknown engine" in unknown.output


DERIVED_PERSONS = (
    "person_id,household_id,id_number,name,relation,sex,birth_date\n"
    "P1,A1,110105198003070012,张伟明,02,1,\n"  # the import reads the date from the number
    "P2,A1,110105198205110027,李秀英,10,2,1982-05-11\n"
)
DERIVED_WAGES = (
    f"{ENVELOPE}\n"
    "human_resources,D1,2026-03-01,110105198003070012,张伟明,,1,110105001001,3000\n"  # P1: name agrees
    "human_resources,D2,2026-03-01,110105198205110027,刘芳,,2,110105002001,2500\n"  # P2's number, not her name
    "human_resources,D3,2026-03-01,110105198205110027,李秀英,1982-05-11,2,110105001001,2500\n"  # declared
)


def test_a_birth_date_read_from_the_id_number_is_marked_and_does_not_replace_the_name(
    engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "households.csv").write_text(HOUSEHOLDS, encoding="utf-8")
    (tmp_path / "persons.csv").write_text(DERIVED_PERSONS, encoding="utf-8")
    import_files(engine, CIPHER, tmp_path / "households.csv", tmp_path / "persons.csv")
    (tmp_path / "wage_record.csv").write_text(DERIVED_WAGES, encoding="utf-8")
    ingest_feed(engine, CIPHER, tmp_path / "wage_record.csv")
    from minsheng.registry.tables import PERSONS as PERSON_TABLE

    with engine.connect() as conn:
        people = dict(conn.execute(select(PERSON_TABLE.c.person_id, PERSON_TABLE.c.birth_date_derived)).all())
        feed = {
            r.record_id: (r.birth_date_derived, r.link_status, r.person_id)
            for r in conn.execute(
                select(
                    FEED_RECORDS.c.record_id,
                    FEED_RECORDS.c.birth_date_derived,
                    FEED_RECORDS.c.link_status,
                    FEED_RECORDS.c.person_id,
                )
            )
        }
    assert people == {"P1": True, "P2": False}
    assert feed["D1"] == (True, "linked", "P1")  # the name agrees; the derived date checks nothing
    assert feed["D2"] == (True, "id_conflict", None)  # a valid number alone never links
    assert feed["D3"] == (False, "linked", "P2")
