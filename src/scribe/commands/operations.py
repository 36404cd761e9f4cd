"""``scribe dlq``, ``scribe migrate`` and ``scribe retention``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from scribe.commands.common import DataDir, settings_for
from scribe.config import load_settings
from scribe.errors import ScribeError
from scribe.queues import ALL_QUEUES, open_broker

console = Console()

dlq_app = typer.Typer(help="Dead-letter queues: list and redrive.", no_args_is_help=True)
migrate_app = typer.Typer(
    help="Move data between backends (and back, for a rollback).", no_args_is_help=True
)
retention_app = typer.Typer(help="The data-retention policy.", no_args_is_help=True)


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())


@dlq_app.command("list")
def dlq_list(
    peek: Annotated[int, typer.Option(min=0, max=10, help="Dead letters to show per queue.")] = 3,
    data_dir: DataDir = None,
) -> None:
    """Each queue's waiting, in-flight and dead counts, with a peek at the dead letters."""
    broker = open_broker(settings_for(data_dir))
    table = Table("queue", "visible", "in flight", "dead", "dead letters (job, stage, deliveries)")
    for name in ALL_QUEUES:
        queue = broker.queue(name)
        counts = queue.counts()
        dead = queue.receive_dead(max_messages=peek, visibility_timeout=0) if peek else []
        shown = ", ".join(
            f"{m.body.get('job_id', '?')[:8]} {m.body.get('stage', '')} ×{m.receive_count}"
            for m in dead
        )
        table.add_row(name, str(counts.visible), str(counts.in_flight), str(counts.dead), shown)
    console.print(table)


