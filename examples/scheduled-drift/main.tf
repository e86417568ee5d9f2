# The configuration the scheduled job checks. Any configuration with office_at_hand_allowlist
# resources works: the job only plans (never applies) and reports.
terraform {
  required_providers {
    office = { source = "office-at-hand/office" }
  }
}

variable "security_group_ids" {
  type        = list(string)
  description = "The security groups the allowlist keeps."
  default     = ["sg-0123456789abcdef0"]
}

provider "office" {
  aws { region = "us-east-1" }
}

resource "office_at_hand_allowlist" "hq" {
  services = ["desktop_app", "video"]
  aws_security_group { group_ids = var.security_group_ids }
}
