// Protocol-neutral core of the gRPC provider services (internal to protocol/server/).
//
// ProviderCore indexes the Provider's resources, data sources and functions once, owns the
// stop flag, and hands out request ids. The templates below convert between our model and
// the generated tfplugin6 / tfplugin5 messages; both protocols share them because the
// messages they touch have the same field names. Every function here is thread-safe: the
// indexes are immutable after construction.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>

#include <grpcpp/server_context.h>

#include "provider/base/cancel.h"
#include "provider/base/log.h"
#include "provider/base/redact.h"
#include "provider/protocol/cty/codec.h"
#include "provider/protocol/diagnostics.h"
#include "provider/protocol/provider_api.h"
#include "provider/protocol/schema/schema.h"

namespace prov::protocol::server {

class ProviderCore {
 public:
  struct ResourceEntry { Resource* resource; cty::Type type; };
  struct DataSourceEntry { DataSource* data_source; cty::Type type; };

  explicit ProviderCore(Provider& provider);

  Provider& provider() { return provider_; }
  const ResourceEntry* FindResource(const std::string& name) const;
  const DataSourceEntry* FindDataSource(const std::string& name) const;
  Function* FindFunction(const std::string& name) const;
  const std::map<std::string, ResourceEntry>& resources() const { return resources_; }
  const std::map<std::string, DataSourceEntry>& data_sources() const { return data_sources_; }
  const std::map<std::string, Function*>& functions() const { return functions_; }
  const cty::Type& provider_type() const { return provider_type_; }
  // Null when the provider declares no provider_meta schema.
  const cty::Type* meta_type() const { return has_meta_ ? &meta_type_ : nullptr; }

  // StopProvider: flips the flag every CallContext observes, then tells the provider.
  void Stop();
  bool stopping() const { return stopping_.load(); }
  const std::atomic<bool>* stop_flag() const { return &stopping_; }
  CallContext NewContext();

 private:
  Provider& provider_;
  std::map<std::string, ResourceEntry> resources_;
  std::map<std::string, DataSourceEntry> data_sources_;
  std::map<std::string, Function*> functions_;
  cty::Type provider_type_;
  cty::Type meta_type_;
  bool has_meta_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_request_{1};
};

// Installed for the duration of every RPC on its handler thread: the call counts as
// cancelled when the provider stops (StopProvider, SIGTERM), the client hangs up or the
// call's deadline passes, which the HTTP transport and retry sleeps check every 50 ms
// (base/cancel.h); and the secrets sent during the call are collected so that no
// diagnostic or log line repeats them (base/redact.h).
class CallScope {
 public:
  CallScope(const ProviderCore& core, ::grpc::ServerContext* context)
      : cancel_(core.stop_flag(), [context] {
          return context != nullptr &&
                 (context->IsCancelled() || context->deadline() <= std::chrono::system_clock::now());
        }) {}

