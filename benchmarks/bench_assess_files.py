"""`minsheng assess` on contract files, as a user types it (issue 11 §5).

    python benchmarks/bench_assess_files.py [--persons 1000000] [--households H --persons-file P]

Target (this 2-core machine, quiet, warm file cache): the whole command, interpreter start
included, every validation kept, the four assistance programmes — ≤ 2 s wall and ≤ 2.5 GB
maximum resident memory, measured by `/usr/bin/time -v` around the real command (run once
first to warm the file cache). The phases (start-up, read, validate, evaluate, write) are
measured apart in a fresh child process, to show where the time goes.
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

DATE = "2025-08-01"
BIN = Path(sys.executable).parent
# The synthetic county is the demo county: its local parameters come from the demo's file, as a
# county's own would on a files-only run (issue 12 §5), not from the package.
LOCAL = str(resources.files("minsheng.demo") / "local_parameters.yaml")


def command(households: Path, persons: Path, out: Path) -> list[str]:
    files = ["--households", str(households), "--persons", str(persons)]
    return [str(BIN / "minsheng"), "assess", *files, "--local-params", LOCAL, "--date", DATE, "--out", str(out)]


def _phases(households: str, persons: str, out: str) -> tuple[dict[str, float], int]:
    """Each phase of `assess` from files, timed in this (fresh) process; and the persons count."""
    clock = time.perf_counter
    started = clock()
    import polars as pl  # noqa: F401 - start-up: what the command imports before it reads a file

    import minsheng.cli  # noqa: F401
    from minsheng import assessment
    from minsheng.contract import files
    from minsheng.contract.columns import store_frame
    from minsheng.contract.validation import parse_table

    phases = {"start-up (imports)": clock() - started}
    t = clock()
    params = assessment.parameters(None, Path(LOCAL))
    phases["parameters"] = clock() - t
    read = validate = 0.0
    frames = []
    for path, kind in ((households, "households"), (persons, "persons")):
        t = clock()
        table = files.read(Path(path), kind)
        read += clock() - t
        t = clock()
        parsed, errors = parse_table(table.frame, kind)
        assert errors.is_empty(), errors.head()
        frames.append(store_frame(parsed.drop("__row"), kind))
        validate += clock() - t
    phases["read"], phases["validate"] = read, validate
    t = clock()
    result = assessment.assess(frames[0], frames[1], date=dt.date.fromisoformat(DATE), params=params)
    phases["evaluate"] = clock() - t
    t = clock()
    assessment.write_outputs(result, Path(out), "csv")
    phases["write"] = clock() - t
    return phases, frames[1].height


def run(persons: int, households_file: Path | None = None, persons_file: Path | None = None) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        if households_file is None or persons_file is None:
            folder = make_county(persons, Path(tmp) / "county")  # not timed
            households_file, persons_file = folder / "households.csv", folder / "persons.csv"
        out = Path(tmp) / "out"
        time_command(command(households_file, persons_file, out))  # warm the file cache
        seconds, gb = time_command(command(households_file, persons_file, out))
        phases, n = run_in_child(_phases, str(households_file), str(persons_file), str(Path(tmp) / "phases"))
    print(f"minsheng assess on files ({n:,} persons): {seconds:.2f} s wall, {gb:.2f} GB max resident")
    for name, took in phases.items():
        print(f"  {name:<20} {took:6.2f} s")
    return [
        {
            "what": f"`minsheng assess` on contract CSVs, {n:,} persons (wall, start-up included)",
            "seconds": seconds,
            "peak_gb": gb,
            "target": "≤ 2 s, ≤ 2.5 GB",
            "ok": seconds <= 2 and gb <= 2.5,
        },
        *(
            {"what": f"  assess phase: {name}", "seconds": took, "peak_gb": None, "target": "", "ok": True}
            for name, took in phases.items()
        ),
    ]


if __name__ == "__main__":
    files_main(run)