@dlq_app.command("redrive")
def dlq_redrive(
    queue: Annotated[
        str, typer.Argument(help="A queue: extract, extract-high, extract-low, …, events.")
    ],
    limit: Annotated[int | None, typer.Option(min=1, help="Move at most this many.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Move dead letters back to their queue for another try."""
    if queue not in ALL_QUEUES:
        raise ScribeError(f"unknown queue {queue!r}: use one of {', '.join(ALL_QUEUES)}")
    moved = open_broker(settings_for(data_dir)).queue(queue).redrive(limit=limit)
    print(f"moved {moved} dead letter(s) back to {queue}")


@migrate_app.command("db")
def migrate_db(
    target: Annotated[str, typer.Option("--to", help="Target database URL.")],
    source: Annotated[
        str | None,
        typer.Option("--from", help="Source database URL (default: the data folder's)."),
    ] = None,
    data_dir: DataDir = None,
    batch: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 500,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted copy.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Only count what would be copied.")] = False,
) -> None:
    """Copy every table (SQLite ⇄ PostgreSQL) in batches, then verify counts and checksums."""
    from scribe.transfer.database import migrate_database

    source = source or settings_for(data_dir).database_url
    with _bar() as bar:
        tasks: dict[str, TaskID] = {}

        def report(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total)
            bar.update(tasks[table], completed=done)

        result = migrate_database(
            source, target, batch=batch, resume=resume, dry_run=dry_run, progress=report
        )
    table = Table(
        "table", "source rows", "copied", "already there", "target rows", "verified", "NUL removed"
    )
    for entry in result.tables:
        table.add_row(
            entry.table,
            str(entry.source_rows),
            str(entry.copied),
            str(entry.already_there),
            "-" if dry_run else str(entry.target_rows),
            "dry run" if dry_run else ("yes" if entry.verified else "NO"),
            str(entry.nul_removed),
        )
    console.print(table)


@migrate_app.command("blobs")
def migrate_blobs_command(
    source: Annotated[str, typer.Option("--from", help="Folder or s3://bucket/prefix.")],
    target: Annotated[str, typer.Option("--to", help="Folder or s3://bucket/prefix.")],
    prefix: Annotated[str, typer.Option(help="Only keys under this prefix.")] = "",
    endpoint_url: Annotated[
        str | None, typer.Option(help="S3 endpoint (default: SCRIBE_STORAGE__ENDPOINT_URL).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only list what would be copied.")] = False,
) -> None:
    """Copy every object, skipping identical ones (so a rerun resumes), verifying each copy."""
    from scribe.transfer.blobs import migrate_blobs, open_spec

    endpoint = endpoint_url or os.environ.get("SCRIBE_STORAGE__ENDPOINT_URL")
    with _bar() as bar:
        task = bar.add_task("objects", total=None)

        def report(_key: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = migrate_blobs(
            open_spec(source, endpoint_url=endpoint),
            open_spec(target, endpoint_url=endpoint),
            prefix=prefix,
            dry_run=dry_run,
            progress=report,
        )
    verb = "would copy" if dry_run else "copied and verified"
    print(
        f"{result.total} objects: {verb} {len(result.copied)} "
        f"({result.bytes_copied} bytes), skipped {len(result.skipped)} identical, "
        f"failed {len(result.failed)}"
    )
    if result.failed:
        raise ScribeError(
            f"checksum mismatch for {len(result.failed)} object(s): {result.failed[:5]}"
        )


@retention_app.command("apply")
def retention_apply(
    dry_run: Annotated[bool, typer.Option(help="Report what would be deleted.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Delete what the retention settings say has expired, and report it."""
    from scribe.retention import apply_retention
    from scribe.services import open_backends

    settings = settings_for(data_dir)
    backends = open_backends(settings)
    try:
        report = apply_retention(
            backends.engine, backends.store, settings.retention, dry_run=dry_run
        )
    finally:
        backends.close()
    if json_output:
        print(json.dumps(report.__dict__))
        return
    prefix = "would delete" if dry_run else "deleted"
    print(
        f"{prefix}: {len(report.jobs)} expired job(s) with every artifact, "
        f"{len(report.originals)} original(s), {len(report.audio)} extracted audio file(s)"
    )


keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what the key is for.")],
    scope: Annotated[str, typer.Option(help="read, write or admin.")] = "write",
    data_dir: DataDir = None,
) -> None:
    """Create a key; its secret is printed once and only its hash is stored."""
    from scribe.db import keys
    from scribe.services import open_database

    if scope not in keys.SCOPE_RANK:
        raise ScribeError(f"unknown scope {scope!r}: use read, write or admin")
    if not name.strip() or len(name) > 200 or not name.isprintable():
        raise ScribeError("a key needs a name (printable, up to 200 characters): who it is for")
    engine = open_database(settings_for(data_dir, existing=False))
    with engine.begin() as conn:
        key, token = keys.create_key(conn, name=name, scope=scope)  # type: ignore[arg-type]
    engine.dispose()
    print(token)
    print(
        f"created {key.scope} key {key.prefix} for {key.name!r}; "
        "store it now, it is not shown again",
        file=sys.stderr,
    )


@keys_app.command("list")
def keys_list(data_dir: DataDir = None) -> None:
    """Every key (never its secret)."""
    from scribe.db import keys
    from scribe.services import open_database

    engine = open_database(settings_for(data_dir))
    with engine.connect() as conn:
        rows = keys.list_keys(conn)
    engine.dispose()
    table = Table("prefix", "name", "scope", "created", "last used", "revoked")
    for key in rows:
        table.add_row(
            key.prefix,
            key.name,
            key.scope,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's prefix or id.")], data_dir: DataDir = None
) -> None:
    """Revoke a key at once."""
    from scribe.db import keys
    from scribe.services import open_database

    engine = open_database(settings_for(data_dir))
    with engine.begin() as conn:
        revoked = keys.revoke_key(conn, key=key)
    engine.dispose()
    if not revoked:
        raise ScribeError(f"no live key {key!r}")
    print(f"revoked {key}")


metrics_app = typer.Typer(help="Metrics for autoscaling.", no_args_is_help=True)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        stage, sep, item = value.partition("=")
        if not sep or stage not in ("extract", "transcribe", "terms"):
            raise ScribeError(
                f"{what} {value!r}: expected STAGE=VALUE with STAGE extract, transcribe or terms"
            )
        pairs[stage] = item
    return pairs


@metrics_app.command("publish-backlog")
def publish_backlog(
    running: Annotated[
        list[str] | None,
        typer.Option(help="Running workers of a stage, e.g. transcribe=2 (instead of ECS)."),
    ] = None,
    ecs_cluster: Annotated[str | None, typer.Option(help="ECS cluster to count tasks in.")] = None,
    ecs_service: Annotated[
        list[str] | None,
        typer.Option(help="ECS service of a stage, e.g. transcribe=scribe-transcribe."),
    ] = None,
    every: Annotated[
        float, typer.Option(min=0, help="Publish every N seconds; 0 publishes once.")
    ] = 0,
    dry_run: Annotated[bool, typer.Option(help="Print the figures without publishing.")] = False,
) -> None:
    """Put each stage's backlog per task (visible messages ÷ running workers) to CloudWatch."""
    import time

    import boto3

    from scribe.observability.backlog import measure, publish, running_from_ecs

    settings = load_settings()
    broker = open_broker(settings)
    region, endpoint = settings.metrics.cloudwatch_region, settings.metrics.cloudwatch_endpoint_url
    fixed = {stage: int(n) for stage, n in _pairs(running or [], "--running").items()}
    services = _pairs(ecs_service or [], "--ecs-service")
    if services and not ecs_cluster:
        raise ScribeError("--ecs-service needs --ecs-cluster")
    while True:
        counts = dict(fixed)
        if ecs_cluster:
            ecs = boto3.client("ecs", region_name=region, endpoint_url=endpoint)
            counts.update(running_from_ecs(ecs, cluster=ecs_cluster, services=services))
        backlogs = measure(broker, prefix=settings.queue.prefix, running=counts)
        for b in backlogs:
            print(
                f"{b.queue_name}: visible {b.visible}, in flight {b.in_flight}, "
                f"running {b.running}, backlog per task {b.per_task:.2f}"
            )
        if not dry_run:
            cloudwatch = boto3.client("cloudwatch", region_name=region, endpoint_url=endpoint)
            print(f"published {publish(cloudwatch, backlogs)} data points")
        if not every:
            return
        time.sleep(every)


models_app = typer.Typer(help="The shared model cache.", no_args_is_help=True)


@models_app.command("seed")
def models_seed(
    name: Annotated[str, typer.Argument(help="Name workers load (SCRIBE_WHISPER__MODEL).")],
    repo: Annotated[str, typer.Option(help="Hugging Face repository of the model.")],
    revision: Annotated[str, typer.Option(help="Commit of the repository (pinned).")],
    sha256: Annotated[str, typer.Option(help="SHA-256 of the model's model.bin.")],
    source: Annotated[
        Path | None, typer.Option(help="Copy from this folder instead of downloading.")
    ] = None,
) -> None:
    """Seed the model cache once with a pinned, checked model (workers never download)."""
    from scribe.models_seed import seed_model

    settings = load_settings()
    assert settings.whisper.cache_dir is not None
    record = seed_model(
        settings.whisper.cache_dir,
        name=name,
        repo=repo,
        revision=revision,
        sha256=sha256,
        source=source,
    )
    print(f"{record.name}: {record.repo}@{record.revision} (model.bin sha256 {record.sha256})")
