################################################################################
# Security groups. Who may talk to whom:
#   internet -> alb:443/80 -> api:8000
#   api -> workers:9100 (health and metrics; nothing else reaches 9100)
#   api -> rds:5432 (the only database user)
#   api, workers -> efs:2049
#   everything -> AWS APIs on 443 (through NAT or the VPC endpoints)
################################################################################

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "Load balancer in front of the Scribe api"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${local.name}-alb" })
}

resource "aws_security_group" "api" {
  name        = "${local.name}-api"
  description = "Scribe api tasks (REST, web UI, orchestrator)"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${local.name}-api" })
}

resource "aws_security_group" "workers" {
  name        = "${local.name}-workers"
  description = "Scribe stage workers (extract, transcribe, terms)"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${local.name}-workers" })
}

resource "aws_security_group" "gpu_instances" {
  name        = "${local.name}-gpu-instances"
  description = "ECS container instances with GPUs (the tasks have their own ENIs and the workers group)"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${local.name}-gpu-instances" })
}

resource "aws_security_group" "efs" {
  name        = "${local.name}-efs"
  description = "EFS mount targets of the shared model cache and job files"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${local.name}-efs" })
}

resource "aws_security_group" "rds" {
  name        = "${local.name}-rds"
  description = "PostgreSQL of the Scribe api"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${local.name}-rds" })
}

resource "aws_security_group" "endpoints" {
  name        = "${local.name}-endpoints"
  description = "Interface VPC endpoints"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${local.name}-endpoints" })
}

# --- load balancer -------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each          = toset(var.alb_ingress_cidrs)
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from clients"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  tags              = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a permanent redirect to HTTPS (listener in 21-alb.tf); no content is served over HTTP.
  for_each          = toset(var.alb_ingress_cidrs)
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from clients, redirected to HTTPS"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "alb_to_api" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Forward to the api tasks"
  referenced_security_group_id = aws_security_group.api.id
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  tags                         = local.tags
}

# --- api -------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "api_from_alb" {
  security_group_id            = aws_security_group.api.id
  description                  = "HTTP from the load balancer"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "api_to_workers_health" {
  security_group_id            = aws_security_group.api.id
  description                  = "Worker health and metrics port"
  referenced_security_group_id = aws_security_group.workers.id
  ip_protocol                  = "tcp"
  from_port                    = 9100
  to_port                      = 9100
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "api_to_rds" {
  security_group_id            = aws_security_group.api.id
  description                  = "PostgreSQL"
  referenced_security_group_id = aws_security_group.rds.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  tags                         = local.tags
}

# --- workers ---------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "workers_health_from_api" {
  security_group_id            = aws_security_group.workers.id
  description                  = "Health and metrics port, from the api only"
  referenced_security_group_id = aws_security_group.api.id
  ip_protocol                  = "tcp"
  from_port                    = 9100
  to_port                      = 9100
  tags                         = local.tags
}

# --- shared egress: AWS APIs (SQS, S3, ECR, Logs, Secrets Manager), model downloads, EFS

locals {
  service_security_groups = {
    api           = aws_security_group.api.id
    workers       = aws_security_group.workers.id
    gpu_instances = aws_security_group.gpu_instances.id
  }
  efs_client_security_groups = {
    api     = aws_security_group.api.id
    workers = aws_security_group.workers.id
  }
}

resource "aws_vpc_security_group_egress_rule" "https_out" {
  for_each          = local.service_security_groups
  security_group_id = each.value
  description       = "HTTPS to AWS APIs and the model hub"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "gpu_instances_package_repos" {
  security_group_id = aws_security_group.gpu_instances.id
  description       = "Amazon Linux package repositories (served from S3) over HTTP"
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "to_efs" {
  for_each                     = local.efs_client_security_groups
  security_group_id            = each.value
  description                  = "NFS to the EFS mount targets"
  referenced_security_group_id = aws_security_group.efs.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  tags                         = local.tags
}

# --- EFS, RDS, endpoints ---------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "efs_from_clients" {
  for_each                     = local.efs_client_security_groups
  security_group_id            = aws_security_group.efs.id
  description                  = "NFS from the ${each.key} tasks"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  tags                         = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "rds_from_api" {
  security_group_id            = aws_security_group.rds.id
  description                  = "PostgreSQL from the api tasks only"
  referenced_security_group_id = aws_security_group.api.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  tags                         = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_vpc" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS from inside the VPC"
  cidr_ipv4         = var.vpc_cidr
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  tags              = local.tags
}
