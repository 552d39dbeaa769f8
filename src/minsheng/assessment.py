"""Assessment (待遇测算): the use cases that run the programmes over a population.

- `population_from_files` / `registry.population.load`: frames in the store's shape;
- `assess`: one evaluation (local Polars, or Spark for national scale);
- `output_frames`: the data contract's assessment output (yuan, one row per
  household, one per person for person-level programmes);
- `explain`: one household, every programme, with reasons.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from minsheng.contract import files, sheets
from minsheng.contract.columns import store_frame
from minsheng.contract.validation import parse_table
from minsheng.errors import ImportRejected, MinshengError
from minsheng.programmes.registry import baseline, model
from minsheng.rules import explain as explanations
from minsheng.rules.evaluate import Result, default_outputs, evaluate
from minsheng.rules.model import Model
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.reforms import apply, apply_model, load_reform

OUTPUT_FORMATS = ("csv", "parquet", "xlsx")


def parameters(reform: Path | None = None, local: Path | None = None, division: str = "") -> ParameterSet:
    """The shipped files; with `local`, a county's local-parameters file laid over them (checked
    as the database import checks it; a row with no division is `division`'s, else the file's);
    with `reform`, the reform over that (a reform that also replaces formulas needs `reformed`,
    which gives its model too)."""
    return reformed(reform, local, formulas=False, division=division)[1]


def reformed(
    reform: Path | None = None, local: Path | None = None, *, formulas: bool = True, division: str = ""
) -> tuple[Model, ParameterSet]:
    """The model and parameters to assess with: the programmes' model and `parameters(…, local)`;
    with `reform`, its parameter values laid over them and its formulas in place of the model's
    (a new model; the shipped one is not changed)."""
    params = baseline()
    if local is not None:
        from minsheng.localparams.local_file import layer_file

        params = layer_file(params, local, division)
    if reform is None:
        return model(), params
    loaded = load_reform(reform, params, model())
    if loaded.formulas and not formulas:
        raise MinshengError(
            f"改革方案 {loaded.id} 替换了公式，此处只能使用参数改革",
            f"reform {loaded.id} replaces formulas: only a parameter reform can be used here",
        )
    return apply_model(model(), loaded), apply(params, loaded)


def population_from_files(households: Path, persons: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Contract files → typed frames (money in fen); a bad cell refuses the run like an import would."""
    out = []
    for path, kind in ((households, "households"), (persons, "persons")):
        table = files.read(path, kind)
        parsed, errors = parse_table(table.frame, kind)
        if not errors.is_empty():
            first = errors.row(0, named=True)
            raise ImportRejected(
                f"{table.file} 第{first['row']}行 {first['column']} 有误（共{errors.height}处），请先修正或导入登记库",
                f"{table.file} row {first['row']} column {first['column']} is invalid ({errors.height} problems); "
                "fix it or import it into the registry first",
            )
        out.append(store_frame(parsed.drop("__row"), kind))
    return out[0], out[1]


def assess(
    households: pl.DataFrame,
    persons: pl.DataFrame,
    *,
    date: dt.date,
    params: ParameterSet | None = None,
    engine: str = "local",
    rules: Model | None = None,
) -> Result:
    """Every programme over the population; `rules`: a reform's model (`reformed`), else the shipped one."""
    params = params or baseline()
    rules = rules or model()
    if engine == "spark":
        from minsheng.rules.spark import evaluate_on_spark

        return evaluate_on_spark(rules, params, households, persons, date=date)
    return evaluate(rules, params, households, persons, date=date, outputs=default_outputs(rules))


def output_frames(result: Result) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The contract's assessment output: amounts in yuan (2 decimals), eligibility as bool."""
    m = model()
    hh = result.households
    household_cols = [
        pl.col("household_id"),
        pl.col("residence_division"),
        pl.col("household_size").alias("size"),
        (pl.col("income_per_capita_fen") / 100).round(2).alias("income_per_capita"),
    ]
    person_cols = [pl.col("person_id"), pl.col("household_id")]
    for p in m.programmes.values():
        cols = household_cols if p.entity == "household" else person_cols
        cols.append(pl.col(p.eligible).alias(f"{p.id}_eligible"))
        if p.benefit:
            cols.append((pl.col(p.benefit) / 100).round(2).alias(f"{p.id}_benefit"))
    hh_out = hh.select(c for c in household_cols if _has(hh, c))
    p_out = result.persons.select(c for c in person_cols if _has(result.persons, c))
    return hh_out, p_out


def _has(frame: pl.DataFrame, col: pl.Expr) -> bool:
    return all(name in frame.columns for name in col.meta.root_names())


def write_outputs(result: Result, out: Path, fmt: str = "csv") -> dict[str, Path]:
    hh, pp = output_frames(result)
    reasons = explanations.failure_counts(model(), result)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in (("assessment_households", hh), ("assessment_persons", pp), ("failure_reasons", reasons)):
        path = out / f"{name}.{fmt}"
        # through contract.sheets: no cell runs as a formula in Excel, files owner-only (0600)
        if fmt == "csv":
            sheets.write_csv(frame, path)
        elif fmt == "parquet":
            sheets.write_parquet(frame, path)
        else:
            sheets.write_xlsx(frame, path, name, autofit=True, freeze_panes=(1, 0))
        paths[name] = path
    return paths


def summary(result: Result) -> pl.DataFrame:
    """Recipients and monthly cost per programme (for the one-screen summary).

    `monthly_benefit_yuan` is the total of the amounts that are known; `unknown_amounts` counts
    the households (or persons) whose amount is unknown and so is not in that total: a total
    that silently skipped them would read as the whole cost."""
    rows = []
    for p in model().programmes.values():
        frame = result.households if p.entity == "household" else result.persons
        eligible = frame.get_column(p.eligible)
        amounts = frame.get_column(p.benefit) if p.benefit else None
        rows.append(
            {
                "programme": p.id,
                "label": p.label_zh,
                "label_en": p.label_en,
                "entity": p.entity,
                "eligible": int((eligible == True).sum()),  # noqa: E712 - count of true
                "ineligible": int((eligible == False).sum()),  # noqa: E712
                "unknown": int(eligible.is_null().sum()),
                "monthly_benefit_yuan": None if amounts is None else (amounts.sum() or 0) / 100,
                "unknown_amounts": None if amounts is None else int(amounts.is_null().sum()),
            }
        )
    return pl.DataFrame(rows, schema_overrides={"monthly_benefit_yuan": pl.Float64, "unknown_amounts": pl.Int64})


def unknown_amounts_note(row: dict[str, Any]) -> tuple[str, str] | None:
    """What a summary row's total leaves out, in Chinese and English (None when nothing)."""
    n = row.get("unknown_amounts")
    if not n:
        return None
    return f"{n:,} 笔金额无法判定，未计入合计", f"{n:,} amounts unknown, not in the total"


def explain(
    households: pl.DataFrame,
    persons: pl.DataFrame,
    household_id: str,
    *,
    date: dt.date,
    params: ParameterSet | None = None,
    rules: Model | None = None,
) -> dict[str, Any]:
    return explanations.explain_household(
        rules or model(), params or baseline(), households, persons, household_id, date=date
    )
