"""Inputs and shared measures used by several programmes: ages, household size,
counted income, severe disability, labour capacity, assets, rigid expenditure.

Inputs are the registry's columns (money in fen per month, or per 12 months
for expenses). A blank cell is unknown, not zero: it makes the results that
depend on it unknown, and the explanation names it.
"""

from __future__ import annotations

import polars as pl

from minsheng.rules.model import Model

MONTHS = 12


def add_inputs(model: Model) -> None:
    h, p = "household", "person"
    for name, dtype, label, unit in (
        ("residence_division", pl.String, ("居住地区划代码", "residence division"), ""),
        ("urban_rural", pl.String, ("城乡属性", "urban/rural"), ""),
        ("assessment_date", pl.Date, ("测算日期", "assessment date"), ""),
        ("financial_assets_fen", pl.Int64, ("金融资产", "financial assets"), "fen"),
        ("properties", pl.Int32, ("住房套数", "residential properties"), ""),
        ("housing_area_m2", pl.Float64, ("住房面积", "housing floor area"), "m²"),
        ("non_residential_property", pl.Boolean, ("非住宅房产", "non-residential property"), ""),
        ("vehicles", pl.Int32, ("机动车数", "motor vehicles"), ""),
        ("business_capital_fen", pl.Int64, ("经营资本", "business capital"), "fen"),
    ):
        model.input(name, h, dtype, label, unit)
    for name, dtype, label, unit in (
        ("birth_date", pl.Date, ("出生日期", "birth date"), ""),
        ("disability_grade", pl.String, ("残疾等级", "disability grade"), ""),
        ("disability_kind", pl.String, ("残疾类别", "disability kind"), ""),
        ("self_care", pl.String, ("生活自理能力", "self-care ability"), ""),
        ("supporter_capable", pl.Boolean, ("赡养人有能力", "a legal supporter able to support"), ""),
        ("wage_income_fen", pl.Int64, ("工资性收入", "wage income"), "fen/month"),
        ("business_income_fen", pl.Int64, ("经营净收入", "net business income"), "fen/month"),
        ("property_income_fen", pl.Int64, ("财产净收入", "net property income"), "fen/month"),
        ("transfer_income_fen", pl.Int64, ("转移净收入", "net transfer income"), "fen/month"),
        ("medical_expense_fen", pl.Int64, ("自付医疗费用", "out-of-pocket medical cost"), "fen/12 months"),
        ("education_expense_fen", pl.Int64, ("教育支出", "education expense"), "fen/12 months"),
        ("other_rigid_expense_fen", pl.Int64, ("其他刚性支出", "other rigid expense"), "fen/12 months"),
    ):
        model.input(name, p, dtype, label, unit)

    @model.formula(p, label=("年龄（周岁）", "age in full years"), unit="years")
    def age(birth_date: pl.Expr, assessment_date: pl.Expr) -> pl.Expr:
        years = assessment_date.dt.year() - birth_date.dt.year()
        before_birthday = (assessment_date.dt.month() < birth_date.dt.month()) | (
            (assessment_date.dt.month() == birth_date.dt.month()) & (assessment_date.dt.day() < birth_date.dt.day())
        )
        return (years - before_birthday.cast(pl.Int32)).cast(pl.Int32)

    @model.formula(
        p,
        label=("计入收入（月）", "counted income per month"),
        unit="fen/month",
        cite="社会救助暂行办法 第九条；育儿补贴不计入家庭收入（2025年育儿补贴制度）",
    )
    def counted_income_fen(
        wage_income_fen: pl.Expr,
        business_income_fen: pl.Expr,
        property_income_fen: pl.Expr,
        transfer_income_fen: pl.Expr,
    ) -> pl.Expr:
        # Wage, business, property and transfer income count; `disregarded_income` (childcare
        # subsidy, awards …) is deliberately not an input here.
        return wage_income_fen + business_income_fen + property_income_fen + transfer_income_fen

    @model.formula(p, label=("家庭成员", "household member"))
    def member() -> pl.Expr:
        return pl.lit(True)

    model.aggregate("household_size", "member", "count", ("共同生活家庭成员人数", "household members"), "persons")
    model.aggregate(
        "household_counted_income_fen",
        "counted_income_fen",
        "sum",
        ("家庭月计入收入", "household counted income per month"),
        "fen/month",
    )

    @model.formula(
        h,
        label=("家庭月人均收入", "counted income per capita per month"),
        unit="fen/month",
        cite="社会救助暂行办法 第九条（共同生活的家庭成员人均收入）",
    )
    def income_per_capita_fen(household_counted_income_fen: pl.Expr, household_size: pl.Expr) -> pl.Expr:
        return household_counted_income_fen / household_size

    @model.formula(h, label=("人均金融资产", "financial assets per capita"), unit="fen")
    def financial_assets_per_capita_fen(financial_assets_fen: pl.Expr, household_size: pl.Expr) -> pl.Expr:
        return financial_assets_fen / household_size

    @model.formula(h, label=("人均住房面积", "housing floor area per capita"), unit="m²")
    def housing_area_per_capita_m2(housing_area_m2: pl.Expr, household_size: pl.Expr) -> pl.Expr:
        return housing_area_m2 / household_size

    @model.formula(
        p,
        label=("重度残疾", "severely disabled"),
        cite="民政部2021-07-28发布会：重度残疾指一、二级残疾和三级智力、精神残疾",
    )
    def severely_disabled(disability_grade: pl.Expr, disability_kind: pl.Expr) -> pl.Expr:
        # Disability is what a certificate (残疾人证) says; a blank grade means none is on record.
        grade = disability_grade.cast(pl.Int32, strict=False).fill_null(0)
        mind = disability_kind.is_in(["intellectual", "mental"]).fill_null(False)
        return grade.is_in([1, 2]) | ((grade == 3) & mind)

    model.aggregate(
        "severely_disabled_members",
        "severely_disabled",
        "count",
        ("重度残疾成员数", "severely disabled members"),
        "persons",
    )

    @model.formula(
        p,
        label=("12个月刚性支出", "rigid expenditure over 12 months"),
        unit="fen",
        cite="刚性支出困难家庭认定办法（民政部，2024）：医疗、教育、残疾康复等支出",
    )
    def rigid_expenditure_fen(
        medical_expense_fen: pl.Expr, education_expense_fen: pl.Expr, other_rigid_expense_fen: pl.Expr
    ) -> pl.Expr:
        return medical_expense_fen + education_expense_fen + other_rigid_expense_fen

    model.aggregate(
        "household_rigid_expenditure_fen",
        "rigid_expenditure_fen",
        "sum",
        ("家庭12个月刚性支出", "household rigid expenditure over 12 months"),
        "fen",
    )

    @model.formula(h, label=("家庭年收入", "household income over 12 months"), unit="fen")
    def household_annual_income_fen(household_counted_income_fen: pl.Expr) -> pl.Expr:
        return household_counted_income_fen * MONTHS
