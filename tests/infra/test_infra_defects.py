"""One test per defect found in the stack's review (issue 19), each one that would have failed
on the stack as it was. AWS facts come from the data moto ships (its copy of EC2's
DescribeInstanceTypes), never from numbers typed in here.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.test_infra_wiring import (
    COMPOSE_DIR,
    DOCKER_DIR,
    REPO,
    container,
    module,
    module_input,
    root,
    template_value,
)

REQUIREMENTS = REPO / "requirements"


@cache
def instance_types() -> dict[str, Any]:
    """moto's copy of AWS's instance-type data (HibernationSupported, GpuInfo, MemoryInfo)."""
    import moto

    path = Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"
    with gzip.open(path) as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def default(name: str) -> Any:
    return root().variables[name]["default"]


def env(service: str) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(service)["environment"]}


def secrets(service: str) -> dict[str, str]:
    return {s["name"]: s["valueFrom"] for s in container(service).get("secrets", [])}


def gpu_types() -> list[str]:
    return sorted({*default("gpu_instance_types"), default("gpu_warm_instance_type")})


# --- 1. the warm pool could not hibernate GPU instances -----------------------------------


def test_the_warm_pool_state_is_one_the_instance_types_support() -> None:
    facts = instance_types()
    if default("gpu_warm_pool_state") == "Hibernated":
        assert facts[default("gpu_warm_instance_type")]["HibernationSupported"] is True
    # The guard holds for any type a plan names: a precondition reads AWS's answer.
    warm = root().resources[("aws_autoscaling_group", "gpu_warm")]
    [precondition] = warm["lifecycle"][0]["precondition"]
    assert (
        "data.aws_ec2_instance_type.gpu_warm[0].hibernation_supported" in precondition["condition"]
    )
    assert ("aws_ec2_instance_type", "gpu_warm") in root().data


def test_every_gpu_type_has_a_gpu_and_room_for_the_transcription_task() -> None:
    facts = instance_types()
    task = default("services")["transcribe"]
    pattern = default("gpu_instance_type_pattern").replace(".", r"\.").replace("*", ".*")
    for itype in gpu_types():
        info = facts[itype]
        assert info["GpuInfo"]["Gpus"][0]["Count"] >= 1, itype
        assert re.fullmatch(pattern, itype), f"{itype} is outside the placement constraint"
        # The ECS agent and the OS keep some memory and nothing else shares the instance.
        assert task["memory"] <= info["MemoryInfo"]["SizeInMiB"] - 1024, itype
        assert task["cpu"] <= info["VCpuInfo"]["DefaultVCpus"] * 1024, itype


# --- 2. no way to a first API key; default secrets accepted --------------------------------


def test_the_api_gets_its_secrets_from_secrets_manager_and_a_bootstrap_key_secret() -> None:
    assert set(secrets("api")) == {
        "SCRIBE_DATABASE__URL",
        "SCRIBE_API__SESSION_SECRET",
        "SCRIBE_WEBHOOKS__SECRET",
    }
    assert env("api")["SCRIBE_API__BOOTSTRAP_KEY_SECRET"] == "${service.admin_key_secret_arn}"
    assert module_input("admin_key_secret_arn") == "aws_secretsmanager_secret.admin_api_key.arn"
    for name in ("session-secret", "webhook-secret"):
        assert name in root().locals["api_secrets"]
    version = root().resources[("aws_secretsmanager_secret_version", "api")]
    assert "aws_secretsmanager_random_password" in version["secret_string"]
    # The task role may write the admin-key secret; only the api's.
    task = module().data[("aws_iam_policy_document", "task")]
    [statement] = [
        d["statement"]
        for d in task["dynamic"]
        if d["statement"]["content"][0]["sid"] == "BootstrapAdminKeySecret"
    ]
    assert 'each.key == "api"' in statement["for_each"]
    assert "secretsmanager:PutSecretValue" in statement["content"][0]["actions"]


def test_the_api_task_as_configured_passes_the_start_up_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("fastapi")
    sys.path.insert(0, str(REPO / "src"))
    from scribe.api.startup import check_secrets
    from scribe.config import load_settings
    from scribe.errors import ConfigError

    for name, value in env("api").items():
        if name.startswith("SCRIBE_") and "${" not in value:  # the literal settings
            monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError):  # off loopback with the shipped defaults
        check_secrets(load_settings())
    for name in secrets("api"):
        monkeypatch.setenv(name, "a-value-from-secrets-manager-0123456789")
    check_secrets(load_settings())


# --- 3. settings the code reads that the stack never set -----------------------------------


def test_s3_sources_name_the_media_bucket_in_the_api_and_the_extract_worker() -> None:
    for service in ("api", "extract"):
        assert env(service)["SCRIBE_INGEST__MEDIA_BUCKET"] == "${service.media_bucket}"
        assert template_value(service, "service.media_bucket") == "${var.media_bucket_name}"
    assert module_input("media_bucket_name") == 'aws_s3_bucket.data["media"].bucket'


# --- 4. the scaling target fought batching --------------------------------------------------


def test_one_task_holding_a_full_batch_and_prefetch_is_not_above_the_target() -> None:
    sys.path.insert(0, str(REPO / "src"))
    from scribe.config import WhisperSettings

    files = default("transcribe_files_per_batch")
    held = files + WhisperSettings().prefetch_files
    # The metric is (visible + in flight) / (tasks x files_per_batch): one busy task with an
    # empty queue reads held / files. At or under the target it does not add tasks.
    assert held / files <= default("transcribe_backlog_per_task_target")
    auto = module().locals
    assert auto["backlog_divisors"]["transcribe"] == "${var.transcribe_files_per_batch}"
    assert env("transcribe")["SCRIBE_WHISPER__MAX_FILES_PER_BATCH"] == "${service.files_per_batch}"


def test_the_accumulation_rule_and_gpu_alarm_and_widgets_exist() -> None:
    rule = module().locals["start_condition"]
    assert "oldest >=" in rule and "visible >=" in rule
    alarm = root().resources[
        ("aws_cloudwatch_metric_alarm", "gpu_low_utilisation_while_transcribing")
    ]
    assert "var.gpu_utilisation_target_percent" in json.dumps(alarm)
    assert default("gpu_utilisation_target_percent") == 70
    widgets = json.dumps(root().locals["dashboard_widgets"])
    for metric in ("JobDuration", "RealTimeFactor", "StageDuration"):
        assert metric in widgets
    assert '"p50"' in widgets and '"p95"' in widgets


# --- 5. ctranslate2 unpinned and built for a newer CUDA than the image ---------------------


def _pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^ \\\n]+)", path.read_text(), re.M))


def test_the_gpu_lock_pins_ctranslate2_and_the_cuda_wheels_it_was_built_with() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    gpu_extra = dict(d.partition("==")[::2] for d in project["optional-dependencies"]["gpu"])
    extras = project["optional-dependencies"]
    ct2 = next(d for d in extras["transcribe"] if d.startswith("ctranslate2"))
    pins = _pins(REQUIREMENTS / "transcribe.txt")
    assert ct2 == f"ctranslate2=={pins['ctranslate2']}"
    for name, version in gpu_extra.items():
        assert pins[name] == version, name
    assert {"nvidia-cublas-cu12", "nvidia-cudnn-cu12"} <= set(gpu_extra)
    dockerfile = (DOCKER_DIR / "transcribe.Dockerfile").read_text()
    assert "FROM nvidia/cuda" not in dockerfile and "nvidia/cuda:" not in dockerfile
    for name in gpu_extra:
        assert name in dockerfile, f"the image's comment names {name}"


@pytest.mark.parametrize(
    "lock", ["api.txt", "extract.txt", "terms.txt", "transcribe.txt", "dev.txt"]
)
def test_every_locked_requirement_is_pinned_with_hashes(lock: str) -> None:
    text = (REQUIREMENTS / lock).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(entries) > 20
    for entry in entries:
        if entry.startswith("#"):
            continue
        assert re.match(r"^[A-Za-z0-9_.-]+(\[[^]]+\])?==", entry), entry[:60]
        assert "--hash=sha256:" in entry, entry[:60]
    for service in ("api", "extract", "terms", "transcribe"):
        assert "--require-hashes" in (DOCKER_DIR / f"{service}.Dockerfile").read_text()
    assert "--require-hashes -r requirements/dev.txt" in (REPO / "Makefile").read_text()


# --- 6. a deep ALB health check; /metrics public ------------------------------------------


def test_the_load_balancer_checks_the_shallow_endpoint_and_hides_metrics() -> None:
    [check] = root().resources[("aws_lb_target_group", "api")]["health_check"]
    assert check["path"] == "/healthz"
    health = (REPO / "src/scribe/api/routes/health.py").read_text()
    shallow = health.split('@router.get("/healthz")')[1].split("@router")[0]
    assert "backends" not in shallow and "engine" not in shallow  # touches no dependency
    rule = root().resources[("aws_lb_listener_rule", "hide_metrics")]
    assert rule["listener_arn"] == "${aws_lb_listener.https.arn}"
    assert "/metrics" in rule["condition"][0]["path_pattern"][0]["values"]
    assert rule["action"][0]["type"] == "fixed-response"


def test_the_hop_from_the_load_balancer_to_the_api_is_https() -> None:
    """The target group and its health check speak HTTPS, the api task serves it (a
    certificate of its own, as the settings allow), and the container probe follows."""
    group = root().resources[("aws_lb_target_group", "api")]
    assert group["protocol"] == "HTTPS"
    assert group["health_check"][0]["protocol"] == "HTTPS"
    sys.path.insert(0, str(REPO / "src"))
    from scribe.config_groups import ApiSettings

    tls = env("api")["SCRIBE_API__TLS"]
    assert ApiSettings.model_validate({"tls": tls}).tls == "self-signed"  # the api accepts it
    probe = container("api")["healthCheck"]["command"]
    assert probe[-1].startswith("https://127.0.0.1:")


# --- 7. a rollback path RDS does not admit; compose decoding unlike ECS ---------------------


def test_the_rollback_runbook_reaches_rds_through_what_rds_admits() -> None:
    rules = [
        b for (t, _), b in root().resources.items() if t == "aws_vpc_security_group_ingress_rule"
    ]
    rds_sources = {
        r["referenced_security_group_id"]
        for r in rules
        if r.get("security_group_id") == "${aws_security_group.rds.id}"
    }
    assert rds_sources == {"${aws_security_group.api.id}"}
    runbook = (REPO / "docs/operations/rollback.md").read_text()
    section = runbook.split("3. **Reach the RDS instance**")[1].split("4. **Copy the database**")[0]
    assert "ecs:<cluster>_<task id>_<runtime id>" in section and "<api sg>" in section
    assert "desired capacity to 1" not in runbook
    assert "sslmode=require" not in runbook


def test_the_gpu_compose_override_decodes_as_the_ecs_service() -> None:
    gpu = yaml.safe_load((COMPOSE_DIR / "compose.gpu.yaml").read_text())
    compose_env = gpu["services"]["transcribe"]["environment"]
    assert compose_env["SCRIBE_WHISPER__MODEL"] == default("whisper_model")
    assert compose_env["SCRIBE_WHISPER__COMPUTE_TYPE"] == default("whisper_compute_type")
    assert int(compose_env["SCRIBE_WHISPER__BATCH_SIZE"]) == default("whisper_batch_size")
    assert int(compose_env["SCRIBE_WHISPER__MAX_FILES_PER_BATCH"]) == default(
        "transcribe_files_per_batch"
    )


# --- 8. a pinned minor version that RDS upgrades -------------------------------------------


def test_rds_pins_the_major_version_only_when_minor_upgrades_are_automatic() -> None:
    db = root().resources[("aws_db_instance", "this")]
    assert db["auto_minor_version_upgrade"] is True
    assert re.fullmatch(r"\d+", str(default("db_engine_version")))
    group = root().resources[("aws_db_parameter_group", "this")]
    assert group["family"] == "postgres${var.db_engine_version}"


# --- the plan's remaining items --------------------------------------------------------------


def test_the_model_cache_is_seeded_once_pinned_and_workers_never_download() -> None:
    assert default("whisper_allow_download") is False
    assert "revision" in root().variables["whisper_model_seed"]["type"]
    assert "sha256" in root().variables["whisper_model_seed"]["type"]
    seed = module().resources[("aws_ecs_task_definition", "seed_models")]
    for part in (
        '"models", "seed"',
        "var.whisper_model_seed.revision",
        "var.whisper_model_seed.sha256",
    ):
        assert part in seed["container_definitions"]
    mounts = {m["sourceVolume"]: m["readOnly"] for m in container("transcribe")["mountPoints"]}
    assert mounts["models"] is True


def test_tls_to_rds_is_verify_full_with_the_bundle_the_api_image_carries() -> None:
    api = env("api")
    assert api["PGSSLMODE"] == "verify-full"
    bundle = module().variables["database_tls_root_cert"]["default"]
    assert api["PGSSLROOTCERT"] == "${service.database_tls_root_cert}"
    assert f" {bundle}" in (DOCKER_DIR / "api.Dockerfile").read_text()
    parameters = root().resources[("aws_db_parameter_group", "this")]["parameter"]
    assert {"name": "rds.force_ssl", "value": "1"} in parameters


def test_both_sides_of_the_peering_route_to_each_other() -> None:
    r = root().resources
    assert r[("aws_route", "private_to_peer")]["destination_cidr_block"] == "${var.peer_vpc_cidr}"
    back = r[("aws_route", "peer_to_stack")]
    assert back["destination_cidr_block"] == "${var.vpc_cidr}"
    assert back["provider"] == "${aws.main}"
    accepter = r[("aws_vpc_peering_connection_accepter", "main")]
    assert accepter["provider"] == "${aws.main}" and accepter["auto_accept"] is True


def test_s3_never_expires_artifacts_whose_rows_the_retention_keeps() -> None:
    assert root().locals["data_buckets"]["artifacts"]["expire_days"] is None
    retention = default("data_retention")
    api = env("api")
    assert api["SCRIBE_RETENTION__TRANSCRIPTS_DAYS"] == "${service.retention_transcripts}"
    assert api["SCRIBE_RETENTION__ORIGINALS_DAYS"] == "${service.retention_originals}"
    assert 0 < retention["job_audio_days"] <= retention["job_transcripts_days"]
    assert 0 < retention["job_originals_days"] <= retention["job_transcripts_days"]


def test_no_application_password_exists_to_rotate() -> None:
    r = root()
    assert r.resources[("aws_db_instance", "this")]["iam_database_authentication_enabled"] is True
    assert r.resources[("aws_db_instance", "this")]["manage_master_user_password"] is True
    assert default("db_iam_auth") is True
    url = r.resources[("aws_secretsmanager_secret_version", "database_url")]["secret_string"]
    assert re.match(r"postgresql\+psycopg://\$\{var\.db_app_username\}@", url)  # no password
    assert env("api")["SCRIBE_DATABASE__IAM_AUTH"] == "${service.database_iam_auth}"
    task = module().data[("aws_iam_policy_document", "task")]
    [statement] = [
        d["statement"]
        for d in task["dynamic"]
        if d["statement"]["content"][0]["sid"] == "ConnectToTheDatabaseWithIamTokens"
    ]
    assert statement["content"][0]["actions"] == ["rds-db:connect"]
    assert ":dbuser:${aws_db_instance.this.resource_id}/" in module_input("database_iam_user_arn")
