data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Paths inside the containers; the images create them owned by uid/gid 10001.
  data_dir   = "/var/lib/scribe"
  models_dir = "/models"
  jobs_dir   = "/jobs"

  # One entry per service. `queues` are the queues it receives from, most urgent first:
  # a worker polls the three priority lanes of its stage (<stage>-high, <stage>,
  # <stage>-low, as scribe.domain.options.lanes names them); the api consumes events.
  services = {
    api = {
      template    = "api.json"
      launch_type = "FARGATE"
      efs_volumes = ["jobs"]
      port        = 8000
      queues      = ["events"]
      worker      = false
    }
    extract = {
      template    = "audio-extraction.json"
      launch_type = "FARGATE"
      efs_volumes = ["jobs"]
      port        = 9100
      queues      = ["extract-high", "extract", "extract-low"]
      worker      = true
    }
    transcribe = {
      template    = "transcription.json"
      launch_type = "EC2"
      efs_volumes = ["models", "jobs"]
      port        = 9100
      queues      = ["transcribe-high", "transcribe", "transcribe-low"]
      worker      = true
    }
    terms = {
      template    = "music-term.json"
      launch_type = "FARGATE"
      efs_volumes = ["jobs"]
      port        = 9100
      queues      = ["terms-high", "terms", "terms-low"]
      worker      = true
    }
  }
  workers = { for key, svc in local.services : key => svc if svc.worker }

  # Values the task-definition templates read as ${common.*}; all strings.
  template_common = {
    region                   = var.region
    queue_prefix             = var.queue_prefix
    queue_max_receives       = tostring(var.queue_max_receives)
    queue_visibility_timeout = tostring(var.queue_visibility_timeout_seconds)
    heartbeat_interval       = tostring(var.worker_heartbeat_interval_seconds)
    stop_timeout             = tostring(var.worker_stop_timeout_seconds)
    storage_backend          = var.storage_backend
    storage_bucket           = var.artifacts_bucket_name
    storage_kms_key_id       = var.kms_key_arn
    storage_root             = local.jobs_dir
    data_dir                 = local.data_dir
    log_level                = var.log_level
  }

  # Values the templates read as ${service.*}, per service.
  template_service = {
    api = {
      image                   = var.images["api"]
      log_group               = aws_cloudwatch_log_group.this["api"].name
      database_url_secret_arn = var.database_url_secret_arn
      database_iam_auth       = tostring(var.database_iam_auth)
      session_secret_arn      = var.session_secret_arn
      webhook_secret_arn      = var.webhook_secret_arn
      admin_key_secret_arn    = var.admin_key_secret_arn
      media_bucket            = var.media_bucket_name
      database_tls_root_cert  = var.database_tls_root_cert
      retention_originals     = tostring(var.job_retention_days.originals)
      retention_audio         = tostring(var.job_retention_days.audio)
      retention_transcripts   = tostring(var.job_retention_days.transcripts)
    }
    extract = {
      image        = var.images["extract"]
      log_group    = aws_cloudwatch_log_group.this["extract"].name
      media_bucket = var.media_bucket_name
    }
    transcribe = {
      image                  = var.images["transcribe"]
      log_group              = aws_cloudwatch_log_group.this["transcribe"].name
      whisper_model          = var.whisper_model
      whisper_cache_dir      = local.models_dir
      whisper_allow_download = tostring(var.whisper_allow_download)
      whisper_compute_type   = var.whisper_compute_type
      whisper_batch_size     = tostring(var.whisper_batch_size)
      files_per_batch        = tostring(var.transcribe_files_per_batch)
    }
    terms = {
      image     = var.images["terms"]
      log_group = aws_cloudwatch_log_group.this["terms"].name
    }
  }

  # Fargate for the CPU services; the extract and terms workers may use Fargate Spot
  # beyond their first task. The transcription service uses the GPU providers only.
  cpu_worker_strategy = [
    for s in [
      { capacity_provider = "FARGATE", base = 1, weight = 1, enabled = true },
      { capacity_provider = "FARGATE_SPOT", base = 0, weight = 3, enabled = var.fargate_spot_workers },
    ] : { capacity_provider = s.capacity_provider, base = s.base, weight = s.weight } if s.enabled
  ]
  capacity_strategies = {
    api        = [{ capacity_provider = "FARGATE", base = 0, weight = 1 }]
    extract    = local.cpu_worker_strategy
    transcribe = var.gpu_capacity_provider_strategy
    terms      = local.cpu_worker_strategy
  }
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  for_each          = local.services
  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = merge(var.tags, { Service = each.key })
}

################################################################################
# Task definitions (container definitions rendered from task-definitions/*.json)
################################################################################

