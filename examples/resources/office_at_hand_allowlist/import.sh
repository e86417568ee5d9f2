# AWS: the security group ids, comma-separated, in the order of group_ids.
terraform import office_at_hand_allowlist.aws sg-0123456789abcdef0,sg-0fedcba9876543210

# Azure: the network security group's resource id.
terraform import office_at_hand_allowlist.azure /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/networkSecurityGroups/office

# GCP: the VPC network.
terraform import office_at_hand_allowlist.gcp projects/my-project/global/networks/default

# Settings an id cannot carry (a non-default owner or name prefix, an AWS region) follow a "?":
terraform import office_at_hand_allowlist.gcp 'projects/my-project/global/networks/default?name_prefix=oah&owner=default'
