// GcpBackend: keeps the VPC firewall rules of one allowlist in one GCP network.
//
// Ownership: a firewall is ours when its name starts with "<name_prefix>-" AND its
// description carries owner_marker AND it sits in the target network. Nothing else is
// ever patched or deleted. Each FirewallRule maps to one firewall named FirewallRule.name
// (or .key when name is empty; the compiler makes them equal for GCP):
//   egress  -> direction EGRESS,  destinationRanges = remote_cidrs
//   ingress -> direction INGRESS, sourceRanges      = remote_cidrs
//   allowed = one {IPProtocol, ports} per TransportPorts; priority = rule.priority, or the
//   target's when 0; description = "<rule description> <owner_marker>" (≤ 2048);
//   targetTags / targetServiceAccounts / logConfig from the target.
//
// Read is one paged list call filtered by name (a regular expression on one field, as the
// filter grammar requires); only when it finds no firewall in the network does it GET the
// network to tell "no rules" from "network gone". Target-level drift (tags, service accounts,
// logging, disabled) that FirewallRule cannot express is surfaced in the read rule's
// description as " [drift: ...]" so the resource sees a change and Apply repairs it.
//
// Thread-safety: Read and Apply may run concurrently on different backends sharing one
// ComputeClient; one backend is not meant to Apply concurrently with itself.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "provider/cloud/firewall_backend.h"
#include "provider/cloud/gcp/compute_client.h"

namespace prov::cloud::gcp {

struct GcpTarget {
  std::string project;
  std::string network;      // name, or "projects/P/global/networks/N" / URL
  std::string name_prefix;  // rules are "<name_prefix>-..."
  int priority = 1000;
  std::vector<std::string> target_tags, target_service_accounts;
  bool enable_logging = false;
  std::string owner_marker;  // e.g. "[oah:default]"; must be non-empty
};

inline constexpr int kMaxDescriptionLength = 2048;

class GcpBackend : public FirewallBackend {
 public:
  // `client` must be bound to target.project. Invalid targets surface as errors from
  // Read/Apply (kInvalidArgument), never as a crash.
  GcpBackend(GcpTarget target, std::shared_ptr<ComputeClient> client);

  Result<LiveState> Read(const std::atomic<bool>* cancel) override;
  ApplyOutcome Apply(const LiveState& before, const std::vector<Change>& changes,
                     const std::atomic<bool>* cancel) override;

  // The firewall we would write for `rule` (exposed for tests and plan previews).
  // Errors: kInvalidArgument (bad name, mixed IPv4/IPv6 ranges, no ranges, no ports).
  Result<Firewall> ToFirewall(const net::FirewallRule& rule) const;
  // The rule a firewall represents, or nullopt if it is not ours.
  std::optional<LiveRule> ToLiveRule(const Firewall& f) const;
  // The list filter Read uses.
  std::string ListFilter() const;

 private:
  Status ValidateTarget() const;
  bool Owns(const Firewall& f) const;

  GcpTarget target_;
  std::shared_ptr<ComputeClient> client_;
  std::string network_path_;  // projects/P/global/networks/N
};

}  // namespace prov::cloud::gcp
