"""Fill a database with realistic jobs for migration tests (run as a script or imported)."""

from __future__ import annotations

import random
import sys
from datetime import timedelta

from sqlalchemy import Engine, insert

from scribe.db.engine import make_engine
from scribe.db.migrate import upgrade
from scribe.db.tables import (
    api_keys,
    collections,
    jobs,
    leases,
    outbox,
    stage_runs,
    term_occurrences,
    transcript_revisions,
    transcript_segments,
    utcnow,
    webhook_deliveries,
    workers,
)
from scribe.domain.jobs import STAGE_ORDER


def populate(engine: Engine, count: int = 1000, seed: int = 7) -> None:
    """``count`` jobs in every state, with stage runs, transcripts' segments, term occurrences,
    revisions, webhook deliveries, collections, keys, workers and outbox rows (unicode too)."""
    rng = random.Random(seed)
    upgrade(engine)
    start = utcnow() - timedelta(days=30)
    job_rows, run_rows, outbox_rows = [], [], []
    segment_rows, term_rows, revision_rows, delivery_rows = [], [], [], []
    course_ids = [f"course{n:04d}" for n in range(5)]
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
        job_rows[-1]["collection_id"] = course_ids[n % 5]
        job_rows[-1]["lesson_number"] = n // 5
        for idx in range(3):
            segment_rows.append(
                {
                    "job_id": job_id,
                    "idx": idx,
                    "start": idx * 4.5,
                    "end": idx * 4.5 + 4.0,
                    "text": f"Play the minor pentatonic scale, lección {n}.{idx} ♪",
                    "mean_probability": round(rng.random(), 4),
                }
            )
            term_rows.append(
                {
                    "job_id": job_id,
                    "term": "minor pentatonic",
                    "category": "scale",
                    "text": "minor pentatonic",
                    "start": idx * 4.5 + 1,
                    "end": idx * 4.5 + 2,
                    "segment": idx,
                }
            )
        if n % 3 == 0:
            revision_rows.append(
                {
                    "job_id": job_id,
                    "number": 1,
                    "author": "Zoë",
                    "created_at": created,
                    "edits": [{"segment": 0, "word": None, "text": "Play the blues scale"}],
                }
            )
        delivery_rows.append(
            {
                "id": f"d{job_id}",
                "job_id": job_id,
                "url": "https://hooks.example.org/x",
                "event": "job.completed",
                "payload": {"job": {"id": job_id}},
                "status": rng.choice(["delivered", "failed", "pending"]),
                "attempts": 1,
                "next_attempt_at": created,
                "last_status_code": 200,
                "last_error": None,
                "created_at": created,
                "delivered_at": created,
            }
        )
    with engine.begin() as conn:
        conn.execute(
            insert(collections),
            [
                {
                    "id": cid,
                    "name": f"Course {i} – Blues",
                    "description": "",
                    "bias_terms": None,
                    "created_at": start,
                    "updated_at": start,
                }
                for i, cid in enumerate(course_ids)
            ],
        )
        conn.execute(insert(jobs), job_rows)
        conn.execute(insert(transcript_segments), segment_rows)
        conn.execute(insert(term_occurrences), term_rows)
        conn.execute(insert(transcript_revisions), revision_rows)
        conn.execute(insert(webhook_deliveries), delivery_rows)
        conn.execute(
            insert(api_keys),
            [
                {
                    "id": "k1",
                    "name": "importer",
                    "prefix": "abcd1234",
                    "key_hash": "0" * 64,
                    "scopes": "write",
                    "created_at": start,
                }
            ],
        )
        conn.execute(
            insert(workers),
            [
                {
                    "name": "host:1:extract",
                    "stage": "extract",
                    "last_seen": start,
                    "processed": 3,
                    "failed": 0,
                }
            ],
        )
        conn.execute(insert(stage_runs), run_rows)
        if outbox_rows:
            conn.execute(insert(outbox), outbox_rows)
        conn.execute(
            insert(leases).values(
                name="watchdog", holder="api-1:42:0a1b2c3d", acquired_at=start, expires_at=start
            )
        )


if __name__ == "__main__":
    populate(make_engine(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
