"""Write a synthetic population to a directory (the only I/O of this package)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from minsheng.synth.calibration import markdown
from minsheng.synth.frames import HOUSEHOLD_COLUMNS, PERSON_COLUMNS

if TYPE_CHECKING:
    from minsheng.synth import Population


def write(pop: Population, out_dir: str | Path) -> dict[str, Path]:
    """households.csv and persons.csv (UTF-8, contract columns in contract order,
    money with 2 decimals), ground_truth.parquet, calibration.md and .json (both
    with the dibao rules the ground truth was decided by, see `synth.policy`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "households": out / "households.csv",
        "persons": out / "persons.csv",
        "ground_truth": out / "ground_truth.parquet",
        "calibration_md": out / "calibration.md",
        "calibration_json": out / "calibration.json",
    }
    # Every float column is money in yuan or an area in m², both with two decimals.
    pop.households.select(HOUSEHOLD_COLUMNS).write_csv(paths["households"], float_precision=2)
    pop.persons.select(PERSON_COLUMNS).write_csv(paths["persons"], float_precision=2)
    pop.ground_truth.write_parquet(paths["ground_truth"])
    title = (
        f"Calibration of synthetic county {pop.county} ({pop.households.height:,} households, "
        f"{pop.persons.height:,} persons, seed {pop.seed})"
    )
    paths["calibration_md"].write_text(
        markdown(pop.calibration, title, pop.policy.notes, pop.income_basis), encoding="utf-8"
    )
    payload = {
        "county": pop.county,
        "seed": pop.seed,
        "income_basis": pop.income_basis,
        "households": pop.households.height,
        "persons": pop.persons.height,
        "rows": pop.calibration.to_dicts(),
        "dibao_rules": pop.policy.notes.to_dicts(),
    }
    paths["calibration_json"].write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths
