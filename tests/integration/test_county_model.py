"""A county trains its own linkage model on its own noisy records (EM, no labels), and
`link_unmatched` then uses it: checked against the synthetic truth, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, select

from minsheng.errors import MinshengError
from minsheng.feeds.ingest import ingest_feed
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.linkage.county_model import PREVIOUS_FILE, train_county_model
from minsheng.linkage.model import MODEL_FILE, LinkModel, default_model_path
from minsheng.linkage.store import link_unmatched
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files
from minsheng.security.tables import AUDIT_LOG
from minsheng.synth import SynthConfig, generate, write
from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds
from minsheng.synth.feeds_noise import NoiseConfig

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")


@pytest.fixture(scope="module")
def noisy_county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("noisy")
    pop = generate(SynthConfig(county="110105", households=2500, seed=21))
    write(pop, out)
    config = FeedConfig(start=dt.date(2025, 7, 1), months=12, seed=21, noise=NoiseConfig(seed=21))
    write_feeds(generate_feeds(pop, config), out / "feeds")
    return out


def test_a_county_model_trained_on_its_records_links_them(engine: Engine, noisy_county: Path, tmp_path: Path) -> None:
    import_files(engine, CIPHER, noisy_county / "households.csv", noisy_county / "persons.csv")
    for path in sorted((noisy_county / "feeds").glob("*.csv")):
        ingest_feed(engine, CIPHER, path)
    data = tmp_path / "data"
    trained = train_county_model(engine, CIPHER, data)
    assert trained.path == data / MODEL_FILE and default_model_path(data) == trained.path
    assert trained.records > 1_000 and trained.persons > 5_000
    county = LinkModel.load(trained.path)
    shipped = LinkModel.load(default_model_path())
    assert [lv.m for lv in county.levels()] != [lv.m for lv in shipped.levels()]  # its own estimates

    run = link_unmatched(engine, CIPHER, data_dir=data)
    assert run.linked > 0
    truth = pl.read_parquet(noisy_county / "feeds" / "links.parquet").select(
        pl.format("{}:{}", "source", "record_id").alias("feed_key"), pl.col("person_id").alias("true_person")
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(FEED_RECORDS.c.feed_key, FEED_RECORDS.c.person_id).where(
                FEED_RECORDS.c.link_method == "probabilistic"
            )
        ).all()
    links = pl.DataFrame(rows, schema={"feed_key": pl.String, "person_id": pl.String}, orient="row")
    scored = links.join(truth, on="feed_key", how="left")
    correct = scored.filter(pl.col("person_id") == pl.col("true_person")).height
    assert links.height == run.linked
    assert correct / links.height >= 0.97, (correct, links.height)  # precision of the county's model
    with engine.connect() as conn:
        assert conn.execute(select(AUDIT_LOG.c.action).where(AUDIT_LOG.c.action == "linkage.train")).all()

    again = train_county_model(engine, CIPHER, data, seed=2)  # the file it replaces is kept
    assert (data / PREVIOUS_FILE).exists() and again.path.exists()


def test_too_little_data_keeps_the_shipped_model(engine: Engine, noisy_county: Path, tmp_path: Path) -> None:
    import_files(engine, CIPHER, noisy_county / "households.csv", noisy_county / "persons.csv")
    with pytest.raises(MinshengError, match="too little data"):
        train_county_model(engine, CIPHER, tmp_path)
    assert not (tmp_path / MODEL_FILE).exists()
