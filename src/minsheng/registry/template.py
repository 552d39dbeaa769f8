"""The Excel import template (导入模板): what a caseworker fills in.

Sheets 家庭 and 家庭成员 have the Chinese headers the importer accepts, a note
on each header cell and drop-down lists of the Chinese labels for coded columns
(the importer takes a label as its code); with English headers, English notes
and the codes. 字段说明 lists every column in both languages; 代码表 lists every
code with both labels.
"""

from __future__ import annotations

from pathlib import Path

from minsheng.codes.enums import ALL
from minsheng.contract import sheets
from minsheng.contract.columns import COLUMNS, NOTES_ZH, TITLES, Column

_KIND_ZH = {
    "text": "文本",
    "id": "编号",
    "division": "区划代码",
    "enum": "代码",
    "money": "金额（元）",
    "int": "整数",
    "decimal": "数字",
    "date": "日期",
    "bool": "是/否",
    "id_number": "身份号码",
    "programmes": "项目编号（;分隔）",
}


def write_template(path: Path, *, english_headers: bool = False) -> Path:
    # every cell text, never a formula (`contract.sheets`); the drop-downs' sources are
    # data-validation ranges, not cell formulas, and are unaffected
    with sheets.workbook(path) as book:
        head = book.add_format({"bold": True, "bg_color": "#E8F1FB", "border": 1})
        required = book.add_format({"bold": True, "bg_color": "#FDE9E7", "border": 1})
        text = book.add_format({"num_format": "@"})  # keep ID numbers and codes as text, not numbers
        code_rows: dict[str, tuple[int, int]] = {}

        row = 1
        for code_list in ALL:  # where each list will sit on the code sheet, for the drop-downs
            code_rows[code_list.name] = (row, row + len(code_list.labels) - 1)
            row += len(code_list.labels)

        for kind in ("households", "persons"):
            sheet = book.add_worksheet(TITLES[kind][0])
            sheet.freeze_panes(1, 0)
            for i, col in enumerate(COLUMNS[kind]):
                sheet.write(0, i, col.name if english_headers else col.zh, required if col.required else head)
                sheet.write_comment(0, i, _note(col, english_headers), {"x_scale": 2, "y_scale": 1.2})
                sheet.set_column(i, i, max(12, len(col.zh) * 2 + 2), text)
                if col.codes is not None and col.kind in ("enum", "bool"):
                    first, last = code_rows[col.codes.name]
                    listed = "B" if english_headers else "C"  # the codes, or their Chinese labels
                    sheet.data_validation(
                        1,
                        i,
                        5000,
                        i,
                        {
                            "validate": "list",
                            "source": f"='代码表 codes'!${listed}${first + 1}:${listed}${last + 1}",
                            "error_message": "choose from the list" if english_headers else "请从下拉列表中选择",
                        },
                    )

        codes = book.add_worksheet("代码表 codes")
        codes.write_row(0, 0, ["代码表 list", "代码 code", "中文 label", "English"], head)
        row = 1
        for code_list in ALL:
            for code, (zh, en) in code_list.labels.items():
                codes.write_row(row, 0, [f"{code_list.title_zh} {code_list.name}", code, zh, en], text)
                row += 1
        codes.set_column(0, 0, 28)
        codes.set_column(1, 3, 18)

        doc = book.add_worksheet("字段说明 columns")
        doc.write_row(0, 0, ["表 sheet", "中文列名", "column", "必填 required", "类型 type", "说明", "meaning"], head)
        row = 1
        for kind in ("households", "persons"):
            for col in COLUMNS[kind]:
                doc.write_row(
                    row,
                    0,
                    [
                        f"{TITLES[kind][0]} {kind}",
                        col.zh,
                        col.name,
                        "是 yes" if col.required else "否 no",
                        _KIND_ZH[col.kind],
                        NOTES_ZH[col.name],
                        col.en,
                    ],
                )
                row += 1
        doc.set_column(0, 0, 22)
        doc.set_column(1, 2, 24)
        doc.set_column(5, 6, 50)
    return path


def _note(col: Column, english: bool) -> str:
    if english:
        return f"{col.name}\n{'required' if col.required else 'optional'} · {col.kind}\n{col.en}"
    return f"{col.zh}\n{'必填' if col.required else '选填'} · {_KIND_ZH[col.kind]}\n{NOTES_ZH[col.name]}"
