"""``scribe process``: the three stages in this process, on a throw-away blob store.

The same handlers the workers run, without queues, database or server; captions to publish
and the chapter list are written beside their outputs.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scribe import artifacts
from scribe.config import Settings
from scribe.domain.jobs import STAGE_ORDER, Stage
from scribe.messages import StageTask
from scribe.storage.local import LocalBlobStore
from scribe.workers.handlers import StageContext, StageHandler, make_handler

OUTPUT_FILES = (
    "transcript.json",
    "transcript.txt",
    "transcript.srt",
    "transcript.vtt",
    "terms.json",
    "audio.json",
    "metrics.json",
)

StageProgress = Callable[[Stage, float], None]


@dataclass
class LocalResult:
    """Where one input's outputs went."""

    source: Path
    folder: Path
    facts: dict[str, object]


class LocalPipeline:
    """Loads each stage's handler once and runs files through all three."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.handlers: dict[Stage, StageHandler] = {
            stage: make_handler(stage, settings) for stage in STAGE_ORDER
        }

    def load(self) -> None:
        """Load the model and the spaCy pipeline."""
        for handler in self.handlers.values():
            handler.load()

    def run(
        self,
        source: Path,
        out_dir: Path,
        *,
        options: dict[str, object] | None = None,
        progress: StageProgress | None = None,
    ) -> LocalResult:
        """Process one file; writes ``out_dir/<name>/`` and returns its facts."""
        folder = out_dir / artifacts.safe_filename(source.stem)
        with tempfile.TemporaryDirectory(prefix="scribe-") as tmp:
            store = LocalBlobStore(Path(tmp))
            job_id = uuid.uuid4().hex
            input_key = artifacts.source_key(job_id, source.name)
            store.put_file(input_key, source)
            facts: dict[str, object] = {}
            for stage in STAGE_ORDER:
                task = StageTask(
                    job_id=job_id, stage=stage, input_key=input_key, options=dict(options or {})
                )
                ctx = StageContext(store=store, progress=_stage_reporter(progress, stage))
                outcome = self.handlers[stage].handle(task, ctx)
                facts.update(outcome.facts)
                if outcome.next_input:
                    input_key = outcome.next_input
                if progress:
                    progress(stage, 1.0)
            folder.mkdir(parents=True, exist_ok=True)
            for name in OUTPUT_FILES:
                with store.local_copy(artifacts.artifact_key(job_id, name)) as path:
                    shutil.copyfile(path, folder / name)
        write_captions(folder)
        return LocalResult(source=source, folder=folder, facts=facts)


def _stage_reporter(progress: StageProgress | None, stage: Stage) -> Callable[[float], None]:
    """A progress callback of one stage."""

    def report(share: float) -> None:
        if progress is not None:
            progress(stage, share)

    return report


def write_captions(folder: Path) -> None:
    """Captions to publish (``captions.srt``, ``captions.vtt``, default profile) and the
    chapter list (``chapters.txt``) beside the transcript the stages wrote in ``folder``."""
    from scribe.captions import find_chapters, resolve_profile, to_youtube
    from scribe.domain.terms import TermsResult
    from scribe.domain.transcript import Transcript
    from scribe.library.exports import captions

    transcript = Transcript.model_validate_json((folder / "transcript.json").read_text())
    terms = TermsResult.model_validate_json((folder / "terms.json").read_text()).occurrences
    for fmt in ("srt", "vtt"):
        (folder / f"captions.{fmt}").write_text(captions(transcript, terms, fmt, resolve_profile()))
    (folder / "chapters.txt").write_text(to_youtube(find_chapters(transcript, terms)))
