"""Every ``scribe`` command's failure cases: a one-line error, a non-zero exit, no traceback,
and nothing created where the user did not ask."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import LESSON_MP4, free_port

CASES: Counter[str] = Counter()


def _scribe(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: bytes = b""
) -> subprocess.CompletedProcess[str]:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("SCRIBE_")}
    base["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    raw = subprocess.run(
        [sys.executable, "-m", "scribe", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    CASES["cli"] += 1
    return subprocess.CompletedProcess(
        raw.args,
        raw.returncode,
        raw.stdout.decode(errors="replace"),
        raw.stderr.decode(errors="replace"),
    )


def _fails_in_one_line(done: subprocess.CompletedProcess[str], what: str) -> str:
    output = done.stdout + done.stderr
    assert done.returncode != 0, f"{what}: exit 0\n{output}"
    assert "Traceback" not in output, f"{what}:\n{output}"
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, f"{what}: expected one `error:` line\n{output}"
    return errors[0]


def test_failure_cases_of_every_command(tmp_path: Path) -> None:
    data = tmp_path / "data"
    dead = f"http://127.0.0.1:{free_port()}"
    text_file = tmp_path / "notes.txt"
    text_file.write_text("a G major chord")
    not_media = tmp_path / "notes.mp3"
    not_media.write_text("this is not audio")
    cases: list[tuple[str, list[str], dict[str, str], bytes]] = [
        ("bad IPv6 url", ["jobs", "--url", "http://[::1"], {}, b""),
        ("bad port", ["jobs", "--url", "http://127.0.0.1:abc"], {}, b""),
        ("nobody listening", ["jobs", "--url", dead], {}, b""),
        ("empty job id", ["status", "", "--url", dead], {}, b""),
        ("status, nobody listening", ["status", "abc", "--url", dead], {}, b""),
        ("submit, nobody listening", ["submit", str(LESSON_MP4), "--url", dead], {}, b""),
        ("terms on media", ["terms", str(LESSON_MP4)], {}, b""),
        ("terms on binary stdin", ["terms", "-"], {}, b"\xff\xfe\x00\x81" * 100),
        ("terms, no such file", ["terms", str(tmp_path / "missing.txt")], {}, b""),
        ("bogus database url", ["db", "upgrade"], {"SCRIBE_DATABASE__URL": "bogus://x"}, b""),
        (
            "unreachable postgresql",
            ["db", "upgrade", "--wait", "1"],
            {"SCRIBE_DATABASE__URL": "postgresql+psycopg://postgres@127.0.0.1:1/x"},
            b"",
        ),
        ("empty key name", ["keys", "create", "", "--data-dir", str(data)], {}, b""),
        ("bad scope", ["keys", "create", "x", "--scope", "god", "--data-dir", str(data)], {}, b""),
        ("keys list, no data", ["keys", "list"], {}, b""),
        ("keys list, missing dir", ["keys", "list", "--data-dir", str(tmp_path / "no")], {}, b""),
        ("revoke unknown", ["keys", "revoke", "nope", "--data-dir", str(data)], {}, b""),
        ("dlq list, no data", ["dlq", "list"], {}, b""),
        ("dlq unknown queue", ["dlq", "redrive", "nope", "--data-dir", str(data)], {}, b""),
        ("retention, no data", ["retention", "apply"], {}, b""),
        ("migrate bogus", ["migrate", "db", "--from", "bogus://x", "--to", "sqlite://"], {}, b""),
        (
            "migrate missing source",
            [
                "migrate",
                "db",
                "--from",
                f"sqlite:///{tmp_path / 'none.sqlite3'}",
                "--to",
                f"sqlite:///{tmp_path / 't.sqlite3'}",
            ],
            {},
            b"",
        ),
        ("invalid setting", ["config"], {"SCRIBE_API__PORT": "abc"}, b""),
    ]
    # One data folder that exists, for the cases that need a database to talk to.
    made = _scribe(["keys", "create", "first", "--data-dir", str(data)], tmp_path)
    assert made.returncode == 0, made.stderr
    failures = []
    for what, args, env, stdin in cases:
        done = _scribe(args, tmp_path, env, stdin)
        try:
            _fails_in_one_line(done, what)
        except AssertionError as exc:
            failures.append(str(exc)[:600])
    assert failures == [], "\n\n".join(failures)
    print(f"CLI failure cases: {len(cases)}")
    assert not (tmp_path / "var").exists(), "a command created ./var without being asked"
    process = _scribe(["process", str(not_media), "--out", str(tmp_path / "out")], tmp_path)
    assert process.returncode != 0 and "Traceback" not in process.stdout + process.stderr


def test_terms_on_text_over_a_million_characters(tmp_path: Path) -> None:
    big = ("a G major chord and a pentatonic scale. " * 30_000).encode()
    done = _scribe(["terms", "-"], tmp_path, stdin=big)
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert done.returncode == 0 or output.strip().splitlines()[-1].startswith("error:")


def test_up_on_a_busy_port_exits_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _scribe(["up", "--data-dir", str(tmp_path / "d"), "--port", str(port)], tmp_path)
    line = _fails_in_one_line(done, "up on a busy port")
    assert str(port) in line and "in use" in line
    assert "is running" not in done.stdout


def test_misspelled_settings_are_warned_about_and_urls_masked(tmp_path: Path) -> None:
    env = {
        "SCRIBE_WHISPER__MODLE": "base",
        "SCRIBE_DATA_DIR": str(tmp_path / "d"),
        "SCRIBE_WEBHOOKS__SECRET": "s3cret-value-for-test",
        "SCRIBE_QUEUE__ENDPOINT_URL": "https://user:pass@sqs.example/",
    }
    done = _scribe(["config"], tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert "SCRIBE_WHISPER__MODLE" in done.stderr and "SCRIBE_WHISPER__MODEL" in done.stderr
    assert "pass@" not in done.stdout and "s3cret" not in done.stdout
    plain = _scribe(["config"], tmp_path, {"SCRIBE_DATA_DIR": str(tmp_path / "d")})
    assert "placeholder default" in plain.stdout  # the webhook secret was never set


@pytest.mark.parametrize("args", [["submit", "--help"]])
def test_submit_help_names_the_api_key(tmp_path: Path, args: list[str]) -> None:
    done = _scribe(args, tmp_path)
    assert done.returncode == 0
    assert "SCRIBE_API_KEY" in done.stdout and "--api-key" in done.stdout
