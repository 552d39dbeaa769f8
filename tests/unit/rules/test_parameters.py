"""Parameters (参数): bad rule data fails at load with file, line and what to fix;
lookups walk county → city → province → national on the date asked."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from minsheng.errors import MissingParameterValue, RuleDataError
from minsheng.rules import yamlsrc
from minsheng.rules.evaluate import evaluate
from minsheng.rules.model import Model
from minsheng.rules.parameter_files import load_parameters, parse_parameter
from minsheng.rules.parameters import NATIONAL, Parameter, ParameterSet

FILE = "demo/param.yaml"


def parse(text: str) -> Parameter:
    text = textwrap.dedent(text)
    return parse_parameter(yamlsrc.load_text(text, FILE), FILE)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `needle`."""
    hits = [i for i, line in enumerate(textwrap.dedent(text).splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def rejected(text: str) -> RuleDataError:
    with pytest.raises(RuleDataError) as info:
        parse(text)
    assert info.value.file == FILE
    return info.value


GOOD = textwrap.dedent("""\
    # the standard, for the tests
    id: demo.standard
    label: {zh: 标准, en: Standard}
    unit: yuan/month
    kind: money
    values:
      CN:
        2024-01-01: {value: 100, source: {doc: 文件, clause: 第一条}}
""")


def test_the_good_file_loads() -> None:
    param = parse(GOOD)
    assert param.id == "demo.standard"
    assert [(e.region, e.effective, e.value) for e in param.entries] == [
        (NATIONAL, dt.date(2024, 1, 1), {"": 10000.0})  # money is kept in fen
    ]


# ---------------------------------------------------------------- bad rule data: the line


def test_malformed_yaml_names_the_line() -> None:
    text = GOOD.replace("unit: yuan/month", "unit: [yuan, month")
    err = rejected(text)
    assert err.line == line_of(text, "kind: money")  # where the parser found the unclosed list
    assert "malformed YAML" in err.en


@pytest.mark.parametrize("key", ["id", "label", "kind", "values"])
def test_a_missing_required_key_is_reported_at_the_top_of_the_mapping(key: str) -> None:
    lines = [line for line in textwrap.dedent(GOOD).splitlines(keepends=True) if not line.startswith(f"{key}:")]
    if key == "values":  # drop the whole block
        lines = [line for line in lines if not line.startswith(" ")]
    err = rejected("".join(lines))
    assert err.line == 2  # line 1 is a comment; the mapping starts on line 2
    assert f"'{key}'" in err.en


def test_a_label_without_english_is_refused() -> None:
    text = GOOD.replace("label: {zh: 标准, en: Standard}", "label: {zh: 标准}")
    err = rejected(text)
    assert err.line == line_of(text, "label:")
    assert "zh and en" in err.en


def test_a_value_without_source_is_refused_on_its_line() -> None:
    text = GOOD + "    2025-01-01: {value: 120}\n"
    err = rejected(text)
    assert err.line == line_of(text, "2025-01-01")
    assert "no source" in err.en


def test_a_block_value_without_source_points_at_the_entry() -> None:
    text = GOOD + "    2025-01-01:\n      value: 120\n"
    err = rejected(text)
    assert err.line in (line_of(text, "2025-01-01"), line_of(text, "value: 120"))


def test_a_source_with_only_a_doc_is_refused() -> None:
    text = GOOD + "    2025-01-01:\n      value: 120\n      source:\n        doc: 某文件\n"
    err = rejected(text)
    assert err.line == line_of(text, "source:", nth=2)
    assert "url or clause" in err.en


@pytest.mark.parametrize(
    "source", ["{doc: 某文件, url: 'https://example.org'}", "{title: 某标题, clause: 第二条}", "{local_choice: 示范值}"]
)
def test_a_complete_source_is_accepted(source: str) -> None:
    parse(GOOD + f"    2025-01-01: {{value: 120, source: {source}}}\n")


def test_dates_out_of_order_are_refused_at_the_earlier_date() -> None:
    text = GOOD.replace("2024-01-01", "2025-06-01") + "    2025-01-01: {value: 120, source: {local_choice: x}}\n"
    err = rejected(text)
    assert err.line == line_of(text, "2025-01-01")
    assert "increasing order" in err.en


def test_a_repeated_date_in_one_region_is_refused() -> None:
    # PyYAML keeps the last of two equal keys; the repeat must not pass silently.
    text = GOOD + "    2024-01-01: {value: 120, source: {local_choice: x}}\n"
    err = rejected(text)
    assert err.line == line_of(text, "2024-01-01", nth=2)
    assert "repeated" in err.en


def test_one_region_written_twice_is_refused() -> None:
    # "11" and "110000" are the same province; its dates would be resolved in file order.
    text = GOOD + (
        '  "11":\n'
        "    2025-01-01: {value: 120, source: {local_choice: x}}\n"
        '  "110000":\n'
        "    2024-01-01: {value: 110, source: {local_choice: x}}\n"
    )
    err = rejected(text)
    assert err.line == line_of(text, '"110000"')


@pytest.mark.parametrize("date", ["2024-13-01", "2024/01/01", "20240101", "2024-W01-1", "2024-1-1", "2024-02-30"])
def test_a_malformed_date_is_refused_on_its_line(date: str) -> None:
    text = GOOD + f"    {date}: {{value: 120, source: {{local_choice: x}}}}\n"
    err = rejected(text)
    assert err.line == line_of(text, date)
    assert "YYYY-MM-DD" in err.en


@pytest.mark.parametrize("code", ["999999", "110105001", "1101050", "abc"])
def test_an_unknown_or_township_region_is_refused(code: str) -> None:
    text = GOOD + f'  "{code}":\n    2024-01-01: {{value: 1, source: {{local_choice: x}}}}\n'
    err = rejected(text)
    assert err.line == line_of(text, f'"{code}"')
    assert "unknown region code" in err.en


@pytest.mark.parametrize("code", ["11", "110000", "1101", "110100", "110105", "CN"])
def test_province_city_and_county_codes_are_accepted(code: str) -> None:
    param = parse(GOOD.replace("CN:", f'"{code}":'))
    assert (
        param.entries[0].region
        == {"11": "11", "110000": "11", "1101": "1101", "110100": "1101", "110105": "110105", "CN": NATIONAL}[code]
    )


@pytest.mark.parametrize("value", ["100.005", "-1", "-0.01", ".nan", ".inf", "1e400"])
def test_bad_money_is_refused_on_its_line(value: str) -> None:
    text = GOOD + f"    2025-01-01: {{value: {value}, source: {{local_choice: x}}}}\n"
    err = rejected(text)
    assert err.line == line_of(text, "2025-01-01")


def test_money_with_two_decimals_is_exact_in_fen() -> None:
    param = parse(GOOD + "    2025-01-01: {value: 1519.99, source: {local_choice: x}}\n")
    assert param.entries[-1].value == {"": 151999.0}


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "abc", "true"])
def test_a_ratio_must_be_a_finite_number(value: str) -> None:
    text = (
        GOOD.replace("kind: money", "kind: ratio")
        + f"    2025-01-01: {{value: {value}, source: {{local_choice: x}}}}\n"
    )
    err = rejected(text)
    assert err.line == line_of(text, "2025-01-01")


