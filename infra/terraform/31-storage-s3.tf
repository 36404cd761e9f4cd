################################################################################
# S3. Three data buckets (KMS-encrypted, versioned, private, access-logged):
#   media     - source lesson videos; to Glacier after a while, then expired
#   artifacts - the blob store of the services (SCRIBE_STORAGE__BUCKET): jobs/<job_id>/...
#   archive   - long-term copies of finished transcripts; to Glacier at once, kept for years
# and one logs bucket (SSE-S3, which ALB and S3 access-log delivery require).
# The lifecycle rules are the storage side of the data-retention policy (var.data_retention);
# the artifacts bucket never expires current objects: the api's retention removes a job's
# rows and artifacts together (SCRIBE_RETENTION__*), so no row points at a deleted object.
################################################################################

locals {
  data_buckets = {
    media = {
      transition_days  = var.data_retention.media_glacier_after_days
      transition_class = "GLACIER"
      expire_days      = var.data_retention.media_expire_after_days
    }
    artifacts = {
      transition_days  = var.data_retention.artifacts_ia_after_days
      transition_class = "STANDARD_IA"
      # No expiration: the api's retention deletes a job's rows and artifacts together.
      expire_days = null
    }
    archive = {
      transition_days  = var.data_retention.archive_glacier_after_days
      transition_class = "GLACIER"
      expire_days      = var.data_retention.archive_expire_after_days
    }
  }
  bucket_suffix = "${local.account_id}-${var.region}"
}

resource "aws_s3_bucket" "data" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice not taken here: media is re-uploadable from the main account and artifacts are re-computable; versioning protects against deletes.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications; the api enqueues work itself.
  for_each = local.data_buckets
  bucket   = "${local.name}-${each.key}-${local.bucket_suffix}"
  tags     = merge(local.tags, { Name = "${local.name}-${each.key}", DataClass = each.key })
}

resource "aws_s3_bucket_public_access_block" "data" {
  for_each                = local.data_buckets
  bucket                  = aws_s3_bucket.data[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "data" {
  for_each = local.data_buckets
  bucket   = aws_s3_bucket.data[each.key].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "data" {
  for_each = local.data_buckets
  bucket   = aws_s3_bucket.data[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  for_each = local.data_buckets
  bucket   = aws_s3_bucket.data[each.key].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "data" {
  for_each      = local.data_buckets
  bucket        = aws_s3_bucket.data[each.key].id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/${each.key}/"
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  for_each = local.data_buckets
  bucket   = aws_s3_bucket.data[each.key].id

  rule {
    id     = "retention"
    status = "Enabled"

    filter {}

    transition {
      days          = local.data_buckets[each.key].transition_days
      storage_class = local.data_buckets[each.key].transition_class
    }

    dynamic "expiration" {
      for_each = local.data_buckets[each.key].expire_days == null ? [] : [local.data_buckets[each.key].expire_days]
      content {
        days = expiration.value
      }
    }

    noncurrent_version_expiration {
      noncurrent_days = var.data_retention.noncurrent_expire_after_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.data]
}

data "aws_iam_policy_document" "data_bucket" {
  for_each = local.data_buckets

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data[each.key].arn, "${aws_s3_bucket.data[each.key].arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  for_each = local.data_buckets
  bucket   = aws_s3_bucket.data[each.key].id
  policy   = data.aws_iam_policy_document.data_bucket[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.data]
}

################################################################################
# Logs bucket: ALB access logs and S3 server access logs.
################################################################################

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target bucket; logging it into itself would loop.
  #checkov:skip=CKV_AWS_144:Access logs are not replicated to a second region.
  #checkov:skip=CKV_AWS_145:ALB access-log and S3 server-access-log delivery support only SSE-S3 (AES256) on the target bucket, not SSE-KMS.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications for log objects.
  bucket = "${local.name}-logs-${local.bucket_suffix}"
  tags   = merge(local.tags, { Name = "${local.name}-logs", DataClass = "logs" })
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = 365
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

data "aws_elb_service_account" "this" {}

data "aws_iam_policy_document" "logs_bucket" {
  statement {
    sid       = "AlbAccessLogsLegacyRegions"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account_id}/*"]
    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.this.arn]
    }
  }

  statement {
    sid       = "AlbAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/s3/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.logs]
}
