"""`minsheng feeds import` of a corrected file, before and after `minsheng feeds link`, on SQLite
and PostgreSQL (issue §3: the re-delivery failed with "Unconsumed column names: updated_at" and
rolled the whole file back)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from minsheng.cli import app
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.settings import get_settings

runner = CliRunner()
HOUSEHOLDS = "household_id,residence_division,urban_rural\nA1,110105001001,urban\nA2,110105001002,urban\n"
PERSONS = (
    "person_id,household_id,id_number,name,relation,sex,birth_date\n"
    "P1,A1,110105198003070012,张伟明,02,1,1980-03-07\n"
    "P3,A2,,王国庆,02,1,1975-10-01\n"
)
ENVELOPE = "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,monthly_wage\n"
WAGES = (
    ENVELOPE + "human_resources,W1,2026-03-01,110105198003070012,张伟明,1980-03-07,1,110105001001,{w1}\n"
    "human_resources,W2,2026-03-01,,王国清,1975-10-01,1,110105001002,{w2}\n"  # a homophone, no ID: `feeds link`
)


@pytest.fixture
def database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The CLI on the test's database (SQLite or PostgreSQL), through its own setting."""
    monkeypatch.setenv("MINSHENG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _records(engine: Engine) -> dict[str, tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                FEED_RECORDS.c.record_id, FEED_RECORDS.c.person_id, FEED_RECORDS.c.link_method, FEED_RECORDS.c.payload
            )
        ).all()
    return {r.record_id: (r.person_id, r.link_method, r.payload) for r in rows}


def test_a_corrected_feed_is_imported_again_before_and_after_feeds_link(database: Engine, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    (tmp_path / "households.csv").write_text(HOUSEHOLDS, encoding="utf-8")
    (tmp_path / "persons.csv").write_text(PERSONS, encoding="utf-8")
    _invoke("import", str(tmp_path / "households.csv"), str(tmp_path / "persons.csv"), "--data", data)
    feed = tmp_path / "wage_record.csv"
    feed.write_text(WAGES.format(w1=3000, w2=2800), encoding="utf-8")
    _invoke("feeds", "import", str(feed), "--data", data)
    feed.write_text(WAGES.format(w1=3100, w2=2800), encoding="utf-8")  # W1 corrected before linking
    _invoke("feeds", "import", str(feed), "--data", data)
    assert _records(database)["W1"] == ("P1", "id_number", '{"monthly_wage":310000}')
    _invoke("feeds", "link", "--data", data)
    assert _records(database)["W2"][:2] == ("P3", "probabilistic")
    feed.write_text(WAGES.format(w1=3100, w2=2900), encoding="utf-8")  # W2 corrected after linking
    _invoke("feeds", "import", str(feed), "--data", data)
    records = _records(database)
    assert records["W2"] == ("P3", "probabilistic", '{"monthly_wage":290000}')  # corrected, still linked
    assert records["W1"] == ("P1", "id_number", '{"monthly_wage":310000}')
