"""Issue 12 §3: plain Chinese everywhere. Every page of the desk and every export, in Chinese,
shows no internal code (a code list's code, a feed kind or field, a rule-model node, an alert
reason, a work-order action, an audited read) and no English word: a code reaches a reader as
its label from the one catalogue (`codes.enums`, `contract.columns`, `web/catalogue/*.yaml`,
the rule model's node labels).

The world is tests/world.py's, with a case taken through its work order to the end, two more
department records (a pension, a hospital stay) and a stored discovery list, so every kind of
row the pages have shows at least once."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from test_page_work_orders import client_for, form, submit

from minsheng.bootstrap import App
from minsheng.codes import enums
from minsheng.contract.columns import COLUMNS, FEED_KINDS, FEED_SOURCES, UNEMPLOYMENT_STATUS
from minsheng.db.store import open_engine
from minsheng.feeds.ingest import ingest_feed
from minsheng.programmes.registry import model
from minsheng.readmodels.profile import VIEWS
from minsheng.rules.explain_text import format_parameter, format_value, plain_cite
from minsheng.settings import Settings
from minsheng.web.api.deps import today
from minsheng.web.app import create_app
from minsheng.web.messages import catalogue
from world import CIPHER, PASSWORD, TODAY, USERS, World, build

PENSION = (
    "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,monthly_amount\n"
    "human_resources,P1,2026-04-01,110105198201010221,李二,1982-01-01,2,110105001001,179.85\n"
)
CLAIM = (
    "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,"
    "total_cost,out_of_pocket,inpatient,major_illness\n"
    "medical_insurance,M1,2026-05-01,110105198201010221,李二,1982-01-01,2,110105001001,9000,4000,1,0\n"
)
DISCOVERY = (
    "kind,programme,household_id,residence_division,enrolled,eligible,current_benefit,computed_benefit,"
    "failed_conditions,observed_changes\n"
    "missed,dibao,A1,110105001001,false,true,,820.0,,"
    "QA1.wage_income: 4000.00→0.00 [human_resources:U1]; financial_assets: 9695.00→22244.26 [bank:D1]\n"
    "leaked,tekun,A2,110105002001,true,false,,,tekun_no_capable_supporter;tekun_no_labour_capacity,\n"
)

# Latin a reader of a Chinese page may meet: the product's name, file formats and units, the
# language switch; and the test world's user names and record numbers (data, not code).
ALLOWED = {"minsheng", "Excel", "xlsx", "PDF", "CSV", "csv", "UTF", "MB", "English", "ID", "m²", "GB", "T"} | set(USERS)
# Pages whose leaks live in files others are editing (issue 12 §3 leaves them to their owners):
# strict, so the mark must go once they are plain.
ELSEWHERE: dict[str, str] = {}  # pages known to leak a code, each with where it comes from


def known_codes() -> set[str]:
    """Every internal code a page could leak: words of letters, as codes are written."""
    codes: set[str] = set()
    for code_list in (*enums.ALL, FEED_SOURCES, UNEMPLOYMENT_STATUS):
        codes |= set(code_list.labels)
    codes |= set(FEED_KINDS) | {c.name for cols in COLUMNS.values() for c in cols}
    codes |= set(model().nodes) | set(model().programmes)
    prefixes = ("reason.", "wo.action.", "wo.decided.", "status.", "al.status.", "direction.", "exp.kind.")
    codes |= {k.split(".", 1)[1].split(".", 1)[-1] for k in catalogue() if k.startswith(prefixes)}
    codes |= set(VIEWS)
    return {c for c in codes if re.fullmatch(r"[a-z][a-z0-9_]+", c)}


class Visible(HTMLParser):
    """The text a reader sees (and a screen reader reads): text nodes outside script and style,
    and the title, placeholder, aria-label and alt attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.parts += [v for k, v in attrs if k in ("title", "placeholder", "aria-label", "alt") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def workbook_text(data: bytes) -> str:
    """Every cell, drop-down list and cell note of every sheet."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    parts: list[str] = []
    for sheet in book.worksheets:
        parts.append(sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    parts.append(str(cell.value))
                if cell.comment is not None:
                    parts.append(cell.comment.text)
        parts += [str(v.formula1 or "") + " " + str(v.prompt or "") for v in sheet.data_validations.dataValidation]
    return "\n".join(parts)


def template_text(data: bytes) -> str:
    """What a caseworker filling the import template reads: the two sheets she fills (headers
    and their notes), the drop-down lists' entries and the Chinese meaning of each column. The
    code sheet and the column names are a bilingual reference, codes on purpose."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    parts: list[str] = []
    for sheet in (book["家庭"], book["家庭成员"]):
        for cell in sheet[1]:
            parts += [str(cell.value), cell.comment.text if cell.comment else ""]
        for check in sheet.data_validations.dataValidation:
            where, cells = str(check.formula1).split("!")
            listed = book[where.strip("='")][cells.replace("$", "")]
            parts += [str(c.value) for (c,) in listed] + [str(check.error or "")]
    explained = book["字段说明 columns"]
    parts += [str(row[5]) for row in explained.iter_rows(min_row=2, values_only=True)]
    return "\n".join(parts)


def leaks(text: str) -> list[str]:
    """Internal codes and English words in `text`; a token with a digit is a number or an ID."""
    codes = known_codes()
    found = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_²]*", text):
        if any(ch.isdigit() for ch in token) or token in ALLOWED:
            continue
        if token in codes or "_" in token or len(token) > 1:
            found.append(token)
    return sorted(set(found))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, World]]:
    """The world with a finished case, two more records and a stored discovery list."""
    tmp_path: Path = tmp_path_factory.mktemp("plain")
    engine = open_engine(f"sqlite:///{tmp_path / 'minsheng.db'}")
    world = build(engine, tmp_path)
    for name, text in (("pension_payment.csv", PENSION), ("medical_claim.csv", CLAIM)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        ingest_feed(engine, CIPHER, tmp_path / name)
    (tmp_path / "discovery").mkdir()
    (tmp_path / "discovery" / "discovery.csv").write_text(DISCOVERY, encoding="utf-8")
    app = create_app(App(Settings(data=tmp_path), engine, CIPHER))
    app.dependency_overrides[today] = lambda: TODAY
    _finish_a_case(app, world)
    yield app, world
    engine.dispose()


def _signed_in(app: object, user: str) -> TestClient:
    """A browser's client: the module's fixture runs before the autouse Origin patch does."""
    client = TestClient(app)  # type: ignore[arg-type]
    client.headers["origin"] = "http://testserver"
    client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False)
    return client


