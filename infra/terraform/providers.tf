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

# The main account's side of the VPC peering (accepting it, routes back to this VPC), through
# a role there that may accept peering connections and edit the named route tables. Without
# main_network_role_arn nothing uses this provider and the main account does those two steps
# itself (docs/operations/deploy.md).
provider "aws" {
  alias               = "main"
  region              = coalesce(var.peer_region, var.region)
  allowed_account_ids = var.main_network_role_arn == null ? null : [var.main_account_id]

  dynamic "assume_role" {
    for_each = var.main_network_role_arn == null ? [] : [var.main_network_role_arn]
    content {
      role_arn     = assume_role.value
      session_name = "terraform-${var.name}-${var.environment}-peering"
    }
  }
}
