"""Structured music-term recognisers (chord names, progressions, frets, strings, tunings, time
signatures, tempos, keys, degrees, positions) with the real spaCy pipeline and the bundled
lexicon."""

from __future__ import annotations

from itertools import pairwise

import pytest

from scribe.domain.transcript import Segment, Transcript, Word
from scribe.stages.terms.recognizer import TermRecognizer, TextMatch
from scribe.stages.terms.recognizers.numbers import parse_cardinal, parse_ordinal


def found(recognizer: TermRecognizer, text: str) -> list[tuple[str, str, str]]:
    """(span text, category, normalised term) of every match, checking the char offsets."""
    matches = recognizer.find_in_text(text)
    for match in matches:
        assert text[match.start_char : match.end_char] == match.text
    return [(m.text, m.category, m.term) for m in matches]


def of(recognizer: TermRecognizer, text: str, category: str) -> list[tuple[str, str]]:
    """(span text, normalised term) of the matches in one category."""
    return [(t, term) for t, c, term in found(recognizer, text) if c == category]


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "value", "end"),
    [
        ("ninety", 90, 1),
        ("ninety - five bpm", 95, 3),
        ("one hundred twenty", 120, 3),
        ("a hundred and twenty", 120, 4),
        ("one hundred and", 100, 2),
        ("twelve", 12, 1),
        ("120", 120, 1),
        ("seven eight", 7, 1),
    ],
)
def test_cardinals(words: str, value: int, end: int) -> None:
    assert parse_cardinal(words.split(), 0) == (value, end)


@pytest.mark.parametrize(
    ("words", "value", "end"),
    [("first", 1, 1), ("twelfth", 12, 1), ("twenty - fourth", 24, 3), ("12th", 12, 1)],
)
def test_ordinals(words: str, value: int, end: int) -> None:
    assert parse_ordinal(words.split(), 0) == (value, end)


def test_not_numbers() -> None:
    assert parse_cardinal(["a", "lot"], 0) is None
    assert parse_ordinal(["twenty"], 0) is None
    assert parse_ordinal(["fret"], 0) is None


# --- chord names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "term"),
    [
        ("then move to C sharp minor seven", "C sharp minor seven", "C#m7"),
        ("a G7 pulls you home", "G7", "G7"),
        ("the song is full of E flat major chords", "E flat major", "Eb"),
        ("the Dsus4 adds tension", "Dsus4", "Dsus4"),
        ("then a D sus four", "D sus four", "Dsus4"),
        ("now the A minor seven flat five", "A minor seven flat five", "Am7b5"),
        ("play D over F sharp so the bass walks", "D over F sharp", "D/F#"),
        ("a Cmaj7 floats", "Cmaj7", "Cmaj7"),
        ("then C major seven", "C major seven", "Cmaj7"),
        ("the F#m is a barre", "F#m", "F#m"),
        ("then B flat for two bars", "B flat", "Bb"),
        ("go from an E minor chord", "E minor", "Em"),
        ("play a G-major chord", "G-major", "G"),
        ("play an E chord", "E", "E"),
        ("the last one is an E7#9", "E7#9", "E7#9"),
        ("then an E7 sharp nine", "E7 sharp nine", "E7#9"),
        ("a D/F# between them", "D/F#", "D/F#"),
        ("and a C#, then", "C#", "C#"),
        ("grab the G7(b9) here", "G7(b9)", "G7b9"),
        ("the B diminished", "B diminished", "Bdim"),
        ("a C sharp diminished seven", "C sharp diminished seven", "C#dim7"),
        ("a G seven sus four", "G seven sus four", "G7sus4"),
        ("a C add nine", "C add nine", "Cadd9"),
        ("A minor, then back", "A minor", "Am"),
        ("the A minor major seven", "A minor major seven", "Am(maj7)"),
        ("the riff is all A5", "A5", "A5"),
        ("The last chord in a C major 7, sharp 11.", "C major 7, sharp 11", "Cmaj7#11"),
        ("the A minor 7 flat, 5 which", "A minor 7 flat, 5", "Am7b5"),
        ("a G7, then back", "G7", "G7"),
    ],
)
def test_chord_names(recognizer: TermRecognizer, text: str, span: str, term: str) -> None:
    assert of(recognizer, text, "chord_name") == [(span, term)]


