output "service_names" {
  description = "ECS service names, keyed by service."
  value       = { for key, svc in aws_ecs_service.this : key => svc.name }
}

output "service_arns" {
  description = "ECS service ARNs (IDs), keyed by service."
  value       = { for key, svc in aws_ecs_service.this : key => svc.id }
}

output "task_definition_arns" {
  description = "Task definition ARNs (with revision), keyed by service."
  value       = { for key, td in aws_ecs_task_definition.this : key => td.arn }
}

output "task_definition_families" {
  description = "Task definition families, keyed by service (for `aws ecs run-task` one-offs such as `scribe dlq redrive`)."
  value       = { for key, td in aws_ecs_task_definition.this : key => td.family }
}

output "task_role_arns" {
  description = "Task (application) role ARNs, keyed by service; grant these in main-account bucket and key policies."
  value       = { for key, role in aws_iam_role.task : key => role.arn }
}

output "execution_role_arns" {
  description = "Execution role ARNs, keyed by service; grant these in the main-account ECR repository policies."
  value       = { for key, role in aws_iam_role.execution : key => role.arn }
}

output "log_group_names" {
  description = "CloudWatch log groups of the services, keyed by service."
  value       = { for key, lg in aws_cloudwatch_log_group.this : key => lg.name }
}

output "service_discovery_names" {
  description = "Cloud Map service names (resolve as <name>.<namespace>), keyed by service."
  value       = { for key, sd in aws_service_discovery_service.this : key => sd.name }
}

output "autoscaling_resource_ids" {
  description = "Application Auto Scaling resource IDs of the services, keyed by service."
  value       = { for key, t in aws_appautoscaling_target.this : key => t.resource_id }
}

output "seed_models_task_definition_arn" {
  description = "One-off task that seeds the EFS model cache with the pinned model (run once per model change)."
  value       = aws_ecs_task_definition.seed_models.arn
}
