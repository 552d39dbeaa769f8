"""刚性支出困难家庭 (rigid_expenditure_hardship): households in hardship from rigid expenditure.

刚性支出困难家庭认定办法（民政部，2024-10-24），五项条件全部满足：
1. 不属于低保、特困，也未被认定为低保边缘家庭；
2. 家庭人均收入低于上年度当地居民人均可支配收入；
3. 家庭财产状况符合当地规定；
4. 申请前12个月家庭刚性支出总额占家庭总收入比例超出当地规定；
5. 县级以上地方人民政府规定的其他条件。
Recognition is valid for 12 months.
"""

from __future__ import annotations

import polars as pl

from minsheng.rules.model import Model, Programme

H = "household"
CITE = "刚性支出困难家庭认定办法（2024）"


def add(model: Model) -> None:
    @model.condition(H, label=("不属于低保、特困或低保边缘", "not in dibao, tekun or marginal"), cite=f"{CITE} 条件一")
    def rigid_not_other_assistance(
        dibao_eligible: pl.Expr, has_tekun_member: pl.Expr, dibao_marginal_eligible: pl.Expr
    ) -> pl.Expr:
        return ~dibao_eligible & ~has_tekun_member & ~dibao_marginal_eligible

    @model.condition(
        H,
        label=(
            "人均收入低于上年度当地人均可支配收入",
            "income per capita below prior-year local disposable income per capita",
        ),
        cite=f"{CITE} 条件二",
        params={"disposable": "general.disposable_income_per_capita_prior_year"},
    )
    def rigid_income_below_disposable(income_per_capita_fen: pl.Expr, disposable: pl.Expr) -> pl.Expr:
        return income_per_capita_fen * 12 < disposable

    @model.condition(H, label=("财产状况符合规定", "property within the local rules"), cite=f"{CITE} 条件三")
    def rigid_assets_ok(dibao_assets_ok: pl.Expr) -> pl.Expr:
        return dibao_assets_ok

    @model.formula(
        H,
        label=("刚性支出占家庭收入比例", "rigid expenditure as a share of household income"),
        unit="ratio",
        cite=f"{CITE} 条件四",
    )
    def rigid_expenditure_share(
        household_rigid_expenditure_fen: pl.Expr, household_annual_income_fen: pl.Expr
    ) -> pl.Expr:
        # No income and some rigid expenditure: the share is unbounded, shown as infinity.
        return household_rigid_expenditure_fen / household_annual_income_fen

    @model.condition(
        H,
        label=("刚性支出占比超过当地规定", "rigid expenditure share above the local threshold"),
        cite=f"{CITE} 条件四",
        params={"threshold": "rigid_expenditure_hardship.expense_share_threshold"},
    )
    def rigid_expenditure_above_threshold(
        rigid_expenditure_share: pl.Expr, household_rigid_expenditure_fen: pl.Expr, threshold: pl.Expr
    ) -> pl.Expr:
        return (household_rigid_expenditure_fen > 0) & (rigid_expenditure_share.fill_nan(float("inf")) > threshold)

    @model.condition(
        H,
        label=("地方附加条件", "local extra conditions"),
        cite=f"{CITE} 条件五",
        params={"minimum": "rigid_expenditure_hardship.min_expenditure"},
    )
    def rigid_local_conditions(household_rigid_expenditure_fen: pl.Expr, minimum: pl.Expr) -> pl.Expr:
        # A minimum of 0 is no extra condition (the national default): it holds whatever the
        # expenditure, so a blank expense cannot make this clause unknown (condition 4 says that).
        return pl.when(minimum <= 0).then(True).otherwise(household_rigid_expenditure_fen >= minimum)

    conditions = (
        "rigid_not_other_assistance",
        "rigid_income_below_disposable",
        "rigid_assets_ok",
        "rigid_expenditure_above_threshold",
        "rigid_local_conditions",
    )
    model.all_of(
        "rigid_expenditure_hardship_eligible",
        H,
        conditions,
        ("认定为刚性支出困难家庭", "a rigid-expenditure hardship household"),
    )

    @model.formula(
        H,
        label=("认定有效期至", "recognition valid until"),
        cite=f"{CITE}：有效期一般不超过12个月",
        params={"months": "rigid_expenditure_hardship.valid_months"},
    )
    def rigid_valid_until(
        rigid_expenditure_hardship_eligible: pl.Expr, assessment_date: pl.Expr, months: pl.Expr
    ) -> pl.Expr:
        until = assessment_date.dt.offset_by(pl.format("{}mo", months.cast(pl.Int64)))
        return pl.when(rigid_expenditure_hardship_eligible).then(until)

    model.programme(
        Programme(
            id="rigid_expenditure_hardship",
            label_zh="刚性支出困难家庭",
            label_en="Rigid-expenditure hardship household",
            entity=H,
            eligible="rigid_expenditure_hardship_eligible",
            benefit=None,
            conditions=conditions,
            amounts=(
                "income_per_capita_fen",
                "household_rigid_expenditure_fen",
                "household_annual_income_fen",
                "rigid_expenditure_share",
                "rigid_valid_until",
            ),
            basis=CITE,
        )
    )
