"""A NUL or another control character in an id or a name is a row error with a sentence, on
SQLite (which would have stored it) and PostgreSQL (which refused it with a server error), for
the registry's households and persons and for department feeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from minsheng.errors import ImportRejected
from minsheng.feeds.ingest import ingest_feed
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")


def write(path: Path, text_: str) -> Path:
    path.write_bytes(text_.encode("utf-8"))
    return path


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(text(table))) or 0)


def test_registry_cells_with_control_characters_are_refused(engine: Engine, tmp_path: Path) -> None:
    hh = write(
        tmp_path / "hh.csv",
        "household_id,residence_division,urban_rural\n"
        "A\x001,110105001001,urban\n"
        "A2,110105001001,urban\n"
        "A3,110105001001,urb\x0ban\n",
    )
    persons = write(
        tmp_path / "p.csv",
        "person_id,household_id,id_number,name,relation\nQ1,A2,,王\x00秀英,02\nQ\x852,A2,,李强,10\nQ3,A2,,赵\ufffe敏,10\n",
    )
    with pytest.raises(ImportRejected) as info:
        import_files(engine, CIPHER, hh, persons)
    errors = info.value.report.errors  # type: ignore[union-attr]
    assert sorted(errors.select("file", "row", "column").rows()) == [
        ("hh.csv", 2, "household_id"),
        ("hh.csv", 4, "urban_rural"),
        ("p.csv", 2, "name"),
        ("p.csv", 3, "person_id"),
        ("p.csv", 4, "name"),
    ]
    assert set(errors["reason_en"]) == {
        "contains an invisible control character (such as NUL, a line break or a tab): remove it"
    }
    assert "\x00" not in "".join(errors["value"].to_list())  # shown as �, where it was
    assert count(engine, "households") == 0 and count(engine, "persons") == 0


def test_a_feed_quarantines_a_control_character_and_keeps_no_unusable_id_number(engine: Engine, tmp_path: Path) -> None:
    feed = write(
        tmp_path / "death.csv",
        "source,record_id,event_date,id_number,name,birth_date,sex,residence_division\n"
        "public_security,D1,2025-09-01,,王\x00秀英,1949-12-31,2,110105001001\n"
        "public_security,D2,2025-09-01,11010519491231002\x00,李强,1949-12-31,1,110105001001\n",
    )
    outcome = ingest_feed(engine, CIPHER, feed)
    assert outcome.quarantined == 1 and outcome.inserted == 1
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT record_id, id_number_masked, id_issue FROM feed_records")).all()
    assert [tuple(r) for r in kept] == [("D2", None, "control_char")]