resource "aws_ecs_task_definition" "this" {
  for_each                 = local.services
  family                   = "${var.name}-${each.key}"
  network_mode             = "awsvpc"
  requires_compatibilities = [each.value.launch_type]
  cpu                      = tostring(var.services[each.key].cpu)
  memory                   = tostring(var.services[each.key].memory)
  execution_role_arn       = aws_iam_role.execution[each.key].arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  container_definitions = templatefile("${path.module}/task-definitions/${each.value.template}", {
    common  = local.template_common
    service = local.template_service[each.key]
  })

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  dynamic "ephemeral_storage" {
    for_each = each.value.launch_type == "FARGATE" && var.services[each.key].ephemeral_storage_gib > 20 ? [var.services[each.key].ephemeral_storage_gib] : []
    content {
      size_in_gib = ephemeral_storage.value
    }
  }

  # Writable scratch space; the root filesystem of every container is read-only.
  volume {
    name = "tmp"
  }

  volume {
    name = "data"
  }

  dynamic "volume" {
    for_each = toset(each.value.efs_volumes)
    content {
      name = volume.value

      efs_volume_configuration {
        file_system_id     = var.efs_file_system_id
        transit_encryption = "ENABLED"

        authorization_config {
          access_point_id = var.efs_access_points[volume.value].id
          iam             = "ENABLED"
        }
      }
    }
  }

  dynamic "placement_constraints" {
    for_each = each.value.launch_type == "EC2" ? [var.gpu_instance_type_pattern] : []
    content {
      type       = "memberOf"
      expression = "attribute:ecs.instance-type =~ ${placement_constraints.value}"
    }
  }

  tags = merge(var.tags, { Service = each.key })
}

################################################################################
# Service discovery: <service>.<namespace> A records of the tasks
################################################################################

resource "aws_service_discovery_service" "this" {
  for_each = local.services
  name     = each.key

  dns_config {
    namespace_id   = var.service_discovery_namespace_id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  health_check_custom_config {
    failure_threshold = 1
  }

  tags = merge(var.tags, { Service = each.key })
}

################################################################################
# Services
################################################################################

resource "aws_ecs_service" "this" {
  for_each                           = local.services
  name                               = "${var.name}-${each.key}"
  cluster                            = var.cluster_name
  task_definition                    = aws_ecs_task_definition.this[each.key].arn
  desired_count                      = var.services[each.key].min_capacity
  platform_version                   = each.value.launch_type == "FARGATE" ? "LATEST" : null
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = each.key == "api" ? 90 : null

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "capacity_provider_strategy" {
    for_each = local.capacity_strategies[each.key]
    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      base              = capacity_provider_strategy.value.base
      weight            = capacity_provider_strategy.value.weight
    }
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = each.key == "api" ? var.api_security_group_ids : var.worker_security_group_ids
    assign_public_ip = false
  }

  service_registries {
    registry_arn = aws_service_discovery_service.this[each.key].arn
  }

  dynamic "load_balancer" {
    for_each = each.key == "api" ? [var.api_target_group_arn] : []
    content {
      target_group_arn = load_balancer.value
      container_name   = "api"
      container_port   = 8000
    }
  }

  dynamic "ordered_placement_strategy" {
    for_each = each.value.launch_type == "EC2" ? ["memory"] : []
    content {
      type  = "binpack"
      field = ordered_placement_strategy.value
    }
  }

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    # Application Auto Scaling owns the desired count after creation.
    ignore_changes = [desired_count]
  }
}

################################################################################
# The model cache, seeded once: a one-off Fargate task of the transcribe image writes the
# pinned model into the EFS /models access point (the transcription tasks mount it
# read-only and never download). Run it after the first apply and after changing
# whisper_model or whisper_model_seed (docs/operations/deploy.md):
#   aws ecs run-task --cluster <cluster> --task-definition <name>-seed-models \
#     --launch-type FARGATE --network-configuration ...
################################################################################

resource "aws_ecs_task_definition" "seed_models" {
  family                   = "${var.name}-seed-models"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "1024"
  memory                   = "4096"
  execution_role_arn       = aws_iam_role.execution["transcribe"].arn
  task_role_arn            = aws_iam_role.task["transcribe"].arn

  container_definitions = jsonencode([{
    name                   = "seed-models"
    image                  = var.images["transcribe"]
    essential              = true
    user                   = "10001:10001"
    readonlyRootFilesystem = true
    command = [
      "models", "seed", var.whisper_model,
      "--repo", var.whisper_model_seed.repo,
      "--revision", var.whisper_model_seed.revision,
      "--sha256", var.whisper_model_seed.sha256,
    ]
    environment = [
      { name = "SCRIBE_WHISPER__CACHE_DIR", value = local.models_dir },
      { name = "HF_HUB_DISABLE_TELEMETRY", value = "1" },
    ]
    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      { sourceVolume = "data", containerPath = local.data_dir, readOnly = false },
      { sourceVolume = "models", containerPath = local.models_dir, readOnly = false },
    ]
    linuxParameters = { initProcessEnabled = true, capabilities = { drop = ["ALL"] } }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this["transcribe"].name
        awslogs-region        = var.region
        awslogs-stream-prefix = "seed-models"
      }
    }
  }])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  volume {
    name = "data"
  }

  volume {
    name = "models"

    efs_volume_configuration {
      file_system_id     = var.efs_file_system_id
      transit_encryption = "ENABLED"

      authorization_config {
        access_point_id = var.efs_access_points["models"].id
        iam             = "ENABLED"
      }
    }
  }

  tags = merge(var.tags, { Service = "seed-models" })
}
