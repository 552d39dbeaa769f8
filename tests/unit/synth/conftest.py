from __future__ import annotations

import pytest

from minsheng.demo.local_params import demo_parameters
from minsheng.synth import Population, SynthConfig, generate


@pytest.fixture(scope="session")
def small_population() -> Population:
    """A 4,000-household county shared by the structural tests: the demo county, with its own
    local values (demo/local_parameters.yaml) as `minsheng synth --local-params` lays them."""
    return generate(SynthConfig(county="110105", households=4_000, seed=7), params=demo_parameters())


@pytest.fixture(scope="session")
def rural_population() -> Population:
    """A county made of 镇 and 乡 (Lankao county, Henan) to exercise rural paths."""
    return generate(SynthConfig(county="410225", households=3_000, seed=11))
