"""Households and their members (家庭与成员): sizes, composition, relations, ages, sex.

Sizes follow the 2020 census (one-person share 25.39%, mean 2.62) with sizes
2–10 shaped like the 2010 table (PF2 §1.3), exponentially tilted to that mean.
Each household then gets a composition type and its members get GB/T 4761
relation codes and ages consistent with the head's (spouses near the head,
children 22–40 years younger, parents 22–36 years older). The share of single
and couple-only households that are elderly is solved per urban/rural area so
that the 60+ share hits its target (PF2 §2 and the census urban–rural gap).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from minsheng.synth import targets as T
from minsheng.synth.sampling import BoolArray, FloatArray, IntArray, allocate, bisect, piecewise_uniform

# Roles in the household, in listing order.
HEAD, SPOUSE, PARENT, CHILD, CHILD_IN_LAW, GRANDCHILD = range(6)
# Composition types.
SINGLE, NUCLEAR, UP, DOWN, SKIP = range(5)
# Surname slots (see names.py): the head's, the spouse's, the child-in-law's, an
# absent parent's (household level) or the person's own.
S_HEAD, S_SPOUSE, S_CIL, S_ABSENT, S_OWN = range(5)

P_MALE_BIRTH = T.SEX_RATIO_AT_BIRTH / (100 + T.SEX_RATIO_AT_BIRTH)  # PF2 §1.5
P_MOTHER_SURNAME = 1 / 13  # PF2 §4.1: newborns with the mother's surname : father's = 1 : 12

# Composition by size, [nuclear, up (head's parents live in), down (elder head
# with a married child), skip (grandparents and grandchildren)]. Assumption: no
# national table by type was found; rural homes are more often three-generation
# or skipped-generation (left-behind children).
_KIND_P = {
    True: {
        2: [0.88, 0.09, 0.0, 0.03],
        3: [0.78, 0.12, 0.06, 0.04],
        4: [0.50, 0.25, 0.20, 0.05],
        5: [0.15, 0.40, 0.42, 0.03],
        6: [0.04, 0.36, 0.58, 0.02],
    },
    False: {
        2: [0.82, 0.06, 0.0, 0.12],
        3: [0.64, 0.10, 0.12, 0.14],
        4: [0.40, 0.20, 0.30, 0.10],
        5: [0.12, 0.30, 0.53, 0.05],
        6: [0.03, 0.27, 0.68, 0.02],
    },
}
# Age histograms (edges, probabilities) by role; assumptions tuned to the targets.
ELDERLY = ([60, 65, 70, 75, 80, 85, 90, 100], [0.29, 0.25, 0.19, 0.12, 0.08, 0.05, 0.02])
_YOUNG_SINGLE = ([18, 30, 45, 60], [0.40, 0.30, 0.30])
_YOUNG_COUPLE = ([22, 35, 45, 60], [0.45, 0.15, 0.40])
_LONE_PARENT = ([28, 40, 50, 60, 70, 90], [0.25, 0.25, 0.20, 0.15, 0.15])
_NUCLEAR = ([24, 35, 45, 55, 65, 80], [0.24, 0.32, 0.26, 0.12, 0.06])
_UP = ([24, 35, 45, 58], [0.35, 0.40, 0.25])
_DOWN = ([50, 60, 70, 80, 92], [0.22, 0.42, 0.26, 0.10])
_SKIP = ([48, 60, 70, 82], [0.30, 0.45, 0.25])


def size_distribution() -> dict[int, float]:
    """Shares of household sizes 1–10 (10 stands for 10+).

    Sizes 2–10 keep the 2010 shape times exp(θ·size), θ solved by bisection so
    that the mean is 2.62 with the 2020 one-person share.
    """
    p1 = T.ONE_PERSON_SHARE.value
    sizes = np.array(list(T.SIZE_SHAPE_2010), dtype=np.float64)
    shape = np.array(list(T.SIZE_SHAPE_2010.values()))
    want = (T.MEAN_SIZE.value - p1) / (1 - p1)  # mean size among households of 2+

    def gap(theta: float) -> float:
        w = shape * np.exp(theta * sizes)
        return float((w * sizes).sum() / w.sum() - want)

    w = shape * np.exp(bisect(gap, -5.0, 5.0) * sizes)
    out = {1: p1}
    out.update({int(s): float((1 - p1) * x) for s, x in zip(sizes, w / w.sum(), strict=True)})
    return out


def draw_sizes(n: int, rng: np.random.Generator) -> IntArray:
    """Household sizes in random order; counts allocated exactly to the distribution."""
    dist = size_distribution()
    counts = allocate(n, list(dist.values()))
    return rng.permutation(np.repeat(np.array(list(dist), dtype=np.int64), counts))


@dataclass(frozen=True, slots=True)
class Members:
    """One entry per person, ordered by household then listing order."""

    hh: IntArray
    role: IntArray
    relation: IntArray  # GB/T 4761 two-digit code as an int
    sex: IntArray  # 1 male, 2 female
    birth: npt.NDArray[np.datetime64]
    age: IntArray  # completed years at the reference date
    surname_slot: IntArray
    kind: IntArray  # per household


@dataclass
class _Chunk:
    hh: IntArray
    role: int
    order: IntArray
    age: FloatArray
    sex: IntArray
    relation: IntArray
    slot: IntArray


def _sex(rng: np.random.Generator, n: int, p_male: FloatArray | float) -> IntArray:
    return np.where(rng.random(n) < p_male, 1, 2).astype(np.int64)


def build(sizes: IntArray, urban: BoolArray, rng: np.random.Generator, ref: dt.date) -> Members:
    n = len(sizes)
    r = rng.random
    cap = np.minimum(sizes, 6)
    kind = np.full(n, SINGLE, dtype=np.int64)
    for is_urban, table in _KIND_P.items():
        for s, p in table.items():
            sel = np.flatnonzero((cap == s) & (urban == is_urban))
            kind[sel] = rng.choice(4, size=len(sel), p=np.array(p) / sum(p)) + NUCLEAR
    kind[(kind == DOWN) & (sizes < 3)] = NUCLEAR

    spouse = np.zeros(n, dtype=np.int64)
    spouse[kind == NUCLEAR] = r(int((kind == NUCLEAR).sum())) < np.where(sizes[kind == NUCLEAR] == 2, 0.75, 0.85)
    spouse[(kind == UP) & (sizes >= 3)] = r(int(((kind == UP) & (sizes >= 3)).sum())) < 0.8
    spouse[kind == DOWN] = r(int((kind == DOWN).sum())) < 0.75
    spouse[(kind == SKIP) & (sizes >= 3)] = r(int(((kind == SKIP) & (sizes >= 3)).sum())) < 0.7
    rem = sizes - 1 - spouse
    n_par = np.where(kind == UP, np.where((rem >= 2) & (r(n) < 0.55), 2, 1), 0)
    n_child = np.where((kind == NUCLEAR) | (kind == UP), rem - n_par, 0)
    down = kind == DOWN
    n_cil = np.where(down & (rem >= 2) & (r(n) < 0.92), 1, 0)
    n_gk = np.where(down, np.minimum(rem - 1 - n_cil, 3), np.where(kind == SKIP, rem, 0))
    n_child = np.where(down, rem - n_cil - n_gk, n_child)

    # Head ages. Single and couple-only households get a young and an old
    # candidate; which one is decided below to hit the 60+ share.
    head_age = np.zeros(n)
    for k, (edges, probs) in {NUCLEAR: _NUCLEAR, UP: _UP, DOWN: _DOWN, SKIP: _SKIP}.items():
        sel = np.flatnonzero(kind == k)
        head_age[sel] = piecewise_uniform(rng, len(sel), edges, probs)
    lone_parent = (kind == NUCLEAR) & (spouse == 0)
    head_age[lone_parent] = piecewise_uniform(rng, int(lone_parent.sum()), *_LONE_PARENT)
    single = kind == SINGLE
    couple = (kind == NUCLEAR) & (spouse == 1) & (n_child == 0)
    flex = single | couple
    young = np.where(single, piecewise_uniform(rng, n, *_YOUNG_SINGLE), piecewise_uniform(rng, n, *_YOUNG_COUPLE))
    old = piecewise_uniform(rng, n, *ELDERLY)
    head_sex = _sex(rng, n, np.where(spouse == 1, 0.85, 0.45))  # assumption: husbands are usually registered heads
    # The wife is on average two years younger (assumption): the spouse's age offset from the head.
    spouse_offset = np.where(head_sex == 1, -1, 1) * rng.normal(2.0, 2.5, n)
    chunks = _others(rng, kind, spouse, n_par, n_child, n_cil, n_gk, head_age)  # everyone but head and spouse
    other_old = np.zeros(2)
    for c in chunks:
        np.add.at(other_old, urban[c.hh].astype(np.int64), np.floor(c.age) >= 60)

    is_old = np.zeros(n, dtype=bool)
    for area in (False, True):
        in_area = urban == area
        fixed = in_area & ~flex
        fixed60 = other_old[int(area)] + _count60(head_age[fixed], spouse[fixed], spouse_offset[fixed])
        y60 = _count60(young[in_area & flex], spouse[in_area & flex], spouse_offset[in_area & flex])
        o60 = _count60(old[in_area & flex], spouse[in_area & flex], spouse_offset[in_area & flex])
        target = target_60_share(area) * sizes[in_area].sum()
        idx = np.flatnonzero(in_area & flex)
        k = int(np.clip(np.rint((target - fixed60 - y60) / max((o60 - y60) / max(len(idx), 1), 1e-9)), 0, len(idx)))
        is_old[rng.permutation(idx)[:k]] = True
    head_age = np.where(flex, np.where(is_old, old, young), head_age)
    lone_old = np.flatnonzero(single & is_old)
    head_sex[lone_old] = _sex(rng, len(lone_old), 0.4)  # people over 60 living alone are mostly widows
    young_single = np.flatnonzero(single & ~is_old)

    hh = np.arange(n, dtype=np.int64)
    zeros = np.zeros(n, dtype=np.int64)
    head = _Chunk(hh, HEAD, zeros, head_age, head_sex, np.full(n, 2, dtype=np.int64), np.full(n, S_HEAD))
    sp = np.flatnonzero(spouse == 1)
    sp_sex = 3 - head_sex[sp]
    sp_age = _bound(head_age[sp] + spouse_offset[sp], 20, 100, rng)
    spouse_chunk = _Chunk(
        sp, SPOUSE, zeros[sp], sp_age, sp_sex, np.where(sp_sex == 1, 11, 12), np.full(len(sp), S_SPOUSE)
    )
    everyone = [head, spouse_chunk, *_finish(rng, chunks, head_sex, spouse)]
    # Young people living alone are mostly men; their sex is set last so that the
    # overall sex ratio hits 104.34 (PF2 §2), within 50–90% male.
    total = int(sizes.sum())
    males = sum(int((c.sex == 1).sum()) for c in everyone) - int((head_sex[young_single] == 1).sum())
    want = round(total * T.SEX_RATIO.value / (100 + T.SEX_RATIO.value)) - males
    k = int(np.clip(want, 0.5 * len(young_single), 0.9 * len(young_single)))
    head.sex[young_single] = 2
    head.sex[rng.permutation(young_single)[:k]] = 1
    return _assemble(everyone, kind, ref)


def target_60_share(urban: bool) -> float:
    """60+ share by area: the 2024 total split by the 2020 urban–rural gap (derived)."""
    total = T.AGE_SHARE["60+"].value
    u = T.URBAN_SHARE.value
    urban_share = total - (1 - u) * T.RURAL_URBAN_60_GAP
    return urban_share if urban else urban_share + T.RURAL_URBAN_60_GAP


def _bound(age: FloatArray, lo: float, hi: float, rng: np.random.Generator) -> FloatArray:
    """Ages outside [lo, hi] redrawn just inside the bound (clipping would pile
    people onto one birth date)."""
    u = rng.random(len(age))
    return np.where(age < lo, lo + 2 * u, np.where(age > hi, hi - 3 * u, age))


def _count60(head_age: FloatArray, spouse: IntArray, offset: FloatArray) -> float:
    sp_age = head_age + offset
    return float((np.floor(head_age) >= 60).sum() + ((np.floor(sp_age) >= 60) & (spouse == 1)).sum())


def _others(
    rng: np.random.Generator,
    kind: IntArray,
    spouse: IntArray,
    n_par: IntArray,
    n_child: IntArray,
    n_cil: IntArray,
    n_gk: IntArray,
    head_age: FloatArray,
) -> list[_Chunk]:
    """Ages of parents, children, children-in-law and grandchildren (sex and relation in `_finish`)."""
    u = rng.uniform
    out: list[_Chunk] = []
    # Parents of the head: father 22–34 years older, mother up to 4 years younger than him.
    ph = np.repeat(np.arange(len(kind)), n_par)
    k = len(ph)
    two = n_par[ph] == 2
    first = np.r_[True, ph[1:] != ph[:-1]] if k else np.zeros(0, dtype=bool)
    father_age = head_age[ph] + u(22, 34, k)
    age = np.where(two & ~first, father_age - u(0, 4, k), np.where(two, father_age, head_age[ph] + u(22, 36, k)))
    age = np.where(age > 99, 99 - u(0, 5, k), age)
    sex = np.where(two, np.where(first, 1, 2), np.where(rng.random(k) < 0.35, 1, 2))
    out.append(
        _Chunk(
            ph, PARENT, first.astype(np.int64) ^ 1, age, sex, np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
        )
    )

    # Children of the head. In a DOWN household the first child is the married one.
    ch = np.repeat(np.arange(len(kind)), n_child)
    k = len(ch)
    h = head_age[ch]
    idx = np.arange(k) - np.repeat(np.cumsum(n_child) - n_child, n_child)
    married = (kind[ch] == DOWN) & (idx == 0)
    gap = np.where(
        married, 22 + rng.random(k) * (np.minimum(34, h - 20) - 22), 22 + rng.random(k) * (np.minimum(40, h) - 22)
    )
    age = np.maximum(h - gap, 0)
    out.append(
        _Chunk(
            ch, CHILD, idx, age, np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
        )
    )

    # The married child's spouse and children (DOWN), or left-behind grandchildren (SKIP).
    mc_age = np.zeros(len(kind))
    mc_age[ch[married]] = age[married]
    cl = np.repeat(np.arange(len(kind)), n_cil)
    out.append(
        _Chunk(
            cl,
            CHILD_IN_LAW,
            np.zeros(len(cl), dtype=np.int64),
            _bound(mc_age[cl] + rng.normal(0, 2.5, len(cl)), 20, 100, rng),
            np.zeros(len(cl), dtype=np.int64),
            np.zeros(len(cl), dtype=np.int64),
            np.zeros(len(cl), dtype=np.int64),
        )
    )
    gk = np.repeat(np.arange(len(kind)), n_gk)
    k = len(gk)
    c = mc_age[gk]
    # Left-behind grandchildren are under 17, and at least 40 years younger than the grandparent.
    left_behind = rng.random(k) * np.minimum(16, head_age[gk] - 40)
    gk_age = np.where(kind[gk] == SKIP, left_behind, np.maximum(c - (20 + rng.random(k) * (np.minimum(36, c) - 20)), 0))
    gidx = np.arange(k) - np.repeat(np.cumsum(n_gk) - n_gk, n_gk)
    out.append(
        _Chunk(
            gk,
            GRANDCHILD,
            gidx,
            gk_age,
            np.zeros(k, dtype=np.int64),
            np.zeros(k, dtype=np.int64),
            np.zeros(k, dtype=np.int64),
        )
    )
    return out


def _finish(rng: np.random.Generator, chunks: list[_Chunk], head_sex: IntArray, spouse: IntArray) -> list[_Chunk]:
    """Sex, GB/T 4761 relation codes and surname slots of the non-head members."""
    parents, children, cils, grandkids = chunks
    n = len(head_sex)
    # Parents: 51/52 the head's own; 30% are the spouse's parents (in-laws):
    # 55/56 a husband-head's parents-in-law, 53/54 a wife-head's.
    ph = parents.hh
    in_law = (spouse[ph] == 1) & (rng.random(len(ph)) < 0.3)
    base = np.where(in_law, np.where(head_sex[ph] == 1, 55, 53), 51)
    parents.relation = base + (parents.sex - 1)
    parents.slot = np.where(parents.sex == 1, np.where(in_law, S_SPOUSE, S_HEAD), S_OWN)

    # Children: surname is the father's, the mother's one time in 13 (PF2 §4.1).
    ch = children.hh
    children.sex = _sex(rng, len(ch), P_MALE_BIRTH)
    father = np.where(head_sex[ch] == 1, S_HEAD, np.where(spouse[ch] == 1, S_SPOUSE, S_ABSENT))
    mother = np.where(head_sex[ch] == 2, S_HEAD, np.where(spouse[ch] == 1, S_SPOUSE, S_OWN))
    children.slot = np.where(rng.random(len(ch)) < P_MOTHER_SURNAME, mother, father)
    children.relation = _child_codes(ch, children.sex, children.age, n)

    # The married child (first child of a DOWN household) decides the in-law's sex and grandchildren's line.
    married = np.zeros(n, dtype=bool)
    mc_sex = np.zeros(n, dtype=np.int64)
    mc_slot = np.full(n, S_HEAD, dtype=np.int64)
    first = children.order == 0
    mc_sex[ch[first]] = children.sex[first]
    mc_slot[ch[first]] = children.slot[first]
    married[cils.hh] = True
    cils.sex = 3 - mc_sex[cils.hh]
    cils.relation = np.where(cils.sex == 2, 38, 28)  # 儿媳 / 女婿
    cils.slot = np.full(len(cils.hh), S_CIL)

    g = grandkids.hh
    grandkids.sex = _sex(rng, len(g), P_MALE_BIRTH)
    via_child = mc_sex[g] > 0
    # Left-behind grandchildren (no child in the home): 80% the son's children (assumption).
    via_son = np.where(via_child, mc_sex[g] == 1, rng.random(len(g)) < 0.8)
    own_line = np.where(
        via_child, mc_slot[g], np.where(head_sex[g] == 1, S_HEAD, np.where(spouse[g] == 1, S_SPOUSE, S_ABSENT))
    )
    other_line = np.where(married[g], S_CIL, np.where(via_child, S_OWN, S_CIL))
    father = np.where(via_son, own_line, other_line)
    mother = np.where(via_son, other_line, own_line)
    grandkids.slot = np.where(rng.random(len(g)) < P_MOTHER_SURNAME, mother, father)
    grandkids.relation = np.where(via_son, 41, 43) + (grandkids.sex - 1)  # 孙子/孙女, 外孙子/外孙女
    return [parents, children, cils, grandkids]


def _child_codes(hh: IntArray, sex: IntArray, age: FloatArray, n: int) -> IntArray:
    """长子/次子… by age among sons (22–26, then 29), likewise daughters (32–36, 39);
    a lone son or daughter with no sibling in the home is 独生子/独生女 (21/31)."""
    order = np.lexsort((-age, sex, hh))
    hs = hh[order] * 4 + sex[order]
    start = np.r_[True, hs[1:] != hs[:-1]]
    run_id = np.cumsum(start) - 1
    rank = np.arange(len(hs)) - np.flatnonzero(start)[run_id]
    code_sorted = np.where(rank < 5, 22 + rank, 29) + 10 * (sex[order] - 1)
    code = np.empty_like(code_sorted)
    code[order] = code_sorted
    per_hh = np.bincount(hh, minlength=n)
    only = per_hh[hh] == 1
    return np.where(only, 21 + 10 * (sex - 1), code)


def _assemble(chunks: list[_Chunk], kind: IntArray, ref: dt.date) -> Members:
    hh = np.concatenate([c.hh for c in chunks])
    role = np.concatenate([np.full(len(c.hh), c.role, dtype=np.int64) for c in chunks])
    order_in = np.concatenate([c.order for c in chunks])
    age_f = np.concatenate([c.age for c in chunks])
    order = np.lexsort((order_in, role, hh))
    ref_day = np.datetime64(ref, "D")
    # Birth = reference date minus the continuous age; completed years recomputed from the date.
    birth = ref_day - np.floor(age_f[order] * 365.2425).astype("timedelta64[D]")
    return Members(
        hh=hh[order],
        role=role[order],
        relation=np.concatenate([c.relation for c in chunks])[order],
        sex=np.concatenate([c.sex for c in chunks])[order],
        birth=birth,
        age=completed_years(birth, ref),
        surname_slot=np.concatenate([c.slot for c in chunks])[order],
        kind=kind,
    )


def completed_years(birth: npt.NDArray[np.datetime64], ref: dt.date) -> IntArray:
    """Age in completed years at `ref` (the birthday itself counts).

    >>> completed_years(np.array(["2000-06-30", "2000-07-01"], dtype="datetime64[D]"), dt.date(2025, 6, 30)).tolist()
    [25, 24]
    """
    months = birth.astype("datetime64[M]").astype(np.int64)
    year = months // 12 + 1970
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    month_day = (months % 12 + 1) * 100 + day
    return (ref.year - year - (month_day > ref.month * 100 + ref.day)).astype(np.int64)
