"""The ``scribe`` command."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from scribe.capacity.cli import plan_capacity
from scribe.commands.operations import (
    dlq_app,
    keys_app,
    metrics_app,
    migrate_app,
    models_app,
    retention_app,
)
from scribe.config import Settings, load_settings
from scribe.config_masking import masked_settings
from scribe.domain.jobs import Stage
from scribe.errors import ScribeError

app = typer.Typer(
    help="Scribe: word-timed transcripts and time-stamped music terms for lesson videos.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(dlq_app, name="dlq")
app.add_typer(migrate_app, name="migrate")
app.add_typer(retention_app, name="retention")
app.add_typer(keys_app, name="keys")
app.add_typer(metrics_app, name="metrics")
app.add_typer(models_app, name="models")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (database, queues, blobs); env SCRIBE_DATA_DIR."),
]
ApiUrl = Annotated[
    str,
    typer.Option("--url", envvar="SCRIBE_URL", help="Base URL of a running Scribe api."),
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="SCRIBE_API_KEY",
        show_envvar=True,
        help="API key, when the api requires one (env SCRIBE_API_KEY).",
    ),
]
DEFAULT_URL = "http://127.0.0.1:8000"
MAX_TERMS_TEXT = 1_000_000  # spaCy's own limit for one text


def _settings(data_dir: Path | None = None, **groups: dict[str, object]) -> Settings:
    """Settings from the environment, with the command line's options on top (a group's
    fields given as a dict, e.g. ``api={"port": 9000}``; None means not given)."""
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    for group, fields in groups.items():
        given = {name: value for name, value in fields.items() if value is not None}
        if given:
            overrides[group] = given
    return load_settings(**overrides)


def _setup_logging(settings: Settings, service: str) -> None:
    from scribe.observability.logging import configure_logging

    configure_logging(settings.log, service=service)


@app.command()
def up(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Address the api binds.")] = None,
    port: Annotated[int | None, typer.Option(help="Port the api binds.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes per stage.")] = 1,
) -> None:
    """Run everything on this machine: api, orchestrator and one worker per stage."""
    from scribe.supervisor import run_all

    settings = _settings(data_dir, api={"host": host, "port": port})
    _setup_logging(settings, "up")
    raise typer.Exit(run_all(settings, workers_per_stage=workers))


@app.command()
def api(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
) -> None:
    """Run the api service (REST, OpenAPI docs at /docs) with the orchestrator."""
    import uvicorn

    from scribe.api import create_app

    settings = _settings(data_dir, api={"host": host, "port": port})
    _setup_logging(settings, "api")
    from scribe.api.startup import check_secrets
    from scribe.api.tls import server_certificate

    check_secrets(settings)  # a one-line reason before uvicorn starts, not a traceback
    certificate = server_certificate(settings)  # SCRIBE_API__TLS: HTTPS on the api's port
    uvicorn.run(
        create_app(settings),
        host=settings.api.host,
        port=settings.api.port,
        log_config=None,
        timeout_graceful_shutdown=10,
        ssl_certfile=str(certificate.certfile) if certificate else None,
        ssl_keyfile=str(certificate.keyfile) if certificate else None,
    )


@app.command()
def worker(
    stage: Annotated[Stage, typer.Argument(help="Which stage to work on.")],
    data_dir: DataDir = None,
) -> None:
    """Run one stage worker: extract (FFmpeg), transcribe (Whisper) or terms (spaCy)."""
    from scribe.worker.service import run_worker

    settings = _settings(data_dir)
    _setup_logging(settings, f"worker-{stage.value}")
    run_worker(stage, settings)


@app.command()
def process(
    files: Annotated[
        list[Path],
        typer.Argument(exists=True, dir_okay=False, readable=True, help="Media files."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    language: Annotated[str | None, typer.Option(help="Spoken language, or `auto`.")] = None,
) -> None:
    """Transcribe files here, without a server: writes OUT/<name>/transcript.*, terms.json."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scribe.local_run import LocalPipeline, output_folders
    from scribe.orchestrator.machine import overall_progress

    settings = _settings()
    pipeline = LocalPipeline(settings)
    pipeline.load()
    options: dict[str, object] = {"language": language} if language else {}
    failures = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        transient=False,
    ) as bar:
        for path, folder_name in zip(files, output_folders(files), strict=True):
            task = bar.add_task(path.name, total=1.0)

            def report(stage: Stage, share: float, task: Any = task) -> None:
                bar.update(task, completed=overall_progress(stage, share))

            try:
                result = pipeline.run(
                    path, out, options=options, progress=report, folder_name=folder_name
                )
            except ScribeError as exc:
                failures += 1
                bar.update(task, description=f"{path.name}: failed: {exc}")
                continue
            bar.update(task, completed=1.0, description=f"{path.name} → {result.folder}")
    raise typer.Exit(1 if failures else 0)


