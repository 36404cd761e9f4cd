"""Static checks of the deployment files: Terraform, task definitions, env files, Dockerfiles.

No AWS account, Docker engine or Terraform provider is needed: the HCL is parsed with
python-hcl2 and the wiring between the files is followed by hand, the way `terraform
validate` would if a provider could be downloaded here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT_STACK = REPO / "infra" / "terraform"
MODULE = REPO / "infra" / "modules" / "ai-transcription"
TASK_DEFINITIONS = MODULE / "task-definitions"
ENV_DIR = REPO / "infra" / "config" / "ai-transcription"
ENV_FILES = sorted(ENV_DIR.glob("*.env"))
DOCKER_DIR = REPO / "deploy" / "docker"
COMPOSE_DIR = REPO / "deploy" / "compose"

SERVICES = ("api", "extract", "transcribe", "terms")
WORKERS = ("extract", "transcribe", "terms")
TEMPLATES = {
    "api": "api.json",
    "extract": "audio-extraction.json",
    "transcribe": "transcription.json",
    "terms": "music-term.json",
}
APP_UID = 10001

# Resource types that take no `tags` argument.
UNTAGGABLE = {
    "aws_appautoscaling_policy",
    "aws_autoscaling_group",  # tagged through `tag` blocks (propagated to instances)
    "aws_default_security_group_rule",
    "aws_ecs_cluster_capacity_providers",
    "aws_efs_backup_policy",
    "aws_efs_file_system_policy",
    "aws_efs_mount_target",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_alias",
    "aws_lb_listener_rule",
    "aws_route",
    "aws_route_table_association",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_sns_topic_subscription",
    "aws_sqs_queue_redrive_allow_policy",
    "aws_wafv2_web_acl_association",
    "aws_wafv2_web_acl_logging_configuration",
    "aws_cloudwatch_dashboard",
    "aws_secretsmanager_secret_version",
    "aws_vpc_peering_connection_options",
}


# --------------------------------------------------------------------------------------
# Loading HCL (python-hcl2 7.x returns bare strings, 8.x keeps the quotes: accept both)
# --------------------------------------------------------------------------------------


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


def _normalise(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            _unquote(key): _normalise(value)
            for key, value in obj.items()
            if not (isinstance(key, str) and key.startswith("__"))
        }
    if isinstance(obj, list):
        return [_normalise(item) for item in obj]
    return _unquote(obj)


class Stack:
    """The blocks of every .tf file of one folder, keyed the way Terraform addresses them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}
        self.data: dict[tuple[str, str], dict[str, Any]] = {}
        self.variables: dict[str, dict[str, Any]] = {}
        self.outputs: dict[str, dict[str, Any]] = {}
        self.locals: dict[str, Any] = {}
        self.modules: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        for path in sorted(folder.glob("*.tf")):
            with path.open() as handle:
                parsed = _normalise(hcl2.load(handle))
            self.files[path.name] = parsed
            for block in parsed.get("resource", []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        self.resources[(rtype, name)] = body
            for block in parsed.get("data", []):
                for dtype, named in block.items():
                    for name, body in named.items():
                        self.data[(dtype, name)] = body
            for block in parsed.get("variable", []):
                self.variables.update(block)
            for block in parsed.get("output", []):
                self.outputs.update(block)
            for block in parsed.get("locals", []):
                self.locals.update(block)
            for block in parsed.get("module", []):
                self.modules.update(block)


@cache
def root() -> Stack:
    return Stack(ROOT_STACK)


@cache
def module() -> Stack:
    return Stack(MODULE)


def _strings(obj: Any) -> list[str]:
    """Every string inside a parsed HCL value (keys included)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for key, value in obj.items() for s in [str(key), *_strings(value)]]
    if isinstance(obj, list):
        return [s for item in obj for s in _strings(item)]
    return []


REFERENCE = re.compile(
    r"(?<![\w.\-:])(?:(?P<data>data)\.(?P<dtype>aws_\w+)\.(?P<dname>\w+)"
    r"|(?P<rtype>aws_\w+)\.(?P<rname>\w+)"
    r"|var\.(?P<var>\w+)|local\.(?P<local>\w+)|module\.(?P<module>\w+))"
)


def _references(text: str) -> list[tuple[str, Any]]:
    """The Terraform references (resource, data, var, local, module) inside one string."""
    found: list[tuple[str, Any]] = []
    for match in REFERENCE.finditer(text):
        if match["data"]:
            found.append(("data", (match["dtype"], match["dname"])))
        elif match["rtype"]:
            found.append(("resource", (match["rtype"], match["rname"])))
        elif match["var"]:
            found.append(("var", match["var"]))
        elif match["local"]:
            found.append(("local", match["local"]))
        else:
            found.append(("module", match["module"]))
    return found


def _unresolved(stack: Stack, text: str) -> list[str]:
    missing = []
    for kind, ref in _references(text):
        exists = {
            "data": lambda r: r in stack.data,
            "resource": lambda r: r in stack.resources,
            "var": lambda r: r in stack.variables,
            "local": lambda r: r in stack.locals,
            "module": lambda r: r in stack.modules,
        }[kind](ref)
        if not exists:
            missing.append(f"{kind} {ref}")
    return missing


def _expr(value: Any) -> str:
    """A parsed HCL expression as text without its ${ } wrapper."""
    text = str(value)
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return text


# --------------------------------------------------------------------------------------
# Settings of the scribe package (by introspection, never by a hand-kept list)
# --------------------------------------------------------------------------------------


@cache
def settings_class() -> Any:
    sys.path.insert(0, str(REPO / "src"))
    from scribe.config import Settings

    return Settings


@cache
def app_queues() -> SimpleNamespace:
    """The queue names of the scribe package (scribe.queues), never a hand-kept list."""
    sys.path.insert(0, str(REPO / "src"))
    import scribe.queues as queues
    from scribe.domain.options import PRIORITIES, lanes

    assert (*queues.LANE_QUEUES, queues.EVENTS_QUEUE) == queues.ALL_QUEUES
    return SimpleNamespace(
        all=tuple(queues.ALL_QUEUES),
        lanes=tuple(queues.LANE_QUEUES),
        stages=tuple(queues.STAGE_QUEUES),
        events=queues.EVENTS_QUEUE,
        priorities=tuple(PRIORITIES),
        stage_lanes={stage: lanes(stage) for stage in queues.STAGE_QUEUES},
    )


# --------------------------------------------------------------------------------------
# The root stack's queue locals, evaluated by Terraform itself (no provider needed)
# --------------------------------------------------------------------------------------

QUEUE_LOCALS = ("worker_stages", "queue_priorities", "lane_queues", "queues", "stage_lanes")


def _terraform() -> str | None:
    beside = Path(sys.executable).with_name("terraform")
    return str(beside) if beside.is_file() else shutil.which("terraform")


@cache
def evaluated_queue_locals() -> dict[str, Any]:
    """local.queues and local.stage_lanes of infra/terraform/main.tf as Terraform computes
    them: the locals' expressions are copied into a provider-less scratch configuration,
    applied (nothing but outputs) and read back with `terraform output -json`."""
    terraform = _terraform()
    if terraform is None:
        pytest.skip("terraform is not installed (scripts/check_infra.sh puts it in .venv-infra)")
    import tempfile

    body = "\n".join(f"  {name} = {_hcl(root().locals[name])}" for name in QUEUE_LOCALS)
    outputs = "\n".join(f'output "{name}" {{\n  value = local.{name}\n}}' for name in QUEUE_LOCALS)
    env = {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_CLI_CONFIG_FILE": os.devnull,
    }
    with tempfile.TemporaryDirectory(prefix="scribe-queue-locals-") as folder:
        (Path(folder) / "main.tf").write_text(f"locals {{\n{body}\n}}\n\n{outputs}\n")
        for args in (
            ["init", "-input=false", "-no-color"],
            ["apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"],
        ):
            done = subprocess.run(
                [terraform, *args], cwd=folder, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, f"terraform {args[0]}: {done.stdout}{done.stderr}"
        done = subprocess.run(
            [terraform, "output", "-json", "-no-color"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    return {name: value["value"] for name, value in json.loads(done.stdout).items()}


def _hcl(value: Any) -> str:
    """A parsed HCL value back as HCL source: literals as JSON, expressions bare."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return _expr(value)
    return json.dumps(value)


# libpq's own variables (psycopg reads them for every connection): TLS to RDS.
LIBPQ_ENV = frozenset({"PGSSLMODE", "PGSSLROOTCERT"})


@cache
def allowed_env_names() -> frozenset[str]:
    """SCRIBE_<FIELD> and SCRIBE_<GROUP>__<FIELD> for every field of scribe.config.Settings."""
    from pydantic import BaseModel

    settings = settings_class()
    prefix = settings.model_config.get("env_prefix", "")
    delimiter = settings.model_config.get("env_nested_delimiter") or "__"
    names: set[str] = set()
    for field_name, field in settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub_name in annotation.model_fields:
                names.add(f"{prefix}{field_name}{delimiter}{sub_name}".upper())
        else:
            names.add(f"{prefix}{field_name}".upper())
    return frozenset(names)


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"{path.name}: not NAME=value: {raw!r}"
        values[name.strip()] = value.strip()
    return values


# --------------------------------------------------------------------------------------
# Task definitions
# --------------------------------------------------------------------------------------


@cache
def task_definition(service: str) -> list[dict[str, Any]]:
    return json.loads((TASK_DEFINITIONS / TEMPLATES[service]).read_text())


def container(service: str) -> dict[str, Any]:
    containers = task_definition(service)
    assert len(containers) == 1, f"{service}: one container per task expected"
    return containers[0]


PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def placeholders(service: str) -> set[str]:
    text = (TASK_DEFINITIONS / TEMPLATES[service]).read_text()
    return set(PLACEHOLDER.findall(text))


def template_value(service: str, placeholder: str) -> str:
    """The module expression a task-definition placeholder (common.x / service.x) renders."""
    scope, _, key = placeholder.partition(".")
    if scope == "common":
        return module().locals["template_common"][key]
    assert scope == "service", f"unexpected placeholder scope {placeholder!r}"
    return module().locals["template_service"][service][key]


def module_input(name: str) -> str:
    """The root-stack expression passed to the module's input variable `name`."""
    return _expr(root().modules["ai_transcription"][name])


# ======================================================================================
# Tests
# ======================================================================================


@pytest.mark.parametrize("stack", [root, module], ids=["root", "module"])
def test_every_variable_is_typed_and_described(stack: Any) -> None:
    variables = stack().variables
    assert variables, "no variables parsed"
    untyped = [name for name, body in variables.items() if not body.get("type")]
    undescribed = [
        name for name, body in variables.items() if not str(body.get("description", "")).strip()
    ]
    assert not untyped, f"variables without a type: {untyped}"
    assert not undescribed, f"variables without a description: {undescribed}"


@pytest.mark.parametrize("stack", [root, module], ids=["root", "module"])
def test_every_output_is_described(stack: Any) -> None:
    outputs = stack().outputs
    assert outputs
    assert not [n for n, body in outputs.items() if not str(body.get("description", "")).strip()]


@pytest.mark.parametrize("stack", [root, module], ids=["root", "module"])
def test_every_reference_resolves(stack: Any) -> None:
    """Each var., local., module., resource and data reference names a block of the stack."""
    s = stack()
    missing: dict[str, list[str]] = {}
    for name, parsed in s.files.items():
        for text in _strings(parsed):
            problems = _unresolved(s, text)
            if problems:
                missing.setdefault(name, []).extend(problems)
    assert not missing, f"unresolved references: {missing}"


def test_module_inputs_match_module_variables() -> None:
    call = root().modules["ai_transcription"]
    passed = {key for key in call if key not in {"source", "depends_on", "providers"}}
    variables = module().variables
    unknown = passed - set(variables)
    required = {name for name, body in variables.items() if "default" not in body}
    assert not unknown, f"root passes inputs the module does not declare: {sorted(unknown)}"
    assert not required - passed, f"required module inputs not passed: {sorted(required - passed)}"
    assert call["source"] == "../modules/ai-transcription"


def test_every_taggable_resource_merges_tags() -> None:
    for stack, tag_refs in ((root(), ("local.tags",)), (module(), ("var.tags",))):
        for (rtype, name), body in stack.resources.items():
            if rtype in UNTAGGABLE:
                continue
            tags = str(body.get("tags", ""))
            assert any(ref in tags for ref in tag_refs), f"{rtype}.{name} does not carry the tags"
    # Auto Scaling groups carry them through `tag` blocks.
    for (rtype, name), body in root().resources.items():
        if rtype == "aws_autoscaling_group":
            assert "local.tags" in json.dumps(body.get("dynamic", [])), f"{rtype}.{name}"


def test_module_has_the_terraform_aws_modules_layout() -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (MODULE / name).is_file(), name
    for name in ("versions.tf", "variables.tf", "outputs.tf", "main.tf"):
        assert (ROOT_STACK / name).is_file(), name
    for name in (
        "24-compute-ai-transcription.tf",
        "25-compute-gpu-capacity.tf",
        "35-storage-ai-efs.tf",
        "terraform.tfvars.example",
    ):
        assert (ROOT_STACK / name).is_file(), name


# --- task definitions -----------------------------------------------------------------


def test_one_task_definition_template_per_service() -> None:
    services = module().locals["services"]
    assert set(services) == set(SERVICES)
    for service in SERVICES:
        assert services[service]["template"] == TEMPLATES[service]
        c = container(service)
        assert c["name"] == service
        assert c["image"] == "${service.image}"
        assert c["user"] == f"{APP_UID}:{APP_UID}", "the images' non-root user"
        assert c["readonlyRootFilesystem"] is True
        assert c["logConfiguration"]["logDriver"] == "awslogs"


@pytest.mark.parametrize("service", SERVICES)
def test_task_definition_placeholders_resolve(service: str) -> None:
    found = placeholders(service)
    assert found, f"{service}: the template has no placeholders"
    for placeholder in found:
        value = str(template_value(service, placeholder))
        assert not _unresolved(module(), value), f"{service}: {placeholder} -> {value}"


@pytest.mark.parametrize("service", SERVICES)
def test_health_checks_call_the_services_own_endpoint(service: str) -> None:
    c = container(service)
    port = 8000 if service == "api" else 9100
    command = c["healthCheck"]["command"]
    assert command[:3] == ["CMD", "python", "/opt/scribe/healthcheck.py"]
    scheme = "https" if service == "api" else "http"  # the api serves HTTPS to the ALB
    assert command[3] == f"{scheme}://127.0.0.1:{port}/healthz"
    assert [m["containerPort"] for m in c["portMappings"]] == [port]
    assert module().locals["services"][service]["port"] == port
    assert c["stopTimeout"] <= 120


@pytest.mark.parametrize("service", SERVICES)
def test_log_group_exists_in_the_stack(service: str) -> None:
    options = container(service)["logConfiguration"]["options"]
    group = options["awslogs-group"]
    assert group == "${service.log_group}"
    expr = template_value(service, "service.log_group")
    assert f'aws_cloudwatch_log_group.this["{service}"]' in expr
    body = module().resources[("aws_cloudwatch_log_group", "this")]
    assert body["for_each"] == "${local.services}"
    assert body.get("retention_in_days") and body.get("kms_key_id")
    assert options["awslogs-region"] == "${common.region}"


def test_terraform_creates_exactly_the_apps_queues() -> None:
    """Terraform's queue keys are scribe.queues.ALL_QUEUES: the three priority lanes of each
    stage (most urgent first, as scribe.domain.options.lanes orders them) and events."""
    app = app_queues()
    evaluated = evaluated_queue_locals()
    assert evaluated["worker_stages"] == list(app.stages)
    assert evaluated["queue_priorities"] == list(app.priorities)
    assert set(evaluated["lane_queues"]) == set(app.lanes)
    assert set(evaluated["queues"]) == set(app.all)
    assert evaluated["stage_lanes"] == app.stage_lanes
    for name, queue in evaluated["queues"].items():
        if name == app.events:
            assert queue == {"stage": "events", "priority": "normal"}
        else:
            assert name in app.stage_lanes[queue["stage"]], name
            position = app.stage_lanes[queue["stage"]].index(name)
            assert queue["priority"] == app.priorities[position], name


def test_queues_named_by_the_task_definitions_exist() -> None:
    r = root()
    stage = r.resources[("aws_sqs_queue", "stage")]
    dlq = r.resources[("aws_sqs_queue", "dlq")]
    assert stage["for_each"] == dlq["for_each"] == "${local.queues}"
    # The app derives <prefix>-<queue> and <prefix>-<queue>-dlq from SCRIBE_QUEUE__PREFIX.
    assert stage["name"] == "${local.queue_prefix}-${each.key}"
    assert dlq["name"] == "${local.queue_prefix}-${each.key}-dlq"
    assert module_input("queue_prefix") == "local.queue_prefix"
    assert module().locals["template_common"]["queue_prefix"] == "${var.queue_prefix}"
    assert (
        template_value("api", "common.queue_max_receives") == "${tostring(var.queue_max_receives)}"
    )
    assert module_input("queue_max_receives") == "var.queue_max_receives"
    # Every queue, keyed by its logical name, reaches the module.
    assert "aws_sqs_queue.stage" in module_input("queues")
    assert "aws_sqs_queue.dlq" in module_input("dead_letter_queues")
    for service in SERVICES:
        env = {e["name"]: e["value"] for e in container(service)["environment"]}
        assert env["SCRIBE_QUEUE__BACKEND"] == "sqs"
        assert env["SCRIBE_QUEUE__PREFIX"] == "${common.queue_prefix}"
        assert env["SCRIBE_QUEUE__MAX_RECEIVES"] == "${common.queue_max_receives}"


def test_every_queue_has_its_own_dead_letter_queue_with_a_redrive_policy() -> None:
    """One DLQ per lane queue and one for events, each the target of exactly its queue's
    redrive policy (maxReceiveCount = queue_max_receives) and redrivable only from it."""
    r = root()
    stage = r.resources[("aws_sqs_queue", "stage")]
    dlq = r.resources[("aws_sqs_queue", "dlq")]
    allow = r.resources[("aws_sqs_queue_redrive_allow_policy", "dlq")]
    # Same keys everywhere, so every queue of ALL_QUEUES (test above) has its DLQ.
    assert stage["for_each"] == dlq["for_each"] == allow["for_each"] == "${local.queues}"
    redrive = stage["redrive_policy"]
    assert "deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn" in redrive
    assert "maxReceiveCount = var.queue_max_receives" in redrive
    assert allow["queue_url"] == "${aws_sqs_queue.dlq[each.key].id}"
    assert 'redrivePermission = "byQueue"' in allow["redrive_allow_policy"]
    assert "sourceQueueArns = [aws_sqs_queue.stage[each.key].arn]" in allow["redrive_allow_policy"]
    assert "redrive_policy" not in dlq, "a dead-letter queue dead-letters nowhere"
    assert "kms_master_key_id" in stage and "kms_master_key_id" in dlq
    assert r.variables["dlq_message_retention_seconds"]["default"] == 14 * 24 * 3600
    # The module accepts exactly these keys (its validation lists the app's queues).
    for variable in ("queues", "dead_letter_queues"):
        condition = module().variables[variable]["validation"][0]["condition"]
        listed = re.findall(r'"([a-z-]+)"', condition)
        assert sorted(listed) == sorted(app_queues().all), variable
    # An alarm per DLQ; an oldest-message-age alarm per queue.
    alarms = r.resources
    assert alarms[("aws_cloudwatch_metric_alarm", "dlq_not_empty")]["for_each"] == (
        "${aws_sqs_queue.dlq}"
    )
    assert alarms[("aws_cloudwatch_metric_alarm", "oldest_message_age")]["for_each"] == (
        "${aws_sqs_queue.stage}"
    )
    age_keys = r.variables["oldest_message_age_threshold_seconds"]["validation"][1]["condition"]
    assert sorted(re.findall(r'"([a-z-]+)"', age_keys)) == sorted(app_queues().all)


def test_each_service_consumes_its_lanes_most_urgent_first() -> None:
    app = app_queues()
    services = module().locals["services"]
    assert services["api"]["queues"] == [app.events]
    for worker in WORKERS:
        assert services[worker]["queues"] == app.stage_lanes[worker], worker
    assert set(app.stages) == set(WORKERS)


def _group_defaults(group: str) -> Any:
    """A settings group with its declared defaults (no environment read)."""
    field = settings_class().model_fields[group]
    return field.default_factory() if field.default_factory else field.default


def test_visibility_timeout_fits_the_heartbeat() -> None:
    variables = root().variables
    visibility = variables["queue_visibility_timeout_seconds"]["default"]
    heartbeat = variables["worker_heartbeat_interval_seconds"]["default"]
    max_receives = variables["queue_max_receives"]["default"]
    queue, worker = _group_defaults("queue"), _group_defaults("worker")
    assert visibility == queue.visibility_timeout, "Terraform and the app agree"
    assert heartbeat == worker.heartbeat_interval
    assert max_receives == queue.max_receives
    assert 2 * heartbeat <= visibility <= 300, "a heartbeat, not a timeout of hours"
    assert root().resources[("aws_sqs_queue", "stage")]["visibility_timeout_seconds"] == (
        "${var.queue_visibility_timeout_seconds}"
    )


def test_bucket_named_by_the_task_definitions_exists() -> None:
    for service in SERVICES:
        env = {e["name"]: e["value"] for e in container(service)["environment"]}
        assert env["SCRIBE_STORAGE__BUCKET"] == "${common.storage_bucket}"
        assert env["SCRIBE_STORAGE__KMS_KEY_ID"] == "${common.storage_kms_key_id}"
    assert template_value("api", "common.storage_bucket") == "${var.artifacts_bucket_name}"
    assert module_input("artifacts_bucket_name") == 'aws_s3_bucket.data["artifacts"].bucket'
    r = root()
    buckets = r.locals["data_buckets"]
    assert set(buckets) == {"media", "artifacts", "archive"}
    assert r.resources[("aws_s3_bucket", "data")]["for_each"] == "${local.data_buckets}"
    for rtype in (
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_logging",
    ):
        assert r.resources[(rtype, "data")]["for_each"] == "${local.data_buckets}", rtype
    pab = r.resources[("aws_s3_bucket_public_access_block", "data")]
    assert all(
        pab[k] is True
        for k in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )


def test_database_secret_reaches_the_api_only() -> None:
    api = container("api")
    assert api["secrets"] == [
        {"name": "SCRIBE_DATABASE__URL", "valueFrom": "${service.database_url_secret_arn}"},
        {"name": "SCRIBE_API__SESSION_SECRET", "valueFrom": "${service.session_secret_arn}"},
        {"name": "SCRIBE_WEBHOOKS__SECRET", "valueFrom": "${service.webhook_secret_arn}"},
    ]
    assert (
        template_value("api", "service.database_url_secret_arn") == "${var.database_url_secret_arn}"
    )
    assert module_input("database_url_secret_arn") == "local.database_url_secret_arn"
    assert "aws_secretsmanager_secret.database_url" in str(root().locals["database_url_secret_arn"])
    assert ("aws_secretsmanager_secret", "database_url") in root().resources
    for worker in WORKERS:
        c = container(worker)
        assert "secrets" not in c, f"{worker} must not get secrets"
        names = {e["name"] for e in c["environment"]}
        assert not {n for n in names if n.startswith("SCRIBE_DATABASE__")}, worker
    # Only the api's execution role may read the secret.
    execution = module().data[("aws_iam_policy_document", "execution")]
    secret_statements = [
        d["statement"]
        for d in execution["dynamic"]
        if "var.database_url_secret_arn" in str(d["statement"]["for_each"])
    ]
    assert len(secret_statements) == 1
    assert 'each.key == "api"' in secret_statements[0]["for_each"]


def _task_statements() -> dict[str, dict[str, Any]]:
    """The task-role policy's dynamic statements, keyed by Sid."""
    task = module().data[("aws_iam_policy_document", "task")]
    return {d["statement"]["content"][0]["sid"]: d["statement"] for d in task["dynamic"]}


def test_workers_consume_their_lanes_and_may_locate_but_not_read_their_dead_letter_queues() -> None:
    """A worker receives from the three lanes of its stage and sends events; its SQS broker
    resolves <queue>-dlq next to each queue it opens (get_queue_url, counts) but never reads
    a DLQ."""
    m = module()
    by_sid = _task_statements()

    consume = by_sid["ConsumeOwnStageLanes"]
    assert consume["for_each"] == "${each.value.worker ? [local.worker_lane_arns[each.key]] : []}"
    assert m.locals["worker_lane_arns"] == (
        "${{for key, svc in local.workers : key => [for queue in svc.queues : var.queues[queue].arn]}}"  # noqa: E501 - the HCL expression as Terraform writes it
    )
    assert set(consume["content"][0]["actions"]) == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
    }

    send = by_sid["SendEvents"]
    assert send["for_each"] == '${each.value.worker ? [var.queues["events"].arn] : []}'
    assert "sqs:ReceiveMessage" not in send["content"][0]["actions"]

    locate = by_sid["LocateOwnDeadLetterQueues"]
    assert locate["for_each"] == "${each.value.worker ? [local.worker_dlq_arns[each.key]] : []}"
    dlqs = m.locals["worker_dlq_arns"]
    assert 'concat(svc.queues, ["events"])' in dlqs
    assert "var.dead_letter_queues[queue].arn" in dlqs
    assert set(locate["content"][0]["actions"]) == {"sqs:GetQueueUrl", "sqs:GetQueueAttributes"}

    # No worker statement may read, delete or redrive through any dead-letter queue.
    for sid, statement in by_sid.items():
        if "each.value.worker" in statement["for_each"] and sid != "LocateOwnDeadLetterQueues":
            assert "dead_letter" not in statement["for_each"], sid


