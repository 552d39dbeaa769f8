"""Train the county's own linkage model on its own data (本地比对模型训练): no labels needed.

    trained = train_county_model(engine, cipher, data_dir)   # → data_dir/linkage_model.json
    trained.path, trained.records, trained.persons

The package ships a model trained on the synthetic county with its noise model
(`linkage.model`); a county's departments make their own kinds of mistakes, so
once it holds enough of its own records it should train on them: Splink's
unsupervised recipe (u from random pairs, m by expectation maximisation) over a
random sample of the county's feed records, linked or not, against the
registry. The model is written to the data directory, where `link_unmatched`
and `minsheng feeds link` find it before the package's; the file it replaces
is kept beside it (`linkage_model.previous.json`), so a bad training can be
undone by moving one file back. Training is audited with its counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func

from minsheng.errors import MinshengError
from minsheng.linkage.features import prepare
from minsheng.linkage.model import MODEL_FILE, train
from minsheng.linkage.store import FEED_QUERY, read_feed, registry_persons
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.security import audit

PREVIOUS_FILE = "linkage_model.previous.json"
# Below this, EM has too few pairs of each kind to estimate every level: keep the shipped model.
MIN_RECORDS = 1_000
MIN_PERSONS = 1_000


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    records: int  # feed records trained on
    persons: int  # registry persons trained against
    seconds: float


def train_county_model(
    engine: Engine,
    cipher: PersonalDataCipher,
    data_dir: Path,
    *,
    sample: int = 200_000,
    county: str = "",
    seed: int = 1,
    actor: str = "system:linkage",
) -> TrainedModel:
    """Train on up to `sample` feed records (of `county`, a division prefix, if given) and the
    whole registry; save to `data_dir` (see the module docstring)."""
    start = time.perf_counter()
    # A random sample, so one department's or one month's records do not make the model.
    query = FEED_QUERY.order_by(func.random()).limit(sample)
    with engine.connect() as conn:
        feed = read_feed(conn, cipher, query, county)
        registry = registry_persons(conn, cipher)
    if feed.height < MIN_RECORDS or registry.height < MIN_PERSONS:
        raise MinshengError(
            f"数据太少，无法训练比对模型（部门记录{feed.height:,}条、在册人员{registry.height:,}人，"
            f"各需至少{MIN_RECORDS:,}）：继续使用随软件提供的模型",
            f"too little data to train a linkage model ({feed.height:,} feed records, {registry.height:,} persons; "
            f"at least {MIN_RECORDS:,} of each): keep using the model shipped with minsheng",
        )
    model = train(prepare(feed, "feed_key"), prepare(registry, "person_id"), seed=seed)
    path = data_dir / MODEL_FILE
    if path.exists():
        path.replace(data_dir / PREVIOUS_FILE)
    model.save(path)
    trained = TrainedModel(path, feed.height, registry.height, time.perf_counter() - start)
    with engine.begin() as conn:
        audit.record(
            conn,
            actor,
            "linkage.train",
            "linkage_model",
            county or "*",
            {"records": trained.records, "persons": trained.persons, "file": path.name},
        )
    return trained
