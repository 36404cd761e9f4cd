data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# An explicit allow-list of zones, so the subnets never move when AWS adds a zone.
data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "zone-name"
    values = coalesce(var.availability_zones, [for suffix in ["a", "b", "c"] : "${var.region}${suffix}"])
  }
}

locals {
  name       = "${var.name}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  azs        = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  tags = merge(var.tags, {
    Project     = var.name
    Environment = var.environment
    ManagedBy   = "terraform"
    Stack       = "ai-transcription"
  })

  # The four services and their queues, named as scribe.queues names them (LANE_QUEUES,
  # EVENTS_QUEUE): each worker stage has three priority lanes, most urgent first,
  # <stage>-high, <stage> (normal) and <stage>-low; the api consumes the events queue.
  # The keys of local.queues are those logical names, so the queues, their DLQs, alarms
  # and outputs are addressed aws_sqs_queue.stage["transcribe-high"] and so on.
  services         = ["api", "extract", "transcribe", "terms"]
  worker_stages    = ["extract", "transcribe", "terms"]
  queue_priorities = ["high", "normal", "low"]
  lane_queues = {
    for pair in setproduct(local.worker_stages, local.queue_priorities) :
    (pair[1] == "normal" ? pair[0] : "${pair[0]}-${pair[1]}") => { stage = pair[0], priority = pair[1] }
  }
  queues = merge(local.lane_queues, {
    events = { stage = "events", priority = "normal" }
  })
  # The lanes of each stage, most urgent first (the order a worker polls them).
  stage_lanes = {
    for stage in local.worker_stages : stage => [
      for priority in local.queue_priorities : priority == "normal" ? stage : "${stage}-${priority}"
    ]
  }
  queue_prefix = coalesce(var.queue_prefix, local.name)

  # Images live in the main account's ECR and are pulled cross-account.
  ecr_account_id = coalesce(var.ecr_account_id, var.main_account_id)
  image_registry = "${local.ecr_account_id}.dkr.ecr.${var.region}.amazonaws.com"
  images = {
    for service in local.services :
    service => "${local.image_registry}/${var.image_repository_prefix}/${service}:${var.image_tag}"
  }
  ecr_repository_arns = [
    for service in local.services :
    "arn:${local.partition}:ecr:${var.region}:${local.ecr_account_id}:repository/${var.image_repository_prefix}/${service}"
  ]

  database_url_secret_arn = var.database_url_secret_arn != null ? var.database_url_secret_arn : aws_secretsmanager_secret.database_url[0].arn
}
