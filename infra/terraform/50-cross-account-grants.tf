################################################################################
# Grants the main account must apply on its side (its resources, its Terraform).
# This stack only holds the IAM half (the roles' policies name the main-account
# ARNs); resource policies in the main account must name these roles. They are
# rendered here and exposed as the output `main_account_grants`.
################################################################################

locals {
  execution_role_arns = values(module.ai_transcription.execution_role_arns)
  task_role_arns      = values(module.ai_transcription.task_role_arns)
}

# Repository policy for each main-account ECR repository <prefix>/<service>.
data "aws_iam_policy_document" "main_ecr_pull" {
  statement {
    sid = "AiServicesAccountPulls"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    principals {
      type        = "AWS"
      identifiers = local.execution_role_arns
    }
  }
}

# Bucket policy statements for each bucket in var.shared_bucket_arns.
data "aws_iam_policy_document" "main_bucket_access" {
  count = length(var.shared_bucket_arns) > 0 ? 1 : 0

  statement {
    sid       = "AiServicesAccountListsBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = var.shared_bucket_arns
    principals {
      type        = "AWS"
      identifiers = local.task_role_arns
    }
  }

  statement {
    sid       = "AiServicesAccountReadsAndWritesObjects"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [for arn in var.shared_bucket_arns : "${arn}/*"]
    principals {
      type        = "AWS"
      identifiers = local.task_role_arns
    }
  }
}

# Resource policy for a main-account secret named by var.database_url_secret_arn.
data "aws_iam_policy_document" "main_secret_read" {
  count = var.database_url_secret_arn == null ? 0 : 1

  statement {
    sid       = "AiServicesApiReadsTheDatabaseUrl"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database_url_secret_arn]
    principals {
      type        = "AWS"
      identifiers = [module.ai_transcription.execution_role_arns["api"]]
    }
  }
}
