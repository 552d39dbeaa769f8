"""The demo county's local parameters, set the way a county sets its own (issue 12 §5).

`demo/local_parameters.yaml` holds the demo county's illustrative values, each dated and marked
as no real document. `seed_local_parameters` has the demo's administrator "admin" submit the
file (checked as the Excel template is, `localparams.local_file`) and a second administrator,
"admin2", approve it: the audit log, the local-parameters page and every registry-backed run
then show where the demo's standard and asset rules come from. Run before the demo's
assessment, so that it is assessed with them; a second run finds them approved and adds nothing.

The shipped parameter files hold no value of the demo county's own: whatever runs the demo
county without its database (the synthetic county, tests, benchmarks) lays the same file over
them, as `minsheng assess --local-params` does:

    params = demo_parameters()            # the shipped files + the demo county's values
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from minsheng.demo.desk import DemoUser, ensure_users
from minsheng.localparams import local_file, store
from minsheng.programmes.registry import baseline
from minsheng.rules.parameters import ParameterSet
from minsheng.security.users import Principal

DEMO_FILE = Path(str(resources.files("minsheng.demo") / "local_parameters.yaml"))
DEMO_COUNTY = "110105"  # the file's own division
MAKER, CHECKER = "admin", "admin2"


def demo_parameters(county: str = DEMO_COUNTY, base: ParameterSet | None = None) -> ParameterSet:
    """`base` (default: the shipped files) with the demo file's values laid over it for `county`:
    what `minsheng assess --local-params demo/local_parameters.yaml` runs with."""
    if base is None:
        return _over_baseline(county)
    return local_file.layer_file(base, DEMO_FILE, county)


@cache
def _over_baseline(county: str) -> ParameterSet:
    return local_file.layer_file(baseline(), DEMO_FILE, county)  # a set is immutable: one per county will do


@dataclass(frozen=True)
class Seeded:
    users: list[DemoUser]  # the administrators made now (their passwords shown once)
    batch: int | None  # the submission approved now; None when an earlier run did it
    values: int


def seed_local_parameters(engine: Engine, county: str, data_dir: Path) -> Seeded:
    """Submit the demo's values as "admin" and approve them as "admin2" (once)."""
    users = ensure_users(engine, data_dir, [(MAKER, "administrator", county), (CHECKER, "administrator", county)])
    values = local_file.read(DEMO_FILE, baseline(), county)
    with engine.connect() as conn:
        done = [
            b for b in store.batches(conn, jurisdiction=county, status="approved") if b["source_file"] == DEMO_FILE.name
        ]
    if done:
        return Seeded(users, None, len(values))
    with engine.begin() as conn:
        maker = Principal(MAKER, "administrator", county)
        batch = store.submit(conn, maker, values, division=county, source_file=DEMO_FILE.name)
    with engine.begin() as conn:
        checker = Principal(CHECKER, "administrator", county)
        store.decide(
            conn, checker, batch, approve=True, note="演示：由第二名管理员审批 demo: approved by a second administrator"
        )
    return Seeded(users, batch, len(values))