 private:
  redact::SecretScope secrets_;
  cancel::Scope cancel_;
};

// Turns a codec error location (`.rules["k"].ports[0]`) into an AttributePath; anything it
// cannot parse ends the path there (a shorter path is still useful to the user).
AttributePath PathFromWhere(std::string_view where);

// ---- templates over the generated message types ----

template <class PBPath>
void PathToProto(const AttributePath& path, PBPath* out) {
  for (const PathStep& step : path.steps()) {
    auto* s = out->add_steps();
    switch (step.kind) {
      case PathStep::Kind::kAttribute: s->set_attribute_name(step.name); break;
      case PathStep::Kind::kElementKeyString: s->set_element_key_string(step.name); break;
      case PathStep::Kind::kElementKeyInt: s->set_element_key_int(step.index); break;
    }
  }
}

// Every text leaves through redact::Scrub (secrets known to this call, and anything shaped
// like a credential). Diagnostics beyond Diagnostics::kMaxItems are reported as a count.
template <class RepeatedDiags>
void DiagsToProto(const Diagnostics& diags, RepeatedDiags* out) {
  for (const Diagnostic& d : diags.items()) {
    auto* pd = out->Add();
    using PBDiag = std::remove_pointer_t<decltype(pd)>;
    pd->set_severity(d.severity == Severity::kError ? PBDiag::ERROR : PBDiag::WARNING);
    pd->set_summary(redact::Scrub(d.summary));
    pd->set_detail(redact::Scrub(d.detail));
    if (d.attribute && !d.attribute->empty()) PathToProto(*d.attribute, pd->mutable_attribute());
  }
  const size_t errors = diags.omitted_errors(), warnings = diags.omitted_warnings();
  if (errors + warnings > 0) {
    auto* pd = out->Add();
    using PBDiag = std::remove_pointer_t<decltype(pd)>;
    pd->set_severity(errors > 0 ? PBDiag::ERROR : PBDiag::WARNING);
    pd->set_summary("Too many diagnostics");
    pd->set_detail(std::to_string(errors) + " more errors and " + std::to_string(warnings) +
                   " more warnings were not reported; the first " +
                   std::to_string(Diagnostics::kMaxItems) + " are shown above.");
  }
}

// msgpack is what both CLIs send; json is accepted for older clients and tools. An empty
// DynamicValue means "not sent" and decodes as null.
template <class DV>
Result<cty::Value> DecodeDynamic(const DV& dv, const cty::Type& type) {
  if (!dv.msgpack().empty()) return cty::DecodeMsgpack(dv.msgpack(), type);
  if (!dv.json().empty()) return cty::DecodeJson(dv.json(), type);
  return cty::Value::Null(type);
}

template <class DV>
Status EncodeDynamic(const cty::Value& value, const cty::Type& type, DV* out) {
  auto bytes = cty::EncodeMsgpack(value, type);
  if (!bytes.ok()) return bytes.error();
  out->set_msgpack(std::move(bytes).value());
  return Status::Ok();
}

// Decodes `dv` into `*value`; on failure adds an error diagnostic naming `what` and
// `type_name` (with the attribute path from the codec) and returns false.
template <class DV>
bool DecodeOrDiag(const DV& dv, const cty::Type& type, std::string_view what,
                  std::string_view type_name, cty::Value* value, Diagnostics& diags) {
  auto r = DecodeDynamic(dv, type);
  if (!r.ok()) {
    std::optional<AttributePath> path;
    if (!r.error().where.empty()) path = PathFromWhere(r.error().where);
    diags.AddError("Decoding " + std::string(what) + " (" + std::string(type_name) + ")",
                   "The value sent by Terraform does not match the schema: " +
                       r.error().ToString(),
                   path);
    return false;
  }
  *value = std::move(r).value();
  return true;
}

template <class DV>
bool EncodeOrDiag(const cty::Value& value, const cty::Type& type, std::string_view what,
                  std::string_view type_name, DV* out, Diagnostics& diags) {
  Status s = EncodeDynamic(value, type, out);
  if (!s.ok()) {
    diags.AddError("Encoding " + std::string(what) + " (" + std::string(type_name) + ")",
                   "The provider produced a value that does not match its schema: " +
                       s.error().ToString());
    return false;
  }
  return true;
}

void AddUnknownType(Diagnostics& diags, std::string_view kind, std::string_view name);

// Proto Schema conversion. kNested: protocol 6 (nested_type); otherwise nested attributes
// are sent as their implied object type (protocol 5 has no nested attributes).
template <bool kNested, class PBAttr>
void AttributeToProto(const schema::Attribute& a, PBAttr* out) {
  out->set_name(a.name);
  if (a.nested) {
    if constexpr (kNested) {
      auto* obj = out->mutable_nested_type();
      using PBObject = std::remove_pointer_t<decltype(obj)>;
      // Nested attributes have no GROUP mode; SINGLE is the closest meaning.
      int mode = static_cast<int>(a.nested->nesting) + 1;
      if (a.nested->nesting == schema::NestingMode::kGroup) mode = 1;
      obj->set_nesting(static_cast<typename PBObject::NestingMode>(mode));
      for (const auto& inner : a.nested->attributes)
        AttributeToProto<kNested>(inner, obj->add_attributes());
    } else {
      out->set_type(schema::ImpliedType(*a.nested).ToJson().dump());
    }
  } else {
    out->set_type(a.type.ToJson().dump());
  }
  out->set_description(a.description);
  out->set_description_kind(a.description_kind == schema::StringKind::kMarkdown
                                ? std::remove_cvref_t<decltype(out->description_kind())>(1)
                                : std::remove_cvref_t<decltype(out->description_kind())>(0));
  out->set_required(a.required);
  out->set_optional(a.optional);
  out->set_computed(a.computed);
  out->set_sensitive(a.sensitive);
  out->set_deprecated(a.deprecated);
  out->set_write_only(a.write_only);
}

template <bool kNested, class PBBlock>
void BlockToProto(const std::vector<schema::Attribute>& attrs,
                  const std::vector<schema::NestedBlock>& blocks, PBBlock* out) {
  for (const auto& a : attrs) AttributeToProto<kNested>(a, out->add_attributes());
  for (const auto& b : blocks) {
    auto* nb = out->add_block_types();
    using PBNested = std::remove_pointer_t<decltype(nb)>;
    nb->set_type_name(b.type_name);
    nb->set_nesting(static_cast<typename PBNested::NestingMode>(static_cast<int>(b.nesting) + 1));
    nb->set_min_items(b.min_items);
    nb->set_max_items(b.max_items);
    auto* inner = nb->mutable_block();
    inner->set_description(b.description);
    inner->set_deprecated(b.deprecated);
    BlockToProto<kNested>(b.attributes, b.blocks, inner);
  }
}

template <bool kNested, class PBSchema>
void SchemaToProto(const schema::Block& block, PBSchema* out) {
  out->set_version(block.version);
  auto* b = out->mutable_block();
  b->set_version(block.version);
  b->set_description(block.description);
  b->set_description_kind(block.description_kind == schema::StringKind::kMarkdown
                              ? std::remove_cvref_t<decltype(b->description_kind())>(1)
                              : std::remove_cvref_t<decltype(b->description_kind())>(0));
  b->set_deprecated(block.deprecated);
  BlockToProto<kNested>(block.attributes, block.blocks, b);
}

template <class PBParam>
void ParameterToProto(const schema::Parameter& p, PBParam* out) {
  out->set_name(p.name);
  out->set_type(p.type.ToJson().dump());
  out->set_allow_null_value(p.allow_null);
  out->set_allow_unknown_values(p.allow_unknown);
  out->set_description(p.description);
}

template <class PBFunction>
void FunctionToProto(const schema::FunctionSignature& sig, PBFunction* out) {
  for (const auto& p : sig.parameters) ParameterToProto(p, out->add_parameters());
  if (sig.variadic) ParameterToProto(*sig.variadic, out->mutable_variadic_parameter());
  out->mutable_return_()->set_type(sig.return_type.ToJson().dump());
  out->set_summary(sig.summary);
  out->set_description(sig.description);
  out->set_deprecation_message(sig.deprecation_message);
}

// Logs the request at debug level, runs `body`, and turns any escaping exception into an
// internal-error diagnostic via `on_exception(message)`. Never lets an exception out.
template <class Body, class OnException>
void RunLogged(std::string_view rpc, const CallContext& ctx, std::string_view type_name,
               Body&& body, OnException&& on_exception) {
  const auto start = std::chrono::steady_clock::now();
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("Received request", {{"tf_rpc", std::string(rpc)},
                                    {"tf_req_id", ctx.request_id},
                                    {"tf_resource_type", std::string(type_name)}});
  }
  try {
    body();
  } catch (const std::exception& e) {
    log::Error("Internal error", {{"tf_rpc", std::string(rpc)}, {"tf_req_id", ctx.request_id},
                                  {"error", e.what()}});
    on_exception(std::string(e.what()));
  } catch (...) {
    on_exception("unknown exception");
  }
  if (log::Enabled(log::Level::kDebug)) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start).count();
    log::Debug("Served request", {{"tf_rpc", std::string(rpc)},
                                  {"tf_req_id", ctx.request_id},
                                  {"tf_req_duration_us", std::to_string(us)}});
  }
}

// RunLogged for responses with a `diagnostics` field.
template <class Resp, class Body>
void RunWithDiags(std::string_view rpc, const CallContext& ctx, std::string_view type_name,
                  Resp* resp, Body&& body) {
  RunLogged(rpc, ctx, type_name, body, [&](const std::string& what) {
    Diagnostics d;
    d.AddError("Internal provider error in " + std::string(rpc),
               "An unexpected failure happened while handling this request: " + what +
                   ". Please report this as a bug in the provider.");
    DiagsToProto(d, resp->mutable_diagnostics());
  });
}

}  // namespace prov::protocol::server
