"""`make bench`: every performance target of the issues, measured here, as one table.

Timings live here, never in the test suite.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_api
import bench_assess_files
import bench_feeds_synth
import bench_import
import bench_linkage
import bench_lists
import bench_monitoring
import bench_pages
import bench_rules
import bench_simulate
import bench_simulation_page
import bench_synth
import eval_linkage


def fmt_time(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.1f} s"


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| benchmark | time | peak memory | target | result |", "|---|---|---|---|---|"]
    for row in rows:
        gb = "" if row.get("peak_gb") is None else f"{row['peak_gb']:.2f} GB"
        lines.append(
            f"| {row['what']} | {fmt_time(row['seconds'])} | {gb} | {row['target']} | "
            f"{'pass' if row['ok'] else 'FAIL'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark local-mode run")
    args = parser.parse_args()
    rows = [
        bench_synth.run(args.persons),
        bench_feeds_synth.run(args.persons),
        *bench_import.run(args.persons),
        *bench_rules.run(args.persons, spark=not args.no_spark),
        *bench_assess_files.run(args.persons),
        *bench_simulate.run(args.persons),
        *bench_simulation_page.run(),
        *bench_monitoring.run(args.persons),
        *bench_pages.run(args.persons),
        *bench_lists.run(args.persons),
        *bench_api.run(args.persons),
        bench_linkage.run(args.persons, args.persons),
        *eval_linkage.run(args.persons, args.persons // 5),
    ]
    print(
        f"\nminsheng benchmarks — {platform.machine()}, Python {platform.python_version()}, {args.persons:,} persons\n"
    )
    print(table(rows))
    if not all(row["ok"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
