"""Masking for public notices: the surname stays, the rest is stars; ID numbers keep their ends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minsheng.privacy.notice_masking import looks_like_id_number, mask_id_text, mask_name, mask_phone_text


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王秀英", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("诸葛亮", "诸葛*"),
        ("司马相如", "司马**"),
        ("欧阳", "欧*"),  # two characters: the surname 欧 and the given name 阳
        ("张", "张*"),  # never the whole name unmasked
        (" 李四 ", "李*"),
        ("阿依古丽·买买提", "阿***·***"),
        ("John Smith", "J*** *****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name_keeps_the_surname(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


@given(st.text(alphabet="张王李赵欧阳诸葛伟芳娜秀英明", min_size=1, max_size=8))
def test_a_masked_name_never_shows_the_given_name(name: str) -> None:
    masked = mask_name(name)
    assert masked != name
    assert masked[0] == name[0]
    assert len(masked) == max(len(name), 2)
    assert set(masked[2:]) <= {"*"}


def test_mask_id_text_keeps_region_and_last_four() -> None:
    assert mask_id_text("11010519491231002X") == "110105********002X"
    assert mask_id_text("11010519491231002") == "110105*******1002"  # a mistyped, 17-character number
    assert mask_id_text("1234") == "****"
    assert mask_id_text(None) is None


def test_mask_phone_text() -> None:
    assert mask_phone_text("13800138000") == "138****8000"
    assert mask_phone_text("12345") == "*****"


def test_id_like_values_are_recognised_in_any_column() -> None:
    assert looks_like_id_number("11010519491231002X")
    assert looks_like_id_number("110105491231002")  # the old 15-digit form
    assert not looks_like_id_number("张三")
    assert not looks_like_id_number("13800138000")
    assert not looks_like_id_number(None)
