"""Explanations as text (结果解释文本): an explain.v1 document in Chinese or English.

`render` writes a whole explanation (every programme, condition, parameter with its
level and source, and the amounts); `format_value` and `format_parameter` write one
line of it for pages. The document itself is built by `rules.explain`.
"""

from __future__ import annotations

import re
from typing import Any

from minsheng.codes.enums import CodeList
from minsheng.contract.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from minsheng.rules.parameters import LEVEL_ZH

STATUS_ZH = {"eligible": "符合", "ineligible": "不符合", "unknown": "无法判定（缺少信息）"}


def render(expl: dict[str, Any], lang: str = "zh") -> str:
    zh = lang == "zh"
    head = (
        f"家庭 {expl['household_id']} · {expl['region']['name'] or expl['region']['code']} · 测算日期 {expl['date']}"
        if zh
        else f"Household {expl['household_id']} · {expl['region']['code']} · assessed on {expl['date']}"
    )
    lines = [head, ""]
    labels = _parameter_labels(expl)
    for prog in expl["programmes"]:
        label = prog["label"]["zh" if zh else "en"]
        subject = prog["subject"]
        left, right = ("（", "）") if zh else (" (", ")")
        who = "" if subject["entity"] == "household" else f" · {subject.get('name') or ''}{left}{subject['id']}{right}"
        status = STATUS_ZH[prog["status"]] if zh else prog["status"]
        benefit = ""
        if prog["benefit"] is not None and prog["status"] == "eligible":
            benefit = f"，月发放 {prog['benefit']:,.2f} 元" if zh else f", {prog['benefit']:,.2f} yuan per month"
        lines.append(f"■ {label}{who}：{status}{benefit}" if zh else f"■ {label}{who}: {status}{benefit}")
        if prog["basis"]:
            lines.append(f"  依据：{prog['basis']}" if zh else f"  basis: {prog['basis']}")
        for cond in prog["conditions"]:
            mark = {True: "✓", False: "✗", None: "?"}[cond["result"]]
            cite = plain_cite(cond["cite"] or "", labels)
            lines.append(f"  {mark} {cond['label']['zh' if zh else 'en']}  〔{cite}〕")
            if cond.get("rule"):  # replaced by a reform: its rule as the reform wrote it
                lines.append(f"      规则：{cond['rule']}" if zh else f"      rule: {cond['rule']}")
            shown = (
                "；".join(_fmt(v, zh) for v in cond["inputs"]) if zh else "; ".join(_fmt(v, zh) for v in cond["inputs"])
            )
            if shown:
                lines.append(f"      {shown}")
            for p in cond["parameters"]:
                lines.append("      " + _fmt_param(p, zh))
            for m in cond["missing"]:
                who_m = f"{left}{m.get('person') or m.get('person_id')}{right}" if m.get("person_id") else ""
                lines.append(
                    f"      缺少：{m['label']['zh']}{who_m}" if zh else f"      missing: {m['label']['en']} {who_m}"
                )
        if prog["amounts"] and prog["status"] != "ineligible":
            amounts = (
                "；".join(_fmt(a, zh) for a in prog["amounts"])
                if zh
                else "; ".join(_fmt(a, zh) for a in prog["amounts"])
            )
            lines.append(f"  金额：{amounts}" if zh else f"  amounts: {amounts}")
        for r in prog.get("reformed", []):  # formulas a structural reform replaced
            lines.append(
                f"  改革方案替换的公式：{_fmt(r, zh)}；规则：{r['rule']}〔{r['cite']}〕"
                if zh
                else f"  formula replaced by a reform: {_fmt(r, zh)}; rule: {r['rule']} [{r['cite']}]"
            )
        lines.append("")
    return "\n".join(lines)


def _fmt(v: dict[str, Any], zh: bool) -> str:
    value = v["value"]
    if value is None:
        shown = "（空）" if zh else "(blank)"
    elif isinstance(value, bool):
        shown = ("是" if value else "否") if zh else ("yes" if value else "no")
    elif isinstance(value, float) and v["unit"].startswith("yuan"):
        shown = f"{_yuan(value)} 元" if zh else f"{_yuan(value)} yuan"
    elif (codes := CODED_INPUTS.get(v.get("id", ""))) is not None and str(value) in codes.labels:
        shown = codes.label(str(value), "zh" if zh else "en")  # 残疾类别 = 智力, never `intellectual`
    else:
        shown = str(value)
    return f"{v['label']['zh' if zh else 'en']} = {shown}"


# An input read from a coded contract column shows its code list's label (the one catalogue).
CODED_INPUTS: dict[str, CodeList] = {c.name: c.codes for c in (*HOUSEHOLD_COLUMNS, *PERSON_COLUMNS) if c.codes}


