"""A local-parameters file outside the database: the Excel template filled in (.xlsx) or the
same rows as YAML. `minsheng assess --local-params FILE` on files and the demo's own values
(`demo/local_parameters.yaml`) are read here, through the one check of the workbook
(`workbook.check_rows`): a value the database import would refuse is refused here too.

A YAML file holds the template's input columns by their keys, one item a value:

    division: "621121"            # an item without a region is for this division (unless the caller names one)
    values:
      - {parameter: dibao.standard, axis: urban, effective: 2025-07-01, value: 850, doc: 通民发〔2025〕12号}

    params = layer_file(baseline(), Path("本地参数.xlsx"))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minsheng.errors import ImportRejected, RuleDataError
from minsheng.localparams import workbook
from minsheng.localparams.values import LocalValue, overlay
from minsheng.rules import yamlsrc
from minsheng.rules.parameters import ParameterSet

SHOWN = 5  # errors named in the message itself; the rest are in `report`


def read(path: Path, params: ParameterSet, division: str = "") -> list[LocalValue]:
    """Every value of the file, checked; any problem refuses the whole file, its first errors
    named by row (line, for YAML) and column in the message."""
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return _yaml(path, params, division)
        return workbook.read(path, params, division)
    except ImportRejected as exc:
        raise _named(exc) from None


def layer_file(params: ParameterSet, path: Path, division: str = "") -> ParameterSet:
    """`params` with the file's values laid over them (as approved values are over the files)."""
    if not path.is_file():
        raise ImportRejected(f"找不到本地参数文件 {path}", f"no local-parameters file {path}")
    return overlay(params, read(path, params, division), origin=f"本地参数文件 local parameters file {path.name}")


def _yaml(path: Path, params: ParameterSet, division: str) -> list[LocalValue]:
    try:
        doc = yamlsrc.load(path)
    except RuleDataError as exc:
        raise ImportRejected(exc.zh, exc.en) from None
    items = doc.get("values") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ImportRejected(
            f"{path.name}：应有 values 列表，每项一个取值", f"{path.name}: expected a list `values`, one item per value"
        )
    default = division or str(doc.get("division") or "")  # the caller's area first (the demo's county)
    keys = {f.key for f in workbook.FIELDS}
    rows = ((getattr(item, "line", 0), {k: _text(v) for k, v in item.items() if k in keys}) for item in items)
    values, errors = workbook.check_rows(rows, params, default, path.name)
    unknown = sorted({k for item in items for k in item if k not in keys})
    if unknown:  # a misspelt key would otherwise drop its cell silently
        names = "、".join(unknown)
        raise ImportRejected(f"{path.name}：未知的键 {names}", f"{path.name}: unknown keys {', '.join(unknown)}")
    return workbook.refused_unless_clean(path.name, values, errors)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).strip()


def _named(exc: ImportRejected) -> ImportRejected:
    """The refusal with its first row errors in its own words (a command prints only those)."""
    report = list(exc.report or [])  # type: ignore[call-overload]
    if not report:
        return exc
    shown = report[:SHOWN]
    more_zh = f"；另有{len(report) - SHOWN}处" if len(report) > SHOWN else ""
    more_en = f"; and {len(report) - SHOWN} more" if len(report) > SHOWN else ""
    zh = "；".join(f"第{e.row}行 {e.column}：{e.reason_zh}" for e in shown)
    en = "; ".join(f"row {e.row} {e.column}: {e.reason_en}" for e in shown)
    return ImportRejected(f"{exc.zh}：{zh}{more_zh}", f"{exc.en}: {en}{more_en}", report=report)
