"""`minsheng simulate` on contract files, as an analyst types it (issue 13, Performance).

    python benchmarks/bench_simulate.py [--persons 1000000] [--households-file H --persons-file P]

Targets (this 2-core machine, warm file cache, interpreter start included): the baseline and one
reform with every statistic of the equity report over 1,000,000 persons ≤ 5 s wall and ≤ 3 GB
maximum resident memory; three reforms ≤ 10 s. Measured by `/usr/bin/time -v` around the real
command (run once first to warm the file cache); the split (load, evaluate, statistics) is measured
apart in a fresh child process.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from bench_import import make_county
from child import files_main, run_in_child, time_command

DATE = "2026-06-01"
BIN = Path(sys.executable).parent
REFORM = """
reform:
  id: {id}
  label: {{zh: 低保标准提高{pct}%, en: dibao standard +{pct} %}}
parameters:
  dibao.standard:
    values:
      "110105":
        2026-01-01: {{value: {value}}}
"""
STANDARD = 1520  # the demo county's standard in yuan (its local value for 2025-07-01 onwards)


def _local() -> list[str]:
    """The demo county's local parameters, as a county's own would be given on a files-only run."""
    return ["--local-params", str(resources.files("minsheng.demo") / "local_parameters.yaml")]


def reforms(folder: Path, n: int) -> list[Path]:
    paths = []
    for i, pct in enumerate((5, 10, 15)[:n]):
        path = folder / f"reform{i}.yaml"
        path.write_text(REFORM.format(id=f"plus{pct}", pct=pct, value=round(STANDARD * (1 + pct / 100))), "utf-8")
        paths.append(path)
    return paths


def command(households: Path, persons: Path, reform_files: list[Path], out: Path) -> list[str]:
    files = ["--households", str(households), "--persons", str(persons), *_local()]
    given = [arg for path in reform_files for arg in ("--reform", str(path))]
    return [str(BIN / "minsheng"), "simulate", *files, *given, "--date", DATE, "--out", str(out)]


def _split(households: str, persons: str, reform_files: list[str]) -> dict[str, float]:
    clock = time.perf_counter
    from minsheng import assessment
    from minsheng.programmes.registry import model
    from minsheng.simulation import equity, figures, study
    from minsheng.simulation.outcomes import simulate

    local = _local()
    t = clock()
    params = assessment.parameters(None, Path(local[1]) if local else None)
    hh, pp = assessment.population_from_files(Path(households), Path(persons))
    scenarios = study.scenarios_for(params, [Path(p) for p in reform_files])
    split = {"load (read, validate, parameters)": clock() - t}
    t = clock()
    out = simulate(model(), hh, pp, scenarios, date=dt.date.fromisoformat(DATE))
    split["evaluate (every scenario)"] = clock() - t
    t = clock()
    figures.programme_totals(out)
    for by in (["county"], ["township"], ["urban_rural"]):
        figures.programme_totals(out, by=by)
    figures.by_household_type(out)
    equity.deciles_and_bands(out)
    equity.bands_by_type(out)
    equity.summary(out)
    equity.summary(out, scale="sqrt")
    equity.target_efficiency(out)
    split["statistics (every table)"] = clock() - t
    return split


def run(persons: int, households_file: Path | None = None, persons_file: Path | None = None) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if households_file is None or persons_file is None:
            folder = make_county(persons, Path(tmp) / "county")  # not timed
            households_file, persons_file = folder / "households.csv", folder / "persons.csv"
        for n, limit, limit_gb in ((1, 5.0, 3.0), (3, 10.0, None)):
            given = reforms(Path(tmp), n)
            out = Path(tmp) / f"out{n}"
            time_command(command(households_file, persons_file, given, out))  # warm the file cache
            seconds, gb = time_command(command(households_file, persons_file, given, out))
            ok = seconds <= limit and (limit_gb is None or gb <= limit_gb)
            target = f"≤ {limit:g} s" + (f", ≤ {limit_gb:g} GB" if limit_gb else "")
            what = f"`minsheng simulate` baseline + {n} reform{'s' if n > 1 else ''}, every statistic (wall)"
            rows.append({"what": what, "seconds": seconds, "peak_gb": gb, "target": target, "ok": ok})
            print(f"{what}: {seconds:.2f} s, {gb:.2f} GB")
        given = [str(p) for p in reforms(Path(tmp), 1)]
        split = run_in_child(_split, str(households_file), str(persons_file), given)
    for name, took in split.items():
        print(f"  {name:<36} {took:6.2f} s")
        rows.append(
            {"what": f"  simulate (1 reform): {name}", "seconds": took, "peak_gb": None, "target": "", "ok": True}
        )
    return rows


if __name__ == "__main__":
    files_main(run)
