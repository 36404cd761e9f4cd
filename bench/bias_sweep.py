"""Lexicon biasing side by side: CTranslate2 with the prompt alone and with the prompt plus
its n-best rescoring at each λ, against the torch engine with the prompt alone, the prompt plus
the decoder bias at each λ, and the decoder bias alone; biasing off as the floor. One run, one
set of lessons (``bench/eval_asr.py``'s: Piper-voiced lesson sentences over guitar), through
extract → transcribe → terms.

Per setting: term recall, invented words in music, words kept after music, the lexicon
corrections made (lessons / LibriVox), LibriVox WER (biasing on: the full lexicon as the
decoder's bias) and decoding seconds.

Usage: ``.venv/bin/python bench/bias_sweep.py [--sentences 60] [--weights 1,2,3,4]
[--alone 3] [--model tiny.en] [--voice piper]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import eval_asr  # noqa: E402
import lesson_audio  # noqa: E402
from scribe.config import Settings, load_settings  # noqa: E402
from scribe.domain.jobs import Stage  # noqa: E402
from scribe.local_run import LocalPipeline  # noqa: E402


@dataclass(frozen=True)
class Setting:
    """One row: engine, biasing on, the prompt, the decoder's λ (0: no decoder bias)."""

    engine: str
    bias: bool
    prompt: bool = True
    weight: float = 0.0

    @property
    def label(self) -> str:
        """How the row reads."""
        if not self.bias:
            return f"{self.engine}, biasing off"
        where = "n-best" if self.engine == "ctranslate2" else "decoder"
        parts = (["prompt"] if self.prompt else []) + (
            [f"{where} λ={self.weight:g}"] if self.weight else []
        )
        return f"{self.engine}, {' + '.join(parts)}"


def settings_for(engine: str, folder: Path) -> Settings:
    """Shipped settings on a scratch data folder, with ``engine``."""
    settings = load_settings(data_dir=folder / f"var-{engine}")
    if "SCRIBE_WHISPER__CACHE_DIR" not in os.environ:
        settings.whisper.cache_dir = eval_asr.OUT / "models"
    settings.whisper.engine = engine  # type: ignore[assignment]
    return settings


def corrections(result_folder: Path) -> int:
    """Lexicon corrections in a transcript."""
    transcript = json.loads((result_folder / "transcript.json").read_text())
    return len(transcript["options"].get("corrections", []))


def main() -> None:
    """Build the lessons once, run every setting over them and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--per-lesson", type=int, default=12)
    parser.add_argument("--voice", default="piper")
    parser.add_argument("--model", default="tiny.en", choices=sorted(eval_asr.PRESETS))
    parser.add_argument("--weights", default="1,2,3,4", help="λ of the prompt + decoder rows")
    parser.add_argument("--alone", default="3", help="λ of decoder-only rows (empty: none)")
    parser.add_argument("--engines", default="ctranslate2,torch")
    parser.add_argument("--bed-db", type=float, default=-6.0)
    args = parser.parse_args()
    if args.voice == "piper" and lesson_audio.piper_paths() is None:
        sys.exit("piper is not set up: run bench/setup_piper.sh (or --voice espeak)")
    engines = args.engines.split(",")
    weights = [w for w in args.weights.split(",") if w]
    rows: list[Setting] = []
    if "ctranslate2" in engines:
        rows += [Setting("ctranslate2", False), Setting("ctranslate2", True)]
        rows += [Setting("ctranslate2", True, True, float(w)) for w in weights]
    if "torch" in engines:
        rows += [Setting("torch", False), Setting("torch", True)]
        rows += [Setting("torch", True, True, float(w)) for w in weights]
        rows += [Setting("torch", True, False, float(w)) for w in args.alone.split(",") if w]
    sentences = eval_asr.pick(args.sentences, args.seed)
    preset = eval_asr.PRESETS[args.model]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pipelines = {engine: LocalPipeline(settings_for(engine, folder)) for engine in engines}
        for pipeline in pipelines.values():
            pipeline.load()
        first = next(iter(pipelines.values()))
        recognizer = first.handlers[Stage.TERMS].recognizer  # type: ignore[attr-defined]
        wanted = [
            [(m.category, m.term) for m in matches]
            for matches in recognizer.find_in_texts([row["text"] for row in sentences])
        ]
        lessons = eval_asr.build(sentences, args.voice, True, args.per_lesson, args.bed_db)
        audio = sum(lesson.duration for _wav, lesson in lessons)
        print(
            f"{len(sentences)} sentences, {sum(map(len, wanted))} expected terms, "
            f"{len(lessons)} lessons ({audio:.0f} s), {args.voice}, {args.model}",
            flush=True,
        )
        header = (
            f"{'setting':36s} {'recall':>13s} {'invented':>8s} {'kept aft.':>9s} "
            f"{'corr.':>5s} {'WER':>6s} {'corr. LV':>8s} {'decode s':>8s}"
        )
        print(header, flush=True)
        for n, row in enumerate(rows):
            pipeline = pipelines[row.engine]
            whisper = pipeline.settings.whisper
            whisper.bias_prompt, whisper.bias_weight = row.prompt, row.weight
            options: dict[str, object] = {"lexicon_bias": row.bias, "preset": preset}
            score, fixed = eval_asr.Score(), 0
            started = time.perf_counter()
            for wav, lesson in lessons:
                result = pipeline.run(wav, folder / f"row{n}", options=options)
                eval_asr.score_lesson(score, lesson, sentences, wanted, result.folder, False)
                fixed += corrections(result.folder)
            wer, clips = eval_asr.librivox_wer(pipeline, folder / f"wer{n}", options)
            fixed_lv = sum(corrections(clip) for clip in clips)
            recall = score.found / score.expected if score.expected else 0.0
            after = score.after_heard / score.after_words if score.after_words else 0.0
            print(
                f"{row.label:36s} {recall:.3f} ({score.found:2d}/{score.expected}) "
                f"{len(score.invented):8d} {after:9.3f} {fixed:5d} {wer:6.3f} {fixed_lv:8d} "
                f"{score.seconds:8.1f}   ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
