"""Context rules of the term recogniser: everyday senses of one-word terms, keys named
without "key of", degree chords said one by one, bare-letter chords in more contexts. Each
rule has a sentence it must find and a counter-example it must not."""

from __future__ import annotations

import pytest

from scribe.stages.terms.recognizer import TermRecognizer
from tests.helpers import term_spans

# --- everyday senses of one-word lexicon terms ------------------------------------------------


@pytest.mark.parametrize(
    ("term_text", "everyday_text", "word", "category"),
    [
        # a word before that makes the everyday phrase
        ("dig in with the pick for more attack", "a panic attack before a gig", "attack", "tone"),
        ("the drummer plays a fill", "we'll fill the last five minutes", "fill", "form"),
        ("a fill in every gap", "fill in the chord chart", "fill", "form"),
        ("kick in the chorus", "they all sang it in chorus", "chorus", "form"),
        ("read the tabs for this riff", "keep tabs on your practice", "tabs", "notation"),
        ("a little more drive on the amp", "a long drive to the gig", "drive", "tone"),
        ("the action is too high", "let's see it in action", "action", "setup"),
        ("the action at the twelfth fret", "the action movie last night", "action", "setup"),
        ("add a bit of bite on the amp", "grab a bite to eat first", "bite", "tone"),
        ("a country song with a capo", "I've lived in this country for years", "country", "genre"),
        # two words before
        ("a clean tone for this one", "set the tone for the lesson", "tone", "tone"),
        # the word after
        ("counting out loud helps", "I'm counting on you this week", "counting", "rhythm"),
        ("bend the string up", "bend your knees a bit", "bend", "articulation"),
        ("the metal riffs here", "the metal ruler on the bench", "metal", "genre"),
        # "<word> of <noun>"
        ("the attack of the note", "the tone of voice matters", "attack", "tone"),
        ("the crunch of this amp", "the crunch of the snow outside", "crunch", "tone"),
        # body talk
        ("your thumb behind the neck", "my neck is killing me today", "neck", "anatomy"),
        ("tension resolves to the tonic", "tension in your shoulders", "tension", "theory"),
        # a music cue nearby
        ("the warmth of a tube amp", "a little warmth goes a long way", "warmth", "tone"),
        ("his accent on the beat is strong", "a strong Irish accent", "accent", "articulation"),
        (
            "that's the phrase to end the solo on",
            "a phrase my teacher used to say",
            "phrase",
            "theory",
        ),
        (
            "get a setup done by a luthier",
            "my setup is a Strat and a small amp",
            "setup",
            "setup",
        ),
        ("the tonic chord", "a gin and tonic after the gig", "tonic", "theory"),
        ("what a relief, the neck relief is right", "what a relief that was", "relief", "setup"),
    ],
)
def test_everyday_senses_are_not_terms(
    recognizer: TermRecognizer, term_text: str, everyday_text: str, word: str, category: str
) -> None:
    assert any(word in s.lower() for s in term_spans(recognizer, term_text, category)), term_text
    assert not any(word in s.lower() for s in term_spans(recognizer, everyday_text, category)), (
        everyday_text
    )


def test_tone_of_voice_is_not_your_tone(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "watch your tone of voice", "tone") == []
    assert term_spans(recognizer, "your tone of the guitar", "tone") == ["tone"]


def test_open_a_is_the_article(recognizer: TermRecognizer) -> None:
    assert term_spans(recognizer, "open a new tab in the browser", "tuning") == []
    assert term_spans(recognizer, "tune down to open A tuning", "tuning") == ["open A tuning"]


