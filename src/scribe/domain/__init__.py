"""Pure types of Scribe: jobs, stages, transcripts and term occurrences."""

from scribe.domain.jobs import FINAL_STATES, STAGE_ORDER, Job, JobState, Stage, StageRun, next_stage
from scribe.domain.terms import TermOccurrence, TermsResult
from scribe.domain.transcript import Segment, Transcript, Word

__all__ = [
    "FINAL_STATES",
    "STAGE_ORDER",
    "Job",
    "JobState",
    "Segment",
    "Stage",
    "StageRun",
    "TermOccurrence",
    "TermsResult",
    "Transcript",
    "Word",
    "next_stage",
]
