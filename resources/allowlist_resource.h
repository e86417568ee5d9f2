// Resource office_at_hand_allowlist: keeps the rules the Office@Hand catalog needs in one
// cloud firewall target (AWS security groups, an Azure NSG, a GCP VPC network).
//
// State: the selection (services, conditions, addresses), the target block, and the live
// rules the provider owns there as a map keyed by stable rule keys. Plan recompiles the
// catalog and shows per-rule +/-/~; Read returns the live owned rules so changes made
// outside Terraform show as drift; Apply makes the live rules match and records exactly
// what exists, even when it fails half-way. Rules without our ownership marker are never
// read into state, changed or deleted.
#pragma once

#include "provider/protocol/provider_api.h"
#include "resources/backends.h"
#include "resources/provider.h"

namespace prov::resources {

class AllowlistResource : public protocol::Resource {
 public:
  explicit AllowlistResource(DataHandle data) : data_(data) {}
  std::string TypeName() const override { return "office_at_hand_allowlist"; }
  const schema::Block& Schema() const override;
  void Validate(const protocol::CallContext&, const protocol::ValidateResourceRequest&,
                protocol::Diagnostics&) override;
  void Read(const protocol::CallContext&, const protocol::ReadResourceRequest&,
            protocol::ReadResourceResponse&) override;
  void Plan(const protocol::CallContext&, const protocol::PlanResourceChangeRequest&,
            protocol::PlanResourceChangeResponse&) override;
  void Apply(const protocol::CallContext&, const protocol::ApplyResourceChangeRequest&,
             protocol::ApplyResourceChangeResponse&) override;
  void Import(const protocol::CallContext&, const protocol::ImportResourceStateRequest&,
              protocol::ImportResourceStateResponse&) override;

 private:
  DataHandle data_;
};

// Reads the target block of a config/state object. Returns nullopt (with diagnostics when
// the problem is the user's) when no complete target can be read; `unknown` is set when a
// target value is not yet known.
std::optional<TargetSpec> ReadTargetSpec(const cty::Value& obj, protocol::Diagnostics& diags, bool* unknown);

// Parses an import id: "sg-1,sg-2" (AWS), an NSG resource id (Azure),
// "projects/P/global/networks/N" or "P/N" (GCP).
Result<TargetSpec> ParseImportId(const std::string& id);

}  // namespace prov::resources
