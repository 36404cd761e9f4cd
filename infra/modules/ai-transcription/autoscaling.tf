################################################################################
# Service autoscaling.
#
# Workers scale on the backlog per task of ALL the priority lanes of their stage
# (<stage>-high, <stage>, <stage>-low), computed by CloudWatch metric math from
# AWS-published metrics:
#     sum over the three lanes of (ApproximateNumberOfMessagesVisible
#                                  + ApproximateNumberOfMessagesNotVisible)
#       / ECS/ContainerInsights RunningTaskCount
# One worker serves all three lanes (high first), so the lanes add up to its load; a
# backlog in the low lane alone scales out just as much as one in the normal lane.
# In-flight messages count as load so a busy task is never scaled in mid-video. Each lane
# term is FILL(..., 0): a lane nobody has touched for hours publishes no datapoints, and a
# missing term must not blank out the sum.
#
# The transcription service counts its backlog in batches (transcribe_files_per_batch
# messages) per task: one task holds a batch plus prefetched files.
#
# Target tracking cannot leave zero (0 tasks x any ratio = 0), so a step policy adds
# the first task when none is in flight in any lane and enough waits: for the transcription
# service a batch's worth, or the oldest message older than the accumulation limit (the
# accumulation rule); for the CPU workers any message.
# The api scales on CPU. Instances follow through capacity-provider managed scaling.
################################################################################

locals {
  backlog_targets = {
    extract    = var.cpu_worker_backlog_per_task_target
    transcribe = var.transcribe_backlog_per_task_target
    terms      = var.cpu_worker_backlog_per_task_target
  }
  # What one task's share of the backlog is counted in: messages for the CPU workers, batches
  # of transcribe_files_per_batch messages for the transcription service (a task holds a
  # batch plus prefetched files, so messages per task would pin it at its maximum).
  backlog_divisors = {
    extract    = 1
    transcribe = var.transcribe_files_per_batch
    terms      = 1
  }
  # The accumulation rule of the scale-from-zero step: a batch's worth waiting, or the oldest
  # message older than the limit (0: any message). The CPU workers start for any message.
  accumulation = {
    extract    = { messages = 1, max_wait_seconds = 0 }
    transcribe = var.transcribe_accumulation
    terms      = { messages = 1, max_wait_seconds = 0 }
  }
  lanes_age_max = {
    for key, ids in local.lane_metric_ids :
    key => "MAX([${join(", ", [for queue in local.workers[key].queues : "FILL(age_${ids[queue]}, 0)"])}])"
  }
  start_condition = {
    for key, rule in local.accumulation :
    key => rule.max_wait_seconds > 0 ? "(visible >= ${rule.messages} OR (visible > 0 AND oldest >= ${rule.max_wait_seconds}))" : "visible > 0"
  }

  # Metric-math IDs of each worker's lanes (transcribe-high -> transcribe_high) and the
  # sums over its lanes: visible, in flight, and both.
  lane_metric_ids = {
    for key, svc in local.workers : key => {
      for queue in svc.queues : queue => replace(queue, "-", "_")
    }
  }
  lanes_visible_sum = {
    for key, ids in local.lane_metric_ids :
    key => join(" + ", [for queue in local.workers[key].queues : "FILL(visible_${ids[queue]}, 0)"])
  }
  lanes_inflight_sum = {
    for key, ids in local.lane_metric_ids :
    key => join(" + ", [for queue in local.workers[key].queues : "FILL(inflight_${ids[queue]}, 0)"])
  }
  lane_names = {
    for key, svc in local.workers : key => join(", ", [for queue in svc.queues : var.queues[queue].name])
  }
}

resource "aws_appautoscaling_target" "this" {
  for_each           = local.services
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this[each.key].name}"
  min_capacity       = var.services[each.key].min_capacity
  max_capacity       = var.services[each.key].max_capacity
  tags               = merge(var.tags, { Service = each.key })
}

