"""Structured recognisers for the short spoken forms teachers use: strings named without
"string", tempos without "bpm", frets after a fret, named intervals and degrees. Each rule
has a sentence it must find and a counter-example where it must not fire."""

from __future__ import annotations

from scribe.stages.terms.recognizer import TermRecognizer
from tests.helpers import term_spans

# --- strings ----------------------------------------------------------------------------------


def test_low_and_high_e_without_string(recognizer: TermRecognizer) -> None:
    text = "string height is 2 millimetres on the low E and one and a half on the high e"
    assert term_spans(recognizer, text, "string") == ["low E", "high e"]
    assert term_spans(recognizer, "in drop C the low C does the chugs", "string") == ["low C"]
    assert term_spans(recognizer, "she can sing a high C and hit a low E", "string") == []
    assert term_spans(recognizer, "thumb on the low F bass note", "string") == []


def test_open_string_includes_open(recognizer: TermRecognizer) -> None:
    text = "from the open low E string, then this open G string drone"
    assert term_spans(recognizer, text, "string") == ["open low E string", "open G string"]
    assert term_spans(recognizer, "the riff is in E and the open E is your friend", "string") == [
        "open E"
    ]
    assert term_spans(recognizer, "tune to open G and play slide", "string") == []


def test_letter_pairs_of_strings(recognizer: TermRecognizer) -> None:
    text = "double stops on the G and B strings, then on the low E and A strings"
    assert term_spans(recognizer, text, "string") == ["G and B strings", "low E and A strings"]
    assert term_spans(recognizer, "play G and C with new strings", "string") == []


def test_a_letter_after_a_fret_is_a_string(recognizer: TermRecognizer) -> None:
    text = "second finger 2nd fret of the D, first finger 2nd fret A"
    assert term_spans(recognizer, text, "string") == ["D", "A"]
    assert term_spans(recognizer, "at the 3rd fret it's a G", "string") == []


def test_letters_listed_with_a_string(recognizer: TermRecognizer) -> None:
    text = "index, middle, ring on the G, B and high e"
    assert term_spans(recognizer, text, "string") == ["G", "B", "high e"]
    assert term_spans(recognizer, "the song uses G, C and D", "string") == []


# --- tempos -----------------------------------------------------------------------------------


def test_a_bare_number_after_at_is_a_tempo_with_a_tempo_word(recognizer: TermRecognizer) -> None:
    text = "scales at 90bpm, and the arpeggios at 70"
    assert term_spans(recognizer, text, "tempo") == ["90bpm", "70"]
    text = "I'll do a full playthrough at 140 and then at 160"
    assert term_spans(recognizer, text, "tempo") == ["140", "160"]
    text = "he was still playing fast at 70 years old"
    assert term_spans(recognizer, text, "tempo") == []
    assert term_spans(recognizer, "the gig starts at 80 Main Street", "tempo") == []
    assert term_spans(recognizer, "we meet at 70 and play the blues", "tempo") == []


def test_a_number_alone_after_metronome(recognizer: TermRecognizer) -> None:
    text = "let's put the metronome on, what did you have it on at home, 80?"
    assert term_spans(recognizer, text, "tempo") == ["80"]
    assert term_spans(recognizer, "the metronome cost me, oh, 80?", "tempo") == []


def test_whisper_pm_for_bpm_needs_no_context_above_clock_hours(
    recognizer: TermRecognizer,
) -> None:
    assert term_spans(recognizer, "take this slow blues at about 60pm", "tempo") == ["60pm"]
    assert term_spans(recognizer, "the lesson is at 6pm on Sunday", "tempo") == []


# --- frets ------------------------------------------------------------------------------------


def test_a_bare_ordinal_after_a_fret_is_a_fret(recognizer: TermRecognizer) -> None:
    text = "box 2 joins box 1 at the 8th fret and goes up to the 10th"
    assert term_spans(recognizer, text, "fret") == ["8th fret", "10th"]
    text = "that should be 2nd fret not 3rd, sorry"
    assert term_spans(recognizer, text, "fret") == ["2nd fret", "3rd"]
    text = "play the 5th fret on the 4th string, and on the 5th of May we meet"
    assert term_spans(recognizer, text, "fret") == ["5th fret"]
    assert term_spans(recognizer, "we go up to the 10th in the book", "fret") == []


def test_two_ordinals_share_frets(recognizer: TermRecognizer) -> None:
    text = "the pull off lick at the 8th and 5th frets"
    assert term_spans(recognizer, text, "fret") == ["8th and 5th frets"]
    text = "the dots are at the third, fifth, seventh, ninth and twelfth frets"
    assert term_spans(recognizer, text, "fret") == []


# --- lowercase chord names --------------------------------------------------------------------


