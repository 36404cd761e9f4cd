terraform {
  # The syntax stays within what Terraform 1.0 parses (the offline `fmt -check` uses 1.0.3);
  # `optional()` object attributes need 1.3, so plans and applies need a current Terraform.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60.0, < 6.0.0"
    }
  }

  # Configure the state backend per environment, e.g.
  #   terraform init -backend-config=backend.staging.hcl
  # with bucket, key, region, dynamodb_table (or use_lockfile) and encrypt = true.
  backend "s3" {}
}
