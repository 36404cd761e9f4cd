"""Context rules of the term recogniser from the second held-out audit: verbs where a term is a
noun, effects named in a chain, beats and finger numbers said like degrees, notes said like
chords, and the lexicon's own spelling rules. Each rule has a sentence it must find and a
counter-example it must not."""

from __future__ import annotations

import pytest

from scribe.stages.terms.recognizer import TermRecognizer
from tests.helpers import term_spans

# --- the lexicon's matcher --------------------------------------------------------------------


def test_a_name_needs_its_capital(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "a dotted eighth delay, the Edge thing", "player") == ["Edge"]
    assert term_spans(recognizer, "rest the edge of your hand on the bridge", "player") == []


def test_a_name_takes_style_after_it(recognizer: TermRecognizer) -> None:
    text = "gypsy jazz, Django Reinhardt style, and crosspicking, Tony Rice style"
    assert term_spans(recognizer, text, "player") == ["Django Reinhardt style", "Tony Rice style"]
    assert term_spans(recognizer, "Wes Montgomery made a whole style out of it", "player") == [
        "Wes Montgomery"
    ]


def test_the_canonical_spelling_wins_a_tie(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "when you're playing slide guitar, mute", "technique") == [
        "slide guitar"
    ]
    assert term_spans(recognizer, "I love playing slide on this one", "technique") == [
        "playing slide"
    ]


def test_e_and_a_is_a_count_only_as_spelt(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "count one e and a two e and a", "rhythm") == [
        "one e and a",
        "e and a",
    ]
    assert term_spans(recognizer, "two millimetres on the low E and a bit less", "rhythm") == []


@pytest.mark.parametrize(
    ("text", "term_text", "category"),
    [
        ("unlock the locking nut first", "locking nut", "anatomy"),
        ("the fine tuners are for the last bit", "fine tuners", "anatomy"),
        ("the ball end sits under the bridge plate", "ball end", "anatomy"),
        ("a four by twelve versus a one by twelve", "four by twelve", "anatomy"),
        ("an ES-335, which is a semi-hollow", "semi-hollow", "gear"),
        ("the semi-hollow body of an ES-335", "semi-hollow body", "anatomy"),
        ("you'll see the coda sign on the chart", "coda sign", "notation"),
        ("a microfiber cloth, that's your maintenance", "maintenance", "setup"),
        ("chords in fourths, McCoy Tyner style", "McCoy Tyner style", "player"),
    ],
)
def test_lexicon_terms_and_categories(
    recognizer: TermRecognizer, text: str, term_text: str, category: str
) -> None:
    assert term_text in term_spans(recognizer, text, category)


def test_maintenance_needs_a_music_cue(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "the building's maintenance costs went up", "setup") == []


# --- everyday senses: verbs, "alone", time, hardware ------------------------------------------


@pytest.mark.parametrize(
    ("term_text", "everyday_text", "word", "category"),
    [
        ("right on the fret, and you get a bell", "you fret a note and tap it", "fret", "anatomy"),
        ("the fret under your finger", "how hard you fret the note", "fret", "anatomy"),
        ("feel the pulse of the song", "the tremolo effect pulses the volume", "puls", "rhythm"),
        ("a bit of sparkle on top", "the add nine just sparkles on top", "sparkle", "tone"),
        ("a big build up into the chorus", "build up slowly with the click", "build", "form"),
        ("follow the chord changes", "when the chord changes on the offbeat", "chord", "theory"),
        ("play the solo over the chorus", "like a little solo arrangement", "solo", "theory"),
        ("a delay pedal, then reverb", "latency is the delay between playing", "delay", "gear"),
        ("tension resolves to the tonic", "so the neck tension won't change", "tension", "theory"),
        ("the nut is cut too low", "just tighten the nut on the jack", "nut", "anatomy"),
    ],
)
def test_everyday_senses_of_this_round(
    recognizer: TermRecognizer, term_text: str, everyday_text: str, word: str, category: str
) -> None:
    assert any(word in s.lower() for s in term_spans(recognizer, term_text, category)), term_text
    assert not any(word in s.lower() for s in term_spans(recognizer, everyday_text, category)), (
        everyday_text
    )


# --- gear named by words filed elsewhere ------------------------------------------------------


def test_effects_in_a_chain_or_said_as_the_effect(recognizer: TermRecognizer) -> None:
    chain = "the tuner, then wah, then overdrive, then modulation, then delay"
    assert "modulation" in term_spans(recognizer, chain, "gear")
    assert term_spans(recognizer, "a quick modulation in the bridge", "theory") == ["modulation"]
    said = "and chorus, the effect, not the chorus of the song"
    assert term_spans(recognizer, said, "gear") == ["chorus"]
    assert term_spans(recognizer, said, "form") == ["chorus"]
    assert term_spans(recognizer, "intro, verse, chorus, bridge", "gear") == []


