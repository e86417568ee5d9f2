// The protocol-neutral provider API. The gRPC server (protocol/server/) decodes each RPC
// with the schemas declared here, calls these interfaces, and encodes the answers for
// tfplugin6 or tfplugin5. Nothing here knows about protobuf, and nothing here knows about
// Office@Hand: resources/ implements these interfaces.
//
// Thread-safety: every method may be called concurrently from several gRPC threads.
// Implementations keep no per-request state in members except behind their own locks.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "provider/base/cancel.h"
#include "provider/protocol/cty/value.h"
#include "provider/protocol/diagnostics.h"
#include "provider/protocol/schema/schema.h"

namespace prov::protocol {

// Cancellation and per-call context. `stopping` flips when StopProvider or SIGTERM arrive;
// Cancelled() is also true when the client abandoned this call (hung up, deadline), which
// the server's cancel::Scope on the handler thread reports.
struct CallContext {
  const std::atomic<bool>* stopping = nullptr;
  std::string request_id;  // for log correlation
  bool Cancelled() const { return (stopping && stopping->load()) || cancel::Requested(); }
};

struct ClientCapabilities {
  bool deferral_allowed = false;
  bool write_only_attributes_allowed = false;
};

// ---- provider ----
struct ConfigureRequest {
  std::string terraform_version;
  cty::Value config;  // conforms to the provider schema; may contain unknowns
};

// ---- resources ----
struct ValidateResourceRequest { std::string type_name; cty::Value config; };
struct UpgradeResourceStateRequest {
  std::string type_name;
  int64_t version = 0;
  std::string raw_state_json;  // raw JSON state as stored (may be old schema)
};
struct UpgradeResourceStateResponse { cty::Value upgraded_state; Diagnostics diagnostics; };

struct ReadResourceRequest {
  std::string type_name;
  cty::Value current_state;
  std::string private_data;
  cty::Value provider_meta;
};
struct ReadResourceResponse {
  cty::Value new_state;  // null => the object is gone
  std::string private_data;
  Diagnostics diagnostics;
};

struct AttributeRequiresReplace { AttributePath path; };

struct PlanResourceChangeRequest {
  std::string type_name;
  cty::Value prior_state;         // null on create
  cty::Value proposed_new_state;  // null on destroy
  cty::Value config;              // null on destroy
  std::string prior_private;
  cty::Value provider_meta;
};
struct PlanResourceChangeResponse {
  cty::Value planned_state;
  std::vector<AttributePath> requires_replace;
  std::string planned_private;
  Diagnostics diagnostics;
};

struct ApplyResourceChangeRequest {
  std::string type_name;
  cty::Value prior_state;
  cty::Value planned_state;  // null => destroy
  cty::Value config;
  std::string planned_private;
  cty::Value provider_meta;
};
struct ApplyResourceChangeResponse {
  cty::Value new_state;  // must be set even on partial failure (what exists now)
  std::string private_data;
  Diagnostics diagnostics;
};

struct ImportResourceStateRequest { std::string type_name; std::string id; };
struct ImportedResource { std::string type_name; cty::Value state; std::string private_data; };
struct ImportResourceStateResponse {
  std::vector<ImportedResource> imported;
  Diagnostics diagnostics;
};

struct MoveResourceStateRequest {
  std::string source_provider_address;
  std::string source_type_name;
  int64_t source_schema_version = 0;
  std::string source_state_json;
  std::string target_type_name;
  std::string source_private;
};
struct MoveResourceStateResponse {
  cty::Value target_state;
  std::string target_private;
  Diagnostics diagnostics;
};

class Resource {
 public:
  virtual ~Resource() = default;
  virtual std::string TypeName() const = 0;
  virtual const schema::Block& Schema() const = 0;
  virtual void Validate(const CallContext&, const ValidateResourceRequest&, Diagnostics&) {}
  // Default: decode raw_state_json with the current schema (same version).
  virtual void UpgradeState(const CallContext&, const UpgradeResourceStateRequest&,
                            UpgradeResourceStateResponse&);
  virtual void Read(const CallContext&, const ReadResourceRequest&, ReadResourceResponse&) = 0;
  virtual void Plan(const CallContext&, const PlanResourceChangeRequest&,
                    PlanResourceChangeResponse&) = 0;
  virtual void Apply(const CallContext&, const ApplyResourceChangeRequest&,
                     ApplyResourceChangeResponse&) = 0;
  virtual void Import(const CallContext&, const ImportResourceStateRequest&,
                      ImportResourceStateResponse&);  // default: error "not importable"
  virtual void Move(const CallContext&, const MoveResourceStateRequest&,
                    MoveResourceStateResponse&);      // default: error "cannot move"
};

// ---- data sources ----
struct ReadDataSourceRequest {
  std::string type_name;
  cty::Value config;
  cty::Value provider_meta;
};
struct ReadDataSourceResponse { cty::Value state; Diagnostics diagnostics; };

class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual std::string TypeName() const = 0;
  virtual const schema::Block& Schema() const = 0;
  virtual void Validate(const CallContext&, const cty::Value& config, Diagnostics&) {}
  virtual void Read(const CallContext&, const ReadDataSourceRequest&, ReadDataSourceResponse&) = 0;
};

// ---- functions ----
struct FunctionError {
  std::string text;
  std::optional<int64_t> argument;  // index of the offending argument
};

class Function {
 public:
  virtual ~Function() = default;
  virtual std::string Name() const = 0;
  virtual const schema::FunctionSignature& Signature() const = 0;
  // Arguments are already converted to the parameter types (variadic ones appended).
  virtual Result<cty::Value> Call(const CallContext&, const std::vector<cty::Value>& args,
                                  std::optional<FunctionError>& error) = 0;
};

// ---- the provider ----
class Provider {
 public:
  virtual ~Provider() = default;
  virtual const schema::Block& ProviderSchema() const = 0;
  virtual const schema::Block* ProviderMetaSchema() const { return nullptr; }
  virtual void ValidateConfig(const CallContext&, const cty::Value& config, Diagnostics&) {}
  virtual void Configure(const CallContext&, const ConfigureRequest&, Diagnostics&) = 0;
  virtual std::vector<Resource*> Resources() = 0;
  virtual std::vector<DataSource*> DataSources() = 0;
  virtual std::vector<Function*> Functions() = 0;
  // Called on StopProvider; in-flight calls observe CallContext::Cancelled().
  virtual void Stop() {}
};

}  // namespace prov::protocol
