// The RPC handlers shared by the tfplugin6 and tfplugin5 services (internal). Each one runs
// the same steps: decode, look up the type, call the Provider, encode; it stops early once
// the diagnostics hold an error. Private bytes are echoed unless the provider replaces them.
#pragma once

#include <string>
#include <vector>

#include "provider/protocol/server/rpc_core.h"

namespace prov::protocol::server {

// Top-level values. Configurations and states are objects; a client other than the CLIs
// may send a null or a wholly unknown one. Each handler answers what the protocol allows
// (validation of a not-yet-known configuration passes; a plan of a wholly unknown value is
// that unknown value; a read of a null state is "gone") and otherwise returns this error,
// never handing the provider a value its schema cannot describe.
enum class TopLevel { kObject, kNull, kUnknown };
inline TopLevel Classify(const cty::Value& v) {
  return v.IsNull() ? TopLevel::kNull : v.IsUnknown() ? TopLevel::kUnknown : TopLevel::kObject;
}
inline void AddTopLevelError(Diagnostics& diags, const cty::Value& v, std::string_view what,
                             std::string_view type_name) {
  const bool null = v.IsNull();
  diags.AddError(std::string(null ? "Null " : "Unknown ") + std::string(what) + " (" +
                     std::string(type_name) + ")",
                 "The client sent " + std::string(null ? "a null " : "a wholly unknown ") +
                     std::string(what) + " where the plugin protocol requires " +
                     (null ? "an object" : "a known object") + "; nothing was done.");
}
// True when `v` is a (known, non-null) object; otherwise adds the error above.
inline bool RequireObject(const cty::Value& v, std::string_view what, std::string_view type_name,
                          Diagnostics& diags) {
  if (Classify(v) == TopLevel::kObject) return true;
  AddTopLevelError(diags, v, what, type_name);
  return false;
}

template <class Req, class Resp>
void HandleValidateProviderConfig(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("ValidateProviderConfig", ctx, "", resp, [&] {
    Diagnostics diags;
    cty::Value config;
    if (DecodeOrDiag(req.config(), core.provider_type(), "provider configuration", "provider",
                     &config, diags) &&
        !config.IsUnknown() && RequireObject(config, "provider configuration", "provider", diags)) {
      core.provider().ValidateConfig(ctx, config, diags);
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandleValidateResourceConfig(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("ValidateResourceConfig", ctx, req.type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindResource(req.type_name());
    ValidateResourceRequest r;
    r.type_name = req.type_name();
    if (!entry) {
      AddUnknownType(diags, "resource", req.type_name());
    } else if (DecodeOrDiag(req.config(), entry->type, "resource configuration",
                            req.type_name(), &r.config, diags) &&
               !r.config.IsUnknown() &&
               RequireObject(r.config, "resource configuration", req.type_name(), diags)) {
      entry->resource->Validate(ctx, r, diags);
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandleValidateDataSourceConfig(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("ValidateDataResourceConfig", ctx, req.type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindDataSource(req.type_name());
    cty::Value config;
    if (!entry) {
      AddUnknownType(diags, "data source", req.type_name());
    } else if (DecodeOrDiag(req.config(), entry->type, "data source configuration",
                            req.type_name(), &config, diags) &&
               !config.IsUnknown() &&
               RequireObject(config, "data source configuration", req.type_name(), diags)) {
      entry->data_source->Validate(ctx, config, diags);
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandleConfigureProvider(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("ConfigureProvider", ctx, "", resp, [&] {
    Diagnostics diags;
    ConfigureRequest r;
    r.terraform_version = req.terraform_version();
    if (DecodeOrDiag(req.config(), core.provider_type(), "provider configuration", "provider",
                     &r.config, diags) &&
        RequireObject(r.config, "provider configuration", "provider", diags)) {
      core.provider().Configure(ctx, r, diags);
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandleUpgradeResourceState(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("UpgradeResourceState", ctx, req.type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindResource(req.type_name());
    if (!entry) {
      AddUnknownType(diags, "resource", req.type_name());
    } else if (req.raw_state().json().empty() && req.raw_state().flatmap_size() > 0) {
      diags.AddError("Upgrading resource state (" + req.type_name() + ")",
                     "The state was stored in the legacy flatmap format (Terraform 0.11 and "
                     "earlier), which this provider cannot read. Re-import the resource.");
    } else {
      UpgradeResourceStateRequest r;
      r.type_name = req.type_name();
      r.version = req.version();
      r.raw_state_json = req.raw_state().json();
      if (r.raw_state_json.empty()) r.raw_state_json = "null";
      UpgradeResourceStateResponse out;
      entry->resource->UpgradeState(ctx, r, out);
      diags.Append(out.diagnostics);
      if (!diags.HasError()) {
        EncodeOrDiag(out.upgraded_state, entry->type, "upgraded state", req.type_name(),
                     resp->mutable_upgraded_state(), diags);
      }
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

// Decodes provider_meta when the provider declares a schema; otherwise it stays null.
template <class DV>
bool DecodeMeta(ProviderCore& core, const DV& dv, cty::Value* out, Diagnostics& diags) {
  if (const cty::Type* t = core.meta_type()) {
    return DecodeOrDiag(dv, *t, "provider_meta", "provider", out, diags);
  }
  return true;
}

template <class Req, class Resp>
void HandleReadResource(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("ReadResource", ctx, req.type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindResource(req.type_name());
    ReadResourceRequest r;
    r.type_name = req.type_name();
    r.private_data = req.private_();
    resp->set_private_(req.private_());
    if (!entry) {
      AddUnknownType(diags, "resource", req.type_name());
    } else if (DecodeOrDiag(req.current_state(), entry->type, "current state", req.type_name(),
                            &r.current_state, diags) &&
               DecodeMeta(core, req.provider_meta(), &r.provider_meta, diags)) {
      if (r.current_state.IsNull()) {
        // Nothing to read: the answer is "does not exist" (an empty new_state).
        DiagsToProto(diags, resp->mutable_diagnostics());
        return;
      }
      if (!RequireObject(r.current_state, "current state", req.type_name(), diags)) {
        DiagsToProto(diags, resp->mutable_diagnostics());
        return;
      }
      ReadResourceResponse out;
      out.new_state = r.current_state;
      out.private_data = r.private_data;
      entry->resource->Read(ctx, r, out);
      diags.Append(out.diagnostics);
      // new_state is always encoded: on a partial failure it tells Terraform what exists.
      if (EncodeOrDiag(out.new_state, entry->type, "new state", req.type_name(),
                       resp->mutable_new_state(), diags)) {
        resp->set_private_(out.private_data);
      }
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandlePlanResourceChange(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("PlanResourceChange", ctx, req.type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindResource(req.type_name());
    PlanResourceChangeRequest r;
    r.type_name = req.type_name();
    r.prior_private = req.prior_private();
    resp->set_planned_private(req.prior_private());
    if (!entry) {
      AddUnknownType(diags, "resource", req.type_name());
    } else if (DecodeOrDiag(req.prior_state(), entry->type, "prior state", req.type_name(),
                            &r.prior_state, diags) &&
               DecodeOrDiag(req.proposed_new_state(), entry->type, "proposed new state",
                            req.type_name(), &r.proposed_new_state, diags) &&
               DecodeOrDiag(req.config(), entry->type, "configuration", req.type_name(),
                            &r.config, diags) &&
               DecodeMeta(core, req.provider_meta(), &r.provider_meta, diags)) {
      if (r.prior_state.IsUnknown()) {
        AddTopLevelError(diags, r.prior_state, "prior state", req.type_name());
        DiagsToProto(diags, resp->mutable_diagnostics());
        return;
      }
      if (r.proposed_new_state.IsUnknown() || r.config.IsUnknown()) {
        // Nothing is known about the object yet (a client planning ahead of its inputs):
        // the only honest plan is "unknown until apply", with no changes computed.
        EncodeOrDiag(cty::Value::Unknown(entry->type), entry->type, "planned state",
                     req.type_name(), resp->mutable_planned_state(), diags);
        DiagsToProto(diags, resp->mutable_diagnostics());
        return;
      }
      if (r.config.IsNull() != r.proposed_new_state.IsNull()) {
        diags.AddError("Inconsistent plan request (" + req.type_name() + ")",
                       "The client sent a " + std::string(r.config.IsNull() ? "null" : "non-null") +
                           " configuration with a " +
                           (r.proposed_new_state.IsNull() ? "null" : "non-null") +
                           " proposed new state; the plugin protocol requires both null (destroy) "
                           "or both objects.");
        DiagsToProto(diags, resp->mutable_diagnostics());
        return;
      }
      PlanResourceChangeResponse out;
      out.planned_state = r.proposed_new_state;
      out.planned_private = r.prior_private;
      entry->resource->Plan(ctx, r, out);
      diags.Append(out.diagnostics);
      if (!diags.HasError() &&
          EncodeOrDiag(out.planned_state, entry->type, "planned state", req.type_name(),
                       resp->mutable_planned_state(), diags)) {
        for (const AttributePath& p : out.requires_replace)
          PathToProto(p, resp->add_requires_replace());
        resp->set_planned_private(out.planned_private);
      }
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandleApplyResourceChange(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("ApplyResourceChange", ctx, req.type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindResource(req.type_name());
    ApplyResourceChangeRequest r;
    r.type_name = req.type_name();
    r.planned_private = req.planned_private();
    resp->set_private_(req.planned_private());
    if (!entry) {
      AddUnknownType(diags, "resource", req.type_name());
    } else if (DecodeOrDiag(req.prior_state(), entry->type, "prior state", req.type_name(),
                            &r.prior_state, diags) &&
               DecodeOrDiag(req.planned_state(), entry->type, "planned state", req.type_name(),
                            &r.planned_state, diags) &&
               DecodeOrDiag(req.config(), entry->type, "configuration", req.type_name(),
                            &r.config, diags) &&
               DecodeMeta(core, req.provider_meta(), &r.provider_meta, diags)) {
      for (const auto* v : {&r.prior_state, &r.planned_state, &r.config}) {
        if (v->IsUnknown()) {
          AddTopLevelError(diags, *v,
                           v == &r.prior_state     ? "prior state"
                           : v == &r.planned_state ? "planned state"
                                                   : "configuration",
                           req.type_name());
        }
      }
      if (diags.HasError()) {
        if (!r.prior_state.IsUnknown()) {
          EncodeOrDiag(r.prior_state, entry->type, "new state", req.type_name(),
                       resp->mutable_new_state(), diags);
        }
        DiagsToProto(diags, resp->mutable_diagnostics());
        return;
      }
      ApplyResourceChangeResponse out;
      // Until the resource says otherwise, nothing changed remotely.
      out.new_state = r.prior_state;
      out.private_data = r.planned_private;
      entry->resource->Apply(ctx, r, out);
      diags.Append(out.diagnostics);
      if (EncodeOrDiag(out.new_state, entry->type, "new state", req.type_name(),
                       resp->mutable_new_state(), diags)) {
        resp->set_private_(out.private_data);
      }
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandleImportResourceState(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("ImportResourceState", ctx, req.type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindResource(req.type_name());
    if (!entry) {
      AddUnknownType(diags, "resource", req.type_name());
    } else {
      ImportResourceStateRequest r{req.type_name(), req.id()};
      ImportResourceStateResponse out;
      entry->resource->Import(ctx, r, out);
      diags.Append(out.diagnostics);
      if (!diags.HasError()) {
        for (const ImportedResource& imp : out.imported) {
          const std::string& type = imp.type_name.empty() ? req.type_name() : imp.type_name;
          const auto* target = core.FindResource(type);
          if (!target) {
            AddUnknownType(diags, "resource", type);
            break;
          }
          auto* pb = resp->add_imported_resources();
          pb->set_type_name(type);
          pb->set_private_(imp.private_data);
          if (!EncodeOrDiag(imp.state, target->type, "imported state", type,
                            pb->mutable_state(), diags))
            break;
        }
      }
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandleMoveResourceState(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("MoveResourceState", ctx, req.target_type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindResource(req.target_type_name());
    if (!entry) {
      AddUnknownType(diags, "resource", req.target_type_name());
    } else if (req.source_state().json().empty() && req.source_state().flatmap_size() > 0) {
      diags.AddError("Moving resource state (" + req.source_type_name() + ")",
                     "The source state is in the legacy flatmap format, which cannot be moved.");
    } else {
      MoveResourceStateRequest r;
      r.source_provider_address = req.source_provider_address();
      r.source_type_name = req.source_type_name();
      r.source_schema_version = req.source_schema_version();
      r.source_state_json = req.source_state().json();
      r.target_type_name = req.target_type_name();
      r.source_private = req.source_private();
      MoveResourceStateResponse out;
      out.target_private = r.source_private;
      entry->resource->Move(ctx, r, out);
      diags.Append(out.diagnostics);
      if (!diags.HasError() &&
          EncodeOrDiag(out.target_state, entry->type, "moved state", req.target_type_name(),
                       resp->mutable_target_state(), diags)) {
        resp->set_target_private(out.target_private);
      }
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

template <class Req, class Resp>
void HandleReadDataSource(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("ReadDataSource", ctx, req.type_name(), resp, [&] {
    Diagnostics diags;
    const auto* entry = core.FindDataSource(req.type_name());
    ReadDataSourceRequest r;
    r.type_name = req.type_name();
    if (!entry) {
      AddUnknownType(diags, "data source", req.type_name());
    } else if (DecodeOrDiag(req.config(), entry->type, "data source configuration",
                            req.type_name(), &r.config, diags) &&
               RequireObject(r.config, "data source configuration", req.type_name(), diags) &&
               DecodeMeta(core, req.provider_meta(), &r.provider_meta, diags)) {
      if (r.config.ContainsUnknown()) {
        // The CLIs defer such a read to apply; this provider does not offer deferral, so a
        // client that sends one gets this instead of a result computed from guesses.
        diags.AddError("Unknown values in data source configuration (" + req.type_name() + ")",
                       "A data source is read only when its whole configuration is known; read it "
                       "again once the unknown values are known.");
        DiagsToProto(diags, resp->mutable_diagnostics());
        return;
      }
      ReadDataSourceResponse out;
      entry->data_source->Read(ctx, r, out);
      diags.Append(out.diagnostics);
      if (!diags.HasError()) {
        EncodeOrDiag(out.state, entry->type, "data source state", req.type_name(),
                     resp->mutable_state(), diags);
      }
    }
    DiagsToProto(diags, resp->mutable_diagnostics());
  });
}

// CallFunction: arguments are decoded with their parameter types (variadic ones with the
// variadic type); every failure is a FunctionError, the only error channel of this RPC.
template <class Req, class Resp>
void HandleCallFunction(ProviderCore& core, const Req& req, Resp* resp) {
  CallContext ctx = core.NewContext();
  auto fail = [&](std::string text, std::optional<int64_t> arg) {
    auto* e = resp->mutable_error();
    e->set_text(std::move(text));
    if (arg) e->set_function_argument(*arg);
  };
  RunLogged("CallFunction", ctx, req.name(), [&] {
    Function* fn = core.FindFunction(req.name());
    if (!fn) {
      fail("Unknown function \"" + req.name() + "\": this provider does not define it.",
           std::nullopt);
      return;
    }
    const schema::FunctionSignature& sig = fn->Signature();
    const int n = req.arguments_size();
    if (static_cast<size_t>(n) < sig.parameters.size() ||
        (!sig.variadic && static_cast<size_t>(n) > sig.parameters.size())) {
      fail("Function \"" + req.name() + "\" expects " + std::to_string(sig.parameters.size()) +
               (sig.variadic ? " or more" : "") + " arguments, got " + std::to_string(n) + ".",
           std::nullopt);
      return;
    }
    std::vector<cty::Value> args;
    args.reserve(n);
    bool unknown_arg = false;
    for (int i = 0; i < n; ++i) {
      const schema::Parameter& p =
          static_cast<size_t>(i) < sig.parameters.size() ? sig.parameters[i] : *sig.variadic;
      auto v = DecodeDynamic(req.arguments(i), p.type);
      if (!v.ok()) {
        fail("Invalid value for parameter \"" + p.name + "\": " + v.error().ToString(), i);
        return;
      }
      // The parameter's declared settings are enforced here, whatever the client checked.
      if (v->IsNull() && !p.allow_null) {
        fail("Invalid value for parameter \"" + p.name + "\": argument must not be null.", i);
        return;
      }
      if (v->ContainsUnknown() && !p.allow_unknown) unknown_arg = true;
      args.push_back(std::move(v).value());
    }
    if (unknown_arg) {
      // A parameter that does not accept unknown values makes the result unknown, as
      // Terraform itself would decide without calling the provider.
      Status s = EncodeDynamic(cty::Value::Unknown(sig.return_type), sig.return_type,
                               resp->mutable_result());
      if (!s.ok()) fail("Encoding the function result: " + s.error().ToString(), std::nullopt);
      return;
    }
    std::optional<FunctionError> ferr;
    auto result = fn->Call(ctx, args, ferr);
    if (ferr) {
      fail(redact::Scrub(ferr->text), ferr->argument);
      return;
    }
    if (!result.ok()) {
      fail(redact::Scrub(result.error().ToString()), std::nullopt);
      return;
    }
    Status s = EncodeDynamic(*result, sig.return_type, resp->mutable_result());
    if (!s.ok()) fail("Encoding the function result: " + s.error().ToString(), std::nullopt);
  }, [&](const std::string& what) {
    resp->clear_result();
    fail("Internal provider error in CallFunction: " + what, std::nullopt);
  });
}

}  // namespace prov::protocol::server

namespace prov::protocol::server {

// Builds the whole GetProviderSchema answer once; the services cache it.
template <bool kNested, class Resp>
void BuildSchemaResponse(ProviderCore& core, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("GetProviderSchema", ctx, "", resp, [&] {
    Provider& p = core.provider();
    SchemaToProto<kNested>(p.ProviderSchema(), resp->mutable_provider());
    if (const schema::Block* meta = p.ProviderMetaSchema())
      SchemaToProto<kNested>(*meta, resp->mutable_provider_meta());
    for (const auto& [name, e] : core.resources())
      SchemaToProto<kNested>(e.resource->Schema(), &(*resp->mutable_resource_schemas())[name]);
    for (const auto& [name, e] : core.data_sources())
      SchemaToProto<kNested>(e.data_source->Schema(),
                             &(*resp->mutable_data_source_schemas())[name]);
    for (const auto& [name, f] : core.functions())
      FunctionToProto(f->Signature(), &(*resp->mutable_functions())[name]);
    auto* caps = resp->mutable_server_capabilities();
    caps->set_plan_destroy(true);
    // Every RPC decodes against the schema the provider holds itself; none needs a prior
    // GetProviderSchema in the same process, so clients that cache schemas (OpenTofu,
    // Terraform >= 1.6) may skip the call in all but the first process of a command.
    caps->set_get_provider_schema_optional(true);
    caps->set_move_resource_state(true);
  });
}

template <class Resp>
void HandleGetMetadata(ProviderCore& core, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("GetMetadata", ctx, "", resp, [&] {
    auto* caps = resp->mutable_server_capabilities();
    caps->set_plan_destroy(true);
    caps->set_get_provider_schema_optional(true);
    caps->set_move_resource_state(true);
    for (const auto& [name, e] : core.resources()) resp->add_resources()->set_type_name(name);
    for (const auto& [name, e] : core.data_sources())
      resp->add_data_sources()->set_type_name(name);
    for (const auto& [name, f] : core.functions()) resp->add_functions()->set_name(name);
  });
}

template <class Resp>
void HandleGetFunctions(ProviderCore& core, Resp* resp) {
  CallContext ctx = core.NewContext();
  RunWithDiags("GetFunctions", ctx, "", resp, [&] {
    for (const auto& [name, f] : core.functions())
      FunctionToProto(f->Signature(), &(*resp->mutable_functions())[name]);
  });
}

}  // namespace prov::protocol::server
