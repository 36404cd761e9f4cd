################################################################################
# IAM: one execution role and one task role per service, each with only what that
# service does. Execution roles pull images (cross-account ECR), write their own log
# group and - the api's only - read the database URL secret. Task roles:
#   api        sends to every lane queue (<stage>-high, <stage>, <stage>-low), consumes
#              events, reads, deletes and redrives every DLQ (the dead-letter watcher,
#              `scribe dlq list|redrive`), reads media, writes artifacts and the archive
#   extract    consumes the three extract lanes, sends events, reads media, writes artifacts
#   transcribe consumes the three transcribe lanes, sends events, writes artifacts, writes
#              the model cache
#   terms      consumes the three terms lanes, sends events, writes artifacts
# Workers may look up (GetQueueUrl, GetQueueAttributes) the DLQs of their lanes and of
# events, never read them.
################################################################################

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:*"]
    }
  }
}

locals {
  kms_key_arns = concat([var.kms_key_arn], var.shared_kms_key_arns)
}

# --- execution roles -------------------------------------------------------------

resource "aws_iam_role" "execution" {
  for_each           = local.services
  name               = "${var.name}-${each.key}-execution"
  description        = "ECS agent for the ${each.key} tasks: image pull, logs${each.key == "api" ? ", database URL secret" : ""}"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = merge(var.tags, { Service = each.key })
}

