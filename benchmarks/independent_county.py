"""An independent test county for record linkage: its own people, households and noise.

    python benchmarks/independent_county.py --persons 100000 --records 40000 --profile harsh --out indep-out

Issue 11 §1: linkage measured only on `minsheng.synth` learns that generator's habits. This
one shares nothing with it (a test parses the imports): names from `independent_names`
(hand-written surnames with their own weights, given-name characters weighted by pypinyin's
phrase dictionary), households of its own shape, and its own noise. It imports from minsheng
only the contract: ID-number check digits, division codes, the contract's feed columns.

Noise, per feed record (`PROFILES`; `harsh` is the outside tester's profile): homophones drawn
over ALL readings pypinyin's dictionary gives a character (a polyphonic 乐 may become 越 or
勒), look-alike characters of its own list, a dropped or replaced given-name character; ID
numbers missing, mistyped or transposed, or another registry person's valid number; birth
dates missing or in another contract format; sex missing; residence moved, missing or (harsh)
only the 6-digit county code; and records about persons the registry does not hold.

`frames()` gives (registry, feed, truth) as benchmarks/eval_linkage.py's `synthetic()` does;
`write()` the contract files (households.csv, persons.csv, feeds/<kind>.csv) and truth.csv.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

import independent_names as N
from minsheng.codes.divisions import divisions
from minsheng.codes.id_number import check_char
from minsheng.contract.columns import FEED_KINDS, Column

REFERENCE = dt.date(2025, 6, 30)
FEED_START = dt.date(2025, 7, 1)
# Household sizes 1..6 and their shares (this generator's own assumption).
SIZES = np.array([1, 2, 3, 4, 5, 6])
SIZE_SHARES = np.array([0.17, 0.31, 0.25, 0.15, 0.08, 0.04])
# Kinds of feed records and their shares, and the department that sends each (own choice).
KIND_SHARES = {
    "medical_claim": 0.25, "wage_record": 0.2, "pension_payment": 0.15, "deposit_balance": 0.1,
    "provident_fund": 0.06, "unemployment": 0.04, "education_enrolment": 0.05, "property_registration": 0.04,
    "vehicle_registration": 0.03, "business_registration": 0.02, "disability_certification": 0.02,
    "disaster_loss": 0.02, "death": 0.02,
}  # fmt: skip
SOURCE = {
    "medical_claim": "medical_insurance", "wage_record": "human_resources", "pension_payment": "human_resources",
    "deposit_balance": "bank", "provident_fund": "provident_fund", "unemployment": "human_resources",
    "education_enrolment": "education", "property_registration": "housing", "vehicle_registration": "public_security",
    "business_registration": "market_regulation", "disability_certification": "disabled_federation",
    "disaster_loss": "emergency_management", "death": "public_security",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Noise:
    id_missing: float  # share of all feed records without an ID number
    dob_missing: float
    id_typo: float  # of records with an ID number: a wrong digit or two adjacent digits swapped
    id_other: float  # of records with an ID number: another registry person's valid number
    outsiders: float  # records about persons the registry does not hold
    county_only: bool  # residence given only as the 6-digit county code
    homophone: float = 0.06
    look_alike: float = 0.03
    drop_char: float = 0.01
    other_char: float = 0.01
    sex_missing: float = 0.02
    date_format: float = 0.3
    division_moved: float = 0.03
    division_missing: float = 0.05


PROFILES = {
    "default": Noise(
        id_missing=0.05, dob_missing=0.02, id_typo=0.03, id_other=0.005, outsiders=0.02, county_only=False
    ),
    "harsh": Noise(id_missing=0.30, dob_missing=0.15, id_typo=0.07, id_other=0.01, outsiders=0.10, county_only=True),
}
NAME_OPS = ("homophone", "look_alike", "drop_char", "other_char")


def _people(n: int, rng: np.random.Generator, female: np.ndarray, surnames: np.ndarray | None) -> np.ndarray:
    """Names of `n` persons: the given surnames (or drawn ones) and 1–2 given characters by sex."""
    if surnames is None:
        surnames = _surnames(n, rng)
    out = np.empty(n, dtype=object)
    for is_female in (False, True):
        idx = np.flatnonzero(female == is_female)
        chars, weights = N.given_chars(is_female)
        p = np.asarray(weights) / sum(weights)
        first = rng.choice(len(chars), size=len(idx), p=p)
        second = rng.choice(len(chars), size=len(idx), p=p)
        single = rng.random(len(idx)) < 0.22
        for j, i in enumerate(idx):
            out[i] = surnames[i] + chars[first[j]] + ("" if single[j] else chars[second[j]])
    return out


def _surnames(n: int, rng: np.random.Generator) -> np.ndarray:
    names = np.array(list(N.SURNAMES), dtype=object)
    weights = np.array(list(N.SURNAMES.values()))
    return names[rng.choice(len(names), size=n, p=weights / weights.sum())]


def _id_numbers(births: np.ndarray, female: np.ndarray, regions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Valid, distinct ID numbers (GB 11643): region, birth date, a sequence of the right parity."""
    ids = np.empty(len(births), dtype=object)
    todo = np.arange(len(births))
    seen: set[str] = set()
    while len(todo):
        seq = rng.integers(0, 499, size=len(todo)) * 2 + np.where(female[todo], 2, 1)
        retry = []
        for k, i in enumerate(todo):
            body = f"{regions[i]}{births[i]:%Y%m%d}{seq[k]:03d}"
            if body in seen:
                retry.append(i)
                continue
            seen.add(body)
            ids[i] = body + check_char(body)
        todo = np.array(retry, dtype=np.int64)
    return ids


