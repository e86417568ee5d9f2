# The compiled rule set for one platform, with its cost, before anything is applied:
# use it to review a change or to feed another module.
data "office_at_hand_rules" "aws" {
  platform   = "aws"
  services   = ["video"]
  rule_quota = 60
}

output "aws_rules_needed" {
  value = data.office_at_hand_rules.aws.rules_needed
}

output "not_enforceable_at_l3" {
  value = data.office_at_hand_rules.aws.unenforceable
}
