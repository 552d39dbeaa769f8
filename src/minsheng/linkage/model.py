"""The trained linkage model (比对模型): train once, save as JSON, reuse for every delivery.

    model = train(feed_features, registry_features)      # EM, no labels needed
    model.save(data_dir / "linkage_model.json")
    model = LinkModel.load(default_model_path(data_dir))  # the county's, or the package's

Training is Splink's unsupervised recipe: u probabilities (how often a level
occurs among pairs of different persons) from random pairs, m probabilities
(how often among the same person) by expectation maximisation on three sets
of blocked pairs, each estimating the comparisons it does not block on.

The file is Splink's own model JSON (Splink can load it for its charts); this
module reads back only the m and u of each level and rebuilds the comparisons
in code, so one model serves the DuckDB and the Spark backend alike. The
prior (the chance that two random records are the same person) is not taken
from the file but set from the registry being linked: 1 / its size, since a
feed record concerns one registry person at most. The levels whose u is
likewise about k / N (`comparisons.PER_PERSON`: an ID number agreeing, or one
digit from agreeing) have their u rescaled from the training registry's size
(the file's prior, 1 / that size) to the linked registry's: otherwise the
prior falls with N and their weight does not, and a model trained on 100,000
persons gave an exact ID number 3.3 bits less net evidence at 1,000,000.

Rare levels are clamped: a level seen (almost) never among matches would
otherwise veto a link on its own (m = 1e-15 is a weight of −50); the floor
keeps every level's weight within about ±17. A level that says the records
disagree (`comparisons.DISAGREEMENT`) is capped at 0 bits, one that says they
agree outright (`AGREEMENT`) is held at 0 or above: whatever EM made of one
county's data, disagreement never counts for a link nor agreement against it.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from minsheng.errors import ConfigError
from minsheng.linkage import comparisons as C
from minsheng.linkage.backend import Backend, duckdb_backend

MODEL_FILE = "linkage_model.json"
M_FLOOR = 1e-4  # the smallest m a level may have (see the module docstring)
U_FLOOR = 1e-7


def default_model_path(data_dir: Path | None = None) -> Path:
    """The county's trained model in the data directory if there is one, else the model
    shipped with the package (trained on the synthetic county with its noise model)."""
    if data_dir is not None and (data_dir / MODEL_FILE).exists():
        return data_dir / MODEL_FILE
    return Path(str(resources.files("minsheng.linkage") / "data" / MODEL_FILE))


@dataclass(frozen=True)
class Level:
    comparison: str
    gamma: int  # Splink's comparison vector value: −1 missing, then highest = most similar
    label: str
    label_zh: str
    m: float
    u: float

    @property
    def weight(self) -> float:
        """log2(m/u): the evidence this level gives, in bits (0 for a missing value)."""
        return 0.0 if self.gamma == -1 else math.log2(self.m / self.u)


@dataclass(frozen=True)
class LinkModel:
    """m and u of every level of every comparison, as trained."""

    splink: dict[str, Any]
    baseline: bool = False

    @classmethod
    def load(cls, path: Path) -> LinkModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"无法读取比对模型 {path}：{exc}", f"cannot read the linkage model {path}: {exc}"
            ) from None
        return cls(data, baseline=bool(data.get("minsheng_baseline", False)))

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {**self.splink, "minsheng_baseline": self.baseline}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @property
    def training_persons(self) -> int | None:
        """The size of the registry the model was trained against: `train` sets the prior to
        1 / that size and EM keeps it fixed, so the file records it as its prior."""
        prior = self.splink.get("probability_two_random_records_match")
        return round(1 / prior) if prior else None

    def levels(self, persons: int | None = None) -> list[Level]:
        """Every level of every comparison, with its label and its (clamped) m and u;
        `persons`: the size of the registry being linked, to which the u of the levels
        `comparisons.PER_PERSON` is rescaled (None: as trained)."""
        trained_on = self.training_persons
        scale = trained_on / persons if trained_on and persons else 1.0
        out = []
        for comparison in self.splink["comparisons"]:
            name = comparison["output_column_name"]
            labels = () if self.baseline else C.LEVELS.get(name, ())
            trained = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            m_floor, u_floor = _floors(trained)
            out.append(Level(name, -1, "missing", "缺失", 1.0, 1.0))
            for j, lv in enumerate(trained):
                en, zh = (
                    labels[j] if j < len(labels) else (lv.get("label_for_charts", ""), lv.get("label_for_charts", ""))
                )
                m, u = lv.get("m_probability"), lv.get("u_probability")
                if m is None and u is None:  # never seen in training: no evidence either way
                    m = u = 1.0
                gamma = len(trained) - 1 - j
                m, u = max(m or m_floor, M_FLOOR), max(u or u_floor, U_FLOOR)
                if (name, en) in C.PER_PERSON:
                    # After the floor, which bounds what training could not estimate: the rescaled
                    # u of an exact number is ~1/N and its weight, log2(N) or so, may pass 17 bits,
                    # as the prior's does the other way. Before the clamps: in a registry smaller
                    # than the training one u grows, and agreement must still not count against.
                    u *= scale
                if (name, en) in C.DISAGREEMENT:
                    m = min(m, u)  # weight ≤ 0 (see the module docstring)
                elif (name, en) in C.AGREEMENT:
                    u = min(u, m)  # weight ≥ 0
                out.append(Level(name, gamma, en, zh, m, u))
        return out

    def comparisons(self, *, term_frequencies: bool = True, persons: int | None = None) -> list[Any]:
        """Fresh Splink comparisons (for any backend) carrying this model's m and u;
        `term_frequencies`: adjust exact names by their frequency (see `comparisons.name_comparison`);
        `persons`: the size of the registry being linked (see `levels`)."""
        fresh = C.comparisons(baseline=self.baseline, term_frequencies=term_frequencies)
        levels = self.levels(persons)
        for creator in fresh:
            name = creator.create_output_column_name()
            trained = [lv for lv in levels if lv.comparison == name and lv.gamma != -1]
            expected = len(creator.get_comparison("duckdb").comparison_levels) - 1
            if len(trained) != expected:
                raise ConfigError(
                    f"比对模型的“{name}”有{len(trained)}个级别，本版本需要{expected}个：请重新训练比对模型"
                    "（minsheng feeds train）或删除数据目录中的旧模型",
                    f"the linkage model's {name!r} comparison has {len(trained)} levels where this version has "
                    f"{expected}: train the model again (minsheng feeds train) or remove the old one from the data directory",
                )
            creator.configure(m_probabilities=[lv.m for lv in trained], u_probabilities=[lv.u for lv in trained])
        return fresh


def _floors(levels: list[dict[str, Any]]) -> tuple[float, float]:
    """Half the smallest m and u seen in the comparison: the value for a level that
    training could not estimate on one side."""
    ms = [lv["m_probability"] for lv in levels if lv.get("m_probability")]
    us = [lv["u_probability"] for lv in levels if lv.get("u_probability")]
    return (min(ms) / 2 if ms else M_FLOOR), (min(us) / 2 if us else U_FLOOR)


def train(
    feed: pl.DataFrame,
    registry: pl.DataFrame,
    *,
    backend: Backend | None = None,
    baseline: bool = False,
    u_pairs: float = 5e6,
    seed: int = 1,
) -> LinkModel:
    """Estimate the model on feature frames (`features.prepare`), no labels needed."""
    from splink import Linker

    backend = backend or duckdb_backend()
    # The prior, 1 / the registry's size, fixed through EM: what the file keeps of the size the
    # ID number's u was estimated at (`LinkModel.training_persons`).
    settings = C.settings(C.comparisons(baseline=baseline), prior=1 / max(registry.height, 1), baseline=baseline)
    linker = Linker(backend.register(feed, registry), settings, log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    for rule in C.training_rules(baseline=baseline):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, fix_probability_two_random_records_match=True
        )
    return LinkModel(linker.misc.save_model_to_json(), baseline=baseline)
