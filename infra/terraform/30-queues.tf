################################################################################
# SQS: three priority lanes per stage plus the events queue, each with its own
# dead-letter queue. The names are what the scribe package derives from
# SCRIBE_QUEUE__PREFIX (scribe.queues.ALL_QUEUES):
#     <prefix>-<stage>-high, <prefix>-<stage>, <prefix>-<stage>-low   stage: extract, transcribe, terms
#     <prefix>-events
#     <prefix>-<queue>-dlq                                             one per queue above
# A worker receives from the three lanes of its stage, high first; the api sends to
# every lane and redrives every DLQ back to its own queue (`scribe dlq redrive <queue>`).
# The visibility timeout is short on purpose: a worker's heartbeat extends it every
# SCRIBE_WORKER__HEARTBEAT_INTERVAL seconds, so a crashed worker's message comes back
# within a minute, not after hours.
#
# The resources keep the addresses `stage` and `dlq` of the one-queue-per-stage layout:
# the normal lanes keep their keys (extract, transcribe, terms, events) and so their
# existing queues and messages; the high and low lanes are added next to them.
################################################################################

resource "aws_sqs_queue" "dlq" {
  for_each                          = local.queues
  name                              = "${local.queue_prefix}-${each.key}-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300

  tags = merge(local.tags, {
    Name       = "${local.queue_prefix}-${each.key}-dlq"
    Stage      = each.value.stage
    Priority   = each.value.priority
    DeadLetter = "true"
  })
}

resource "aws_sqs_queue" "stage" {
  for_each                          = local.queues
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

  tags = merge(local.tags, {
    Name     = "${local.queue_prefix}-${each.key}"
    Stage    = each.value.stage
    Priority = each.value.priority
  })

  lifecycle {
    precondition {
      condition     = var.worker_heartbeat_interval_seconds * 2 <= var.queue_visibility_timeout_seconds
      error_message = "The worker heartbeat must fire at least twice per visibility timeout."
    }
  }
}

# Only the matching source queue may dead-letter into a DLQ; redrive moves messages back.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each  = local.queues
  queue_url = aws_sqs_queue.dlq[each.key].id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.stage[each.key].arn]
  })
}
