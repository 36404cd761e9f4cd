"""The extract stage's handler: media (uploaded, a URL or the media bucket) → WAV + facts."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from scribe import artifacts
from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.messages import StageTask
from scribe.stages.base import StageContext, StageOutcome


class ExtractHandler:
    """Media → ``audio.wav`` + ``audio.json``."""

    stage = Stage.EXTRACT

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def load(self) -> None:
        """Nothing to preload: FFmpeg's libraries load with PyAV."""

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Decode the source and store the WAV and the facts."""
        from scribe.stages.extract.media import extract_audio

        wav_key = artifacts.artifact_key(task.job_id, artifacts.AUDIO_WAV)
        facts_key = artifacts.artifact_key(task.job_id, artifacts.AUDIO_FACTS)
        if task.source_url and not ctx.store.exists(task.input_key):
            self._fetch(task.source_url, task.input_key, ctx)
        with ctx.store.local_copy(task.input_key) as source, tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "audio.wav"
            facts = extract_audio(
                source,
                wav,
                progress=ctx.progress,
                should_stop=ctx.should_stop,
                normalize_loudness=task.options.normalize_loudness,
                max_duration=self.settings.ingest.max_audio_seconds,
            )
            ctx.store.put_file(wav_key, wav, content_type="audio/wav")
        ctx.store.put_bytes(
            facts_key, _json_bytes(facts.to_dict()), content_type="application/json"
        )
        return StageOutcome(
            outputs={"audio": wav_key, "audio_facts": facts_key},
            facts={"audio": facts.to_dict()},
            next_input=wav_key,
        )

    def _fetch(self, url: str, key: str, ctx: StageContext) -> None:
        """Bring a URL or media-bucket source into the store (with size and time limits)."""
        ingest = self.settings.ingest
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "source"
            if url.startswith("s3://"):
                fetch_from_media_bucket(url, target, self.settings)
            else:
                from scribe.net.download import download

                download(
                    url,
                    target,
                    max_bytes=ingest.max_download_bytes,
                    timeout=ingest.download_timeout,
                    allow_hosts=ingest.allow_hosts,
                )
            ctx.store.put_file(key, target)


def fetch_from_media_bucket(url: str, target: Path, settings: Settings) -> None:
    """Copy ``s3://bucket/key`` of the media library bucket to a local file."""
    import boto3
    from botocore.exceptions import ClientError

    from scribe.errors import PermanentError

    bucket, _, key = url[5:].partition("/")
    if bucket != settings.ingest.media_bucket or not key:
        raise PermanentError(f"{url} is not in the media library bucket")
    endpoint = settings.ingest.media_endpoint_url or settings.storage.endpoint_url
    client = boto3.client("s3", region_name=settings.storage.region, endpoint_url=endpoint)
    try:
        head = client.head_object(Bucket=bucket, Key=key)
        if int(head["ContentLength"]) > settings.ingest.max_download_bytes:
            raise PermanentError(f"{url} is larger than the download limit")
        client.download_file(bucket, key, str(target))
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            raise PermanentError(f"{url} does not exist") from exc
        raise


def _json_bytes(data: object) -> bytes:
    return json.dumps(data, indent=2).encode()
