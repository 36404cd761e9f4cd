"""Chapters from where a lesson's terms change topic, on a lesson with known topic times."""

from __future__ import annotations

import pytest

from scribe.captions import find_chapters, to_vtt_chapters, to_youtube
from scribe.domain.terms import TermOccurrence
from scribe.domain.transcript import Segment, Transcript, Word
from scribe.lexicon import load_lexicon
from scribe.stages.terms.recognizer import TermRecognizer

# (start second, sentence): an intro without terms, G major from 0:30 (with one passing
# hammer-on), the minor pentatonic scale from 1:30, strumming from 2:50.
SCRIPT = [
    (0, "Welcome back everyone, grab your guitar and get comfortable."),
    (12, "Today is a relaxed session, so take your time."),
    (30, "Let us start with the G major chord."),
    (42, "Put your fingers down for the G major chord."),
    (55, "Add a hammer-on if you like."),
    (64, "Strum the G major chord four times."),
    (78, "That G major chord should ring clearly."),
    (90, "Now the minor pentatonic scale in A."),
    (104, "Play the minor pentatonic scale up and down."),
    (121, "The minor pentatonic scale is the blues box."),
    (150, "Once more, the minor pentatonic scale, slowly."),
    (170, "Finally some alternate picking on one string."),
    (184, "Keep the alternate picking even and relaxed."),
    (199, "Alternate picking takes practice, so see you next time."),
]
DURATION = 215.0


def lesson() -> Transcript:
    """A transcript with a word every 0.35 s from each sentence's start."""
    segments = []
    for index, (start, sentence) in enumerate(SCRIPT):
        words = [
            Word(text=" " + w, start=start + n * 0.35, end=start + n * 0.35 + 0.3, probability=0.9)
            for n, w in enumerate(sentence.split(" "))
        ]
        segments.append(
            Segment(index=index, start=start, end=words[-1].end, text=" " + sentence, words=words)
        )
    return Transcript(
        language="en", language_probability=1, duration=DURATION, model="t", segments=segments
    )


@pytest.fixture(scope="module")
def terms() -> list[TermOccurrence]:
    """The real recogniser's terms for the lesson."""
    return TermRecognizer(load_lexicon()).recognize(lesson()).occurrences


def test_chapters_start_where_the_topic_changes(terms: list[TermOccurrence]) -> None:
    said = {t.term for t in terms}
    assert {"minor pentatonic", "alternate picking", "hammer-on"} <= said, said
    chapters = find_chapters(lesson(), terms)
    assert [(c.start, c.title) for c in chapters] == [
        (0.0, "Intro"),
        (30.0, "G major"),
        (90.0, "Minor pentatonic scale"),
        (170.0, "Alternate picking"),
    ]
    assert [c.end for c in chapters] == [30.0, 90.0, 170.0, DURATION]
    assert chapters[1].mentions == 4  # the passing hammer-on is no chapter of its own


def test_youtube_list_and_webvtt_chapters(terms: list[TermOccurrence]) -> None:
    chapters = find_chapters(lesson(), terms)
    assert to_youtube(chapters) == (
        "0:00 Intro\n0:30 G major\n1:30 Minor pentatonic scale\n2:50 Alternate picking\n"
    )
    vtt = to_vtt_chapters(chapters)
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:30.000\nIntro\n")
    assert "4\n00:02:50.000 --> 00:03:35.000\nAlternate picking\n" in vtt


def test_a_topic_said_too_briefly_gives_its_time_to_the_one_before(
    terms: list[TermOccurrence],
) -> None:
    chapters = find_chapters(lesson(), terms, min_length=50.0)
    # the first topic comes before 50 s: no intro; alternate picking lasts 45 s: merged
    assert [(c.start, c.title, c.mentions) for c in chapters] == [
        (0.0, "G major", 4),
        (90.0, "Minor pentatonic scale", 4),
    ]
    assert chapters[-1].end == DURATION


def test_no_topic_no_chapters() -> None:
    assert find_chapters(lesson(), []) == []
