"""Similar-looking characters (形近字): a small curated table and the key it gives.

A clerk copying a handwritten form or a blurred scan writes 己 for 已, 玉 for
王, 候 for 侯. Each group below is a set of characters commonly confused by
shape; a name's *shape key* replaces every character by the first of its
group, so two names that differ only by such confusions share a key:

>>> shape_key_of("王己") == shape_key_of("玉已")
True

Source: curated for this project from the 形近字 lists of primary-school
Chinese teaching (the classic confusable pairs) and from characters common in
personal names (the synthetic generator's pools, `synth.names_data`); it is
not a published standard and is deliberately small. A character belongs to
one group only (the first that lists it).
"""

from __future__ import annotations

import polars as pl

SHAPE_GROUPS: tuple[str, ...] = (
    "己已巳",
    "王玉主",
    "土士",
    "日曰",
    "人入八",
    "大太犬",
    "刀力万",
    "干千于",
    "天夭",
    "未末",
    "戊戌戍成",
    "侯候",
    "休体",
    "折拆哲",
    "即既",
    "辨辩辫",
    "徽微",
    "崇祟",
    "晴睛倩情清请",
    "径经",
    "茶荼",
    "壁璧",
    "贝见",
    "仑伦论轮",
    "娟绢鹃",
    "俊峻骏竣",
    "浩皓",
    "婷停亭",
    "颖颍",
    "琪棋淇祺",
    "涛焘",
    "斌彬",
    "杰洁沽",
    "丽俪",
    "睿叡",
    "泽择",
    "宸晨晟",
    "瑞端",
    "晖辉",
    "帅师",
    "凯恺铠",
    "霞暇瑕",
    "晓骁",
    "刚岗钢纲",
    "峰锋蜂烽",
    "伟玮炜苇",
    "静净",
    "玲铃龄伶",
    "琳淋霖",
    "蓉容溶榕",
    "萍苹",
    "莉利",
    "芳方",
    "红虹",
    "华毕",
    "明朋鹏",
    "林材",
    "军车",
    "平乎",
    "珍诊",
    "秀季",
    "英映",
    "凤风",
    "桂挂",
    "琴瑟",
    "莲连",
    "淑叔",
    "翠萃",
    "娥蛾峨",
    "素索",
    "春椿",
    "爱受",
    "菊鞠",
    "丹舟",
    "娜哪",
    "璐路",
    "佳住",
    "欣钦",
    "慧彗",
    "雪雷",
    "宇字",
    "轩杆",
    "涵函",
    "铭名",
    "豪毫",
    "诚城",
    "奕弈",
    "然燃",
    "阳阴",
    "昊吴",
    "航杭",
    "嘉喜",
    "彦颜",
    "翔祥详洋",
    "怡恰",
    "萱宣",
    "雨两",
    "诗持",
    "思恩",
    "语话",
    "妍研",
    "悦说阅",
    "雅鸦",
    "婉宛",
    "心必",
    "若苦",
    "曦羲",
    "瑶摇遥",
    "淼森",
    "依侬",
    "茜西",
    "国图",
    "建健键",
    "强弹",
    "福幅副",
    "海悔",
    "才寸",
    "生牛",
    "永水",
    "兴举",
    "发友",
    "贵责",
    "顺须",
    "义叉",
    "光先",
    "民氏",
    "树村",
    "正止",
    "勇男",
    "超起",
    "波坡",
    "龙尤",
    "新亲",
    "庆床",
    "博傅",
    "子孑",
    "晶昌",
    "金全",
)


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SHAPE_GROUPS:
        for char in group:
            table.setdefault(char, group[0])
    return table


SHAPE_OF = _table()


def shape_key_of(name: str) -> str:
    return "".join(SHAPE_OF.get(c, c) for c in name)


def shape_key(names: pl.Expr) -> pl.Expr:
    """The shape key of each name (vectorised)."""
    return names.str.split("").list.eval(pl.element().replace(SHAPE_OF)).list.join("")


def look_alikes(char: str) -> tuple[str, ...]:
    """The other characters of `char`'s group (used by the synthetic noise model)."""
    key = SHAPE_OF.get(char)
    if key is None:
        return ()
    return tuple(c for c in next(g for g in SHAPE_GROUPS if g[0] == key) if c != char)
