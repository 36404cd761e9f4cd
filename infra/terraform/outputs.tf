output "alb_dns_name" {
  description = "DNS name of the api's load balancer; point the service's DNS record (CNAME/alias) at it."
  value       = aws_lb.api.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer, for a Route 53 alias record."
  value       = aws_lb.api.zone_id
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_names" {
  description = "ECS service names, keyed by service."
  value       = module.ai_transcription.service_names
}

output "task_definition_families" {
  description = "Task definition families, keyed by service."
  value       = module.ai_transcription.task_definition_families
}

output "private_subnet_ids" {
  description = "Private subnets (for `aws ecs run-task` one-offs)."
  value       = aws_subnet.private[*].id
}

output "api_security_group_id" {
  description = "Security group of the api tasks (for `aws ecs run-task` one-offs of the api image)."
  value       = aws_security_group.api.id
}

output "queue_prefix" {
  description = "SCRIBE_QUEUE__PREFIX of this environment."
  value       = local.queue_prefix
}

output "queue_urls" {
  description = "Queue URLs keyed by logical name (scribe.queues.ALL_QUEUES): the lanes extract-high, extract, extract-low, transcribe-high, ..., terms-low, and events."
  value       = { for key, q in aws_sqs_queue.stage : key => q.url }
}

output "dead_letter_queue_urls" {
  description = "Dead-letter queue URLs, keyed like queue_urls (one per lane and one for events)."
  value       = { for key, q in aws_sqs_queue.dlq : key => q.url }
}

output "bucket_names" {
  description = "Data bucket names (media, artifacts, archive) and the logs bucket."
  value       = merge({ for key, b in aws_s3_bucket.data : key => b.bucket }, { logs = aws_s3_bucket.logs.bucket })
}

output "efs_file_system_id" {
  description = "EFS file system of the model cache and job files."
  value       = aws_efs_file_system.this.id
}

output "efs_access_point_ids" {
  description = "EFS access points (models, jobs)."
  value       = { for key, ap in aws_efs_access_point.this : key => ap.id }
}

output "db_endpoint" {
  description = "Endpoint (host:port) of the PostgreSQL instance."
  value       = aws_db_instance.this.endpoint
}

output "db_master_user_secret_arn" {
  description = "Secret (managed and rotated by RDS) with the master user's credentials; used only at bootstrap."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "database_url_secret_arn" {
  description = "Secret whose value the api receives as SCRIBE_DATABASE__URL."
  value       = local.database_url_secret_arn
}

output "kms_key_arn" {
  description = "KMS key of the stack's data at rest."
  value       = aws_kms_key.this.arn
}

output "alerts_topic_arn" {
  description = "SNS topic of the alarms."
  value       = aws_sns_topic.alerts.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the stack."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "gpu_autoscaling_group_names" {
  description = "GPU Auto Scaling groups, keyed gpu and gpu-warm."
  value       = { for key, asg in local.gpu_autoscaling_groups : key => asg.name }
}

output "vpc_peering_connection_id" {
  description = "Peering connection to the main account's VPC, to accept there; null without peering."
  value       = one(aws_vpc_peering_connection.main[*].id)
}

output "main_account_grants" {
  description = "Resource policies for the main account to apply: ECR repository policy, shared-bucket policy statements, database-URL secret policy."
  value = {
    ecr_repository_policy = data.aws_iam_policy_document.main_ecr_pull.json
    bucket_policy         = one(data.aws_iam_policy_document.main_bucket_access[*].json)
    secret_policy         = one(data.aws_iam_policy_document.main_secret_read[*].json)
    task_role_arns        = module.ai_transcription.task_role_arns
    execution_role_arns   = module.ai_transcription.execution_role_arns
  }
}

output "admin_api_key_secret_arn" {
  description = "Secret holding the first admin API key, written by the api at its first start: `aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text`."
  value       = aws_secretsmanager_secret.admin_api_key.arn
}
