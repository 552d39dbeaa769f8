"""最低生活保障 (dibao): minimum living allowance.

社会救助暂行办法（国务院令第649号，2019年修订）第九条至第十三条；
最低生活保障审核确认办法（民发〔2021〕57号）第二十三条；
关于进一步做好最低生活保障等社会救助兜底保障工作的通知（民发〔2024〕16号）.

A household is eligible when its members' counted income per capita is below
the local standard and it meets the local property rules; it receives the gap
(or a tier) for every member, a local floor, and local classified top-ups.
A severely disabled member of a marginal household may be covered alone (单人保).
"""

from __future__ import annotations

import polars as pl

from minsheng.rules.model import Model, Programme
from minsheng.rules.money import round_fen

H, P = "household", "person"
CITE_9 = "社会救助暂行办法 第九条"
CITE_10 = "社会救助暂行办法 第十条（财产状况认定办法由省、市制定）"
CITE_13 = "社会救助暂行办法 第十三条"
CITE_23 = "最低生活保障审核确认办法（民发〔2021〕57号）第二十三条"
# How 特困 support and 低保 combine in one household: no national clause says it outright (see
# parameters/dibao/tekun_members_excluded.yaml); these are the clauses the local choice follows.
CITE_TEKUN = (
    "社会救助暂行办法 第十五条第三款（特困人员供养与最低生活保障相衔接）；特困人员认定办法（民发〔2021〕43号）"
    "第二十七条；最低生活保障审核确认办法 第七条第二款第（三）项；地方选择 dibao.tekun_members_excluded"
)


