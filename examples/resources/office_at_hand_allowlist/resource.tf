# AWS: all endpoint services, spread over two security groups (72 entries exceed the default
# quota of 60 rules per direction of one group).
resource "office_at_hand_allowlist" "aws" {
  aws_security_group {
    group_ids = ["sg-0123456789abcdef0", "sg-0fedcba9876543210"]
  }
}

# Azure: the same policy is a couple of NSG rules; priorities are allocated inside the range,
# around rules this provider does not own.
resource "office_at_hand_allowlist" "azure" {
  services = ["video", "desktop_app"]

  azure_network_security_group {
    id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/networkSecurityGroups/office"
    priority_from = 1000
    priority_to   = 1099
    name_prefix   = "oah"
  }
}

# GCP: VPC firewall rules on one network, applied to tagged instances only.
resource "office_at_hand_allowlist" "gcp" {
  services     = ["phones"]
  line_sharing = true

  gcp_firewall {
    project     = "my-project"
    network     = "default"
    name_prefix = "oah"
    target_tags = ["voice"]
  }
}
