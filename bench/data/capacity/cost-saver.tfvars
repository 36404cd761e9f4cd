# A what-if for `scribe plan-capacity --tfvars`: the cheapest policy that still keeps the
# p95 queue wait of the daily load under 15 minutes (docs/operations/scaling.md).
# Same variable names as infra/terraform/variables.tf; pass it after variables.tf.
transcribe_backlog_per_task_target = 4
scale_out_cooldown_seconds         = 60
scale_in_cooldown_seconds          = 600
gpu_instance_warmup_seconds        = 300
gpu_spot_percentage                = 100
gpu_on_demand_base_capacity        = 0
gpu_warm_pool_enabled              = false
gpu_max_instances                  = 4

services = {
  api        = { cpu = 1024, memory = 2048, min_capacity = 2, max_capacity = 6, ephemeral_storage_gib = 21 }
  extract    = { cpu = 2048, memory = 4096, min_capacity = 0, max_capacity = 10, ephemeral_storage_gib = 60 }
  transcribe = { cpu = 3072, memory = 12288, min_capacity = 0, max_capacity = 4, ephemeral_storage_gib = 0 }
  terms      = { cpu = 1024, memory = 2048, min_capacity = 0, max_capacity = 4, ephemeral_storage_gib = 21 }
}
