"""`minsheng serve` with several server processes on PostgreSQL (MINSHENG_WEB_WORKERS): each
process builds the app from the environment the command passed on, and every one of them
answers with the same jurisdiction rules; on SQLite the setting is held at one process."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from minsheng.settings import Settings
from world import PASSWORD, World

SECRET = b"minsheng test key, not a secret!"  # tests/world.py's CIPHER


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in found.split()]


def test_two_server_processes_answer_alike(pg_world: World, tmp_path: Path, free_port: int) -> None:
    port = free_port
    env = {
        **os.environ,
        "MINSHENG_DATABASE_URL": pg_world.engine.url.render_as_string(hide_password=False),
        "MINSHENG_DATA_KEY": base64.b64encode(SECRET).decode("ascii"),
        "MINSHENG_WEB_WORKERS": "2",
    }
    command = [str(Path(sys.executable).parent / "minsheng"), "serve", "--port", str(port), "--data", str(tmp_path)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200 and len(_children(server.pid)) >= 2:
                    break
            except httpx2.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        # uvicorn's supervisor and its two workers (a spawned process may add a resource tracker)
        assert len(_children(server.pid)) >= 2
        answers = set()
        for _ in range(12):  # fresh connections: the kernel hands them to either process
            with httpx2.Client(base_url=base) as client:
                login = client.post("/api/session", json={"username": "reviewer_a", "password": PASSWORD})
                headers = {"Authorization": f"Bearer {login.json()['token']}"}
                own = client.get("/api/households/A1", headers=headers)
                other = client.get("/api/households/B1", headers=headers)
                answers.add((own.status_code, own.json()["household"]["household_id"], other.status_code))
        assert answers == {(200, "A1", 404)}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_sqlite_keeps_one_server_process(tmp_path: Path) -> None:
    assert Settings(data=tmp_path, web_workers=4).resolved_web_workers() == 1
    on_pg = Settings(data=tmp_path, web_workers=4, database_url="postgresql+psycopg://localhost/x")
    assert on_pg.resolved_web_workers() == 4
