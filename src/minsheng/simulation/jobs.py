"""Simulation jobs (issue 13 §2): a simulation over the registry run in the background, its
progress readable while it runs, its tables and reports kept in the data directory.

    jobs = Jobs(data / "simulations")
    job = jobs.submit(principal, spec, engine, params)   # returns at once: status "queued"
    jobs.status(job.id)                                    # "running", progress 0.4, step "evaluate 2026-06-01"
    jobs.table(job.id, "programmes")                       # once "done"

A job belongs to the jurisdiction of the user who made it; only users whose jurisdiction holds
it read it. The files are the job's record: a job running when the server stopped reads
"failed" afterwards (its worker is gone), never "running" for ever. One job runs at a time
(a 2-core machine gains nothing from two), the others wait their turn.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from minsheng.contract.private_files import private_dir, private_file
from minsheng.errors import MinshengError, NotFound
from minsheng.programmes.registry import model
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.reforms import apply, parse_reform_text
from minsheng.security.users import Principal
from minsheng.simulation import study
from minsheng.simulation.outcomes import Scenario
from minsheng.simulation.report_files import render

MAX_REFORMS = 3  # compared side by side (issue 13 §2)
MAX_DATES = 10


@dataclass(frozen=True)
class Spec:
    """What to simulate: reforms as YAML text (the reform file format), dates, the frame."""

    reforms: tuple[str, ...]
    dates: tuple[dt.date, ...]
    frame: str = "registry"


@dataclass
class Status:
    id: str
    owner: str
    jurisdiction: str
    created: str
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    step: str = ""
    error: dict[str, str] = field(default_factory=dict)
    scenarios: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


class Jobs:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulation")
        self._lock = threading.Lock()
        self._running: set[str] = set()

    def submit(self, principal: Principal, spec: Spec, engine: Engine, params: ParameterSet) -> Status:
        """Check the spec now (a bad reform is refused before anything runs), then queue it."""
        scenarios = scenarios_for(params, spec)
        job = Status(
            id=secrets.token_hex(8),
            owner=principal.username,
            jurisdiction=principal.jurisdiction,
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            scenarios=[s.id for s in scenarios],
            dates=[d.isoformat() for d in spec.dates],
        )
        private_dir(self._dir(job.id))
        self._save(job)
        queued = Status(**asdict(job))  # what the caller sees: the worker changes its own copy
        with self._lock:
            self._running.add(job.id)
        self._pool.submit(self._run, job, spec, scenarios, engine)
        return queued

    def status(self, job_id: str, principal: Principal) -> Status:
        path = self._dir(job_id) / "status.json"
        if not _safe(job_id) or not path.exists():
            raise NotFound("没有这项测算", "no such simulation")
        job = Status(**json.loads(path.read_text(encoding="utf-8")))
        if not job.jurisdiction.startswith(principal.jurisdiction):
            raise NotFound("没有这项测算", "no such simulation")  # another area's job is not there
        if job.status in ("queued", "running") and job_id not in self._running:
            job.status, job.error = (
                "failed",
                {"zh": "服务重启，测算中断，请重新提交", "en": "the server restarted: submit again"},
            )
        return job

    def table(self, job_id: str, principal: Principal, name: str) -> pl.DataFrame:
        job = self._done(job_id, principal)
        if name not in job.tables:
            raise NotFound(f"没有表 {name}", f"no table {name}")
        return pl.read_parquet(self._dir(job_id) / f"{name}.parquet")

    def study(self, job_id: str, principal: Principal, params: ParameterSet) -> study.Study:
        """A finished job's study: its scenarios rebuilt from its spec, its tables from its files."""
        job = self._done(job_id, principal)
        spec = json.loads((self._dir(job_id) / "spec.json").read_text(encoding="utf-8"))
        dates = tuple(dt.date.fromisoformat(d) for d in spec["dates"])
        scenarios = scenarios_for(params, Spec(tuple(spec["reforms"]), dates, spec["frame"]))
        tables = {name: pl.read_parquet(self._dir(job_id) / f"{name}.parquet") for name in job.tables}
        return study.Study(spec["frame"], dates, tuple(scenarios), tables)

    def report(
        self, job_id: str, principal: Principal, scenario: str, date: dt.date, lang: str, params: ParameterSet
    ) -> bytes:
        """The report PDF of one reform and date, drawn from the job's stored tables."""
        job = self._done(job_id, principal)
        if scenario not in job.scenarios[1:] or date.isoformat() not in job.dates:
            raise NotFound("没有这份报告", "no such report")
        result = self.study(job_id, principal, params)
        chosen = next(s for s in result.scenarios if s.id == scenario)
        return render(result, params, chosen, date, lang=lang)

    def recent(self, principal: Principal, limit: int = 10) -> list[Status]:
        """The latest jobs the user may read, newest first."""
        found = []
        for path in self.folder.glob("*/status.json") if self.folder.exists() else []:
            try:
                found.append(self.status(path.parent.name, principal))
            except NotFound:
                continue
        return sorted(found, key=lambda j: j.created, reverse=True)[:limit]

    def _done(self, job_id: str, principal: Principal) -> Status:
        job = self.status(job_id, principal)
        if job.status != "done":
            raise MinshengError(f"测算尚未完成（{job.status}）", f"the simulation is not done ({job.status})")
        return job

    def _run(self, job: Status, spec: Spec, scenarios: list[Scenario], engine: Engine) -> None:
        from minsheng.registry import population

        try:
            (self._dir(job.id) / "spec.json").write_text(
                json.dumps({"reforms": list(spec.reforms), "dates": job.dates, "frame": spec.frame}), encoding="utf-8"
            )
            total = 1 + 2 * len(spec.dates)
            done = 0

            def step(name: str) -> None:
                nonlocal done
                done += 1
                job.status, job.progress, job.step = "running", round(done / total, 3), name
                self._save(job)

            hh, pp = population.load(engine, jurisdiction=job.jurisdiction)
            hh = population.with_enrolled(engine, hh, jurisdiction=job.jurisdiction)  # take-up measured against it
            step("population")
            result = study.run(model(), hh, pp, scenarios, list(spec.dates), frame=spec.frame, step=step)
            for name, table in result.tables.items():
                path = private_file(self._dir(job.id) / f"{name}.parquet")
                table.write_parquet(path)
            job.tables, job.status, job.progress, job.step = list(result.tables), "done", 1.0, "done"
        except MinshengError as exc:
            job.status, job.error = "failed", {"zh": exc.zh, "en": exc.en}
        except Exception as exc:  # a job must end "failed", never stay "running"
            job.status, job.error = "failed", {"zh": f"测算出错：{type(exc).__name__}", "en": f"the run failed: {exc}"}
        finally:
            self._save(job)
            with self._lock:
                self._running.discard(job.id)

    def _dir(self, job_id: str) -> Path:
        return self.folder / job_id

    def _save(self, job: Status) -> None:
        path = private_file(self._dir(job.id) / "status.json")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
        private_file(tmp)
        tmp.replace(path)  # a reader never sees half a status