def test_tuners_beside_pegs_are_the_pegs(recognizer: TermRecognizer) -> None:
    pegs = "the tuning pegs, or tuners, you wind the string around the post"
    assert term_spans(recognizer, pegs, "anatomy") == ["tuning pegs", "tuners"]
    assert term_spans(recognizer, "clip-on tuners are cheap, and pedal tuners too", "anatomy") == []


# --- degree words: beats, fingers, and chords --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "accents on the two and the four, lean on those with the pick",
        "the backbeat is the two and the four, where the snare hits",
        "this finger exercise, one two three four, then one three two four",
    ],
)
def test_beats_and_fingers_are_not_degree_chords(recognizer: TermRecognizer, text: str) -> None:
    assert term_spans(recognizer, text, "progression") == []


@pytest.mark.parametrize(
    ("text", "chords"),
    [
        ("the one, the four and the five, that's the blues", ["one", "four", "five"]),
        ("accents on the two and the four, then the five chord", ["two", "four", "five chord"]),
        ("the five, which is dominant, and then the one, the home", ["five", "one"]),
        ("the I, IV and V are A, D and E", ["I", "IV", "V"]),
        ("playing F minor in C major, that iv chord sound", ["iv chord"]),
    ],
)
def test_degree_chords_of_this_round(
    recognizer: TermRecognizer, text: str, chords: list[str]
) -> None:
    assert term_spans(recognizer, text, "progression") == chords


def test_a_spoken_degree_needs_the(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "it's a five chord voicing", "progression") == []


# --- scale degrees ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        ("add the nine, so it becomes a C add nine", ["nine"]),
        ("the raised seventh of harmonic minor", ["seventh"]),
        ("the third and fifth notes of the chord", ["third"]),
    ],
)
def test_degrees_of_this_round(recognizer: TermRecognizer, text: str, degrees: list[str]) -> None:
    assert term_spans(recognizer, text, "degree") == degrees


@pytest.mark.parametrize(
    "text",
    [
        "add the two chords together",  # a count of chords
        "the inlays are at the third, fifth, seventh, ninth and twelfth frets",  # frets
        "it builds the stretch between the third and fourth fingers",  # fingers
    ],
)
def test_not_degrees(recognizer: TermRecognizer, text: str) -> None:
    assert term_spans(recognizer, text, "degree") == []


# --- letters: chords, notes and strings -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chords"),
    [
        ("play the G triad in first inversion", ["G"]),
        ("to play the F barre chord at the first fret", ["F"]),
        ("you play a lot of F shapes without the full barre", ["F"]),
        ("like E minor instead of C, they share two notes", ["E minor", "C"]),
        ("then the change to the C is easier", ["C"]),
        ("the I, IV and V are A, D and E", ["A", "D", "E"]),
        ("the tritone in the G7 pulls toward C", ["G7", "C"]),
        ("sweep the arpeggios in A minor, G, and F", ["A minor", "G", "F"]),
    ],
)
def test_chord_letters_of_this_round(
    recognizer: TermRecognizer, text: str, chords: list[str]
) -> None:
    assert term_spans(recognizer, text, "chord_name") == chords


@pytest.mark.parametrize(
    ("text", "chords"),
    [
        ("the tritone in the G7 is between the B and the F", ["G7"]),  # notes
        ("the notes in a C major chord are C, E and G", ["C major"]),  # a chord with a quality
        ("two names for the same note, like C sharp and D flat", []),  # notes
        ("from the D string to the B string, skipping the G", []),  # a string
        ("the C shape of the CAGED system", []),  # the lexicon's shape
        ("the change is hard to get", []),  # no letter
        ("it moves toward A, the tonic", []),  # no verb of resolving
    ],
)
def test_letters_that_are_not_chords(
    recognizer: TermRecognizer, text: str, chords: list[str]
) -> None:
    assert term_spans(recognizer, text, "chord_name") == chords


def test_arpeggios_in_a_key_without_a_list(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "the arpeggios in A minor sound dark", "key") == ["A minor"]


# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        (
            "when you transpose the song, you just move every chord by the same interval, "
            "so from G to A everything goes up two frets",
            ["G", "A"],
        ),
        ("so G mixolydian has the same notes as C major", ["C major"]),
        ("a flat seven borrowed from D minor, the key's parallel", ["D minor"]),
    ],
)
def test_keys_of_this_round(recognizer: TermRecognizer, text: str, keys: list[str]) -> None:
    assert term_spans(recognizer, text, "key") == keys


def test_from_to_without_a_cue_stays_chords(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "go from G to A everything else", "key") == []
    assert term_spans(recognizer, "the same notes as the C chord", "key") == []


# --- strings and tunings ----------------------------------------------------------------------


def test_strings_of_this_round(recognizer: TermRecognizer) -> None:
    listed = "two notes at once on the B string and the high E, with a slide"
    assert term_spans(recognizer, listed, "string") == ["B string", "high E"]
    assert term_spans(
        recognizer, "string one is the high E and string six is the low E", "string"
    ) == [
        "string one",
        "string six",
    ]


def test_the_open_note_is_no_tuning(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "keep one note going, usually the open A", "tuning") == []
    assert term_spans(recognizer, "tune to the open G tuning first", "tuning") == ["open G tuning"]
    assert term_spans(recognizer, "this song is in open G", "tuning") == ["open G"]


