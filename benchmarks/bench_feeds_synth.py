"""Benchmark: a year of department feeds for a synthetic county of about a million persons.

    python benchmarks/bench_feeds_synth.py [--persons 1000000] [--county 110105]

prints one markdown table row (the child process runs through benchmarks/child.py):

    | feeds 1,000,000 persons, 12 months | seconds | peak GB | target ≤ 30 s | pass/fail |

The timed work is `generate_feeds` plus `write_feeds`; generating the population
they are drawn from is timed apart (`population_seconds`, see bench_synth.py).
The work runs in a child process so that its peak resident memory (`ru_maxrss`,
KB on Linux) measures this job alone. `run(persons)` returns the same figures as
a dict with the keys benchmarks/run.py reads: what, seconds, peak_gb, target, ok.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from typing import Any

from child import run_in_child

TARGET_SECONDS = 30.0
MEAN_HOUSEHOLD_SIZE = 2.62  # the generator's calibrated mean (census 2020)


def _child(persons: int, county: str, out_dir: str) -> dict[str, float | int]:
    import datetime as dt

    from minsheng.demo.local_params import demo_parameters
    from minsheng.synth import SynthConfig, generate
    from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds

    params = demo_parameters(county)  # the demo county's local values, for this county (not timed)
    start = time.perf_counter()
    config = SynthConfig(county=county, households=round(persons / MEAN_HOUSEHOLD_SIZE), seed=1)
    pop = generate(config, params=params)
    generated = time.perf_counter()
    feeds = generate_feeds(pop, FeedConfig(start=dt.date(2025, 7, 1), months=12, seed=1))
    drawn = time.perf_counter()
    write_feeds(feeds, out_dir)
    done = time.perf_counter()
    return {
        "persons": pop.persons.height,
        "households": pop.households.height,
        "records": sum(f.height for f in feeds.records.values()),
        "events": feeds.truth.height,
        "population_seconds": generated - start,
        "feeds_seconds": drawn - generated,
        "write_seconds": done - drawn,
        "seconds": done - generated,
        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def run(persons: int = 1_000_000, county: str = "110105") -> dict[str, Any]:
    """Run the benchmark in a fresh process; seconds, peak GB and pass/fail (the keys benchmarks/run.py reads)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        result: dict[str, Any] = run_in_child(_child, persons, county, tmp)
    peak_gb = result["peak_kb"] / 1024**2
    result.update(
        what=f"feeds {persons:,} persons, 12 months",
        peak_gb=peak_gb,
        target=f"≤ {TARGET_SECONDS:.0f} s",
        ok=result["seconds"] <= TARGET_SECONDS,
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--county", default="110105")
    args = parser.parse_args()
    from run import table

    print(table([run(args.persons, args.county)]))
