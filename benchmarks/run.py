"""`make bench`: every performance target of the issues, measured here, as one table.

Timings live here, never in the test suite.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import
import bench_synth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    args = parser.parse_args()
    rows = [bench_synth.run(args.persons), *bench_import.run(args.persons)]
    print(
        f"\nminsheng benchmarks — {platform.node()}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}\n"
    )
    print("| benchmark | time | peak memory | target | result |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['what']} | {row['seconds']:.1f} s | {row['peak_gb']:.2f} GB | {row['target']} | "
            f"{'pass' if row['ok'] else 'FAIL'} |"
        )
    if not all(row["ok"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
