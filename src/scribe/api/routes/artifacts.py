"""A job's outputs: transcript formats, terms, and the audio and original media (ranged)."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from scribe import artifacts
from scribe.api.auth import ReadAccess
from scribe.api.deps import BackendsDep, SettingsDep
from scribe.api.problems import Problem
from scribe.db import repository as repo
from scribe.domain.jobs import Job, JobState
from scribe.domain.terms import TermsResult
from scribe.errors import NotFoundError
from scribe.services import Backends

router = APIRouter(tags=["artifacts"])

MEDIA_TYPES = {
    "json": "application/json",
    "txt": "text/plain; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "ttml": "application/ttml+xml; charset=utf-8",
}
_ACCEPT = {
    "application/json": "json",
    "text/plain": "txt",
    "application/x-subrip": "srt",
    "text/vtt": "vtt",
    "text/tab-separated-values": "tsv",
    "text/csv": "csv",
    "application/ttml+xml": "ttml",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content(*media_types: str, status: int = 200, binary: bool = False) -> dict[int | str, Any]:
    """An OpenAPI ``responses`` entry naming the media types a route answers with."""
    schema = {"type": "string", "format": "binary"} if binary else {}
    return {
        status: {
            "description": "OK",
            "content": {media: {"schema": schema} for media in media_types},
        }
    }


_CHUNK = 1024 * 1024


def _job(backends: Backends, job_id: str) -> Job:
    with backends.engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
    if job is None:
        raise Problem(404, f"no job {job_id}")
    return job


def _artifact(backends: Backends, job: Job, key: str) -> bytes:
    if job.state == JobState.CANCELLED:
        raise Problem(409, f"job {job.id} was cancelled: it has no transcript, terms or figures")
    try:
        return backends.store.get_bytes(key)
    except NotFoundError:
        raise Problem(
            409, f"job {job.id} has no such artifact (state: {job.state.value})"
        ) from None


def _negotiate(request: Request, explicit: str | None, allowed: tuple[str, ...]) -> str:
    if explicit:
        return explicit
    for part in request.headers.get("accept", "").split(","):
        kind = _ACCEPT.get(part.split(";")[0].strip().lower())
        if kind in allowed:
            return kind
    return allowed[0]


_TRANSCRIPT_FORMATS = (*artifacts.TRANSCRIPT_FORMATS, "ttml")


@router.get(
    "/jobs/{job_id}/transcript",
    response_model=None,
    responses=content(*(MEDIA_TYPES[f].split(";")[0] for f in _TRANSCRIPT_FORMATS)),
)
def get_transcript(
    job_id: str,
    request: Request,
    backends: BackendsDep,
    _scope: ReadAccess,
    format: Annotated[
        Literal["json", "txt", "srt", "vtt", "tsv", "ttml"] | None,
        Query(description="Format; without it, the Accept header decides (default JSON)."),
    ] = None,
    revision: Annotated[
        int | None,
        Query(ge=0, le=100_000, description="A saved revision; 0 is the model's original."),
    ] = None,
    cues: Annotated[
        Literal["captions", "segments"],
        Query(
            description="SRT, WebVTT, TTML: `captions` (default) keeps the caption guidelines; "
            "`segments` gives one cue per Whisper segment, as the model wrote them."
        ),
    ] = "captions",
    profile: Annotated[
        str | None,
        Query(
            max_length=32,
            description="Caption profile: default (20 cps), strict (17 cps), "
            "mobile (32 characters a line).",
        ),
    ] = None,
    max_chars: Annotated[int | None, Query(description="Characters a line (12-80).")] = None,
    max_lines: Annotated[int | None, Query(description="Lines a cue (1-3).")] = None,
    max_cps: Annotated[float | None, Query(description="Characters a second (5-40).")] = None,
) -> Response:
    """The transcript (the latest revision unless ``revision`` says otherwise): JSON (segments,
    words with times and probabilities), plain text, TSV, or captions (SRT, WebVTT, TTML) laid
    out to the caption guidelines: at most 42 characters a line and 2 lines a cue, 0.83-7 s on
    screen, 20 characters a second, 2 frames between cues, music terms never split."""
    from scribe.captions import resolve_profile
    from scribe.errors import CaptionError
    from scribe.formats import RENDERERS
    from scribe.library import exports
    from scribe.revisions import load_transcript

    job = _job(backends, job_id)
    if job.state == JobState.CANCELLED:
        raise Problem(409, f"job {job.id} was cancelled: it has no transcript, terms or figures")
    fmt = _negotiate(request, format, _TRANSCRIPT_FORMATS)
    latest = _latest_revision(backends, job_id)
    if revision is not None and revision > latest:
        raise Problem(404, f"job {job_id} has no revision {revision}")
    try:
        caption_profile = resolve_profile(
            profile, max_chars=max_chars, max_lines=max_lines, max_cps=max_cps
        )
    except CaptionError as exc:
        raise Problem(422, str(exc)) from None
    headers = {
        "Content-Disposition": content_disposition("inline", exports.download_name(job, fmt)),
        # Editors send the ETag back as If-Match: an edit on an older revision is refused.
        "ETag": f'"r{latest if revision is None else revision}"',
        "X-Revision": str(latest),
    }
    laid_out = fmt == "ttml" or (fmt in ("srt", "vtt") and cues == "captions")
    if revision is None and not laid_out:
        data = _artifact(backends, job, artifacts.transcript_key(job_id, fmt))
        return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)
    try:
        transcript = load_transcript(backends.store, job_id, revision)
    except NotFoundError:
        if revision is not None:
            raise Problem(404, f"job {job_id} has no revision {revision}") from None
        raise Problem(
            409, f"job {job_id} has no transcript yet (state: {job.state.value})"
        ) from None
    if laid_out:
        terms = exports.load_terms(backends.store, job_id)
        rendered = exports.captions(transcript, terms, fmt, caption_profile)
    elif fmt == "json":
        rendered = transcript.model_dump_json(indent=2)
    else:
        rendered = RENDERERS[fmt](transcript)
    return Response(rendered, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get(
    "/jobs/{job_id}/chapters",
    response_model=None,
    responses=content("application/json", "text/vtt", "text/plain"),
)
def get_chapters(
    job_id: str,
    backends: BackendsDep,
    _scope: ReadAccess,
    format: Annotated[
        Literal["json", "vtt", "youtube"],
        Query(description="json, WebVTT chapters, or a YouTube-style list (`0:00 Intro`)."),
    ] = "json",
    min_length: Annotated[
        float, Query(ge=1, le=3600, description="Seconds a chapter lasts at least.")
    ] = 10.0,
) -> Response:
    """Chapters from where the lesson's music terms change topic."""
    import json

    from scribe.library import exports
    from scribe.revisions import load_transcript

    job = _job(backends, job_id)
    try:
        transcript = load_transcript(backends.store, job_id)
    except NotFoundError:
        raise Problem(
            409, f"job {job_id} has no transcript yet (state: {job.state.value})"
        ) from None
    found = exports.chapters(
        transcript, exports.load_terms(backends.store, job_id), format, min_length
    )
    if format == "json":
        return Response(json.dumps({"chapters": found}), media_type=MEDIA_TYPES["json"])
    extension = "chapters.vtt" if format == "vtt" else "chapters.txt"
    media = MEDIA_TYPES["vtt"] if format == "vtt" else MEDIA_TYPES["txt"]
    name = exports.download_name(job, extension)
    headers = {"Content-Disposition": content_disposition("inline", name)}
    return Response(str(found), media_type=media, headers=headers)