def _births(n: int, low: float, high: float, rng: np.random.Generator) -> np.ndarray:
    ages = rng.uniform(low, high, size=n)
    return np.array([REFERENCE - dt.timedelta(days=int(a * 365.25)) for a in ages], dtype=object)


def registry(persons: int, county: str, rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(households, persons) in contract columns; persons also carry `township` for the feeds."""
    sizes = rng.choice(SIZES, size=persons, p=SIZE_SHARES)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), persons)) + 1]
    sizes[-1] -= int(sizes.sum()) - persons
    sizes = sizes[sizes > 0]
    hh = np.repeat(np.arange(len(sizes)), sizes)
    pos = np.arange(persons) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    size = sizes[hh]
    # Roles: 0 head, 1 spouse, 2 child, 3 the head's parent (last member of some larger households).
    spouse = (pos == 1) & (rng.random(len(sizes)) < 0.85)[hh]
    parent = (pos == size - 1) & (size >= 4) & (rng.random(len(sizes)) < 0.3)[hh]
    role = np.where(pos == 0, 0, np.where(spouse, 1, np.where(parent, 3, 2)))
    head_female = rng.random(len(sizes)) < 0.25
    female = np.where(role == 0, head_female[hh], np.where(role == 1, ~head_female[hh], rng.random(persons) < 0.5))
    head_age = rng.uniform(22, 88, size=len(sizes))
    age = head_age[hh] + np.select(
        [role == 1, role == 2, role == 3],
        [rng.normal(0, 4, persons), -rng.uniform(22, 38, persons), rng.uniform(22, 34, persons)],
        0.0,
    )
    # Ages outside (0, 101] are spread over the first year of life and 95–101, not clipped to
    # one day: a clip put 4.4 % of persons on a single birth date, which no registry shows, and
    # above ~25,000 persons it used up that date's 499 sequence numbers (_id_numbers never ended).
    # Its own random stream, so every other draw stays as it was.
    spread = np.random.default_rng(persons)
    age = np.where(age <= 0.01, spread.uniform(0.01, 1.0, persons), age)
    age = np.where(age >= 101, spread.uniform(95.0, 101.0, persons), age)
    births = np.array([REFERENCE - dt.timedelta(days=int(a * 365.25)) for a in age], dtype=object)
    family = _surnames(len(sizes), rng)
    own = _surnames(persons, rng)
    # Children and a father take the head's surname (a child sometimes the mother's).
    inherits = ((role == 2) & (rng.random(persons) < 0.92)) | ((role == 3) & ~female) | (role == 0)
    names = _people(persons, rng, female, np.where(inherits, family[hh], own))
    book = divisions()
    towns = np.array([d.code for d in book.townships(county)] or [county + "000"], dtype=object)
    urban = np.array([book.name(t).endswith("街道") if book.lookup(t) else True for t in towns])
    town_of = rng.integers(0, len(towns), size=len(sizes))
    others = np.array([d.code for d in book.children(county[:4]) if d.code != county] or [county], dtype=object)
    regions = np.where(rng.random(persons) < 0.85, county, others[rng.integers(0, len(others), persons)])
    ids = _id_numbers(births, female, regions, rng)
    ids[rng.random(persons) < 0.01] = None  # a few registered persons without a number on file
    relation = np.select(
        [role == 0, role == 1, role == 3], ["02", "10", np.where(female, "52", "51")], np.where(female, "30", "20")
    )
    households = pl.DataFrame(
        {
            "household_id": [f"IH{h:08d}" for h in range(len(sizes))],
            "residence_division": towns[town_of],
            "urban_rural": np.where(urban[town_of], "urban", "rural"),
        }
    )
    people = pl.DataFrame(
        {
            "person_id": [f"IP{i:09d}" for i in range(persons)],
            "household_id": [f"IH{h:08d}" for h in hh],
            "id_number": pl.Series(ids, dtype=pl.String),
            "name": pl.Series(names, dtype=pl.String),
            "relation": relation,
            "sex": np.where(female, "2", "1"),
            "birth_date": pl.Series(list(births), dtype=pl.Date),
            "township": towns[town_of][hh],
        }
    )
    return households, people


def feeds(
    people: pl.DataFrame, records: int, county: str, noise: Noise, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(feed records with the envelope and `kind`, truth: source, record_id, person_id, noise)."""
    outside = rng.random(records) < noise.outsiders
    who = rng.integers(0, people.height, size=records)
    clean = people.select("person_id", "id_number", "name", "sex", "birth_date", "township").to_dicts()
    n_out = int(outside.sum())
    strangers = _strangers(n_out, county, {r["id_number"] for r in clean if r["id_number"]}, rng)
    towns = people.get_column("township").unique().sort().to_list()
    valid_ids = [r["id_number"] for r in clean if r["id_number"]]
    has_id = np.array([clean[w]["id_number"] is not None for w in who])
    # Enough of the records that carry a number lose it to reach the profile's share.
    lose_id = rng.random(records) < max(0.0, noise.id_missing - (~has_id).mean()) / max(has_id.mean(), 1e-9)
    rows, labels = [], []
    k_out = 0
    for r in range(records):
        if outside[r]:
            row, applied = dict(strangers[k_out]), ["outsider"]
            k_out += 1
        else:
            row, applied = dict(clean[who[r]]), []
        _noisy(row, applied, noise, lose_id[r], valid_ids, towns, county, rng)
        rows.append(row)
        labels.append(",".join(applied))
    kinds = list(KIND_SHARES)
    shares = np.array(list(KIND_SHARES.values()))
    kind = np.array(kinds, dtype=object)[rng.choice(len(kinds), size=records, p=shares / shares.sum())]
    days = rng.integers(0, 365, size=records)
    feed = pl.DataFrame(rows, schema={c: pl.String for c in ("person_id", *_ENVELOPE)}).with_columns(
        pl.Series("kind", kind, dtype=pl.String),
        pl.Series("event_date", [FEED_START + dt.timedelta(days=int(d)) for d in days], dtype=pl.Date),
        pl.Series("noise", labels, dtype=pl.String),
    )
    feed = feed.with_columns(pl.col("kind").replace_strict(SOURCE).alias("source")).with_columns(
        pl.format("I{}", pl.int_range(1, pl.len() + 1).over("source").cast(pl.String).str.zfill(9)).alias("record_id")
    )
    truth = feed.select("source", "record_id", "person_id", "noise")
    return feed.drop("person_id", "noise"), truth


_ENVELOPE = ("id_number", "name", "sex", "birth_date", "residence_division")


def _strangers(n: int, county: str, taken: set[str], rng: np.random.Generator) -> list[dict[str, object]]:
    """Persons the registry does not hold: fresh names, birth dates and unused ID numbers."""
    female = rng.random(n) < 0.5
    births = _births(n, 1, 90, rng)
    ids = _id_numbers(births, female, np.full(n, county, dtype=object), rng)
    names = _people(n, rng, female, None)
    towns = [d.code for d in divisions().townships(county)] or [county + "000"]
    return [
        {
            "person_id": None,
            "id_number": None if ids[i] in taken else ids[i],
            "name": names[i],
            "sex": "2" if female[i] else "1",
            "birth_date": births[i],
            "township": towns[int(rng.integers(len(towns)))],
        }
        for i in range(n)
    ]


def _noisy(
    row: dict[str, object],
    applied: list[str],
    noise: Noise,
    lose_id: bool,
    valid_ids: list[str],
    towns: list[str],
    county: str,
    rng: np.random.Generator,
) -> None:
    """One record as a department might deliver it; what was done goes into `applied`."""
    for op in NAME_OPS:
        if rng.random() < getattr(noise, op):
            new = _name_op(str(row["name"]), op, rng)
            if new and new != row["name"]:
                row["name"] = new
                applied.append(op)
    number = row["id_number"]
    if isinstance(number, str):
        if lose_id:
            row["id_number"] = None
            applied.append("id_missing")
        elif (draw := rng.random()) < noise.id_other:
            other = valid_ids[int(rng.integers(len(valid_ids)))]
            if other != number:
                row["id_number"] = other
                applied.append("id_other_person")
        elif draw < noise.id_other + noise.id_typo:
            row["id_number"], op = _id_typo(number, rng)
            applied.append(op)
    day = row["birth_date"]
    if rng.random() < noise.dob_missing or not isinstance(day, dt.date):
        row["birth_date"] = None
        applied.append("dob_missing")
    else:
        layout = ("%Y/%m/%d", "%Y%m%d")[int(rng.integers(2))] if rng.random() < noise.date_format else "%Y-%m-%d"
        row["birth_date"] = day.strftime(layout)
    if rng.random() < noise.sex_missing:
        row["sex"] = None
        applied.append("sex_missing")
    town = row.pop("township")
    if noise.county_only:
        row["residence_division"] = county
    elif (draw := rng.random()) < noise.division_missing:
        row["residence_division"] = None
        applied.append("division_missing")
    elif draw < noise.division_missing + noise.division_moved:
        row["residence_division"] = towns[int(rng.integers(len(towns)))]
        applied.append("division_moved")
    else:
        row["residence_division"] = town


def _name_op(name: str, op: str, rng: np.random.Generator) -> str | None:
    width = 2 if name[:2] in N.SURNAMES and len(name) > 2 else 1
    if op == "homophone":
        # Any reading of the written character, not only its most common one.
        options = [(i, r) for i, c in enumerate(name) for r in N.all_readings(c) if N.partners(c, r)]
        if not options:
            return None
        i, reading = options[int(rng.integers(len(options)))]
        found = N.partners(name[i], reading)
        return name[:i] + found[int(rng.integers(len(found)))] + name[i + 1 :]
    if op == "look_alike":
        table = N.look_alikes()
        spots = [i for i, c in enumerate(name) if c in table]
        if not spots:
            return None
        i = spots[int(rng.integers(len(spots)))]
        return name[:i] + table[name[i]][int(rng.integers(len(table[name[i]])))] + name[i + 1 :]
    if op == "drop_char" and len(name) - width >= 2:
        i = int(rng.integers(width, len(name)))
        return name[:i] + name[i + 1 :]
    if op == "other_char" and len(name) > width:
        pool = N.common_pool(2000)
        i = int(rng.integers(width, len(name)))
        return name[:i] + pool[int(rng.integers(len(pool)))] + name[i + 1 :]
    return None


def _id_typo(number: str, rng: np.random.Generator) -> tuple[str, str]:
    if rng.random() < 0.5:
        spots = [i for i in range(17) if number[i] != number[i + 1]]
        i = spots[int(rng.integers(len(spots)))]
        return number[:i] + number[i + 1] + number[i] + number[i + 2 :], "id_transposed"
    i = int(rng.integers(18))
    digits = [d for d in ("0123456789X" if i == 17 else "0123456789") if d != number[i]]
    return number[:i] + digits[int(rng.integers(len(digits)))] + number[i + 1 :], "id_digit"


def generate(
    persons: int, records: int, seed: int = 1, profile: str = "harsh", county: str = "110105"
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(households, persons, feed, truth) of one independent county."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1D]))
    households, people = registry(persons, county, rng)
    feed, truth = feeds(people, records, county, PROFILES[profile], rng)
    return households, people, feed, truth


def frames(
    persons: int, records: int, seed: int = 1, profile: str = "harsh"
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(registry, feed, truth) as benchmarks/eval_linkage.py's `synthetic()` gives them."""
    households, people, feed, truth = generate(persons, records, seed, profile)
    reg = people.select("person_id", "household_id", "id_number", "name", "birth_date", "sex").join(
        households.select("household_id", "residence_division"), on="household_id"
    )
    key = pl.format("{}:{}", "source", "record_id").alias("feed_key")
    return reg, feed.select(key, *_ENVELOPE_ORDER), truth.select(key, "person_id", "noise")


_ENVELOPE_ORDER = ("id_number", "name", "birth_date", "sex", "residence_division")


def _kind_column(col: Column, n: int, rng: np.random.Generator) -> pl.Series:
    """Plausible values for one of the contract's kind-specific columns."""
    if col.codes is not None:
        codes = [c for c in col.codes.labels if c not in ("0", "none")] or list(col.codes.labels)
        return pl.Series(col.name, [codes[int(i)] for i in rng.integers(0, len(codes), n)], dtype=pl.String)
    if col.kind == "bool":
        return pl.Series(col.name, rng.integers(0, 2, n), dtype=pl.Int8)
    if col.kind in ("money", "decimal"):
        return pl.Series(col.name, np.round(rng.lognormal(7.5, 1.0, n), 2))
    return pl.Series(col.name, ["flood"] * n, dtype=pl.String)


def write(out: Path, persons: int, records: int, seed: int = 1, profile: str = "harsh") -> dict[str, Path]:
    """The contract files of one independent county, and truth.csv."""
    households, people, feed, truth = generate(persons, records, seed, profile)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1E]))
    (out / "feeds").mkdir(parents=True, exist_ok=True)
    paths = {"households": out / "households.csv", "persons": out / "persons.csv", "truth": out / "truth.csv"}
    households.write_csv(paths["households"])
    people.drop("township").write_csv(paths["persons"])
    truth.write_csv(paths["truth"])
    envelope = ("source", "record_id", "event_date", "id_number", "name", "birth_date", "sex", "residence_division")
    for kind, columns in FEED_KINDS.items():
        part = feed.filter(pl.col("kind") == kind).select(envelope)
        part = part.with_columns(_kind_column(c, part.height, rng) for c in columns)
        paths[kind] = out / "feeds" / f"{kind}.csv"
        part.write_csv(paths[kind], float_precision=2)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="harsh")
    parser.add_argument("--out", type=Path, default=Path("independent-out"))
    for name, path in write(**vars(parser.parse_args())).items():
        print(f"{name}: {path}")
