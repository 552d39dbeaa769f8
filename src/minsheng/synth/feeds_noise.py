"""What departments get wrong (录入误差): a noise model for synthetic feeds, with the truth.

    noisy, links = add_noise(records, NoiseConfig(), county="110105")

`records` are feed records in contract columns (`id_number`, `name`,
`birth_date`, `sex`, `residence_division`) with the true `person_id` of each;
`noisy` is the same records as a department might deliver them and `links`
says, per record (`_row`, its position), who it really is (`person_id`, null
for a person the registry does not hold) and what was done to it (`noise`).

The rates are assumptions, not measurements (no published error profile of
Chinese department data was found; see the linkage research note): a few per
cent of names carry a homophone (同音字) or a similar-looking character
(形近字), fewer a near-homophone (accent: zh/z, an/ang…), a dropped, doubled or
unrelated character; ID numbers a wrong digit, two adjacent digits swapped or
another person's number; birth dates a swapped day and month, a wrong digit,
or nothing; and a third of dates come in another format the contract accepts.
Each kind of error is drawn independently, so some records carry several.

Two profiles (`NoiseConfig.profile(name, seed)`, `minsheng synth --noise-profile`):
`default`, the rates below; `harsh`, the error profile an outside tester measured
against (issue 11 §1): 30 % of records without an ID number, 15 % without a birth
date, 7 % of ID numbers mistyped or transposed, 1 % another person's valid number,
10 % of records about persons the registry does not hold, and the residence given
only as the 6-digit county code, on top of the default name noise.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from functools import cache

import numpy as np
import polars as pl

from minsheng.codes.id_number import check_char
from minsheng.errors import ConfigError
from minsheng.linkage.chinese import COMPOUND_SURNAMES, SURNAME_READINGS, fuzzy_syllable, readings
from minsheng.linkage.shapes import look_alikes
from minsheng.synth import names_data as D

# Date layouts the data contract accepts (registry.validation.parse_date); `all_formats`
# adds two it does not (1980年1月2日, 1980.01.02), which the linker also reads.
CONTRACT_DATE_FORMATS = ("%Y/%m/%d", "%Y%m%d", "{y}-{m}-{d}", "{y}/{m}/{d}", "%Y-%m-%d 00:00:00")
OTHER_DATE_FORMATS = ("{y}年{m}月{d}日", "%Y.%m.%d")


@dataclass(frozen=True, slots=True)
class NoiseConfig:
    seed: int = 7
    # names (one character each time)
    homophone: float = 0.06
    near_homophone: float = 0.02
    look_alike: float = 0.03
    drop_char: float = 0.01
    extra_char: float = 0.01
    other_char: float = 0.01
    # ID numbers
    id_digit: float = 0.02
    id_transposed: float = 0.01
    id_other_person: float = 0.005
    id_missing: float = 0.0  # on top of the feeds' own missing share
    # birth dates
    dob_missing: float = 0.02
    dob_swapped: float = 0.01
    dob_digit: float = 0.01
    date_format: float = 0.3
    all_formats: bool = False
    # sex and residence
    sex_missing: float = 0.02
    sex_wrong: float = 0.003
    division_missing: float = 0.05
    division_moved: float = 0.03
    # records about persons the registry does not hold
    outsiders: float = 0.02
    # Added for the harsh profile (issue 11 §1). They draw from their own random stream,
    # so the default profile's records stay exactly what they were.
    id_missing_share: float = 0.0  # blank ID numbers until at least this share of records lacks one
    division_county_only: float = 0.0  # residence cut to its 6-digit county code

    @classmethod
    def profile(cls, name: str, seed: int = 7) -> NoiseConfig:
        """The named error profile (`PROFILES`) with this seed."""
        if name not in PROFILES:
            raise ConfigError(
                f"未知的噪声配置：{name}（可选：{'、'.join(PROFILES)}）",
                f"unknown noise profile {name!r} (one of: {', '.join(PROFILES)})",
            )
        return cls(seed=seed, **PROFILES[name])  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "float" and not 0 <= value <= 1:
                raise ConfigError(
                    f"噪声参数{f.name}取值无效：{value}", f"noise rate {f.name} must be in [0, 1]: {value}"
                )


# Rates are of all records, except the ID-number errors, which are of the records that
# still carry a number: 3 % transposed + 4.2 % wrong digit, drawn in turn after the 1 %
# other person's number, come to 7 %.
PROFILES: dict[str, dict[str, float]] = {
    "default": {},
    "harsh": {
        "id_missing_share": 0.30,
        "dob_missing": 0.15,
        "id_transposed": 0.03,
        "id_digit": 0.042,
        "id_other_person": 0.01,
        "outsiders": 0.10,
        "division_county_only": 1.0,
        "division_missing": 0.0,  # the county code is all there is: nothing to lose or move
        "division_moved": 0.0,
    },
}
_OWN_STREAM = ("id_missing_share", "division_county_only")


@cache
def common_characters(n: int = 2500) -> tuple[str, ...]:
    """Characters in common use, approximated by how many entries of pypinyin's phrase
    dictionary contain them, plus every character of the synthetic name pools."""
    from pypinyin.phrases_dict import phrases_dict

    counts = Counter(ch for phrase in phrases_dict for ch in phrase)
    names = "".join((*D.MALE, *D.FEMALE, *(s for s, _ in D.TOP20), D.RANK_21_100, *D.TAIL))
    return tuple(dict.fromkeys([*(c for c, _ in counts.most_common(n)), *names]))


@cache
def _sound_tables() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Homophones and near-homophones (same fuzzy pinyin, different pinyin) among common characters."""
    # Polyphonic surname characters (长 zhǎng / cháng …) are left out: read as a surname they
    # would not be the homophone they were drawn as.
    chars = tuple(c for c in common_characters() if c not in SURNAME_READINGS)
    py = readings(chars)
    by_py: dict[str, list[str]] = defaultdict(list)
    by_fz: dict[str, list[str]] = defaultdict(list)
    for c in chars:
        by_py[py[c]].append(c)
        by_fz[fuzzy_syllable(py[c])].append(c)
    same = {c: tuple(x for x in by_py[py[c]] if x != c) for c in chars}
    near = {c: tuple(x for x in by_fz[fuzzy_syllable(py[c])] if py[x] != py[c]) for c in chars}
    return same, near


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str | None:
    return options[int(rng.integers(len(options)))] if options else None


