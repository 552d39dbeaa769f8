"""Names for the independent test county (`independent_county`), written for it by hand.

Nothing here comes from `minsheng.synth` (whose name pools this generator must not share,
issue 11 §1): the surnames and their weights are a hand-written list of common surnames
with rough shares per 1,000 persons, including the polyphonic ones (曾, 单, 解, 区, 查 …)
and a few compound ones; the given-name characters are two hand-written lists, leaning male
and leaning female, many of them polyphonic in pypinyin's dictionary (乐, 长, 重, 朝, 和, 行 …),
which is the case the linkage keys are measured on. Their weights within a list come from
another source: how many entries of pypinyin's phrase dictionary contain the character.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

# Surname → rough share per 1,000 persons (hand-written, not normalised).
SURNAMES: dict[str, float] = {
    "王": 71, "李": 70, "张": 67, "刘": 54, "陈": 46, "杨": 31, "黄": 23, "赵": 22, "吴": 20,
    "周": 19, "徐": 16, "孙": 15, "马": 14, "朱": 13, "胡": 13, "郭": 12, "何": 12, "林": 11,
    "高": 11, "罗": 10, "郑": 10, "梁": 9, "谢": 8, "宋": 7, "唐": 7, "许": 7, "韩": 7, "冯": 6,
    "邓": 6, "曹": 6, "彭": 6, "曾": 5, "肖": 5, "田": 5, "董": 5, "袁": 5, "潘": 4, "于": 4,
    "蒋": 4, "蔡": 4, "余": 4, "杜": 4, "叶": 4, "程": 4, "苏": 4, "魏": 4, "吕": 4, "丁": 4,
    "任": 3, "沈": 3, "姚": 3, "卢": 3, "姜": 3, "崔": 3, "钟": 3, "谭": 3, "陆": 3, "汪": 3,
    "范": 3, "金": 3, "石": 3, "廖": 3, "贾": 3, "夏": 3, "韦": 2, "付": 2, "方": 2, "白": 2,
    "邹": 2, "孟": 2, "熊": 2, "秦": 2, "邱": 2, "江": 2, "尹": 2, "薛": 2, "闫": 2, "段": 2,
    "雷": 2, "侯": 2, "龙": 2, "史": 2, "陶": 1.5, "黎": 1.5, "贺": 1.5, "顾": 1.5, "毛": 1.5,
    "郝": 1.5, "龚": 1.5, "邵": 1.5, "万": 1.5, "覃": 1, "翟": 1, "单": 0.5, "解": 0.5,
    "查": 0.5, "仇": 0.3, "区": 0.3, "乐": 0.3, "朴": 0.3, "缪": 0.3, "盖": 0.2, "柏": 0.3,
    "欧阳": 0.4, "司马": 0.1, "诸葛": 0.1, "上官": 0.1, "令狐": 0.05,
}  # fmt: skip

GIVEN_MALE = (
    "伟强军磊勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳峰建国庆志文武成东海亮新兵全立"
    "永德生金忠民光春荣福贵祥瑞博翔毅豪晨泽轩睿铭哲然宏伦坤江山川松柏长重朝和行乐兴广奇正盛少"
    "会相冠大中传发将弘彬昊天云树家振良安义仁信智雄源达胜利恒思远卫耀晓锋琦朋坚骏尧宸佑铁石桥"
    "楠屹峻岩嵩臣栋梁谦逸晟朗景尚仲参都藏调率还"
)
GIVEN_FEMALE = (
    "芳娜敏静丽艳娟霞秀英玲燕梅琳婷雪慧莉萍红颖洁倩琴兰凤云欣怡佳悦涵萱彤雯璐瑶婧娅妍嘉晶露茜"
    "蔚莎薇菲蕾柳玉珍珠翠宁丹青晴月诗思雨梦馨琪瑾媛淑惠贞淼笑乐朝曼蓉芬芝桂菊荷莲蓓婉娴婵娥姗"
    "姝嫣妮若可安心宜如语纯华爱美春秋影叶彩虹岚巧慈沁婕茹蓝雅素卓好和"
)

# Similar-looking characters (形近字), chosen for this generator: each character's
# look-alikes as clerks misread handwriting or pick the neighbour in an input method.
LOOK_ALIKE_GROUPS = (
    "己已巳", "未末", "士土", "戊戌戍", "候侯", "拨拔", "睛晴", "汩汨", "壁璧", "辩辨辫",
    "王玉主", "大太犬", "天夭", "人入", "日曰", "千干于", "折拆", "休体", "免兔", "鸟乌",
    "今令", "刀力", "田由甲申", "特持", "辉晖", "浩皓", "锋峰蜂", "俊骏", "琳淋", "玲铃",
    "薇微", "莉利", "婷亭", "娟绢", "霞瑕", "梅海", "清晴", "明朋", "林材", "华毕",
    "杰查", "斌赋", "宁丁", "军车", "强弦", "磊晶", "红虹", "芳方", "秀季", "英荚",
)  # fmt: skip


def look_alikes() -> dict[str, tuple[str, ...]]:
    """Character → the other characters of its look-alike groups."""
    out: dict[str, set[str]] = {}
    for group in LOOK_ALIKE_GROUPS:
        for c in group:
            out.setdefault(c, set()).update(x for x in group if x != c)
    return {c: tuple(sorted(v)) for c, v in out.items()}


@cache
def phrase_counts() -> Counter[str]:
    """How many entries of pypinyin's phrase dictionary contain each character: a usage
    frequency independent of any name list."""
    from pypinyin.phrases_dict import phrases_dict

    return Counter(ch for phrase in phrases_dict for ch in set(phrase))


def given_chars(female: bool) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """(characters, weights) of one given-name list, weights by phrase-dictionary frequency
    (dampened by a square root so that rarer name characters still occur)."""
    chars = tuple(dict.fromkeys(GIVEN_FEMALE if female else GIVEN_MALE))
    counts = phrase_counts()
    return chars, tuple((counts.get(c, 0) + 1) ** 0.5 for c in chars)


@cache
def all_readings(char: str) -> tuple[str, ...]:
    """Every toneless reading pypinyin's own dictionary gives the character (its
    heteronyms), most common first."""
    from pypinyin import Style, pinyin

    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(dict.fromkeys(r.lower() for r in found[0])) if found else ()


@cache
def common_pool(n: int = 3500) -> tuple[str, ...]:
    """The `n` most frequent characters of the phrase dictionary: the pool homophones come from."""
    return tuple(c for c, _ in phrase_counts().most_common(n) if "\u4e00" <= c <= "\u9fff")


@cache
def by_reading() -> dict[str, tuple[str, ...]]:
    """Toneless reading → the pool characters that have it among their readings."""
    out: dict[str, list[str]] = {}
    for c in common_pool():
        for r in all_readings(c):
            out.setdefault(r, []).append(c)
    return {r: tuple(cs) for r, cs in out.items()}


def partners(char: str, reading: str) -> tuple[str, ...]:
    """Same-sound partners: pool characters other than `char` with `reading` among their readings."""
    return tuple(c for c in by_reading().get(reading, ()) if c != char)
