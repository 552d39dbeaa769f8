"""The local-parameter workbook (本地参数模板): written for an administrator to fill in, read back
with row errors, and written again as the export.

One row per value. The template lists every local choice once (`programmes.local_choices`),
with its national rule and an example, the division filled in and the value left blank; a row
left blank is skipped on import. A parameter with an urban/rural axis takes one row for both,
or one row each (城镇 urban, 农村 rural). The export is the same sheet with the values in force
filled in, so an exported file imports again unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl

from minsheng.codes.divisions import canonical, divisions
from minsheng.contract import sheets, workbooks
from minsheng.contract.files import RowError
from minsheng.errors import DivisionError, ImportRejected, RuleDataError
from minsheng.localparams.values import LocalValue, to_entry
from minsheng.programmes.local_choices import example, local_choices, national_rule
from minsheng.rules.parameters import ParameterSet

SHEET = "本地参数 parameters"


@dataclass(frozen=True)
class Field:
    key: str
    zh: str
    en: str
    width: int
    note: str  # what to write, in both languages (the header cell's comment)

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


FIELDS = (
    Field("parameter", "参数编号", "parameter", 34, "不要修改 / do not change"),
    Field("label", "参数名称", "name", 40, "仅供阅读 / for reading only"),
    Field("unit", "单位", "unit", 16, "仅供阅读 / for reading only"),
    Field(
        "required",
        "必须设置",
        "required",
        12,
        "是：不设置则相关结果为“无法判定” / yes: results that need it are unknown until set",
    ),
    Field("national", "全国规定", "national rule", 50, "仅供阅读 / for reading only"),
    Field("example", "示例", "example", 50, "其他地区的取值，仅供参考 / another place's value, for reference"),
    Field(
        "axis",
        "城乡",
        "urban/rural",
        12,
        "空：城乡同一值；城乡不同时分两行，填 城镇 urban / 农村 rural / blank: one value for both",
    ),
    Field(
        "region", "区划代码", "division", 12, "本县（或本市、本省）的区划代码 / the county's (city's, province's) code"
    ),
    Field(
        "effective", "生效日期", "effective", 14, "YYYY-MM-DD：文件规定的执行日期 / the date the document applies from"
    ),
    Field("value", "取值", "value", 12, "金额填元；比例填小数（0.35）；是/否 / yuan; ratios as decimals; yes/no"),
    Field("doc", "文号", "document no.", 26, "必填，如 甘民发〔2025〕12号 / required, e.g. 甘民发〔2025〕12号"),
    Field("title", "文件标题", "document title", 30, "选填 / optional"),
    Field("clause", "条款", "clause", 24, "选填，如 第五条 / optional"),
    Field("url", "网址", "url", 30, "选填 / optional"),
    Field("note", "备注", "note", 30, "选填 / optional"),
)
INPUT = ("axis", "region", "effective", "value", "doc", "title", "clause", "url", "note")
AXIS_WORDS = {"": "", "城镇": "urban", "城市": "urban", "urban": "urban", "农村": "rural", "rural": "rural"}
FLAG_WORDS = {
    "是": "true",
    "true": "true",
    "1": "true",
    "yes": "true",
    "否": "false",
    "false": "false",
    "0": "false",
    "no": "false",
}
ISO = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]00:00:00(?:\.0+)?)?")


# ---------------------------------------------------------------- writing


def write(path: Path, params: ParameterSet, division: str, values: list[LocalValue] | None = None) -> Path:
    """The template for `division` (values None), or the export with `values` filled in."""
    rows: list[list[str]] = []
    given = {v.parameter for v in values or []}
    for param in local_choices(params):
        base = [
            param.id,
            f"{param.label_zh} / {param.label_en}",
            param.unit,
            "是 yes" if param.missing == "unknown" else "否 no",
            national_rule(param)[0],
            example(param),
        ]
        mine = [v for v in values or [] if v.parameter == param.id]
        for v in mine:
            for axis, text in sorted(v.value.items()):
                shown = {"urban": "城镇 urban", "rural": "农村 rural"}.get(axis, "")
                extra = [v.effective.isoformat(), _shown_value(param.kind, text), v.doc, v.title, v.clause, v.url]
                rows.append([*base, shown, v.region, *extra, v.note])
        if param.id not in given:
            rows.append([*base, "", division, "", "", "", "", "", "", ""])
    with sheets.workbook(path) as book:
        head = book.add_format({"bold": True, "bg_color": "#E8F1FB", "border": 1, "text_wrap": True})
        fill = book.add_format({"bold": True, "bg_color": "#FFF4CE", "border": 1, "text_wrap": True})
        text = book.add_format({"num_format": "@"})  # codes and dates stay text, never numbers
        sheet = book.add_worksheet(SHEET)
        sheet.freeze_panes(1, 1)
        for i, f in enumerate(FIELDS):
            sheet.write(0, i, f.header, fill if f.key in INPUT else head)
            sheet.write_comment(0, i, f.note, {"x_scale": 2})
            sheet.set_column(i, i, f.width, text)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row, text)
        axis_col = [f.key for f in FIELDS].index("axis")
        sheet.data_validation(
            1, axis_col, max(len(rows), 1) + 200, axis_col, {"validate": "list", "source": ["城镇 urban", "农村 rural"]}
        )
        sheet.autofilter(0, 0, max(len(rows), 1), len(FIELDS) - 1)
        notes = book.add_worksheet("说明 notes")
        for r, line in enumerate(NOTES):
            notes.write(r, 0, line)
        notes.set_column(0, 0, 120)
    return path


NOTES = (
    "本表列出本地可以（或必须）自行规定的参数。在黄色列填写：区划代码、生效日期、取值、文号（必填），城乡不同时分两行。",
    "Fill in the yellow columns: division, effective date, value and document number (required); two rows when urban and rural differ.",
    "导入后为“待审批”，须由另一名管理员或区县审核人员批准后生效：minsheng params approve <编号>。",
    "An import is pending until another administrator or county reviewer approves it: minsheng params approve <id>.",
    "同一参数、区划和日期再次导入时，以最后批准的为准；改变取值请填写新的生效日期。",
    "Importing the same parameter, division and date again: the latest approval wins; for a change, give a new effective date.",
    "金额单位为元，比例填小数（如 0.35），是/否 填“是”或“否”。",
    "Money in yuan, ratios as decimals (0.35), flags as 是/否 (yes/no).",
)


def _shown_value(kind: str, text: str) -> str:
    return {"true": "是", "false": "否"}.get(text, text) if kind == "bool" else text


# ---------------------------------------------------------------- reading


def read(path: Path, params: ParameterSet, division: str) -> list[LocalValue]:
    """The values of a filled-in template, every one checked; any row error refuses the whole
    file (`ImportRejected` with the errors as `report`)."""
    frame = _sheet(path)
    file = path.name
    by_header = {h: f.key for f in FIELDS for h in (f.header, f.zh, f.en)}
    columns = {by_header.get(str(h).strip()): h for h in frame.columns}
    absent = [
        f for f in FIELDS if f.key in ("parameter", "region", "effective", "value", "doc") and f.key not in columns
    ]
    if absent:
        names = "、".join(f.header for f in absent)
        raise ImportRejected(f"{file}：缺少列 {names}", f"{file}: missing columns {names}")
    cells = (
        (i, {k: ("" if raw[h] is None else str(raw[h]).strip()) for k, h in columns.items() if k})
        for i, raw in enumerate(frame.iter_rows(named=True), start=2)
    )
    return refused_unless_clean(file, *check_rows(cells, params, division, file))


def refused_unless_clean(file: str, values: list[LocalValue], errors: list[RowError]) -> list[LocalValue]:
    """`values` when there is no error; else `ImportRejected` with every error (nothing is kept)."""
    if errors:
        raise ImportRejected(
            f"{file}：有{len(errors)}处错误，未导入任何取值",
            f"{file}: {len(errors)} problems; nothing was imported",
            report=sorted(errors, key=lambda e: e.row or 0),
        )
    return values


def check_rows(
    rows: Iterable[tuple[int, dict[str, str]]], params: ParameterSet, division: str, file: str
) -> tuple[list[LocalValue], list[RowError]]:
    """Rows of cells (field key → text, numbered as the file numbers them) → the values they
    give and every problem, by row and column: the one check of the workbook, the page's form
    and a file given to `assess --local-params`. A row with no date, value or document is a
    template row left blank and is skipped; the urban and rural rows of one value are joined."""
    errors: list[RowError] = []
    found: dict[tuple[str, str, dt.date], LocalValue] = {}
    for i, cell in rows:
        if not any(cell.get(k) for k in ("effective", "value", "doc")):
            continue  # a template row left blank

        def bad(column: str, zh: str, en: str, row: int = i, cell: dict[str, str] = cell) -> None:
            errors.append(RowError(file, row, column, cell.get(column), zh, en))

        value = _row(cell, params, division, bad, i)
        if value is None:
            continue
        key = (value.parameter, value.region, value.effective)
        prior = found.get(key)
        if prior is None:
            found[key] = value
        elif set(value.value) & set(prior.value) or "" in {*value.value, *prior.value}:
            bad("parameter", "同一参数、区划和生效日期重复填写", "the same parameter, division and date is given twice")
        else:
            prior.value.update(value.value)
    for v in found.values():
        try:
            to_entry(params, v)  # kinds, axis values and region, checked as the engine will read them
        except RuleDataError as exc:
            errors.append(RowError(file, v.row, "value", "; ".join(v.value.values()), exc.zh, exc.en))
    return sorted(found.values(), key=lambda v: (v.parameter, v.region, v.effective)), errors


def _sheet(path: Path) -> pl.DataFrame:
    import fastexcel

    workbooks.inspect(path)  # sizes and ratios before the parser sees it
    try:
        book = fastexcel.read_excel(str(path))
        name = SHEET if SHEET in book.sheet_names else book.sheet_names[0]
        frame = book.load_sheet_by_name(name, dtypes="string").to_polars()
    except Exception as exc:  # fastexcel raises its own types for a corrupt or encrypted workbook
        raise ImportRejected(f"无法读取Excel文件：{exc}", f"cannot read the workbook: {exc}") from None
    return sheets.unguard(frame)


def _row(
    cell: dict[str, str], params: ParameterSet, division: str, bad: Callable[[str, str, str], None], row: int
) -> LocalValue | None:
    """One row's value, or None after reporting what is wrong with it (every problem, not the first)."""
    ok = True
    pid = cell.get("parameter", "")
    param = params.params.get(pid)
    if param is None:
        bad("parameter", f"未知的参数编号 {pid}", f"unknown parameter {pid!r}")
        return None
    region = cell.get("region") or division
    try:
        region = canonical(region)
        known = len(region) in (2, 4, 6) and divisions().is_known(region)
    except DivisionError:
        known = False
    if not known:
        bad(
            "region",
            f"区划代码 {region} 无效（应为省、市或县级代码）",
            f"division {region!r} is not a known province, city or county code",
        )
        ok = False
    match = ISO.fullmatch(cell.get("effective", ""))
    effective = None
    if match:
        try:
            effective = dt.date.fromisoformat(match.group(1))
        except ValueError:
            effective = None
    if effective is None:
        bad("effective", "生效日期应为 YYYY-MM-DD", "the effective date must be YYYY-MM-DD")
        ok = False
    axis_word = cell.get("axis", "").split(" ")[0].lower()
    axis = AXIS_WORDS.get(axis_word)
    if axis is None or (axis and not param.axis):
        bad(
            "axis",
            "城乡应为空、“城镇”或“农村”（该参数不分城乡时留空）",
            "urban/rural must be blank, 城镇 urban or 农村 rural (blank when the parameter has none)",
        )
        ok = False
    text = _value_text(param.kind, cell.get("value", ""))
    if text is None:
        bad("value", "取值应为数字（金额填元）或 是/否", "the value must be a number (money in yuan) or yes/no")
        ok = False
    if not cell.get("doc"):
        bad("doc", "请填写文号（规定该取值的文件）", "give the document number (文号) that sets the value")
        ok = False
    if not ok or effective is None or text is None or axis is None:
        return None
    return LocalValue(
        parameter=pid,
        region=region,
        effective=effective,
        value={axis: text},
        doc=cell["doc"][:200],
        title=cell.get("title", "")[:400],
        clause=cell.get("clause", ""),
        url=cell.get("url", "")[:500],
        note=cell.get("note", ""),
        row=row,
    )


def _value_text(kind: str, raw: str) -> str | None:
    """A value as stored: a plain decimal ("1450", "0.35") or true/false; None if it is neither."""
    if kind == "bool":
        return FLAG_WORDS.get(raw.lower())
    cleaned = raw.replace(",", "").replace("，", "").replace("元", "").strip()
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    text = format(number.normalize(), "f")
    return text if len(text) <= 40 else None
