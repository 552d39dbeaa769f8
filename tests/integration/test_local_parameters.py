"""A county's own parameters (issue 12 §5) on SQLite and PostgreSQL: the template filled in and
imported (row errors, all-or-nothing), approved by another person, audited, exported back, and
laid over the shipped files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import cast

import fastexcel
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from minsheng.contract import sheets
from minsheng.contract.files import RowError
from minsheng.errors import Conflict, Forbidden, ImportRejected, InvalidInput
from minsheng.localparams import store, workbook
from minsheng.localparams.tables import BATCHES, VALUES
from minsheng.programmes.local_choices import missing_local_parameters
from minsheng.programmes.registry import baseline
from minsheng.security.tables import AUDIT_LOG
from minsheng.security.users import Principal, create_user

TONGWEI = "621121"
JAN = dt.date(2026, 1, 1)
PASSWORD = "correct horse battery"
ADMIN = Principal("adm", "administrator", TONGWEI)
REVIEWER = Principal("rev", "county_reviewer", TONGWEI)
GOOD = {  # parameter → (axis, value); every required one for Tongwei
    "dibao.standard": [("城镇 urban", "850"), ("农村 rural", "640")],
    "dibao.financial_assets_multiple": [("", "2")],
    "dibao.housing_area_exemption_m2": [("", "30")],
    "dibao.max_business_capital": [("", "50,000")],
    "dibao.max_properties": [("", "1")],
    "dibao.max_vehicles": [("", "0")],
    "dibao.non_residential_property_allowed": [("", "否")],
    "general.minimum_wage": [("", "2020")],
    "rigid_expenditure_hardship.expense_share_threshold": [("", "0.7")],
}


def fill(template: Path, out: Path, rows: dict[str, list[tuple[str, str]]], **cells: str) -> Path:
    """The template with `rows` filled in (date, document), written like an administrator's Excel."""
    frame = fastexcel.read_excel(str(template)).load_sheet_by_name(workbook.SHEET, dtypes="string").to_polars()
    header = list(frame.columns)
    col = {f.key: i for i, f in enumerate(workbook.FIELDS)}
    lines: list[list[str]] = []
    for raw in frame.iter_rows():
        line = ["" if v is None else str(v) for v in raw]
        for axis, value in rows.get(line[0], []):
            filled = list(line)
            filled[col["axis"]], filled[col["value"]] = axis, value
            filled[col["effective"]] = cells.get("effective", "2025-07-01")
            filled[col["doc"]] = cells.get("doc", "通民发〔2025〕12号")
            lines.append(filled)
        if line[0] not in rows:
            lines.append(line)
    with sheets.workbook(out) as book:
        sheet = book.add_worksheet(workbook.SHEET)
        sheet.write_row(0, 0, header)
        for r, line in enumerate(lines, start=1):
            sheet.write_row(r, 0, line)
    return out


def errors_of(exc: ImportRejected) -> list[RowError]:
    return cast(list[RowError], exc.report)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return workbook.write(tmp_path / "template.xlsx", baseline(), TONGWEI)


def submitted(engine: Engine, path: Path) -> int:
    values = workbook.read(path, baseline(), TONGWEI)
    with engine.begin() as conn:
        return store.submit(conn, ADMIN, values, division=TONGWEI, source_file=path.name)


def test_values_take_effect_only_when_another_person_approves(engine: Engine, template: Path, tmp_path: Path) -> None:
    batch = submitted(engine, fill(template, tmp_path / "filled.xlsx", GOOD))
    with engine.connect() as conn:
        assert store.parameters_for(conn, baseline()) is baseline()  # pending: nothing changes
    with pytest.raises(Forbidden, match="another person"), engine.begin() as conn:
        store.decide(conn, ADMIN, batch, approve=True)
    with pytest.raises(Forbidden), engine.begin() as conn:
        store.decide(conn, Principal("cw", "township_caseworker", TONGWEI + "100"), batch, approve=True)
    with engine.begin() as conn:
        store.decide(conn, REVIEWER, batch, approve=True, note="县局会议纪要")
    with pytest.raises(Conflict), engine.begin() as conn:
        store.decide(conn, Principal("rev2", "county_reviewer", TONGWEI), batch, approve=False, note="late")
    with engine.connect() as conn:
        params, unset = store.for_run(conn, baseline(), [TONGWEI, "621102"], JAN)
        actions = conn.execute(select(AUDIT_LOG.c.action, AUDIT_LOG.c.actor).order_by(AUDIT_LOG.c.id)).all()
    assert missing_local_parameters(params, [TONGWEI], JAN) == []
    assert {m.division for m in unset} == {"621102"}  # a neighbouring county still has none
    assert missing_local_parameters(baseline(), [TONGWEI], JAN)  # the shipped set is untouched
    assert (
        params.value("dibao.standard", TONGWEI, JAN, "urban"),
        params.value("dibao.standard", TONGWEI, JAN, "rural"),
    ) == (850, 640)
    assert params.value("dibao.max_business_capital", TONGWEI, JAN) == 50000
    wage = params.resolve("general.minimum_wage", TONGWEI, JAN)[2]
    assert wage is not None and wage.source.doc == "通民发〔2025〕12号"
    assert [tuple(a) for a in actions] == [("submit_local_parameters", "adm"), ("approve_local_parameters", "rev")]