def test_bridge_by_the_hand_and_bridge_of_the_song(recognizer: TermRecognizer) -> None:
    def category(text: str) -> list[str]:
        return [m.category for m in recognizer.find_in_text(text) if m.text == "bridge"]

    assert category("pick closer to the bridge for twang") == ["anatomy"]
    assert category("it's the bridge of the song people forget") == ["form"]
    assert category("the bridge of my nose hurts") == []
    assert category("we'll cross that bridge later") == []
    assert category("a song where the bridge really lifts") == ["form"]


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("lots of bluegrass is in G, A and D, with a capo", ["G", "A", "D"]),
        ("it's in C instead of G here", ["C", "G"]),
        ("flat keys like F, B flat and E flat", ["F", "B flat", "E flat"]),
        ("we'll transpose it from G to A for you", ["G", "A"]),
        ("the song modulates to D for the end", ["D"]),
        ("the original's in B, but I drop it to A", ["B", "A"]),
        ("the key is G, so that's home", ["G"]),
        ("a flat seven borrowed from D minor", ["D minor"]),
    ],
)
def test_keys_named_without_key_of(recognizer: TermRecognizer, text: str, keys: list[str]) -> None:
    assert term_spans(recognizer, text, "key") == keys


@pytest.mark.parametrize(
    "text",
    [
        "go from G to A and back",  # chords: no transpose, modulate or key near
        "the key of C major is D minor, G7, C major",  # the chords of the key
        "go to D and then play it louder",  # no verb of changing key
    ],
)
def test_not_keys_without_a_cue(recognizer: TermRecognizer, text: str) -> None:
    assert term_spans(recognizer, text, "key") in ([], ["key of C major"])


# --- degree chords said one by one ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chords"),
    [
        ("the six minor is the saddest chord", ["six minor"]),
        ("it's the one, the four and the five, round and round", ["one", "four", "five"]),
        ("so it's the I, IV and V, every blues", ["I", "IV", "V"]),
        ("I play the V7 to the I there", ["V7", "I"]),
        ("I, vi, IV, V, the fifties sound", ["I", "vi", "IV", "V"]),
        ("the flat six to the flat seven to the one", ["flat six", "flat seven", "one"]),
    ],
)
def test_degree_chords_one_by_one(recognizer: TermRecognizer, text: str, chords: list[str]) -> None:
    assert term_spans(recognizer, text, "progression") == chords


@pytest.mark.parametrize(
    "text",
    [
        "the one I showed you last week",  # a pronoun
        "the six minor pentatonic shapes",  # a scale
        "E, A and B7 are the three chords of a blues",  # a count
        "I, um, I usually start slow",  # the pronoun
    ],
)
def test_not_degree_chords(recognizer: TermRecognizer, text: str) -> None:
    assert term_spans(recognizer, text, "progression") == []


# --- bare-letter chords ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chords"),
    [
        ("the chords: it's A, then D, then E, then back to A", ["A", "D", "E", "A"]),
        ("if you're in C, the IV is F and the V is G", ["F", "G"]),
        ("an open G is one of the first chords you learn", ["G"]),
        ("I'm playing a D with my pinky", ["D"]),
        ("play an E, then an A, and then a B7", ["E", "A", "B7"]),
        ("the C to the G is the easiest change", ["C", "G"]),
        ("a G7, then back to C", ["G7", "C"]),  # a list across "back"
    ],
)
def test_bare_letter_chords_in_context(
    recognizer: TermRecognizer, text: str, chords: list[str]
) -> None:
    assert term_spans(recognizer, text, "chord_name") == chords


@pytest.mark.parametrize(
    "text",
    [
        "bar one is C, bar two is F",  # not a degree chord before "is"
        "tune down to open G tuning",  # the tuning
        "an open F",  # the tuning: no chord word after
        "then an E again",  # "an E" after no verb of playing
        "standard tuning is E A D G B E",  # string names
        "the notes are A, B and C",  # notes, no "chords" before
    ],
)
def test_bare_letters_still_need_their_context(recognizer: TermRecognizer, text: str) -> None:
    assert term_spans(recognizer, text, "chord_name") == []


# --- more everyday senses (word_senses.py) and the lexicon's "es" plural -----------------------


