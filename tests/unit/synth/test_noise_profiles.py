"""Noise profiles (issue 11 §1): `default` is the model as it was, `harsh` the outside tester's rates."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from minsheng.codes.id_number import check_char
from minsheng.errors import ConfigError
from minsheng.synth.feeds_noise import NoiseConfig, add_noise

N = 6000


def records(missing_ids: int = 300) -> pl.DataFrame:
    """`N` distinct registry persons; the first `missing_ids` already lack an ID number."""
    bodies = [f"110105{1950 + i % 50}{1 + i % 12:02d}{1 + i % 28:02d}{i % 997:03d}" for i in range(N)]
    ids = [None if i < missing_ids else b + check_char(b) for i, b in enumerate(bodies)]
    return pl.DataFrame(
        {
            "person_id": [f"P{i}" for i in range(N)],
            "id_number": ids,
            "name": ["张伟明", "李秀英", "王芳", "欧阳明轩"] * (N // 4),
            "birth_date": [dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28) for i in range(N)],
            "sex": ["1", "2"] * (N // 2),
            "residence_division": ["110105001001", "110105002"] * (N // 2),
        },
        schema_overrides={"id_number": pl.String},
    )


def test_default_profile_is_the_default_config() -> None:
    assert NoiseConfig.profile("default", 3) == NoiseConfig(seed=3)
    first, _ = add_noise(records(), NoiseConfig.profile("default", 3), "110105")
    again, _ = add_noise(records(), NoiseConfig(seed=3), "110105")
    assert first.equals(again)


def test_unknown_profile_is_refused_in_both_languages() -> None:
    with pytest.raises(ConfigError) as caught:
        NoiseConfig.profile("gentle")
    assert "gentle" in str(caught.value)


def test_harsh_profile_has_the_testers_rates() -> None:
    source = records()
    noisy, links = add_noise(source, NoiseConfig.profile("harsh", 5), "110105")
    share = noisy.select(
        pl.col("id_number").is_null().mean().alias("no_id"),
        pl.col("birth_date").is_null().mean().alias("no_dob"),
        (pl.col("residence_division").str.len_chars() == 6).mean().alias("county_only"),
    ).row(0, named=True)
    assert share["no_id"] == pytest.approx(0.30, abs=0.02)
    assert share["no_dob"] == pytest.approx(0.15, abs=0.02)
    assert share["county_only"] == 1.0
    assert (noisy.get_column("residence_division") == "110105").all()
    noise = links.get_column("noise")
    assert links.get_column("person_id").is_null().mean() == pytest.approx(0.10, abs=0.015)
    carrying = noisy.get_column("id_number").is_not_null()
    typo = noise.str.contains("id_digit|id_transposed").filter(carrying).mean()
    other = noise.str.contains("id_other_person").filter(carrying).mean()
    assert typo == pytest.approx(0.07, abs=0.015)
    assert other == pytest.approx(0.01, abs=0.006)
    # The name noise of the default profile stays on.
    assert noise.str.contains("homophone").mean() == pytest.approx(0.06, abs=0.02)


def test_harsh_missing_share_counts_records_already_without_an_id() -> None:
    noisy, _ = add_noise(records(missing_ids=2400), NoiseConfig.profile("harsh", 5), "110105")
    assert noisy.get_column("id_number").is_null().mean() == pytest.approx(0.40, abs=0.01)
