"""The dibao benefit a county pays today (现发低保金), as its own office computed it.

The paid amount is the engine's own payment on the declared circumstances on the
reference date: the gap to the standard (社会救助暂行办法 第十三条) or the tier, the
local floor (`dibao.floor_ratio`: in the demo county a gap below 20 % of the
standard is paid as 20 %, after an older local rule, PF §1.2) and the local classified
top-ups, with the county's own values where the caller lays them over the files. A copy of the
formula here would drift from the engine, and every enrolled household would then
look "changed" to discovery. The office's eligibility test is not repeated: the
household is enrolled, so the office paid it; a household enrolled in error (leaked)
is paid the floor, or 20 % of the standard where the county has no floor (assumption,
an older local rule, PF §1.2). Where the engine would pay nothing (it counts a lone
member as tekun, whom dibao leaves out) the office's own gap amount is kept, with the
same floor.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from minsheng.contract.columns import COLUMNS
from minsheng.rules.parameters import ParameterSet
from minsheng.synth.enrolment import DIBAO, Enrolment
from minsheng.synth.sampling import IntArray

NODES = ("dibao_base_fen", "dibao_topup_fen")
LEAKED_FLOOR = 0.2  # share of the standard paid to a leaked household where the county has no floor


def paid_benefit(
    households: pl.DataFrame,
    persons: pl.DataFrame,
    enrolment: Enrolment,
    sizes: IntArray,
    date: dt.date,
    params: ParameterSet | None = None,
) -> IntArray:
    """Monthly benefit in fen per household (rows in `households` order): the engine's base
    payment plus top-ups for dibao households, the synth's own amount for the others."""
    from minsheng.programmes.registry import baseline, model
    from minsheng.rules.evaluate import evaluate

    dibao = enrolment.programme == DIBAO
    if not dibao.any():
        return enrolment.benefit_fen
    ids = households.get_column("household_id").filter(pl.Series(dibao))
    hh = _store(households.filter(pl.col("household_id").is_in(ids.implode())), "households")
    pp = _store(persons.filter(pl.col("household_id").is_in(ids.implode())), "persons")
    result = evaluate(model(), params or baseline(), hh, pp, date=date, outputs=list(NODES))
    paid = (
        ids.to_frame()
        .join(result.households.select("household_id", *NODES), on="household_id", how="left")
        .select(pl.col(NODES[0]).fill_null(0) + pl.col(NODES[1]).fill_null(0))
        .to_series()
        .to_numpy()
        .astype(np.int64)
    )
    benefit = enrolment.benefit_fen.copy()
    # Nothing to pay by the engine's count (a lone member it takes for tekun, whom dibao leaves
    # out): the office paid the gap it computed; discovery will point at tekun.
    own = np.zeros(len(benefit), dtype=bool)
    own[dibao] = paid <= 0
    benefit[dibao] = np.where(paid > 0, paid, benefit[dibao])
    floor = (np.rint(LEAKED_FLOOR * enrolment.standard_fen) * sizes).astype(np.int64)
    low = enrolment.leaked | own
    benefit[low] = np.maximum(benefit[low], floor[low])
    return benefit


def _store(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Contract frame (money in yuan) → the engine's store shape (money in integer fen)."""
    money = [c for c in COLUMNS[kind] if c.kind == "money" and c.name in frame.columns]
    return frame.with_columns((pl.col(c.name) * 100).round().cast(pl.Int64) for c in money).rename(
        {c.name: c.store_name for c in COLUMNS[kind] if c.name in frame.columns}
    )
