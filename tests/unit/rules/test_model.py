"""The rule model (规则模型) as a graph: `check` refuses what cannot be evaluated,
`order` puts dependencies first, `leaves` finds the inputs behind a node."""

from __future__ import annotations

import polars as pl
import pytest

from minsheng.errors import ModelError
from minsheng.programmes.registry import baseline, model
from minsheng.rules.model import Input, Model, Programme

H, P = "household", "person"


def toy() -> Model:
    """Household income per capita from members' wages: the shape of the real model."""
    m = Model()
    m.input("wage_fen", P, pl.Int64, ("工资", "wage"), "fen")
    m.input("assets_fen", H, pl.Int64, ("资产", "assets"), "fen")

    @m.formula(P, label=("成员", "member"))
    def member() -> pl.Expr:
        return pl.lit(True)

    m.aggregate("size", "member", "count", ("人数", "size"))
    m.aggregate("income_fen", "wage_fen", "sum", ("收入", "income"), "fen")

    @m.formula(H, label=("人均收入", "per capita"), unit="fen")
    def per_capita_fen(income_fen: pl.Expr, size: pl.Expr) -> pl.Expr:
        return income_fen / size

    @m.condition(H, label=("低于标准", "below the standard"), cite="第九条", params={"standard": "toy.standard"})
    def below(per_capita_fen: pl.Expr, standard: pl.Expr) -> pl.Expr:
        return per_capita_fen < standard

    @m.condition(H, label=("资产不超限", "assets within limit"), cite="第十条", params={"limit": "toy.limit"})
    def assets_ok(assets_fen: pl.Expr, limit: pl.Expr) -> pl.Expr:
        return assets_fen <= limit

    m.all_of("eligible", H, ("below", "assets_ok"), ("符合", "eligible"))
    return m


KNOWN = {"toy.standard", "toy.limit"}


def refused(m: Model, known: set[str] = KNOWN) -> ModelError:
    with pytest.raises(ModelError) as info:
        m.check(known)
    return info.value


def test_the_toy_model_passes() -> None:
    toy().check(KNOWN)


def test_the_shipped_model_passes_against_the_shipped_parameters() -> None:
    model().check(baseline().params)


def test_an_input_nothing_provides_is_named() -> None:
    m = toy()

    @m.formula(H, label=("x", "x"))
    def needs_rent(rent_fen: pl.Expr) -> pl.Expr:
        return rent_fen

    err = refused(m)
    assert "needs_rent" in err.en and "'rent_fen'" in err.en and "rent_fen" in err.zh


def test_an_unknown_parameter_is_named() -> None:
    err = refused(toy(), {"toy.standard"})
    assert "assets_ok" in err.en and "toy.limit" in err.en


def test_a_household_formula_cannot_use_a_person_node_directly() -> None:
    m = toy()

    @m.formula(H, label=("x", "x"))
    def household_wage(wage_fen: pl.Expr) -> pl.Expr:
        return wage_fen

    err = refused(m)
    assert "household_wage" in err.en and "wage_fen" in err.en and "aggregate it first" in err.en


def test_a_person_formula_may_use_a_household_node() -> None:
    m = toy()

    @m.formula(P, label=("x", "x"))
    def share_fen(wage_fen: pl.Expr, per_capita_fen: pl.Expr) -> pl.Expr:
        return wage_fen - per_capita_fen

    m.check(KNOWN)


def test_an_aggregate_of_a_household_node_is_refused() -> None:
    m = toy()
    m.aggregate("total_assets", "assets_fen", "sum", ("x", "x"))
    assert "total_assets" in refused(m).en


def test_a_cycle_is_reported_with_its_full_path() -> None:
    m = toy()

    @m.formula(H, label=("entry", "entry"))
    def entry(a: pl.Expr) -> pl.Expr:  # reaches the cycle from outside; not part of it
        return a

    @m.formula(H, label=("a", "a"))
    def a(b: pl.Expr) -> pl.Expr:
        return b

    @m.formula(H, label=("b", "b"))
    def b(c: pl.Expr) -> pl.Expr:
        return c

    @m.formula(H, label=("c", "c"))
    def c(a: pl.Expr, per_capita_fen: pl.Expr) -> pl.Expr:
        return a + per_capita_fen

    err = refused(m)
    rotations = ["a → b → c → a", "b → c → a → b", "c → a → b → c"]
    assert any(r in err.en for r in rotations), err.en
    assert any(r in err.zh for r in rotations), err.zh
    assert "entry" not in err.en


def test_a_self_reference_is_a_cycle() -> None:
    m = toy()

    @m.formula(H, label=("x", "x"))
    def loop(loop: pl.Expr) -> pl.Expr:
        return loop

    assert "loop → loop" in refused(m).en


def test_a_node_defined_twice_is_refused() -> None:
    m = toy()
    with pytest.raises(ModelError, match="defined twice"):
        m.input("wage_fen", P, pl.Int64, ("工资", "wage"))


def test_a_programme_naming_an_unknown_node_is_refused() -> None:
    with pytest.raises(ModelError, match="unknown node nope"):
        toy().programme(Programme("t", "甲", "T", H, eligible="eligible", benefit="nope", conditions=("below",)))


def _assert_dependencies_first(m: Model, order: list[str]) -> None:
    seen: set[str] = set()
    for name in order:
        assert set(m.deps(name)) <= seen, f"{name} comes before its dependencies {set(m.deps(name)) - seen}"
        seen.add(name)
    assert len(order) == len(set(order))


def test_order_puts_dependencies_first_and_only_what_is_needed() -> None:
    m = toy()
    order = m.order(["eligible"])
    _assert_dependencies_first(m, order)
    assert set(order) == set(m.nodes)
    only = m.order(["per_capita_fen"])
    _assert_dependencies_first(m, only)
    assert set(only) == {"wage_fen", "member", "size", "income_fen", "per_capita_fen"}
    assert only[-1] == "per_capita_fen"


def test_order_of_the_shipped_model_puts_dependencies_first() -> None:
    m = model()
    _assert_dependencies_first(m, m.order(list(reversed(list(m.nodes)))))


def test_order_names_a_node_that_does_not_exist() -> None:
    with pytest.raises(ModelError, match="no node named 'ghost'"):
        toy().order(["ghost"])


def test_leaves_are_the_inputs_behind_a_node() -> None:
    m = toy()
    assert set(m.leaves("below")) == {"wage_fen"}
    assert set(m.leaves("eligible")) == {"wage_fen", "assets_fen"}
    assert m.leaves("assets_fen") == ["assets_fen"]
    assert m.leaves("size") == []  # counting members needs no input
    assert all(isinstance(model().nodes[n], Input) for n in model().leaves("dibao_benefit_fen"))
    assert {"wage_income_fen", "birth_date", "financial_assets_fen"} <= set(model().leaves("dibao_benefit_fen"))
