"""Run one measured piece of work in a fresh process, so its peak memory is its own."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
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
