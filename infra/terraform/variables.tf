################################################################################
# Identity and accounts
################################################################################

variable "name" {
  type        = string
  description = "Short name of the system; the prefix of every resource name."
  default     = "scribe"
}

variable "environment" {
  type        = string
  description = "Environment name (staging, production); part of every resource name."
  default     = "staging"
}

variable "region" {
  type        = string
  description = "AWS region of the stack."
  default     = "us-east-1"
}

variable "ai_account_id" {
  type        = string
  description = "ID of the AI-services account (tfs-ai-services) this stack deploys into; the provider refuses any other account."
}

variable "deploy_role_arn" {
  type        = string
  description = "Role in the AI-services account that Terraform assumes; null uses the caller's credentials as they are."
  default     = null
}

variable "main_account_id" {
  type        = string
  description = "ID of the main account that owns the shared ECR repositories, shared S3 buckets and shared secrets."
}

variable "tags" {
  type        = map(string)
  description = "Tags merged into the tags of every resource."
  default     = {}
}

################################################################################
# Network
################################################################################

variable "vpc_cidr" {
  type        = string
  description = "CIDR block of the stack's VPC; must not overlap the main account's VPC when peering or a Transit Gateway is used."
  default     = "10.40.0.0/16"
}

variable "availability_zones" {
  type        = list(string)
  description = "Zone names the subnets may use; null means <region>a, <region>b and <region>c."
  default     = null
}

variable "az_count" {
  type        = number
  description = "Number of availability zones to spread subnets across (2 or 3)."
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway for all private subnets (cheaper) instead of one per availability zone (survives an AZ outage)."
  default     = true
}

variable "enable_interface_endpoints" {
  type        = bool
  description = "Create interface VPC endpoints (ECR, CloudWatch Logs, SQS, Secrets Manager, ECS, SSM) so task traffic to AWS APIs stays off the NAT gateway."
  default     = false
}

variable "flow_logs_retention_days" {
  type        = number
  description = "Retention in days of the VPC flow-log group."
  default     = 365
}

variable "peer_vpc_id" {
  type        = string
  description = "VPC in the main account to peer with; null creates no peering. The main account must accept the request."
  default     = null
}

variable "peer_vpc_cidr" {
  type        = string
  description = "CIDR of the peered main-account VPC (routes from the private subnets)."
  default     = null
}

variable "peer_region" {
  type        = string
  description = "Region of the peered VPC; null means the stack's region."
  default     = null
}

variable "peer_route_table_ids" {
  type        = list(string)
  description = "Route tables of the peered main-account VPC that get a route back to vpc_cidr through the peering (the accepter side); used with main_network_role_arn."
  default     = []
}

variable "main_network_role_arn" {
  type        = string
  description = "Role in the main account that accepts the peering and adds the routes back (provider aws.main); null leaves both to the main account (docs/operations/deploy.md)."
  default     = null
}

variable "transit_gateway_id" {
  type        = string
  description = "Transit Gateway (shared from the main account through RAM) to attach the private subnets to; null creates no attachment."
  default     = null
}

variable "transit_gateway_cidrs" {
  type        = list(string)
  description = "Destination CIDRs routed from the private subnets through the Transit Gateway."
  default     = []
}

################################################################################
# Edge: load balancer
################################################################################

variable "certificate_arn" {
  type        = string
  description = "ACM certificate ARN of the api's HTTPS listener."
}

variable "alb_ingress_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to reach the load balancer on 443 (and 80, which only redirects to 443)."
  default     = ["0.0.0.0/0"]
}

variable "alb_deletion_protection" {
  type        = bool
  description = "Protect the load balancer against deletion."
  default     = true
}

variable "alb_idle_timeout" {
  type        = number
  description = "Idle timeout of the load balancer in seconds; long enough for a large upload's slow chunks."
  default     = 300
}

variable "enable_waf" {
  type        = bool
  description = "Put an AWS WAF web ACL (managed common and known-bad-input rules) in front of the load balancer."
  default     = true
}

################################################################################
# Container images (cross-account ECR pull)
################################################################################

variable "ecr_account_id" {
  type        = string
  description = "Account that owns the ECR repositories; null means the main account."
  default     = null
}

variable "image_repository_prefix" {
  type        = string
  description = "Prefix of the ECR repository names: images are <registry>/<prefix>/<service>:<tag>."
  default     = "scribe"
}

variable "image_tag" {
  type        = string
  description = "Image tag deployed for every service (a git SHA or release version, never `latest`)."
}

