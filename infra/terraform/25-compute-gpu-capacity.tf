################################################################################
# GPU capacity for the transcription service: ECS GPU-optimised AMI, private subnets,
# IMDSv2, encrypted root volume. Two Auto Scaling groups, each an ECS capacity provider
# with managed scaling and managed termination protection:
#   gpu      - mixed instances (g4dn.xlarge, g4dn.2xlarge), Spot share by variable
#   gpu-warm - on demand, one instance type, with a warm pool of stopped instances
#              (g4dn/g5/g6 cannot hibernate: HibernationSupported is false for them).
# Two groups because EC2 Auto Scaling refuses a warm pool on a group that has a
# mixed-instances policy or launches Spot. The transcription service puts its first
# task (base) on gpu-warm and every further task on gpu (see local.gpu_capacity_providers).
################################################################################

# What AWS says of the warm group's instance type: a hibernated warm pool needs
# HibernationSupported, which no GPU type has (checked before anything is created).
data "aws_ec2_instance_type" "gpu_warm" {
  count         = var.gpu_warm_pool_enabled ? 1 : 0
  instance_type = var.gpu_warm_instance_type
}

data "aws_ssm_parameter" "ecs_gpu_ami" {
  name = "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id"
}

data "aws_iam_policy_document" "gpu_instance_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "gpu_instance" {
  name               = "${local.name}-gpu-instance"
  assume_role_policy = data.aws_iam_policy_document.gpu_instance_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "gpu_instance" {
  for_each = toset([
    "service-role/AmazonEC2ContainerServiceforEC2Role",
    "AmazonSSMManagedInstanceCore",
    "CloudWatchAgentServerPolicy",
  ])
  role       = aws_iam_role.gpu_instance.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

resource "aws_iam_instance_profile" "gpu_instance" {
  name = "${local.name}-gpu-instance"
  role = aws_iam_role.gpu_instance.name
  tags = local.tags
}

locals {
  gpu_launch_templates = {
    for key, lt in {
      "gpu"      = { hibernate = false, instance_type = null }
      "gpu-warm" = { hibernate = var.gpu_warm_pool_state == "Hibernated", instance_type = var.gpu_warm_instance_type }
    } : key => lt if key == "gpu" || var.gpu_warm_pool_enabled
  }
}

resource "aws_launch_template" "gpu" {
  for_each      = local.gpu_launch_templates
  name_prefix   = "${local.name}-${each.key}-"
  image_id      = data.aws_ssm_parameter.ecs_gpu_ami.value
  instance_type = each.value.instance_type
  ebs_optimized = true
  user_data     = base64encode(templatefile("${path.module}/templates/gpu-user-data.sh.tpl", { cluster_name = aws_ecs_cluster.this.name }))

  iam_instance_profile {
    arn = aws_iam_instance_profile.gpu_instance.arn
  }

  vpc_security_group_ids = [aws_security_group.gpu_instances.id]

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "enabled"
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.gpu_root_volume_gib
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  dynamic "hibernation_options" {
    for_each = each.value.hibernate ? [true] : []
    content {
      configured = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = "${local.name}-${each.key}" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(local.tags, { Name = "${local.name}-${each.key}" })
  }

  tags = merge(local.tags, { Name = "${local.name}-${each.key}" })
}

resource "aws_autoscaling_group" "gpu" {
  name_prefix           = "${local.name}-gpu-"
  min_size              = 0
  max_size              = var.gpu_max_instances
  vpc_zone_identifier   = aws_subnet.private[*].id
  protect_from_scale_in = true
  capacity_rebalance    = true
  health_check_type     = "EC2"

  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = var.gpu_on_demand_base_capacity
      on_demand_percentage_above_base_capacity = 100 - var.gpu_spot_percentage
      on_demand_allocation_strategy            = "prioritized"
      spot_allocation_strategy                 = "price-capacity-optimized"
    }

    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.gpu["gpu"].id
        version            = aws_launch_template.gpu["gpu"].latest_version
      }

      dynamic "override" {
        for_each = var.gpu_instance_types
        content {
          instance_type = override.value
        }
      }
    }
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  dynamic "tag" {
    for_each = merge(local.tags, { Name = "${local.name}-gpu" })
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_group" "gpu_warm" {
  count                 = var.gpu_warm_pool_enabled ? 1 : 0
  name_prefix           = "${local.name}-gpu-warm-"
  min_size              = 0
  max_size              = var.gpu_warm_max_instances
  vpc_zone_identifier   = aws_subnet.private[*].id
  protect_from_scale_in = true
  health_check_type     = "EC2"

  launch_template {
    id      = aws_launch_template.gpu["gpu-warm"].id
    version = aws_launch_template.gpu["gpu-warm"].latest_version
  }

  warm_pool {
    pool_state                  = var.gpu_warm_pool_state
    min_size                    = var.gpu_warm_pool_min_size
    max_group_prepared_capacity = var.gpu_warm_max_instances

    instance_reuse_policy {
      reuse_on_scale_in = true
    }
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  dynamic "tag" {
    for_each = merge(local.tags, { Name = "${local.name}-gpu-warm" })
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    ignore_changes = [desired_capacity]

    precondition {
      condition     = var.gpu_warm_pool_state != "Hibernated" || data.aws_ec2_instance_type.gpu_warm[0].hibernation_supported
      error_message = "gpu_warm_instance_type does not support hibernation: set gpu_warm_pool_state to Stopped."
    }
  }
}

locals {
  gpu_autoscaling_groups = {
    for key, groups in {
      "gpu"      = [aws_autoscaling_group.gpu]
      "gpu-warm" = aws_autoscaling_group.gpu_warm
    } : key => groups[0] if length(groups) > 0
  }
}

resource "aws_ecs_capacity_provider" "gpu" {
  for_each = local.gpu_autoscaling_groups
  name     = "${local.name}-${each.key}"

  auto_scaling_group_provider {
    auto_scaling_group_arn         = each.value.arn
    managed_termination_protection = "ENABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = var.gpu_target_capacity
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = 2
      instance_warmup_period    = var.gpu_instance_warmup_seconds
    }
  }

  tags = merge(local.tags, { Name = "${local.name}-${each.key}" })
}

locals {
  # The transcription service's strategy: its first task on the warm pool group (base 1,
  # weight 0), every further task on the mixed Spot/on-demand group.
  gpu_capacity_providers = [
    for key, cp in aws_ecs_capacity_provider.gpu : {
      capacity_provider = cp.name
      base              = key == "gpu-warm" ? 1 : 0
      weight            = key == "gpu-warm" ? 0 : 1
    }
  ]
}
