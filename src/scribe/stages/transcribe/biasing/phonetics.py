"""Sound and spelling likeness of words: Double Metaphone keys and edit distance.

:func:`double_metaphone` encodes how an English word or phrase sounds, so "matronome" and
"metronome" share a key; :func:`similarity` compares two strings (keys or spellings) by
normalised edit distance. The lexicon correction
(:mod:`scribe.stages.transcribe.biasing.correction`) and the second decoding pass use both.
"""

from __future__ import annotations

_VOWELS = frozenset("AEIOUY")


def double_metaphone(word: str) -> tuple[str, str]:
    """The primary and alternate Double Metaphone keys of ``word`` (Lawrence Philips, 2000),
    without the usual four-letter cut, so whole phrases compare.

    The rules for English spelling, Greek/Germanic ``ch``, ``gh``, ``ph``, soft ``c``/``g``,
    ``tion``, ``th`` and silent initials are kept; a few rules for surnames (Spanish ``ll``
    and ``j``, Slavic ``cz``/``wicz``) are left out, as lesson vocabulary has none of them.
    """
    text = "".join(ch for ch in word.upper() if "A" <= ch <= "Z")
    if not text:
        return "", ""
    return _Metaphone(text).run()


class _Metaphone:
    """One encoding run; ``at``/``any_at`` look around the cursor with padding at both ends."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.last = len(text) - 1
        self.primary: list[str] = []
        self.alternate: list[str] = []
        self.germanic = text.startswith(("VAN ", "VON ", "SCH"))

    def at(self, pos: int, length: int = 1) -> str:
        if pos < 0:
            return ""
        return self.s[pos : pos + length]

    def any_at(self, pos: int, *options: str) -> bool:
        return pos >= 0 and any(self.s.startswith(o, pos) for o in options)

    def vowel(self, pos: int) -> bool:
        return 0 <= pos <= self.last and self.s[pos] in _VOWELS

    def add(self, main: str, other: str | None = None) -> None:
        self.primary.append(main)
        self.alternate.append(main if other is None else other)

    def run(self) -> tuple[str, str]:
        pos = 0
        if self.any_at(0, "GN", "KN", "PN", "WR", "PS"):
            pos = 1
        if self.at(0) == "X":
            self.add("S")
            pos = 1
        while pos <= self.last:
            step = getattr(self, f"_{self.s[pos]}", None)
            if self.s[pos] in _VOWELS:
                if pos == 0:
                    self.add("A")
                pos += 1
            elif step is None:
                pos += 1
            else:
                pos += step(pos)
        return "".join(self.primary), "".join(self.alternate)

    def _double(self, pos: int, letter: str, code: str) -> int:
        self.add(code)
        return 2 if self.at(pos + 1) == letter else 1

    def _B(self, pos: int) -> int:
        return self._double(pos, "B", "P")

    def _C(self, pos: int) -> int:
        if (
            pos > 1
            and not self.vowel(pos - 2)
            and self.at(pos - 1, 3) == "ACH"
            and (self.at(pos + 2) not in ("I", "E") or self.any_at(pos - 2, "BACHER", "MACHER"))
        ):
            self.add("K")
            return 2
        if self.any_at(pos, "CHIA"):
            self.add("K")
            return 2
        if self.any_at(pos, "CH"):
            return self._ch(pos)
        if self.any_at(pos, "CZ"):
            self.add("S", "X")
            return 2
        if self.any_at(pos + 1, "CIA"):
            self.add("X")
            return 3
        if self.any_at(pos, "CC") and not (pos == 1 and self.at(0) == "M"):
            if self.at(pos + 2) in ("I", "E", "H") and not self.any_at(pos + 2, "HU"):
                if (pos == 1 and self.at(0) == "A") or self.any_at(pos - 1, "UCCEE", "UCCES"):
                    self.add("KS")
                else:
                    self.add("X")
                return 3
            self.add("K")
            return 2
        if self.any_at(pos, "CK", "CG", "CQ"):
            self.add("K")
            return 2
        if self.any_at(pos, "CI", "CE", "CY"):
            if self.any_at(pos, "CIO", "CIE", "CIA"):
                self.add("S", "X")
            else:
                self.add("S")
            return 2
        self.add("K")
        if self.at(pos + 1) in ("C", "K", "Q") and not self.any_at(pos + 1, "CE", "CI"):
            return 2
        return 1

    def _ch(self, pos: int) -> int:
        if pos > 0 and self.any_at(pos, "CHAE"):
            self.add("K", "X")
        elif (
            pos == 0
            and (self.any_at(1, "HARAC", "HARIS") or self.any_at(1, "HOR", "HYM", "HIA", "HEM"))
            and not self.any_at(0, "CHORE")
        ) or (
            self.germanic
            or self.any_at(pos - 2, "ORCHES", "ARCHIT", "ORCHID")
            or self.at(pos + 2) in ("T", "S")
            or (
                (pos == 0 or self.at(pos - 1) in ("A", "O", "U", "E"))
                and (pos + 2 > self.last or self.at(pos + 2) in tuple("LRNMBHFVW"))
            )
        ):
            self.add("K")
        elif pos > 0:
            self.add("K" if self.any_at(0, "MC") else "X", "K")
        else:
            self.add("X")
        return 2

    def _D(self, pos: int) -> int:
        if self.any_at(pos, "DG"):
            if self.at(pos + 2) in ("I", "E", "Y"):
                self.add("J")
                return 3
            self.add("TK")
            return 2
        self.add("T")
        return 2 if self.at(pos + 1) in ("T", "D") else 1

    def _F(self, pos: int) -> int:
        return self._double(pos, "F", "F")

    def _G(self, pos: int) -> int:
        nxt = self.at(pos + 1)
        if nxt == "H":
            return self._gh(pos)
        if nxt == "N":
            if pos == 1 and self.vowel(0):
                self.add("KN", "N")
            elif not self.any_at(pos + 2, "EY") and nxt != "Y":
                self.add("N", "KN")
            else:
                self.add("KN")
            return 2
        if self.any_at(pos + 1, "LI"):
            self.add("KL", "L")
            return 2
        if pos == 0 and (
            nxt == "Y"
            or self.any_at(1, "ES", "EP", "EB", "EL", "EY", "IB", "IL", "IN", "IE", "EI", "ER")
        ):
            self.add("K", "J")
            return 2
        if (
            (self.any_at(pos + 1, "ER") or nxt == "Y")
            and not self.any_at(0, "DANGER", "RANGER", "MANGER")
            and self.at(pos - 1) not in ("E", "I")
            and not self.any_at(pos - 1, "RGY", "OGY")
        ):
            self.add("K", "J")
            return 2
        if nxt in ("E", "I", "Y") or self.any_at(pos - 1, "AGGI", "OGGI"):
            if self.germanic or self.any_at(pos + 1, "ET"):
                self.add("K")
            elif self.any_at(pos + 1, "IER") and pos + 3 > self.last:
                self.add("J")
            else:
                self.add("J", "K")
            return 2
        self.add("K")
        return 2 if nxt == "G" else 1

    def _gh(self, pos: int) -> int:
        if pos > 0 and not self.vowel(pos - 1):
            self.add("K")
            return 2
        if pos == 0:
            self.add("J" if self.at(2) == "I" else "K")
            return 2
        if (
            (pos > 1 and self.at(pos - 2) in ("B", "H", "D"))
            or (pos > 2 and self.at(pos - 3) in ("B", "H", "D"))
            or (pos > 3 and self.at(pos - 4) in ("B", "H"))
        ):
            return 2
        if pos > 2 and self.at(pos - 1) == "U" and self.at(pos - 3) in ("C", "G", "L", "R", "T"):
            self.add("F")
        elif self.at(pos - 1) != "I":
            self.add("K")
        return 2

    def _H(self, pos: int) -> int:
        if (pos == 0 or self.vowel(pos - 1)) and self.vowel(pos + 1):
            self.add("H")
            return 2
        return 1

    def _J(self, pos: int) -> int:
        if pos == 0:
            self.add("J", "A")
        elif self.vowel(pos - 1) and self.at(pos + 1) in ("A", "O"):
            self.add("J", "H")
        elif pos == self.last:
            self.add("J", "")
        elif self.at(pos + 1) not in tuple("LTKSNMBZ") and self.at(pos - 1) not in ("S", "K", "L"):
            self.add("J")
        return 2 if self.at(pos + 1) == "J" else 1

    def _K(self, pos: int) -> int:
        return self._double(pos, "K", "K")

    def _L(self, pos: int) -> int:
        return self._double(pos, "L", "L")

    def _M(self, pos: int) -> int:
        self.add("M")
        if (
            self.any_at(pos - 1, "UMB") and (pos + 1 == self.last or self.any_at(pos + 2, "ER"))
        ) or (self.at(pos + 1) == "M"):
            return 2
        return 1

    def _N(self, pos: int) -> int:
        return self._double(pos, "N", "N")

    def _P(self, pos: int) -> int:
        if self.at(pos + 1) == "H":
            self.add("F")
            return 2
        self.add("P")
        return 2 if self.at(pos + 1) in ("P", "B") else 1

    def _Q(self, pos: int) -> int:
        return self._double(pos, "Q", "K")

    def _R(self, pos: int) -> int:
        if pos == self.last and self.any_at(pos - 2, "IE") and not self.any_at(pos - 4, "ME", "MA"):
            self.add("", "R")
        else:
            self.add("R")
        return 2 if self.at(pos + 1) == "R" else 1

    def _S(self, pos: int) -> int:
        if self.any_at(pos - 1, "ISL", "YSL"):
            return 1
        if pos == 0 and self.any_at(0, "SUGAR"):
            self.add("X", "S")
            return 1
        if self.any_at(pos, "SH"):
            self.add("S" if self.any_at(pos + 1, "HEIM", "HOEK", "HOLM", "HOLZ") else "X")
            return 2
        if self.any_at(pos, "SIO", "SIA"):
            self.add("S", "X")
            return 3
        if (pos == 0 and self.at(1) in ("M", "N", "L", "W")) or self.at(pos + 1) == "Z":
            self.add("S", "X")
            return 2 if self.at(pos + 1) == "Z" else 1
        if self.any_at(pos, "SC"):
            return self._sc(pos)
        if pos == self.last and self.any_at(pos - 2, "AI", "OI"):
            self.add("", "S")
        else:
            self.add("S")
        return 2 if self.at(pos + 1) in ("S", "Z") else 1

    def _sc(self, pos: int) -> int:
        if self.at(pos + 2) == "H":
            if self.any_at(pos + 3, "OO", "ER", "EN", "UY", "ED", "EM"):
                if self.any_at(pos + 3, "ER", "EN"):
                    self.add("X", "SK")
                else:
                    self.add("SK")
            elif pos == 0 and not self.vowel(3) and self.at(3) != "W":
                self.add("X", "S")
            else:
                self.add("X")
            return 3
        if self.at(pos + 2) in ("I", "E", "Y"):
            self.add("S")
            return 3
        self.add("SK")
        return 3

    def _T(self, pos: int) -> int:
        if self.any_at(pos, "TION", "TIA", "TCH"):
            self.add("X")
            return 3
        if self.any_at(pos, "TH", "TTH"):
            if self.any_at(pos + 2, "OM", "AM") or self.germanic:
                self.add("T")
            else:
                self.add("0", "T")
            return 2
        self.add("T")
        return 2 if self.at(pos + 1) in ("T", "D") else 1

    def _V(self, pos: int) -> int:
        return self._double(pos, "V", "F")

    def _W(self, pos: int) -> int:
        if self.any_at(pos, "WR"):
            self.add("R")
            return 2
        if pos == 0 and (self.vowel(1) or self.any_at(0, "WH")):
            if self.vowel(1):
                self.add("A", "F")
            else:
                self.add("A")
            return 1
        if (pos == self.last and self.vowel(pos - 1)) or self.any_at(
            pos - 1, "EWSKI", "EWSKY", "OWSKI", "OWSKY"
        ):
            self.add("", "F")
            return 1
        return 1

    def _X(self, pos: int) -> int:
        if not (
            pos == self.last
            and (self.any_at(pos - 3, "IAU", "EAU") or self.any_at(pos - 2, "AU", "OU"))
        ):
            self.add("KS")
        return 2 if self.at(pos + 1) in ("C", "X") else 1

    def _Z(self, pos: int) -> int:
        if self.at(pos + 1) == "H":
            self.add("J")
            return 2
        if self.any_at(pos + 1, "ZO", "ZI", "ZA"):
            self.add("S", "TS")
        else:
            self.add("S")
        return 2 if self.at(pos + 1) == "Z" else 1


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(a: str, b: str) -> float:
    """1 - edit distance / the longer length: 1.0 for equal strings, 0.0 for nothing alike."""
    if not a and not b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))
