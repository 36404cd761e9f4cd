################################################################################
# Service autoscaling.
#
# Workers scale on their own queue's backlog per task, computed by CloudWatch metric
# math from AWS-published metrics:
#     (ApproximateNumberOfMessagesVisible + ApproximateNumberOfMessagesNotVisible)
#       / ECS/ContainerInsights RunningTaskCount
# In-flight messages count as load so a busy task is never scaled in mid-video.
# The app's own Scribe/BacklogPerTask metric (dimension QueueName) shows the same on the
# dashboard, but the policy does not depend on it: at zero tasks nobody would publish it.
#
# Target tracking cannot leave zero (0 tasks x any ratio = 0), so a step policy adds
# the first task when messages wait and none is in flight.
# The api scales on CPU. Instances follow through capacity-provider managed scaling.
################################################################################

locals {
  backlog_targets = {
    extract    = var.cpu_worker_backlog_per_task_target
    transcribe = var.transcribe_backlog_per_task_target
    terms      = var.cpu_worker_backlog_per_task_target
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
      metrics {
        id          = "visible"
        label       = "Messages waiting in ${var.queues[each.value.queue].name}"
        return_data = false

        metric_stat {
          stat = "Sum"
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"
            dimensions {
              name  = "QueueName"
              value = var.queues[each.value.queue].name
            }
          }
        }
      }

      metrics {
        id          = "inflight"
        label       = "Messages in flight in ${var.queues[each.value.queue].name}"
        return_data = false

        metric_stat {
          stat = "Sum"
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesNotVisible"
            dimensions {
              name  = "QueueName"
              value = var.queues[each.value.queue].name
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
        label       = "Backlog per ${each.key} task"
        expression  = "(visible + inflight) / tasks"
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
  alarm_description   = "Messages wait in ${var.queues[each.value.queue].name} and no ${each.key} task holds any: add a task (scale from zero)."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = var.scale_from_zero_evaluation_minutes
  datapoints_to_alarm = var.scale_from_zero_evaluation_minutes
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_from_zero[each.key].arn]

  metric_query {
    id = "visible"
    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      period      = 60
      stat        = "Maximum"
      dimensions = {
        QueueName = var.queues[each.value.queue].name
      }
    }
  }

  metric_query {
    id = "inflight"
    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesNotVisible"
      period      = 60
      stat        = "Maximum"
      dimensions = {
        QueueName = var.queues[each.value.queue].name
      }
    }
  }

  metric_query {
    id          = "waiting_idle"
    label       = "Messages wait, none in flight"
    expression  = "IF(visible > 0 AND inflight == 0, 1, 0)"
    return_data = true
  }

  tags = merge(var.tags, { Service = each.key })
}
