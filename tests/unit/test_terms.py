"""Music-term recognition with the real spaCy pipeline and the bundled lexicon."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from scribe.domain.transcript import Segment, Transcript, Word
from scribe.lexicon import load_lexicon
from scribe.stages.terms.recognizer import TermRecognizer


def test_bundled_lexicon_is_large_and_unambiguous() -> None:
    lexicon = load_lexicon()
    by_category = lexicon.by_category()
    assert len(lexicon.terms) >= 2000
    assert len(by_category) >= 14
    assert {"chord", "scale", "technique", "theory", "anatomy", "gear", "genre"} <= set(by_category)
    assert {"form", "tone", "setup", "position", "player"} <= set(by_category)
    assert all(len(terms) >= 10 for terms in by_category.values())
    forms = Counter(form.lower() for term in lexicon.terms for form in term.forms)
    assert [form for form, n in forms.items() if n > 1] == []


@pytest.mark.parametrize(
    ("text", "term", "category"),
    [
        ("now try a hammer-on here", "hammer-on", "technique"),
        ("now try a hammer on here", "hammer-on", "technique"),
        ("these Hammer-Ons are hard", "hammer-on", "technique"),
        ("use alternate picking throughout", "alternate picking", "technique"),
        ("the minor pentatonic scale in A", "minor pentatonic", "scale"),
        ("tune down to drop D first", "drop D", "tuning"),
        ("put a capo on", "capo", "gear"),
    ],
)
def test_variants_find_the_canonical_term(
    recognizer: TermRecognizer, text: str, term: str, category: str
) -> None:
    matches = recognizer.find_in_text(text)
    assert [(m.term, m.category) for m in matches] == [(term, category)]
    match = matches[0]
    assert text[match.start_char : match.end_char] == match.text


@pytest.mark.parametrize(
    ("text", "term", "category"),
    [
        ("so, um, that clean tone is just the neck pickup", "clean tone", "tone"),
        ("check the neck relief before the action", "neck relief", "setup"),
        ("it's a bit of a Hendrix-style thing", "Jimi Hendrix", "player"),
        ("play it Travis picking style", "Travis picking", "technique"),
        ("the pre-chorus builds into the chorus", "pre-chorus", "form"),
        ("a classic Delta blues move", "Delta blues", "genre"),
        ("that note needs time to resolve", "resolve", "theory"),
        ("touch the string for a harmonic", "harmonics", "articulation"),
        ("the fretboard markers on the side", "fretboard markers", "anatomy"),
    ],
)
def test_new_categories_and_deeper_terms(
    recognizer: TermRecognizer, text: str, term: str, category: str
) -> None:
    assert (term, category) in [(m.term, m.category) for m in recognizer.find_in_text(text)]


def test_everyday_phrases_are_not_terms(recognizer: TermRecognizer) -> None:
    assert recognizer.find_in_text("let's see it in action, and thanks for the feedback") == []
    assert recognizer.find_in_text("you'll gain confidence") == []
    terms = [m.term for m in recognizer.find_in_text("the action is low and the feedback howls")]
    assert terms == ["action", "feedback"]


def test_verbs_are_not_noun_terms(recognizer: TermRecognizer) -> None:
    assert recognizer.find_in_text("I'm gonna drive over and fill the tank") == []
    assert [m.term for m in recognizer.find_in_text("add a fill and more drive")] == [
        "fill",
        "drive",
    ]


def test_bridge_is_the_song_section_where_the_words_say_so(recognizer: TermRecognizer) -> None:
    def bridge(text: str) -> str:
        return next(m.category for m in recognizer.find_in_text(text) if m.text == "bridge")

    assert bridge("verse, chorus, then the bridge") == "form"
    assert bridge("a key change in the bridge") == "form"
    assert bridge("pick near the bridge for twang") == "anatomy"
    assert bridge("the humbucker in the bridge position") == "anatomy"


def test_spellings_of_a_form() -> None:
    from scribe.stages.terms.recognizers.lexicon_matcher import spellings

    assert spellings(["hammer", "on"]) == [
        ["hammer", "on"],
        ["hammer", "-", "on"],
        ["hammer", "–", "on"],
    ]
    assert ["capo", "s"] not in spellings(["capo"]) and ["capos"] in spellings(["capo"])
    assert spellings(["blues"]) == [["blues"]]  # ends in s: no plural added
    assert spellings([]) == []


def test_ordinary_talk_has_no_terms(recognizer: TermRecognizer) -> None:
    assert recognizer.find_in_text("Welcome back everyone, grab a coffee and let's begin.") == []


def test_longest_match_wins_without_double_counting(recognizer: TermRecognizer) -> None:
    matches = recognizer.find_in_text("the minor pentatonic scale")
    assert len(matches) == 1
    assert matches[0].text == "minor pentatonic scale"


def test_occurrences_take_the_times_of_their_words(recognizer: TermRecognizer) -> None:
    words = [
        (" Now", 0.0, 0.3),
        (" add", 0.3, 0.6),
        (" a", 0.6, 0.7),
        (" hammer", 0.7, 1.1),
        ("-on", 1.1, 1.4),
        (" with", 1.4, 1.6),
        (" the", 1.6, 1.7),
        (" metronome.", 1.7, 2.4),
    ]
    segment = Segment(
        index=3,
        start=0.0,
        end=2.4,
        text="".join(w for w, _, _ in words),
        words=[Word(text=w, start=s, end=e, probability=0.9) for w, s, e in words],
    )
    transcript = Transcript(
        language="en", language_probability=1.0, duration=2.4, model="t", segments=[segment]
    )
    result = recognizer.recognize(transcript, context_words=2)
    found = {o.term: o for o in result.occurrences}
    assert set(found) == {"hammer-on", "metronome"}
    assert (found["hammer-on"].start, found["hammer-on"].end) == (0.7, 1.4)
    assert found["hammer-on"].segment == 3
    assert found["hammer-on"].context == "add a hammer -on with the"
    assert (found["metronome"].start, found["metronome"].end) == (1.7, 2.4)
    assert result.counts_by_term == {"hammer-on": 1, "metronome": 1}
    assert sum(result.counts_by_category.values()) == 2
    assert result.lexicon_version == load_lexicon().version


def test_scribe_terms_command_prints_json_lines() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "scribe", "terms", "-"],
        input="Palm muting and a power chord.",
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["term"] for line in lines] == ["palm muting", "power chord"]
    assert lines[1]["start"] == len("Palm muting and a ")


def test_cli_errors_are_one_line_without_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = subprocess.run(
        [sys.executable, "-m", "scribe", "terms", str(tmp_path / "none.txt")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("error: no such file")
    assert "Traceback" not in missing.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "scribe", "process", "--bogus", "x"],
        capture_output=True,
        text=True,
    )
    assert unknown.returncode == 2
    assert "Traceback" not in unknown.stderr and "No such option" in unknown.stderr


def test_the_lexicon_readme_counts_what_the_files_hold() -> None:
    from scribe.lexicon import BUNDLED_DIR

    lexicon = load_lexicon()
    terms: Counter[str] = Counter()
    strings: Counter[str] = Counter()
    for term in lexicon.terms:
        terms[term.category] += 1
        strings[term.category] += 1 + len(term.variants)
    table = {}
    for line in (BUNDLED_DIR / "README.md").read_text().splitlines():
        cells = [cell.strip(" *`") for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[2].isdigit():
            table[cells[0] or "total"] = (int(cells[2]), int(cells[3]))
    assert table.pop("total") == (sum(terms.values()), sum(strings.values()))
    assert table == {category: (terms[category], strings[category]) for category in terms}