def _yuan(value: float) -> str:
    """Yuan with 2 decimals when the amount is whole fen, else with the decimals it has (a
    per-capita figure): two values that were compared as different never read the same."""
    if round(value, 2) == value:
        return f"{value:,.2f}"
    return f"{value:,.6f}".rstrip("0")


# Units of the parameter files, as a Chinese reader expects them.
UNITS_ZH = {
    "yuan/person/month": " 元/人/月",
    "yuan/person/year": " 元/人/年",
    "yuan/month": " 元/月",
    "yuan": " 元",
    "yuan per 12 months": " 元/12个月",
    "ratio": "",
    "flag": "",
    "years": " 周岁",
    "months": " 个月",
    "m²/person": " 平方米/人",
    "properties": " 套",
    "vehicles": " 辆",
    "times the annual standard": " 倍（年低保标准）",
    "times the standard": " 倍（低保标准）",
    "times the dibao standard": " 倍（低保标准）",
    "share of the monthly minimum wage": "（占月最低工资的比例）",
    "share of household income over 12 months": "（占家庭12个月收入的比例）",
}


def _fmt_param(p: dict[str, Any], zh: bool) -> str:
    value = "（未设定）" if zh else "(not set)"
    if isinstance(p["value"], bool):
        value = ("是" if p["value"] else "否") if zh else ("yes" if p["value"] else "no")
    elif p["value"] is not None:
        value = (
            f"{p['value']:,.2f}"
            if isinstance(p["value"], float) and not p["value"].is_integer()
            else f"{p['value']:,.0f}"
            if isinstance(p["value"], float)
            else str(p["value"])
        )
    source = p["source"] or {}
    choice = source.get("local_choice")
    cite = (choice and (_local_choice_zh(choice) if zh else "local choice: " + choice)) or " ".join(
        x for x in (source.get("doc"), source.get("clause")) if x and (not zh or not _english(x))
    )
    if zh:
        level = LEVEL_ZH.get(p["level"] or "", "无")
        unit = UNITS_ZH.get(p["unit"], p["unit"])
        region = "" if p["level"] == "national" else f" {p['region'] or ''}"  # a division code; nationally "CN"
        return f"参数 {p['label']['zh']} = {value}{unit}（{level}{region}，{p['effective'] or ''}起；来源：{cite}）"
    return (
        f"parameter {p['label']['en']} = {value} {p['unit']} ({p['level'] or 'none'} {p['region'] or ''}, "
        f"from {p['effective'] or ''}; source: {cite})"
    )


# A parameter file's local choice is a note in English for whoever sets the value; a Chinese
# reader is told what kind of choice it is (the English page shows the note itself).
LOCAL_CHOICE_ZH = (
    ("illustrative", "地方选择：演示用示例值，请按本地政策设定"),
    ("default", "地方选择：默认值，参照地方做法，可按本地政策调整"),
    ("follows", "地方选择：参照地方规定设定"),
    ("no ", "地方选择：国家无统一规定，由地方设定"),
)


def _english(text: str) -> bool:
    """A note written (partly) in English: a Chinese page leaves it to the English one."""
    return re.search(r"[A-Za-z]{3,}", text) is not None


def _local_choice_zh(note: str) -> str:
    if not _english(note):
        return f"地方选择：{note}"  # written in Chinese already
    return next((zh for start, zh in LOCAL_CHOICE_ZH if note.lower().startswith(start)), "地方选择：由地方设定")


def plain_cite(cite: str, labels: dict[str, str]) -> str:
    """A condition's citation may name a local choice by its parameter id
    (`地方选择 dibao.tekun_members_excluded`): the reader sees the parameter's name instead.
    `labels`: parameter id → Chinese label (citations are Chinese documents in both languages)."""
    return re.sub(r"[a-z_]+\.[a-z_.]+", lambda m: f"「{labels[m[0]]}」" if m[0] in labels else m[0], cite)


def _parameter_labels(expl: dict[str, Any]) -> dict[str, str]:
    return {
        p["id"]: p["label"]["zh"]
        for prog in expl["programmes"]
        for cond in prog["conditions"]
        for p in cond["parameters"]
        if "id" in p
    }


def format_value(v: dict[str, Any], lang: str = "zh") -> str:
    """One input or amount of an explanation as people read it (for pages)."""
    return _fmt(v, lang == "zh")


def format_parameter(p: dict[str, Any], lang: str = "zh") -> str:
    """One parameter with its level, effective date and source (for pages)."""
    return _fmt_param(p, lang == "zh")
