"""Reading the files users hand us: CSV (UTF-8, UTF-8 with BOM, GB18030),
.xlsx and Parquet, into a frame of strings with contract column names.

Encoding is detected, never guessed: a file is UTF-8 when it decodes as
UTF-8, else GB18030 when it decodes as GB18030, else it is refused with the
row and column of the first undecodable byte.

Size is checked before parsing (`contract.limits`): the file's bytes, its columns
(from the header line alone), an .xlsx's inflated parts, rows and cells
(`contract.workbooks`), a Parquet file's schema and row count. A UTF-8 CSV goes to
the parser as the bytes read, never as a decoded copy.

A text cell written as `'=…` (a leading quote before = + - @, tab or CR) is read as
`=…`: minsheng's CSV writers put that quote there so no spreadsheet program runs the
cell as a formula (`contract.sheets`), and its export must import again unchanged.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from minsheng.contract import limits, workbooks
from minsheng.contract.columns import COLUMNS, SHEET_NAMES, header_aliases
from minsheng.contract.sheets import unguard
from minsheng.errors import ImportRejected

XLSX = (".xlsx", ".xlsm")


@dataclass
class RowError:
    """One problem in an input file: where, what value, and why in both languages."""

    file: str
    row: int | None  # 1-based, header is row 1; None for the whole file
    column: str | None
    value: str | None
    reason_zh: str
    reason_en: str


@dataclass
class Table:
    """An input table: every value a string, columns renamed to contract names."""

    file: str
    kind: str
    frame: pl.DataFrame
    original_headers: dict[str, str]  # contract name → header as written in the file
    extra_columns: list[str] = field(default_factory=list)
    encoding: str = "utf-8"


def reject(file: str, row: int | None, column: str | None, value: str | None, zh: str, en: str) -> ImportRejected:
    err = RowError(file, row, column, value, zh, en)
    return ImportRejected(f"{file}：{zh}", f"{file}: {en}", report=[err])


def decode(data: bytes, file: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding found."""
    if data.startswith(codecs.BOM_UTF8):
        enc, body = "utf-8-sig", data[len(codecs.BOM_UTF8) :]
    else:
        enc, body = "utf-8", data
    try:
        return body.decode("utf-8"), enc
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        row, col = _position(body, exc.start)
        raise reject(
            file,
            row,
            col,
            None,
            "文件既不是UTF-8也不是GB18030编码，无法读取（请在Excel中另存为“CSV UTF-8”）",
            "file is neither UTF-8 nor GB18030 and cannot be read (save it from Excel as 'CSV UTF-8')",
        ) from None


def _position(body: bytes, offset: int) -> tuple[int, str | None]:
    """Row number and column name of a byte offset, to point at an undecodable cell."""
    row = body.count(b"\n", 0, offset) + 1
    line_start = body.rfind(b"\n", 0, offset) + 1
    col_index = body.count(b",", line_start, offset)
    header = body.split(b"\n", 1)[0].decode("ascii", errors="replace").strip().split(",")
    return row, header[col_index].strip() if col_index < len(header) else None


def read(path: Path, kind: str, *, sheet: str | None = None) -> Table:
    """Read one table of `kind` (households or persons) from a file."""
    file = path.name
    if not path.exists():
        raise reject(file, None, None, None, "文件不存在", "file not found")
    size = path.stat().st_size
    if size > limits.MAX_FILE_BYTES:
        raise reject(
            file,
            None,
            None,
            None,
            f"文件过大（{size / 1024**2:.0f} MB，上限 {limits.MAX_FILE_BYTES // 1024**2} MB），请按乡镇拆分后导入",
            f"file too large ({size / 1024**2:.0f} MB, limit {limits.MAX_FILE_BYTES // 1024**2} MB): "
            "split it by township",
        )
    suffix = path.suffix.lower()
    if suffix == ".csv" or suffix == ".txt":
        frame, enc = _read_csv(path, file)
    elif suffix in XLSX:
        frame, chosen = _read_xlsx(path, kind, sheet, file)
        # One workbook may hold both kinds: the sheet is part of the name rows are reported under.
        file, enc = f"{file}#{chosen}", "xlsx"
    elif suffix == ".parquet":
        frame, enc = _read_parquet(path, file), "parquet"
    else:
        raise reject(
            file,
            None,
            None,
            None,
            f"不支持的文件类型{suffix}：请使用 .csv、.xlsx 或 .parquet",
            f"unsupported file type {suffix}: use .csv, .xlsx or .parquet",
        )
    if not frame.columns:
        raise reject(file, None, None, None, "文件为空", "the file is empty")
    if frame.width > limits.MAX_COLUMNS:  # an .xlsx that declared no dimension: known only now
        raise _refused(file, workbooks.too_many_columns(frame.width))
    if frame.height > limits.MAX_ROWS:
        raise _too_many_rows(file, frame.height)
    table = _rename(frame, kind, file, enc)
    table.frame = unguard(table.frame)
    if frame.height == 0:
        raise reject(file, 2, None, None, "文件只有表头，没有数据行", "the file has a header but no data rows")
    return table


