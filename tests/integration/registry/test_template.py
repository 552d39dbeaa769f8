"""The Excel template: both header languages, code lists, and a filled copy imports."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
from sqlalchemy import Engine, func, select

from minsheng.contract.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files
from minsheng.registry.tables import Person
from minsheng.registry.template import write_template

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")


def test_template_has_chinese_headers_english_notes_and_code_lists(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert book.sheetnames[:2] == ["家庭", "家庭成员"]
    headers = [c.value for c in book["家庭成员"][1]]
    assert headers == [c.zh for c in PERSON_COLUMNS]
    assert book["家庭成员"]["A1"].comment.text.startswith("成员编号")  # a Chinese note (issue 12 §3)
    sex = next(v for v in book["家庭成员"].data_validations.dataValidation if "F2" in str(v.sqref))
    assert [c.value for (c,) in book["代码表 codes"][sex.formula1.split("!")[1].replace("$", "")]] == ["男", "女"]
    codes = pl.read_excel(tmp_path / "t.xlsx", sheet_name="代码表 codes", infer_schema_length=0)
    assert ("02", "户主") in codes.select("代码 code", "中文 label").rows()
    columns = pl.read_excel(tmp_path / "t.xlsx", sheet_name="字段说明 columns")
    assert columns["column"].to_list() == [c.name for c in (*HOUSEHOLD_COLUMNS, *PERSON_COLUMNS)]
    english = openpyxl.load_workbook(write_template(tmp_path / "en.xlsx", english_headers=True))
    assert [c.value for c in english["家庭"][1]] == [c.name for c in HOUSEHOLD_COLUMNS]


def test_a_filled_template_imports(engine: Engine, tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    hh = {c.zh: i for i, c in enumerate(HOUSEHOLD_COLUMNS)}
    p = {c.zh: i for i, c in enumerate(PERSON_COLUMNS)}
    row = [None] * len(HOUSEHOLD_COLUMNS)
    row[hh["家庭编号"]], row[hh["居住地区划代码"]], row[hh["城乡属性"]], row[hh["住房套数"]] = (
        "T1",
        "110105001001",
        "城镇",
        1,
    )
    book["家庭"].append(row)
    row = [None] * len(PERSON_COLUMNS)
    row[p["成员编号"]], row[p["家庭编号"]], row[p["公民身份号码"]] = "TP1", "T1", "11010519491231002X"
    row[p["姓名"]], row[p["与户主关系"]], row[p["性别"]], row[p["工资性收入"]] = "王秀英", "02", "女", 1500.5
    book["家庭成员"].append(row)
    book.save(path)
    outcome = import_files(engine, CIPHER, path, path)
    assert outcome.ok and [s.inserted for s in outcome.summaries] == [1, 1]
    with engine.connect() as conn:
        assert conn.scalar(select(Person.wage_income_fen)) == 150050
        assert conn.scalar(select(func.count()).select_from(Person)) == 1
