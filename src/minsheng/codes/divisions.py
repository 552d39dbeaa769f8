"""行政区划代码 (administrative division codes), GB/T 2260 extended by the NBS
statistical division codes (统计用区划代码) to townships (9 digits) and villages
(12 digits).

Shipped data: the NBS 2023 release (cut-off 2023-06-30) down to townships.
Village codes are not shipped; a 12-digit code is accepted when its township
is known (the last three digits are the village number).

Codes are never reused: a changed division gets a new code and the old one is
retired, so an unknown code may be a retired one found in older records. It is
reported (`check` raises `DivisionError`, `lookup` returns None), never crashed on.

>>> book = divisions()
>>> book.name("110105")
'朝阳区'
>>> book.contains("110105", "110105001001")
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from minsheng.errors import DivisionError

DATA_YEAR = 2023
LEVELS = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # canonical: 2, 4, 6, 9 or 12 digits
    name: str
    level: str  # province / city / county / township / village


def canonical(code: str) -> str:
    """The shortest form of a code: GB/T 2260 pads upper levels with zeros
    (110000 is the province 11, 110100 the city 1101, 110105000 the county)."""
    code = code.strip()
    # isascii: str.isdigit is also true for full-width and other Unicode digits.
    if not (code.isascii() and code.isdigit()) or len(code) not in LEVELS:
        raise DivisionError(
            f"区划代码{code!r}格式错误：应为2、4、6、9或12位数字",
            f"division code {code!r} is malformed: expected 2, 4, 6, 9 or 12 digits",
        )
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 9 and code.endswith("000"):
        code = code[:6]
    if len(code) == 6 and code.endswith("00"):
        code = code[:4]
    if len(code) == 4 and code.endswith("00"):
        code = code[:2]
    return code


class DivisionBook:
    """The division list in memory: name lookup, parents, containment."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        self._names: dict[str, str] = dict(rows)

    def is_known(self, code: str) -> bool:
        try:
            self.lookup_or_raise(code)
        except DivisionError:
            return False
        return True

    def lookup(self, code: str) -> Division | None:
        try:
            return self.lookup_or_raise(code)
        except DivisionError:
            return None

    def lookup_or_raise(self, code: str) -> Division:
        """The division for a code, or `DivisionError` saying what is wrong."""
        canon = canonical(code)
        if len(canon) == 12:
            town = self._names.get(canon[:9])
            if town is None:
                raise DivisionError(
                    f"村级区划代码{code}所属乡镇{canon[:9]}不在{DATA_YEAR}年区划表中（未知或已撤销）",
                    f"village code {code}: township {canon[:9]} is not in the {DATA_YEAR} division list (unknown or retired)",
                )
            return Division(canon, f"{canon[9:]}号村（社区）", "village")
        name = self._names.get(canon)
        if name is None:
            raise DivisionError(
                f"区划代码{code}不在{DATA_YEAR}年区划表中（未知或已撤销）",
                f"division code {code} is not in the {DATA_YEAR} division list (unknown or retired)",
            )
        return Division(canon, name, LEVELS[len(canon)])

    def name(self, code: str) -> str:
        return self.lookup_or_raise(code).name

    def level(self, code: str) -> str:
        return LEVELS[len(canonical(code))]

    def parents(self, code: str) -> list[Division]:
        """The chain from the province down to the code itself (known levels only)."""
        canon = canonical(code)
        chain: list[Division] = []
        for size in (2, 4, 6, 9, 12):
            if size > len(canon):
                break
            found = self.lookup(canon[:size])
            # A padded code (东莞's county 441900, 金门's township 350527000) is
            # the level above it again; list each division once.
            if found is not None and not (chain and chain[-1].code == found.code):
                chain.append(found)
        return chain

    def full_name(self, code: str) -> str:
        # Municipalities list their city level as 市辖区 (or 县); provinces group
        # the county-level cities they administer directly under 省直辖县级行政区划
        # (自治区… in Xinjiang). These are placeholders, not names: leave them out.
        return "".join(
            d.name
            for d in self.parents(code)
            if d.name not in ("市辖区", "县") and not d.name.endswith("直辖县级行政区划")
        )

    def contains(self, outer: str, inner: str) -> bool:
        """Is `inner` the same division as `outer` or inside it?"""
        return canonical(inner).startswith(canonical(outer))

    def children(self, code: str) -> list[Division]:
        """The divisions one level down. A prefecture city without counties
        (东莞 4419, 中山 4420, 儋州 4604) has its towns as children: NBS lists it
        again as a county with the padded code 441900, which is the city itself."""
        canon = canonical(code)
        if len(canon) == 4 and canon + "00" in self._names:
            return self.townships(canon)
        size = {2: 4, 4: 6, 6: 9}.get(len(canon))
        if size is None:
            return []
        return self._below(canon, size)

    def townships(self, county: str) -> list[Division]:
        """The townships of a county (or of a city without counties, given as 4419 or 441900)."""
        canon = canonical(county)
        if len(canon) not in (4, 6):
            return []
        return self._below(canon.ljust(6, "0"), 9)

    def _below(self, prefix: str, size: int) -> list[Division]:
        # Skip padded aliases of the parent itself (441900 under 4419, 350527000
        # under 350527): they are the same division, and listing them as a child
        # would make a walk down the tree loop forever.
        parent = canonical(prefix)
        return [
            Division(c, n, LEVELS[size])
            for c, n in sorted(self._names.items())
            if len(c) == size and c.startswith(prefix) and canonical(c) != parent
        ]

    def codes(self, level: str) -> list[str]:
        size = {v: k for k, v in LEVELS.items()}[level]
        return sorted(c for c in self._names if len(c) == size)


def _read(name: str) -> list[tuple[str, str]]:
    # Polars, not the csv module: 44,000 rows parsed in milliseconds rather than a tenth of
    # a second, a fixed cost of every command that checks a division or an ID number.
    data = resources.files("minsheng.codes.data").joinpath(name).read_bytes()
    frame = pl.read_csv(data, columns=["code", "name"], schema_overrides={"code": pl.String, "name": pl.String})
    return list(zip(frame.get_column("code").to_list(), frame.get_column("name").to_list(), strict=True))


@cache
def divisions() -> DivisionBook:
    """The shipped division list, read once."""
    rows: list[tuple[str, str]] = []
    for name in ("provinces.csv", "cities.csv", "areas.csv", "streets.csv"):
        rows.extend(_read(name))
    return DivisionBook(rows)