# --- chord qualities and meters ---------------------------------------------------------------


def test_chord_qualities_without_a_root(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "if you hang on it over a major chord", "chord") == [
        "major chord"
    ]
    assert term_spans(recognizer, "the minor triads on the top strings", "chord") == [
        "minor triads"
    ]
    # with a root, the chord name wins and the lexicon keeps "triad"
    assert term_spans(recognizer, "a G major triad on the high e string", "chord") == ["triad"]
    assert term_spans(recognizer, "go from an E minor chord to C major", "chord") == []


def test_a_meter_named_just_before(recognizer: TermRecognizer) -> None:
    text = "so the time signature is 4.4, um, I mean four four, and the tempo is slow"
    assert term_spans(recognizer, text, "time_signature") == ["4.4", "four four"]
    assert term_spans(recognizer, "I mean four four people came", "time_signature") == []


def test_a_list_that_ends_in_its_full_chord(recognizer: TermRecognizer) -> None:
    text = "E, A and B7 are the three chords of a blues"
    assert term_spans(recognizer, text, "chord_name") == ["E", "A", "B7"]
    assert term_spans(recognizer, "E, A and B are the notes here", "chord_name") == []


def test_letter_terms_are_not_the_article(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "the A section repeats before the B section", "form") == [
        "A section",
        "B section",
    ]
    assert term_spans(recognizer, "a section of the song repeats", "form") == []
    assert term_spans(recognizer, "use a standard pick", "tuning") == []


def test_boost_is_gear_as_a_noun(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "so the boost goes before the overdrive", "gear") == [
        "boost",
        "overdrive",
    ]
    assert "boost" not in term_spans(recognizer, "boost the mids on the amp a little", "gear")


def test_counts_before_a_run(recognizer: TermRecognizer) -> None:
    exercise = "one two three four, then one three two four, slowly"
    assert term_spans(recognizer, exercise, "progression") == []
    assert term_spans(recognizer, "play one four five, then one six four five", "progression") == [
        "one four five",
        "one six four five",
    ]


def test_notes_named_after_the_letters(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "F sharp and G flat are the same note", "chord_name") == []
    assert term_spans(recognizer, "F sharp and G are the chords here", "chord_name") == [
        "F sharp",
        "G",
    ]


def test_more_gear_senses(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "the chorus on this pedal is subtle", "gear") == [
        "chorus",
        "pedal",
    ]
    assert term_spans(recognizer, "the chorus on this song is huge", "gear") == []
    text = "the tuners on this headstock are locking tuners"
    assert term_spans(recognizer, text, "anatomy") == ["tuners", "headstock", "locking tuners"]
    assert term_spans(recognizer, "a solo acoustic arrangement", "theory") == []


def test_the_dominant_as_a_function(recognizer: TermRecognizer) -> None:
    assert term_spans(
        recognizer, "the tonic is home and the dominant wants to go home", "theory"
    ) == [
        "tonic",
        "dominant",
    ]
    assert term_spans(recognizer, "then the five, which is dominant, and the one", "theory") == []
    assert term_spans(recognizer, "hold the pick in your dominant hand", "theory") == []


def test_more_keys_and_sections(recognizer: TermRecognizer) -> None:
    text = "the key of E minor has one sharp, F sharp, and the relative major is G"
    assert term_spans(recognizer, text, "key") == ["key of E minor", "G"]
    assert term_spans(recognizer, text, "chord_name") == []
    text = "then the bridge goes to the relative minor, F sharp minor"
    assert term_spans(recognizer, text, "key") == ["F sharp minor"]
    assert term_spans(recognizer, text, "form") == ["bridge"]
    assert term_spans(recognizer, "keep your foot tapping along", "technique") == []
    assert term_spans(recognizer, "if it buzzes on the first few frets", "tone") == []


@pytest.mark.parametrize(
    ("term_text", "everyday_text", "word", "category"),
    [
        ("a drum fill into the chorus", "we had a fill-in teacher last week", "fill", "form"),
        ("the verse of the song is quiet", "the verse of the poem was lovely", "verse", "form"),
        ("the chorus of this song", "the chorus of birds this morning", "chorus", "form"),
        ("the feedback from the amp", "the feedback from you guys was great", "feedback", "tone"),
        ("the hook of this song is that riff", "a great hook for the thumbnail", "hook", "form"),
    ],
)
def test_everyday_senses_of_sections(
    recognizer: TermRecognizer, term_text: str, everyday_text: str, word: str, category: str
) -> None:
    assert any(word in s.lower() for s in term_spans(recognizer, term_text, category)), term_text
    assert not any(word in s.lower() for s in term_spans(recognizer, everyday_text, category)), (
        everyday_text
    )


def test_the_bridge_in_the_song(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "the bridge in the song is where it opens up", "form") == [
        "bridge"
    ]
    assert term_spans(recognizer, "the bridge in this guitar is a tune-o-matic", "form") == []
