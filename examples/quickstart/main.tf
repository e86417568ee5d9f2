# Quickstart: keep an AWS security group in line with what AT&T Office@Hand needs.
#
#   tofu init && tofu apply -var security_group_id=sg-...
#
# `./dev demo` runs this against a local EC2 emulator (ec2_endpoint), with no AWS account.

terraform {
  required_providers {
    office = {
      source = "office-at-hand/office"
    }
  }
}

variable "region" {
  type        = string
  default     = "us-east-1"
  description = "AWS region of the security group."
}

variable "ec2_endpoint" {
  type        = string
  default     = null
  description = "EC2 API endpoint override (an emulator); null uses the region's public endpoint."
}

variable "security_group_id" {
  type        = string
  description = "The security group whose egress rules this allowlist manages."
}

variable "additional_security_group_ids" {
  type        = list(string)
  default     = []
  description = <<-EOT
    More groups to spread rules over. All endpoint services need 72 rule entries on AWS
    (8 port ranges x 9 supernets), above the default quota of 60 per direction of one group:
    give a second group here, or raise the quota with AWS and set rule_quota.
  EOT
}

variable "rule_quota" {
  type        = number
  default     = null
  description = "Your per-direction rule quota per security group, if AWS raised it for you (default 60)."
}

provider "office" {
  aws {
    region       = var.region
    ec2_endpoint = var.ec2_endpoint
  }
}

# No `services`: every endpoint service of the article (apps, video, phones, rooms, ...).
resource "office_at_hand_allowlist" "office" {
  aws_security_group {
    group_ids  = concat([var.security_group_id], var.additional_security_group_ids)
    rule_quota = var.rule_quota
  }
}

output "rule_count" {
  description = "Rules the allowlist keeps in the security group(s)."
  value       = length(office_at_hand_allowlist.office.rules)
}

output "catalog_version" {
  description = "Version of the Office@Hand requirements catalog the rules come from."
  value       = office_at_hand_allowlist.office.catalog_version
}

output "unenforceable_count" {
  description = "Requirements a security group cannot express (domain-only rows, advisories)."
  value       = length(office_at_hand_allowlist.office.unenforceable)
}