@pytest.mark.parametrize(
    "text",
    [
        "a major seventh has a dreamy sound",  # the article, then a chord quality
        "A chord is three notes.",  # sentence-initial article
        "A flat pick is better.",
        "a minor chord sounds sad",
        "then an E again",  # "an E" after no verb of playing: a note as often as a chord
        "the 3rd string, 5th fret is a C",  # a note
        "play D, then G, then A",
        "the E minor pentatonic scale",  # a scale, not a chord
        "the C major scale",
        "in the key of G major",  # a key
        "a song in A minor",
        "this one is in E flat tuning",  # a tuning
        "the G string",  # a string
        "hold the D seven times",  # counting, not D7
        "Am I right?",
        "I think I got an A on the test, plan B, vitamin C",
    ],
)
def test_not_chord_names(recognizer: TermRecognizer, text: str) -> None:
    assert of(recognizer, text, "chord_name") == []


# --- progressions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "term"),
    [
        ("the four chord is where it lifts", "four chord", "IV"),
        ("go to the five chord", "five chord", "V"),
        ("the six chord is minor", "six chord", "vi"),
        ("the flat seven chord is borrowed", "flat seven chord", "bVII"),
        ("the minor four chord", "minor four chord", "iv"),
        ("the IV chord", "IV chord", "IV"),
        ("a I-IV-V covers thousands of songs", "I-IV-V", "I-IV-V"),
        ("the ii-V-I shows up everywhere", "ii-V-I", "ii-V-I"),
        ("the I–vi–IV–V", "I–vi–IV–V", "I-vi-IV-V"),
        ("one four five in every blues", "one four five", "I-IV-V"),
        ("the two five one is the main thing", "two five one", "ii-V-I"),
        ("a one six four five is the fifties sound", "one six four five", "I-vi-IV-V"),
        ("the one-four-five in A", "one-four-five", "I-IV-V"),
        ("a two five progression", "two five", "ii-V"),
        ("1-4-5 Nashville style", "1-4-5", "I-IV-V"),
        ("write I IV V on the chart", "I IV V", "I-IV-V"),
        ("The flat 7 chord is borrowed.", "flat 7 chord", "bVII"),
        ("1, 6, 4, 5 is the classic sound.", "1, 6, 4, 5", "I-vi-IV-V"),
        ("a 1 4 5 in A", "1 4 5", "I-IV-V"),
        ("play the 2, 5, 1, then stop", "2, 5, 1", "ii-V-I"),
    ],
)
def test_progressions(recognizer: TermRecognizer, text: str, span: str, term: str) -> None:
    assert of(recognizer, text, "progression") == [(span, term)]


@pytest.mark.parametrize(
    "text",
    [
        "count one two three four, one two three four",
        "okay, one, two, three, four",
        "I always start at five",
        "I think I'll play it again",
        "the one three five of the chord",  # chord tones, not a progression
        "we'll do this four times, then two more times",
        "play one chord per bar",
        "five six seven eight",
        "Chapter IV and World War II",
        "okay, 1, 2, 3, 4",
        "the 1, 3, 5 of the chord",
        "we did 8, 1, 6, 4 takes",
        "it took 1, 4, 5 times",
        "in 2, 5 and 1",
    ],
)
def test_not_progressions(recognizer: TermRecognizer, text: str) -> None:
    assert of(recognizer, text, "progression") == []


# --- frets and strings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "term"),
    [
        ("hammer on from the fifth fret", "fifth fret", "fret 5"),
        ("the natural harmonics at the 12th fret", "12th fret", "fret 12"),
        ("put your finger on the third fret", "third fret", "fret 3"),
        ("up at the twenty-first fret", "twenty-first fret", "fret 21"),
        ("the 7th-fret harmonic", "7th-fret", "fret 7"),
        ("go up to fret seven", "fret seven", "fret 7"),
    ],
)
def test_frets(recognizer: TermRecognizer, text: str, span: str, term: str) -> None:
    assert of(recognizer, text, "fret") == [(span, term)]


def test_not_frets(recognizer: TermRecognizer) -> None:
    for text in (
        "a minor third is three frets",
        "fret two notes at once",
        "the fret wire",
        "on the second, fret it with your thumb",
    ):
        assert of(recognizer, text, "fret") == [], text
    assert found(recognizer, "press just behind the fret") == [("fret", "anatomy", "fret")]


