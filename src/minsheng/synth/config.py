"""Settings of one synthetic county (合成县) run.

>>> cfg = SynthConfig(county="110105", households=2_000, seed=1)
>>> cfg.reference_date
datetime.date(2025, 6, 30)

The dibao standard and the property rules are not settings: they are the engine's
parameters for the county (`synth.policy`), so that the ground truth and the engine agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from minsheng.errors import ConfigError
from minsheng.synth import targets as T


@dataclass(frozen=True, slots=True)
class SynthConfig:
    county: str  # 6-digit GB/T 2260 county code
    households: int = 100_000
    seed: int = 1
    # Ages, birth dates and "the last 12 months" are measured at this date.
    reference_date: dt.date = dt.date(2025, 6, 30)
    urban_share: float = T.URBAN_SHARE.value  # share of persons living in urban communities
    # Assumption: 80% of eligible households are enrolled (take-up below one).
    dibao_takeup: float = 0.8
    # Assumption: 3% of enrolled dibao households are not eligible ("leakage").
    dibao_leakage: float = 0.03
    tekun_takeup: float = 0.9  # assumption
    # Assumption: 8% of households under-declare wage income, a vehicle or deposits.
    under_declare_share: float = 0.08
    # Persons per urban community / rural village (NBS 居委会 / 村委会 sizes; assumption).
    community_persons: int = 3_500
    village_persons: int = 1_200
    id_coverage: float = T.ID_COVERAGE.value

    def __post_init__(self) -> None:
        if self.households < 1:
            raise ConfigError(
                f"家庭数须至少为1，实际为{self.households}", f"households must be at least 1, got {self.households}"
            )
        shares = {
            "urban_share": self.urban_share,
            "dibao_takeup": self.dibao_takeup,
            "dibao_leakage": self.dibao_leakage,
            "tekun_takeup": self.tekun_takeup,
            "under_declare_share": self.under_declare_share,
            "id_coverage": self.id_coverage,
        }
        for name, value in shares.items():
            if not 0 <= value <= 1 or (name == "dibao_leakage" and value >= 1):
                raise ConfigError(
                    f"参数{name}须在0到1之间，实际为{value}", f"{name} must be between 0 and 1, got {value}"
                )

    def rngs(self, n: int) -> list[np.random.Generator]:
        """Independent random streams, one per stage, so that changing one stage
        does not reshuffle the draws of the others."""
        return [np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(n)]