AXIS = textwrap.dedent("""\
    id: demo.axis
    label: {zh: 标准, en: Standard}
    unit: yuan/month
    kind: money
    axis: urban_rural
    values:
      CN:
        2024-01-01:
          value: {urban: 100, rural: 80}
          source: {local_choice: x}
""")


def test_an_axis_value_must_give_rural_too() -> None:
    text = AXIS.replace("{urban: 100, rural: 80}", "{urban: 100}")
    err = rejected(text)
    assert err.line == line_of(text, "value:")
    assert "urban, rural" in err.en


def test_a_dict_value_without_an_axis_is_refused() -> None:
    text = AXIS.replace("axis: urban_rural\n", "")
    err = rejected(text)
    assert err.line == line_of(text, "value:")
    assert "no axis" in err.en


def test_a_duplicate_id_across_files_names_the_second_file_and_its_id_line(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "one.yaml").write_text(textwrap.dedent(GOOD), encoding="utf-8")
    (tmp_path / "b" / "two.yaml").write_text(textwrap.dedent(GOOD), encoding="utf-8")
    with pytest.raises(RuleDataError) as info:
        load_parameters(tmp_path)
    assert info.value.file == str(tmp_path / "b" / "two.yaml")
    assert info.value.line == line_of(GOOD, "id:")
    assert "defined twice" in info.value.en and "one.yaml" in info.value.en


# ---------------------------------------------------------------- lookups

LEVELS = textwrap.dedent("""\
    id: demo.levels
    label: {zh: 分级, en: Levels}
    unit: yuan/month
    kind: money
    values:
      CN:
        2024-01-01: {value: 100, source: {local_choice: national}}
      "13":
        2024-01-01: {value: 200, source: {local_choice: province}}
        2025-01-01: {value: 250, source: {local_choice: province rise}}
      "1301":
        2024-01-01: {value: 300, source: {local_choice: city}}
      "130102":
        2024-01-01: {value: 400, source: {local_choice: county}}
        2025-07-01: {value: 450, source: {local_choice: county rise}}
      "130104":
        2024-01-01: {value: null, source: {local_choice: not applicable here}}
""")