def _finish_a_case(app: object, world: World) -> None:
    """A1's unemployment alert: opened, assigned, visited, proposed and approved, through the forms."""
    town = _signed_in(app, "township_a")
    opened = town.post(f"/alerts/{world.alert_a}/work-order", follow_redirects=False)
    assert opened.status_code == 303, opened.text
    url = opened.headers["location"].split("?")[0]
    submit(town, url + "/assign", form(town.get(url).text, "assign-form") | {"assignee": "village_a"})
    village = _signed_in(app, "village_a")
    findings = form(village.get(url).text, "findings") | {"p.QA1.wage_income": "0", "note": "已入户"}
    submit(village, url + "/findings", findings)
    submit(
        town, url + "/decision", form(town.get(url).text, "decision-form") | {"decision": "enrol", "programme": "dibao"}
    )
    reviewer = _signed_in(app, "reviewer_a")
    typed = form(reviewer.get(url).text, "approve-form") | {"comment": "同意"}
    confirm = submit(reviewer, url + "/approve", typed, status=200)
    submit(reviewer, url + "/approve", form(confirm, "confirm-form"))


PAGES = [
    "/",
    "/alerts",
    "/alerts/{alert}",
    "/work-orders",
    "/work-orders/{order}",
    "/discovery",
    "/households",
    "/households/A1",
    "/households/A2",
    "/households/A1/verification",
    "/links",
    "/import",
    "/exports",
    "/notice",
    "/notice/print?village=110105002001&programme=dibao",
]
EXPORTS = [
    "/exports/enrolled.xlsx",
    "/exports/alerts.xlsx",
    "/exports/discovery.xlsx",
    "/alerts.xlsx?status=closed",
    "/work-orders.xlsx",
    "/discovery.xlsx",
    "/notice.xlsx?village=110105002001&programme=dibao",
    "/import/template.xlsx",
]


