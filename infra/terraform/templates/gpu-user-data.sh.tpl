#!/bin/bash
# User data of the GPU container instances (ECS GPU-optimised Amazon Linux 2 AMI).
set -euo pipefail

cat >>/etc/ecs/ecs.config <<'CONFIG'
ECS_CLUSTER=${cluster_name}
ECS_ENABLE_GPU_SUPPORT=true
ECS_ENABLE_SPOT_INSTANCE_DRAINING=true
ECS_WARM_POOLS_CHECK=true
ECS_CONTAINER_STOP_TIMEOUT=30s
ECS_AWSVPC_BLOCK_IMDS=true
ECS_ENABLE_CONTAINER_METADATA=true
ECS_IMAGE_PULL_BEHAVIOR=prefer-cached
CONFIG

# GPU utilisation into CloudWatch (CWAgent/nvidia_smi_utilization_gpu by AutoScalingGroupName),
# which the dashboard and the low-utilisation-with-backlog alarm read.
yum install -y amazon-cloudwatch-agent
cat >/opt/aws/amazon-cloudwatch-agent/etc/scribe-gpu.json <<'CONFIG'
{
  "agent": { "metrics_collection_interval": 60 },
  "metrics": {
    "namespace": "CWAgent",
    "append_dimensions": {
      "AutoScalingGroupName": "$${aws:AutoScalingGroupName}",
      "InstanceId": "$${aws:InstanceId}",
      "InstanceType": "$${aws:InstanceType}"
    },
    "aggregation_dimensions": [["AutoScalingGroupName"]],
    "metrics_collected": {
      "nvidia_gpu": {
        "measurement": [
          "utilization_gpu",
          "utilization_memory",
          "memory_used",
          "memory_total",
          "temperature_gpu",
          "power_draw"
        ]
      }
    }
  }
}
CONFIG
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl \
  -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/scribe-gpu.json
