"""Fixtures of the reliability suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.servers import Receiver, webhook_receiver
from tests.helpers import LIBRIVOX
from tests.reliability.cluster import Cluster

SHORT_CLIP = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as made:
        yield made


@pytest.fixture
def cluster(tmp_path: Path, receiver: Receiver) -> Iterator[Cluster]:
    made = Cluster(tmp_path, SCRIBE_WEBHOOKS__URL=receiver.url)
    yield made
    made.close()