def _replace_one(name: str, rng: np.random.Generator, table: dict[str, tuple[str, ...]]) -> str | None:
    positions = [i for i, c in enumerate(name) if table.get(c)]
    if not positions:
        return None
    i = positions[int(rng.integers(len(positions)))]
    new = _pick(rng, table[name[i]])
    return name[:i] + str(new) + name[i + 1 :]


def _name_noise(name: str, op: str, rng: np.random.Generator) -> str | None:
    same, near = _sound_tables()
    if op == "homophone":
        return _replace_one(name, rng, same)
    if op == "near_homophone":
        return _replace_one(name, rng, near)
    if op == "look_alike":
        return _replace_one(name, rng, {c: look_alikes(c) for c in name})
    if op == "drop_char" and len(name) >= 3:
        i = int(rng.integers(1, len(name)))  # a given-name character
        return name[:i] + name[i + 1 :]
    if op == "extra_char":
        i = int(rng.integers(1, len(name) + 1))
        return name[:i] + (name[i - 1] if rng.random() < 0.5 else str(_pick(rng, common_characters()))) + name[i:]
    if op == "other_char":
        i = int(rng.integers(len(name)))
        return name[:i] + str(_pick(rng, common_characters())) + name[i + 1 :]
    return None


def _harsh_draws(rows: list[dict[str, object]], cfg: NoiseConfig) -> dict[str, np.ndarray]:
    """Draws of the profile-only rates, from a stream of their own: which records lose their
    ID number (enough of those that carry one to bring the share without to
    `id_missing_share`) and which have their residence cut to the county code."""
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 0x0015E, 1]))
    n = len(rows)
    has = np.array([isinstance(r["id_number"], str) and len(r["id_number"]) == 18 for r in rows], dtype=bool)
    missing = n - int(has.sum())
    extra = max(0.0, cfg.id_missing_share * n - missing) / has.sum() if has.any() else 0.0
    return {
        "id_missing_share": (rng.random(n) < extra) & has,
        "division_county_only": rng.random(n) < cfg.division_county_only,
    }


