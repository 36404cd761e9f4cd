"""Music-term occurrences found in a transcript."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TermOccurrence(BaseModel):
    """One time a music term was said."""

    term: str = Field(description="Canonical form, e.g. `hammer-on`.")
    category: str = Field(description="Lexicon category, e.g. `technique`.")
    text: str = Field(description="The words as transcribed.")
    start: float = Field(description="Start of the first word, seconds.")
    end: float = Field(description="End of the last word, seconds.")
    segment: int = Field(description="Index of the segment it was said in.")
    context: str = Field(description="A few words around it.")


class TermsResult(BaseModel):
    """The terms stage's output: every occurrence and the counts."""

    lexicon_version: str
    occurrences: list[TermOccurrence] = Field(default_factory=list)
    counts_by_category: dict[str, int] = Field(default_factory=dict)
    counts_by_term: dict[str, int] = Field(default_factory=dict)