def add(model: Model) -> None:
    @model.formula(
        H,
        label=("适用的低保标准", "dibao standard applied"),
        unit="fen/person/month",
        cite="社会救助暂行办法 第十条；民发〔2024〕16号（低保标准＝上年人均消费支出×量化比例）",
        params={
            "published": "dibao.standard",
            "from_consumption": "dibao.standard_from_consumption",
            "ratio": "dibao.consumption_ratio",
            "consumption": "general.consumption_per_capita_prior_year",
        },
    )
    def dibao_standard_fen(
        published: pl.Expr, from_consumption: pl.Expr, ratio: pl.Expr, consumption: pl.Expr
    ) -> pl.Expr:
        computed = round_fen(consumption / 12 * ratio)
        return pl.when(from_consumption).then(computed).otherwise(published)

    # ---- conditions (each a named rule with its clause)

    _add_household_members(model)

    @model.condition(
        H,
        label=("有计入低保家庭的成员", "at least one member counted in the dibao household"),
        cite=f"最低生活保障审核确认办法 第四条（以家庭为单位申请）；{CITE_TEKUN}",
    )
    def dibao_has_members(dibao_household_size: pl.Expr) -> pl.Expr:
        return dibao_household_size > 0

    @model.condition(H, label=("人均收入低于低保标准", "income per capita below the standard"), cite=CITE_9)
    def dibao_income_below_standard(dibao_income_per_capita_fen: pl.Expr, dibao_standard_fen: pl.Expr) -> pl.Expr:
        return dibao_income_per_capita_fen < dibao_standard_fen

    @model.formula(
        H,
        label=("人均金融资产限额", "limit on financial assets per capita"),
        unit="fen",
        cite=CITE_10,
        params={"multiple": "dibao.financial_assets_multiple"},
    )
    def dibao_financial_assets_limit_fen(dibao_standard_fen: pl.Expr, multiple: pl.Expr) -> pl.Expr:
        return multiple * dibao_standard_fen * 12  # a multiple of the annual standard (local rule)

    @model.condition(
        H,
        label=("人均金融资产不超过限额", "financial assets per capita within the limit"),
        cite=CITE_10,
    )
    def dibao_financial_assets_within_limit(
        financial_assets_per_capita_fen: pl.Expr, dibao_financial_assets_limit_fen: pl.Expr
    ) -> pl.Expr:
        # Both sides are nodes, so an explanation shows the two values compared (issue §2.5).
        return financial_assets_per_capita_fen <= dibao_financial_assets_limit_fen

    @model.condition(
        H,
        label=("住房符合规定", "housing within the rules"),
        cite=CITE_10,
        params={"max_properties": "dibao.max_properties", "exemption_m2": "dibao.housing_area_exemption_m2"},
    )
    def dibao_housing_within_limit(
        properties: pl.Expr, housing_area_per_capita_m2: pl.Expr, max_properties: pl.Expr, exemption_m2: pl.Expr
    ) -> pl.Expr:
        # More homes than allowed excludes, unless floor area per capita is below the local figure
        # (POLICY-FACTS §1.6: 「住房达到两套及以上（家庭人均住房建筑面积低于……的除外）」).
        # An exemption of 0 or null is no exemption: the clause is off, so a blank floor area
        # must not leave the result unknown (Kleene: false | unknown would be unknown).
        exempt = (
            pl.when(exemption_m2.is_null() | (exemption_m2 <= 0))
            .then(False)
            .otherwise(housing_area_per_capita_m2 < exemption_m2)
        )
        return (properties <= max_properties) | exempt

    @model.condition(
        H,
        label=("无超标机动车", "no excluded motor vehicle"),
        cite=CITE_10,
        params={"max_vehicles": "dibao.max_vehicles"},
    )
    def dibao_vehicles_within_limit(vehicles: pl.Expr, max_vehicles: pl.Expr) -> pl.Expr:
        return vehicles <= max_vehicles

    @model.condition(
        H,
        label=("经营资本不超过限额", "business capital within the limit"),
        cite=CITE_10,
        params={"limit": "dibao.max_business_capital"},
    )
    def dibao_business_capital_within_limit(business_capital_fen: pl.Expr, limit: pl.Expr) -> pl.Expr:
        return business_capital_fen <= limit

    @model.condition(
        H,
        label=("无非住宅房产", "no excluded non-residential property"),
        cite=CITE_10,
        params={"allowed": "dibao.non_residential_property_allowed"},
    )
    def dibao_no_excluded_non_residential(non_residential_property: pl.Expr, allowed: pl.Expr) -> pl.Expr:
        return allowed | ~non_residential_property

    asset_rules = (
        "dibao_financial_assets_within_limit",
        "dibao_housing_within_limit",
        "dibao_vehicles_within_limit",
        "dibao_business_capital_within_limit",
        "dibao_no_excluded_non_residential",
    )
    model.all_of("dibao_assets_ok", H, asset_rules, ("财产状况符合规定", "property within the local rules"))
    conditions = ("dibao_has_members", "dibao_income_below_standard", *asset_rules)
    model.all_of("dibao_eligible", H, conditions, ("符合低保条件", "eligible for dibao"))

    # ---- amounts

    @model.formula(H, label=("差额补助", "gap payment"), unit="fen/month", cite=CITE_13)
    def dibao_gap_fen(
        dibao_standard_fen: pl.Expr, dibao_household_size: pl.Expr, dibao_household_income_fen: pl.Expr
    ) -> pl.Expr:
        # (standard − income per capita) × members = standard × members − income: exact in fen.
        return (dibao_standard_fen * dibao_household_size - dibao_household_income_fen).clip(lower_bound=0)

    @model.formula(
        H,
        label=("分档补助", "tiered payment"),
        unit="fen/month",
        cite=CITE_23,
        params={
            "b1": "dibao.tier1_upper",
            "b2": "dibao.tier2_upper",
            "t1": "dibao.tier1_payment",
            "t2": "dibao.tier2_payment",
            "t3": "dibao.tier3_payment",
        },
    )
    def dibao_tier_fen(
        dibao_income_per_capita_fen: pl.Expr,
        dibao_standard_fen: pl.Expr,
        dibao_household_size: pl.Expr,
        b1: pl.Expr,
        b2: pl.Expr,
        t1: pl.Expr,
        t2: pl.Expr,
        t3: pl.Expr,
    ) -> pl.Expr:
        share = dibao_income_per_capita_fen / dibao_standard_fen
        rate = pl.when(share < b1).then(t1).when(share < b2).then(t2).otherwise(t3)
        return round_fen(rate * dibao_standard_fen) * dibao_household_size

    @model.formula(
        H,
        label=("基本保障金（差额或分档，含保底）", "base payment (gap or tier, with floor)"),
        unit="fen/month",
        cite=f"{CITE_13}；{CITE_23}",
        params={"tiered": "dibao.tiered", "floor": "dibao.floor_ratio"},
    )
    def dibao_base_fen(
        dibao_gap_fen: pl.Expr,
        dibao_tier_fen: pl.Expr,
        dibao_standard_fen: pl.Expr,
        dibao_household_size: pl.Expr,
        tiered: pl.Expr,
        floor: pl.Expr,
    ) -> pl.Expr:
        base = pl.when(tiered).then(dibao_tier_fen).otherwise(dibao_gap_fen)
        minimum = round_fen(floor * dibao_standard_fen) * dibao_household_size  # local floor (保底)
        return pl.max_horizontal(base, minimum)

    @model.formula(
        P,
        label=("分类施保加发", "classified top-up"),
        unit="fen/month",
        cite="分类施保（地方规定）",
        params={
            "elderly": "dibao.topup_elderly",
            "severe": "dibao.topup_severe_disability",
            "minor": "dibao.topup_minor",
            "adult_age": "general.adult_age",
            "elderly_age": "dibao.elderly_age",
        },
    )
    def dibao_topup_person_fen(
        age: pl.Expr,
        severely_disabled: pl.Expr,
        dibao_standard_fen: pl.Expr,
        elderly: pl.Expr,
        severe: pl.Expr,
        minor: pl.Expr,
        adult_age: pl.Expr,
        elderly_age: pl.Expr,
    ) -> pl.Expr:
        share = (
            pl.when(age >= elderly_age).then(elderly).otherwise(0.0)
            + pl.when(severely_disabled).then(severe).otherwise(0.0)
            + pl.when(age < adult_age).then(minor).otherwise(0.0)
        )
        # A blank birth date is an unknown age: the top-up is unknown, not 0 (a null age
        # would otherwise fall through both `when`s as "neither elderly nor minor").
        return pl.when(age.is_not_null()).then(round_fen(share * dibao_standard_fen))

    @model.formula(P, label=("计入低保家庭成员的分类施保加发", "top-up of a dibao member"), unit="fen/month")
    def dibao_member_topup_fen(dibao_member: pl.Expr, dibao_topup_person_fen: pl.Expr) -> pl.Expr:
        # A member left out of the dibao household (a tekun member) gets no dibao top-up.
        return pl.when(dibao_member).then(dibao_topup_person_fen).when(~dibao_member).then(0)

    model.aggregate(
        "dibao_topup_fen", "dibao_member_topup_fen", "sum", ("分类施保加发合计", "classified top-ups"), "fen/month"
    )

    @model.formula(H, label=("低保金（月）", "dibao benefit per month"), unit="fen/month", cite=CITE_13)
    def dibao_benefit_fen(dibao_eligible: pl.Expr, dibao_base_fen: pl.Expr, dibao_topup_fen: pl.Expr) -> pl.Expr:
        return pl.when(dibao_eligible).then(dibao_base_fen + dibao_topup_fen).when(~dibao_eligible).then(0)

    model.programme(
        Programme(
            id="dibao",
            label_zh="最低生活保障",
            label_en="Minimum living allowance (dibao)",
            entity=H,
            eligible="dibao_eligible",
            benefit="dibao_benefit_fen",
            conditions=conditions,
            amounts=(
                "dibao_standard_fen",
                "household_size",  # the registered household, beside the members dibao counts
                "dibao_household_size",
                "dibao_income_per_capita_fen",
                "dibao_gap_fen",
                "dibao_base_fen",
                "dibao_topup_fen",
                "dibao_benefit_fen",
            ),
            basis="社会救助暂行办法 第九条至第十三条；民发〔2021〕57号",
        )
    )