def _address(path: str, world: World) -> str:
    return path.format(alert=world.alert_a, order=1)


def test_the_code_set_holds_the_codes_the_issue_names() -> None:
    """The detector knows the leaks issue 12 §3 saw, or it would let them through."""
    codes = known_codes()
    seen = {"record_findings", "pension_payment", "human_resources", "monthly_amount", "inpatient"}
    seen |= {"read_household", "medical_cost", "adjust", "intellectual", "tekun_no_capable_supporter"}
    assert seen <= codes, seen - codes
    assert leaks("时间线 · open · 审批") == ["open"] and leaks("户 A1 · QA1 · 30 m² · township_a") == []


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=ELSEWHERE[p], strict=True)) if p in ELSEWHERE else p
        for p in PAGES
    ],
)
@pytest.mark.parametrize("user", ["reviewer_a", "township_a"])
def test_every_page_in_chinese_shows_no_code_and_no_english(desk: tuple[object, World], path: str, user: str) -> None:
    if user != "reviewer_a" and ("A2" in path or "110105002" in path):
        pytest.skip("another township's household: a 404 for this user")
    app, world = desk
    client = client_for(app, user)
    page = client.get(_address(path, world))
    assert page.status_code == 200, (path, page.status_code)
    found = leaks(visible(page.text))
    assert not found, f"{path}: {' '.join(found)}"


def test_every_code_the_household_page_names_has_its_label() -> None:
    """The household page looks these up in the catalogue: a missing one would be a 500."""
    messages = catalogue()
    needed = {f"al.kind.{k}" for k in FEED_KINDS} | {f"hh.view.{v}" for v in VIEWS}
    needed |= {f"severity.{s}" for s in ("red", "orange", "yellow")}
    assert needed <= set(messages), sorted(needed - set(messages))


def test_explanation_values_and_sources_read_in_chinese() -> None:
    """残疾类别 = 智力, not `intellectual`; a national parameter without `CN`; a local choice noted
    in English told by its kind; a citation naming a parameter by its name."""
    kind = {"id": "disability_kind", "label": {"zh": "残疾类别", "en": "disability kind"}, "value": "intellectual"}
    assert format_value(kind | {"unit": ""}) == "残疾类别 = 智力"
    assert format_value(kind | {"unit": ""}, "en") == "disability kind = intellectual"
    param = {
        "label": {"zh": "低保标准", "en": "dibao standard"},
        "value": 1520.0,
        "unit": "yuan/person/month",
        "level": "national",
        "region": "CN",
        "effective": "2025-07-01",
        "source": {"local_choice": "illustrative demo value for the demo province"},
    }
    shown = format_parameter(param)
    assert "CN" not in shown and "演示用示例值" in shown and leaks(shown) == []
    assert "illustrative demo value" in format_parameter(param, "en")
    labels = {"dibao.tekun_members_excluded": "特困人员不计入低保家庭"}
    assert plain_cite("第二十七条；地方选择 dibao.tekun_members_excluded", labels).endswith(
        "「特困人员不计入低保家庭」"
    )


@pytest.mark.parametrize("path", EXPORTS)
def test_every_export_in_chinese_shows_no_code_and_no_english(desk: tuple[object, World], path: str) -> None:
    app, world = desk
    client = client_for(app, "reviewer_a")
    answer = client.get(_address(path, world))
    assert answer.status_code == 200, (path, answer.status_code)
    text = template_text(answer.content) if "template" in path else workbook_text(answer.content)
    found = leaks(text)
    assert not found, f"{path}: {' '.join(found)}"
