"""Structural reforms (公式替换): a reform's `formulas:` replace nodes of the model, checked when the
reform is read (file:line), evaluated in a new model while the baseline's stays as it was, and
explained with the reform's rule and citation."""

from __future__ import annotations

import datetime as dt
import pickle
import textwrap
from pathlib import Path

import cloudpickle
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from rule_households import adult, build, case

from minsheng.demo.local_params import demo_parameters
from minsheng.errors import RuleDataError
from minsheng.programmes.registry import model
from minsheng.rules.evaluate import default_outputs, evaluate
from minsheng.rules.explain import explain_household
from minsheng.rules.explain_text import render
from minsheng.rules.model import Formula
from minsheng.rules.reforms import apply, apply_model, load_reform, parse_reform_text

FILE = "reforms/structural.yaml"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "reforms" / "dibao_tiers_formula.yaml"
CHAOYANG = "110105001001"  # the demo county: 1,520 yuan from 2025-07-01
DONGCHENG = "110101001"  # the same province's other county (the test lays the demo values on it: 1,520 yuan)
HEAD = "reform:\n  id: r\nformulas:\n"
TIERED_PARAMETER = textwrap.dedent("""\
    reform:
      id: tiered
    parameters:
      dibao.tiered:
        values:
          "110105":
            2021-07-01: {value: true}
""")
# The model's own gap and income test, written in the expression language.
SAME = textwrap.dedent("""\
    reform:
      id: same
    formulas:
      dibao_gap_fen:
        expression: max(dibao_standard_fen * dibao_household_size - dibao_household_income_fen, 0)
      dibao_income_below_standard:
        expression: dibao_income_per_capita_fen < dibao_standard_fen
""")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def formula(node: str, expression: str, extra: str = "") -> str:
    return HEAD + f'  {node}:\n{extra}    expression: "{expression}"\n'


def refused(text: str) -> RuleDataError:
    with pytest.raises(RuleDataError) as info:
        parse_reform_text(text, FILE, demo_parameters(), model())
    assert info.value.file == FILE
    return info.value


# ---------------------------------------------------------------- refused when read, with the line


def test_an_unknown_node_is_refused_on_its_line() -> None:
    text = formula("dibao_gap_fenn", "0")
    err = refused(text)
    assert err.line == line_of(text, "dibao_gap_fenn")
    assert "has no node dibao_gap_fenn (did you mean dibao_gap_fen?)" in err.en


def test_an_input_or_an_aggregate_is_not_a_formula() -> None:
    assert "urban_rural is an input, not a formula" in refused(formula("urban_rural", "1")).en
    assert "dibao_topup_fen is an aggregate" in refused(formula("dibao_topup_fen", "0")).en


def test_an_unknown_name_in_the_expression_is_refused_on_the_expression_line() -> None:
    text = formula("dibao_gap_fen", "dibao_standard_fen - dibao_incme_fen", "    label: {zh: 差额, en: gap}\n")
    err = refused(text)
    assert err.line == line_of(text, "expression:")
    assert "there is no node named dibao_incme_fen" in err.en


def test_a_person_node_in_a_household_formula_names_its_household_total() -> None:
    err = refused(formula("dibao_gap_fen", "dibao_standard_fen - dibao_member_income_fen"))
    assert "dibao_member_income_fen is a person node" in err.en
    assert "use its household total dibao_household_income_fen" in err.en
    assert "个人层面" in err.zh


def test_a_person_formula_may_read_its_household() -> None:
    text = formula("dibao_topup_person_fen", "round_fen(0.1 * dibao_standard_fen) if age >= 60 else 0")
    reform = parse_reform_text(text, FILE, demo_parameters(), model())
    assert reform.formulas["dibao_topup_person_fen"].entity == "person"


def test_a_cycle_the_replacement_makes_is_refused_with_its_path() -> None:
    text = formula("dibao_standard_fen", "dibao_gap_fen / dibao_household_size")
    err = refused(text)
    assert err.line == line_of(text, "dibao_standard_fen:")
    assert "cycle" in err.en and "dibao_standard_fen" in err.en and "dibao_gap_fen" in err.en
    assert "循环" in err.zh
    assert "cycle: dibao_gap_fen → dibao_gap_fen" in refused(formula("dibao_gap_fen", "dibao_gap_fen + 1")).en