data "aws_iam_policy_document" "execution" {
  for_each = local.services

  statement {
    sid       = "EcrAuthorizationTokenHasNoResource"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PullImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = var.ecr_repository_arns
  }

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this[each.key].arn}:*"]
  }

  dynamic "statement" {
    for_each = each.key == "api" ? [[var.database_url_secret_arn, var.session_secret_arn, var.webhook_secret_arn]] : []
    content {
      sid       = "ReadApiSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = each.key == "api" ? [local.kms_key_arns] : []
    content {
      sid       = "DecryptSecretsThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = statement.value
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  for_each = local.services
  name     = "execution"
  role     = aws_iam_role.execution[each.key].id
  policy   = data.aws_iam_policy_document.execution[each.key].json
}

# --- task roles ------------------------------------------------------------------

resource "aws_iam_role" "task" {
  for_each           = local.services
  name               = "${var.name}-${each.key}-task"
  description        = "The ${each.key} application: its queues, buckets, EFS access points and metrics"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = merge(var.tags, { Service = each.key })
}

locals {
  # Every lane queue (all but events) and every dead-letter queue, for the api.
  lane_queue_arns = [for key, q in var.queues : q.arn if key != "events"]
  dlq_arns        = [for key, q in var.dead_letter_queues : q.arn]
  # Per worker: the lanes it consumes, and the DLQs its SQS broker resolves next to them
  # (its lanes' and the events queue's).
  worker_lane_arns = {
    for key, svc in local.workers : key => [for queue in svc.queues : var.queues[queue].arn]
  }
  worker_dlq_arns = {
    for key, svc in local.workers :
    key => [for queue in concat(svc.queues, ["events"]) : var.dead_letter_queues[queue].arn]
  }
  artifacts_rw  = [var.artifacts_bucket_arn, "${var.artifacts_bucket_arn}/*"]
  media_read    = [var.media_bucket_arn, "${var.media_bucket_arn}/*"]
  archive_write = [var.archive_bucket_arn, "${var.archive_bucket_arn}/*"]
  shared_rw     = flatten([for arn in var.shared_bucket_arns : [arn, "${arn}/*"]])
  # Which EFS access points each service mounts, and which buckets it reads.
  reads_media = {
    api        = true
    extract    = true
    transcribe = false
    terms      = false
  }
}

data "aws_iam_policy_document" "task" {
  for_each = local.services

  # Workers: consume the three priority lanes of their own stage and report on the
  # events queue.
  dynamic "statement" {
    for_each = each.value.worker ? [local.worker_lane_arns[each.key]] : []
    content {
      sid = "ConsumeOwnStageLanes"
      actions = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
      ]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = each.value.worker ? [var.queues["events"].arn] : []
    content {
      sid       = "SendEvents"
      actions   = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
      resources = [statement.value]
    }
  }

  # The scribe SQS broker resolves each queue together with its dead-letter queue and
  # reports both depths (its metrics), so a worker may look up - not read - the DLQs of
  # its three lanes and of the events queue.
  dynamic "statement" {
    for_each = each.value.worker ? [local.worker_dlq_arns[each.key]] : []
    content {
      sid       = "LocateOwnDeadLetterQueues"
      actions   = ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
      resources = statement.value
    }
  }

  # The api: enqueue stages in any lane, consume events, inspect and redrive the dead
  # letters of every queue (a redrive sends each dead letter back to its own lane).
  dynamic "statement" {
    for_each = each.key == "api" ? [local.lane_queue_arns] : []
    content {
      sid       = "EnqueueStageLanes"
      actions   = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = each.key == "api" ? [var.queues["events"].arn] : []
    content {
      sid = "ConsumeEvents"
      actions = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:SendMessage",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
      ]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = each.key == "api" ? [local.dlq_arns] : []
    content {
      sid = "InspectAndRedriveDeadLetters"
      actions = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
        "sqs:StartMessageMoveTask",
        "sqs:ListMessageMoveTasks",
        "sqs:CancelMessageMoveTask",
      ]
      resources = statement.value
    }
  }

  statement {
    sid = "ReadWriteArtifacts"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
      "s3:ListBucket",
      "s3:GetBucketLocation",
    ]
    resources = local.artifacts_rw
  }

  dynamic "statement" {
    for_each = local.reads_media[each.key] ? [local.media_read] : []
    content {
      sid       = "ReadMedia"
      actions   = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = each.key == "api" ? [local.archive_write] : []
    content {
      sid       = "WriteArchive"
      actions   = ["s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:AbortMultipartUpload"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(local.shared_rw) > 0 ? [local.shared_rw] : []
    content {
      sid       = "SharedMainAccountBuckets"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation"]
      resources = statement.value
    }
  }

  # The api creates the first admin key itself and stores it straight into this secret
  # (scribe.api.bootstrap): nothing prints it, an operator reads it from Secrets Manager.
  dynamic "statement" {
    for_each = each.key == "api" ? [var.admin_key_secret_arn] : []
    content {
      sid       = "BootstrapAdminKeySecret"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"]
      resources = [statement.value]
    }
  }

  # RDS IAM authentication: the api's tokens for its one database user.
  dynamic "statement" {
    for_each = each.key == "api" && var.database_iam_auth ? [var.database_iam_user_arn] : []
    content {
      sid       = "ConnectToTheDatabaseWithIamTokens"
      actions   = ["rds-db:connect"]
      resources = [statement.value]
    }
  }

  # The transcribe worker protects its own task from scale-in while it holds messages
  # (scribe.workers.protection, through the ECS agent's task-protection endpoint).
  dynamic "statement" {
    for_each = each.key == "transcribe" ? ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:task/${var.cluster_name}/*"] : []
    content {
      sid       = "OwnTaskScaleInProtection"
      actions   = ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "UseDataKeys"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = local.kms_key_arns
  }

  statement {
    sid       = "MountEfsAccessPoints"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [var.efs_file_system_arn]
    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [for ap in each.value.efs_volumes : var.efs_access_points[ap].arn]
    }
  }

  statement {
    sid       = "PublishOwnMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace]
    }
  }

  dynamic "statement" {
    for_each = var.enable_execute_command ? ["ecs-exec"] : []
    content {
      sid = "EcsExecChannels"
      actions = [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_execute_command ? ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/ecs/${var.name}/exec"] : []
    content {
      sid       = "EcsExecSessionLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      resources = [statement.value, "${statement.value}:*"]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = local.services
  name     = "application"
  role     = aws_iam_role.task[each.key].id
  policy   = data.aws_iam_policy_document.task[each.key].json
}