@pytest.mark.parametrize(
    ("text", "span", "term"),
    [
        ("start on the low E string", "low E string", "low E string"),
        ("the third string goes out of tune", "third string", "string 3"),
        ("the B string is tuned differently", "B string", "B string"),
        ("the high e string is the thinnest", "high e string", "high E string"),
        ("mute the 6th string", "6th string", "string 6"),
        ("on string six", "string six", "string 6"),
        # "open" is part of the span, as the labelled sets have "open A string"
        ("let the open E string ring", "open E string", "E string"),
        # a comma Whisper writes inside the name, after "the" or "your" only
        ("New to the sixth, string with your thumb.", "sixth, string", "string 6"),
    ],
)
def test_strings(recognizer: TermRecognizer, text: str, span: str, term: str) -> None:
    assert of(recognizer, text, "string") == [(span, term)]


def test_not_strings(recognizer: TermRecognizer) -> None:
    for text in (
        "a string is a string",
        "a twelve string sounds huge",
        "pick each string",
        "First, string the guitar with new ones.",
    ):
        assert of(recognizer, text, "string") == [], text


# --- tunings ---------------------------------------------------------------------------------


def test_lexicon_tunings_are_counted_once(recognizer: TermRecognizer) -> None:
    assert found(recognizer, "tune down to drop D") == [("drop D", "tuning", "drop D")]
    assert found(recognizer, "open G tuning") == [("open G tuning", "tuning", "open G")]
    assert found(recognizer, "DADGAD") == [("DADGAD", "tuning", "DADGAD")]


def test_structured_tunings_merge_with_the_lexicon(recognizer: TermRecognizer) -> None:
    assert of(recognizer, "try drop G tuning", "tuning") == [("drop G tuning", "drop G")]
    assert of(recognizer, "an open F", "tuning") == [("open F", "open F")]
    # the lexicon knows "drop D flat" as drop C sharp; the longer span keeps its canonical form
    assert of(recognizer, "drop D flat tuning", "tuning") == [
        ("drop D flat tuning", "drop C sharp")
    ]


def test_open_chords_and_strings_are_not_tunings(recognizer: TermRecognizer) -> None:
    assert found(recognizer, "an open E chord") == [("E", "chord_name", "E")]
    assert of(recognizer, "the open D string", "tuning") == []


# --- time signatures and tempos --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "term"),
    [
        ("this whole song is in four four", "four four", "4/4"),
        ("the verse is in 6/8", "6/8", "6/8"),
        ("it's a waltz, so three four time", "three four", "3/4"),
        ("a lot of Balkan music is in seven eight", "seven eight", "7/8"),
        ("twelve eight is how slow blues is written", "twelve eight", "12/8"),
        ("keep a steady four-four feel", "four-four", "4/4"),
        ("it's six eight.", "six eight", "6/8"),
        ("Keep it at a standard 4-4 feel.", "4-4", "4/4"),
        ("play it in 6-8 time", "6-8", "6/8"),
    ],
)
def test_time_signatures(recognizer: TermRecognizer, text: str, span: str, term: str) -> None:
    assert of(recognizer, text, "time_signature") == [(span, term)]


@pytest.mark.parametrize(
    "text",
    [
        "one two three four",
        "five six seven eight",
        "play it two four times",
        "there are two four-bar phrases",
        "move 3/4 of the way up the neck",
        "a 3/4 size guitar",
        "1/2 of the students",
        "we won 4-2 on Saturday",
        "take a 2-4 minute break",
        "bars 4-8 repeat",
        "do it 3 4 times",
    ],
)
def test_not_time_signatures(recognizer: TermRecognizer, text: str) -> None:
    assert of(recognizer, text, "time_signature") == []


@pytest.mark.parametrize(
    ("text", "span", "term"),
    [
        ("start at 90 BPM", "90 BPM", "90 bpm"),
        ("about ninety beats per minute", "ninety beats per minute", "90 bpm"),
        ("once it's clean at 120 bpm", "120 bpm", "120 bpm"),
        ("push it to a hundred and ten bpm", "a hundred and ten bpm", "110 bpm"),
        ("I did it at one forty bpm", "one forty bpm", "140 bpm"),
        ("around eighty-five beats per minute", "eighty-five beats per minute", "85 bpm"),
        ("set it to 90bpm", "90bpm", "90 bpm"),
    ],
)
def test_tempos(recognizer: TermRecognizer, text: str, span: str, term: str) -> None:
    assert of(recognizer, text, "tempo") == [(span, term)]


