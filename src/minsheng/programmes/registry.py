"""The programme registry (救助项目): one place that lists the programmes, their
labels and their parameters, for the engine, the CLI, the API and the UI."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from minsheng.programmes import common, dibao, dibao_marginal, rigid_expenditure_hardship, tekun
from minsheng.rules.model import Model, Programme
from minsheng.rules.parameter_files import load_parameters
from minsheng.rules.parameters import ParameterSet

PARAMETERS = Path(str(resources.files("minsheng.programmes") / "parameters"))


@cache
def model() -> Model:
    """The assistance model: common measures, then the programmes in dependency order."""
    m = Model()
    common.add_inputs(m)
    dibao.add(m)
    tekun.add(m)
    dibao_marginal.add(m)
    dibao.add_single_person(m)
    rigid_expenditure_hardship.add(m)
    return m


@cache
def baseline() -> ParameterSet:
    """The shipped parameters, validated and checked against the model once."""
    params = ParameterSet(load_parameters(PARAMETERS))
    model().check(params.params)
    return params


def programmes() -> dict[str, Programme]:
    return model().programmes