@pytest.mark.parametrize(
    ("term_text", "everyday_text", "word", "category"),
    [
        ("I learned that solo by ear", "we'll play it by ear and see", "by ear", "theory"),
        ("try bending the string up", "your wrist is bending back", "bending", "articulation"),
        ("stretching your fingers helps", "new strings keep stretching", "stretching", "technique"),
        ("he plays a left-handed Strat", "he played left-handed, which", "left-handed", "gear"),
        ("add a bit of dirt with the amp", "there's dirt in the pot", "dirt", "tone"),
        ("a chuck on the backbeat", "just chuck it in the bin", "chuck", "technique"),
        ("get a strap for standing up", "strap yourself in for this one", "strap", "gear"),
        (
            "the third bent slightly sharp",
            "the pipe is bent near the end",
            "bent",
            "articulation",
        ),
        ("play it in standard on the low string", "that's pretty standard", "standard", "tuning"),
        ("from standard, drop the low E to D", "a standard pick", "standard", "tuning"),
        (
            "the shuffle at 90 to start",
            "shuffle the deck at the start",
            "shuffle",
            "rhythm",
        ),
        ("the country version of the blues scale", "this country is cold", "country", "genre"),
    ],
)
def test_word_senses(
    recognizer: TermRecognizer, term_text: str, everyday_text: str, word: str, category: str
) -> None:
    assert word in [s.lower() for s in term_spans(recognizer, term_text, category)]
    assert word not in [s.lower() for s in term_spans(recognizer, everyday_text, category)]


def test_es_plural_only_after_sibilants(recognizer: TermRecognizer) -> None:
    """ "jam" + "es" is "James", not a plural: only x, z, ch, sh and o take "es"."""
    assert term_spans(recognizer, "that James Bond kind of vibe", "practice") == []
    assert term_spans(recognizer, "a few jams with friends", "practice") == ["jams"]


def test_string_gauges_and_brands(recognizer: TermRecognizer) -> None:
    """Gauges said as plurals, and string and pedal names."""
    spans = term_spans(recognizer, "Ernie Ball 10s on one, 11s on the Jazzmaster", "gear")
    assert spans == ["Ernie Ball", "10s", "11s", "Jazzmaster"]
    assert "Q-Tron" in term_spans(recognizer, "a Mu-Tron or a Q-Tron", "gear")


@pytest.mark.parametrize(
    ("term_text", "everyday_text", "word", "category"),
    [
        ("the tag repeats the last line of the chorus", "check the price tag on it", "tag", "form"),
        ("walk me through the rig and the pedalboard", "he works on an oil rig", "rig", "gear"),
        ("the drummer and the bass find the pocket", "in my back pocket", "pocket", "rhythm"),
        ("the guitar has 500k pots on the volume", "put the tea pot on", "pot", "anatomy"),
        ("the tie joins those two notes", "wear a tie to the gig", "tie", "notation"),
        (
            "play the melody over an open string drone",
            "the camera drone flew over the stage",
            "drone",
            "theory",
        ),
    ],
)
def test_section_and_rig_senses(
    recognizer: TermRecognizer, term_text: str, everyday_text: str, word: str, category: str
) -> None:
    assert any(word in s.lower() for s in term_spans(recognizer, term_text, category))
    assert not any(word in s.lower() for s in term_spans(recognizer, everyday_text, category))


def test_moved_terms(recognizer: TermRecognizer) -> None:
    """A partial capo is gear, fret ends are a part, common tones are theory."""
    assert term_spans(recognizer, "a partial capo on three strings", "gear") == ["partial capo"]
    assert term_spans(recognizer, "the fret ends stick out", "anatomy") == ["fret ends"]
    assert term_spans(recognizer, "keep the common tones", "theory") == ["common tones"]


def test_strings_still_stretching_far_back(recognizer: TermRecognizer) -> None:
    """The strings named several words before: they are settling in, no finger stretch."""
    text = "the strings might be brand new and still stretching"
    assert term_spans(recognizer, text, "technique") == []


def test_gear_families(recognizer: TermRecognizer) -> None:
    """Whisper's 'trust rod', speakers, mics, pickups and pedals of the breadth round."""
    assert term_spans(recognizer, "loosen the trust rod a quarter turn", "anatomy") == ["trust rod"]
    assert term_spans(recognizer, "a 2x12 with Greenbacks and PAFs", "anatomy") == [
        "2x12",
        "Greenbacks",
        "PAFs",
    ]
    spans = term_spans(recognizer, "an MD421 and an e609 on the cab, then a Small Clone", "gear")
    assert spans == ["MD421", "e609", "Small Clone"]
    assert term_spans(recognizer, "a Precision Bass with flats", "gear")[:1] == ["Precision Bass"]