def test_not_tempos(recognizer: TermRecognizer) -> None:
    for text in ("at ninety it's easy", "give me five minutes", "it's 5 beats long"):
        assert of(recognizer, text, "tempo") == [], text


# --- merging with the lexicon ----------------------------------------------------------------


def test_longest_match_wins_across_lexicon_and_structured(recognizer: TermRecognizer) -> None:
    # the lexicon has "minor seven flat five" and "major seven"; the chord names are longer
    assert found(recognizer, "the A minor seven flat five") == [
        ("A minor seven flat five", "chord_name", "Am7b5")
    ]
    assert found(recognizer, "a C major seven") == [("C major seven", "chord_name", "Cmaj7")]
    # "E flat tuning" (lexicon) is longer than the chord "E flat"
    assert found(recognizer, "this is E flat tuning") == [
        ("E flat tuning", "tuning", "half step down")
    ]
    # the progression is longer than the "six four" time signature inside it
    assert found(recognizer, "a one six four five") == [
        ("one six four five", "progression", "I-vi-IV-V")
    ]


def test_lexicon_terms_without_a_structured_rival_stay(recognizer: TermRecognizer) -> None:
    assert found(recognizer, "a major seventh") == [("major seventh", "chord", "major seventh")]
    assert found(recognizer, "the minor pentatonic scale in A") == [
        ("minor pentatonic scale", "scale", "minor pentatonic")
    ]


def test_no_two_occurrences_overlap(recognizer: TermRecognizer) -> None:
    text = (
        "in drop D play the D over F sharp and the A minor seven flat five at the fifth fret "
        "on the low E string, a one six four five in six eight at ninety beats per minute, "
        "with alternate picking and the G string bend"
    )
    matches = recognizer.find_in_text(text)
    assert [m.category for m in matches] == [
        "tuning",
        "chord_name",
        "chord_name",
        "fret",
        "string",
        "progression",
        "time_signature",
        "tempo",
        "technique",
        "string",
    ]
    for before, after in pairwise(matches):
        assert before.end_char <= after.start_char


def test_batched_matches_equal_single_ones(recognizer: TermRecognizer) -> None:
    texts = ["the four chord in 6/8", "C sharp minor seven at the 12th fret", "nothing here"]
    batched: list[list[TextMatch]] = recognizer.find_in_texts(texts)
    assert batched == [recognizer.find_in_text(text) for text in texts]


# --- word times ------------------------------------------------------------------------------


def _transcript(words: list[tuple[str, float, float]]) -> Transcript:
    segment = Segment(
        index=2,
        start=words[0][1],
        end=words[-1][2],
        text="".join(w for w, _, _ in words),
        words=[Word(text=w, start=s, end=e, probability=0.9) for w, s, e in words],
    )
    return Transcript(
        language="en",
        language_probability=1.0,
        duration=words[-1][2],
        model="t",
        segments=[segment],
    )


def test_structured_occurrences_take_the_times_of_their_words(
    recognizer: TermRecognizer,
) -> None:
    transcript = _transcript(
        [
            (" Now", 0.0, 0.3),
            (" C", 0.3, 0.5),
            (" sharp", 0.5, 0.8),
            (" minor", 0.8, 1.1),
            (" seven", 1.1, 1.5),
            (" at", 1.5, 1.6),
            (" the", 1.6, 1.7),
            (" fifth", 1.7, 2.0),
            (" fret,", 2.0, 2.3),
            (" G-major", 2.3, 2.9),
            (" chord", 2.9, 3.2),
            (" at", 3.2, 3.3),
            (" 90", 3.3, 3.6),
            (" BPM.", 3.6, 4.0),
        ]
    )
    result = recognizer.recognize(transcript, context_words=2)
    by_term = {o.term: o for o in result.occurrences}
    assert list(by_term) == ["C#m7", "fret 5", "G", "90 bpm"]
    chord = by_term["C#m7"]
    assert (chord.text, chord.category, chord.start, chord.end) == (
        "C sharp minor seven",
        "chord_name",
        0.3,
        1.5,
    )
    assert chord.segment == 2
    assert chord.context == "Now C sharp minor seven at the"
    assert (by_term["fret 5"].text, by_term["fret 5"].start, by_term["fret 5"].end) == (
        "fifth fret",
        1.7,
        2.3,
    )
    # "G-major" is one word to Whisper and three tokens to spaCy: the word's times
    assert (by_term["G"].text, by_term["G"].start, by_term["G"].end) == ("G-major", 2.3, 2.9)
    assert (by_term["90 bpm"].start, by_term["90 bpm"].end) == (3.3, 4.0)
    assert result.counts_by_category == {"chord_name": 2, "fret": 1, "tempo": 1}
    assert result.counts_by_term == {"C#m7": 1, "fret 5": 1, "G": 1, "90 bpm": 1}