################################################################################
# Queues
################################################################################

variable "queue_prefix" {
  type        = string
  description = "Prefix of the queue names (SCRIBE_QUEUE__PREFIX); null means <name>-<environment>."
  default     = null
}

variable "queue_max_receives" {
  type        = number
  description = "Deliveries of one message before SQS moves it to its queue's dead-letter queue (SCRIBE_QUEUE__MAX_RECEIVES); the same for every lane and events."
  default     = 5
}

variable "queue_visibility_timeout_seconds" {
  type        = number
  description = "Visibility timeout of the queues (SCRIBE_QUEUE__VISIBILITY_TIMEOUT); the workers' heartbeat extends it, so it stays short."
  default     = 60

  validation {
    condition     = var.queue_visibility_timeout_seconds >= 30 && var.queue_visibility_timeout_seconds <= 900
    error_message = "Keep the visibility timeout short (30-900 s): the worker heartbeat extends it."
  }
}

variable "worker_heartbeat_interval_seconds" {
  type        = number
  description = "Seconds between a worker's visibility extensions (SCRIBE_WORKER__HEARTBEAT_INTERVAL); well under the visibility timeout."
  default     = 15
}

variable "queue_message_retention_seconds" {
  type        = number
  description = "How long a lane queue or the events queue keeps an unconsumed message."
  default     = 345600
}

variable "dlq_message_retention_seconds" {
  type        = number
  description = "How long a dead-letter queue keeps a message (the maximum, 14 days, leaves time to redrive)."
  default     = 1209600
}

################################################################################
# Storage
################################################################################

variable "storage_backend" {
  type        = string
  description = "Blob store of the services (SCRIBE_STORAGE__BACKEND): `s3` (the artifacts bucket) or `local` (the EFS /jobs access point)."
  default     = "s3"

  validation {
    condition     = contains(["s3", "local"], var.storage_backend)
    error_message = "storage_backend must be s3 or local."
  }
}

variable "data_retention" {
  type = object({
    media_glacier_after_days     = number
    media_expire_after_days      = number
    artifacts_ia_after_days      = number
    job_originals_days           = number
    job_audio_days               = number
    job_transcripts_days         = number
    archive_glacier_after_days   = number
    archive_expire_after_days    = number
    noncurrent_expire_after_days = number
  })
  description = "Data-retention policy. S3 lifecycle rules move media and archive to Glacier, artifacts to Standard-IA, and expire media, archive and old object versions. A job's artifacts are never expired by S3 (their rows would stay, pointing at nothing): the api's retention deletes rows and artifacts together (SCRIBE_RETENTION__ORIGINALS_DAYS, __AUDIO_DAYS, __TRANSCRIPTS_DAYS, from job_*_days; 0 keeps forever)."
  default = {
    media_glacier_after_days     = 90
    media_expire_after_days      = 730
    artifacts_ia_after_days      = 30
    job_originals_days           = 90
    job_audio_days               = 30
    job_transcripts_days         = 365
    archive_glacier_after_days   = 1
    archive_expire_after_days    = 2555
    noncurrent_expire_after_days = 30
  }

  validation {
    condition     = var.data_retention.job_transcripts_days == 0 || (var.data_retention.job_originals_days > 0 && var.data_retention.job_originals_days <= var.data_retention.job_transcripts_days && var.data_retention.job_audio_days > 0 && var.data_retention.job_audio_days <= var.data_retention.job_transcripts_days)
    error_message = "A job's original and audio may not outlive the job itself: job_originals_days and job_audio_days must be between 1 and job_transcripts_days (or job_transcripts_days 0: keep everything)."
  }
}

variable "shared_bucket_arns" {
  type        = list(string)
  description = "ARNs of main-account buckets the services may read and write (cross-account S3); the main account must grant the task roles in its bucket policies (see the output main_account_grants)."
  default     = []
}

variable "shared_kms_key_arns" {
  type        = list(string)
  description = "Main-account KMS keys that encrypt the shared buckets and shared secrets; the task and execution roles may use them."
  default     = []
}

variable "efs_throughput_mode" {
  type        = string
  description = "EFS throughput mode: `elastic` (pay per use; suits bursty model loads) or `bursting`."
  default     = "elastic"
}

################################################################################
# Database
################################################################################

variable "db_instance_class" {
  type        = string
  description = "RDS PostgreSQL instance class."
  default     = "db.t4g.medium"
}

