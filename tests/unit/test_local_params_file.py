"""Local parameters outside the database (issue 12 §5): a YAML or Excel file checked as the import
checks it, the demo county's own file (it gives the demo county exactly the values the shipped
files gave it before those entries left the package), and the page's overview of statuses."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from minsheng.demo.local_params import DEMO_FILE, demo_parameters
from minsheng.errors import ImportRejected
from minsheng.localparams import local_file, overview, workbook
from minsheng.localparams.values import LocalValue, overlay
from minsheng.programmes.local_choices import local_choices, missing_local_parameters
from minsheng.programmes.registry import baseline, model
from minsheng.rules.parameters import Entry, Source, layered
from minsheng.rules.scenarios import load_cases, run

DEMO = "110105"
SCENARIOS = Path(__file__).parents[1] / "scenarios"
TONGWEI_YAML = """\
division: "621121"
values:
  - {parameter: dibao.standard, axis: urban, effective: 2025-07-01, value: 850, doc: 通民发〔2025〕12号}
  - {parameter: dibao.standard, axis: rural, effective: 2025-07-01, value: 640, doc: 通民发〔2025〕12号}
  - {parameter: dibao.non_residential_property_allowed, effective: 2025-07-01, value: 否, doc: 通民发〔2025〕12号}
  - {parameter: dibao.max_vehicles, region: "6211", effective: 2025-01-01, value: 0, doc: 定民发〔2025〕3号}
