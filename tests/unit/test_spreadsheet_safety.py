"""Cells a spreadsheet program would run are neutralised on the way out and restored on the way in
(`contract.sheets`); control characters are a row error in every column (`contract.validation`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from minsheng.contract.columns import COLUMNS
from minsheng.contract.sheets import WORKBOOK_OPTIONS, neutralise, unguard
from minsheng.contract.validation import REASONS, parse_table

ACTIVE = ['=HYPERLINK("http://x","y")', "+86 138", "-2+3", "@SUM(A1)", "\tx", "\rx"]
PLAIN = ["王秀英", "a=b", "'quoted", "'", "", None]


def test_active_cells_get_a_leading_quote_and_nothing_else_changes() -> None:
    frame = pl.DataFrame({"text": [*ACTIVE, *PLAIN], "number": list(range(-6, 6))})
    out = neutralise(frame)
    assert out["text"].to_list() == [*(f"'{v}" for v in ACTIVE), *PLAIN]
    assert out["number"].to_list() == frame["number"].to_list()  # numbers are not text: left alone


def test_unguard_restores_exactly_what_neutralise_guarded() -> None:
    frame = pl.DataFrame({"text": [*ACTIVE, *PLAIN]})
    assert_frame_equal(unguard(neutralise(frame)), frame)
    # a quote before anything else is the user's own and stays
    assert unguard(pl.DataFrame({"t": ["'abc", "''=x"]}))["t"].to_list() == ["'abc", "''=x"]


def test_workbooks_write_strings_as_strings() -> None:
    assert WORKBOOK_OPTIONS["strings_to_formulas"] is False and WORKBOOK_OPTIONS["strings_to_urls"] is False


@pytest.mark.parametrize(
    "bad",
    ["王\x00秀英", "王\t秀英", "王\n秀英", "a\x1fb", "a\x7fb", "a\x85b", "a\x9fb", "a\ufffeb", "a\uffffb", "a\ufdd0b"],
)
def test_a_control_character_is_a_row_error_in_every_column(bad: str) -> None:
    kinds = ["households", "persons", *(k for k in COLUMNS if k.startswith("feed:"))]
    for kind in kinds:
        names = [c.name for c in COLUMNS[kind]]
        frame = pl.DataFrame({n: [bad] for n in names})
        parsed, errors = parse_table(frame, kind, today=dt.date(2026, 6, 30))
        flagged = errors.filter(pl.col("reason") == "control_char")
        assert sorted(flagged["column"].to_list()) == sorted(names), kind
        # the refused value is not passed on, and the reported one shows where the character was
        assert parsed.select(pl.all().exclude("__row").is_null().all()).row(0) == (True,) * len(names), kind
        assert all("\ufffd" in v for v in flagged["value"].to_list())


def test_clean_text_and_trimmed_whitespace_are_not_control_characters() -> None:
    frame = pl.DataFrame(
        {"person_id": ["P1"], "household_id": [" H1\t"], "name": ["阿依古丽·买买提"], "relation": ["02"]}
    )
    _, errors = parse_table(frame, "persons", today=dt.date(2026, 6, 30))
    assert errors.is_empty(), errors


def test_the_reason_key_fits_a_feed_records_id_issue_and_has_both_languages() -> None:
    zh, en = REASONS["control_char"]
    assert len("control_char") <= 16 and zh and en  # feed_records.id_issue is String(16)


def test_a_workbook_with_a_compression_method_zipfile_lacks_is_refused_not_a_crash(tmp_path: Path) -> None:
    """zipfile raises its own NotImplementedError for a member compressed by a method it cannot
    read (an entry claiming method 99, as an AES-encrypted member does): the workbook check must
    turn that into a refusal in both languages, not let it escape as a crash."""
    import zipfile

    from minsheng.contract import workbooks
    from minsheng.errors import ImportRejected

    path = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local and central headers
        at = data.find(signature)
        while at != -1:
            data[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(ImportRejected) as refused:
        workbooks.inspect(path)
    assert "not a valid .xlsx workbook" in refused.value.en and "不是有效的Excel" in refused.value.zh