variable "db_engine_version" {
  type        = string
  description = "PostgreSQL major version only (e.g. \"16\"): with auto_minor_version_upgrade RDS moves the minor version itself, and a pinned minor would make every later plan try to downgrade."
  default     = "16"

  validation {
    condition     = can(regex("^[0-9]+$", var.db_engine_version))
    error_message = "db_engine_version is the major version alone (e.g. \"16\"); RDS upgrades the minor version."
  }
}

variable "db_allocated_storage" {
  type        = number
  description = "Initial storage of the database in GiB."
  default     = 20
}

variable "db_max_allocated_storage" {
  type        = number
  description = "Upper bound of storage autoscaling in GiB."
  default     = 100
}

variable "db_multi_az" {
  type        = bool
  description = "Run the database Multi-AZ."
  default     = true
}

variable "db_backup_retention_days" {
  type        = number
  description = "Days of automated database backups."
  default     = 14
}

variable "db_deletion_protection" {
  type        = bool
  description = "Protect the database against deletion."
  default     = true
}

variable "db_name" {
  type        = string
  description = "Name of the application database."
  default     = "scribe"
}

variable "db_master_username" {
  type        = string
  description = "Master user of the database; RDS generates and rotates its password in Secrets Manager."
  default     = "scribe_admin"
}

variable "db_app_username" {
  type        = string
  description = "Database role of the api (created once at bootstrap, docs/operations/deploy.md); with db_iam_auth it signs in with IAM tokens and has no password at all."
  default     = "scribe_app"
}

variable "db_iam_auth" {
  type        = bool
  description = "The api signs in to RDS with 15-minute IAM tokens (SCRIBE_DATABASE__IAM_AUTH): no application password exists to store or rotate, and Terraform writes the password-less URL into the database-url secret. The master password is rotated by RDS in Secrets Manager."
  default     = true
}

variable "database_url_secret_arn" {
  type        = string
  description = "Existing secret (this or the main account) whose value is the api's SQLAlchemy URL (SCRIBE_DATABASE__URL); null creates an empty one here, filled at bootstrap (docs/operations/deploy.md)."
  default     = null
}

################################################################################
# Compute
################################################################################

variable "services" {
  type = map(object({
    cpu                   = number
    memory                = number
    min_capacity          = number
    max_capacity          = number
    ephemeral_storage_gib = number
  }))
  description = "Size and scaling bounds of each service (api, extract, transcribe, terms). cpu/memory are ECS units (1024 = 1 vCPU, MiB)."
  default = {
    api        = { cpu = 1024, memory = 2048, min_capacity = 2, max_capacity = 6, ephemeral_storage_gib = 21 }
    extract    = { cpu = 2048, memory = 4096, min_capacity = 0, max_capacity = 10, ephemeral_storage_gib = 60 }
    transcribe = { cpu = 3072, memory = 12288, min_capacity = 0, max_capacity = 4, ephemeral_storage_gib = 0 }
    terms      = { cpu = 1024, memory = 2048, min_capacity = 0, max_capacity = 4, ephemeral_storage_gib = 21 }
  }

  validation {
    condition     = length(setsubtract(["api", "extract", "transcribe", "terms"], keys(var.services))) == 0
    error_message = "services must have the keys api, extract, transcribe and terms."
  }
}

variable "fargate_spot_workers" {
  type        = bool
  description = "Run the extract and terms workers mostly on Fargate Spot (they release their message on SIGTERM, so an interruption only delays a job)."
  default     = true
}

variable "whisper_model" {
  type        = string
  description = "faster-whisper model of the transcription service (SCRIBE_WHISPER__MODEL), cached on the EFS /models access point."
  default     = "medium.en"
}

variable "whisper_allow_download" {
  type        = bool
  description = "Let the transcription tasks download a model at run time (SCRIBE_WHISPER__ALLOW_DOWNLOAD). Off: they load the model the seed-models task put into EFS once."
  default     = false
}

variable "whisper_model_seed" {
  type = object({
    repo     = string
    revision = string
    sha256   = string
  })
  description = "The pinned model the seed-models task writes into EFS as whisper_model: Hugging Face repository (Systran/faster-whisper-medium.en), commit hash, and SHA-256 of model.bin (docs/operations/deploy.md shows how to read both)."
}

variable "whisper_compute_type" {
  type        = string
  description = "CTranslate2 compute type of the transcription tasks (SCRIBE_WHISPER__COMPUTE_TYPE): float16 on a T4/A10G (g4dn/g5); int8_float16 halves the weights' GPU memory."
  default     = "float16"
}

