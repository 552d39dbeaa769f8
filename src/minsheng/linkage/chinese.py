"""Chinese names as linkage keys (姓名比对键): surname, given name, pinyin, near-homophones.

Departments mistype names in three ways that plain string distance misses on
two- and three-character names: a homophone (同音字, 章伟 for 张伟), a
near-homophone from a regional accent (平翘舌 zh/z, ch/c, sh/s; 前后鼻音
an/ang, en/eng, in/ing; n/l), and a similar-looking character (形近字, see
`shapes`). So each name gets keys computed once per record, before Splink
sees it (the pattern Splink documents for phonetic keys):

>>> keys = name_keys(pl.Series(["单伟", "欧阳明"]))
>>> keys.select("surname", "given", "name_py", "name_fz").rows()
[('单', '伟', 'shan wei', 'san wei'), ('欧阳', '明', 'ou yang ming', 'ou yan min')]

Pinyin comes from pypinyin, looked up once per distinct character (a county's
names use a few thousand), toneless; a polyphonic character takes its most
common reading, except a surname, which takes its surname reading (单 shàn,
not dān). Those keys block and feed the near-homophone levels; whether two
names *sound* the same is decided on every reading of every character
(`name_sounds`, `same_sound`): a clerk who hears 乐 read yuè may type 月, and
the most common readings (lè, yuè) would keep the two apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from itertools import islice, product

import polars as pl

from minsheng.linkage.shapes import shape_key

# Two-character surnames (复姓) in use today; a name starting with one of these (and
# longer than it) is split after two characters. The synthetic generator's
# (synth.names_data.TAIL) plus other common ones.
COMPOUND_SURNAMES = [
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "令狐",
    "慕容",
    "尉迟",
    "夏侯",
    "司徒",
    "公孙",
    "长孙",
    "宇文",
    "钟离",
    "澹台",
    "南宫",
    "呼延",
    "端木",
    "独孤",
    "公冶",
    "濮阳",
    "太史",
    "申屠",
    "轩辕",
    "左丘",
    "闻人",
    "万俟",
    "赫连",
    "百里",
    "西门",
    "第五",
    "淳于",
    "单于",
]

# Surname readings of polyphonic characters (多音字姓氏): the reading a character takes
# as a surname where it differs from its most common reading. Curated here from the
# surname (姓) senses of these characters in standard dictionaries; not exhaustive.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "区": "ou",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "员": "yun",
    "秘": "bi",
    "召": "shao",
    "种": "chong",
    "重": "chong",
    "柏": "bai",
    "薄": "bo",
    "尉": "wei",
    "繁": "po",
    "长": "chang",
    "占": "zhan",
    "宿": "su",
    "折": "she",
    "都": "du",
    "沈": "shen",
    "任": "ren",
    "纪": "ji",
    "华": "hua",
    "葛": "ge",
    "句": "gou",
    "鲜": "xian",
    "阚": "kan",
    "过": "guo",
    "隗": "wei",
    "万俟": "mo qi",
    "尉迟": "yu chi",
    "单于": "chan yu",
    "长孙": "zhang sun",
}

# Near-homophones (模糊音): the confusions of southern and north-western accents that
# department clerks' typing reproduces. Initials first (zh→z, ch→c, sh→s, n→l), then
# back nasal finals (ang→an, eng→en, ing→in, also iang/uang through ang).
_INITIAL = re.compile(r"^(z|c|s)h")
_N_INITIAL = re.compile(r"^n(?=[aeiouv])")
_BACK_NASAL = re.compile(r"([aei])ng$")
KEY_COLUMNS = (
    "name",
    "surname",
    "given",
    "surname_py",
    "given_py",
    "name_py",
    "surname_fz",
    "given_fz",
    "name_fz",
    "name_shape",
    "name_sounds",
)
# A name's readings are the product of its characters' readings; past this many (a long name of
# polyphonic characters) the rarest combinations are dropped, most common readings first.
MAX_SOUNDS = 64
_SPACES = re.compile(r"[\s\u3000·•.]+")


def fuzzy_syllable(syllable: str) -> str:
    """One toneless syllable with its near-homophone distinctions removed.

    >>> [fuzzy_syllable(s) for s in ("zhang", "zan", "ning", "ling", "cheng", "hong")]
    ['zan', 'zan', 'lin', 'lin', 'cen', 'hong']
    """
    s = _INITIAL.sub(r"\1", syllable)
    s = _N_INITIAL.sub("l", s)
    return _BACK_NASAL.sub(r"\1n", s)


@cache
def _reading(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(char, style=Style.NORMAL, errors="default")
    return out[0].lower() if out else char


@cache
def all_readings(char: str) -> tuple[str, ...]:
    """Every toneless reading pypinyin's dictionary gives `char`, the most common first; a
    non-Chinese character stands for itself.

    >>> all_readings("乐")
    ('le', 'yue')
    """
    from pypinyin import Style, pinyin

    out = pinyin(char, style=Style.NORMAL, heteronym=True, errors="default")
    found = [r for r in (out[0] if out else [char]) if r]
    return tuple(dict.fromkeys(found)) or (char,)


def sounds(surname: str, given: str) -> list[str]:
    """Every way the name can be read, as `name_py` spells one: a surname with a surname
    reading (`SURNAME_READINGS`) takes only that, every other character all its readings."""
    parts: list[tuple[str, ...]] = []
    if surname in SURNAME_READINGS:
        parts.append((SURNAME_READINGS[surname],))
    else:
        parts.extend(all_readings(c) for c in surname)
    parts.extend(all_readings(c) for c in given)
    return [" ".join(combo) for combo in islice(product(*parts), MAX_SOUNDS)]


def same_sound(a: str, b: str) -> bool:
    """Whether two names can be read alike: some reading of one is a reading of the other
    (the `name` comparison's "same pinyin" level, on one pair).

    >>> same_sound("张乐", "张月"), same_sound("张乐", "张伟")
    (True, False)
    """
    (sa, ga), (sb, gb) = (_split(n) for n in (a, b))
    return bool(set(sounds(sa, ga)) & set(sounds(sb, gb)))


def _split(name: str) -> tuple[str, str]:
    name = _SPACES.sub("", name)
    width = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:width], name[width:]


def readings(chars: Iterable[str]) -> dict[str, str]:
    """Toneless pinyin of each character (its most common reading); a non-Chinese
    character stands for itself."""
    return {c: _reading(c) for c in chars}


def clean_name(names: pl.Expr) -> pl.Expr:
    """Names as compared: spaces (also full-width) and middle dots removed."""
    return names.str.replace_all(_SPACES.pattern, "")


def split_surname(names: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(surname, given name) of cleaned names: a compound surname when the name starts
    with one and is longer, else the first character."""
    compound = names.str.slice(0, 2).is_in(pl.Series(COMPOUND_SURNAMES).implode()) & (names.str.len_chars() > 2)
    width = pl.when(compound).then(2).otherwise(1)
    return names.str.slice(0, width), names.str.slice(width)


def _py(chars: pl.Expr, table: dict[str, str]) -> pl.Expr:
    return chars.list.eval(pl.element().replace(table)).list.join(" ")


def name_keys(names: pl.Series) -> pl.DataFrame:
    """One row per name: the cleaned name, surname, given name, pinyin of each and of the
    whole (`*_py`), their near-homophone forms (`*_fz`) and the similar-shape key."""
    frame = pl.DataFrame({"name": names.cast(pl.String)}).with_columns(clean_name(pl.col("name")).alias("name"))
    surname, given = split_surname(pl.col("name"))
    frame = frame.with_columns(surname.alias("surname"), given.alias("given"))
    distinct = frame.get_column("name").drop_nulls().str.split("").explode().unique().to_list()
    table = readings(c for c in distinct if c)
    syllables = {s for p in (*table.values(), *SURNAME_READINGS.values()) for s in p.split(" ")}
    fuzzy = {s: fuzzy_syllable(s) for s in syllables}
    surname_py = pl.coalesce(
        pl.col("surname").replace_strict(SURNAME_READINGS, default=None, return_dtype=pl.String),
        _py(pl.col("surname").str.split(""), table),
    )
    frame = frame.with_columns(
        surname_py.alias("surname_py"),
        _py(pl.col("given").str.split(""), table).alias("given_py"),
        shape_key(pl.col("name")).alias("name_shape"),
    )
    pairs = frame.select("surname", "given").unique().drop_nulls()
    every = pairs.with_columns(
        pl.Series(
            "name_sounds",
            [sounds(s, g) for s, g in pairs.iter_rows()],
            dtype=pl.List(pl.String),
        )
    )
    frame = frame.join(every, on=["surname", "given"], how="left", nulls_equal=False, maintain_order="left")
    frame = frame.with_columns(
        _py(pl.col("surname_py").str.split(" "), fuzzy).alias("surname_fz"),
        _py(pl.col("given_py").str.split(" "), fuzzy).alias("given_fz"),
    )
    return frame.with_columns(
        pl.concat_str(["surname_py", "given_py"], separator=" ").str.strip_chars().alias("name_py"),
        pl.concat_str(["surname_fz", "given_fz"], separator=" ").str.strip_chars().alias("name_fz"),
    ).select(*KEY_COLUMNS)