def _refused(file: str, exc: ImportRejected) -> ImportRejected:
    """A refusal from a size check, with the file's name added."""
    return reject(file, None, None, None, exc.zh, exc.en)


def _too_many_rows(file: str, rows: int) -> ImportRejected:
    return reject(
        file,
        None,
        None,
        None,
        f"行数过多（{rows:,}行，上限 {limits.MAX_ROWS:,} 行），请按乡镇拆分后导入",
        f"too many rows ({rows:,}, limit {limits.MAX_ROWS:,}): split the file by township",
    )


def _csv_header(path: Path, file: str) -> list[str]:
    """The header line's names, read alone: a file with too many columns is refused before the
    parser builds a column for each (a million of them took 1.5 GB)."""
    with path.open("rb") as fh:
        first = fh.readline(limits.MAX_HEADER_BYTES + 1)
    if len(first) > limits.MAX_HEADER_BYTES:
        commas = first.count(b",")
        if commas >= limits.MAX_COLUMNS:
            raise _refused(file, workbooks.too_many_columns(commas + 1))
        raise reject(
            file,
            1,
            None,
            None,
            f"表头行过长（超过 {limits.MAX_HEADER_BYTES // 1024} KB）",
            f"the header line is too long (over {limits.MAX_HEADER_BYTES // 1024} KB)",
        )
    for enc in ("utf-8-sig", "gb18030"):
        try:
            names = next(csv.reader([first.decode(enc).rstrip("\r\n")]), [])
        except UnicodeDecodeError:
            continue
        if len(names) > limits.MAX_COLUMNS:
            raise _refused(file, workbooks.too_many_columns(len(names)))
        return names
    return []


def _read_csv(path: Path, file: str) -> tuple[pl.DataFrame, str]:
    header = _csv_header(path, file)
    if _blank(path):
        raise reject(file, None, None, None, "文件为空", "the file is empty")
    with path.open("rb") as fh:
        enc = "utf-8-sig" if fh.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else "utf-8"
    try:
        # The parser reads the file itself (memory-mapped; it skips a BOM) and is the UTF-8
        # check: it refuses an invalid sequence in any cell, so a UTF-8 file (the usual case)
        # is neither copied into Python nor decoded there — those passes cost a third of a
        # second a million rows (issue 11 §5).
        frame = _parse_csv(path, file)
    except _NotUtf8:
        text, enc = decode(path.read_bytes(), file)  # GB18030, or refused with the first bad byte's row and column
        frame = _parse_csv(text.encode("utf-8"), file)
    if len(header) != len(set(header)):
        dup = next(h for h in header if header.count(h) > 1)
        raise reject(file, 1, dup, dup, "表头有重复的列名", "the header repeats a column name")
    return frame, enc


_BLANK = frozenset(codecs.BOM_UTF8 + b" \r\n\t")


def _blank(path: Path) -> bool:
    """Nothing in the file but a BOM and white space: read until the first other byte."""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 16):
            if not frozenset(chunk) <= _BLANK:
                return False
    return True


class _NotUtf8(Exception):
    """The parser met a byte sequence that is not UTF-8."""


