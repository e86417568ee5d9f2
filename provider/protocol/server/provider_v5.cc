#include "provider/protocol/server/provider_v5.h"

#include "provider/protocol/server/rpc_handlers.h"

namespace prov::protocol::server {

using ::grpc::ServerContext;
using ::grpc::Status;
namespace pb = ::tfplugin5;

Status ProviderV5Service::GetMetadata(ServerContext*, const pb::GetMetadataRpc_Request*,
                                      pb::GetMetadataRpc_Response* resp) {
  HandleGetMetadata(core_, resp);
  return Status::OK;
}

Status ProviderV5Service::GetSchema(ServerContext*, const pb::GetProviderSchema_Request*,
                                            pb::GetProviderSchema_Response* resp) {
  // The schema never changes in a process; encode it once (it is the hot RPC: every
  // command of the CLI starts with it, often several times).
  std::call_once(schema_once_, [this] { BuildSchemaResponse<false>(core_, &schema_); });
  log::Debug("Served cached provider schema", {{"tf_rpc", "GetProviderSchema"}});
  *resp = schema_;
  return Status::OK;
}

Status ProviderV5Service::PrepareProviderConfig(ServerContext* context,
                                                const pb::PrepareProviderConfig_Request* req,
                                                pb::PrepareProviderConfig_Response* resp) {
  CallScope scope(core_, context);
  HandleValidateProviderConfig(core_, *req, resp);
  // Protocol 5 expects the (possibly defaulted) config back; we add no defaults, so the
  // config is returned as sent.
  if (!resp->diagnostics_size()) *resp->mutable_prepared_config() = req->config();
  return Status::OK;
}

Status ProviderV5Service::ValidateResourceTypeConfig(ServerContext* context,
                                                 const pb::ValidateResourceTypeConfig_Request* req,
                                                 pb::ValidateResourceTypeConfig_Response* resp) {
  CallScope scope(core_, context);
  HandleValidateResourceConfig(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::ValidateDataSourceConfig(
    ServerContext* context, const pb::ValidateDataSourceConfig_Request* req,
    pb::ValidateDataSourceConfig_Response* resp) {
  CallScope scope(core_, context);
  HandleValidateDataSourceConfig(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::UpgradeResourceState(ServerContext* context,
                                               const pb::UpgradeResourceState_Request* req,
                                               pb::UpgradeResourceState_Response* resp) {
  CallScope scope(core_, context);
  HandleUpgradeResourceState(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::GetResourceIdentitySchemas(
    ServerContext*, const pb::GetResourceIdentitySchemas_Request*,
    pb::GetResourceIdentitySchemas_Response*) {
  // We declare no resource identities. Terraform >= 1.12 and OpenTofu 1.12 call this on
  // every schema load; an empty, successful answer is accepted by both.
  return Status::OK;
}

Status ProviderV5Service::Configure(ServerContext* context,
                                            const pb::Configure_Request* req,
                                            pb::Configure_Response* resp) {
  CallScope scope(core_, context);
  HandleConfigureProvider(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::ReadResource(ServerContext* context, const pb::ReadResource_Request* req,
                                       pb::ReadResource_Response* resp) {
  CallScope scope(core_, context);
  HandleReadResource(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::PlanResourceChange(ServerContext* context,
                                             const pb::PlanResourceChange_Request* req,
                                             pb::PlanResourceChange_Response* resp) {
  CallScope scope(core_, context);
  HandlePlanResourceChange(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::ApplyResourceChange(ServerContext* context,
                                              const pb::ApplyResourceChange_Request* req,
                                              pb::ApplyResourceChange_Response* resp) {
  CallScope scope(core_, context);
  HandleApplyResourceChange(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::ImportResourceState(ServerContext* context,
                                              const pb::ImportResourceState_Request* req,
                                              pb::ImportResourceState_Response* resp) {
  CallScope scope(core_, context);
  HandleImportResourceState(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::MoveResourceState(ServerContext* context,
                                            const pb::MoveResourceState_Request* req,
                                            pb::MoveResourceState_Response* resp) {
  CallScope scope(core_, context);
  HandleMoveResourceState(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::ReadDataSource(ServerContext* context, const pb::ReadDataSource_Request* req,
                                         pb::ReadDataSource_Response* resp) {
  CallScope scope(core_, context);
  HandleReadDataSource(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::GetFunctions(ServerContext*, const pb::GetFunctions_Request*,
                                       pb::GetFunctions_Response* resp) {
  HandleGetFunctions(core_, resp);
  return Status::OK;
}

Status ProviderV5Service::CallFunction(ServerContext* context, const pb::CallFunction_Request* req,
                                       pb::CallFunction_Response* resp) {
  CallScope scope(core_, context);
  HandleCallFunction(core_, *req, resp);
  return Status::OK;
}

Status ProviderV5Service::Stop(ServerContext*, const pb::Stop_Request*,
                                       pb::Stop_Response* resp) {
  log::Info("Received StopProvider", {{"tf_rpc", "StopProvider"}});
  try {
    core_.Stop();
  } catch (const std::exception& e) {
    resp->set_error(std::string("stopping the provider: ") + e.what());
  }
  return Status::OK;
}

}  // namespace prov::protocol::server
