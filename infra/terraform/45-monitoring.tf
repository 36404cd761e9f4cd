################################################################################
# Alerts: an encrypted SNS topic and the alarms that page on it.
#   - a dead-letter queue holds a message (one alarm per DLQ: every lane and events)
#   - the oldest message of a queue is too old (one alarm per lane and events: a stage
#     stalls, or the high and normal lanes starve the low one)
#   - GPUs idle while transcriptions wait in any transcribe lane (a stuck or misplaced
#     transcription worker)
#   - the api answers 5xx to too many requests
#   - too many jobs fail (Scribe/JobsFailed vs Scribe/JobsCompleted, published by the app)
################################################################################

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = local.tags
}

resource "aws_sns_topic_subscription" "alerts_email" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  alarm_actions = [aws_sns_topic.alerts.arn]
}

# The api's dead-letter watcher fails the job of a dead-lettered lane message and deletes
# it within seconds, so a lane DLQ is rarely seen non-empty by the once-a-minute
# ApproximateNumberOfMessagesVisible. The alarm therefore also counts the dead letters
# received from the DLQ (NumberOfMessagesReceived: the watcher, `scribe dlq list|redrive`);
# the events DLQ is not swept and simply stays non-empty until redriven.
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  for_each            = aws_sqs_queue.dlq
  alarm_name          = "${each.value.name}-not-empty"
  alarm_description   = "Messages were dead-lettered from ${aws_sqs_queue.stage[each.key].name}. Find the cause, then `scribe dlq redrive ${each.key}` (or retry the failed jobs). Runbook: docs/operations/runbooks/dlq-redrive.md"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id = "waiting"
    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      period      = 300
      stat        = "Maximum"
      dimensions  = { QueueName = each.value.name }
    }
  }

  metric_query {
    id = "received"
    metric {
      namespace   = "AWS/SQS"
      metric_name = "NumberOfMessagesReceived"
      period      = 300
      stat        = "Sum"
      dimensions  = { QueueName = each.value.name }
    }
  }

  metric_query {
    id          = "dead_letters"
    label       = "Dead letters waiting in or taken from ${each.value.name}"
    expression  = "FILL(waiting, 0) + FILL(received, 0)"
    return_data = true
  }

  tags = merge(local.tags, { Stage = local.queues[each.key].stage, Priority = local.queues[each.key].priority })
}

locals {
  # The oldest-message-age threshold of each queue: its own key if given (the normal lanes
  # and events are keyed by their stage), else the stage's threshold times the lane's
  # priority factor (high 0.5, low 4 by default).
  oldest_message_age_thresholds = {
    for key, queue in local.queues : key => lookup(
      var.oldest_message_age_threshold_seconds,
      key,
      var.oldest_message_age_threshold_seconds[queue.stage] * lookup(var.oldest_message_age_priority_factors, queue.priority, 1),
    )
  }
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  for_each            = aws_sqs_queue.stage
  alarm_name          = "${each.value.name}-oldest-message-age"
  alarm_description   = "The oldest message in ${each.value.name} (${local.queues[each.key].priority} lane of ${local.queues[each.key].stage}) waits longer than ${local.oldest_message_age_thresholds[each.key]} s. Runbook: docs/operations/runbooks/scaling.md"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = local.oldest_message_age_thresholds[each.key]
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = merge(local.tags, { Stage = local.queues[each.key].stage, Priority = local.queues[each.key].priority })
}

