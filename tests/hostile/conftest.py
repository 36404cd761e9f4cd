"""A live api (no workers) on SQLite and on PostgreSQL for the hostile-input suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.api.conftest import LiveApi, api_settings, start_api, stop_api
from tests.conftest import temporary_postgres_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hostile_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApi]:
    """The api on each database, with no keys (loopback) and no workers."""
    for name in [n for n in os.environ if n.startswith("SCRIBE_")]:
        del os.environ[name]
    data_dir = tmp_path_factory.mktemp(f"hostile-{request.param}") / "var"
    loopback = {
        "ingest": {"allow_hosts": ["127.0.0.1"]},
        "webhooks": {"allow_hosts": ["127.0.0.1"]},
    }
    if request.param == "sqlite":
        live = start_api(api_settings(data_dir, **loopback), with_workers=False)
        yield live
        stop_api(live)
        return
    with temporary_postgres_database() as url:
        live = start_api(
            api_settings(data_dir, database={"url": url}, **loopback), with_workers=False
        )
        yield live
        stop_api(live)