def _parse_csv(source: Path | bytes, file: str) -> pl.DataFrame:
    try:
        return pl.read_csv(
            source,
            infer_schema=False,  # every value a string: the contract's parsers decide
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "utf-8" in first.lower() or "utf8" in first.lower():
            raise _NotUtf8 from None
        raise reject(
            file,
            None,
            None,
            None,
            f"CSV格式错误（列数不一致或引号未闭合）：{first}",
            f"malformed CSV (ragged rows or an open quote): {first}",
        ) from None


def _read_parquet(path: Path, file: str) -> pl.DataFrame:
    """Schema and row count come from the file's footer: checked before the data is read."""
    try:
        width = len(pl.read_parquet_schema(path))
        if width > limits.MAX_COLUMNS:
            raise _refused(file, workbooks.too_many_columns(width))
        rows = pl.scan_parquet(path).select(pl.len()).collect().item()
        if rows > limits.MAX_ROWS:
            raise _too_many_rows(file, rows)
        return pl.read_parquet(path).cast(pl.String)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise reject(
            file, None, None, None, f"无法读取Parquet文件：{exc}", f"cannot read the Parquet file: {exc}"
        ) from None


def _open_workbook(path: Path, file: str) -> Any:
    """fastexcel's reader for a workbook that passed the size checks (`contract.workbooks`)."""
    import fastexcel

    try:
        workbooks.inspect(path)
    except ImportRejected as exc:
        raise _refused(file, exc) from None
    return fastexcel.read_excel(str(path))


def _read_xlsx(path: Path, kind: str, sheet: str | None, file: str) -> tuple[pl.DataFrame, str]:
    try:
        book = _open_workbook(path, file)
    except ImportRejected:
        raise
    except Exception as exc:  # fastexcel raises its own types for a corrupt or encrypted workbook
        raise reject(file, None, None, None, f"无法读取Excel文件：{exc}", f"cannot read the workbook: {exc}") from None
    names = book.sheet_names
    sheets = SHEET_NAMES.get(kind, (kind.split(":")[-1],))
    wanted = [sheet] if sheet else [n for n in names if n in sheets]
    if not wanted:
        other = {k for k, v in SHEET_NAMES.items() if k != kind for n in names if n in v}
        if other:  # a workbook of the other kind only
            raise reject(
                file,
                None,
                None,
                None,
                f"工作簿中没有名为{'/'.join(sheets)}的工作表",
                f"the workbook has no sheet named {'/'.join(sheets)}",
            )
        wanted = names[:1]
    if wanted[0] not in names:
        raise reject(file, None, None, None, f"工作簿中没有工作表{wanted[0]}", f"the workbook has no sheet {wanted[0]}")
    frame = book.load_sheet_by_name(wanted[0], dtypes="string").to_polars()
    # Excel date cells come back as "YYYY-MM-DD 00:00:00"; the date parser takes the date part.
    return frame, wanted[0]


def _rename(frame: pl.DataFrame, kind: str, file: str, enc: str) -> Table:
    aliases = header_aliases(kind)
    mapping: dict[str, str] = {}
    original: dict[str, str] = {}
    extra: list[str] = []
    for header in frame.columns:
        name = aliases.get(header.strip().lstrip("\ufeff"))
        if name is None:
            extra.append(header)
            continue
        if name in original:
            raise reject(
                file,
                1,
                name,
                header,
                f"列“{original[name]}”与“{header}”是同一列",
                f"columns {original[name]!r} and {header!r} are the same contract column",
            )
        mapping[header] = name
        original[name] = header
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in original]
    if missing:
        cols = COLUMNS[kind]
        labels = "、".join(f"{c.zh}({c.name})" for c in cols if c.name in missing)
        raise reject(
            file,
            1,
            missing[0],
            None,
            f"缺少必填列：{labels}",
            f"required column missing: {', '.join(missing)}",
        )
    frame = frame.select(pl.col(h).alias(n) for h, n in mapping.items())
    return Table(file, kind, frame, original, extra, enc)


def sort_by_kind(paths: list[Path]) -> dict[str, Path]:
    """Which of the given files holds households and which persons: by sheet
    names in a workbook (one workbook may hold both), else by the key column in
    the header."""
    found: dict[str, Path] = {}
    for path in paths:
        kinds = _kinds_of(path)
        for kind in kinds:
            if kind in found:
                raise reject(
                    path.name,
                    None,
                    None,
                    None,
                    f"给出了两个{kind}文件：{found[kind].name}和{path.name}",
                    f"two {kind} files given: {found[kind].name} and {path.name}",
                )
            found[kind] = path
    return found


def _kinds_of(path: Path) -> list[str]:
    if path.suffix.lower() in XLSX and path.exists():
        try:
            names = _open_workbook(path, path.name).sheet_names
        except ImportRejected:  # too large to open: said now, before anything else reads it
            raise
        except Exception:  # unreadable: let read() report it properly
            names = []
        kinds = [k for k, sheets in SHEET_NAMES.items() if any(n in sheets for n in names)]
        if kinds:
            return kinds
    if not path.exists():
        raise reject(path.name, None, None, None, "文件不存在", "file not found")
    head = _header_names(path)
    persons = header_aliases("persons")
    if any(persons.get(h) == "person_id" for h in head):
        return ["persons"]
    households = header_aliases("households")
    if any(households.get(h) == "household_id" for h in head):
        return ["households"]
    raise reject(
        path.name,
        1,
        None,
        None,
        "无法识别文件类型：表头中既没有“成员编号(person_id)”也没有“家庭编号(household_id)”",
        "cannot tell the file's kind: the header has neither person_id nor household_id",
    )


def _header_names(path: Path) -> list[str]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return list(pl.read_parquet_schema(path))
    if suffix in XLSX:
        try:
            sheet = _open_workbook(path, path.name).load_sheet(0, n_rows=1, dtypes="string")
            return [h.strip() for h in sheet.to_polars().columns]
        except Exception:
            return []
    with path.open("rb") as fh:
        first = fh.readline(1 << 16)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return [h.strip() for h in next(csv.reader([first.decode(enc)]))]
        except (UnicodeDecodeError, StopIteration):
            continue
    return []
