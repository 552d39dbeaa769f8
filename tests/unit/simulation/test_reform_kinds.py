"""Reforms of two kinds over one synthetic county (issue 13 §1): a structural reform evaluates its
own model (the tier formula pays what the tiered parameter pays, to the fen; a replacement equal to
the model changes no figure), and take-up is a parameter: measured when unset, used when set."""

from __future__ import annotations

import textwrap
from pathlib import Path

import polars as pl
import pytest
from sim_world import DATE, RAISE_5

from minsheng.demo.local_params import demo_parameters
from minsheng.errors import MinshengError
from minsheng.programmes.registry import model
from minsheng.rules.reforms import apply, apply_model, parse_reform_text
from minsheng.simulation import jobs, study
from minsheng.simulation.figures import programme_totals, take_up_table
from minsheng.simulation.outcomes import Scenario, col, simulate

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "reforms" / "dibao_tiers_formula.yaml"
TIERED = textwrap.dedent("""\
    reform:
      id: tiered
    parameters:
      dibao.tiered:
        values:
          "110105":
            2021-07-01: {value: true}
""")
SAME = textwrap.dedent("""\
    reform:
      id: same
    formulas:
      dibao_gap_fen:
        expression: max(dibao_standard_fen * dibao_household_size - dibao_household_income_fen, 0)
      dibao_income_below_standard:
        expression: dibao_income_per_capita_fen < dibao_standard_fen
      dibao_topup_person_fen:
        expression: >
          round_fen((where(age >= dibao.elderly_age, dibao.topup_elderly, 0)
          + where(severely_disabled, dibao.topup_severe_disability, 0)
          + where(age < general.adult_age, dibao.topup_minor, 0)) * dibao_standard_fen)
""")
TAKE_UP = (
    '  simulation.take_up.dibao:\n    values:\n      "110105":\n        2026-01-01: {value: {urban: 0.8, rural: 0.9}}\n'
)


def scenario(text: str) -> Scenario:
    base = demo_parameters()
    reform = parse_reform_text(text, "reform.yaml", base, model())
    return Scenario(
        reform.id, reform.label_zh, reform.label_en, apply(base, reform), reform, apply_model(model(), reform)
    )


def base() -> Scenario:
    return Scenario("baseline", "现行政策", "current policy", demo_parameters())


