"""Masking for public notices (公示) and for values shown back from a user's own file.

A public notice hangs on the village board: it names each household, but only as far
as neighbours need to recognise it and object. The surname stays, the given name
becomes one star per character; ID numbers keep the region code and the last four
characters (`security.masking` does the same for stored numbers, as polars expressions).

    >>> mask_name("张三"), mask_name("欧阳娜娜"), mask_id_text("11010519491231002X")
    ('张*', '欧阳**', '110105********002X')
"""

from __future__ import annotations

import re

# Two-character surnames (复姓) from the 百家姓 and in use today. Only a name longer than
# two characters is read as one: "欧阳" alone is the surname 欧 and the given name 阳.
_COMPOUND = """
    欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫
    宗政 濮阳 公冶 太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官
    司寇 巫马 公西 颛孙 壤驷 公良 漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延
    东郭 南门 羊舌 微生 梁丘 左丘 东门 西门 第五 单于 公户 公玉 公仪 公仲 公上 公门 公山
    公坚 公伯 公祖 公乘 贯丘 公皙 南荣 东里 东宫 仲长 子书 子桑 即墨 达奚 褚师
"""
COMPOUND_SURNAMES = frozenset(_COMPOUND.split())
# The separators of transliterated names (阿依古丽·买买提): kept, so the shape stays readable.
SEPARATORS = frozenset("·•.．-－ ")
_ID_LIKE = re.compile(r"^([0-9]{15}|[0-9]{17}[0-9Xx])$")


def mask_name(name: str | None) -> str:
    """The surname and one star per further character: 张三 → 张*, 欧阳娜娜 → 欧阳**.

    A name with separators (a transliterated minority or foreign name has no surname in
    front) keeps its first character and the separators. A one-character name still gets a
    star, so a masked form never equals the full name."""
    text = (name or "").strip()
    if not text:
        return ""
    if any(ch in SEPARATORS for ch in text):
        return text[0] + "".join(ch if ch in SEPARATORS else "*" for ch in text[1:])
    keep = 2 if len(text) > 2 and text[:2] in COMPOUND_SURNAMES else 1
    return text[:keep] + "*" * max(len(text) - keep, 1)


def mask_id_text(value: str | None) -> str | None:
    """An ID number (or what was meant to be one, of any length) with only its region code
    and last four characters: 110105********002X. Short values become all stars."""
    if value is None:
        return None
    text = value.strip()
    if len(text) >= 11:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    return "*" * len(text)


def mask_phone_text(value: str | None) -> str | None:
    """A phone number with its first three and last four digits: 138****0001."""
    if value is None:
        return None
    text = value.strip()
    if len(text) >= 7:
        return text[:3] + "****" + text[-4:]
    return "*" * len(text)


def looks_like_id_number(value: str | None) -> bool:
    """An 18-character (or old 15-digit) ID number, wherever it was typed."""
    return bool(value) and bool(_ID_LIKE.match((value or "").strip()))
