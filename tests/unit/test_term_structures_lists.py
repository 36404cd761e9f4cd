"""Structured recognisers for lists and references teachers make when they walk through
harmony and shapes: a CAGED shape named with its barre chord, the chords of a key recited by
quality, a progression's chord named again by its number. Each rule has a sentence it must
find and a counter-example where it must not fire."""

from __future__ import annotations

from scribe.stages.terms.recognizer import TermRecognizer
from tests.helpers import term_spans


def test_shape_barre_chord_is_a_shape_and_a_chord(recognizer: TermRecognizer) -> None:
    text = "so this is your E shape barre chord, and the A-shape barre chords come next"
    assert term_spans(recognizer, text, "position") == ["E shape", "A-shape"]
    assert term_spans(recognizer, text, "chord") == ["barre chord", "barre chords"]
    assert term_spans(recognizer, "play a barre chord at the 5th fret", "position") == []
    assert term_spans(recognizer, "play a barre chord at the 5th fret", "chord") == ["barre chord"]


def test_chords_of_a_key_recited_by_quality(recognizer: TermRecognizer) -> None:
    text = "the chords of the key are 1 major, 2 minor, 3 minor, 4 major and 7 diminished"
    assert term_spans(recognizer, text, "progression") == ["1", "2", "3", "4", "7"]
    text = "I had 2 minor issues and 3 major ones with the setup"
    assert term_spans(recognizer, text, "progression") == []


def test_a_progression_member_named_by_its_number(recognizer: TermRecognizer) -> None:
    text = "the turnaround is 1 6 2 5, but make the 6 a dominant"
    assert term_spans(recognizer, text, "progression") == ["1 6 2 5", "6"]
    text = "count it 1 2 3 4 and put the 4 on the metronome click"
    assert term_spans(recognizer, text, "progression") == []
    text = "play 1 4 5 and then move to the 5 string"
    assert term_spans(recognizer, text, "progression") == ["1 4 5"]


def test_a_list_of_three_bare_letters_is_chords(recognizer: TermRecognizer) -> None:
    text = "so the song for this week only uses G, C and D, and the chart is online"
    assert term_spans(recognizer, text, "chord_name") == ["G", "C", "D"]
    assert term_spans(recognizer, "tune the E, A and D strings down", "chord_name") == []
    assert term_spans(recognizer, "the notes are C, E and G, that's it", "chord_name") == []


def test_where_a_chord_just_named_goes(recognizer: TermRecognizer) -> None:
    text = "and the G7 goes to C, see, dominant to tonic"
    assert term_spans(recognizer, text, "chord_name") == ["G7", "C"]
    assert term_spans(recognizer, "the song goes to C, see", "chord_name") == []


def test_a_comma_ends_the_not_a_chord_window(recognizer: TermRecognizer) -> None:
    text = "so G, D over F#, e minor, that descending bass line is everywhere"
    assert term_spans(recognizer, text, "chord_name") == ["G", "D over F#", "e minor"]
    assert term_spans(recognizer, "the e minor bass line is the hook", "chord_name") == []


def test_a_practice_climb_between_two_bare_tempos(recognizer: TermRecognizer) -> None:
    text = "the shuffle at 90 to start, and then try and get it to 120 by the end of the month"
    assert term_spans(recognizer, text, "tempo") == ["90", "120"]
    assert term_spans(recognizer, "we meet at 70 and go to 80 Main Street", "tempo") == []
    assert term_spans(recognizer, "I was at 50 and now down to 40", "tempo") == []
