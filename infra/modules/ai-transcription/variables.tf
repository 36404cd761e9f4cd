################################################################################
# General
################################################################################

variable "name" {
  type        = string
  description = "Name prefix of every resource of the module (e.g. scribe-staging)."
}

variable "region" {
  type        = string
  description = "AWS region of the services (log driver, SQS and S3 settings)."
}

variable "tags" {
  type        = map(string)
  description = "Tags merged into the tags of every resource."
  default     = {}
}

################################################################################
# Cluster and network
################################################################################

variable "cluster_name" {
  type        = string
  description = "Name of the ECS cluster the services run in (also the Container Insights and autoscaling dimension)."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets of the tasks' network interfaces."
}

variable "api_security_group_ids" {
  type        = list(string)
  description = "Security groups of the api tasks."
}

variable "worker_security_group_ids" {
  type        = list(string)
  description = "Security groups of the worker tasks (only the api may reach their port 9100)."
}

variable "api_target_group_arn" {
  type        = string
  description = "Load balancer target group of the api (port 8000)."
}

variable "service_discovery_namespace_id" {
  type        = string
  description = "Cloud Map private DNS namespace the services register in."
}

variable "gpu_capacity_provider_strategy" {
  type = list(object({
    capacity_provider = string
    base              = number
    weight            = number
  }))
  description = "Capacity provider strategy of the transcription service; only the GPU capacity providers belong here."
}

variable "gpu_instance_type_pattern" {
  type        = string
  description = "Placement constraint of the transcription tasks on the instance type (ECS cluster query language)."
  default     = "g4dn.*"
}

variable "fargate_spot_workers" {
  type        = bool
  description = "Run the extract and terms workers beyond their first task on Fargate Spot."
  default     = true
}

################################################################################
# Images
################################################################################

variable "images" {
  type        = map(string)
  description = "Container image of each service: keys api, extract, transcribe, terms."
}

variable "ecr_repository_arns" {
  type        = list(string)
  description = "ECR repositories (possibly in the main account) the execution roles may pull from."
}

################################################################################
# Queues
################################################################################

variable "queue_prefix" {
  type        = string
  description = "Prefix of the queue names (SCRIBE_QUEUE__PREFIX); the app derives <prefix>-<queue> and <prefix>-<queue>-dlq for every queue of scribe.queues.ALL_QUEUES."
}

variable "queues" {
  type = map(object({
    arn  = string
    name = string
  }))
  description = "Every queue, keyed by its logical name (scribe.queues.ALL_QUEUES): the priority lanes <stage>-high, <stage> and <stage>-low of extract, transcribe and terms, and events."

  validation {
    condition     = length(setsubtract(["extract-high", "extract", "extract-low", "transcribe-high", "transcribe", "transcribe-low", "terms-high", "terms", "terms-low", "events"], keys(var.queues))) == 0
    error_message = "The queues must include extract-high, extract, extract-low, transcribe-high, transcribe, transcribe-low, terms-high, terms, terms-low and events."
  }
}

variable "dead_letter_queues" {
  type = map(object({
    arn  = string
    name = string
  }))
  description = "The dead-letter queue of every queue, keyed like `queues` (one DLQ per lane and one for events)."

  validation {
    condition     = length(setsubtract(["extract-high", "extract", "extract-low", "transcribe-high", "transcribe", "transcribe-low", "terms-high", "terms", "terms-low", "events"], keys(var.dead_letter_queues))) == 0
    error_message = "The dead-letter queues must include one per lane (extract-high, extract, extract-low, transcribe-high, transcribe, transcribe-low, terms-high, terms, terms-low) and one for events."
  }
}

variable "queue_max_receives" {
  type        = number
  description = "SCRIBE_QUEUE__MAX_RECEIVES: deliveries before a message is dead-lettered (matches the redrive policy)."
}

variable "queue_visibility_timeout_seconds" {
  type        = number
  description = "SCRIBE_QUEUE__VISIBILITY_TIMEOUT: seconds a received message stays hidden between heartbeats."
}

