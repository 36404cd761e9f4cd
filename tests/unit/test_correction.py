"""Lexicon-aware correction of transcripts, with the bundled lexicon (no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scribe.config import WhisperSettings
from scribe.domain.transcript import Segment, Transcript, Word
from scribe.lexicon import Lexicon, load_lexicon
from scribe.stages.extract.media import extract_audio
from scribe.stages.transcribe.biasing.correction import correct_transcript
from scribe.stages.transcribe.biasing.phonetics import double_metaphone, similarity
from scribe.stages.transcribe.biasing.prompts import hint_prompt, second_pass
from scribe.stages.transcribe.transcriber import Transcriber, windows
from tests.helpers import librivox_references, word_error_rate

SENTENCES = Path(__file__).resolve().parents[2] / "bench" / "data" / "term_sentences.jsonl"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


def transcript_of(*sentences: str, probability: float = 0.5, spread: bool = True) -> Transcript:
    """One segment a sentence, a word every 0.4 s, the words at ``probability`` (below the
    level at which corrections are skipped as heard for sure) or a little under it."""
    segments = []
    clock = 0.0
    for index, sentence in enumerate(sentences):
        words = []
        for n, text in enumerate(sentence.split()):
            words.append(
                Word(
                    text=f" {text}",
                    start=round(clock, 3),
                    end=round(clock + 0.3, 3),
                    probability=round(probability - (0.01 * (n % 5) if spread else 0), 4),
                )
            )
            clock += 0.4
        segments.append(
            Segment(
                index=index,
                start=words[0].start,
                end=words[-1].end,
                text="".join(w.text for w in words),
                words=words,
            )
        )
    return Transcript(
        language="en",
        language_probability=1.0,
        duration=round(clock, 3),
        model="tiny.en",
        options={"beam_size": 5},
        segments=segments,
    )


def test_double_metaphone_keys_sound_alike_spellings_alike() -> None:
    assert double_metaphone("Smith") == ("SM0", "XMT")
    assert double_metaphone("knight") == ("NT", "NT")
    assert double_metaphone("chord")[0] == "KRT"
    assert double_metaphone("matronome") == double_metaphone("metronome")
    assert double_metaphone("clayv") == double_metaphone("clave")
    assert double_metaphone("") == ("", "")
    assert similarity("abc", "abc") == 1.0
    assert similarity("abcd", "abed") == 0.75


@pytest.mark.parametrize(
    ("heard", "corrected", "term"),
    [
        ("set your matronome to sixty", " matronome", "metronome"),
        ("a Marshall's tack is loud", " marshall's tack", "Marshall"),
        ("play it in route position first", " route position", "root position"),
        ("and then first in version", " first in version", "first inversion"),
        ("great for alternate baking", " alternate baking", "alternate picking"),
        ("rhythm flashes mean play the chords in time", " rhythm flashes", "rhythm slashes"),
        ("Gospel is full of passing cards", " passing cards", "passing chord"),
        ("top harmonic sound like bells", " top harmonic", "tap harmonic"),
    ],
)
def test_sound_alike_words_become_the_lexicon_term(
    lexicon: Lexicon, heard: str, corrected: str, term: str
) -> None:
    fixed = correct_transcript(transcript_of(heard), lexicon)
    corrections = fixed.options["corrections"]
    assert [c["term"] for c in corrections] == [term]
    assert corrections[0]["heard"].lower() == corrected.strip()
    assert fixed.options["beam_size"] == 5


def test_times_and_probabilities_are_kept(lexicon: Lexicon) -> None:
    original = transcript_of(
        "play it in route position first and then first in version",
        "a Marshall's tack is what those records used",
        "set your matronome to sixty",
    )
    fixed = correct_transcript(original, lexicon)
    assert len(fixed.options["corrections"]) == 4
    assert fixed.text.split("\n") == [
        "play it in root position first and then first inversion",
        "a Marshall stack is what those records used",
        "set your metronome to sixty",
    ]
    for before, after in zip(original.segments, fixed.segments, strict=True):
        # Each corrected word spans exactly the words it replaced, and its probability is
        # the lowest of theirs: a correction never makes a guess look more certain.
        old = iter(before.words)
        for word in after.words:
            merged = [next(old)]
            while merged[-1].end < word.end:
                merged.append(next(old))
            assert (word.start, word.end) == (merged[0].start, merged[-1].end)
            assert word.probability == min(w.probability for w in merged)
        assert next(old, None) is None
        assert after.text == "".join(w.text for w in after.words)
        assert (after.start, after.end) == (before.start, before.end)
    unchanged = [w for w in fixed.words if w.text in {w.text for w in original.words}]
    assert {w.probability for w in unchanged} <= {w.probability for w in original.words}
    # The input transcript is left as it was.
    assert "route" in original.text
    assert "corrections" not in original.options


def test_one_for_one_corrections_keep_every_probability(lexicon: Lexicon) -> None:
    original = transcript_of("play it in route position first", "set your matronome to sixty")
    fixed = correct_transcript(original, lexicon)
    assert [w.probability for w in fixed.words] == [w.probability for w in original.words]
    assert [(w.start, w.end) for w in fixed.words] == [(w.start, w.end) for w in original.words]
    assert fixed.text.split("\n") == [
        "play it in root position first",
        "set your metronome to sixty",
    ]


def test_punctuation_and_capitals_are_kept(lexicon: Lexicon) -> None:
    fixed = correct_transcript(transcript_of("Route position, first."), lexicon)
    assert fixed.text == "Root position, first."


@pytest.mark.parametrize(
    "sentence",
    [
        "Welcome back everyone, grab a coffee and let's begin.",
        "He was not an ill disposed young man.",
        "And Mr. John Dashwood had then leisure to consider how much there might be prudently "
        "in his power to do for them.",
        "Every object is streamed, read back and its checksum compared.",
        "If the bad version changed the schema, check that the old one still works.",
        "The first finding was that the route was closed, so we took a cab.",
        "She was typing a letter while he was topping up the tank.",
        "a G major triad on the high e string with a half step bend",
        "use all downstrokes for that driving thrash metal sound",
    ],
)
def test_ordinary_sentences_are_left_alone(lexicon: Lexicon, sentence: str) -> None:
    original = transcript_of(sentence)
    fixed = correct_transcript(original, lexicon)
    assert fixed.options["corrections"] == []
    assert fixed.text == original.text


def test_labelled_sentences_gain_no_corrections(lexicon: Lexicon) -> None:
    """Written right, every evaluation sentence (with terms or without) stays as it is."""
    rows = [json.loads(line) for line in SENTENCES.read_text().splitlines() if line.strip()]
    fixed = correct_transcript(transcript_of(*(row["text"] for row in rows)), lexicon)
    assert fixed.options["corrections"] == []


def test_single_words_whisper_was_sure_of_are_not_corrected(lexicon: Lexicon) -> None:
    sure = transcript_of("set your matronome to sixty", probability=0.99, spread=False)
    assert correct_transcript(sure, lexicon).options["corrections"] == []
    # A run of words is judged by the term around it, however sure Whisper was.
    context = transcript_of("full of passing cards", probability=0.99, spread=False)
    assert correct_transcript(context, lexicon).text == "full of passing chords"


def test_a_higher_threshold_corrects_less(lexicon: Lexicon) -> None:
    heard = transcript_of("play it in route position first and then first in version")
    assert len(correct_transcript(heard, lexicon, threshold=0.9).options["corrections"]) == 2
    assert len(correct_transcript(heard, lexicon, threshold=0.99).options["corrections"]) == 1


def test_second_pass_hints_name_the_terms_that_were_nearly_heard(lexicon: Lexicon) -> None:
    heard = transcript_of("play it in route position first, then the open chord")
    prompt = hint_prompt(heard.segments, lexicon)
    assert prompt is not None
    assert prompt.startswith("A guitar lesson. Terms: root position")
    assert "open chord" in prompt
    own = hint_prompt(
        heard.segments, lexicon, user_prompt="Jazz comping.", chosen=["root position"]
    )
    assert own == "Jazz comping. Terms: root position, open chord."
    assert hint_prompt(heard.segments, lexicon, chosen=["bebop"]) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Welcome back everyone, grab a coffee and let's begin.",
        "use alternate picking on the minor pentatonic scale",
    ],
)
def test_no_second_pass_where_nothing_was_nearly_heard(lexicon: Lexicon, sentence: str) -> None:
    assert hint_prompt(transcript_of(sentence).segments, lexicon) is None


def test_windows_group_segments_up_to_whisper_window() -> None:
    spans = [(0.0, 9.0), (10.0, 20.0), (21.0, 27.5), (29.0, 40.0), (41.0, 80.0), (81.0, 82.0)]
    segments = [Segment(index=i, start=s, end=e, text="x") for i, (s, e) in enumerate(spans)]
    grouped = [[s.index for s in group] for group in windows(segments, seconds=28.0)]
    assert grouped == [[0, 1, 2], [3], [4], [5]]


def test_second_pass_decodes_windows_again_and_keeps_what_is_chosen(tmp_path: Path) -> None:
    clip, _reference = next(iter(librivox_references().items()))
    wav = tmp_path / "clip.wav"
    facts = extract_audio(clip, wav)
    transcriber = Transcriber(WhisperSettings(cpu_threads=2))
    first = transcriber.transcribe(wav)
    asked: list[list[Segment]] = []

    def prompt_for(window: list[Segment]) -> str:
        asked.append(window)
        return "A reading of Sense and Sensibility."

    kept = transcriber.redecode(wav, first, prompt_for=prompt_for, keep=lambda old, new: True)
    assert asked == [first.segments]
    assert kept.options["second_pass"] == {"windows": 1, "redecoded": 1, "replaced": 1}
    assert "second_pass_seconds" in kept.timings
    words = kept.words
    assert words
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert all(0 <= w.start <= w.end <= facts.duration + 0.5 for w in words)
    assert [s.index for s in kept.segments] == list(range(len(kept.segments)))
    assert word_error_rate(first.text, kept.text) < 0.3
    unchanged = transcriber.redecode(wav, first, prompt_for=prompt_for, keep=lambda o, n: False)
    assert unchanged.segments == first.segments
    assert unchanged.options["second_pass"]["replaced"] == 0
    skipped = transcriber.redecode(wav, first, prompt_for=lambda w: None, keep=lambda o, n: True)
    assert skipped.options["second_pass"] == {"windows": 1, "redecoded": 0, "replaced": 0}
    # Plain speech: whatever the hints, a window is replaced only when it gains terms.
    plain = second_pass(transcriber, wav, first, load_lexicon())
    assert plain.options["second_pass"]["replaced"] == 0
    assert plain.segments == first.segments