resource "aws_cloudwatch_metric_alarm" "gpu_idle_with_backlog" {
  alarm_name          = "${local.name}-gpu-idle-with-backlog"
  alarm_description   = "GPU utilisation stays low while transcriptions wait (all transcribe lanes). Runbook: docs/operations/runbooks/gpu-troubleshooting.md"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  dynamic "metric_query" {
    for_each = local.stage_lanes["transcribe"]
    content {
      id = "visible_${replace(metric_query.value, "-", "_")}"
      metric {
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        period      = 300
        stat        = "Maximum"
        dimensions  = { QueueName = aws_sqs_queue.stage[metric_query.value].name }
      }
    }
  }

  metric_query {
    id          = "backlog"
    label       = "Transcriptions waiting, all lanes"
    expression  = join(" + ", [for queue in local.stage_lanes["transcribe"] : "FILL(visible_${replace(queue, "-", "_")}, 0)"])
    return_data = false
  }

  dynamic "metric_query" {
    for_each = local.gpu_autoscaling_groups
    content {
      id = replace("gpu_${metric_query.key}", "-", "_")
      metric {
        namespace   = "CWAgent"
        metric_name = "nvidia_smi_utilization_gpu"
        period      = 300
        stat        = "Average"
        dimensions  = { AutoScalingGroupName = metric_query.value.name }
      }
    }
  }

  metric_query {
    id          = "idle_with_backlog"
    label       = "GPUs below ${var.gpu_low_utilisation_percent}% with more than ${var.gpu_backlog_alarm_messages} waiting"
    expression  = "IF(MIN([${join(", ", [for key in keys(local.gpu_autoscaling_groups) : "FILL(${replace("gpu_${key}", "-", "_")}, 100)"])}]) < ${var.gpu_low_utilisation_percent} AND backlog > ${var.gpu_backlog_alarm_messages}, 1, 0)"
    return_data = true
  }

  tags = local.tags
}

# The plan's GPU target: while the transcription service has work in flight, its GPUs should
# be at least gpu_utilisation_target_percent busy. Below it for 30 minutes means thin batches
# (too many tasks for the backlog), a CPU-bound step, or a stuck decoder.
resource "aws_cloudwatch_metric_alarm" "gpu_low_utilisation_while_transcribing" {
  alarm_name          = "${local.name}-gpu-low-utilisation-while-transcribing"
  alarm_description   = "GPU utilisation below ${var.gpu_utilisation_target_percent}% for 30 min while transcriptions are in flight. Runbook: docs/operations/scaling.md (GPU utilisation), gpu-troubleshooting.md"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 6
  datapoints_to_alarm = 6
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  dynamic "metric_query" {
    for_each = local.stage_lanes["transcribe"]
    content {
      id = "inflight_${replace(metric_query.value, "-", "_")}"
      metric {
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesNotVisible"
        period      = 300
        stat        = "Minimum"
        dimensions  = { QueueName = aws_sqs_queue.stage[metric_query.value].name }
      }
    }
  }

  metric_query {
    id          = "inflight"
    label       = "Transcriptions in flight, all lanes"
    expression  = join(" + ", [for queue in local.stage_lanes["transcribe"] : "FILL(inflight_${replace(queue, "-", "_")}, 0)"])
    return_data = false
  }

  dynamic "metric_query" {
    for_each = local.gpu_autoscaling_groups
    content {
      id = replace("util_${metric_query.key}", "-", "_")
      metric {
        namespace   = "CWAgent"
        metric_name = "nvidia_smi_utilization_gpu"
        period      = 300
        stat        = "Average"
        dimensions  = { AutoScalingGroupName = metric_query.value.name }
      }
    }
  }

  metric_query {
    id          = "low_while_transcribing"
    label       = "GPU utilisation below ${var.gpu_utilisation_target_percent}% with work in flight"
    expression  = "IF(inflight > 0 AND AVG([${join(", ", [for key in keys(local.gpu_autoscaling_groups) : "FILL(${replace("util_${key}", "-", "_")}, 100)"])}]) < ${var.gpu_utilisation_target_percent}, 1, 0)"
    return_data = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  alarm_name          = "${local.name}-api-5xx-rate"
  alarm_description   = "More than ${var.api_5xx_rate_threshold_percent}% of api requests answer 5xx. Runbook: docs/operations/rollback.md"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_5xx_rate_threshold_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      period      = 300
      stat        = "Sum"
      dimensions  = { LoadBalancer = aws_lb.api.arn_suffix, TargetGroup = aws_lb_target_group.api.arn_suffix }
    }
  }

  metric_query {
    id = "elb_errors"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      period      = 300
      stat        = "Sum"
      dimensions  = { LoadBalancer = aws_lb.api.arn_suffix }
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      period      = 300
      stat        = "Sum"
      dimensions  = { LoadBalancer = aws_lb.api.arn_suffix }
    }
  }

  metric_query {
    id          = "error_rate"
    label       = "api 5xx (%)"
    expression  = "100 * (FILL(errors, 0) + FILL(elb_errors, 0)) / requests"
    return_data = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "job_failure_rate" {
  alarm_name          = "${local.name}-job-failure-rate"
  alarm_description   = "More than ${var.job_failure_rate_threshold_percent}% of finished jobs failed in the last hour. Runbooks: docs/operations/runbooks/dlq-redrive.md, gpu-troubleshooting.md"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.job_failure_rate_threshold_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id = "failed"
    metric {
      namespace   = "Scribe"
      metric_name = "JobsFailed"
      period      = 3600
      stat        = "Sum"
    }
  }

  metric_query {
    id = "completed"
    metric {
      namespace   = "Scribe"
      metric_name = "JobsCompleted"
      period      = 3600
      stat        = "Sum"
    }
  }

  metric_query {
    id          = "failure_rate"
    label       = "Failed jobs (%)"
    expression  = "100 * FILL(failed, 0) / (FILL(failed, 0) + FILL(completed, 0))"
    return_data = true
  }

  tags = local.tags
}

