"""The equity report as files a bureau can file (issue 13 §2): one per reform and date, Chinese
first with English available, as .xlsx (every table) and as an A4 PDF (the summary, what changed,
cost and coverage, poverty and inequality, deciles, winners and losers, regions, the take-up
assumption and the definitions)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from minsheng.codes.divisions import divisions
from minsheng.contract import pdf, sheets
from minsheng.contract.private_files import private_file
from minsheng.programmes.registry import model
from minsheng.rules.parameters import ParameterSet
from minsheng.simulation.distribution import BAND_LABELS, BANDS
from minsheng.simulation.household_types import TYPE_LABELS
from minsheng.simulation.outcomes import Scenario
from minsheng.simulation.report import DEFINITIONS, changes, summary_text
from minsheng.simulation.study import Study

TITLE = ("改革测算与公平性评估报告", "Reform simulation and equity report")
EQUITY_ROWS = (
    ("gini", "基尼系数", "Gini", "{:.4f}"),
    ("theil_t", "泰尔T指数", "Theil T", "{:.4f}"),
    ("ge0", "GE(0)（平均对数偏差）", "GE(0) (mean log deviation)", "{:.4f}"),
    ("atkinson_1", "阿特金森指数 ε=1", "Atkinson ε = 1", "{:.4f}"),
    ("palma", "帕尔马比值", "Palma ratio", "{:.3f}"),
    ("p90_p10", "P90/P10", "P90/P10", "{:.3f}"),
    ("fgt0_dibao_standard", "低保标准以下人口比例 P0", "share below the dibao standard P0", "{:.2%}"),
    ("fgt1_dibao_standard", "贫困距指数 P1", "poverty gap index P1", "{:.5f}"),
    ("fgt2_dibao_standard", "贫困强度 P2", "poverty severity P2", "{:.6f}"),
    ("fgt0_median_60", "中位数60%以下人口比例", "share below 60 % of the median", "{:.2%}"),
)


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _basis(lang: str, row: dict[str, Any]) -> str:
    """Where a take-up rate comes from, after it: measured says nothing more."""
    basis = row.get("basis") or ("measured" if row["measured"] else "assumed")
    return {
        "measured": "",
        "assumed": _t(lang, "（未测得，按100%）", " (not measured: 100 %)"),
        "set": _t(lang, "（设定值）", " (set)"),
        "mixed": _t(lang, "（部分地区设定，加权平均）", " (set in some places: weighted mean)"),
    }[basis]


def write_report(
    study: Study, baseline: ParameterSet, scenario: Scenario, date: dt.date, out: Path, *, lang: str = "zh"
) -> dict[str, Path]:
    """report_<scenario>_<date>.xlsx and .pdf in `out` (created 0600)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"report_{scenario.id}_{date.isoformat()}" + ("" if lang == "zh" else f"_{lang}")
    xlsx, pdf_path = out / f"{stem}.xlsx", out / f"{stem}.pdf"
    sheets.write_xlsx_sheets(_workbook(study, baseline, scenario, date, lang), xlsx, float_precision=6, autofit=True)
    private_file(pdf_path)
    pdf_path.write_bytes(render(study, baseline, scenario, date, lang=lang))
    return {f"{stem}.xlsx": xlsx, f"{stem}.pdf": pdf_path}


def _workbook(
    study: Study, baseline: ParameterSet, scenario: Scenario, date: dt.date, lang: str
) -> dict[str, pl.DataFrame]:
    zh, en = summary_text(study, scenario, date)
    front = pl.DataFrame(
        {
            "item": [
                "title",
                "frame",
                "date",
                "summary_zh",
                "summary_en",
                *(f"definition_{i + 1}" for i in range(len(DEFINITIONS))),
            ],
            "text": [
                f"{TITLE[0]} {TITLE[1]}: {scenario.label_zh} / {scenario.label_en}",
                study.frame,
                date.isoformat(),
                zh,
                en,
                *(f"{d_zh} {d_en}" for d_zh, d_en in DEFINITIONS),
            ],
        }
    )
    changed = pl.DataFrame([c.__dict__ for c in changes(baseline, scenario)]) if scenario.reform else pl.DataFrame()
    tables = {"summary": front, "changes": changed}
    if scenario.reform and scenario.reform.formulas:  # a structural reform: the rules it replaced
        tables["formulas"] = pl.DataFrame(
            [
                {"node": f.name, "label_zh": f.label_zh, "label_en": f.label_en, "rule": f.rule, "source": f.cite}
                for f in scenario.reform.formulas.values()
            ]
        )
    for name, table in study.tables.items():
        table = table.filter(pl.col("date") == date)
        if "scenario" in table.columns:
            table = table.filter(pl.col("scenario").is_in([study.scenarios[0].id, scenario.id]))
        if "income" in table.columns:
            table = table.filter(pl.col("income").is_in(["before_transfers", study.scenarios[0].id, scenario.id]))
        tables[name] = table
    return tables


