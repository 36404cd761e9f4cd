"""The stack test's files (make stack-test): checked offline, no Docker engine needed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMPOSE_DIR = REPO / "deploy" / "compose"
SERVICES = ("api", "extract", "transcribe", "terms")
WORKERS = ("extract", "transcribe", "terms")


def test_stack_override_puts_every_container_on_loopback_with_its_own_port() -> None:
    yaml = pytest.importorskip("yaml")
    override = yaml.safe_load((COMPOSE_DIR / "compose.stack-test.yaml").read_text())
    services = override["services"]
    assert {"moto", "stack-init", *SERVICES} <= set(services)
    assert all(spec["network_mode"] == "host" for spec in services.values())
    ports = {}
    for service in WORKERS:
        env = services[service]["environment"]
        ports[service] = env["SCRIBE_METRICS__PORT"]
        assert env["SCRIBE_METRICS__HOST"] == "127.0.0.1"
        assert env["SCRIBE_METRICS__PORT"] in services[service]["healthcheck"]["test"][-1]
    api = services["api"]["environment"]
    assert api["SCRIBE_API__HOST"] == "127.0.0.1"
    ports["api"] = api["SCRIBE_API__PORT"]
    assert ports["api"] in services["api"]["healthcheck"]["test"][-1]
    assert len(set(ports.values())) == len(ports), f"two listeners share a port: {ports}"
    # Only the api gets a database.
    assert all("SCRIBE_DATABASE__URL" not in services[w]["environment"] for w in WORKERS)


def test_moto_image_installs_a_hashed_lock_that_agrees_with_dev() -> None:
    dockerfile = (COMPOSE_DIR / "moto" / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "USER 10002:10002" in dockerfile
    lock = (COMPOSE_DIR / "moto" / "requirements.txt").read_text()
    dev = (REPO / "requirements" / "dev.txt").read_text()
    pins = re.findall(r"(?m)^([A-Za-z0-9_.-]+==\S+) \\$", lock)
    assert any(pin.startswith("moto==") for pin in pins)
    for pin in pins:
        assert f"\n{pin} \\\n" in dev, f"{pin} is not dev.txt's version"
    blocks = re.split(r"(?m)^(?=[A-Za-z0-9])", lock)
    assert all("--hash=sha256:" in block for block in blocks if "==" in block.split("\n")[0])
