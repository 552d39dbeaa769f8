"""The demo sets its county's local parameters as a county would (issue 12 §5), on SQLite and
PostgreSQL: "admin" submits the demo file, "admin2" approves it, both audited; the values are in
force for registry-backed runs; a second run adds nothing; the desk's users join the same list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select

from minsheng.demo.desk import seed_desk
from minsheng.demo.local_params import DEMO_FILE, seed_local_parameters
from minsheng.localparams import store
from minsheng.programmes.registry import baseline
from minsheng.security.tables import AUDIT_LOG
from minsheng.security.users import authenticate


def test_one_demo_administrator_submits_and_another_approves(engine: Engine, tmp_path: Path) -> None:
    seeded = seed_local_parameters(engine, "110105", tmp_path)
    assert [u.username for u in seeded.users] == ["admin", "admin2"] and seeded.batch is not None
    assert seeded.values == 14
    with engine.connect() as conn:
        (batch,) = store.batches(conn)
        params = store.parameters_for(conn, baseline())
        actions = conn.execute(select(AUDIT_LOG.c.action, AUDIT_LOG.c.actor).order_by(AUDIT_LOG.c.id)).all()
        for user in seeded.users:
            assert authenticate(conn, user.username, user.password).role == "administrator"
    assert (batch["status"], batch["submitted_by"], batch["decided_by"]) == ("approved", "admin", "admin2")
    assert batch["source_file"] == DEMO_FILE.name
    assert [tuple(a) for a in actions] == [("submit_local_parameters", "admin"), ("approve_local_parameters", "admin2")]
    value, level, entry = params.resolve("dibao.standard", "110105", dt.date(2026, 6, 30), "urban")
    assert (value, level) == (1520, "county") and entry is not None and entry.source.doc == "演示示例（非真实文号）"

    again = seed_local_parameters(engine, "110105", tmp_path)
    assert again.users == [] and again.batch is None
    made, _orders = seed_desk(engine, "110105", tmp_path, today=dt.date(2026, 6, 30))
    assert "admin" not in {u.username for u in made} and "reviewer" in {u.username for u in made}
    listed = [line.split("\t")[0] for line in (tmp_path / "demo-users.txt").read_text("utf-8").splitlines()]
    assert listed[:2] == ["admin", "admin2"] and "reviewer" in listed  # nobody's password lost
    with engine.connect() as conn:
        assert len(store.batches(conn)) == 1