def test_the_api_enqueues_every_lane_and_redrives_every_dead_letter_queue() -> None:
    m = module()
    by_sid = _task_statements()
    enqueue = by_sid["EnqueueStageLanes"]
    assert enqueue["for_each"] == '${each.key == "api" ? [local.lane_queue_arns] : []}'
    assert m.locals["lane_queue_arns"] == '${[for key, q in var.queues : q.arn if key != "events"]}'
    assert "sqs:SendMessage" in enqueue["content"][0]["actions"]
    assert "sqs:ReceiveMessage" not in enqueue["content"][0]["actions"]

    events = by_sid["ConsumeEvents"]
    assert events["for_each"] == '${each.key == "api" ? [var.queues["events"].arn] : []}'
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:SendMessage"} <= set(
        events["content"][0]["actions"]
    )

    redrive = by_sid["InspectAndRedriveDeadLetters"]
    assert redrive["for_each"] == '${each.key == "api" ? [local.dlq_arns] : []}'
    assert m.locals["dlq_arns"] == "${[for key, q in var.dead_letter_queues : q.arn]}"
    assert {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:StartMessageMoveTask",
    } <= set(redrive["content"][0]["actions"])


def test_workers_scale_on_the_backlog_of_all_their_lanes() -> None:
    m = module()
    lane_sum = {
        "visible": "ApproximateNumberOfMessagesVisible",
        "inflight": "ApproximateNumberOfMessagesNotVisible",
    }
    for metric_id in lane_sum:
        assert m.locals[f"lanes_{metric_id}_sum"] == (
            '${{for key, ids in local.lane_metric_ids : key => join(" + ", '
            f'[for queue in local.workers[key].queues : "FILL({metric_id}_${{ids[queue]}}, 0)"])}}}}'  # noqa: E501
        )

    policy = m.resources[("aws_appautoscaling_policy", "backlog_per_task")]
    assert policy["for_each"] == "${local.workers}"
    spec = policy["target_tracking_scaling_policy_configuration"][0]
    custom = spec["customized_metric_specification"][0]
    per_lane = {
        d["metrics"]["content"][0]["id"].split("_")[0]: d["metrics"] for d in custom["dynamic"]
    }
    assert set(per_lane) == set(lane_sum)
    for metric_id, metric_name in lane_sum.items():
        block = per_lane[metric_id]
        assert block["for_each"] == "${each.value.queues}", "one metric per lane"
        metric = block["content"][0]["metric_stat"][0]["metric"][0]
        assert metric["namespace"] == "AWS/SQS" and metric["metric_name"] == metric_name
        assert metric["dimensions"][0]["value"] == "${var.queues[metrics.value].name}"
    returned = [q for q in custom["metrics"] if q.get("return_data") is True]
    assert len(returned) == 1
    assert returned[0]["expression"] == (
        "(${local.lanes_visible_sum[each.key]} + ${local.lanes_inflight_sum[each.key]})"
        " / (tasks * ${local.backlog_divisors[each.key]})"
    )
    tasks = next(q for q in custom["metrics"] if q["id"] == "tasks")
    assert tasks["metric_stat"][0]["metric"][0]["metric_name"] == "RunningTaskCount"
    assert spec["target_value"] == "${local.backlog_targets[each.key]}"
    assert m.locals["backlog_targets"]["transcribe"] == "${var.transcribe_backlog_per_task_target}"

    alarm = m.resources[("aws_cloudwatch_metric_alarm", "scale_from_zero")]
    assert alarm["alarm_actions"] == ["${aws_appautoscaling_policy.scale_from_zero[each.key].arn}"]
    queries = {q["id"]: q for q in alarm["metric_query"]}
    assert queries["visible"]["expression"] == "${local.lanes_visible_sum[each.key]}"
    assert queries["inflight"]["expression"] == "${local.lanes_inflight_sum[each.key]}"
    assert queries["waiting_idle"]["return_data"] is True
    for block in alarm["dynamic"]:
        assert block["metric_query"]["for_each"] == "${each.value.queues}"