def _id_digit(value: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(18))
    alphabet = "0123456789X" if i == 17 else "0123456789"
    new = _pick(rng, [c for c in alphabet if c != value[i]])
    return value[:i] + str(new) + value[i + 1 :]


def _id_transposed(value: str, rng: np.random.Generator) -> str | None:
    spots = [i for i in range(17) if value[i] != value[i + 1]]
    if not spots:
        return None
    i = spots[int(rng.integers(len(spots)))]
    return value[:i] + value[i + 1] + value[i] + value[i + 2 :]


def _date_text(day: dt.date, layout: str) -> str:
    if "{" in layout:
        return layout.format(y=day.year, m=day.month, d=day.day)
    return day.strftime(layout)


NAME_OPS = ("homophone", "near_homophone", "look_alike", "drop_char", "extra_char", "other_char")


def add_noise(records: pl.DataFrame, cfg: NoiseConfig, county: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(noisy records, links): see the module docstring. `birth_date` comes back as text."""
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 0x0015E]))
    n = records.height
    columns = ("person_id", "id_number", "name", "birth_date", "sex", "residence_division")
    rows = records.select(columns).with_columns(pl.col("sex").cast(pl.String)).to_dicts()
    real_ids = [r["id_number"] for r in rows if r["id_number"]]
    known = set(real_ids)
    divisions = [r["residence_division"] for r in rows if r["residence_division"]]
    layouts = CONTRACT_DATE_FORMATS + (OTHER_DATE_FORMATS if cfg.all_formats else ())
    draws = {
        f.name: rng.random(n) < getattr(cfg, f.name)
        for f in fields(cfg)
        if f.type == "float" and f.name not in _OWN_STREAM
    }
    draws |= _harsh_draws(rows, cfg)
    noise: list[list[str]] = [[] for _ in range(n)]
    for i, row in enumerate(rows):
        if draws["outsiders"][i]:
            row.update(_outsider(row, county, known, rng))
            noise[i].append("outsider")
        for op in NAME_OPS:
            if draws[op][i] and row["name"]:
                new = _name_noise(row["name"], op, rng)
                if new is not None and new != row["name"]:
                    row["name"] = new
                    noise[i].append(op)
        _id_noise(row, draws, i, real_ids, rng, noise[i])
        _date_noise(row, draws, i, layouts, rng, noise[i])
        if draws["sex_missing"][i]:
            row["sex"] = None
            noise[i].append("sex_missing")
        elif draws["sex_wrong"][i] and row["sex"] in ("1", "2"):
            row["sex"] = "2" if row["sex"] == "1" else "1"
            noise[i].append("sex_wrong")
        if draws["division_county_only"][i] and row["residence_division"]:
            row["residence_division"] = str(row["residence_division"])[:6]
            noise[i].append("division_county_only")
        elif draws["division_missing"][i]:
            row["residence_division"] = None
            noise[i].append("division_missing")
        elif draws["division_moved"][i] and divisions:
            row["residence_division"] = _pick(rng, divisions)
            noise[i].append("division_moved")
    frame = pl.DataFrame(rows, schema={c: pl.String for c in rows[0]} if rows else None)
    noisy = records.drop("person_id").with_columns(
        frame.get_column(c).alias(c) for c in ("id_number", "name", "birth_date", "sex", "residence_division")
    )
    links = pl.DataFrame(
        {
            "_row": pl.int_range(0, n, eager=True, dtype=pl.Int64),
            "person_id": frame.get_column("person_id") if n else pl.Series([], dtype=pl.String),
            "noise": pl.Series([",".join(x) for x in noise], dtype=pl.String),
        }
    )
    return noisy, links


def _id_noise(
    row: dict[str, object],
    draws: dict[str, np.ndarray],
    i: int,
    real_ids: list[str],
    rng: np.random.Generator,
    applied: list[str],
) -> None:
    value = row["id_number"]
    if not isinstance(value, str) or len(value) != 18:
        return
    if draws["id_missing_share"][i] or draws["id_missing"][i]:
        row["id_number"] = None
        applied.append("id_missing")
    elif draws["id_other_person"][i]:
        row["id_number"] = _pick(rng, real_ids)
        applied.append("id_other_person")
    elif draws["id_transposed"][i]:
        new = _id_transposed(value, rng)
        if new:
            row["id_number"] = new
            applied.append("id_transposed")
    elif draws["id_digit"][i]:
        row["id_number"] = _id_digit(value, rng)
        applied.append("id_digit")


def _date_noise(
    row: dict[str, object],
    draws: dict[str, np.ndarray],
    i: int,
    layouts: tuple[str, ...],
    rng: np.random.Generator,
    applied: list[str],
) -> None:
    day = row["birth_date"]
    if not isinstance(day, dt.date):
        row["birth_date"] = None
        return
    if draws["dob_missing"][i]:
        row["birth_date"] = None
        applied.append("dob_missing")
        return
    if draws["dob_swapped"][i] and day.day <= 12 and day.day != day.month:
        day = day.replace(month=day.day, day=day.month)
        applied.append("dob_swapped")
    elif draws["dob_digit"][i]:
        text = day.strftime("%Y%m%d")
        for _ in range(10):  # a wrong digit that still makes a real date
            j = int(rng.integers(2, 8))
            new = text[:j] + str(int(rng.integers(10))) + text[j + 1 :]
            try:
                changed = dt.datetime.strptime(new, "%Y%m%d").date()
            except ValueError:
                continue
            if changed != day and changed <= dt.date.today():
                day = changed
                applied.append("dob_digit")
                break
    layout = str(_pick(rng, layouts)) if draws["date_format"][i] else "%Y-%m-%d"
    row["birth_date"] = _date_text(day, layout)


def _outsider(row: dict[str, object], county: str, known: set[str], rng: np.random.Generator) -> dict[str, object]:
    """A person the registry does not hold: a surname like the record's, a fresh given
    name, birth date and (valid, unused) ID number."""
    name = str(row["name"] or "王")
    family = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    pools = D.MALE if rng.random() < 0.5 else D.FEMALE
    pool = pools[int(rng.integers(len(pools)))]
    given = "".join(pool[int(rng.integers(len(pool)))] for _ in range(int(rng.integers(1, 3))))
    born = dt.date(1935, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 85)))
    sex = str(int(rng.integers(1, 3)))
    number: str | None = None
    if row["id_number"]:
        for _ in range(20):
            seq = int(rng.integers(0, 499)) * 2 + (1 if sex == "1" else 2)
            body = f"{county}{born:%Y%m%d}{seq:03d}"
            if (candidate := body + check_char(body)) not in known:
                number = candidate
                break
    return {"person_id": None, "name": family + given, "birth_date": born, "sex": sex, "id_number": number}


def noisy_feeds(
    records: dict[str, pl.DataFrame], persons: dict[str, pl.Series], cfg: NoiseConfig, county: str
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """`add_noise` over every kind's records (`persons`: each record's true person id);
    the links carry `source` and `record_id` instead of a row number."""
    envelope = ["id_number", "name", "birth_date", "sex", "residence_division"]
    kinds = list(records)
    stacked = pl.concat(
        [
            records[k]
            .select("source", "record_id", *envelope)
            .with_columns(pl.col("sex").cast(pl.String), persons[k].alias("person_id"))
            for k in kinds
        ]
    )
    noisy, links = add_noise(stacked.drop("source", "record_id"), cfg, county)
    out: dict[str, pl.DataFrame] = {}
    offset = 0
    for k in kinds:
        part = noisy.slice(offset, records[k].height)
        out[k] = records[k].with_columns(part.get_column(c).alias(c) for c in envelope)
        offset += records[k].height
    links = pl.concat([stacked.select("source", "record_id"), links.drop("_row")], how="horizontal")
    return out, links
