"""Run one measured piece of work in a fresh process, so its peak memory is its own."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _wrap(target: Callable[..., Any], args: tuple[Any, ...], queue: mp.Queue) -> None:  # type: ignore[type-arg]
    queue.put(target(*args))


def run_in_child(target: Callable[..., Any], *args: Any) -> Any:
    """`target(*args)` in a spawned process; its (small) result, or an error naming the exit code."""
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_wrap, args=(target, args, queue))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{target.__name__} failed in its child process (exit code {proc.exitcode})")
    return queue.get(timeout=5)


def time_command(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, max resident GB) of a command as a user types it, under `/usr/bin/time -v`."""
    import re
    import subprocess

    done = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True, check=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss, done.stderr
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024**2


def files_main(run: Callable[[int, Path | None, Path | None], list[dict[str, Any]]]) -> None:
    """The command line of a benchmark over contract files: synthesised (`--persons`) or given; exit 1
    when a target is missed."""
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--households-file", type=Path, help="existing contract households CSV (else synthesised)")
    parser.add_argument("--persons-file", type=Path, help="existing contract persons CSV")
    args = parser.parse_args()
    rows = run(args.persons, args.households_file, args.persons_file)
    if not all(row["ok"] for row in rows):
        sys.exit(1)
