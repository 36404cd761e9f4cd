"""Outbox claims, leases, atomic fact merges and compare-and-set transitions, on SQLite and
PostgreSQL, with real concurrent connections (several api processes share one database)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, select

from scribe.config import WebhookSettings
from scribe.db import leases
from scribe.db import repository as repo
from scribe.db.claims import claim_outbox, finish_claimed, jobs_in_outbox, release_claimed
from scribe.db.tables import outbox, utcnow, webhook_deliveries
from scribe.domain.jobs import JobState, Stage
from scribe.messages import EventType, StageEvent
from scribe.orchestrator.machine import apply_event, create_job

T = TypeVar("T")


def _job(engine: Engine) -> str:
    with engine.begin() as conn:
        return create_job(
            conn, filename="a.wav", source_key="jobs/x/source/a.wav", size_bytes=1, options={}
        )


def _at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``count`` threads released together; every result (or raise)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def _fill_outbox(engine: Engine, count: int) -> None:
    with engine.begin() as conn:
        for n in range(count):
            repo.enqueue(conn, queue="extract", body={"job_id": f"job{n}", "n": n})


def test_a_claimed_row_is_not_claimed_again_until_its_claim_lapses(engine: Engine) -> None:
    _fill_outbox(engine, 5)
    with engine.begin() as conn:
        first = claim_outbox(conn, holder="a", limit=3)
        second = claim_outbox(conn, holder="b", limit=10)
        third = claim_outbox(conn, holder="c", limit=10)
    assert [body["n"] for _, _, body in first] == [0, 1, 2]
    assert [body["n"] for _, _, body in second] == [3, 4]
    assert third == []
    later = utcnow() + timedelta(seconds=120)
    with engine.begin() as conn:
        taken = claim_outbox(conn, holder="c", limit=10, claim_seconds=60, now=later)
        # "a" died after claiming: its rows passed on, so its late delete does nothing.
        assert not finish_claimed(conn, message_id=first[0][0], holder="a")
        assert finish_claimed(conn, message_id=first[0][0], holder="c")
    assert [body["n"] for _, _, body in taken] == [0, 1, 2, 3, 4]


def test_released_rows_can_be_claimed_at_once(engine: Engine) -> None:
    _fill_outbox(engine, 3)
    with engine.begin() as conn:
        claimed = claim_outbox(conn, holder="a")
        assert release_claimed(conn, message_ids=[row[0] for row in claimed[1:]], holder="a") == 2
        again = claim_outbox(conn, holder="b")
        assert jobs_in_outbox(conn) == {"job0", "job1", "job2"}
    assert [body["n"] for _, _, body in again] == [1, 2]


def test_concurrent_claimers_share_the_rows_without_overlap(engine: Engine) -> None:
    _fill_outbox(engine, 120)

    def drain(worker: int) -> list[int]:
        mine: list[int] = []
        while True:
            with engine.begin() as conn:
                batch = claim_outbox(conn, holder=f"api-{worker}", limit=7)
            if not batch:
                return mine
            for message_id, _, _ in batch:
                with engine.begin() as conn:
                    assert finish_claimed(conn, message_id=message_id, holder=f"api-{worker}")
                mine.append(message_id)

    per_worker = _at_once(4, drain)
    sent = [message_id for ids in per_worker for message_id in ids]
    assert len(sent) == 120 and len(set(sent)) == 120
    with engine.connect() as conn:
        assert conn.execute(select(outbox.c.id)).all() == []


def test_concurrent_fact_merges_keep_every_key(engine: Engine) -> None:
    job_id = _job(engine)

    def merge(n: int) -> None:
        with engine.begin() as conn:
            repo.merge_facts(conn, job_id=job_id, facts={f"k{n}": {"n": n, "none": None}})

    _at_once(12, merge)
    with engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
    assert job is not None
    assert job.facts == {f"k{n}": {"n": n, "none": None} for n in range(12)}


def test_a_lease_has_one_holder_and_passes_on_when_it_lapses(engine: Engine) -> None:
    now = utcnow()
    with engine.begin() as conn:
        assert leases.acquire(conn, name="watchdog", holder="a", ttl=10, now=now)
        assert not leases.acquire(conn, name="watchdog", holder="b", ttl=10, now=now)
        assert leases.acquire(conn, name="watchdog", holder="a", ttl=10, now=now)  # renewed
        assert leases.holder_of(conn, name="watchdog", now=now) == "a"
        lapsed = now + timedelta(seconds=11)
        assert leases.holder_of(conn, name="watchdog", now=lapsed) is None
        assert leases.acquire(conn, name="watchdog", holder="b", ttl=10, now=lapsed)
        assert not leases.acquire(conn, name="watchdog", holder="a", ttl=10, now=lapsed)
        assert not leases.release(conn, name="watchdog", holder="a")
        assert leases.release(conn, name="watchdog", holder="b")
        assert leases.acquire(conn, name="watchdog", holder="a", ttl=10, now=lapsed)


def test_a_turn_is_not_taken_again_by_its_holder_before_it_lapses(engine: Engine) -> None:
    now = utcnow()
    with engine.begin() as conn:
        assert leases.acquire(conn, name="retention", holder="a", ttl=60, renew=False, now=now)
        assert not leases.acquire(conn, name="retention", holder="a", ttl=60, renew=False, now=now)
        after = now + timedelta(seconds=61)
        assert leases.acquire(conn, name="retention", holder="a", ttl=60, renew=False, now=after)


def test_concurrent_takers_of_a_new_or_lapsed_lease_get_one_winner(engine: Engine) -> None:
    for name in ("fresh", "fresh"):  # first a name never used, then the same name lapsed
        start = utcnow() + timedelta(seconds=30 if name == "fresh" else 0)

        def take(n: int, at: Any = start, lease: str = name) -> bool:
            with engine.begin() as conn:
                return leases.acquire(conn, name=lease, holder=f"api-{n}", ttl=20, now=at)

        assert sum(_at_once(6, take)) == 1


def test_a_duplicate_event_applied_at_once_by_several_processes_acts_once(
    engine: Engine,
) -> None:
    webhooks = WebhookSettings(url="http://127.0.0.1:9/hook")
    job_id = _job(engine)
    with engine.begin() as conn:
        conn.execute(outbox.delete())
    done = StageEvent(type=EventType.COMPLETED, job_id=job_id, stage=Stage.EXTRACT)

    def apply(_: int, event: StageEvent = done) -> bool:
        with engine.begin() as conn:
            return apply_event(conn, event, webhooks=webhooks)

    assert sum(_at_once(6, apply)) == 1
    with engine.connect() as conn:
        queues = [row[0] for row in conn.execute(select(outbox.c.queue))]
    assert len(queues) == 1 and queues[0].startswith("transcribe")

    with engine.begin() as conn:
        apply_event(
            conn, StageEvent(type=EventType.COMPLETED, job_id=job_id, stage=Stage.TRANSCRIBE)
        )
    last = StageEvent(type=EventType.COMPLETED, job_id=job_id, stage=Stage.TERMS)
    assert sum(_at_once(6, lambda n: apply(n, last))) == 1
    with engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
        events = [row[0] for row in conn.execute(select(webhook_deliveries.c.event))]
    assert job is not None and job.state == JobState.COMPLETED
    assert events.count("job.completed") == 1


def test_api_processes_starting_at_once_upgrade_the_schema_in_turn(
    fresh_postgres_url: str,
) -> None:
    from scribe.db.engine import make_engine
    from scribe.db.migrate import current_revision, upgrade

    def head_revision() -> str | None:
        from alembic.script import ScriptDirectory

        from scribe.db.migrate import alembic_config

        return ScriptDirectory.from_config(alembic_config(engines[0])).get_current_head()

    engines = [make_engine(fresh_postgres_url) for _ in range(4)]
    try:
        _at_once(4, lambda n: upgrade(engines[n]))
        assert current_revision(engines[0]) == head_revision()
    finally:
        for made in engines:
            made.dispose()


def test_concurrent_webhook_dispatchers_claim_each_delivery_once(engine: Engine) -> None:
    from scribe.db import deliveries

    with engine.begin() as conn:
        for n in range(30):
            deliveries.record_delivery(
                conn,
                job_id=None,
                url="http://127.0.0.1:9/hook",
                event="job.completed",
                payload={"n": n},
            )

    def dispatch(_: int) -> list[str]:
        mine: list[str] = []
        while True:
            until = utcnow() + timedelta(seconds=60)
            with engine.begin() as conn:
                due = deliveries.due_deliveries(conn, now=utcnow(), limit=4)
                won = [
                    row["id"]
                    for row in due
                    if deliveries.claim_delivery(conn, delivery_id=row["id"], until=until)
                    is not None
                ]
            if not due:
                return mine
            mine += won

    claimed = [delivery for ids in _at_once(4, dispatch) for delivery in ids]
    assert len(claimed) == 30 and len(set(claimed)) == 30
