"""Fill a database with realistic jobs for migration tests (run as a script or imported)."""

from __future__ import annotations

import random
import sys
from datetime import timedelta

from sqlalchemy import Engine, insert

from scribe.db.engine import make_engine
from scribe.db.migrate import upgrade
from scribe.db.tables import jobs, outbox, stage_runs, utcnow
from scribe.domain.jobs import STAGE_ORDER


def populate(engine: Engine, count: int = 1000, seed: int = 7) -> None:
    """``count`` jobs in every state, with stage runs, facts (unicode included) and outbox rows."""
    rng = random.Random(seed)
    upgrade(engine)
    start = utcnow() - timedelta(days=30)
    job_rows, run_rows, outbox_rows = [], [], []
    for n in range(count):
        job_id = f"{n:08d}{rng.getrandbits(64):016x}"
        created = start + timedelta(minutes=n * 17)
        state = rng.choice(["completed"] * 6 + ["failed", "queued", "transcribing", "cancelled"])
        job_rows.append(
            {
                "id": job_id,
                "state": state,
                "filename": f"Lección {n} – acordes.mp4",
                "source_key": f"jobs/{job_id}/source/lesson.mp4",
                "size_bytes": rng.randint(10**6, 10**9),
                "options": {"language": "en", "hotwords": "pentatonic, hammer-on"},
                "progress": 1.0 if state == "completed" else rng.random(),
                "error": "no audio stream found" if state == "failed" else None,
                "failed_stage": "extract" if state == "failed" else None,
                "request_id": f"req-{n}",
                "created_at": created,
                "updated_at": created + timedelta(minutes=3),
                "completed_at": created + timedelta(minutes=3) if state == "completed" else None,
                "audio_duration": round(rng.uniform(60, 3600), 3),
                "facts": {
                    "transcript": {"words": rng.randint(100, 9000), "language": "en"},
                    "terms": {"occurrences": rng.randint(0, 300)},
                    "note": "ñ ü ß ♪",
                },
            }
        )
        for stage in STAGE_ORDER:
            run_rows.append(
                {
                    "job_id": job_id,
                    "stage": stage.value,
                    "state": "completed",
                    "attempts": rng.randint(1, 3),
                    "started_at": created,
                    "finished_at": created + timedelta(seconds=rng.uniform(1, 500)),
                    "progress": 1.0,
                    "error": None,
                }
            )
        if state == "queued":
            outbox_rows.append(
                {"queue": "extract", "body": {"job_id": job_id}, "created_at": created}
            )
    with engine.begin() as conn:
        conn.execute(insert(jobs), job_rows)
        conn.execute(insert(stage_runs), run_rows)
        if outbox_rows:
            conn.execute(insert(outbox), outbox_rows)


if __name__ == "__main__":
    populate(make_engine(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