@app.command()
def terms(
    file: Annotated[str, typer.Argument(help="A text file, or - for standard input.")] = "-",
) -> None:
    """Find music terms in plain text; prints one JSON object per occurrence."""
    from scribe.lexicon import load_lexicon
    from scribe.stages.terms.recognizer import TermRecognizer

    if file == "-":
        raw, where = sys.stdin.buffer.read(), "standard input"
    else:
        path = Path(file)
        if not path.is_file():
            raise ScribeError(f"no such file: {file}")
        raw, where = path.read_bytes(), file
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScribeError(
            f"{where} is not UTF-8 text: `scribe terms` reads a transcript's text "
            "(for media, use `scribe process`)"
        ) from None
    if len(text) > MAX_TERMS_TEXT:
        raise ScribeError(
            f"{where} holds {len(text):,} characters; `scribe terms` reads at most "
            f"{MAX_TERMS_TEXT:,} at a time: split it"
        )
    settings = _settings()
    recognizer = TermRecognizer(
        load_lexicon(settings.terms.lexicon_path), settings.terms.spacy_model
    )
    for match in recognizer.find_in_text(text):
        print(
            json.dumps(
                {
                    "term": match.term,
                    "category": match.category,
                    "text": match.text,
                    "start": match.start_char,
                    "end": match.end_char,
                }
            )
        )


@app.command()
def submit(
    files: Annotated[
        list[Path],
        typer.Argument(exists=True, dir_okay=False, readable=True, help="Media files to upload."),
    ],
    url: ApiUrl = DEFAULT_URL,
    wait: Annotated[bool, typer.Option(help="Wait until every job is finished.")] = False,
    language: Annotated[str | None, typer.Option(help="Spoken language, or `auto`.")] = None,
    api_key: ApiKey = None,
) -> None:
    """Upload files to a running api; prints each job id (and waits with --wait).

    When the api requires keys, pass one with --api-key or the SCRIBE_API_KEY variable."""
    from scribe.client import ScribeClient, wait_for_jobs

    client = ScribeClient(url, api_key=api_key)
    ids = []
    for path in files:
        job = client.submit(path, language=language)
        ids.append(job["id"])
        print(f"{job['id']}  {path.name}")
    if wait:
        finished = wait_for_jobs(client, ids)
        failed = [job for job in finished if job["state"] != "completed"]
        for job in finished:
            print(f"{job['id']}  {job['state']}" + (f"  {job['error']}" if job["error"] else ""))
        raise typer.Exit(1 if failed else 0)


@app.command()
def jobs(
    url: ApiUrl = DEFAULT_URL,
    state: Annotated[str | None, typer.Option(help="Only jobs in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many.")] = 20,
    api_key: ApiKey = None,
) -> None:
    """List the newest jobs of a running api (ids in full, never cut)."""
    from rich.console import Console
    from rich.table import Column, Table

    from scribe.client import ScribeClient

    table = Table(
        Column("id", no_wrap=True, min_width=32),
        Column("state", no_wrap=True),
        "progress",
        "file",
        "created",
        "error",
    )
    for job in ScribeClient(url, api_key=api_key).list_jobs(state=state, limit=limit):
        table.add_row(
            job["id"],
            job["state"],
            f"{job['progress'] * 100:.0f}%",
            job["filename"],
            job["created_at"][:19],
            job["error"] or "",
        )
    Console().print(table)


@app.command()
def status(
    job_id: Annotated[str, typer.Argument(help="The job id, or its first characters.")],
    url: ApiUrl = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Show one job: state, progress, stage timings and error."""
    from scribe.client import ScribeClient

    if not job_id.strip():
        raise ScribeError("a job id (or its first characters) is required")
    client = ScribeClient(url, api_key=api_key)
    print(json.dumps(client.find_job(job_id.strip()), indent=2))


app.command("plan-capacity")(plan_capacity)


@db_app.command("upgrade")
def db_upgrade(
    data_dir: DataDir = None,
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for the database to answer.")
    ] = 30,
) -> None:
    """Apply the database migrations up to the newest."""
    from scribe.db.engine import engine_from_settings
    from scribe.db.migrate import current_revision, upgrade
    from scribe.services import wait_for_database

    settings = _settings(data_dir)
    engine = engine_from_settings(settings)
    wait_for_database(engine, timeout=wait)
    upgrade(engine)
    print(f"database at revision {current_revision(engine)}")


@app.command("config")
def show_config(data_dir: DataDir = None) -> None:
    """Print the effective settings (secrets masked)."""
    print(json.dumps(masked_settings(_settings(data_dir)), indent=2))


def _warn_unknown_environment() -> None:
    from scribe.config_masking import unknown_environment

    for name, close in unknown_environment():
        hint = f" (did you mean {close}?)" if close else ""
        print(f"warning: {name} is not a Scribe setting and is ignored{hint}", file=sys.stderr)


def main() -> None:
    """Entry point: a one-line error and exit status 2 for known errors, no traceback."""
    _warn_unknown_environment()
    try:
        app()
    except ScribeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        print(f"error: invalid settings: {problems}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # anything else: still one line, never a traceback
        if os.environ.get("SCRIBE_DEBUG"):
            raise
        from scribe.commands.common import one_line

        print(f"error: {one_line(exc)}", file=sys.stderr)
        sys.exit(1)