def test_rds_is_private_encrypted_with_a_managed_password() -> None:
    db = root().resources[("aws_db_instance", "this")]
    assert db["manage_master_user_password"] is True
    assert db["storage_encrypted"] is True
    assert db["publicly_accessible"] is False
    assert "aws_security_group.rds.id" in str(db["vpc_security_group_ids"])


# --- settings names ---------------------------------------------------------------------


def test_settings_introspection_finds_the_known_names() -> None:
    names = allowed_env_names()
    for expected in (
        "SCRIBE_DATA_DIR",
        "SCRIBE_QUEUE__BACKEND",
        "SCRIBE_STORAGE__BUCKET",
        "SCRIBE_DATABASE__URL",
        "SCRIBE_WHISPER__CACHE_DIR",
        "SCRIBE_METRICS__PORT",
        "SCRIBE_LOG__FORMAT",
    ):
        assert expected in names


@pytest.mark.parametrize("service", SERVICES)
def test_task_definition_env_names_are_settings(service: str) -> None:
    c = container(service)
    names = [e["name"] for e in c["environment"]] + [s["name"] for s in c.get("secrets", [])]
    assert len(names) == len(set(names)), f"{service}: duplicate names"
    unknown = sorted(set(names) - allowed_env_names() - LIBPQ_ENV)
    assert not unknown, f"{service}: not settings of scribe.config.Settings: {unknown}"


