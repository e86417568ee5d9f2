// AzureBackend: FirewallBackend for one Azure network security group.
//
// Ownership: a security rule is ours when its name starts with `name_prefix` AND its
// description carries `owner_marker` (e.g. "[oah:<allowlist id>]"). Every other rule is
// foreign: never written or deleted, only reported through its priority so ours can be
// allocated around it.
//
// Read is one NSG GET (the NSG embeds its securityRules) or, with `list_rules`, one paged
// securityRules list; never per-rule reads. A rule whose last operation ended Failed is
// read as not in force (no allowed ports), so the next plan shows it as still to do.
// Apply first reads the NSG when it has creates and refuses, before any write, a name that
// exists and is not ours (the specification declares no If-None-Match for security rules,
// so the header cannot be counted on). Then deletes, updates (If-Match with the etag read,
// ordered so owned rules can swap priorities), creates; serialized per NSG by ArmClient.
// A child rule carries the NSG's etag, so a 412 is answered by re-reading the rule: our own
// content in force = our write whose answer was lost (done); the content read before = a
// sibling write moved the etag (retry); anything else = a concurrent edit (kConflict, not
// overwritten). An operation ending Failed or Canceled is re-read and written again, at most
// three times, then a clear kUnavailable error. A priority collision (SecurityRuleConflict)
// stops the apply with a kConflict Error naming the rule in the way; nothing we do not own
// is touched. ApplyOutcome::owned_after comes from one final re-read: exactly what exists.
//
// Mapping FirewallRule <-> security rule: egress = Outbound with destination prefixes =
// remote_cidrs and source = local_cidrs (or "*"); ingress = Inbound with source =
// remote_cidrs and destination = local_cidrs (or "*"); one transport per rule (Tcp/Udp),
// destination ports = the port ranges, source port "*", access Allow. The description is
// "<rule description> <owner_marker>", the rule description cut so the total is <= 140.
#pragma once

#include <memory>
#include <string>

#include "provider/base/result.h"
#include "provider/cloud/azure/arm_client.h"
#include "provider/cloud/firewall_backend.h"

namespace prov::cloud::azure {

inline constexpr int kMaxDescriptionLength = 140;
inline constexpr int kMaxRuleNameLength = 80;

struct AzureTarget {
  std::string nsg_id;
  std::string name_prefix = "oah";
  int priority_from = 1000;
  int priority_to = 1999;
  std::string owner_marker;  // put in every description we write; must not be empty
  bool list_rules = false;   // Read via the paged securityRules list instead of the NSG GET
};

class AzureBackend : public FirewallBackend {
 public:
  // kInvalidArgument for a malformed NSG id, an empty marker or prefix, or a priority range
  // outside 100..4096. `client` is shared and thread-safe.
  static Result<std::unique_ptr<AzureBackend>> New(AzureTarget target,
                                                   std::shared_ptr<ArmClient> client);

  Result<LiveState> Read(const std::atomic<bool>* cancel) override;
  ApplyOutcome Apply(const LiveState& before, const std::vector<Change>& changes,
                     const std::atomic<bool>* cancel) override;

  bool Owns(const SecurityRule& rule) const;
  // FirewallRule -> security rule to PUT. kInvalidArgument when the rule cannot be
  // expressed or is not ours to write (name without our prefix, priority outside the
  // target range, several transports, no remote prefixes, a prefix-list peer).
  Result<SecurityRule> ToSecurityRule(const net::FirewallRule& rule) const;
  // Security rule -> FirewallRule (key = name; marker removed from the description;
  // ports merged; prefixes canonical and sorted). Provenance fields stay empty.
  net::FirewallRule FromSecurityRule(const SecurityRule& rule) const;

  const AzureTarget& target() const { return target_; }
  const NsgRef& nsg() const { return nsg_; }

 private:
  AzureBackend(AzureTarget target, NsgRef nsg, std::shared_ptr<ArmClient> client);
  Result<LiveState> ReadInternal(const std::atomic<bool>* cancel);
  // Explains a SecurityRuleConflict: re-reads and names the rule holding the priority.
  Error ExplainPriorityConflict(const Error& original, const SecurityRule& wanted,
                                const std::atomic<bool>* cancel);

  AzureTarget target_;
  NsgRef nsg_;
  std::shared_ptr<ArmClient> client_;
};

}  // namespace prov::cloud::azure
