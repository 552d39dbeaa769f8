"""The importer against the contract's sample files, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from minsheng.codes.id_number import parse
from minsheng.errors import ImportRejected
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.exporter import export_registry
from minsheng.registry.importer import import_files
from minsheng.registry.tables import Enrolment, Household, ImportBatch, Person

# The shared valid fixtures import as they are, with no error: every form of them (UTF-8, BOM,
# GB18030 with Chinese headers, .xlsx). P004 王芳 and P006 赵桂兰 are women with female
# ID numbers (GB 11643: an even sequence code is female).
VALID_FORMS = [
    ("households.csv", "persons.csv"),
    ("households_zh_gb18030.csv", "persons_zh_gb18030.csv"),
    ("households.csv", "persons_bom.csv"),
]

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")


@pytest.fixture
def valid(contract_fixtures: Path) -> dict[str, Path]:
    return {path.name: path for path in (contract_fixtures / "valid").iterdir()}


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.scalar(select(func.count()).select_from(t)) for t in (Household, Person, Enrolment)
        )


def snapshot(engine: Engine) -> dict[str, pl.DataFrame]:
    with engine.connect() as conn:
        return {  # ciphertexts included: an unchanged row must keep its very bytes
            name: pl.DataFrame(
                conn.execute(
                    select(*[c for c in t.__table__.c if c.name != "updated_at"]).order_by(
                        *t.__table__.primary_key.columns
                    )
                ).all(),
                orient="row",
                schema=[c.name for c in t.__table__.c if c.name != "updated_at"],
                infer_schema_length=None,
            )
            for name, t in (("households", Household), ("persons", Person), ("enrolments", Enrolment))
        }


@pytest.mark.parametrize(("households", "persons"), [*VALID_FORMS, ("registry.xlsx", "registry.xlsx")])
def test_every_valid_fixture_imports_as_is_with_no_error(
    engine: Engine, valid: dict[str, Path], households: str, persons: str, tmp_path: Path
) -> None:
    outcome = import_files(engine, CIPHER, valid[households], valid[persons], report_dir=tmp_path / "reports")
    assert outcome.ok and outcome.errors.height == 0, outcome.errors.rows()
    assert outcome.error_report is None and not list(tmp_path.glob("reports/*"))
    assert counts(engine) == (5, 7, 2)
    with engine.connect() as conn:
        rows = conn.execute(select(Person.person_id, Person.sex).where(Person.person_id.in_(["P004", "P006"]))).all()
    assert dict(rows) == {"P004": "2", "P006": "2"}
    for number in ("110105196501014428", "110105194002206688"):  # the fixtures' numbers for P004 and P006
        assert parse(number).sex == 2


@pytest.mark.parametrize(("households", "persons"), VALID_FORMS)
def test_each_valid_form_imports_the_same_registry(
    engine: Engine, valid: dict[str, Path], households: str, persons: str
) -> None:
    outcome = import_files(engine, CIPHER, valid[households], valid[persons])
    assert outcome.ok
    assert [(s.kind, s.inserted, s.updated, s.unchanged) for s in outcome.summaries] == [
        ("households", 5, 0, 0),
        ("persons", 7, 0, 0),
    ]
    assert counts(engine) == (5, 7, 2)
    with engine.connect() as conn:
        h2 = conn.execute(select(Household).where(Household.household_id == "H002")).one()
        h5 = conn.execute(select(Household).where(Household.household_id == "H005")).one()
        p7 = conn.execute(select(Person).where(Person.person_id == "P007")).one()
        p1 = conn.execute(select(Person).where(Person.person_id == "P001")).one()
    assert h2.financial_assets_fen == 300050  # 3000.50 yuan, exact
    assert h5.hukou_division == "110105"  # defaults to residence_division
    assert h5.township is None and h5.county == "110105"
    assert p7.id_number_hash is None and str(p7.birth_date) == "1990-10-10"
    assert p1.id_number_hash == CIPHER.blind_index("110105198003121238")
    assert p1.name == "张伟" and p1.sex == "1" and p1.wage_income_fen == 180000


def test_all_forms_give_identical_registries(
    engine: Engine, valid: dict[str, Path], contract_fixtures: Path, tmp_path: Path
) -> None:
    import_files(engine, CIPHER, valid["households.csv"], valid["persons.csv"])
    first = snapshot(engine)
    for hh, p in (("households_zh_gb18030.csv", "persons_zh_gb18030.csv"), ("households.csv", "persons_bom.csv")):
        outcome = import_files(engine, CIPHER, valid[hh], valid[p])
        assert all(s.inserted == 0 and s.updated == 0 for s in outcome.summaries), hh
    workbook = contract_fixtures / "valid" / "registry.xlsx"
    outcome = import_files(engine, CIPHER, workbook, None)
    assert outcome.summaries[0].unchanged == 5
    for name, frame in snapshot(engine).items():
        assert frame.equals(first[name]), name


def test_reimport_is_idempotent_and_updates_changed_rows(
    engine: Engine, valid: dict[str, Path], tmp_path: Path
) -> None:
    import_files(engine, CIPHER, valid["households.csv"], valid["persons.csv"])
    before = snapshot(engine)
    again = import_files(engine, CIPHER, valid["households.csv"], valid["persons.csv"])
    assert [(s.inserted, s.updated, s.unchanged) for s in again.summaries] == [(0, 0, 5), (0, 0, 7)]
    assert all(snapshot(engine)[k].equals(v) for k, v in before.items())
    # One changed cell and one dropped enrolment: exactly that row is updated.
    changed = tmp_path / "households_changed.csv"
    text = valid["households.csv"].read_text(encoding="utf-8")
    text = text.replace("H002,110105002003,110105,urban,3000.50", "H002,110105002003,110105,urban,3100.00")
    text = text.replace("tekun,2020-01-01,1300", ",,")
    changed.write_text(text, encoding="utf-8")
    outcome = import_files(engine, CIPHER, changed, None)
    assert [(s.inserted, s.updated, s.unchanged) for s in outcome.summaries] == [(0, 2, 3)]
    assert counts(engine) == (5, 7, 1)
    with engine.connect() as conn:
        assert conn.scalar(select(Household.financial_assets_fen).where(Household.household_id == "H002")) == 310000
        assert conn.scalar(select(func.count()).select_from(ImportBatch)) == 5  # one row per file imported


def test_export_round_trips(engine: Engine, valid: dict[str, Path], tmp_path: Path) -> None:
    import_files(engine, CIPHER, valid["households.csv"], valid["persons.csv"])
    before = snapshot(engine)
    for fmt in ("csv", "gb18030", "xlsx", "parquet"):
        results = export_registry(engine, tmp_path / fmt, fmt, cipher=CIPHER)
        paths = {r.kind: r.path for r in results}
        outcome = import_files(engine, CIPHER, paths["households"], paths["persons"])
        assert [(s.inserted, s.updated) for s in outcome.summaries] == [(0, 0), (0, 0)], fmt
    assert all(snapshot(engine)[k].equals(v) for k, v in before.items())


def test_masked_export_hides_id_and_phone(engine: Engine, valid: dict[str, Path], tmp_path: Path) -> None:
    import_files(engine, CIPHER, valid["households.csv"], valid["persons.csv"])
    [_, persons] = export_registry(engine, tmp_path, "csv")  # no cipher: only the masked forms exist to export
    frame = pl.read_csv(persons.path, infer_schema=False)
    row = frame.filter(pl.col("person_id") == "P001").row(0, named=True)
    assert row["id_number"] == "110105********1238"
    assert row["phone"] == "138****0001"


def test_each_faulty_file_is_rejected_and_writes_nothing(
    engine: Engine, contract_fixtures: Path, valid: dict[str, Path], tmp_path: Path, faulty_name: str
) -> None:
    name = faulty_name
    expected = json.loads((contract_fixtures / "expected.json").read_text(encoding="utf-8"))[name]
    faulty = contract_fixtures / "invalid" / name
    households = faulty if name.startswith("households") else valid["households.csv"]
    persons = valid["persons.csv"] if name.startswith("households") else faulty
    with pytest.raises(ImportRejected) as info:
        import_files(engine, CIPHER, households, persons, report_dir=tmp_path / "reports")
    assert expected["reject"] is True
    outcome = info.value.report
    errors = outcome.errors  # type: ignore[union-attr]
    places = errors.select("row", "column").rows()
    assert (expected["row"], expected["column"]) in places, places
    # Every message exists in both languages.
    assert errors["reason_zh"].str.len_chars().min() > 0 and errors["reason_en"].str.len_chars().min() > 0
    assert counts(engine) == (0, 0, 0)
    # The error report is an .xlsx a caseworker can open, naming the same place.
    report = pl.read_excel(outcome.error_report)  # type: ignore[union-attr]
    assert (expected["row"], expected["column"]) in report.select("行号 row", "列 column").rows()


def test_no_clear_id_or_phone_number_reaches_the_database_file(valid: dict[str, Path], tmp_path: Path) -> None:
    from minsheng.db.store import open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'grep.db'}")
    import_files(engine, CIPHER, valid["households.csv"], valid["persons.csv"])
    engine.dispose()
    text = valid["persons.csv"].read_text(encoding="utf-8")
    secrets = [
        cell
        for line in text.splitlines()[1:]
        for cell in line.split(",")
        if (len(cell) == 18 and cell[:17].isdigit()) or (len(cell) == 11 and cell.startswith("138"))
    ]
    assert len(secrets) >= 6  # the fixture's ID numbers and its phone number
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("grep.db*"))  # the database, WAL and shared memory
    for secret in secrets:
        assert secret.encode() not in stored, secret