def _add_household_members(model: Model) -> None:
    """Who the dibao household counts: every registered member, less the tekun members where
    the local choice `dibao.tekun_members_excluded` says so (the default)."""

    @model.formula(
        P,
        label=("计入低保家庭的成员", "member counted in the dibao household"),
        cite=CITE_TEKUN,
        params={"exclude": "dibao.tekun_members_excluded"},
    )
    def dibao_member(tekun_eligible: pl.Expr, exclude: pl.Expr) -> pl.Expr:
        # 特困 support and 低保 are not held at once by one person (特困人员认定办法 第二十七条:
        # only a person whose tekun support ends is taken into dibao). A member whose tekun
        # status is unknown is an unknown member, so the household's size is unknown too.
        return pl.when(exclude).then(~tekun_eligible).otherwise(True)

    @model.formula(P, label=("计入低保家庭的人数", "counted in the dibao household"), unit="persons")
    def dibao_member_count(dibao_member: pl.Expr) -> pl.Expr:
        return pl.when(dibao_member).then(1).when(~dibao_member).then(0)

    model.aggregate(
        "dibao_household_size",
        "dibao_member_count",
        "sum",  # strict: one unknown member makes the size unknown ("count" would skip them)
        ("低保家庭计入人数", "members counted in the dibao household"),
        "persons",
    )

    @model.formula(
        P,
        label=("计入低保家庭的收入", "income counted in the dibao household"),
        unit="fen/month",
        cite=CITE_TEKUN,
    )
    def dibao_member_income_fen(dibao_member: pl.Expr, counted_income_fen: pl.Expr) -> pl.Expr:
        # A member outside the dibao household brings neither a share nor income to it.
        return pl.when(dibao_member).then(counted_income_fen).when(~dibao_member).then(0)

    model.aggregate(
        "dibao_household_income_fen",
        "dibao_member_income_fen",
        "sum",
        ("低保家庭月计入收入", "dibao household counted income per month"),
        "fen/month",
    )

    @model.formula(
        H,
        label=("低保家庭月人均收入", "dibao household income per capita per month"),
        unit="fen/month",
        cite=CITE_9,
    )
    def dibao_income_per_capita_fen(dibao_household_income_fen: pl.Expr, dibao_household_size: pl.Expr) -> pl.Expr:
        # A household with no member left (all tekun) has no income either: 0, so it is refused
        # by `dibao_has_members` alone, not by an income test that cannot be computed.
        return (
            pl.when(dibao_household_size > 0)
            .then(dibao_household_income_fen / dibao_household_size)
            .when(dibao_household_size == 0)
            .then(0.0)
        )


