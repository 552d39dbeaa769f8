"""特困人员救助供养 (tekun): support for extremely poor persons.

社会救助暂行办法 第十四条；特困人员认定办法（民发〔2021〕43号），as implemented in
Guizhou's text (the national text was not in the stored corpus: POLICY-FACTS §2.1).

A person qualifies with all three: no labour capacity, no source of living,
and no legal supporter able to support. They receive the basic living
standard (a multiple of the dibao standard) and a care standard that depends
on their self-care ability (a share of the local minimum wage).
"""

from __future__ import annotations

import polars as pl

from minsheng.rules.model import Model, Programme
from minsheng.rules.money import round_fen

H, P = "household", "person"
CITE = "特困人员认定办法（2021年修订）第二章"


def add(model: Model) -> None:
    @model.condition(
        P,
        label=("无劳动能力", "no labour capacity"),
        cite=f"{CITE}：60周岁以上；未满18周岁（16周岁以上以自己劳动收入为主要生活来源的除外）；"
        "一至三级智力、精神残疾，一、二级肢体残疾，一级视力残疾",
        params={"old": "tekun.elderly_age", "minor": "tekun.minor_age", "self_support": "tekun.self_support_age"},
    )
    def tekun_no_labour_capacity(
        age: pl.Expr,
        disability_grade: pl.Expr,
        disability_kind: pl.Expr,
        wage_income_fen: pl.Expr,
        business_income_fen: pl.Expr,
        property_income_fen: pl.Expr,
        transfer_income_fen: pl.Expr,
        old: pl.Expr,
        minor: pl.Expr,
        self_support: pl.Expr,
    ) -> pl.Expr:
        labour = wage_income_fen.fill_null(0) + business_income_fen.fill_null(0)
        other = property_income_fen.fill_null(0) + transfer_income_fen.fill_null(0)
        lives_on_own_labour = (age >= self_support) & (labour > 0) & (labour >= other)
        grade = disability_grade.cast(pl.Int32, strict=False).fill_null(0)
        kind = disability_kind.fill_null("")
        disabled = (
            (kind.is_in(["intellectual", "mental"]) & grade.is_between(1, 3))
            | ((kind == "physical") & grade.is_between(1, 2))
            | ((kind == "visual") & (grade == 1))
        )
        return (age >= old) | ((age < minor) & ~lives_on_own_labour) | disabled

    @model.condition(
        P,
        label=("无生活来源", "no source of living"),
        cite=f"{CITE}：收入低于当地最低生活保障标准，且财产符合当地特困人员财产状况规定",
    )
    def tekun_no_source_of_living(
        counted_income_fen: pl.Expr, dibao_standard_fen: pl.Expr, dibao_assets_ok: pl.Expr
    ) -> pl.Expr:
        return (counted_income_fen < dibao_standard_fen) & dibao_assets_ok

    @model.condition(
        P,
        label=("无有履行能力的法定义务人", "no legal supporter able to support"),
        cite=f"{CITE}：无法定赡养、抚养、扶养义务人，或者其法定义务人无履行义务能力",
    )
    def tekun_no_capable_supporter(supporter_capable: pl.Expr) -> pl.Expr:
        return ~supporter_capable

    conditions = ("tekun_no_labour_capacity", "tekun_no_source_of_living", "tekun_no_capable_supporter")
    model.all_of("tekun_eligible", P, conditions, ("符合特困人员条件", "eligible for tekun support"))

    @model.formula(
        P,
        label=("基本生活标准", "basic living standard"),
        unit="fen/month",
        cite="特困人员基本生活标准不低于当地低保标准的1.3倍（地方实施文本）",
        params={"ratio": "tekun.basic_living_ratio"},
    )
    def tekun_basic_living_fen(dibao_standard_fen: pl.Expr, ratio: pl.Expr) -> pl.Expr:
        return round_fen(dibao_standard_fen * ratio)

    @model.formula(
        P,
        label=("照料护理标准", "care standard"),
        unit="fen/month",
        cite="特困人员认定办法 第二十八条（生活自理能力六项指标）；照料护理标准按最低工资标准的比例（地方规定）",
        params={
            "wage": "general.minimum_wage",
            "full": "tekun.care_ratio_full",
            "partial": "tekun.care_ratio_partial",
            "none": "tekun.care_ratio_none",
        },
    )
    def tekun_care_fen(self_care: pl.Expr, wage: pl.Expr, full: pl.Expr, partial: pl.Expr, none: pl.Expr) -> pl.Expr:
        share = (
            pl.when(self_care == "full")
            .then(full)
            .when(self_care == "partial")
            .then(partial)
            .when(self_care == "none")
            .then(none)
        )
        return round_fen(share * wage)

    @model.formula(
        P,
        label=("特困供养金（月）", "tekun support per month"),
        unit="fen/month",
        cite="社会救助暂行办法 第十五条（提供基本生活条件、对生活不能自理的给予照料）",
    )
    def tekun_benefit_fen(tekun_eligible: pl.Expr, tekun_basic_living_fen: pl.Expr, tekun_care_fen: pl.Expr) -> pl.Expr:
        return pl.when(tekun_eligible).then(tekun_basic_living_fen + tekun_care_fen).when(~tekun_eligible).then(0)

    model.aggregate("tekun_members", "tekun_eligible", "count", ("特困人员数", "tekun members"), "persons")
    # Kleene "any": a member whose tekun status is unknown makes "no tekun member" unknown too.
    model.aggregate("has_tekun_member", "tekun_eligible", "any", ("有特困人员", "has a tekun member"))

    model.programme(
        Programme(
            id="tekun",
            label_zh="特困人员救助供养",
            label_en="Support for extremely poor persons (tekun)",
            entity=P,
            eligible="tekun_eligible",
            benefit="tekun_benefit_fen",
            conditions=conditions,
            amounts=("dibao_standard_fen", "tekun_basic_living_fen", "tekun_care_fen", "tekun_benefit_fen"),
            basis="社会救助暂行办法 第十四条、第十五条；特困人员认定办法（民发〔2021〕43号）",
        )
    )