def _latest_revision(backends: Backends, job_id: str) -> int:
    from scribe.revisions import current_number

    with backends.engine.connect() as conn:
        return current_number(conn, job_id=job_id)


@router.get(
    "/jobs/{job_id}/terms", response_model=None, responses=content("application/json", "text/csv")
)
def get_terms(
    job_id: str,
    request: Request,
    backends: BackendsDep,
    _scope: ReadAccess,
    format: Annotated[
        Literal["json", "csv"] | None, Query(description="json (default) or csv.")
    ] = None,
    revision: Annotated[
        int | None,
        Query(ge=0, le=100_000, description="The terms of an earlier revision, when kept."),
    ] = None,
) -> Response:
    """Every music-term occurrence with its times, and counts per category and per term."""
    job = _job(backends, job_id)
    key = artifacts.artifact_key(job_id, artifacts.TERMS_JSON)
    if revision is not None and revision < _latest_revision(backends, job_id):
        from scribe.revisions import terms_key

        key = terms_key(job_id, revision)
        if not backends.store.exists(key):
            raise Problem(404, f"the terms of revision {revision} were not kept")
    data = _artifact(backends, job, key)
    if _negotiate(request, format, ("json", "csv")) == "json":
        return Response(data, media_type=MEDIA_TYPES["json"])
    result = TermsResult.model_validate_json(data)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["term", "category", "text", "start", "end", "segment", "context"])
    for o in result.occurrences:
        writer.writerow([o.term, o.category, o.text, o.start, o.end, o.segment, o.context])
    return Response(out.getvalue(), media_type=MEDIA_TYPES["csv"])


