"""低保边缘家庭 (dibao_marginal): households just above the dibao line.

国办发〔2023〕39号: not in dibao or tekun; income per capita at or above the
dibao standard and below a multiple of it (1.5, higher in some places);
property within the local rules.
"""

from __future__ import annotations

import polars as pl

from minsheng.rules.model import Model, Programme

H = "household"
CITE = "国办发〔2023〕39号（低保边缘家庭：人均收入低于低保标准1.5倍，且财产状况符合规定）"


def add(model: Model) -> None:
    @model.condition(H, label=("不属于低保或特困", "not in dibao or tekun"), cite=CITE)
    def dibao_marginal_not_dibao_or_tekun(dibao_eligible: pl.Expr, has_tekun_member: pl.Expr) -> pl.Expr:
        return ~dibao_eligible & ~has_tekun_member

    @model.condition(
        H,
        label=("人均收入在低保标准与其倍数之间", "income between the standard and its multiple"),
        cite=CITE,
        params={"multiple": "dibao_marginal.income_multiple"},
    )
    def dibao_marginal_income_in_band(
        income_per_capita_fen: pl.Expr, dibao_standard_fen: pl.Expr, multiple: pl.Expr
    ) -> pl.Expr:
        return (income_per_capita_fen >= dibao_standard_fen) & (income_per_capita_fen < multiple * dibao_standard_fen)

    @model.condition(H, label=("财产状况符合规定", "property within the local rules"), cite=CITE)
    def dibao_marginal_assets_ok(dibao_assets_ok: pl.Expr) -> pl.Expr:
        return dibao_assets_ok

    conditions = ("dibao_marginal_not_dibao_or_tekun", "dibao_marginal_income_in_band", "dibao_marginal_assets_ok")
    model.all_of("dibao_marginal_eligible", H, conditions, ("认定为低保边缘家庭", "a dibao-marginal household"))
    model.programme(
        Programme(
            id="dibao_marginal",
            label_zh="低保边缘家庭",
            label_en="Dibao-marginal household",
            entity=H,
            eligible="dibao_marginal_eligible",
            benefit=None,
            conditions=conditions,
            amounts=("dibao_standard_fen", "income_per_capita_fen"),
            basis="国办发〔2023〕39号",
        )
    )
