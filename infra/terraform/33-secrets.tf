################################################################################
# The api's database URL (SCRIBE_DATABASE__URL) as a secret. Terraform creates the
# container only; its value - postgresql+psycopg://scribe_app:<password>@<endpoint>/scribe
# for the application role created at bootstrap - is put by an operator
# (docs/operations/deploy.md), so no password ever lands in the Terraform state.
# With var.database_url_secret_arn set (e.g. a secret shared from the main account),
# nothing is created here.
################################################################################

resource "aws_secretsmanager_secret" "database_url" {
  #checkov:skip=CKV2_AWS_57:The value is the application role's URL, set at bootstrap; its rotation is the documented manual procedure in docs/operations/deploy.md (the RDS master password itself is rotated by RDS).
  count                   = var.database_url_secret_arn == null ? 1 : 0
  name                    = "${local.name}/database-url"
  description             = "SQLAlchemy URL of the Scribe api (SCRIBE_DATABASE__URL)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 30
  tags                    = local.tags
}