variable "whisper_batch_size" {
  type        = number
  description = "Speech chunks decoded together on the GPU (SCRIBE_WHISPER__BATCH_SIZE). 16 for medium.en float16 fits a 16 GiB T4 with room (docs/operations/scaling.md: GPU memory)."
  default     = 16
}

variable "enable_execute_command" {
  type        = bool
  description = "Enable ECS Exec into the tasks (interactive debugging; sessions are logged encrypted)."
  default     = false
}

variable "log_retention_days" {
  type        = number
  description = "Retention in days of the services' log groups."
  default     = 365
}

################################################################################
# GPU capacity
################################################################################

variable "gpu_instance_types" {
  type        = list(string)
  description = "Instance types of the mixed-instances GPU Auto Scaling group, in priority order."
  default     = ["g4dn.xlarge", "g4dn.2xlarge"]
}

variable "gpu_instance_type_pattern" {
  type        = string
  description = "Placement constraint of the transcription tasks on the instance type (ECS cluster query language); must match every entry of gpu_instance_types and gpu_warm_instance_type."
  default     = "g4dn.*"
}

variable "gpu_spot_percentage" {
  type        = number
  description = "Share (0-100) of GPU instances above the on-demand base that are Spot."
  default     = 70

  validation {
    condition     = var.gpu_spot_percentage >= 0 && var.gpu_spot_percentage <= 100
    error_message = "gpu_spot_percentage must be between 0 and 100."
  }
}

variable "gpu_on_demand_base_capacity" {
  type        = number
  description = "GPU instances in the mixed group that are always on demand before the Spot share applies."
  default     = 0
}

variable "gpu_max_instances" {
  type        = number
  description = "Largest size of the mixed-instances GPU group."
  default     = 4
}

variable "gpu_warm_pool_enabled" {
  type        = bool
  description = "Add an on-demand GPU group with a warm pool of stopped instances (already booted once, AMI and image on the volume: the first transcription task starts in about two minutes instead of five)."
  default     = true
}

variable "gpu_warm_instance_type" {
  type        = string
  description = "Instance type of the warm-pool GPU group (a warm pool cannot use a mixed-instances policy or Spot)."
  default     = "g4dn.xlarge"
}

variable "gpu_warm_max_instances" {
  type        = number
  description = "Largest size of the warm-pool GPU group."
  default     = 1
}

variable "gpu_warm_pool_min_size" {
  type        = number
  description = "Instances kept ready (in gpu_warm_pool_state) in the warm pool."
  default     = 1
}

variable "gpu_root_volume_gib" {
  type        = number
  description = "Root EBS volume of a GPU instance in GiB (the GPU AMI and the transcribe image)."
  default     = 100
}

variable "gpu_target_capacity" {
  type        = number
  description = "Target utilisation (percent) of the GPU capacity providers' managed scaling; 100 leaves no idle instance."
  default     = 100
}

variable "gpu_instance_warmup_seconds" {
  type        = number
  description = "Seconds a new GPU instance needs before it counts in managed scaling (boot, agent, image pull)."
  default     = 300
}

################################################################################
# Service autoscaling
################################################################################

variable "transcribe_backlog_per_task_target" {
  type        = number
  description = "Target of the transcription service's backlog in batches per task: (visible + in-flight messages, summed over the transcribe-high, transcribe and transcribe-low lanes) / (running tasks x transcribe_files_per_batch). A task holds a batch plus prefetched files, so a target counted in messages (the old 2 per task) pinned the service at its maximum with thin batches. 2 is the value `scribe plan-capacity --search` chose (docs/operations/scaling.md)."
  default     = 2
}

variable "transcribe_files_per_batch" {
  type        = number
  description = "Files (messages) a transcription task decodes together (SCRIBE_WHISPER__MAX_FILES_PER_BATCH); the backlog target counts in these batches."
  default     = 8
}

variable "transcribe_accumulation_messages" {
  type        = number
  description = "Accumulation rule of the scale-from-zero step: the first transcription task starts once this many messages wait in the transcribe lanes; null means transcribe_files_per_batch (a batch's worth)."
  default     = null
}

variable "transcribe_accumulation_max_wait_seconds" {
  type        = number
  description = "...or once the oldest waiting transcribe message is this old, whichever comes first; 0 starts a task for any message. 0 is what the search chose: at the plan's load a batch takes longer to gather than the p95 wait target allows, and waiting buys no GPU busy share (docs/operations/scaling.md)."
  default     = 0
}

