################################################################################
# Optional links to the main account's network: VPC peering or a Transit Gateway
# attachment. Either one needs the matching routes and acceptance on the main side.
################################################################################

resource "aws_vpc_peering_connection" "main" {
  count         = var.peer_vpc_id == null ? 0 : 1
  vpc_id        = aws_vpc.this.id
  peer_vpc_id   = var.peer_vpc_id
  peer_owner_id = var.main_account_id
  peer_region   = coalesce(var.peer_region, var.region)
  auto_accept   = false
  tags          = merge(local.tags, { Name = "${local.name}-to-main", Side = "requester" })

  lifecycle {
    precondition {
      condition     = var.peer_vpc_cidr != null
      error_message = "peer_vpc_cidr is required with peer_vpc_id: the private route tables need the peer's CIDR."
    }
  }
}

locals {
  # Both sides of the peering are managed here when a main-account role is given.
  manage_peer_side = var.peer_vpc_id != null && var.main_network_role_arn != null
}

resource "aws_vpc_peering_connection_accepter" "main" {
  provider                  = aws.main
  count                     = local.manage_peer_side ? 1 : 0
  vpc_peering_connection_id = aws_vpc_peering_connection.main[0].id
  auto_accept               = true
  tags                      = merge(local.tags, { Name = "${local.name}-from-ai-services", Side = "accepter" })
}

# The way back: the main VPC's route tables send this stack's CIDR through the peering.
resource "aws_route" "peer_to_stack" {
  provider                  = aws.main
  count                     = local.manage_peer_side ? length(var.peer_route_table_ids) : 0
  route_table_id            = var.peer_route_table_ids[count.index]
  destination_cidr_block    = var.vpc_cidr
  vpc_peering_connection_id = aws_vpc_peering_connection_accepter.main[0].id
}

resource "aws_route" "private_to_peer" {
  count                     = var.peer_vpc_id == null ? 0 : length(local.azs)
  route_table_id            = aws_route_table.private[count.index].id
  destination_cidr_block    = var.peer_vpc_cidr
  vpc_peering_connection_id = aws_vpc_peering_connection.main[0].id
}

resource "aws_ec2_transit_gateway_vpc_attachment" "main" {
  count              = var.transit_gateway_id == null ? 0 : 1
  transit_gateway_id = var.transit_gateway_id
  vpc_id             = aws_vpc.this.id
  subnet_ids         = aws_subnet.private[*].id
  dns_support        = "enable"
  tags               = merge(local.tags, { Name = "${local.name}-tgw" })
}

locals {
  tgw_routes = var.transit_gateway_id == null ? [] : flatten([
    for rt_index in range(length(local.azs)) : [
      for cidr in var.transit_gateway_cidrs : { rt_index = rt_index, cidr = cidr }
    ]
  ])
}

resource "aws_route" "private_to_tgw" {
  count                  = length(local.tgw_routes)
  route_table_id         = aws_route_table.private[local.tgw_routes[count.index].rt_index].id
  destination_cidr_block = local.tgw_routes[count.index].cidr
  transit_gateway_id     = var.transit_gateway_id

  depends_on = [aws_ec2_transit_gateway_vpc_attachment.main]
}