def render(study: Study, baseline: ParameterSet, scenario: Scenario, date: dt.date, *, lang: str = "zh") -> bytes:
    base = study.scenarios[0].id
    title = _t(lang, TITLE[0], TITLE[1])
    with pdf.document(title, f"{scenario.id} · {date.isoformat()}", lang=lang) as doc:
        doc.add_page()
        pdf.heading(doc, 15, 9, title, align="C")
        pdf.heading(doc, 11, 7, _t(lang, scenario.label_zh, scenario.label_en), align="C")
        frame = _t(
            lang,
            "代表性总体" if study.frame == "representative" else "登记库（登记家庭中）",
            study.frame if study.frame == "representative" else "registry (among registered households)",
        )
        pdf.table(
            doc,
            ("", ""),
            [[_t(lang, "测算日期", "date"), date.isoformat()], [_t(lang, "测算总体", "frame"), frame]],
            (25, 75),
            show_headings=False,
        )
        doc.ln(2)
        zh, en = summary_text(study, scenario, date)
        pdf.paragraph(doc, zh if lang == "zh" else en)
        _section(doc, _t(lang, "一、方案变化", "1. What changes"))
        rows = [
            [
                c.parameter,
                _t(lang, c.label_zh, c.label_en),
                c.region,
                c.effective.isoformat(),
                c.axis,
                _num(c.old),
                _num(c.new),
                c.source,
            ]
            for c in changes(baseline, scenario)
        ]
        pdf.table(
            doc,
            [
                _t(lang, *h)
                for h in (
                    ("参数", "parameter"),
                    ("名称", "name"),
                    ("区划", "region"),
                    ("起始", "from"),
                    ("城乡", "area"),
                    ("原值", "old"),
                    ("新值", "new"),
                    ("来源", "source"),
                )
            ],
            rows,
            (16, 14, 9, 11, 7, 8, 8, 27),
            size=7.5,
        )
        for f in scenario.reform.formulas.values() if scenario.reform else ():
            pdf.paragraph(  # a structural reform: the rule it writes in place of the model's
                doc,
                _t(lang, f"公式替换 {f.name}（{f.label_zh}）：", f"Formula replaced, {f.name} ({f.label_en}): ")
                + f"{f.rule}〔{f.cite}〕",
                size=7.5,
                height=4,
            )
        _section(doc, _t(lang, "二、支出与受助（预期，按申领率）", "2. Cost and recipients (expected, at take-up)"))
        prog = study.tables["programmes"].filter((pl.col("date") == date) & (pl.col("scenario") == scenario.id))
        pdf.table(
            doc,
            [
                _t(lang, *h)
                for h in (
                    ("项目", "programme"),
                    ("符合户数", "eligible hh"),
                    ("预期户数", "expected hh"),
                    ("户数变化", "Δ hh"),
                    ("预期月支出（元）", "yuan/month"),
                    ("月支出变化", "Δ yuan/month"),
                    ("年支出（元）", "yuan/year"),
                )
            ],
            [
                [
                    _programme(lang, r["programme"]),
                    f"{r['eligible_households']:,.0f}",
                    f"{r['expected_households']:,.1f}",
                    f"{r['expected_households_change']:+,.1f}",
                    f"{r['monthly_cost_expected_fen'] / 100:,.2f}",
                    f"{r['monthly_cost_expected_fen_change'] / 100:+,.2f}",
                    f"{r['annual_cost_expected_fen'] / 100:,.2f}",
                ]
                for r in prog.iter_rows(named=True)
            ],
            (22, 11, 11, 10, 16, 15, 15),
        )
        take_up = study.tables["take_up"].filter(pl.col("date") == date)
        pdf.paragraph(
            doc,
            _t(lang, "申领率：", "Take-up: ")
            + "；".join(
                f"{_programme(lang, r['programme'])}{_t(lang, '城镇' if r['urban_rural'] == 'urban' else '农村', ' ' + r['urban_rural'])} {r['take_up']:.1%}{_basis(lang, r)}"
                for r in take_up.iter_rows(named=True)
            ),
            size=7.5,
            grey=True,
            height=4,
        )
        if "equity" in study.tables:
            _section(
                doc,
                _t(
                    lang,
                    "三、贫困与不平等（人均收入，按人加权）",
                    "3. Poverty and inequality (per capita, person-weighted)",
                ),
            )
            eq = study.tables["equity"].filter(pl.col("date") == date)
            cols = ["before_transfers", base, scenario.id]
            by = {r["income"]: r for r in eq.iter_rows(named=True)}
            pdf.table(
                doc,
                [
                    _t(lang, "指标", "measure"),
                    _t(lang, "转移支付前", "before transfers"),
                    _t(lang, "现行政策", "baseline"),
                    _t(lang, "改革后", "reform"),
                ],
                [
                    [_t(lang, zh_l, en_l), *(fmt.format(by[c][key]) for c in cols)]
                    for key, zh_l, en_l, fmt in EQUITY_ROWS
                ],
                (40, 20, 20, 20),
            )
        _section(doc, _t(lang, "四、十分位与收益受损（人）", "4. Deciles, winners and losers (persons)"))
        dec = study.tables["deciles"].filter((pl.col("date") == date) & (pl.col("scenario") == scenario.id))
        band_heads = [_t(lang, *BAND_LABELS[b]) for b in BANDS]
        pdf.table(
            doc,
            [_t(lang, "十分位", "decile"), _t(lang, "人均月变化（元）", "yuan/month each"), *band_heads],
            [
                [str(r["decile"]), f"{r['mean_change_fen_per_person'] / 100:+,.2f}", *(f"{r[b]:,.0f}" for b in BANDS)]
                for r in dec.iter_rows(named=True)
            ],
            (10, 18, 14, 14, 16, 14, 14),
            size=7.5,
        )
        types = study.tables["bands_by_household_type"].filter(
            (pl.col("date") == date) & (pl.col("scenario") == scenario.id)
        )
        doc.ln(2)
        pdf.table(
            doc,
            [_t(lang, "家庭类型", "household type"), *band_heads],
            [
                [_t(lang, *TYPE_LABELS[r["household_type"]]), *(f"{r[b]:,.0f}" for b in BANDS)]
                for r in types.iter_rows(named=True)
            ],
            (28, 14, 14, 16, 14, 14),
            size=7.5,
        )
        _section(
            doc, _t(lang, "五、乡镇（按月支出变化排序，前15）", "5. Townships (by change in monthly cost, top 15)")
        )
        town = (
            study.tables["by_township"]
            .filter((pl.col("date") == date) & (pl.col("scenario") == scenario.id))
            .group_by("township")
            .agg(pl.sum("monthly_cost_expected_fen_change"), pl.sum("expected_households_change"))
            .sort("monthly_cost_expected_fen_change", descending=True)
            .head(15)
        )
        pdf.table(
            doc,
            [
                _t(lang, "乡镇", "township"),
                _t(lang, "预期户数变化", "Δ households"),
                _t(lang, "月支出变化（元）", "Δ yuan/month"),
            ],
            [
                [
                    f"{divisions().name(r['township'])} {r['township']}",
                    f"{r['expected_households_change']:+,.1f}",
                    f"{r['monthly_cost_expected_fen_change'] / 100:+,.2f}",
                ]
                for r in town.iter_rows(named=True)
            ],
            (40, 30, 30),
        )
        _section(doc, _t(lang, "六、口径说明", "6. Definitions"))
        for d_zh, d_en in DEFINITIONS:
            pdf.paragraph(doc, d_zh if lang == "zh" else d_en, size=7.5, height=4)
        return bytes(doc.output())


def _section(doc: pdf.Document, text: str) -> None:
    doc.ln(3)
    if doc.will_page_break(30):  # a heading goes with at least the first rows of its table
        doc.add_page()
    pdf.heading(doc, 11, 7, text)


def _programme(lang: str, pid: str) -> str:
    prog = model().programmes[pid]
    return _t(lang, prog.label_zh, prog.label_en)


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:,.4f}".rstrip("0").rstrip(".")
