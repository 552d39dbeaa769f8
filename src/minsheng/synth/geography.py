"""Where households live and where their hukou is (居住地与户籍地).

Townships are the county's real ones (NBS statistical division codes). Villages
and communities are generated under them as township code + 3 digits,
following the NBS habit of numbering 居委会 from 001 and 村委会 from 201.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minsheng.codes.divisions import Division, divisions
from minsheng.errors import DivisionError
from minsheng.synth import targets as T
from minsheng.synth.config import SynthConfig
from minsheng.synth.sampling import BoolArray, IntArray, allocate, bisect, group_sum

# Urban tilt by township type, on the logit scale (assumption): 街道 are mostly
# urban, 镇 and 地区 mixed, 乡 (incl. 民族乡) mostly rural.
_TILT = {"街道": 2.5, "地区": 0.0, "镇": -0.5, "乡": -2.0}
# Assumption: floating population lives in towns four times as often as in villages.
_RURAL_FLOATING_FACTOR = 0.25


@dataclass(frozen=True, slots=True)
class Geography:
    townships: list[Division]
    township: IntArray  # per household: index into `townships`
    residence: IntArray  # per household: 12-digit village / community code
    urban: BoolArray  # per household
    hukou: IntArray  # per household: 12-digit code
    hukou_kind: IntArray  # 0 same village, 1 other township of the county, 2 other county in province, 3 other province


def _tilt(name: str) -> float:
    for suffix, value in _TILT.items():
        if name.endswith(suffix):
            return value
    return 0.0


def county_townships(county: str) -> list[Division]:
    """The real townships of a county, or `DivisionError` for an unknown county."""
    book = divisions()
    if not (len(county) == 6 and county.isdigit()) or county not in set(book.codes("county")):
        raise DivisionError(
            f"县级区划代码{county!r}不在区划表中，无法生成合成县",
            f"county code {county!r} is not a known county-level division; cannot build a synthetic county",
        )
    towns = book.townships(county)
    if not towns:
        raise DivisionError(f"区划{county}没有乡镇级区划", f"county {county} has no townships in the division list")
    return towns


def place(cfg: SynthConfig, sizes: IntArray, rng: np.random.Generator) -> Geography:
    towns = county_townships(cfg.county)
    n_hh, n_t = len(sizes), len(towns)
    # Township populations vary; 街道 are denser (assumption: lognormal, σ = 0.5).
    tilt = np.array([_tilt(t.name) for t in towns])
    weight = np.exp(rng.normal(0.0, 0.5, n_t)) * np.where(tilt > 1, 1.3, 1.0)
    counts = allocate(n_hh, weight)
    township = np.repeat(np.arange(n_t), counts)  # sizes are already in random order
    persons_t = group_sum(township, sizes, n_t)

    # Urban share by township: logit = c + tilt, c solved so persons urban = target.
    def gap(c: float) -> float:
        share = 1 / (1 + np.exp(-(c + tilt)))
        return float((persons_t * share).sum() / persons_t.sum() - cfg.urban_share)

    share_t = 1 / (1 + np.exp(-(bisect(gap, -30.0, 30.0) + tilt)))
    # Within a township, households (random order) are urban until the urban
    # person quota is filled, so each township's person share is hit exactly.
    cum = np.cumsum(sizes) - np.repeat(np.cumsum(persons_t) - persons_t, counts)
    urban = (cum - sizes / 2) < (share_t * persons_t)[township]

    residence = _villages(cfg, township, urban, sizes, towns, rng)
    hukou, kind = _hukou(cfg, towns, township, residence, urban, sizes, rng)
    return Geography(towns, township, residence, urban, hukou, kind)


def _villages(
    cfg: SynthConfig,
    township: IntArray,
    urban: BoolArray,
    sizes: IntArray,
    towns: list[Division],
    rng: np.random.Generator,
) -> IntArray:
    n_t = len(towns)
    urban_p = group_sum(township, sizes * urban, n_t)
    rural_p = group_sum(township, sizes * ~urban, n_t)
    n_comm = np.clip(np.rint(urban_p / cfg.community_persons), 1, 499).astype(np.int64)
    n_vill = np.clip(np.rint(rural_p / cfg.village_persons), 1, 499).astype(np.int64)
    # NBS numbering: communities 001–199, villages 201–399; larger townships
    # continue sequentially after the communities.
    fits = (n_comm <= 199) & (n_vill <= 199)
    village_base = np.where(fits, 201, n_comm + 1)
    u = rng.random(len(township))
    number = np.where(
        urban,
        1 + np.floor(u * n_comm[township]),
        village_base[township] + np.floor(u * n_vill[township]),
    ).astype(np.int64)
    town_codes = np.array([int(t.code) for t in towns], dtype=np.int64)
    return town_codes[township] * 1000 + number


def _hukou(
    cfg: SynthConfig,
    towns: list[Division],
    township: IntArray,
    residence: IntArray,
    urban: BoolArray,
    sizes: IntArray,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray]:
    n = len(township)
    persons = sizes.sum()
    urban_persons = (sizes * urban).sum()
    rural_persons = persons - urban_persons
    # PF2 §1.7: floating 26.62% of persons; urban households p, rural p/4.
    p_float = T.FLOATING_SHARE.value * persons / (urban_persons + _RURAL_FLOATING_FACTOR * rural_persons)
    p_float_hh = np.where(urban, min(p_float, 0.9), min(p_float * _RURAL_FLOATING_FACTOR, 0.9))
    # 市辖区内人户分离 8.28%: hukou in another township of the county (urban only).
    p_within = min(T.WITHIN_CITY_SEPARATED.value * persons / max(urban_persons, 1), 0.9 - min(p_float, 0.9))
    u = rng.random(n)
    kind = np.zeros(n, dtype=np.int64)
    floating = u < p_float_hh
    kind[floating] = np.where(rng.random(int(floating.sum())) < T.CROSS_PROVINCE_OF_FLOATING, 3, 2)
    kind[~floating & urban & (u < p_float_hh + p_within)] = 1

    hukou = residence.copy()
    # Another township of this county (or another village of the same one if there is only one).
    other = kind == 1
    t_other = (township[other] + 1 + rng.integers(0, max(len(towns) - 1, 1), int(other.sum()))) % len(towns)
    town_codes = np.array([int(t.code) for t in towns], dtype=np.int64)
    hukou[other] = town_codes[t_other] * 1000 + rng.integers(1, 30, int(other.sum()))

    # Other real counties: a random township of a random county, village 001–029.
    all_towns = np.array(divisions().codes("township"), dtype=np.int64)
    town_county = all_towns // 1000
    counties = np.unique(town_county)
    county = int(cfg.county)
    same_prov = counties[(counties // 10_000 == county // 10_000) & (counties != county)]
    other_prov = counties[counties // 10_000 != county // 10_000]
    for k, pool in ((2, same_prov if len(same_prov) else other_prov), (3, other_prov)):
        sel = np.flatnonzero(kind == k)
        chosen = pool[rng.integers(0, len(pool), len(sel))]
        lo = np.searchsorted(town_county, chosen, "left")
        hi = np.searchsorted(town_county, chosen, "right")
        t = all_towns[lo + np.floor(rng.random(len(sel)) * (hi - lo)).astype(np.int64)]
        hukou[sel] = t * 1000 + rng.integers(1, 30, len(sel))
    return hukou, kind