@router.get("/jobs/{job_id}/metrics", response_model=None, responses=content("application/json"))
def get_metrics(job_id: str, backends: BackendsDep, _scope: ReadAccess) -> Response:
    """Quality figures: mean word probability, low-confidence shares, words per minute, speech
    ratio, term density, language, segment count and the grade."""
    job = _job(backends, job_id)
    data = _artifact(backends, job, artifacts.artifact_key(job_id, artifacts.METRICS_JSON))
    return Response(data, media_type=MEDIA_TYPES["json"])


def _ranged(
    backends: Backends,
    key: str,
    request: Request,
    media_type: str,
    expires: int,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    store = backends.store
    url = store.presigned_url(key, expires=expires)
    if url is not None:
        return RedirectResponse(url, status_code=307)
    try:
        size = store.size(key)
    except NotFoundError:
        raise Problem(404, "this job has no such media (yet, or any more)") from None
    start, end = 0, size - 1
    header = request.headers.get("range")
    status = 200
    if header:
        match = _RANGE.match(header.strip())
        if not match or (not match.group(1) and not match.group(2)):
            raise Problem(416, f"unsupported range {header!r}")
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:
            start = max(0, size - int(match.group(2)))
        if start > end or start >= size:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206

    def body() -> object:
        position = start
        while position <= end:
            chunk = store.read_range(key, position, min(end, position + _CHUNK - 1))
            if not chunk:
                return
            position += len(chunk)
            yield chunk

    headers = {"Accept-Ranges": "bytes", "Content-Length": str(end - start + 1)}
    headers.update(extra_headers or {})
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(body(), status_code=status, media_type=media_type, headers=headers)  # type: ignore[arg-type]


@router.get(
    "/jobs/{job_id}/audio",
    response_model=None,
    responses={
        **content("application/octet-stream", "video/mp4", "audio/wav", binary=True),
        **content("application/octet-stream", "video/mp4", "audio/wav", status=206, binary=True),
        307: {"description": "Redirect to a presigned URL of the object store"},
    },
)
def get_audio(
    job_id: str, request: Request, backends: BackendsDep, settings: SettingsDep, _scope: ReadAccess
) -> Response:
    """The extracted 16 kHz WAV, with HTTP range requests (S3: a presigned redirect)."""
    _job(backends, job_id)
    key = artifacts.artifact_key(job_id, artifacts.AUDIO_WAV)
    return _ranged(backends, key, request, "audio/wav", settings.storage.presign_expiry)


@router.get(
    "/jobs/{job_id}/media",
    response_model=None,
    responses={
        **content("application/octet-stream", "video/mp4", "audio/wav", binary=True),
        **content("application/octet-stream", "video/mp4", "audio/wav", status=206, binary=True),
        307: {"description": "Redirect to a presigned URL of the object store"},
    },
)
def get_media(
    job_id: str, request: Request, backends: BackendsDep, settings: SettingsDep, _scope: ReadAccess
) -> Response:
    """The original upload, with HTTP range requests, for the player.

    It is served as an attachment, as audio or video or else as opaque bytes, with ``nosniff``
    and a sandboxing CSP: an uploaded HTML or SVG file never runs as a page of this origin."""
    job = _job(backends, job_id)
    return _ranged(
        backends,
        job.source_key,
        request,
        inert_media_type(job.filename),
        settings.storage.presign_expiry,
        attachment_headers(job.filename),
    )


def inert_media_type(filename: str) -> str:
    """The upload's audio or video type by its name; anything else is opaque bytes."""
    import mimetypes

    guessed = mimetypes.guess_type(filename)[0] or ""
    if guessed.startswith(("audio/", "video/")):
        return guessed
    return "application/octet-stream"


def content_disposition(kind: str, filename: str) -> str:
    """A Content-Disposition header for any file name: an ASCII ``filename`` for old clients
    and the exact name as RFC 5987 ``filename*`` (headers themselves must be Latin-1)."""
    from urllib.parse import quote

    fallback = filename.encode("ascii", "replace").decode().replace('"', "_").replace("\\", "_")
    fallback = "".join(c if c.isprintable() else "_" for c in fallback) or "download"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment_headers(filename: str) -> dict[str, str]:
    """Headers that keep a user's file inert: attachment, nosniff, a sandboxing CSP."""

    from scribe.api.security import MEDIA_CSP

    return {
        "Content-Disposition": content_disposition("attachment", filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": MEDIA_CSP,
    }