def test_the_tier_formula_gives_what_the_tiered_parameter_gives(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    text = EXAMPLE.read_text(encoding="utf-8")
    out = simulate(model(), hh, pp, [base(), scenario(text), scenario(TIERED)], date=DATE)
    f = out.households
    for pid in out.programmes:
        for what in ("eligible", "persons", "benefit", "take_up"):
            assert f[col("tiers", pid, what)].equals(f[col("tiered", pid, what)]), (pid, what)
    changed = f.filter(pl.col(col("tiers", "dibao", "benefit")) != pl.col(col("baseline", "dibao", "benefit")))
    assert changed.height > 50  # the reform does something here
    totals = programme_totals(out)
    tiers, tiered = (totals.filter(pl.col("scenario") == s).drop("scenario") for s in ("tiers", "tiered"))
    assert tiers.equals(tiered)


def test_a_replacement_equal_to_the_model_changes_no_figure(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    done = study.run(model(), hh, pp, [base(), scenario(SAME)], [DATE], frame="representative")
    programmes = done.tables["programmes"].filter(pl.col("scenario") == "same")
    changes = [c for c in programmes.columns if c.endswith("_change")]
    assert programmes.select(pl.col(changes).abs().max()).row(0) == (0,) * len(changes)
    equity = done.tables["equity"]
    same, baseline_row = (equity.filter(pl.col("income") == s).drop("income") for s in ("same", "baseline"))
    assert same.equals(baseline_row)
    deciles = done.tables["deciles"].filter(pl.col("scenario") == "same")
    assert deciles.height > 0
    moved = [c for c in deciles.columns if c != "no_change" and ("change" in c or "gain" in c or "loss" in c)]
    assert moved and deciles.select(pl.col(moved).abs().max()).row(0) == (0,) * len(moved)


def test_scenarios_from_files_and_jobs_carry_their_model() -> None:
    from_files = study.scenarios_for(demo_parameters(), [EXAMPLE])
    assert from_files[0].model is model()
    assert from_files[1].model is not model() and from_files[1].model is not None
    assert from_files[1].model.nodes["dibao_gap_fen"].rule
    spec = jobs.Spec((EXAMPLE.read_text(encoding="utf-8"), RAISE_5), (DATE,))
    from_job = jobs.scenarios_for(demo_parameters(), spec)
    assert [s.id for s in from_job] == ["baseline", "tiers", "plus5"]
    assert from_job[1].model is not None and from_job[1].model.nodes["dibao_gap_fen"].rule
    assert from_job[2].model is model()  # a parameter reform keeps the model


# ---------------------------------------------------------------- take-up: measured, or set


def test_take_up_is_measured_when_not_set(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    done = study.run(model(), hh, pp, [base(), scenario(RAISE_5)], [DATE], frame="registry")
    rows = done.tables["assumptions"].filter(pl.col("assumption") == "simulation.take_up.dibao")
    assert set(rows["basis"]) == {"measured"}
    out = simulate(model(), hh, pp, [base(), scenario(RAISE_5)], date=DATE)
    for area, rate in rows.select("urban_rural", "take_up").iter_rows():
        assert rate == pytest.approx(out.take_up.rate("dibao", area))
    table = take_up_table(out).filter(pl.col("programme") == "dibao")
    assert set(table["basis"]) == {"measured"} and table["measured"].all()


def test_a_reform_sets_the_take_up_of_the_newly_eligible(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    reform = scenario(RAISE_5 + TAKE_UP)
    out = simulate(model(), hh, pp, [base(), reform], date=DATE)
    f = out.households
    new = f.filter(~pl.col(col("baseline", "dibao", "eligible")) & pl.col(col("plus5", "dibao", "eligible")))
    assert new.height > 0
    for area, take_up in new.select("urban_rural", col("plus5", "dibao", "take_up")).iter_rows():
        assert take_up == {"urban": 0.8, "rural": 0.9}[area]
    stays = f.filter(pl.col(col("baseline", "dibao", "eligible")) & pl.col(col("plus5", "dibao", "eligible")))
    assert stays[col("plus5", "dibao", "take_up")].equals(stays[col("baseline", "dibao", "take_up")])
    done = study.run(model(), hh, pp, [base(), reform], [DATE], frame="registry")
    rows = done.tables["assumptions"].filter(pl.col("assumption") == "simulation.take_up.dibao")
    got = {(s, a): (b, r) for s, a, b, r in rows.select("scenario", "urban_rural", "basis", "take_up").iter_rows()}
    assert got[("plus5", "urban")] == ("set", 0.8) and got[("plus5", "rural")] == ("set", 0.9)
    assert got[("baseline", "urban")][0] == "measured"  # the baseline's own rate is still measured
    assert got[("baseline", "urban")][1] == pytest.approx(out.take_up.rate("dibao", "urban"))


def test_a_set_rate_is_the_baseline_take_up_without_a_record_of_enrolment(
    county: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    hh, pp = county
    hh = hh.drop("enrolled")
    measured = simulate(model(), hh, pp, [base()], date=DATE)
    assert take_up_table(measured).filter(pl.col("programme") == "dibao")["basis"].to_list() == ["assumed"] * 2
    own = scenario("reform:\n  id: own\nparameters:\n" + TAKE_UP)  # the county's own rate, as the baseline
    out = simulate(model(), hh, pp, [Scenario("baseline", "现行", "current", own.params)], date=DATE)
    eligible = out.households.filter(pl.col(col("baseline", "dibao", "eligible")))
    assert eligible.height > 0
    for area, take_up in eligible.select("urban_rural", col("baseline", "dibao", "take_up")).iter_rows():
        assert take_up == {"urban": 0.8, "rural": 0.9}[area]
    table = take_up_table(out).filter(pl.col("programme") == "dibao")
    assert table.select("urban_rural", "take_up", "basis").rows() == [("urban", 0.8, "set"), ("rural", 0.9, "set")]


def test_a_take_up_rate_above_one_is_refused(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    hh, pp = county
    wrong = scenario(RAISE_5 + TAKE_UP.replace("0.8", "1.2").replace("0.9", "1.2"))
    with pytest.raises(MinshengError) as info:
        simulate(model(), hh.head(50), pp, [base(), wrong], date=DATE)
    assert "simulation.take_up.dibao must be between 0 and 1" in info.value.en
