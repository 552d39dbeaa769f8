"""The one message catalogue for page text: key → (Chinese, English).

The catalogue is kept as YAML, a file per page (`web/catalogue/*.yaml`), and loaded
into one dictionary; a key defined twice, or without both languages, is an error at load.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

import yaml

LANGS = ("zh", "en")


@cache
def catalogue() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    folder = resources.files("minsheng.web") / "catalogue"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for key, pair in (yaml.safe_load(entry.read_text(encoding="utf-8")) or {}).items():
            if key in merged:
                raise ValueError(f"{entry.name}: message {key} is already defined")
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) and p for p in pair)):
                raise ValueError(f"{entry.name}: message {key} needs [Chinese, English]")
            merged[key] = (pair[0], pair[1])
    return merged


def translator(lang: str) -> Callable[[str], str]:
    index = LANGS.index(lang) if lang in LANGS else 0
    messages = catalogue()

    def t(key: str) -> str:
        return messages[key][index]

    return t