variable "gpu_utilisation_target_percent" {
  type        = number
  description = "GPU utilisation the transcription GPUs should reach while they transcribe (the plan's 70 %); the gpu-low-utilisation-while-transcribing alarm fires below it."
  default     = 70
}

variable "cpu_worker_backlog_per_task_target" {
  type        = number
  description = "Target of (visible + in-flight messages, summed over the stage's three lanes) per running extract or terms task."
  default     = 5
}

variable "api_cpu_target_percent" {
  type        = number
  description = "Average CPU utilisation the api service is scaled to."
  default     = 60
}

variable "scale_out_cooldown_seconds" {
  type        = number
  description = "Cooldown after a scale-out of a service."
  default     = 60
}

variable "scale_in_cooldown_seconds" {
  type        = number
  description = "Cooldown after a scale-in of a service (long, so a burst does not thrash GPU instances)."
  default     = 600
}

variable "scale_from_zero_evaluation_minutes" {
  type        = number
  description = "Minutes messages must wait in any lane of a stage, with nothing in flight in its lanes, before a worker service at zero gets its first task."
  default     = 1
}

################################################################################
# Monitoring
################################################################################

variable "alarm_emails" {
  type        = list(string)
  description = "E-mail addresses subscribed to the alerts topic (each must confirm)."
  default     = []
}

variable "oldest_message_age_threshold_seconds" {
  type        = map(number)
  description = "Alarm threshold (s) of ApproximateAgeOfOldestMessage per stage (extract, transcribe, terms, events), which the normal lane and events use as it is; the high and low lanes get it times oldest_message_age_priority_factors. A key naming one lane (e.g. transcribe-low) sets that lane's threshold outright."
  default = {
    extract    = 900
    transcribe = 1800
    terms      = 900
    events     = 300
  }

  validation {
    condition     = length(setsubtract(["extract", "transcribe", "terms", "events"], keys(var.oldest_message_age_threshold_seconds))) == 0
    error_message = "oldest_message_age_threshold_seconds must have the keys extract, transcribe, terms and events."
  }

  validation {
    condition     = length(setsubtract(keys(var.oldest_message_age_threshold_seconds), ["extract-high", "extract", "extract-low", "transcribe-high", "transcribe", "transcribe-low", "terms-high", "terms", "terms-low", "events"])) == 0
    error_message = "The keys of oldest_message_age_threshold_seconds are stages (extract, transcribe, terms, events) or lane queues (e.g. transcribe-high, terms-low)."
  }
}

variable "oldest_message_age_priority_factors" {
  type        = map(number)
  description = "Multiplier of a stage's oldest-message-age threshold for its high and low lanes: a high lane alarms sooner, a low lane (which waits behind the others by design) later. The normal lane uses the stage's threshold as it is."
  default = {
    high = 0.5
    low  = 4
  }

  validation {
    condition     = length(setsubtract(keys(var.oldest_message_age_priority_factors), ["high", "low"])) == 0 && alltrue([for factor in values(var.oldest_message_age_priority_factors) : factor > 0])
    error_message = "The keys of oldest_message_age_priority_factors are high and low (a missing one means 1), each with a positive factor."
  }
}

variable "api_5xx_rate_threshold_percent" {
  type        = number
  description = "Alarm when the api's 5xx responses exceed this percentage of requests over 5 minutes."
  default     = 5
}

variable "job_failure_rate_threshold_percent" {
  type        = number
  description = "Alarm when failed jobs exceed this percentage of finished jobs (Scribe/JobsFailed vs Scribe/JobsCompleted) over an hour."
  default     = 10
}

variable "gpu_low_utilisation_percent" {
  type        = number
  description = "GPU utilisation below which the GPUs count as idle for the low-utilisation-with-backlog alarm."
  default     = 30
}

variable "gpu_backlog_alarm_messages" {
  type        = number
  description = "Visible transcribe messages (summed over the three transcribe lanes) above which a low GPU utilisation raises an alarm."
  default     = 10
}

variable "gpu_warm_pool_state" {
  type        = string
  description = "State of warm-pool instances: `Stopped` (EBS kept, no instance charge; the default, because no GPU instance type - g4dn, g5, g6 - supports hibernation), `Hibernated` (RAM kept on the root volume; only for instance types with HibernationSupported, checked at plan time) or `Running`."
  default     = "Stopped"

  validation {
    condition     = contains(["Hibernated", "Stopped", "Running"], var.gpu_warm_pool_state)
    error_message = "gpu_warm_pool_state must be Hibernated, Stopped or Running."
  }
}
