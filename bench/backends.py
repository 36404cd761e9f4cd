"""Per-message overhead of each queue backend and upload throughput of each blob store.

Side by side in one run, on this machine:

- queues: send + receive + delete round trips of one small message, embedded SQLite queue vs
  SQS (moto's server on loopback: it measures the client path and HTTP round trip, not AWS);
- blob stores: streaming a 500 MB file into the local folder store vs S3 (moto, multipart).

Usage: ``.venv/bin/python bench/backends.py [--messages 300] [--megabytes 500]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from moto.server import ThreadedMotoServer

from scribe.queues.base import Queue
from scribe.queues.sqlite import SqliteQueueBroker
from scribe.queues.sqs import SqsQueueBroker
from scribe.storage.base import BlobStore
from scribe.storage.local import LocalBlobStore
from scribe.storage.s3 import S3BlobStore


def round_trips(queue: Queue, count: int) -> list[float]:
    """Milliseconds of each send → receive → delete."""
    times = []
    for n in range(count):
        started = time.perf_counter()
        queue.send({"job_id": f"{n:032x}", "stage": "extract", "input_key": "jobs/x/source/a"})
        [message] = queue.receive(max_messages=1, wait_seconds=1)
        queue.delete(message.receipt)
        times.append((time.perf_counter() - started) * 1000)
    return times


def chunks(megabytes: int) -> Iterator[bytes]:
    """Pseudo-random megabytes, generated as they are needed."""
    block = os.urandom(1024 * 1024)
    for _ in range(megabytes):
        yield block


def upload_seconds(store: BlobStore, megabytes: int) -> float:
    """Seconds to stream ``megabytes`` into the store."""
    started = time.perf_counter()
    store.put_stream("jobs/bench/source/big.mp4", chunks(megabytes))
    elapsed = time.perf_counter() - started
    store.delete("jobs/bench/source/big.mp4")
    return elapsed


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--megabytes", type=int, default=500)
    args = parser.parse_args()
    for name, value in (("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "x")):
        os.environ.setdefault(name, value)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_queue = SqliteQueueBroker(Path(tmp) / "q.sqlite3").queue("bench")
            sqs_queue = SqsQueueBroker(
                prefix="bench", region="us-east-1", endpoint_url=endpoint, create_queues=True
            ).queue("bench")
            round_trips(sqlite_queue, 20), round_trips(sqs_queue, 20)  # warm-up
            sqlite_ms = round_trips(sqlite_queue, args.messages)
            sqs_ms = round_trips(sqs_queue, args.messages)
            for name, times in (("sqlite", sqlite_ms), ("sqs (moto)", sqs_ms)):
                p99 = statistics.quantiles(times, n=100)[98]
                print(
                    f"queue {name:11s} send+receive+delete: median {statistics.median(times):6.2f}"
                    f" ms, p99 {p99:6.2f} ms  ({args.messages} messages)"
                )
            print(
                f"queue ratio sqs/sqlite (median): "
                f"{statistics.median(sqs_ms) / statistics.median(sqlite_ms):.1f}x"
            )

            local = LocalBlobStore(Path(tmp) / "blobs")
            s3 = S3BlobStore(bucket="bench", endpoint_url=endpoint)
            s3.create_bucket_if_missing("us-east-1")
            local_s = upload_seconds(local, args.megabytes)
            s3_s = upload_seconds(s3, args.megabytes)
            for name, seconds in (("local", local_s), ("s3 (moto)", s3_s)):
                print(
                    f"blob  {name:11s} stream {args.megabytes} MB: {seconds:6.2f} s, "
                    f"{args.megabytes / seconds:7.1f} MB/s"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