def test_lowercase_e_minor_is_a_chord(recognizer: TermRecognizer) -> None:
    text = "so at this point you know four chords, e minor, a minor, G and C"
    assert term_spans(recognizer, text, "chord_name")[:2] == ["e minor", "a minor"]
    text = "going from e minor to a minor and back"
    assert term_spans(recognizer, text, "chord_name") == ["e minor", "a minor"]
    assert term_spans(recognizer, "use the e minor pentatonic here", "chord_name") == []
    assert term_spans(recognizer, "it's a minor issue with a major label", "chord_name") == []


# --- degrees ----------------------------------------------------------------------------------


def test_written_ordinals_are_degrees_without_a_fret(recognizer: TermRecognizer) -> None:
    text = "you keep the root, 3rd and flat 7, and alter the 5th and the 9th"
    assert term_spans(recognizer, text, "degree") == ["3rd", "flat 7", "5th", "9th"]
    assert term_spans(recognizer, "slide from the 5th fret up to the 7th", "degree") == []
    assert term_spans(recognizer, "see you on the 5th of May", "degree") == []


def test_stacked_plural_intervals(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "quartal voicings, so stacking 4ths", "degree") == ["4ths"]
    assert term_spans(recognizer, "two thirds of the class stacked chairs", "degree") == []


# --- progressions -----------------------------------------------------------------------------


def test_digit_degrees_joined_by_to(recognizer: TermRecognizer) -> None:
    text = "a perfect cadence is 5 to 1, and a plagal cadence is 4 to 1"
    assert term_spans(recognizer, text, "progression") == ["5 to 1", "4 to 1"]
    assert term_spans(recognizer, "the class is 5 to 10 people", "progression") == []


def test_secondary_dominants(recognizer: TermRecognizer) -> None:
    text = "I'll write it as V7 of ii on the board"
    assert term_spans(recognizer, text, "progression") == ["V7 of ii"]
    text = "five of five, that's the secondary dominant"
    assert term_spans(recognizer, text, "progression") == ["five of five"]
    assert term_spans(recognizer, "five of six people came", "progression") == []


def test_two_written_numerals_after_a(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "so over a ii V you can think dorian", "progression") == ["ii V"]
    assert term_spans(recognizer, "Part ii V was the best", "progression") == []


def test_a_bare_digit_chord_needs_harmony_words(recognizer: TermRecognizer) -> None:
    text = "an imperfect cadence ends on the 5, so it sounds like a question"
    assert term_spans(recognizer, text, "progression") == ["5"]
    assert term_spans(recognizer, "we meet on the 5, so bring snacks", "progression") == []


def test_accented_beats_are_no_chords(recognizer: TermRecognizer) -> None:
    text = "it didn't groove, try accenting the two and the four"
    assert term_spans(recognizer, text, "progression") == []
    text = "resolve to the five, then the four and the five again in this chord progression"
    assert "five" in term_spans(recognizer, text, "progression")


# --- beats ------------------------------------------------------------------------------------


def test_a_backbeat_pair_after_on(recognizer: TermRecognizer) -> None:
    text = "doubling the snare on 2 and 4, and the click on one and three"
    assert term_spans(recognizer, text, "rhythm") == ["2 and 4", "one and three"]
    assert term_spans(recognizer, "put a capo on 2 and 4 strings", "rhythm") == []
    assert term_spans(recognizer, "see the notes on pages 2 and 4", "rhythm") == []


def test_letters_listed_with_a_lowercase_chord(recognizer: TermRecognizer) -> None:
    text = "it's just G, e minor, C and D, the same four chords round and round"
    assert term_spans(recognizer, text, "chord_name") == ["G", "e minor", "C", "D"]


def test_changes_between_two_letters_are_chords(recognizer: TermRecognizer) -> None:
    text = "do one minute changes between G and C every day"
    assert term_spans(recognizer, text, "chord_name") == ["G", "C"]
    text = "the tritone is between the B and the F"
    assert term_spans(recognizer, text, "chord_name") == []


def test_two_altered_degrees_sharing_chords(recognizer: TermRecognizer) -> None:
    text = "borrow the flat 6 and flat 7 chords from the parallel minor"
    assert term_spans(recognizer, text, "progression") == ["flat 6", "flat 7"]
    assert term_spans(recognizer, text, "degree") == []
    text = "the blues scale has a flat 5 and flat 7 in it"
    assert term_spans(recognizer, text, "progression") == []


def test_a_switch_position_is_no_neck_position(recognizer: TermRecognizer) -> None:
    text = "he plays it on the 4th position of the pickup selector"
    assert term_spans(recognizer, text, "position") == []
    assert term_spans(recognizer, "the solo is in 5th position", "position") == ["5th position"]


def test_keys_named_as_relative_keys(recognizer: TermRecognizer) -> None:
    text = "A minor and C major share all the same notes, they're relative keys"
    assert term_spans(recognizer, text, "key") == ["A minor", "C major"]
    text = "A minor and C major are the two chords, then G"
    assert term_spans(recognizer, text, "key") == []