def test_a_type_mismatch_is_refused() -> None:
    err = refused(formula("dibao_income_below_standard", "dibao_standard_fen - 1"))
    assert "type mismatch: node dibao_income_below_standard is a yes/no value" in err.en
    err = refused(formula("dibao_gap_fen", "dibao_standard_fen > 0"))
    assert "node dibao_gap_fen is a number, the expression gives a yes/no value" in err.en


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "dibao_standard_fen.__class__",
        "open('x')",
        "(lambda: 0)()",
        "[x for x in (1, 2)]",
        "dibao_standard_fen ** 2",
    ],
)
def test_forbidden_syntax_in_a_reform_file_is_refused_on_its_line(expression: str) -> None:
    text = HEAD + "  dibao_gap_fen:\n    label: {zh: 差额, en: gap}\n    expression: >\n      " + expression + "\n"
    err = refused(text)
    assert err.line == line_of(text, "expression:")
    assert "not allowed" in err.en


def test_a_formula_needs_known_keys_regions_and_dates() -> None:
    text = formula("dibao_gap_fen", "0", "    regoins: ['110105']\n")
    err = refused(text)
    assert err.line == line_of(text, "regoins") and "unknown key 'regoins'" in err.en
    assert "unknown region code" in refused(formula("dibao_gap_fen", "0", "    regions: ['999999']\n")).en
    assert "is not YYYY-MM-DD" in refused(formula("dibao_gap_fen", "0", "    from: 2026-1-1\n")).en
    assert "date 2026-13-01 does not exist" in refused(formula("dibao_gap_fen", "0", "    from: 2026-13-01\n")).en


def test_a_reform_with_formulas_must_be_read_with_the_model() -> None:
    with pytest.raises(RuleDataError) as info:
        parse_reform_text(formula("dibao_gap_fen", "0"), FILE, demo_parameters())
    assert "must be read with the model" in info.value.en


# ---------------------------------------------------------------- evaluated in a new model


TIER_CASES = [
    case(CHAOYANG, [adult(wage_income=1000), adult()]),  # 500 / 1520 = 0.33 → tier 2
    case(CHAOYANG, [adult()]),  # 0 → tier 1
    case(CHAOYANG, [adult(wage_income=456)]),  # 0.30 exactly → not below 0.3: tier 2
    case(CHAOYANG, [adult(wage_income=3000), adult(), adult()]),  # 0.66 → tier 3
    case(CHAOYANG, [adult(birth_date="1950-03-01", wage_income=500, supporter_capable=1)]),  # tier 2 + elderly
    case(CHAOYANG, [adult(wage_income=1600)]),  # above the standard
    case(DONGCHENG, [adult(wage_income=1000), adult()]),  # another county: the gap stays
]


def outputs(rules: object, params: object, *cases: object) -> pl.DataFrame:
    hh, pp = build(*cases)  # type: ignore[arg-type]
    m = rules if rules is not None else model()
    return evaluate(m, params, hh, pp, outputs=default_outputs(model())).households  # type: ignore[arg-type]


def test_the_tier_formula_pays_what_the_tiered_parameter_pays_to_the_fen() -> None:
    base = demo_parameters("110101", demo_parameters())  # Dongcheng too: the demo's values, its own gap payment
    reform = load_reform(EXAMPLE, base, model())
    assert set(reform.formulas) == {"dibao_gap_fen"} and not reform.changes
    structural = outputs(apply_model(model(), reform), apply(base, reform), *TIER_CASES)
    parameter = outputs(model(), apply(base, parse_reform_text(TIERED_PARAMETER, FILE, base)), *TIER_CASES)
    benefit = structural.get_column("dibao_benefit_fen").to_list()
    assert benefit == parameter.get_column("dibao_benefit_fen").to_list()
    # 60 % × 1,520 per person; 90 %; 60 %; 30 % × 3 (above the 20 % floor); 60 % + elderly 10 %; none; the gap
    assert benefit == [2 * 912_00, 1368_00, 912_00, 3 * 456_00, 912_00 + 152_00, 0, 2 * 1520_00 - 1000_00]
    assert structural.get_column("dibao_base_fen").equals(parameter.get_column("dibao_base_fen"))


def test_a_replacement_equal_to_the_model_changes_nothing() -> None:
    base = demo_parameters()
    reform = parse_reform_text(SAME, FILE, base, model())
    assert_frame_equal(outputs(apply_model(model(), reform), base, *TIER_CASES), outputs(model(), base, *TIER_CASES))


def test_the_baseline_model_is_not_changed() -> None:
    base = demo_parameters()
    nodes_before = dict(model().nodes)
    before = outputs(model(), base, *TIER_CASES)
    reform = load_reform(EXAMPLE, base, model())
    reformed = apply_model(model(), reform)
    evaluate_reformed = outputs(reformed, base, *TIER_CASES)
    after = outputs(model(), base, *TIER_CASES)
    assert_frame_equal(before, after)
    assert not before.equals(evaluate_reformed)  # the reform did change something …
    assert model().nodes == nodes_before and all(model().nodes[n] is nodes_before[n] for n in nodes_before)
    assert reformed is not model() and reformed.nodes is not model().nodes  # … in a model of its own
    assert reformed.nodes["dibao_standard_fen"] is model().nodes["dibao_standard_fen"]  # sharing the rest
    assert apply_model(model(), parse_reform_text(TIERED_PARAMETER, FILE, base)) is model()