def test_a_structured_match_inside_one_whisper_word(recognizer: TermRecognizer) -> None:
    transcript = _transcript([(" play", 0.0, 0.4), (" D/F#", 0.4, 1.0), (" now", 1.0, 1.3)])
    [occurrence] = recognizer.recognize(transcript).occurrences
    assert (occurrence.term, occurrence.text) == ("D/F#", "D/F#")
    assert (occurrence.start, occurrence.end) == (0.4, 1.0)


def test_a_letter_ending_a_sentence_is_still_a_word(recognizer: TermRecognizer) -> None:
    rhythm = of(recognizer, "subdivide in your head, one e and a.", "rhythm")
    assert ("one e and a", "one e and a") in rhythm
    assert of(recognizer, "now play an open E chord. Then an A.", "chord_name") == [("E", "E")]
    assert of(recognizer, "end on a G7.", "chord_name") == [("G7", "G7")]


# --- bare-letter chords in context -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chords"),
    [
        ("then the E again", [("E", "E")]),
        (
            "play a D chord, then the E, and then an A minor",
            [("D", "D"), ("E", "E"), ("A minor", "Am")],
        ),
        ("go from the A to the D and back", [("A", "A"), ("D", "D")]),
        ("so play an A. Then a G.", [("A", "A")]),
        (
            "the chords are G, A minor, C, D",
            [("G", "G"), ("A minor", "Am"), ("C", "C"), ("D", "D")],
        ),
        ("the chord here is a minor, then", [("a minor", "Am")]),
        ("to C-sharp minor now", [("C-sharp minor", "C#m")]),
    ],
)
def test_bare_letter_chords_in_context(
    recognizer: TermRecognizer, text: str, chords: list[tuple[str, str]]
) -> None:
    assert of(recognizer, text, "chord_name") == chords


@pytest.mark.parametrize(
    "text",
    [
        "A lot of people ask me this, and I always say a D is fine",  # articles and "I"
        "I play a little, a minute or so, and I stop",
        "the A string and the D string",  # strings
        "the E shape moved up",  # a CAGED shape
        "the B is in the bass",  # a note
        "this is a minor detail",  # the article before an adjective
        "I think it's an A. I got an A in music",
    ],
)
def test_bare_letters_that_are_not_chords(recognizer: TermRecognizer, text: str) -> None:
    assert of(recognizer, text, "chord_name") == []


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("it's in the key of A, okay", [("key of A", "A")]),
        ("so we're in E minor here", [("E minor", "E minor")]),
        ("the A minor key chords", [("A minor key", "A minor")]),
        ("this one's in the key of B flat", [("key of B flat", "Bb")]),
        ("it's in a minor, um, so", [("a minor", "A minor")]),
        ("he plays it in E, but I show it in A.", [("E", "E"), ("A", "A")]),
        ("the key of C major is D minor, G7, C major", [("key of C major", "C major")]),
        (
            "the relative minor of C major is A minor",
            [("C major", "C major"), ("A minor", "A minor")],
        ),
    ],
)
def test_keys(recognizer: TermRecognizer, text: str, keys: list[tuple[str, str]]) -> None:
    assert of(recognizer, text, "key") == keys


@pytest.mark.parametrize(
    "text",
    [
        "the six chord is always minor in a major key",  # the article
        "in a minor way it matters",
        "in A minor pentatonic the root is A",  # a scale
        "put it in the A string",
        "a key change lifts the chorus",
        "the key signature has two sharps",
        "in E minor seven, the third is G",  # a chord
    ],
)
def test_not_keys(recognizer: TermRecognizer, text: str) -> None:
    assert of(recognizer, text, "key") == []


