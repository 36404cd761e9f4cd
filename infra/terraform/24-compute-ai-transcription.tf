################################################################################
# The four Scribe services (api, extract, transcribe, terms): task definitions, ECS
# services, Cloud Map registrations, IAM roles, log groups and autoscaling.
################################################################################

module "ai_transcription" {
  source = "../modules/ai-transcription"

  name   = local.name
  region = var.region
  tags   = local.tags

  # Values taken from the resources that must exist first (capacity providers associated,
  # target group attached to a listener, mount targets up), which orders the creation
  # without a module-level depends_on.
  cluster_name                   = aws_ecs_cluster_capacity_providers.this.cluster_name
  private_subnet_ids             = aws_subnet.private[*].id
  api_security_group_ids         = [aws_security_group.api.id]
  worker_security_group_ids      = [aws_security_group.workers.id]
  api_target_group_arn           = aws_lb_listener.https.default_action[0].target_group_arn
  service_discovery_namespace_id = aws_service_discovery_private_dns_namespace.this.id
  gpu_capacity_provider_strategy = local.gpu_capacity_providers
  gpu_instance_type_pattern      = var.gpu_instance_type_pattern
  fargate_spot_workers           = var.fargate_spot_workers

  images              = local.images
  ecr_repository_arns = local.ecr_repository_arns

  queue_prefix                      = local.queue_prefix
  queues                            = { for key, q in aws_sqs_queue.stage : key => { arn = q.arn, name = q.name } }
  dead_letter_queues                = { for key, q in aws_sqs_queue.dlq : key => { arn = q.arn, name = q.name } }
  queue_max_receives                = var.queue_max_receives
  queue_visibility_timeout_seconds  = var.queue_visibility_timeout_seconds
  worker_heartbeat_interval_seconds = var.worker_heartbeat_interval_seconds

  storage_backend       = var.storage_backend
  artifacts_bucket_name = aws_s3_bucket.data["artifacts"].bucket
  artifacts_bucket_arn  = aws_s3_bucket.data["artifacts"].arn
  media_bucket_arn      = aws_s3_bucket.data["media"].arn
  archive_bucket_arn    = aws_s3_bucket.data["archive"].arn
  shared_bucket_arns    = var.shared_bucket_arns
  kms_key_arn           = aws_kms_key.this.arn
  shared_kms_key_arns   = var.shared_kms_key_arns
  efs_file_system_id    = aws_efs_mount_target.this[0].file_system_id
  efs_file_system_arn   = aws_efs_file_system.this.arn
  efs_access_points     = { for key, ap in aws_efs_access_point.this : key => { id = ap.id, arn = ap.arn } }

  database_url_secret_arn = local.database_url_secret_arn
  database_iam_auth       = var.db_iam_auth
  database_iam_user_arn   = "arn:${local.partition}:rds-db:${var.region}:${local.account_id}:dbuser:${aws_db_instance.this.resource_id}/${var.db_app_username}"
  session_secret_arn      = aws_secretsmanager_secret_version.api["session-secret"].arn
  webhook_secret_arn      = aws_secretsmanager_secret_version.api["webhook-secret"].arn
  admin_key_secret_arn    = aws_secretsmanager_secret.admin_api_key.arn
  media_bucket_name       = aws_s3_bucket.data["media"].bucket
  log_retention_days      = var.log_retention_days
  job_retention_days = {
    originals   = var.data_retention.job_originals_days
    audio       = var.data_retention.job_audio_days
    transcripts = var.data_retention.job_transcripts_days
  }

  services               = var.services
  whisper_model          = var.whisper_model
  whisper_allow_download = var.whisper_allow_download
  whisper_model_seed     = var.whisper_model_seed
  whisper_compute_type   = var.whisper_compute_type
  whisper_batch_size     = var.whisper_batch_size
  enable_execute_command = var.enable_execute_command

  transcribe_backlog_per_task_target = var.transcribe_backlog_per_task_target
  transcribe_files_per_batch         = var.transcribe_files_per_batch
  transcribe_accumulation = {
    messages         = coalesce(var.transcribe_accumulation_messages, var.transcribe_files_per_batch)
    max_wait_seconds = var.transcribe_accumulation_max_wait_seconds
  }
  cpu_worker_backlog_per_task_target = var.cpu_worker_backlog_per_task_target
  api_cpu_target_percent             = var.api_cpu_target_percent
  scale_out_cooldown_seconds         = var.scale_out_cooldown_seconds
  scale_in_cooldown_seconds          = var.scale_in_cooldown_seconds
  scale_from_zero_evaluation_minutes = var.scale_from_zero_evaluation_minutes
  worker_warmup_seconds = {
    extract    = 120
    transcribe = var.gpu_instance_warmup_seconds + 120
    terms      = 120
  }
}
