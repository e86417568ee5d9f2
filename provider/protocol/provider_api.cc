#include "provider/protocol/provider_api.h"

#include "provider/protocol/cty/codec.h"

namespace prov::protocol {

void Resource::UpgradeState(const CallContext&, const UpgradeResourceStateRequest& req,
                            UpgradeResourceStateResponse& resp) {
  const cty::Type type = Schema().ImpliedType();
  Result<cty::Value> v = cty::DecodeJson(req.raw_state_json, type);
  if (!v.ok()) {
    resp.diagnostics.AddError("Upgrading resource state (" + TypeName() + ")",
                              "The stored state does not match the resource schema (version " +
                                  std::to_string(req.version) + "): " + v.error().ToString());
    return;
  }
  resp.upgraded_state = std::move(*v);
}

void Resource::Import(const CallContext&, const ImportResourceStateRequest& req,
                      ImportResourceStateResponse& resp) {
  resp.diagnostics.AddError("Resource " + TypeName() + " does not support import",
                            "Import of id \"" + req.id + "\" was requested, but this resource "
                            "type cannot be imported.");
}

void Resource::Move(const CallContext&, const MoveResourceStateRequest& req,
                    MoveResourceStateResponse& resp) {
  resp.diagnostics.AddError("Resource " + TypeName() + " does not support move",
                            "Moving state from " + req.source_type_name + " (" +
                                req.source_provider_address + ") to " + req.target_type_name +
                                " is not supported.");
}

}  // namespace prov::protocol
