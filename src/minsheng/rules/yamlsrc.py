"""YAML with line numbers, so bad rule data is reported as file:line.

`load(path)` returns plain Python values whose dicts are `Located` (a dict
that remembers the line of each key). Dates stay strings until the caller
parses them, so a malformed date is reported where it was written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from minsheng.errors import RuleDataError


class Located(dict[str, Any]):
    """A mapping that knows the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


def _convert(node: yaml.Node, file: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = Located()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in out:
                # PyYAML keeps the last of two equal keys; a repeated date or region would
                # silently replace the first value, so it is an error here.
                raise RuleDataError(
                    file,
                    line,
                    f"键 {key} 重复（第{out.key_lines[key]}行已出现），请删除或合并其中一个",
                    f"key {key!r} is repeated (already on line {out.key_lines[key]}): remove or merge one",
                )
            out[key] = _convert(value_node, file)
            out.key_lines[key] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, file) for v in node.value]
    assert isinstance(node, yaml.ScalarNode)
    if node.tag.endswith(":timestamp") or node.style in ("'", '"'):
        return node.value  # dates and quoted values stay text
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def load_text(text: str, file: str) -> Any:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleDataError(file, line, f"YAML格式错误：{problem}", f"malformed YAML: {problem}") from None
    if node is None:
        raise RuleDataError(file, None, "文件为空", "the file is empty")
    return _convert(node, file)


def load(path: Path) -> Any:
    return load_text(path.read_text(encoding="utf-8"), str(path))