variable "worker_heartbeat_interval_seconds" {
  type        = number
  description = "SCRIBE_WORKER__HEARTBEAT_INTERVAL: seconds between a worker's visibility extensions."
}

variable "worker_stop_timeout_seconds" {
  type        = number
  description = "SCRIBE_WORKER__STOP_TIMEOUT: seconds a worker may finish its message after SIGTERM; below the containers' stopTimeout of 30."
  default     = 25
}

################################################################################
# Storage
################################################################################

variable "storage_backend" {
  type        = string
  description = "SCRIBE_STORAGE__BACKEND: `s3` or `local` (the EFS /jobs access point)."
  default     = "s3"
}

variable "artifacts_bucket_name" {
  type        = string
  description = "SCRIBE_STORAGE__BUCKET: the services' blob store bucket."
}

variable "artifacts_bucket_arn" {
  type        = string
  description = "ARN of the artifacts bucket."
}

variable "media_bucket_arn" {
  type        = string
  description = "ARN of the source-media bucket (read by the api and the extract worker)."
}

variable "archive_bucket_arn" {
  type        = string
  description = "ARN of the archive bucket (written by the api)."
}

variable "shared_bucket_arns" {
  type        = list(string)
  description = "Main-account buckets the services may read and write."
  default     = []
}

variable "kms_key_arn" {
  type        = string
  description = "The stack's KMS key: queues, buckets (SCRIBE_STORAGE__KMS_KEY_ID), EFS and log groups."
}

variable "shared_kms_key_arns" {
  type        = list(string)
  description = "Main-account KMS keys of shared buckets and secrets."
  default     = []
}

variable "efs_file_system_id" {
  type        = string
  description = "EFS file system of the model cache and job files."
}

variable "efs_file_system_arn" {
  type        = string
  description = "ARN of the EFS file system."
}

variable "efs_access_points" {
  type = map(object({
    id  = string
    arn = string
  }))
  description = "EFS access points keyed `models` and `jobs`."
}

################################################################################
# Secrets and logs
################################################################################

variable "database_url_secret_arn" {
  type        = string
  description = "Secret whose value is SCRIBE_DATABASE__URL; only the api's execution role may read it."
}

variable "database_iam_auth" {
  type        = bool
  description = "The api signs in to the database with RDS IAM tokens (SCRIBE_DATABASE__IAM_AUTH)."
  default     = false
}

variable "database_iam_user_arn" {
  type        = string
  description = "rds-db:connect resource of the api's database user (arn:aws:rds-db:<region>:<account>:dbuser:<resource id>/<user>); used with database_iam_auth."
  default     = null
}

variable "session_secret_arn" {
  type        = string
  description = "Secret whose value signs the web UI's session cookies (SCRIBE_API__SESSION_SECRET), one key shared by every api task."
}

variable "webhook_secret_arn" {
  type        = string
  description = "Secret whose value is the HMAC key of webhook signatures (SCRIBE_WEBHOOKS__SECRET)."
}

variable "admin_key_secret_arn" {
  type        = string
  description = "Secret the api fills, once, with the first admin API key it creates at start-up when none exists (SCRIBE_API__BOOTSTRAP_KEY_SECRET); only the api task role may read and write it."
}

variable "media_bucket_name" {
  type        = string
  description = "Bucket of the media library that s3:// sources name (SCRIBE_INGEST__MEDIA_BUCKET)."
}

variable "database_tls_root_cert" {
  type        = string
  description = "Path, inside the api image, of the RDS CA bundle libpq verifies the server against (PGSSLROOTCERT, with PGSSLMODE=verify-full)."
  default     = "/opt/scribe/rds-ca.pem"
}

variable "job_retention_days" {
  type = object({
    originals   = number
    audio       = number
    transcripts = number
  })
  description = "Days the api keeps a finished job's original, its audio, and the job itself (rows and every artifact), counted from upload (SCRIBE_RETENTION__ORIGINALS_DAYS, __AUDIO_DAYS, __TRANSCRIPTS_DAYS); 0 keeps forever."
}