@pytest.fixture(scope="module")
def levels() -> ParameterSet:
    return ParameterSet({"demo.levels": parse(LEVELS)})


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("130102001", 400),  # the county's own value
        ("130105001", 300),  # another county of the city: the city's
        ("130203", 250),  # a county of another city in the province: the province's (2025 rise)
        ("110105001001", 100),  # another province: national
        ("130102", 400),
        ("1301", 300),
    ],
)
def test_the_walk_takes_the_nearest_level(levels: ParameterSet, region: str, expected: float) -> None:
    assert levels.value("demo.levels", region, dt.date(2025, 3, 1)) == expected


def test_a_dated_change_applies_from_its_effective_date(levels: ParameterSet) -> None:
    assert levels.value("demo.levels", "130102001", dt.date(2025, 6, 30)) == 400
    assert levels.value("demo.levels", "130102001", dt.date(2025, 7, 1)) == 450
    assert levels.value("demo.levels", "130203", dt.date(2024, 12, 31)) == 200
    assert levels.value("demo.levels", "130203", dt.date(2025, 1, 1)) == 250


def test_a_newer_value_higher_up_does_not_override_an_older_one_below(levels: ParameterSet) -> None:
    # The province rose on 2025-01-01; the county's 2024 value still stands until its own rise.
    assert levels.value("demo.levels", "130102001", dt.date(2025, 1, 1)) == 400


def test_before_the_first_date_there_is_no_value(levels: ParameterSet) -> None:
    assert levels.value("demo.levels", "130102001", dt.date(2023, 12, 31)) is None


def test_null_at_a_county_stops_the_walk(levels: ParameterSet) -> None:
    assert levels.value("demo.levels", "130104001", dt.date(2025, 3, 1)) is None  # although 1301 and 13 have values
    level, entry = levels.compiled("demo.levels").provenance(_index(levels, "130104"), dt.date(2025, 3, 1))
    assert level == "county" and entry is not None and entry.value is None


def test_provenance_names_the_level_that_supplied_the_value(levels: ParameterSet) -> None:
    comp = levels.compiled("demo.levels")
    for code, level, effective in (
        ("130102", "county", "2025-07-01"),
        ("130105", "city", "2024-01-01"),
        ("130203", "province", "2025-01-01"),
        ("110105", "national", "2024-01-01"),
    ):
        found, entry = comp.provenance(_index(levels, code), dt.date(2025, 8, 1))
        assert (found, entry.effective.isoformat() if entry else None) == (level, effective), code


def _index(params: ParameterSet, code: str) -> int:
    return params.regions.position[code]


def test_the_axis_picks_urban_or_rural() -> None:
    params = ParameterSet({"demo.axis": parse(AXIS)})
    assert params.value("demo.axis", "110105", dt.date(2024, 6, 1), "urban") == 100
    assert params.value("demo.axis", "110105", dt.date(2024, 6, 1), "rural") == 80


def test_a_retired_county_falls_back_to_its_city_then_province() -> None:
    text = """\
        id: demo.city
        label: {zh: 市级, en: City}
        unit: yuan/month
        kind: money
        values:
          "11":
            2024-01-01: {value: 10, source: {local_choice: x}}
          "1101":
            2024-01-01: {value: 20, source: {local_choice: x}}
    """
    params = ParameterSet({"demo.city": parse(text)})
    regions = params.regions
    assert "110103" not in regions.position  # 崇文区, merged into 东城区 in 2010
    found = pl.select(regions.of(pl.Series(["110103", "110103001", "119999", "999999", "110105001001"]))).to_series()
    assert found.to_list() == [
        regions.position["1101"],
        regions.position["1101"],
        regions.position["11"],
        0,
        regions.position["110105"],
    ]
    assert params.value("demo.city", "110103001", dt.date(2025, 1, 1)) == 20
    assert params.value("demo.city", "119999", dt.date(2025, 1, 1)) == 10


# ---------------------------------------------------------------- missing: error / unknown through evaluate


def _toy(pid: str) -> Model:
    m = Model()
    m.input("residence_division", "household", pl.String, ("居住地", "residence"))

    @m.formula("household", label=("取值", "value"), params={"v": pid})
    def looked_up(v: pl.Expr) -> pl.Expr:
        return v

    return m


