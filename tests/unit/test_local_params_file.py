"""Local parameters outside the database (issue 12 §5): a YAML or Excel file checked as the import
checks it, the demo county's own file (it gives the demo county exactly what the shipped files
give it today, so those entries can leave the package), and the page's overview of statuses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from minsheng.demo.local_params import DEMO_FILE
from minsheng.errors import ImportRejected
from minsheng.localparams import local_file, overview, workbook
from minsheng.localparams.values import LocalValue, overlay
from minsheng.programmes.local_choices import local_choices, missing_local_parameters
from minsheng.programmes.registry import baseline, model
from minsheng.rules.parameters import ParameterSet
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


def without_demo_values() -> ParameterSet:
    """The shipped set without the demo's illustrative entries (province 11 and below, stated
    local choices): the package as it will be once those entries leave it."""
    params = baseline().params
    return ParameterSet(
        {
            pid: dataclasses.replace(
                p, entries=tuple(e for e in p.entries if not (e.source.local_choice and e.region.startswith("11")))
            )
            for pid, p in params.items()
        }
    )


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


def test_the_demo_file_gives_the_demo_county_what_the_shipped_files_give_it() -> None:
    """Every local choice, on every date one of them changes (and the day before), urban and
    rural: the demo file over the package without its demo entries equals the package today."""
    shipped = baseline()
    moved = local_file.layer_file(without_demo_values(), DEMO_FILE)
    assert missing_local_parameters(without_demo_values(), [DEMO], dt.date(2026, 1, 1))  # the file is needed
    days = {e.effective + dt.timedelta(days=d) for p in local_choices(shipped) for e in p.entries for d in (-1, 0)}
    dates = np.array(sorted(days | {dt.date(2026, 6, 30)}), dtype="datetime64[D]")
    region = np.full(len(dates), shipped.regions.position[DEMO])
    compared = 0
    for param in local_choices(shipped):
        for i, _axis in enumerate(param.axis_values):
            axis = np.full(len(dates), i)
            want = shipped.compiled(param.id).lookup(region, dates, axis)
            np.testing.assert_array_equal(moved.compiled(param.id).lookup(region, dates, axis), want, err_msg=param.id)
            compared += len(dates)
    assert compared > 1000


def test_the_demo_county_scenarios_pass_with_the_demo_file_instead() -> None:
    demo_cases = [c for c in load_cases(sorted(SCENARIOS.glob("*.yaml"))) if str(c.region).startswith(DEMO)]
    results = run(model(), local_file.layer_file(without_demo_values(), DEMO_FILE), demo_cases)
    assert len(results) > 40
    assert [r.case.id for r in results if not r.ok] == []


def test_the_overview_says_where_each_value_comes_from() -> None:
    day = dt.date(2026, 6, 30)
    status = {c.parameter: c for c in overview.choices(baseline(), DEMO, day, pending={"dibao.max_vehicles"})}
    assert status["dibao.standard"].status == "illustrative" and status["dibao.standard"].value == "1520"
    assert status["general.minimum_wage"].status == "set_above"  # Beijing's own, documented
    assert status["general.minimum_wage"].level_zh == "省级" and status["general.minimum_wage"].region == "11"
    assert status["dibao.tiered"].status == "national"
    assert status["dibao.max_vehicles"].pending and not status["dibao.standard"].pending
    assert [c.parameter for c in overview.choices(baseline(), DEMO, day)] == [p.id for p in local_choices(baseline())]
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