resource "aws_appautoscaling_policy" "api_cpu" {
  name               = "${var.name}-api-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this["api"].service_namespace
  scalable_dimension = aws_appautoscaling_target.this["api"].scalable_dimension
  resource_id        = aws_appautoscaling_target.this["api"].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.api_cpu_target_percent
    scale_in_cooldown  = var.scale_in_cooldown_seconds
    scale_out_cooldown = var.scale_out_cooldown_seconds

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "backlog_per_task" {
  for_each           = local.workers
  name               = "${var.name}-${each.key}-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = local.backlog_targets[each.key]
    scale_in_cooldown  = var.scale_in_cooldown_seconds
    scale_out_cooldown = var.scale_out_cooldown_seconds

    customized_metric_specification {
      dynamic "metrics" {
        for_each = each.value.queues
        content {
          id          = "visible_${local.lane_metric_ids[each.key][metrics.value]}"
          label       = "Messages waiting in ${var.queues[metrics.value].name}"
          return_data = false

          metric_stat {
            stat = "Sum"
            metric {
              namespace   = "AWS/SQS"
              metric_name = "ApproximateNumberOfMessagesVisible"
              dimensions {
                name  = "QueueName"
                value = var.queues[metrics.value].name
              }
            }
          }
        }
      }

      dynamic "metrics" {
        for_each = each.value.queues
        content {
          id          = "inflight_${local.lane_metric_ids[each.key][metrics.value]}"
          label       = "Messages in flight in ${var.queues[metrics.value].name}"
          return_data = false

          metric_stat {
            stat = "Sum"
            metric {
              namespace   = "AWS/SQS"
              metric_name = "ApproximateNumberOfMessagesNotVisible"
              dimensions {
                name  = "QueueName"
                value = var.queues[metrics.value].name
              }
            }
          }
        }
      }

      metrics {
        id          = "tasks"
        label       = "Running ${each.key} tasks"
        return_data = false

        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = var.cluster_name
            }
            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.this[each.key].name
            }
          }
        }
      }

      metrics {
        id          = "backlog_per_task"
        label       = each.key == "transcribe" ? "Batches of backlog per transcribe task, all lanes" : "Backlog per ${each.key} task, all lanes"
        expression  = "(${local.lanes_visible_sum[each.key]} + ${local.lanes_inflight_sum[each.key]}) / (tasks * ${local.backlog_divisors[each.key]})"
        return_data = true
      }
    }
  }
}

resource "aws_appautoscaling_policy" "scale_from_zero" {
  for_each           = local.workers
  name               = "${var.name}-${each.key}-scale-from-zero"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.worker_warmup_seconds[each.key]
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = 1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "scale_from_zero" {
  for_each            = local.workers
  alarm_name          = "${var.name}-${each.key}-waiting-with-nothing-in-flight"
  alarm_description   = "Messages wait in the ${each.key} lanes (${local.lane_names[each.key]}) and no ${each.key} task holds any: add a task (scale from zero)."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = var.scale_from_zero_evaluation_minutes
  datapoints_to_alarm = var.scale_from_zero_evaluation_minutes
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_from_zero[each.key].arn]

  dynamic "metric_query" {
    for_each = each.value.queues
    content {
      id = "visible_${local.lane_metric_ids[each.key][metric_query.value]}"
      metric {
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        period      = 60
        stat        = "Maximum"
        dimensions = {
          QueueName = var.queues[metric_query.value].name
        }
      }
    }
  }

  dynamic "metric_query" {
    for_each = each.value.queues
    content {
      id = "inflight_${local.lane_metric_ids[each.key][metric_query.value]}"
      metric {
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesNotVisible"
        period      = 60
        stat        = "Maximum"
        dimensions = {
          QueueName = var.queues[metric_query.value].name
        }
      }
    }
  }

  dynamic "metric_query" {
    for_each = each.value.queues
    content {
      id = "age_${local.lane_metric_ids[each.key][metric_query.value]}"
      metric {
        namespace   = "AWS/SQS"
        metric_name = "ApproximateAgeOfOldestMessage"
        period      = 60
        stat        = "Maximum"
        dimensions = {
          QueueName = var.queues[metric_query.value].name
        }
      }
    }
  }

  metric_query {
    id          = "oldest"
    label       = "Age of the oldest message, all ${each.key} lanes"
    expression  = local.lanes_age_max[each.key]
    return_data = false
  }

  metric_query {
    id          = "visible"
    label       = "Messages waiting, all ${each.key} lanes"
    expression  = local.lanes_visible_sum[each.key]
    return_data = false
  }

  metric_query {
    id          = "inflight"
    label       = "Messages in flight, all ${each.key} lanes"
    expression  = local.lanes_inflight_sum[each.key]
    return_data = false
  }

  metric_query {
    id          = "waiting_idle"
    label       = "Enough waits (accumulation rule), none in flight"
    expression  = "IF(${local.start_condition[each.key]} AND inflight == 0, 1, 0)"
    return_data = true
  }

  tags = merge(var.tags, { Service = each.key })
}
