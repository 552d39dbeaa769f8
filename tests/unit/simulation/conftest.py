"""The synthetic county the simulation tests share (3,000 households, made once)."""

from __future__ import annotations

import polars as pl
import pytest

from minsheng.contract.columns import store_frame
from minsheng.contract.validation import parse_table
from minsheng.demo.local_params import demo_parameters
from minsheng.synth import SynthConfig, generate


@pytest.fixture(scope="session")
def county() -> tuple[pl.DataFrame, pl.DataFrame]:
    pop = generate(SynthConfig(county="110105", households=3_000, seed=5), params=demo_parameters())
    hh = store_frame(parse_table(pop.households.cast(pl.String), "households")[0].drop("__row"), "households")
    pp = store_frame(parse_table(pop.persons.cast(pl.String), "persons")[0].drop("__row"), "persons")
    return hh, pp
