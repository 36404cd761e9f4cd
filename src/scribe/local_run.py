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
from scribe.messages import StageOptions, StageTask
from scribe.stages.base import StageContext, StageHandler
from scribe.stages.registry import make_handler
from scribe.storage.local import LocalBlobStore

OUTPUT_FILES = (
    "transcript.json",
    "transcript.txt",
    "transcript.srt",
    "transcript.vtt",
    "transcript.tsv",
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
        folder_name: str | None = None,
    ) -> LocalResult:
        """Process one file; writes ``out_dir/<name>/`` (or ``folder_name``) and returns its
        facts."""
        folder = out_dir / (folder_name or artifacts.safe_filename(source.stem))
        with tempfile.TemporaryDirectory(prefix="scribe-") as tmp:
            store = LocalBlobStore(Path(tmp))
            job_id = uuid.uuid4().hex
            input_key = artifacts.source_key(job_id, source.name)
            store.put_file(input_key, source)
            facts: dict[str, object] = {}
            for stage in STAGE_ORDER:
                task = StageTask(
                    job_id=job_id,
                    stage=stage,
                    input_key=input_key,
                    options=StageOptions.model_validate(options or {}),
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


def output_folders(sources: list[Path]) -> list[str]:
    """One distinct output folder name per source: the safe stem (``a`` for ``a.mp3``); when
    two reduce to the same, the later ones get the extension (``a.wav``), then a number."""
    names: list[str] = []
    taken: set[str] = set()
    for source in sources:
        candidates = [artifacts.safe_filename(source.stem), artifacts.safe_filename(source.name)]
        name = next((c for c in candidates if c.lower() not in taken), None)
        n = 2
        while name is None or name.lower() in taken:
            name = f"{candidates[0]}-{n}"
            n += 1
        taken.add(name.lower())
        names.append(name)
    return names


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
