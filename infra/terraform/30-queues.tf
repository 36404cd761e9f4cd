################################################################################
# SQS: one queue per stage plus the events queue, each with its dead-letter queue
# (<prefix>-<stage>-dlq). The names are what the scribe package derives from
# SCRIBE_QUEUE__PREFIX. The visibility timeout is short on purpose: a worker's
# heartbeat extends it every SCRIBE_WORKER__HEARTBEAT_INTERVAL seconds, so a crashed
# worker's message comes back within a minute, not after hours.
################################################################################

resource "aws_sqs_queue" "dlq" {
  for_each                          = toset(local.queue_stages)
  name                              = "${local.queue_prefix}-${each.key}-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = merge(local.tags, { Name = "${local.queue_prefix}-${each.key}-dlq", Stage = each.key, DeadLetter = "true" })
}

resource "aws_sqs_queue" "stage" {
  for_each                          = toset(local.queue_stages)
  name                              = "${local.queue_prefix}-${each.key}"
  visibility_timeout_seconds        = var.queue_visibility_timeout_seconds
  message_retention_seconds         = var.queue_message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = var.queue_max_receives
  })

  tags = merge(local.tags, { Name = "${local.queue_prefix}-${each.key}", Stage = each.key })

  lifecycle {
    precondition {
      condition     = var.worker_heartbeat_interval_seconds * 2 <= var.queue_visibility_timeout_seconds
      error_message = "The worker heartbeat must fire at least twice per visibility timeout."
    }
  }
}

# Only the matching source queue may dead-letter into a DLQ; redrive moves messages back.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each  = toset(local.queue_stages)
  queue_url = aws_sqs_queue.dlq[each.key].id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.stage[each.key].arn]
  })
}
