"""Multipart uploads streamed straight into the blob store.

The request body is parsed as it arrives (python-multipart's push parser); each file part goes
to the store through a bounded queue and a writer thread, so memory stays at a few chunks
whatever the upload's size, and nothing is spooled to a temporary file first. A file over the
limit stops the upload at once and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from scribe import artifacts
from scribe.api.problems import Problem
from scribe.storage.base import BlobStore

MAX_FIELD_BYTES = 64 * 1024
MAX_FILES = 100
_END = object()


class _Abort(Exception):
    """Stops a writer thread; its partial object is discarded."""


@dataclass
class StoredFile:
    """A file part written to the store."""

    field: str
    filename: str
    key: str
    size: int = 0
    content_type: str | None = None


@dataclass
class ParsedForm:
    """Text fields and stored files of one multipart body."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[StoredFile] = field(default_factory=list)


@dataclass
class _PartState:
    """Where the push parser is within the current part."""

    headers: dict[bytes, bytes] = field(default_factory=dict)
    header: bytes = b""
    writer: _Writer | None = None
    field: str | None = None


class _Writer:
    """A thread that streams one file's chunks into the store."""

    def __init__(self, store: BlobStore, stored: StoredFile) -> None:
        self.stored = stored
        self.chunks: queue.Queue[object] = queue.Queue(maxsize=16)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(store,), daemon=True)
        self.thread.start()

    def _iterate(self) -> Iterator[bytes]:
        while True:
            item = self.chunks.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, bytes)
            yield item

    def put(self, item: object) -> None:
        """Hand a chunk to the thread; raises the thread's error if it stopped early."""
        while True:
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    raise self.error or RuntimeError("upload writer stopped") from None

    def _run(self, store: BlobStore) -> None:
        try:
            store.put_stream(
                self.stored.key, self._iterate(), content_type=self.stored.content_type
            )
        except BaseException as exc:
            self.error = exc


async def stream_multipart(
    request: Request,
    *,
    store: BlobStore,
    key_for: Callable[[str], str],
    max_file_bytes: int,
    file_fields: tuple[str, ...] = ("file", "files"),
) -> ParsedForm:
    """Parse a multipart body, writing file parts to ``key_for(filename)`` as they arrive."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Problem(415, "send the media as multipart/form-data with a `file` part")
    form = ParsedForm()
    writers: list[_Writer] = []
    state = _PartState()
    text_value = bytearray()
    pending: list[tuple[_Writer, bytes | object]] = []

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        name = state.header.lower()
        state.headers[name] = state.headers.get(name, b"") + data[start:end]

    def on_header_end() -> None:
        state.header = b""

    def on_headers_finished() -> None:
        headers = state.headers
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        state.field = name
        if filename is not None and name in file_fields:
            if len(form.files) >= MAX_FILES:
                raise Problem(413, f"at most {MAX_FILES} files per upload")
            clean = artifacts.safe_filename(browser_filename(filename))
            ctype = headers.get(b"content-type", b"").decode() or None
            stored = StoredFile(field=name, filename=clean, key=key_for(clean), content_type=ctype)
            writer = _Writer(store, stored)
            writers.append(writer)
            form.files.append(stored)
            state.writer = writer
        else:
            state.writer = None
            text_value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        writer = state.writer
        if writer is not None:
            writer.stored.size += end - start
            if writer.stored.size > max_file_bytes:
                raise Problem(
                    413, f"{writer.stored.filename} is larger than the {max_file_bytes} byte limit"
                )
            pending.append((writer, data[start:end]))
        else:
            text_value.extend(data[start:end])
            if len(text_value) > MAX_FIELD_BYTES:
                raise Problem(413, f"form field {state.field!r} is too long")

    def on_part_end() -> None:
        if state.writer is not None:
            pending.append((state.writer, _END))
        elif state.field:
            form.fields[state.field] = text_value.decode("utf-8", "replace")
        state.headers = {}
        state.writer = None

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            while pending:
                writer, item = pending.pop(0)
                await asyncio.to_thread(writer.put, item)
        parser.finalize()
        while pending:
            writer, item = pending.pop(0)
            await asyncio.to_thread(writer.put, item)
        for writer in writers:
            await asyncio.to_thread(writer.thread.join)
            if writer.error is not None:
                raise writer.error
    except BaseException as exc:
        await _discard(writers, store)
        if isinstance(exc, Problem):
            raise
        if isinstance(exc, OSError):
            if exc.errno == errno.ENOSPC:
                raise Problem(507, "the blob store is full; try again later") from exc
            raise Problem(503, f"the blob store cannot be written ({exc.strerror})") from exc
        if isinstance(exc, (ValueError, KeyError)) or type(exc).__name__.endswith("ParseError"):
            raise Problem(400, f"malformed multipart body: {exc}") from exc
        raise
    return form


async def _discard(writers: list[_Writer], store: BlobStore) -> None:
    """Stop every writer and delete whatever it wrote."""
    for writer in writers:
        if writer.thread.is_alive():
            with contextlib.suppress(BaseException):
                await asyncio.to_thread(writer.put, _Abort("upload aborted"))
            await asyncio.to_thread(writer.thread.join)
        await asyncio.to_thread(store.delete, writer.stored.key)


def browser_filename(raw: bytes) -> str:
    """A multipart file name as the user saw it: browsers send UTF-8 and escape only ``"``,
    CR and LF as ``%22``, ``%0D`` and ``%0A`` (the HTML standard)."""
    text = raw.decode("utf-8", "replace")
    return text.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")