@pytest.mark.parametrize("path", ENV_FILES, ids=[p.name for p in ENV_FILES])
def test_env_file_names_are_settings(path: Path) -> None:
    names = set(read_env_file(path))
    assert names
    unknown = sorted(names - allowed_env_names())
    assert not unknown, f"{path.name}: not settings of scribe.config.Settings: {unknown}"
    assert "SCRIBE_DATABASE__URL" not in names, "no secrets in env files"


def test_env_files_are_the_plans_files() -> None:
    assert {p.name for p in ENV_FILES} == {"shared.env", "service-specific.env"}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No SCRIBE_ variable of the calling environment leaks into the settings under test."""
    import os

    for name in list(os.environ):
        if name.startswith("SCRIBE_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_env_file_values_are_valid_settings(clean_env: pytest.MonkeyPatch) -> None:
    monkeypatch = clean_env
    for path in ENV_FILES:
        for name, value in read_env_file(path).items():
            monkeypatch.setenv(name, value)
    settings = settings_class()()
    assert settings.queue.backend == "sqs"
    assert settings.storage.backend == "s3"
    assert settings.log.format == "json"
    assert settings.metrics.port == 9100
    assert str(settings.whisper.cache_dir) == "/models"


@pytest.mark.parametrize("service", SERVICES)
def test_task_definition_literal_values_are_valid_settings(
    service: str, clean_env: pytest.MonkeyPatch
) -> None:
    monkeypatch = clean_env
    for item in container(service)["environment"]:
        if "${" not in item["value"]:
            monkeypatch.setenv(item["name"], item["value"])
    settings = settings_class()()
    assert settings.log.format == "json"
    if service == "api":
        assert settings.api.host == "0.0.0.0"
        assert settings.api.port == 8000
    else:
        assert settings.metrics.port == 9100
        assert settings.metrics.host == "0.0.0.0"


# --- GPU --------------------------------------------------------------------------------


def test_gpu_service_runs_only_on_the_gpu_capacity_providers() -> None:
    m = module()
    services = m.locals["services"]
    assert services["transcribe"]["launch_type"] == "EC2"
    assert all(services[s]["launch_type"] == "FARGATE" for s in ("api", "extract", "terms"))
    strategies = m.locals["capacity_strategies"]
    assert strategies["transcribe"] == "${var.gpu_capacity_provider_strategy}"
    assert [s["capacity_provider"] for s in strategies["api"]] == ["FARGATE"]
    assert strategies["extract"] == strategies["terms"] == "${local.cpu_worker_strategy}"
    cpu_text = json.dumps(m.locals["cpu_worker_strategy"])
    assert "FARGATE" in cpu_text and "gpu" not in cpu_text.lower()

    r = root()
    assert module_input("gpu_capacity_provider_strategy") == "local.gpu_capacity_providers"
    gpu_providers = str(r.locals["gpu_capacity_providers"])
    assert "aws_ecs_capacity_provider.gpu" in gpu_providers
    assert "FARGATE" not in gpu_providers
    provider = r.resources[("aws_ecs_capacity_provider", "gpu")]
    assert provider["for_each"] == "${local.gpu_autoscaling_groups}"
    asg_text = str(r.locals["gpu_autoscaling_groups"])
    assert "aws_autoscaling_group.gpu" in asg_text and "aws_autoscaling_group.gpu_warm" in asg_text
    scaling = provider["auto_scaling_group_provider"][0]
    assert scaling["managed_termination_protection"] == "ENABLED"
    assert scaling["managed_scaling"][0]["status"] == "ENABLED"

    c = container("transcribe")
    assert c["resourceRequirements"] == [{"type": "GPU", "value": "1"}]
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert env["SCRIBE_WHISPER__DEVICE"] == "cuda"
    assert env["SCRIBE_WHISPER__CACHE_DIR"] == "${service.whisper_cache_dir}"
    assert m.locals["template_service"]["transcribe"]["whisper_cache_dir"] == "${local.models_dir}"
    assert m.locals["models_dir"] == "/models"
    for service in ("api", "extract", "terms"):
        assert "resourceRequirements" not in container(service)


def test_gpu_instances_use_the_ecs_gpu_ami_with_gpu_support() -> None:
    r = root()
    ami = r.data[("aws_ssm_parameter", "ecs_gpu_ami")]
    assert ami["name"] == "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id"
    template = r.resources[("aws_launch_template", "gpu")]
    assert template["image_id"] == "${data.aws_ssm_parameter.ecs_gpu_ami.value}"
    assert template["metadata_options"][0]["http_tokens"] == "required"
    user_data = (ROOT_STACK / "templates" / "gpu-user-data.sh.tpl").read_text()
    assert "ECS_ENABLE_GPU_SUPPORT=true" in user_data
    assert "ECS_CLUSTER=${cluster_name}" in user_data
    mixed = r.resources[("aws_autoscaling_group", "gpu")]
    assert mixed["protect_from_scale_in"] is True
    overrides = json.dumps(mixed["mixed_instances_policy"])
    assert "var.gpu_instance_types" in overrides and "var.gpu_spot_percentage" in overrides
    assert r.variables["gpu_instance_types"]["default"] == ["g4dn.xlarge", "g4dn.2xlarge"]
    warm = r.resources[("aws_autoscaling_group", "gpu_warm")]
    assert warm["warm_pool"][0]["pool_state"] == "${var.gpu_warm_pool_state}"
    assert r.variables["gpu_warm_pool_state"]["default"] == "Stopped"


# --- EFS and security groups ------------------------------------------------------------------


def test_efs_is_encrypted_with_uid_10001_access_points() -> None:
    r = root()
    fs = r.resources[("aws_efs_file_system", "this")]
    assert fs["encrypted"] is True
    assert r.locals["efs_access_points"] == {"models": "/models", "jobs": "/jobs"}
    assert r.locals["app_uid"] == APP_UID and r.locals["app_gid"] == APP_UID
    mount = r.resources[("aws_efs_mount_target", "this")]
    assert "aws_subnet.private" in str(mount["subnet_id"])
    task = module().resources[("aws_ecs_task_definition", "this")]
    text = json.dumps(task)
    assert '"transit_encryption": "ENABLED"' in text
    assert '"iam": "ENABLED"' in text


def test_only_the_api_reaches_the_worker_health_port() -> None:
    r = root()
    into_workers = [
        body
        for (rtype, _), body in r.resources.items()
        if rtype == "aws_vpc_security_group_ingress_rule"
        and body["security_group_id"] == "${aws_security_group.workers.id}"
    ]
    assert into_workers, "no ingress rule on the workers' security group"
    for body in into_workers:
        assert body["referenced_security_group_id"] == "${aws_security_group.api.id}"
        assert body["from_port"] == body["to_port"] == 9100
        assert "cidr_ipv4" not in body
    into_rds = [
        body
        for (rtype, _), body in r.resources.items()
        if rtype == "aws_vpc_security_group_ingress_rule"
        and body["security_group_id"] == "${aws_security_group.rds.id}"
    ]
    assert [b["referenced_security_group_id"] for b in into_rds] == ["${aws_security_group.api.id}"]
    call = root().modules["ai_transcription"]
    assert call["worker_security_group_ids"] == ["${aws_security_group.workers.id}"]
    assert call["api_security_group_ids"] == ["${aws_security_group.api.id}"]


def test_alb_serves_https_and_redirects_http() -> None:
    r = root()
    https = r.resources[("aws_lb_listener", "https")]
    assert https["protocol"] == "HTTPS" and https["certificate_arn"] == "${var.certificate_arn}"
    http = r.resources[("aws_lb_listener", "http_redirect")]
    redirect = http["default_action"][0]["redirect"][0]
    assert redirect["protocol"] == "HTTPS" and redirect["status_code"] == "HTTP_301"


def test_alarms_cover_the_required_signals() -> None:
    alarms = {name for (rtype, name) in root().resources if rtype == "aws_cloudwatch_metric_alarm"}
    assert {
        "dlq_not_empty",
        "oldest_message_age",
        "gpu_idle_with_backlog",
        "api_5xx_rate",
        "job_failure_rate",
    } <= alarms
    failure = json.dumps(root().resources[("aws_cloudwatch_metric_alarm", "job_failure_rate")])
    assert "JobsFailed" in failure and "JobsCompleted" in failure


# --- Dockerfiles and compose ------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_is_multistage_non_root_with_healthcheck(service: str) -> None:
    path = DOCKER_DIR / f"{service}.Dockerfile"
    text = path.read_text()
    lines = [line.strip() for line in text.splitlines()]
    froms = [line for line in lines if line.upper().startswith("FROM ")]
    assert len(froms) >= 2, "multi-stage build"
    assert any(" AS builder" in line for line in froms)
    users = [line.split(None, 1)[1] for line in lines if line.upper().startswith("USER ")]
    assert users, "no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}, "runs as root"
    assert users[-1] == f"{APP_UID}:{APP_UID}"
    assert f"--uid {APP_UID}" in text
    port = 8000 if service == "api" else 9100
    assert "HEALTHCHECK" in text
    assert f'"python", "/opt/scribe/healthcheck.py", "http://127.0.0.1:{port}/healthz"' in text
    assert "COPY --from=builder /opt/venv /opt/venv" in text
    for arg in re.findall(r"^ARG (?:PYTHON|CUDA)_IMAGE=(\S+)$", text, flags=re.M):
        _, _, tag = arg.partition(":")
        assert tag and tag != "latest", f"unpinned base image {arg}"
        assert re.match(r"\d+\.\d+\.\d+-", tag), f"base image not pinned to a patch release: {arg}"


def test_transcription_image_takes_cuda_from_the_lock_with_a_mounted_model_cache() -> None:
    text = (DOCKER_DIR / "transcribe.Dockerfile").read_text()
    assert "nvidia/cuda" not in text.split("ARG PYTHON_IMAGE=")[1]  # no CUDA base image
    assert "ARG LOCK_FILE=requirements/transcribe.txt" in text
    assert "site-packages/nvidia/cublas/lib" in text and "site-packages/nvidia/cudnn/lib" in text
    assert 'ARG BAKE_MODEL=""' in text
    assert "SCRIBE_WHISPER__CACHE_DIR=/models" in text


def test_image_env_names_are_settings() -> None:
    for service in SERVICES:
        text = (DOCKER_DIR / f"{service}.Dockerfile").read_text()
        names = set(re.findall(r"\b(SCRIBE_[A-Z_]+)=", text))
        assert names, service
        assert not names - allowed_env_names(), f"{service}: {sorted(names - allowed_env_names())}"


def test_dockerignore_keeps_the_context_small() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    assert lines[lines.index("*")] == "*"
    for needed in ("!pyproject.toml", "!src/", "!deploy/docker/healthcheck.py", "!requirements/"):
        assert needed in lines


def test_compose_wiring() -> None:
    yaml = pytest.importorskip("yaml")
    base = yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text())
    gpu = yaml.safe_load((COMPOSE_DIR / "compose.gpu.yaml").read_text())
    services = base["services"]
    assert {"postgres", "elasticmq", "minio", *SERVICES} <= set(services)
    for service in SERVICES:
        spec = services[service]
        assert (COMPOSE_DIR / spec["build"]["context"] / spec["build"]["dockerfile"]).resolve() == (
            DOCKER_DIR / f"{service}.Dockerfile"
        )
        env_files = [(COMPOSE_DIR / p).resolve() for p in spec["env_file"]]
        assert env_files == [
            p.resolve() for p in (ENV_DIR / "shared.env", ENV_DIR / "service-specific.env")
        ]
        names = {n for n in spec["environment"] if n.startswith("SCRIBE_")}
        assert not names - allowed_env_names(), f"{service}: {sorted(names - allowed_env_names())}"
        assert any(c.get("condition") == "service_healthy" for c in spec["depends_on"].values())
        if service != "api":
            assert "SCRIBE_DATABASE__URL" not in spec["environment"]
    assert services["api"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    devices = gpu["services"]["transcribe"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]


def _elasticmq_queues(conf: str) -> dict[str, str | None]:
    """Each queue block of elasticmq.conf and the DLQ its deadLettersQueue names."""
    body = conf[conf.index("\nqueues {") :]
    found: dict[str, str | None] = {}
    for match in re.finditer(r'^  "([^"]+)" \{\n(.*?)^  \}$', body, flags=re.M | re.S):
        dead = re.search(r'deadLettersQueue \{\s*name = "([^"]+)"', match[2])
        found[match[1]] = dead[1] if dead else None
    return found


def test_elasticmq_config_matches_the_queue_settings() -> None:
    conf = (COMPOSE_DIR / "elasticmq" / "elasticmq.conf").read_text()
    shared = read_env_file(ENV_DIR / "shared.env")
    prefix = shared["SCRIBE_QUEUE__PREFIX"]
    expected = {f"{prefix}-{name}" for name in app_queues().all}
    queues = _elasticmq_queues(conf)
    assert set(queues) == expected | {f"{q}-dlq" for q in expected}
    for queue in expected:
        assert queues[queue] == f"{queue}-dlq", f"{queue}: its own dead-letter queue"
        assert queues[f"{queue}-dlq"] is None, f"{queue}-dlq dead-letters nowhere"
    receives = re.findall(r"maxReceiveCount = (\d+)", conf)
    assert len(receives) == len(expected)
    assert set(receives) == {shared["SCRIBE_QUEUE__MAX_RECEIVES"]}
    visibility = set(re.findall(r"defaultVisibilityTimeout = (\d+) seconds", conf))
    assert visibility == {shared["SCRIBE_QUEUE__VISIBILITY_TIMEOUT"]}


def test_compose_waits_for_every_queue() -> None:
    """The queues-ready one-shot waits for exactly the queues and DLQs the app opens."""
    yaml = pytest.importorskip("yaml")
    base = yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text())
    script = base["services"]["queues-ready"]["command"][-1]
    lines = [line for line in script.splitlines() if line.startswith(("queues =", "names ="))]
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)
    prefix = read_env_file(ENV_DIR / "shared.env")["SCRIBE_QUEUE__PREFIX"]
    expected = {f"{prefix}-{name}{dlq}" for name in app_queues().all for dlq in ("", "-dlq")}
    assert set(namespace["names"]) == expected