# --- degrees ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        ("the flat seven gives it that sound", [("flat seven", "b7")]),
        ("lean on the sharp four", [("sharp four", "#4")]),
        ("dorian has a natural six", [("natural six", "6")]),
        ("the blues scale adds the flat five", [("flat five", "b5")]),
        ("the third of the chord and the fifth", [("third", "3"), ("fifth", "5")]),
        ("put in the second or the fourth instead", [("second", "2"), ("fourth", "4")]),
        ("target the b3 here", [("b3", "b3")]),
    ],
)
def test_degrees(recognizer: TermRecognizer, text: str, degrees: list[tuple[str, str]]) -> None:
    assert of(recognizer, text, "degree") == degrees


@pytest.mark.parametrize(
    "text",
    [
        "the third string is G",  # a string
        "from the fifth fret to the seventh",  # frets
        "the third time you play it",  # counting
        "wait a second, the fourth one",  # time, then a count
        "B flat and C sharp are the notes",  # notes
        "the flat seven chord",  # a progression (bVII), longer
        "a flat pick and a sharp attack",
    ],
)
def test_not_degrees(recognizer: TermRecognizer, text: str) -> None:
    assert of(recognizer, text, "degree") == []


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("a perfect cadence is five to one", [("five to one", "V-I")]),
        ("the song goes four to five to one", [("four to five to one", "IV-V-I")]),
        ("go from the five to the one.", [("five", "V"), ("one", "I")]),
        ("the score was five to one", []),
        ("it takes one to two weeks", []),
        ("count from one to four and start", []),
    ],
)
def test_degrees_joined_by_to(
    recognizer: TermRecognizer, text: str, runs: list[tuple[str, str]]
) -> None:
    assert of(recognizer, text, "progression") == runs


def test_degree_chord_said_bare_is_a_progression(recognizer: TermRecognizer) -> None:
    text = "resolve to the five, then back to the one. The one I showed you"
    assert of(recognizer, text, "progression") == [("five", "V"), ("one", "I")]


# --- positions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "positions"),
    [
        ("you're in the seventh position now", [("seventh position", "position 7")]),
        ("start in first position by the nut", [("first position", "position 1")]),
        ("the 5th position box", [("5th position", "position 5")]),
        ("the open position chords and the C shape", [("C shape", "C shape")]),
        ("stay in open position", [("open position", "open position")]),
    ],
)
def test_positions(recognizer: TermRecognizer, text: str, positions: list[tuple[str, str]]) -> None:
    assert of(recognizer, text, "position") == positions


def test_not_positions(recognizer: TermRecognizer) -> None:
    assert of(recognizer, "the pickup selector in the middle position", "position") == []
    assert of(recognizer, "a position shift", "position") == []


# --- spoken extensions and suspensions -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "category", "term"),
    [
        ("a suspended four wants to resolve", "suspended four", "chord", "sus4"),
        ("the add nine sparkles", "add nine", "chord", "add9"),
        ("a major nine is lush", "major nine", "chord", "major nine"),
        ("a minor eleven in neo soul", "minor eleven", "chord", "minor eleven"),
        ("a D suspended four", "D suspended four", "chord_name", "Dsus4"),
        ("a C major nine", "C major nine", "chord_name", "Cmaj9"),
        ("an A minor eleven", "A minor eleven", "chord_name", "Am11"),
    ],
)
def test_extensions_and_suspensions(
    recognizer: TermRecognizer, text: str, span: str, category: str, term: str
) -> None:
    assert of(recognizer, text, category) == [(span, term)]


# --- Whisper's written forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "category", "term"),
    [
        ("the time signature is 4.4, um", "4.4", "time_signature", "4/4"),
        ("it's in three, four time", "three, four", "time_signature", "3/4"),
        ("the tempo is about 60pm, sorry", "60pm", "tempo", "60 bpm"),
        ("set the metronome to 60 bpm", "60 bpm", "tempo", "60 bpm"),
        ("this is a 12 barre blues", "12 barre blues", "theory", "twelve bar blues"),
        ("a hammer on then a pull off", "hammer on", "technique", "hammer-on"),
    ],
)
def test_whisper_written_forms(
    recognizer: TermRecognizer, text: str, span: str, category: str, term: str
) -> None:
    assert (span, term) in of(recognizer, text, category)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("it costs 4.4 dollars", "time_signature"),
        ("one, two, three, four, go", "time_signature"),
        ("see you at 6pm tomorrow", "tempo"),
        ("we start at 10pm", "tempo"),
    ],
)
def test_whisper_forms_need_their_context(
    recognizer: TermRecognizer, text: str, category: str
) -> None:
    assert of(recognizer, text, category) == []