variable "log_retention_days" {
  type        = number
  description = "Retention in days of the services' log groups."
  default     = 365
}

################################################################################
# Services
################################################################################

variable "services" {
  type = map(object({
    cpu                   = number
    memory                = number
    min_capacity          = number
    max_capacity          = number
    ephemeral_storage_gib = number
  }))
  description = "Size and scaling bounds of each service, keyed api, extract, transcribe, terms."
}

variable "whisper_model" {
  type        = string
  description = "SCRIBE_WHISPER__MODEL of the transcription service."
}

variable "whisper_allow_download" {
  type        = bool
  description = "Let the transcription tasks download a model at run time (SCRIBE_WHISPER__ALLOW_DOWNLOAD). Off: the model comes from the EFS cache seeded once by the seed-models task."
  default     = false
}

variable "whisper_model_seed" {
  type = object({
    repo     = string
    revision = string
    sha256   = string
  })
  description = "What the one-off seed-models task puts into the EFS /models cache under whisper_model: a Hugging Face repository, its commit (pinned) and the SHA-256 of its model.bin."
}

variable "whisper_batch_size" {
  type        = number
  description = "SCRIBE_WHISPER__BATCH_SIZE of the transcription service: speech chunks per GPU pass."
  default     = 16
}

variable "transcribe_files_per_batch" {
  type        = number
  description = "SCRIBE_WHISPER__MAX_FILES_PER_BATCH: files (messages) one transcription task decodes together; the scaling target counts in these."
  default     = 8
}

variable "whisper_compute_type" {
  type        = string
  description = "SCRIBE_WHISPER__COMPUTE_TYPE of the transcription service (float16 suits the T4 GPUs of g4dn)."
  default     = "float16"
}

variable "log_level" {
  type        = string
  description = "SCRIBE_LOG__LEVEL of every service."
  default     = "INFO"
}

variable "enable_execute_command" {
  type        = bool
  description = "Enable ECS Exec into the tasks."
  default     = false
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the app's custom metrics (JobsCompleted, JobsFailed, StageDuration, ...)."
  default     = "Scribe"
}

################################################################################
# Autoscaling
################################################################################

variable "transcribe_backlog_per_task_target" {
  type        = number
  description = "Target of the transcription service's backlog in batches per task: summed visible + in-flight messages of its lanes / (running tasks x transcribe_files_per_batch)."
  default     = 2
}

variable "transcribe_accumulation" {
  type = object({
    messages         = number
    max_wait_seconds = number
  })
  description = "Scale from zero for the transcription service once `messages` wait in its lanes or the oldest is `max_wait_seconds` old (0: any message), with nothing in flight."
  default     = { messages = 8, max_wait_seconds = 0 }
}

variable "cpu_worker_backlog_per_task_target" {
  type        = number
  description = "Target of (visible + in-flight messages, summed over the stage's lanes) per running extract or terms task."
  default     = 5
}

variable "api_cpu_target_percent" {
  type        = number
  description = "Average CPU utilisation the api service is scaled to."
  default     = 60
}

variable "scale_out_cooldown_seconds" {
  type        = number
  description = "Cooldown after a target-tracking scale-out."
  default     = 60
}

variable "scale_in_cooldown_seconds" {
  type        = number
  description = "Cooldown after a scale-in."
  default     = 600
}

variable "worker_warmup_seconds" {
  type        = map(number)
  description = "Seconds from a worker task's launch until it takes work, keyed by worker (extract, transcribe, terms); the cooldown of the scale-from-zero step policy."
  default = {
    extract    = 120
    transcribe = 420
    terms      = 120
  }
}

variable "scale_from_zero_evaluation_minutes" {
  type        = number
  description = "Minutes messages must wait in any lane of a stage, with nothing in flight in its lanes, before the scale-from-zero step adds a task."
  default     = 1
}