"""


def test_a_yaml_file_is_laid_over_the_shipped_files(tmp_path: Path) -> None:
    path = tmp_path / "tongwei.yaml"
    path.write_text(TONGWEI_YAML, encoding="utf-8")
    params = local_file.layer_file(baseline(), path)
    day = dt.date(2025, 8, 1)
    assert (
        params.value("dibao.standard", "621121", day, "urban"),
        params.value("dibao.standard", "621121", day, "rural"),
    ) == (850, 640)
    assert params.value("dibao.non_residential_property_allowed", "621121", day) == 0
    assert params.value("dibao.max_vehicles", "621102", day) == 0  # a city's value reaches its other counties
    assert baseline().value("dibao.standard", "621121", day, "urban") is None  # the shipped set is untouched
    _value, _level, entry = params.resolve("dibao.standard", "621121", day, "urban")
    assert entry is not None and entry.source.doc == "通民发〔2025〕12号"
    assert "local parameters file tongwei.yaml" in params["dibao.standard"].file


def test_a_bad_yaml_file_is_refused_whole_naming_each_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = TONGWEI_YAML.replace("value: 640, doc: 通民发〔2025〕12号", "value: 六百四十, doc: 通民发〔2025〕12号")
    path.write_text(text.replace("value: 否, doc: 通民发〔2025〕12号", "value: 否, doc: ''"), encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        local_file.read(path, baseline())
    rows = {(e.row, e.column) for e in info.value.report}  # type: ignore[attr-defined]
    # the lines of the items, as the file numbers them; the urban value alone is not a whole value
    assert rows == {(3, "value"), (4, "value"), (5, "doc")}
    assert "第4行 value：取值应为数字" in info.value.zh and "row 5 doc: give the document number" in info.value.en
    path.write_text(TONGWEI_YAML.replace("doc: 定民发", "docs: 定民发"), encoding="utf-8")
    with pytest.raises(ImportRejected, match="unknown keys docs"):
        local_file.read(path, baseline())
    path.write_text("values: 3\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="expected a list"):
        local_file.read(path, baseline())
    with pytest.raises(ImportRejected, match="no local-parameters file"):
        local_file.layer_file(baseline(), tmp_path / "absent.yaml")


def test_the_filled_in_template_is_read_the_same_way(tmp_path: Path) -> None:
    values = [LocalValue("dibao.max_vehicles", "621121", dt.date(2025, 7, 1), {"": "1"}, "通民发〔2025〕12号")]
    path = workbook.write(tmp_path / "filled.xlsx", baseline(), "621121", values)
    params = local_file.layer_file(baseline(), path)
    assert params.value("dibao.max_vehicles", "621121", dt.date(2025, 8, 1)) == 1


# The values the demo county had from the shipped files (province 11 and county 110105 entries that
# were stated local choices) before they moved to its own file: (parameter, effective, axis) → value.
MOVED = {
    ("dibao.consumption_ratio", dt.date(2024, 7, 1), "urban"): 0.35,
    ("dibao.consumption_ratio", dt.date(2024, 7, 1), "rural"): 0.4,
    ("dibao.financial_assets_multiple", dt.date(2024, 7, 1), None): 2,
    ("dibao.floor_ratio", dt.date(2024, 7, 1), None): 0.2,
    ("dibao.housing_area_exemption_m2", dt.date(2024, 7, 1), None): 25,
    ("dibao.max_business_capital", dt.date(2024, 7, 1), None): 100_000,
    ("dibao.max_properties", dt.date(2024, 7, 1), None): 1,
    ("dibao.max_vehicles", dt.date(2024, 7, 1), None): 0,
    ("dibao.non_residential_property_allowed", dt.date(2024, 7, 1), None): 0,
    ("dibao.standard", dt.date(2024, 7, 1), "urban"): 1450,
    ("dibao.standard", dt.date(2024, 7, 1), "rural"): 1450,
    ("dibao.standard", dt.date(2025, 7, 1), "urban"): 1520,  # the county's rise over its province's 1500
    ("dibao.standard", dt.date(2025, 7, 1), "rural"): 1520,
    ("dibao.topup_elderly", dt.date(2024, 7, 1), None): 0.1,
    ("dibao.topup_minor", dt.date(2024, 7, 1), None): 0.1,
    ("dibao.topup_severe_disability", dt.date(2024, 7, 1), None): 0.2,
    ("rigid_expenditure_hardship.expense_share_threshold", dt.date(2025, 1, 1), None): 0.6,
}


def test_the_package_carries_no_local_choice_of_the_demo_province_or_county() -> None:
    """The demo county's values are its own file's, set as a county sets them: the shipped files
    hold only national values and documented ones (Beijing's minimum wage and incomes)."""
    demo_entries = [
        (p.id, e.region) for p in baseline().params.values() for e in p.entries if e.region.startswith("11")
    ]
    assert demo_entries and all(pid.startswith("general.") for pid, _region in demo_entries)
    assert all(e.source.doc for p in baseline().params.values() for e in p.entries if e.region.startswith("11"))
    assert missing_local_parameters(baseline(), [DEMO], dt.date(2026, 1, 1))  # the file is needed
    assert missing_local_parameters(demo_parameters(), [DEMO], dt.date(2026, 1, 1)) == []


def test_the_demo_file_gives_the_demo_county_the_values_it_had_from_the_package() -> None:
    """Each moved value from its date (and not the day before, where it changed), urban and rural."""
    params = demo_parameters()
    for (pid, day, axis), value in MOVED.items():
        assert params.value(pid, DEMO, day, axis) == pytest.approx(value), (pid, day, axis)
        before = params.value(pid, DEMO, day - dt.timedelta(days=1), axis)
        earlier = [v for (p, d, a), v in MOVED.items() if (p, a) == (pid, axis) and d < day]
        national = baseline().value(pid, DEMO, day - dt.timedelta(days=1), axis)
        assert before == (earlier[-1] if earlier else national), (pid, day, axis)
    in_file = {(v.parameter, v.effective) for v in local_file.read(DEMO_FILE, baseline())}
    assert in_file == {(pid, day) for pid, day, _axis in MOVED}  # nothing more, nothing less
    assert {v.region for v in local_file.read(DEMO_FILE, baseline())} == {DEMO}
    assert {v.region for v in local_file.read(DEMO_FILE, baseline(), "110106")} == {"110106"}  # the caller's county


def test_the_demo_county_scenarios_pass_with_the_demo_file() -> None:
    demo_cases = [c for c in load_cases(sorted(SCENARIOS.glob("*.yaml"))) if str(c.region).startswith(DEMO)]
    results = run(model(), local_file.layer_file(baseline(), DEMO_FILE), demo_cases)
    assert len(results) > 40
    assert [r.case.id for r in results if not r.ok] == []
    assert [r.case.id for r in run(model(), baseline(), demo_cases) if r.ok] != [c.id for c in demo_cases]


def test_the_overview_says_where_each_value_comes_from() -> None:
    day = dt.date(2026, 6, 30)
    demo = demo_parameters()
    status = {c.parameter: c for c in overview.choices(demo, DEMO, day, pending={"dibao.max_vehicles"})}
    assert status["dibao.standard"].status == "set_here" and status["dibao.standard"].value == "1520"
    assert status["dibao.standard"].source.startswith("演示示例（非真实文号）")  # the file says it is no real document
    assert {c.parameter: c.status for c in overview.choices(baseline(), DEMO, day)}["dibao.standard"] == "not_set"
    assert status["general.minimum_wage"].status == "set_above"  # Beijing's own, documented
    assert status["general.minimum_wage"].level_zh == "省级" and status["general.minimum_wage"].region == "11"
    assert status["dibao.tiered"].status == "national"
    assert status["dibao.max_vehicles"].pending and not status["dibao.standard"].pending
    assert [c.parameter for c in overview.choices(demo, DEMO, day)] == [p.id for p in local_choices(baseline())]
    # a place's value with no document (a stated local choice, as a reform's) is marked as such
    stated = Entry("11", dt.date(2025, 1, 1), {"": 0.15}, Source(local_choice="illustrative: a test value"), 0)
    illustrated = layered(baseline(), {"dibao.floor_ratio": [stated]})
    floor = {c.parameter: c for c in overview.choices(illustrated, DEMO, day)}["dibao.floor_ratio"]
    assert (floor.status, floor.value, floor.level, floor.region) == ("illustrative", "0.15", "province", "11")
    tongwei = {c.parameter: c for c in overview.choices(baseline(), "621121", day)}
    assert tongwei["dibao.standard"].status == "not_set" and tongwei["dibao.standard"].value == ""
    set_here = overlay(
        baseline(),
        [
            LocalValue(
                "dibao.standard", "621121", dt.date(2025, 7, 1), {"urban": "850", "rural": "640"}, "通民发〔2025〕12号"
            )
        ],
    )
    shown = {c.parameter: c for c in overview.choices(set_here, "621121", day)}["dibao.standard"]
    assert (shown.status, shown.value, shown.level) == ("set_here", "城镇 850；农村 640", "county")
    assert re.search(r"通民发〔2025〕12号", shown.source) and shown.effective == dt.date(2025, 7, 1)
