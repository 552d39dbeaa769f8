"""The formula expression language of structural reforms: only its grammar is accepted (never run
as Python), every refusal names the file and line, and unknown stays unknown when compiled."""

from __future__ import annotations

import pickle

import polars as pl
import pytest

from minsheng.errors import RuleDataError
from minsheng.rules.expressions import MAX_LENGTH, Expression, parse

KINDS = {"income": "number", "standard": "number", "size": "number", "disabled": "bool", "area": "String"}
KINDS |= {"dibao.tier1_upper": "number", "dibao.tiered": "bool"}
FILE, LINE = "reform.yaml", 7


def refused(text: str) -> RuleDataError:
    with pytest.raises(RuleDataError) as info:
        parse(text, KINDS, file=FILE, line=LINE)
    assert (info.value.file, info.value.line) == (FILE, LINE)
    assert str(info.value).startswith(f"{FILE}:{LINE}")  # both languages carry file:line
    return info.value


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("__import__('os')", "calling __import__ is not allowed"),
        ("__import__('os').system('true')", "calling __import__('os').system is not allowed"),
        ("income.__class__", "attribute access is not allowed"),
        ("().__class__.__bases__", "attribute access is not allowed"),
        ("os.system", "attribute access is not allowed"),
        ("eval('1')", "calling eval is not allowed"),
        ("open('/etc/passwd')", "calling open is not allowed"),
        ("(lambda: 1)()", "calling lambda: 1 is not allowed"),
        ("lambda x: x", "lambda are not allowed"),
        ("[i for i in (1, 2)]", "comprehensions are not allowed"),
        ("sum(i for i in (1, 2))", "calling sum is not allowed"),
        ("max(i for i in (1, 2))", "comprehensions are not allowed"),
        ("income[0]", "subscripts are not allowed"),
        ("'text'", "only numbers and True/False"),
        ("income ** 2", "operator ** is not allowed"),
        ("income // 2", "operator // is not allowed"),
        ("income % 2", "operator % is not allowed"),
        ("max(income, key=standard)", "positional arguments only"),
        ("max(*income)", "positional arguments only"),
        ("(income := 1)", "assignment expressions"),
        ("income in (1, 2)", "tuples are not allowed"),
        ("import os", "not well formed"),
        ("income +", "not well formed"),
        ("no_such_node + 1", "there is no node named no_such_node"),
        ("dibao.no_such_parameter", "there is no parameter named dibao.no_such_parameter"),
        ("area == 1", "area is not a number or a yes/no value"),
        ("min", "min is a function"),
        ("abs(income, size)", "abs takes 1 arguments"),
        ("max(income)", "max takes at least 2 arguments"),
        ("income + disabled", "the right side of arithmetic must be a number"),
        ("not income", "the operand of not must be a yes/no value"),
        ("income < disabled", "the two sides of a comparison differ"),
        ("disabled < dibao.tiered", "yes/no values have no order"),
        ("income if income else 0", "the condition must be a yes/no value"),
        ("where(disabled, income, disabled)", "the two results of a conditional differ"),
        ("2 ** 99 if disabled else 1", "operator ** is not allowed"),
        ("99999999999999999999", "the number is too large"),
        ("1e999", "numbers must be finite"),
    ],
)
def test_what_the_grammar_does_not_have_is_refused_with_its_line(text: str, says: str) -> None:
    assert says in refused(text).en


def test_the_refusal_shows_the_fragment_in_chinese_too() -> None:
    err = refused("income + __import__('os')")
    assert "不允许调用 __import__" in err.zh and "__import__('os')" in err.zh


def test_an_expression_too_long_or_too_deep_is_refused() -> None:
    assert "too long" in refused("1 + " * (MAX_LENGTH // 4) + "1").en
    assert "too complex" in refused("1+" * 150 + "1").en
    assert refused("(" * 300 + "1" + ")" * 300)  # Python's own nesting limit, refused not crashed


def test_names_and_kinds() -> None:
    expr = parse("where(disabled, dibao.tier1_upper * standard, standard - income)", KINDS, file=FILE, line=LINE)
    assert expr.kind == "number"
    assert expr.args == ("disabled", "dibao.tier1_upper", "standard", "income")  # first use order
    assert parse("income < standard and not disabled", KINDS, file=FILE, line=LINE).kind == "bool"


def evaluate(text: str, **columns: list[object]) -> list[object]:
    expr = parse(text, KINDS, file=FILE, line=LINE)
    frame = pl.DataFrame({a: columns[a] for a in expr.args}, schema={a: _dtype(a) for a in expr.args})
    return frame.select(expr.build(*(pl.col(a) for a in expr.args)).alias("x"))["x"].to_list()


def _dtype(name: str) -> type[pl.DataType]:
    return pl.Boolean if KINDS[name] == "bool" else pl.Int64


def test_compiled_arithmetic_comparisons_and_conditionals() -> None:
    assert evaluate("max(standard * size - income, 0)", standard=[1520, 1520], size=[2, 1], income=[1000, 2000]) == [
        2040,
        0,
    ]
    assert evaluate("0 < income < standard", income=[0, 5, 10], standard=[10, 10, 10]) == [False, True, False]
    assert evaluate("round_fen(income / 3)", income=[100, 200]) == [33, 67]  # half up to the fen
    assert evaluate("abs(-income) + 1", income=[4]) == [5]
    assert evaluate("income if disabled else -income", income=[3, 3], disabled=[True, False]) == [3, -3]


def test_unknown_stays_unknown() -> None:
    # an unknown operand: unknown sum, unknown min/max (Polars' horizontal min/max alone skip nulls)
    assert evaluate("income + 1", income=[None]) == [None]
    assert evaluate("max(income, 0)", income=[None, -5]) == [None, 0]
    assert evaluate("min(income, standard)", income=[None], standard=[7]) == [None]
    # an unknown condition chooses neither branch (a plain otherwise would take the second)
    assert evaluate("where(disabled, 1, 2)", disabled=[None, True, False]) == [None, 1, 2]
    # Kleene: false wins an and, true wins an or
    assert evaluate("disabled and income > 0", disabled=[False, None], income=[None, 1]) == [False, None]
    assert evaluate("disabled or income > 0", disabled=[True, None], income=[None, 0]) == [True, None]
    # by zero: unknown, never inf
    assert evaluate("income / standard", income=[10, 10], standard=[0, 4]) == [None, 2.5]


def test_an_expression_pickles_for_spark_workers() -> None:
    expr = parse("where(disabled, income, 0)", KINDS, file=FILE, line=LINE)
    again = pickle.loads(pickle.dumps(expr))
    assert isinstance(again, Expression) and again.args == expr.args
    frame = pl.DataFrame({"disabled": [True, False], "income": [5, 5]})
    assert frame.select(again.build(pl.col("disabled"), pl.col("income")).alias("x"))["x"].to_list() == [5, 0]
