"""Benchmark: generate and write a synthetic county of about a million persons.

    python benchmarks/bench_synth.py [--persons 1000000] [--county 110105]

prints one markdown table row:

    | synth 1,000,000 persons | seconds | peak GB | target ≤ 20 s, ≤ 3 GB | pass/fail |

The work runs in a child process so that its peak resident memory
(`ru_maxrss`, KB on Linux) measures this job alone. `run(persons)` returns
the same figures as a dict, for a bench runner that imports this file.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 20.0
TARGET_GB = 3.0
MEAN_HOUSEHOLD_SIZE = 2.62  # the generator's calibrated mean (census 2020)


def _child(persons: int, county: str, out_dir: str) -> dict[str, float | int]:
    """Generate and write; time both, and report this process's peak RSS."""
    from minsheng.synth import SynthConfig, generate, write

    start = time.perf_counter()
    pop = generate(SynthConfig(county=county, households=round(persons / MEAN_HOUSEHOLD_SIZE), seed=1))
    generated = time.perf_counter()
    write(pop, out_dir)
    done = time.perf_counter()
    return {
        "persons": pop.persons.height,
        "households": pop.households.height,
        "generate_seconds": generated - start,
        "write_seconds": done - generated,
        "seconds": done - start,
        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def run(persons: int = 1_000_000, county: str = "110105") -> dict[str, float | int | bool | str]:
    """Run the benchmark in a fresh interpreter; seconds, peak GB and pass/fail."""
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        proc = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                "--persons",
                str(persons),
                "--county",
                county,
                "--out",
                tmp,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    result: dict[str, float | int | bool | str] = json.loads(proc.stdout.strip().splitlines()[-1])
    peak_gb = float(result["peak_kb"]) / 1024**2
    result["peak_gb"] = peak_gb
    passed = float(result["seconds"]) <= TARGET_SECONDS and peak_gb <= TARGET_GB
    # Keys read by benchmarks/run.py: what, seconds, peak_gb, target, ok.
    result.update(
        what=f"synth {persons:,} persons",
        target=f"≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_GB:.0f} GB",
        ok=passed,
        passed=passed,
    )
    result["row"] = (
        f"| {result['what']} | {float(result['seconds']):.1f} s | {peak_gb:.2f} GB "
        f"| target {result['target']} | {'pass' if passed else 'fail'} |"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--county", default="110105")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.persons, args.county, args.out)))
        return
    result = run(args.persons, args.county)
    print(result["row"])
    print(
        f"(generate {float(result['generate_seconds']):.1f} s, write {float(result['write_seconds']):.1f} s, "
        f"{int(result['persons']):,} persons in {int(result['households']):,} households)",
        file=sys.stderr,
    )
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
