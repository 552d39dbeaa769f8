"""The `minsheng` command: thin shells over the use cases.

Each command translates its options, calls one use-case function, and shows
progress and a one-screen summary. A `MinshengError` becomes its message and
exit code 1, never a traceback. Commands live in `registry`, `rules`, `feeds`, `monitor`, `params`, `simulate`, `users` and `audit`.
"""

from minsheng.cli import audit, feeds, monitor, params, registry, rules, simulate, users  # noqa: F401  (importing registers the commands)
from minsheng.cli.common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
