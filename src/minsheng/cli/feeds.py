"""Feed commands: `minsheng feeds import`, `minsheng feeds link`, `minsheng feeds train`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from minsheng.cli.common import (
    Column,
    DataOption,
    JsonOption,
    Output,
    app,
    console,
    count_column,
    friendly,
    settings_for,
    steps,
    text,
)
from minsheng.errors import MinshengError

feeds_app = typer.Typer(help="部门比对数据 Department feeds.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


@feeds_app.command("import")
@friendly
def import_feeds(
    files: Annotated[list[Path], typer.Argument(help="部门数据文件，文件名即类别 feed files named after their kind")],
    kind: Annotated[str | None, typer.Option(help="类别 feed kind, when the file name does not say it")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """接收部门数据 Ingest department feeds: validate, quarantine bad rows, link to the registry."""
    from minsheng.bootstrap import bootstrap
    from minsheng.feeds.ingest import ingest_feed
    from minsheng.security.audit import record_batch

    out = Output(as_json)
    app_ = bootstrap(settings_for(data))
    outcomes = []
    with steps(len(files), "部门数据 feeds", out.progress) as step:
        for path in files:
            outcomes.append(ingest_feed(app_.engine, app_.cipher, path, kind=kind))
            record_batch(app_.engine, "import_feeds", {"file": outcomes[-1]})  # each file commits on its own
            step(path.name)
    rows = [
        {
            "file": o.file,
            "kind": o.kind,
            "rows": o.rows,
            "inserted": o.inserted,
            "updated": o.updated,
            "unchanged": o.unchanged,
            "quarantined": o.quarantined,
            "id_invalid": o.id_invalid,
            "links": {link: o.links.get(link, 0) for link in ("linked", "id_conflict", "unmatched")},
        }
        for o in outcomes
    ]
    out.table("files", "部门数据接收完成 feeds ingested", FEED_COLUMNS, rows)
    out.done()


FEED_COLUMNS = [
    Column("文件 file", text("file")),
    Column("类别 kind", text("kind")),
    count_column("行 rows", "rows"),
    count_column("新增 new", "inserted"),
    count_column("更新 updated", "updated"),
    count_column("未变 unchanged", "unchanged"),
    count_column("隔离 quarantined", "quarantined"),
    count_column("号码有误 invalid ID", "id_invalid"),
    Column("已关联 linked", lambda r: f"{r['links']['linked']:,}", right=True),
    Column("号码冲突 id conflict", lambda r: f"{r['links']['id_conflict']:,}", right=True),
    Column("未匹配 unmatched", lambda r: f"{r['links']['unmatched']:,}", right=True),
]


@feeds_app.command("link")
@friendly
def link(
    county: Annotated[str, typer.Option(help="只处理该区县的记录 only records of this county (division prefix)")] = "",
    engine: Annotated[str, typer.Option(help="duckdb | spark (本机Spark local mode, 需Java 17)")] = "duckdb",
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """概率比对 Link the records ingest could not link exactly: linked, to review, or unmatched."""
    from minsheng.bootstrap import bootstrap
    from minsheng.linkage.backend import duckdb_backend, spark_backend
    from minsheng.linkage.store import link_unmatched

    if engine not in ("duckdb", "spark"):
        raise MinshengError(f"未知引擎 {engine}", f"unknown engine {engine}; use duckdb or spark")
    settings = settings_for(data)
    app_ = bootstrap(settings)
    if engine == "spark":
        from minsheng.rules.spark import session

        backend = spark_backend(session())
    else:
        backend = duckdb_backend()
    shown = Output(as_json)
    with steps(1, "概率比对 linkage", shown.progress) as step:
        run = link_unmatched(
            app_.engine,
            app_.cipher,
            backend=backend,
            data_dir=settings.data,
            upper=settings.link_upper,
            lower=settings.link_lower,
            margin=settings.link_margin,
            county=county,
        )
        step("done")
    shown.document.update(records=run.records, linked=run.linked, review=run.review, unmatched=run.unmatched)
    shown.say(
        f"比对 scored {run.records:,}：自动关联 linked {run.linked:,}，待人工复核 to review {run.review:,}，"
        f"未匹配 unmatched {run.unmatched:,}"
    )
    shown.done()


@feeds_app.command("train")
@friendly
def train_model(
    county: Annotated[str, typer.Option(help="只用该区县的记录 only records of this county (division prefix)")] = "",
    sample: Annotated[int, typer.Option(min=1_000, help="随机抽取的部门记录数 feed records drawn at random")] = 200_000,
    seed: Annotated[int, typer.Option(help="随机种子 seed")] = 1,
    data: DataOption = None,
) -> None:
    """训练本地比对模型 Train the county's own linkage model on its records (EM, no labels)."""
    from minsheng.bootstrap import bootstrap
    from minsheng.linkage.county_model import train_county_model

    settings = settings_for(data)
    app_ = bootstrap(settings)
    with steps(1, "训练 training") as step:
        trained = train_county_model(app_.engine, app_.cipher, settings.data, sample=sample, county=county, seed=seed)
        step("done")
    console.print(
        f"比对模型已训练 model trained on {trained.records:,} 条部门记录 records × {trained.persons:,} 人 persons "
        f"({trained.seconds:.1f} s): {trained.path}\n"
        "此后 minsheng feeds link 使用该模型 from now on `minsheng feeds link` uses it"
    )