def test_a_bad_file_is_refused_whole_with_row_errors(engine: Engine, template: Path, tmp_path: Path) -> None:
    bad = dict(GOOD)
    bad["dibao.standard"] = [("城镇 urban", "850")]  # rural missing
    bad["dibao.max_properties"] = [("", "one")]
    bad["dibao.max_vehicles"] = [("城镇 urban", "0")]  # the parameter has no axis
    path = fill(template, tmp_path / "bad.xlsx", bad)
    with pytest.raises(ImportRejected) as info:
        workbook.read(path, baseline(), TONGWEI)
    report = errors_of(info.value)
    assert len(report) == 3 and all(e.row and e.reason_zh and e.reason_en for e in report)
    by_value = {e.value: (e.column, e.reason_en) for e in report}
    assert by_value["one"] == ("value", "the value must be a number (money in yuan) or yes/no")
    assert by_value["城镇 urban"][0] == "axis"  # max_vehicles has no urban/rural axis
    assert by_value["850"][0] == "value" and "must give exactly urban, rural" in by_value["850"][1]
    undocumented = fill(template, tmp_path / "nodoc.xlsx", GOOD, doc="", effective="2025-13-01")
    with pytest.raises(ImportRejected) as info:
        workbook.read(undocumented, baseline(), TONGWEI)
    report = errors_of(info.value)
    columns = {e.column for e in report}
    assert columns == {"doc", "effective"} and any("文号" in e.reason_zh for e in report)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(VALUES)).scalar() == 0


def test_the_export_is_the_template_and_imports_again(engine: Engine, template: Path, tmp_path: Path) -> None:
    first = submitted(engine, fill(template, tmp_path / "filled.xlsx", GOOD))
    with engine.begin() as conn:
        store.decide(conn, REVIEWER, first, approve=True)
    # a later correction of one value, approved: it wins for the same parameter, place and date
    second = submitted(engine, fill(template, tmp_path / "fix.xlsx", {"dibao.max_vehicles": [("", "1")]}))
    with engine.begin() as conn:
        store.decide(conn, REVIEWER, second, approve=True)
        values = store.approved_values(conn, TONGWEI)
    assert len(values) == len(GOOD)
    assert next(v for v in values if v.parameter == "dibao.max_vehicles").value == {"": "1"}
    exported = workbook.write(tmp_path / "export.xlsx", baseline(), TONGWEI, values)
    again = workbook.read(exported, baseline(), TONGWEI)
    assert [(v.parameter, v.region, v.effective, v.value, v.doc) for v in again] == [
        (v.parameter, v.region, v.effective, v.value, v.doc) for v in values
    ]


def test_a_rejection_needs_a_reason_and_changes_nothing(engine: Engine, template: Path, tmp_path: Path) -> None:
    batch = submitted(engine, fill(template, tmp_path / "filled.xlsx", GOOD))
    with pytest.raises(InvalidInput), engine.begin() as conn:
        store.decide(conn, REVIEWER, batch, approve=False)
    with engine.begin() as conn:
        store.decide(conn, REVIEWER, batch, approve=False, note="文号有误")
    with engine.connect() as conn:
        assert conn.execute(select(BATCHES.c.status)).scalar() == "rejected"
        assert store.parameters_for(conn, baseline()) is baseline()
    with pytest.raises(Forbidden, match="outside your jurisdiction"), engine.begin() as conn:
        store.submit(
            conn,
            Principal("other", "administrator", "620102"),
            workbook.read(tmp_path / "filled.xlsx", baseline(), TONGWEI),
            division=TONGWEI,
            source_file="x",
        )


def test_the_cli_runs_template_import_approve_missing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minsheng.cli import app

    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("MINSHENG_DATABASE_URL", url)
    monkeypatch.setenv("MINSHENG_DATA", str(tmp_path / "data"))
    from minsheng.settings import get_settings

    get_settings.cache_clear()
    with engine.begin() as conn:
        create_user(conn, "adm", "管理员", "administrator", TONGWEI, PASSWORD)
        create_user(conn, "rev", "审核员", "county_reviewer", TONGWEI, PASSWORD)
    run = CliRunner().invoke
    assert run(app, ["params", "template", str(tmp_path / "t.xlsx"), "--division", TONGWEI]).exit_code == 0
    filled = fill(tmp_path / "t.xlsx", tmp_path / "f.xlsx", GOOD)
    before = run(app, ["params", "missing", "--division", TONGWEI, "--date", "2026-01-01", "--json"])
    assert before.exit_code == 0 and "dibao.standard" in before.stdout
    args = ["--division", TONGWEI, "--password", PASSWORD]
    done = run(app, ["params", "import", str(filled), "--user", "adm", *args])
    assert done.exit_code == 0, done.output
    same = run(app, ["params", "approve", "1", "--user", "adm", "--password", PASSWORD])
    assert same.exit_code == 1 and "another person" in same.output
    assert run(app, ["params", "approve", "1", "--user", "rev", "--password", PASSWORD]).exit_code == 0
    after = run(app, ["params", "missing", "--division", TONGWEI, "--date", "2026-01-01"])
    assert after.exit_code == 0 and "every required local parameter is set" in after.stdout
    get_settings.cache_clear()
