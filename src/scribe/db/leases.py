"""Leases held in the database: one holder at a time, taken over when the holder stops renewing.

The watchdog, the retention policy and anything else that must run in one place only, although
every api process runs the same loops, asks for a lease first. A lease is a row (name, holder,
expires_at); taking it is one compare-and-set ``UPDATE`` (free, lapsed, or already ours) or,
for a name never used, an ``INSERT … ON CONFLICT DO NOTHING``, so two processes can never both
win. Times are the api hosts' clocks (NTP-synchronised in ECS); keep ``ttl`` well above any skew.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from scribe.db.claims import process_identity
from scribe.db.tables import leases, utcnow


def acquire(
    conn: Connection,
    *,
    name: str,
    holder: str,
    ttl: float,
    renew: bool = True,
    now: datetime | None = None,
) -> bool:
    """Take or renew lease ``name`` for ``ttl`` seconds; True when ``holder`` now holds it.

    With ``renew=False`` a holder whose lease has not lapsed does not get it again: the lease
    then works as a turn (retention: one run per period, in whichever process comes first).
    """
    now = now or utcnow()
    until = now + timedelta(seconds=ttl)
    claimable = leases.c.expires_at <= now
    if renew:
        claimable = or_(claimable, leases.c.holder == holder)
    taken = conn.execute(
        update(leases)
        .where(leases.c.name == name, claimable)
        .values(holder=holder, expires_at=until, acquired_at=now)
    )
    if taken.rowcount > 0:
        return True
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = conn.execute(
        dialect.insert(leases)
        .values(name=name, holder=holder, acquired_at=now, expires_at=until)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(leases.c.name)
    )
    return inserted.first() is not None


def release(conn: Connection, *, name: str, holder: str) -> bool:
    """Give up a lease ``holder`` holds (on a clean stop); False when it was not held."""
    result = conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))
    return result.rowcount > 0


def holder_of(conn: Connection, *, name: str, now: datetime | None = None) -> str | None:
    """Who holds lease ``name`` now, or None when it is free or lapsed."""
    now = now or utcnow()
    row = conn.execute(
        select(leases.c.holder).where(leases.c.name == name, leases.c.expires_at > now)
    ).first()
    return None if row is None else str(row[0])


@dataclass
class Lease:
    """One named lease as seen by one process: :meth:`held` takes or renews it."""

    engine: Engine
    name: str
    ttl: float
    holder: str = field(default_factory=process_identity)

    def held(self) -> bool:
        """Take or renew the lease; whether this process holds it for the next ``ttl`` s."""
        with self.engine.begin() as conn:
            return acquire(conn, name=self.name, holder=self.holder, ttl=self.ttl)

    def take_turn(self) -> bool:
        """Take the lease only if it is free or lapsed (not when this process holds it)."""
        with self.engine.begin() as conn:
            return acquire(conn, name=self.name, holder=self.holder, ttl=self.ttl, renew=False)

    def release(self) -> None:
        """Give the lease up now rather than letting it lapse."""
        with self.engine.begin() as conn:
            release(conn, name=self.name, holder=self.holder)
