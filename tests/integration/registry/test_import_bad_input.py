"""Bad input gets a clear message and loses nothing; --valid-only keeps the good rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from minsheng.errors import ImportRejected
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files
from minsheng.registry.tables import Household, Person

HH_HEADER = "household_id,residence_division,urban_rural,financial_assets\n"
P_HEADER = "person_id,household_id,id_number,name,relation,sex,birth_date,wage_income\n"

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def rejected(engine: Engine, households: Path | None, persons: Path | None) -> pl.DataFrame:
    with pytest.raises(ImportRejected) as info:
        import_files(engine, CIPHER, households, persons)
    return info.value.report.errors  # type: ignore[union-attr]


def test_valid_only_imports_good_rows_and_writes_a_fixable_rejects_file(engine: Engine, tmp_path: Path) -> None:
    hh = write(tmp_path / "hh.csv", HH_HEADER + "A1,110105001001,urban,100\nA2,999999,urban,5\nA3,110105002,rural,0\n")
    persons = write(
        tmp_path / "p.csv",
        P_HEADER
        + "Q1,A1,11010519491231002X,王秀英,02,2,,1000\n"
        + "Q2,A2,,李强,02,1,1980-01-01,200\n"
        + "Q3,A3,,赵敏,02,2,1985-05-05,-3\n",
    )
    outcome = import_files(engine, CIPHER, hh, persons, valid_only=True, report_dir=tmp_path / "out")
    # A3's only member is rejected, so A3 is rejected whole: never a household without its members.
    assert [(s.kind, s.inserted, s.rejected) for s in outcome.summaries] == [("households", 1, 2), ("persons", 1, 2)]
    assert sorted(outcome.errors.select("file", "row", "column").rows()) == [
        ("hh.csv", 3, "residence_division"),
        ("hh.csv", 4, "household_id"),
        ("p.csv", 3, "household_id"),
        ("p.csv", 4, "wage_income"),
    ]
    assert count(engine, Household) == 1 and count(engine, Person) == 1
    # The rejects keep the user's headers and the reason; fixed, they import cleanly.
    fixed_hh = outcome.rejects["households"].read_text(encoding="utf-8-sig").replace("999999", "110105003")
    # (the rejects file guards a leading "-" against spreadsheet formulas: "'-3")
    fixed_p = outcome.rejects["persons"].read_text(encoding="utf-8-sig").replace("'-3", "3").replace("-3", "3")
    assert "原因" in fixed_hh.splitlines()[0]
    again = import_files(engine, CIPHER, write(tmp_path / "hh2.csv", fixed_hh), write(tmp_path / "p2.csv", fixed_p))
    assert again.ok and [(s.inserted, s.updated) for s in again.summaries] == [(2, 0), (2, 0)]
    assert count(engine, Household) == 3 and count(engine, Person) == 3


def test_valid_only_never_imports_part_of_a_household(engine: Engine, tmp_path: Path) -> None:
    # B1 has three members and one bad wage; B2 is whole and good. Importing B1 without Q12 would
    # let `assess` pay a 2-person household what the 3-person household should get (issue §2.3).
    hh = write(tmp_path / "hh.csv", HH_HEADER + "B1,110105001001,urban,0\nB2,110105001001,urban,0\n")
    persons = write(
        tmp_path / "p.csv",
        P_HEADER
        + "Q11,B1,,王秀英,02,2,1950-01-01,0\n"
        + "Q12,B1,,李强,10,1,1975-01-01,12.345\n"
        + "Q13,B1,,李明,20,1,2010-01-01,0\n"
        + "Q21,B2,,赵敏,02,2,1985-05-05,800\n",
    )
    outcome = import_files(engine, CIPHER, hh, persons, valid_only=True, report_dir=tmp_path / "out")
    assert [(s.kind, s.inserted, s.rejected) for s in outcome.summaries] == [("households", 1, 1), ("persons", 1, 3)]
    with engine.connect() as conn:
        assert set(conn.scalars(select(Household.household_id))) == {"B2"}
        assert set(conn.scalars(select(Person.person_id))) == {"Q21"}
    whole = outcome.errors.filter(pl.col("reason_en").str.contains("another member of this household"))
    assert sorted(whole.select("file", "row").rows()) == [("hh.csv", 2), ("p.csv", 2), ("p.csv", 4)]
    assert set(whole.get_column("reason_zh")) == {"同户成员有错误，整户未导入"}
    # Every row of B1 is in the rejects file, with its reason, ready to fix and import again.
    rejects_p = outcome.rejects["persons"].read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in rejects_p[1:]] == ["Q11", "Q12", "Q13"]
    assert "B1" in outcome.rejects["households"].read_text(encoding="utf-8-sig")
    fixed = write(tmp_path / "p2.csv", "\n".join(rejects_p).replace("12.345", "12.34") + "\n")
    again = import_files(
        engine, CIPHER, write(tmp_path / "hh2.csv", outcome.rejects["households"].read_text("utf-8-sig")), fixed
    )
    assert again.ok and count(engine, Household) == 2 and count(engine, Person) == 4


def test_valid_only_keeps_a_stored_household_whole_when_a_new_member_is_bad(engine: Engine, tmp_path: Path) -> None:
    hh = write(tmp_path / "hh.csv", HH_HEADER + "C1,110105001001,urban,0\n")
    first = write(tmp_path / "p.csv", P_HEADER + "Q31,C1,,王秀英,02,2,1950-01-01,0\n")
    import_files(engine, CIPHER, hh, first)
    # A persons-only file: one member's change is good, the other's row is bad. Neither is written.
    update = write(
        tmp_path / "p2.csv", P_HEADER + "Q31,C1,,王秀英,02,2,1950-01-01,100\nQ32,C1,,李强,10,1,1975-01-01,-5\n"
    )
    outcome = import_files(engine, CIPHER, None, update, valid_only=True, report_dir=tmp_path / "out")
    assert [(s.kind, s.updated, s.inserted, s.rejected) for s in outcome.summaries] == [("persons", 0, 0, 2)]
    with engine.connect() as conn:
        assert conn.scalar(select(Person.wage_income_fen)) == 0 and count(engine, Person) == 1


def test_a_file_in_neither_encoding_is_refused_with_its_position(engine: Engine, tmp_path: Path) -> None:
    # Excel's "Unicode text" export is UTF-16: neither UTF-8 nor GB18030.
    path = write(tmp_path / "hh.csv", HH_HEADER + "A1,110105001001,城镇,100\n", encoding="utf-16")
    errors = rejected(engine, path, None)
    assert errors.row(0, named=True)["reason_en"].startswith("file is neither UTF-8 nor GB18030")
    assert count(engine, Household) == 0


def test_gb18030_is_detected_not_guessed(engine: Engine, tmp_path: Path) -> None:
    header = "家庭编号,居住地区划代码,城乡属性\n"
    path = write(tmp_path / "hh.csv", header + "A1,110105001001,农村\n", encoding="gb18030")
    outcome = import_files(engine, CIPHER, path, None)
    assert outcome.summaries[0].encoding == "gb18030"
    with engine.connect() as conn:
        assert conn.scalar(select(Household.urban_rural)) == "rural"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "the file is empty"),
        ("\ufeff\r\n", "the file is empty"),
        (HH_HEADER, "the file has a header but no data rows"),
        (HH_HEADER + 'A1,110105001001,"urban,100\n', "malformed CSV"),
        (HH_HEADER + "A1,110105001001,urban,100,extra,fields\n", "malformed CSV"),
        (
            "household_id,residence_division,urban_rural,urban_rural\nA1,110105,urban,urban\n",
            "the header repeats a column name",
        ),
        (
            "household_id,residence_division,urban_rural,城乡属性\nA1,110105,urban,urban\n",
            "are the same contract column",
        ),
    ],
)
def test_broken_files_get_a_sentence_not_a_traceback(engine: Engine, tmp_path: Path, content: str, reason: str) -> None:
    errors = rejected(engine, write(tmp_path / "hh.csv", content), None)
    assert reason in errors.row(0, named=True)["reason_en"]
    assert count(engine, Household) == 0


def test_unsupported_file_type(engine: Engine, tmp_path: Path) -> None:
    errors = rejected(engine, write(tmp_path / "hh.xls", "x"), None)
    assert "unsupported file type .xls" in errors.row(0, named=True)["reason_en"]


def test_a_household_of_another_county_is_not_overwritten(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, CIPHER, write(tmp_path / "a.csv", HH_HEADER + "A1,110105001001,urban,100\n"), None)
    errors = rejected(engine, write(tmp_path / "b.csv", HH_HEADER + "A1,130102001,urban,100\n"), None)
    assert errors.select("row", "column").rows() == [(2, "household_id")]
    assert "another county" in errors["reason_en"][0]
    with engine.connect() as conn:
        assert conn.scalar(select(Household.residence_division)) == "110105001001"


def test_an_id_number_cannot_move_to_another_person_silently(engine: Engine, tmp_path: Path) -> None:
    hh = write(tmp_path / "hh.csv", HH_HEADER + "A1,110105001001,urban,100\n")
    import_files(engine, CIPHER, hh, write(tmp_path / "p1.csv", P_HEADER + "Q1,A1,11010519491231002X,王秀英,02,2,,\n"))
    errors = rejected(engine, None, write(tmp_path / "p2.csv", P_HEADER + "Q9,A1,11010519491231002X,王秀英,02,,,\n"))
    assert errors.select("row", "column").rows() == [(2, "id_number")]
    assert count(engine, Person) == 1


def test_id_number_fills_birth_date_and_sex_and_duplicates_are_caught(engine: Engine, tmp_path: Path) -> None:
    hh = write(tmp_path / "hh.csv", HH_HEADER + "A1,110105001001,urban,100\n")
    persons = write(tmp_path / "p.csv", P_HEADER + "Q1,A1,11010519491231002x,王秀英,02,,,\n")
    import_files(engine, CIPHER, hh, persons)
    with engine.connect() as conn:
        row = conn.execute(select(Person.id_number_enc, Person.id_number_masked, Person.sex, Person.birth_date)).one()
    assert CIPHER.decrypt(row.id_number_enc) == "11010519491231002X"  # upper-cased X, stored encrypted
    assert (row.id_number_masked, row.sex, str(row.birth_date)) == ("110105********002X", "2", "1949-12-31")
    dup = write(tmp_path / "d.csv", P_HEADER + "Q2,A1,11010519491231002X,甲,02,,,\nQ3,A1,11010519491231002X,乙,10,,,\n")
    errors = rejected(engine, None, dup)
    assert (3, "id_number") in errors.select("row", "column").rows()


def test_money_is_exact_to_the_fen_and_more_decimals_are_refused(engine: Engine, tmp_path: Path) -> None:
    ok = write(tmp_path / "hh.csv", HH_HEADER + 'A1,110105001001,urban,0.1\nA2,110105001002,urban,"1,234.05"\n')
    import_files(engine, CIPHER, ok, None)
    with engine.connect() as conn:
        assert dict(conn.execute(select(Household.household_id, Household.financial_assets_fen)).all()) == {
            "A1": 10,
            "A2": 123405,
        }
    errors = rejected(engine, write(tmp_path / "bad.csv", HH_HEADER + "A3,110105001001,urban,1.005\n"), None)
    assert errors.select("row", "column").rows() == [(2, "financial_assets")]


@pytest.mark.slow
def test_a_100_mb_file_with_one_bad_row_at_the_end_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, CIPHER, write(tmp_path / "hh.csv", HH_HEADER + "A1,110105001001,urban,100\n"), None)
    n = 800_000
    row = ",A1,,姓名很长的一位居民,20,1,1990-01-01,1234.56,这一列是多余的备注信息用来把文件撑到一百兆以上的大小而已"
    header = P_HEADER.strip() + ",备注\n"
    lines = pl.select(line=pl.format("Q{}", pl.int_range(n)) + pl.lit(row))["line"]
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header)
        fh.write("\n".join(lines.to_list()))
        fh.write(f"\nQ{n},A1,,错行,02,1,1990-13-01,1\n")
    assert path.stat().st_size > 100 * 1024**2
    errors = rejected(engine, None, path)
    assert errors.select("row", "column").rows() == [(n + 2, "birth_date")]
    assert count(engine, Person) == 0


def test_one_workbook_with_both_sheets_reports_each_sheet_apart(engine: Engine, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "registry.xlsx"
    with xlsxwriter.Workbook(path) as book:
        hh = book.add_worksheet("家庭")
        for r, row in enumerate(
            [["家庭编号", "居住地区划代码", "城乡属性"], ["A1", "110105001001", "城镇"], ["A2", "999999", "城镇"]]
        ):
            hh.write_row(r, 0, row)
        p = book.add_worksheet("家庭成员")
        for r, row in enumerate(
            [
                ["成员编号", "家庭编号", "姓名", "与户主关系", "出生日期"],
                ["Q1", "A1", "王秀英", "02", "1949-12-31"],
                ["Q2", "A1", "李强", "x", "1980-01-01"],
            ]
        ):
            p.write_row(r, 0, row)
    outcome = import_files(engine, CIPHER, path, path, valid_only=True, report_dir=tmp_path / "out")
    # Q2's bad relation rejects A1 whole (its household row and Q1 too): never part of a household.
    assert sorted(outcome.errors.select("file", "row", "column").rows()) == [
        ("registry.xlsx#家庭", 2, "household_id"),
        ("registry.xlsx#家庭", 3, "residence_division"),
        ("registry.xlsx#家庭成员", 2, "household_id"),
        ("registry.xlsx#家庭成员", 3, "relation"),
    ]
    assert outcome.rejects["households"].read_text(encoding="utf-8-sig").count("\n") == 3  # header + A1 + A2
    assert "李强" in outcome.rejects["persons"].read_text(encoding="utf-8-sig")
    assert count(engine, Household) == 0 and count(engine, Person) == 0
