################################################################################
# EFS shared by the services: encrypted at rest (KMS) and in transit (the task
# definitions mount with TLS and IAM), mount targets in the private subnets only.
# Two access points, both as uid/gid 10001 - the non-root user of the images:
#   /models - faster-whisper model cache (SCRIBE_WHISPER__CACHE_DIR), transcription
#   /jobs   - job files when SCRIBE_STORAGE__BACKEND=local (a shared blob store)
################################################################################

locals {
  app_uid = 10001
  app_gid = 10001
  efs_access_points = {
    models = "/models"
    jobs   = "/jobs"
  }
}

resource "aws_efs_file_system" "this" {
  creation_token   = local.name
  encrypted        = true
  kms_key_id       = aws_kms_key.this.arn
  performance_mode = "generalPurpose"
  throughput_mode  = var.efs_throughput_mode

  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }

  lifecycle_policy {
    transition_to_primary_storage_class = "AFTER_1_ACCESS"
  }

  tags = merge(local.tags, { Name = "${local.name}-shared" })
}

resource "aws_efs_backup_policy" "this" {
  file_system_id = aws_efs_file_system.this.id
  backup_policy {
    status = "ENABLED"
  }
}

resource "aws_efs_mount_target" "this" {
  count           = length(local.azs)
  file_system_id  = aws_efs_file_system.this.id
  subnet_id       = aws_subnet.private[count.index].id
  security_groups = [aws_security_group.efs.id]
}

resource "aws_efs_access_point" "this" {
  for_each       = local.efs_access_points
  file_system_id = aws_efs_file_system.this.id

  posix_user {
    uid = local.app_uid
    gid = local.app_gid
  }

  root_directory {
    path = each.value
    creation_info {
      owner_uid   = local.app_uid
      owner_gid   = local.app_gid
      permissions = "0750"
    }
  }

  tags = merge(local.tags, { Name = "${local.name}-${each.key}" })
}

data "aws_iam_policy_document" "efs" {
  statement {
    sid       = "MountThroughMountTargetsWithIam"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.this.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
    condition {
      test     = "Bool"
      variable = "elasticfilesystem:AccessedViaMountTarget"
      values   = ["true"]
    }
  }

  statement {
    sid       = "DenyUnencryptedTransport"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.this.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_efs_file_system_policy" "this" {
  file_system_id = aws_efs_file_system.this.id
  policy         = data.aws_iam_policy_document.efs.json
}