################################################################################
# Dashboard
################################################################################

locals {
  # Messages waiting (visible) and in flight in each stage's lanes, and in events.
  dashboard_stage_queue_metrics = {
    for stage in concat(local.worker_stages, ["events"]) : stage => concat(
      [
        for queue in lookup(local.stage_lanes, stage, [stage]) :
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.stage[queue].name, { label = "${queue} waiting" }]
      ],
      [
        for queue in lookup(local.stage_lanes, stage, [stage]) :
        ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", aws_sqs_queue.stage[queue].name, { label = "${queue} in flight" }]
      ],
    )
  }
  dashboard_dlq_metrics = [
    for key, queue in aws_sqs_queue.dlq :
    ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue.name, { label = "${key}-dlq" }]
  ]
  dashboard_age_metrics = [
    for key, queue in aws_sqs_queue.stage :
    ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue.name, { label = key }]
  ]
  # The autoscaling policies' own metric: the backlog of all a stage's lanes (visible + in
  # flight) divided by its running tasks, computed the same way on the dashboard.
  dashboard_backlog_metrics = concat(
    [
      for key, lane in local.lane_queues :
      ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.stage[key].name, { id = "v_${replace(key, "-", "_")}", stat = "Sum", visible = false }]
    ],
    [
      for key, lane in local.lane_queues :
      ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", aws_sqs_queue.stage[key].name, { id = "f_${replace(key, "-", "_")}", stat = "Sum", visible = false }]
    ],
    [
      for stage in local.worker_stages :
      ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", aws_ecs_cluster.this.name, "ServiceName", module.ai_transcription.service_names[stage], { id = "t_${stage}", stat = "Average", visible = false }]
    ],
    [
      for stage in local.worker_stages : [{
        id         = "b_${stage}"
        label      = stage == "transcribe" ? "transcribe batches per task" : "${stage} backlog per task"
        expression = "(${join(" + ", [for queue in local.stage_lanes[stage] : "FILL(v_${replace(queue, "-", "_")}, 0) + FILL(f_${replace(queue, "-", "_")}, 0)"])}) / (t_${stage} * ${stage == "transcribe" ? var.transcribe_files_per_batch : 1})"
      }]
    ],
  )
  dashboard_task_metrics = [
    for service in local.services :
    ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", aws_ecs_cluster.this.name, "ServiceName", module.ai_transcription.service_names[service]]
  ]
  dashboard_gpu_metrics = [
    for key, asg in local.gpu_autoscaling_groups :
    ["CWAgent", "nvidia_smi_utilization_gpu", "AutoScalingGroupName", asg.name]
  ]
  dashboard_gpu_instances = [
    for key, asg in local.gpu_autoscaling_groups :
    ["AWS/AutoScaling", "GroupInServiceInstances", "AutoScalingGroupName", asg.name]
  ]

  dashboard_widgets = [
    { title = "extract lanes: messages waiting / in flight", metrics = local.dashboard_stage_queue_metrics["extract"], stat = "Maximum" },
    { title = "transcribe lanes: messages waiting / in flight", metrics = local.dashboard_stage_queue_metrics["transcribe"], stat = "Maximum" },
    { title = "terms lanes: messages waiting / in flight", metrics = local.dashboard_stage_queue_metrics["terms"], stat = "Maximum" },
    { title = "events: messages waiting / in flight", metrics = local.dashboard_stage_queue_metrics["events"], stat = "Maximum" },
    { title = "Dead-letter queues (every lane and events)", metrics = local.dashboard_dlq_metrics, stat = "Maximum" },
    { title = "Oldest message age (s) per queue", metrics = local.dashboard_age_metrics, stat = "Maximum" },
    { title = "Backlog per task, all lanes (what the autoscaling tracks)", metrics = local.dashboard_backlog_metrics, stat = "Average" },
    { title = "Running tasks", metrics = local.dashboard_task_metrics, stat = "Average" },
    { title = "GPU utilisation (%)", metrics = local.dashboard_gpu_metrics, stat = "Average" },
    { title = "GPU instances in service", metrics = local.dashboard_gpu_instances, stat = "Average" },
    {
      title = "Job duration, upload to done (s): p50 / p95"
      stat  = "p50"
      metrics = [
        ["Scribe", "JobDuration", { stat = "p50", label = "p50" }],
        ["Scribe", "JobDuration", { stat = "p95", label = "p95" }],
      ]
    },
    {
      title = "Transcription real-time factor: p50 / p95 (processing s per audio s)"
      stat  = "p50"
      metrics = [
        ["Scribe", "RealTimeFactor", "Stage", "transcribe", { stat = "p50", label = "p50" }],
        ["Scribe", "RealTimeFactor", "Stage", "transcribe", { stat = "p95", label = "p95" }],
      ]
    },
    {
      title = "Stage duration (s): p50 / p95 per stage"
      stat  = "p50"
      metrics = flatten([
        for stage in local.worker_stages : [
          ["Scribe", "StageDuration", "Stage", stage, { stat = "p50", label = "${stage} p50" }],
          ["Scribe", "StageDuration", "Stage", stage, { stat = "p95", label = "${stage} p95" }],
        ]
      ])
    },
    {
      title = "Jobs completed / failed"
      stat  = "Sum"
      metrics = [
        ["Scribe", "JobsCompleted"],
        ["Scribe", "JobsFailed"],
      ]
    },
    {
      title = "api requests and 5xx"
      stat  = "Sum"
      metrics = [
        ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", aws_lb.api.arn_suffix],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", aws_lb.api.arn_suffix],
        ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", aws_lb.api.arn_suffix],
      ]
    },
    {
      title = "api latency p95 (s)"
      stat  = "p95"
      metrics = [
        ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", aws_lb.api.arn_suffix],
      ]
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name
  dashboard_body = jsonencode({
    widgets = [
      for index, widget in local.dashboard_widgets : {
        type   = "metric"
        x      = (index % 2) * 12
        y      = floor(index / 2) * 6
        width  = 12
        height = 6
        properties = {
          title   = widget.title
          region  = var.region
          stat    = widget.stat
          period  = 60
          view    = "timeSeries"
          metrics = widget.metrics
        }
      }
    ]
  })
}