def add_single_person(model: Model) -> None:
    """单人保: a severely disabled member of a marginal household covered on their own.
    Needs the marginal programme's income test, so it is added after it."""

    @model.condition(
        P,
        label=(
            "单人保：边缘家庭中的重度残疾人",
            "single-person inclusion: severely disabled member of a marginal household",
        ),
        cite="民政部2021-07-28：低保边缘家庭中的重病、重度残疾人可单独申请",
        params={"enabled": "dibao.single_person_inclusion"},
    )
    def dibao_single_eligible(
        severely_disabled: pl.Expr, dibao_marginal_eligible: pl.Expr, enabled: pl.Expr
    ) -> pl.Expr:
        return enabled & severely_disabled & dibao_marginal_eligible

    @model.formula(P, label=("单人保低保金", "single-person dibao benefit"), unit="fen/month", cite=CITE_13)
    def dibao_single_benefit_fen(
        dibao_single_eligible: pl.Expr,
        dibao_standard_fen: pl.Expr,
        counted_income_fen: pl.Expr,
        dibao_topup_person_fen: pl.Expr,
    ) -> pl.Expr:
        own = (dibao_standard_fen - counted_income_fen).clip(lower_bound=0) + dibao_topup_person_fen
        return pl.when(dibao_single_eligible).then(own).when(~dibao_single_eligible).then(0)

    model.programme(
        Programme(
            id="dibao_single",
            label_zh="最低生活保障（单人保）",
            label_en="Dibao single-person inclusion",
            entity=P,
            eligible="dibao_single_eligible",
            benefit="dibao_single_benefit_fen",
            conditions=("dibao_single_eligible",),
            amounts=("dibao_standard_fen", "counted_income_fen", "dibao_topup_person_fen", "dibao_single_benefit_fen"),
            basis="民发〔2021〕57号；民政部2021-07-28发布会",
        )
    )
