"""一户一档 keeps a household's explanation per process (`readmodels.profile`): shown again while
the household's rows, the parameter set and the date are the same, worked out again as soon as
any of them changes — a repeat view is quicker, never stale."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from minsheng.readmodels import profile
from minsheng.registry.tables import PERSONS
from minsheng.rules.parameters import ParameterSet
from world import PARAMS, TODAY, World


def _explanation(world: World, *, params: ParameterSet | None = None, today: dt.date = TODAY) -> Any:
    with world.engine.begin() as conn:  # the read is audited: written in this transaction
        shown = profile.household_profile(conn, world.users["reviewer_a"], "A1", today=today, params=params or PARAMS)
    return shown["explanation"]


def _dibao(explanation: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in explanation["programmes"] if p["id"] == "dibao")


def test_a_kept_explanation_is_shown_only_while_its_inputs_are_the_same(world: World) -> None:
    profile._explained.clear()  # what earlier tests in this process left
    first = _explanation(world)
    assert _explanation(world) is first  # the same household, parameters and date: kept

    # The household's rows change (张一's wage is no longer there): worked out again.
    with world.engine.begin() as conn:
        conn.execute(update(PERSONS).where(PERSONS.c.person_id == "QA1").values(wage_income_fen=0))
    changed = _explanation(world)
    assert changed is not first and changed != first
    assert _dibao(changed) != _dibao(first)  # the income test now reads the new wage
    profile._explained.clear()
    assert _explanation(world) == changed  # what it would be with nothing kept

    # Another parameter set, even one equal to the first, and another date: worked out again.
    other = ParameterSet(PARAMS.params, PARAMS.regions)
    again = _explanation(world, params=other)
    assert again is not changed and again == changed
    later = _explanation(world, params=other, today=TODAY + dt.timedelta(days=1))
    assert later["date"] == (TODAY + dt.timedelta(days=1)).isoformat()


def test_the_least_recently_shown_is_let_go_past_the_limit(world: World, monkeypatch: Any) -> None:
    profile._explained.clear()
    monkeypatch.setattr(profile, "KEPT", 1)
    first = _explanation(world)
    with world.engine.begin() as conn:  # another household of the county: A2
        profile.household_profile(conn, world.users["reviewer_a"], "A2", today=TODAY, params=PARAMS)
    assert list(profile._explained) == ["A2"]
    assert _explanation(world) is not first
