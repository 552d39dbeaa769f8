"""The synthetic noise model: what it does to records, and the truth it keeps."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from minsheng.codes.id_number import is_valid
from minsheng.errors import ConfigError
from minsheng.linkage.chinese import name_keys
from minsheng.linkage.features import normalise_date
from minsheng.synth.feeds_noise import NAME_OPS, NoiseConfig, add_noise

N = 1200
OFF = {
    name: 0.0
    for name in (
        *NAME_OPS,
        "id_digit",
        "id_transposed",
        "id_other_person",
        "dob_missing",
        "dob_swapped",
        "dob_digit",
        "date_format",
        "sex_missing",
        "sex_wrong",
        "division_missing",
        "division_moved",
        "outsiders",
    )
}


def records() -> pl.DataFrame:
    ids = [f"110105198{i % 10}0{1 + i % 9}1{i % 10}{i % 1000:03d}" for i in range(N)]
    ids = [body + next(c for c in "0123456789X" if is_valid(body + c)) for body in (x[:17] for x in ids)]
    return pl.DataFrame(
        {
            "person_id": [f"P{i}" for i in range(N)],
            "id_number": ids,
            "name": ["张伟明", "李秀英", "王芳", "欧阳明轩"] * (N // 4),
            "birth_date": [dt.date(1980 + i % 10, 1 + i % 9, 10 + i % 10) for i in range(N)],
            "sex": ["1", "2"] * (N // 2),
            "residence_division": ["110105001001", "110105002001"] * (N // 2),
        }
    )


def only(**rates: float) -> NoiseConfig:
    return NoiseConfig(**{**OFF, **rates})  # type: ignore[arg-type]


def test_without_noise_records_are_unchanged_but_dates_become_text() -> None:
    noisy, links = add_noise(records(), only(), "110105")
    original = records()
    assert noisy.get_column("name").to_list() == original.get_column("name").to_list()
    assert noisy.get_column("id_number").to_list() == original.get_column("id_number").to_list()
    assert links.get_column("person_id").to_list() == original.get_column("person_id").to_list()
    assert (links.get_column("noise") == "").all()
    assert (
        noisy.select(normalise_date(pl.col("birth_date"))).to_series().to_list()
        == original.get_column("birth_date").to_list()
    )


def test_homophones_keep_the_pinyin_and_look_alikes_the_shape() -> None:
    for op, key in (("homophone", "name_py"), ("look_alike", "name_shape")):
        noisy, links = add_noise(records(), only(**{op: 1.0}), "110105")
        changed = links.get_column("noise") == op
        assert changed.mean() > 0.5, op  # every name here has a character with one
        before = name_keys(records().get_column("name")).filter(changed)
        after = name_keys(noisy.get_column("name")).filter(changed)
        assert (before.get_column("name") != after.get_column("name")).all(), op
        assert (before.get_column(key) == after.get_column(key)).all(), op


def test_id_digit_and_transposition_break_the_check_digit() -> None:
    for op in ("id_digit", "id_transposed"):
        noisy, links = add_noise(records(), only(**{op: 1.0}), "110105")
        changed = noisy.filter(links.get_column("noise") == op).get_column("id_number")
        assert changed.len() > N * 0.9, op
        assert not any(is_valid(x) for x in changed), op  # GB 11643's check digit catches both


def test_other_persons_numbers_are_valid_numbers_of_someone_else() -> None:
    noisy, _links = add_noise(records(), only(id_other_person=1.0), "110105")
    known = set(records().get_column("id_number"))
    assert set(noisy.get_column("id_number")) <= known
    assert (noisy.get_column("id_number") != records().get_column("id_number")).mean() > 0.99


def test_swapped_dates_and_date_formats() -> None:
    noisy, links = add_noise(records(), only(dob_swapped=1.0, date_format=1.0), "110105")
    parsed = noisy.select(normalise_date(pl.col("birth_date"))).to_series()
    swapped = links.get_column("noise").str.contains("dob_swapped")
    original = records().get_column("birth_date")
    assert swapped.mean() > 0.2  # days 10–12 only can swap with their month
    assert all(
        a.day == b.month and a.month == b.day
        for a, b in zip(parsed.filter(swapped), original.filter(swapped), strict=True)
    )
    assert noisy.get_column("birth_date").str.contains("-").mean() < 0.9  # other layouts too


def test_outsiders_have_no_true_person_and_no_registered_number() -> None:
    noisy, links = add_noise(records(), only(outsiders=1.0), "110105")
    assert links.get_column("person_id").null_count() == N
    known = set(records().get_column("id_number"))
    assert not set(noisy.get_column("id_number").drop_nulls()) & known


def test_the_default_rates_make_a_minority_of_records_noisy_and_are_reproducible() -> None:
    first, links = add_noise(records(), NoiseConfig(), "110105")
    again, _ = add_noise(records(), NoiseConfig(), "110105")
    assert first.equals(again)
    share = (links.get_column("noise") != "").mean()
    assert 0.15 < share < 0.6


def test_rates_outside_0_1_are_refused() -> None:
    with pytest.raises(ConfigError):
        NoiseConfig(homophone=1.5)