def _safe(job_id: str) -> bool:
    return len(job_id) == 16 and all(c in "0123456789abcdef" for c in job_id)


def scenarios_for(params: ParameterSet, spec: Spec) -> list[Scenario]:
    if not 1 <= len(spec.reforms) <= MAX_REFORMS:
        raise MinshengError(f"改革方案应为1至{MAX_REFORMS}个", f"give 1 to {MAX_REFORMS} reforms")
    if not 1 <= len(spec.dates) <= MAX_DATES:
        raise MinshengError(f"测算日期应为1至{MAX_DATES}个", f"give 1 to {MAX_DATES} dates")
    if spec.frame not in ("registry", "representative"):
        raise MinshengError(f"未知测算总体 {spec.frame}", f"unknown frame {spec.frame}")
    from minsheng.rules.reforms import apply_model

    shipped = model()  # a reform that replaces formulas is read against it and carries its own
    out = [Scenario(study.BASELINE, "现行政策", "current policy", params, model=shipped)]
    for i, text in enumerate(spec.reforms, start=1):
        reform = parse_reform_text(text, f"reform {i}", params, shipped)
        if reform.id in {s.id for s in out}:
            raise MinshengError(f"改革方案编号 {reform.id} 重复", f"reform id {reform.id!r} is used twice")
        rules = apply_model(shipped, reform)
        out.append(Scenario(reform.id, reform.label_zh, reform.label_en, apply(params, reform), reform, rules))
    return out
