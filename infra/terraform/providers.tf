# The stack deploys into the separate AI-services account (tfs-ai-services). The caller's
# credentials either belong to that account or assume `deploy_role_arn` in it.
provider "aws" {
  region              = var.region
  allowed_account_ids = [var.ai_account_id]

  dynamic "assume_role" {
    for_each = var.deploy_role_arn == null ? [] : [var.deploy_role_arn]
    content {
      role_arn     = assume_role.value
      session_name = "terraform-${var.name}-${var.environment}"
    }
  }
}