def test_from_a_date_the_replacement_applies_and_before_it_the_model_rule() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('regions: ["110105"]', "from: 2025-09-01")
    reform = parse_reform_text(text, FILE, demo_parameters(), model())
    got = outputs(
        apply_model(model(), reform),
        demo_parameters(),
        case(CHAOYANG, [adult(wage_income=1000), adult()], date=dt.date(2025, 8, 31)),
        case(CHAOYANG, [adult(wage_income=1000), adult()], date=dt.date(2025, 9, 1)),
    )
    assert got.get_column("dibao_benefit_fen").to_list() == [2040_00, 1824_00]  # the gap, then tier 2


def test_an_amount_in_fen_stays_whole_fen_rounded_half_up() -> None:
    text = formula("dibao_gap_fen", "dibao_standard_fen * dibao_household_size / 3")
    reform = parse_reform_text(text, FILE, demo_parameters(), model())
    node = reform.formulas["dibao_gap_fen"]
    assert node.rule == "round_fen(dibao_standard_fen * dibao_household_size / 3)"  # said, not hidden
    got = outputs(apply_model(model(), reform), demo_parameters(), case(CHAOYANG, [adult(wage_income=5000)]))
    assert got.schema["dibao_gap_fen"] == pl.Int64
    assert got.get_column("dibao_gap_fen").to_list() == [50667]  # 152,000 / 3 = 50,666.67 fen


def test_a_reformed_model_travels_to_spark_workers() -> None:
    reform = load_reform(EXAMPLE, demo_parameters(), model())
    node = reform.formulas["dibao_gap_fen"]
    assert isinstance(node, Formula)
    again = cloudpickle.loads(cloudpickle.dumps(apply_model(model(), reform)))
    got = outputs(again, demo_parameters(), *TIER_CASES)
    assert got.get_column("dibao_benefit_fen").to_list()[:2] == [2 * 912_00, 1368_00]
    unscoped = parse_reform_text(SAME, FILE, demo_parameters(), model()).formulas["dibao_gap_fen"]
    pickle.loads(pickle.dumps(unscoped.fn))  # without a scope, plain pickle too


# ---------------------------------------------------------------- explained with the reform's rule


def test_an_explanation_shows_the_rule_and_cites_the_reform() -> None:
    reform = load_reform(EXAMPLE, demo_parameters(), model())
    hh, pp = build(case(CHAOYANG, [adult(wage_income=1000), adult()]))
    expl = explain_household(
        apply_model(model(), reform), demo_parameters(), hh, pp, "S00000", date=dt.date(2025, 8, 1)
    )
    dibao = next(p for p in expl["programmes"] if p["id"] == "dibao")
    [replaced] = dibao["reformed"]
    assert replaced["id"] == "dibao_gap_fen" and replaced["value"] == 1824.0
    assert replaced["label"]["zh"] == "分档补助（替代差额补助）"
    assert "dibao.tier1_payment * dibao_standard_fen" in replaced["rule"] and "110105" in replaced["rule"]
    assert replaced["cite"].startswith("改革方案 reform tiers") and "第二十三条" in replaced["cite"]
    assert "改革方案替换的公式：分档补助（替代差额补助） = 1,824.00 元" in render(expl, "zh")
    assert "formula replaced by a reform: tiered payment (in place of the gap) = 1,824.00 yuan" in render(expl, "en")
    plain = explain_household(model(), demo_parameters(), hh, pp, "S00000", date=dt.date(2025, 8, 1))
    assert all("reformed" not in p for p in plain["programmes"])  # the baseline's has none


def test_a_replaced_condition_carries_its_rule() -> None:
    reform = parse_reform_text(SAME, FILE, demo_parameters(), model())
    hh, pp = build(case(CHAOYANG, [adult(wage_income=1000)]))
    expl = explain_household(
        apply_model(model(), reform), demo_parameters(), hh, pp, "S00000", date=dt.date(2025, 8, 1)
    )
    dibao = next(p for p in expl["programmes"] if p["id"] == "dibao")
    cond = next(c for c in dibao["conditions"] if c["id"] == "dibao_income_below_standard")
    assert cond["rule"] == "dibao_income_per_capita_fen < dibao_standard_fen"
    assert cond["cite"] == "改革方案 reform same" and cond["result"] is True
    assert "规则：dibao_income_per_capita_fen < dibao_standard_fen" in render(expl, "zh")