def _households(*regions: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    hh = pl.DataFrame({"household_id": [f"h{i}" for i in range(len(regions))], "residence_division": list(regions)})
    pp = pl.DataFrame(schema={"person_id": pl.String, "household_id": pl.String})
    return hh, pp


PROVINCE_ONLY = textwrap.dedent("""\
    id: demo.province
    label: {zh: 省级, en: Province}
    unit: yuan/month
    kind: money
    missing: %s
    values:
      "13":
        2024-01-01: {value: 200, source: {local_choice: x}}
""")


@pytest.mark.parametrize("missing", ["error", "unknown"])
def test_missing_error_raises_and_missing_unknown_gives_null(missing: str) -> None:
    params = ParameterSet({"demo.province": parse(PROVINCE_ONLY % missing)})
    hh, pp = _households("130102001", "110105001")  # the second has no value anywhere up its chain
    run = lambda: evaluate(_toy("demo.province"), params, hh, pp, date=dt.date(2025, 8, 1), outputs=["looked_up"])  # noqa: E731
    if missing == "error":
        with pytest.raises(MissingParameterValue) as info:
            run()
        assert "demo.province" in info.value.en and "110105" in info.value.en
    else:
        assert run().households.get_column("looked_up").to_list() == [20000, None]


def test_a_local_rule_no_place_has_set_may_ship_without_values() -> None:
    # `missing: unknown` with `values: {}`: every place sets its own (a county's values are laid over it);
    # under `missing: error` every lookup would fail, so the file is refused where it says so.
    empty = PROVINCE_ONLY.split("values:")[0] + "values: {}\n"
    params = ParameterSet({"demo.province": parse(empty % "unknown")})
    assert params["demo.province"].entries == ()
    hh, pp = _households("130102001")
    result = evaluate(_toy("demo.province"), params, hh, pp, date=dt.date(2025, 8, 1), outputs=["looked_up"])
    assert result.households.get_column("looked_up").to_list() == [None]
    err = rejected(empty % "error")
    assert err.line == line_of(empty % "error", "values:")
    assert "values must map region" in err.en


def test_missing_error_also_refuses_a_null_value() -> None:
    params = ParameterSet({"demo.levels": parse(LEVELS.replace("kind: money\n", "kind: money\nmissing: error\n"))})
    hh, pp = _households("130102001", "130104001")
    with pytest.raises(MissingParameterValue):
        evaluate(_toy("demo.levels"), params, hh, pp, date=dt.date(2025, 8, 1), outputs=["looked_up"])


# ---------------------------------------------------------------- the compiled table against a hand walk

CODES = ["11", "1101", "110101", "110105", "13", "1301", "130102", "130104", "1302", "130203", "31", "3101", "310101"]


def _random_parameter(rng: np.random.Generator) -> str:
    lines = [
        "id: demo.random",
        "label: {zh: 随机, en: Random}",
        "unit: ratio",
        "kind: ratio",
        "axis: urban_rural",
        "values:",
    ]
    for region in ["CN", *CODES]:
        if rng.random() < 0.4:
            continue
        lines.append(f'  "{region}":' if region != "CN" else "  CN:")
        day = dt.date(2023, 1, 1)
        for _ in range(int(rng.integers(1, 4))):
            day += dt.timedelta(days=int(rng.integers(1, 400)))
            if rng.random() < 0.15:
                value = "null"
            else:
                value = f"{{urban: {rng.integers(0, 1000) / 100}, rural: {rng.integers(0, 1000) / 100}}}"
            lines.append(f"    {day.isoformat()}: {{value: {value}, source: {{local_choice: r}}}}")
    if lines[-1] == "values:":
        lines += ["  CN:", "    2024-01-01: {value: 1, source: {local_choice: r}}"]
    return "\n".join(lines) + "\n"


def _by_hand(param: Parameter, region: str, day: dt.date, axis: str) -> float:
    """The rule as written: the deepest level with a value in force on the day; null stops the walk."""
    for size in (6, 4, 2, 0):
        if size > len(region):
            continue
        code = region[:size]
        in_force = [e for e in param.entries if e.region == code and e.effective <= day]
        if in_force:
            latest = max(in_force, key=lambda e: e.effective)
            return math.nan if latest.value is None else latest.value[axis]
    return math.nan


@pytest.mark.parametrize("seed", range(5))
def test_compiled_lookup_equals_a_walk_by_hand(seed: int) -> None:
    rng = np.random.default_rng(seed)
    param = parse_parameter(yamlsrc.load_text(_random_parameter(rng), FILE), FILE)
    params = ParameterSet({"demo.random": param})
    comp = params.compiled("demo.random")
    n = 1000
    codes = [*CODES, "110102", "130105", "1302", "440106", "12"]  # some with nothing of their own
    regions = [codes[i] for i in rng.integers(0, len(codes), n)]
    days = [dt.date(2022, 6, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1600, n)]
    axes = rng.integers(0, 2, n)
    region_idx = np.array([params.regions.position[r] for r in regions])
    got = comp.lookup(region_idx, np.array(days, dtype="datetime64[D]"), axes)
    expected = np.array(
        [_by_hand(param, r, d, ("urban", "rural")[a]) for r, d, a in zip(regions, days, axes, strict=True)]
    )
    np.testing.assert_array_equal(got, expected)  # NaN equals NaN here
    assert np.isnan(expected).any() and not np.isnan(expected).all()  # the draw exercises both
