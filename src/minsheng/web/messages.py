"""The one message catalogue for page text: key → (Chinese, English)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "app.title": ("民生 · 社会救助对象库", "minsheng · social registry"),
    "summary.title": ("对象库概况", "Registry summary"),
    "summary.readonly": (
        "只读演示页面：数据来自合成区县，不含真实个人信息。",
        "Read-only demo page: synthetic county data, no real personal data.",
    ),
    "summary.households": ("户数", "Households"),
    "summary.persons": ("人数", "Persons"),
    "summary.townships": ("乡镇（街道）数", "Townships"),
    "summary.by_township": ("按乡镇（街道）和城乡分", "By township and urban/rural"),
    "col.township": ("乡镇（街道）", "Township"),
    "col.code": ("区划代码", "Code"),
    "col.urban_households": ("城镇户", "Urban households"),
    "col.rural_households": ("农村户", "Rural households"),
    "col.urban_persons": ("城镇人口", "Urban persons"),
    "col.rural_persons": ("农村人口", "Rural persons"),
    "col.persons": ("合计人口", "Persons"),
    "total": ("合计", "Total"),
    "empty": (
        "对象库为空：请先导入数据（minsheng import）。",
        "The registry is empty: import data first (minsheng import).",
    ),
    "lang.switch": ("English", "中文"),
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "User name"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.failed": ("用户名或密码错误", "Wrong user name or password"),
    "summary.user": ("当前用户", "Signed in as"),
}


def translator(lang: str):
    index = 0 if lang == "zh" else 1

    def t(key: str) -> str:
        return MESSAGES[key][index]

    return t
