#include "provider/protocol/server/provider_v6.h"

#include "provider/protocol/server/rpc_handlers.h"

namespace prov::protocol::server {

using ::grpc::ServerContext;
using ::grpc::Status;
namespace pb = ::tfplugin6;

Status ProviderV6Service::GetMetadata(ServerContext*, const pb::GetMetadataRpc_Request*,
                                      pb::GetMetadataRpc_Response* resp) {
  HandleGetMetadata(core_, resp);
  return Status::OK;
}

Status ProviderV6Service::GetProviderSchema(ServerContext*, const pb::GetProviderSchema_Request*,
                                            pb::GetProviderSchema_Response* resp) {
  // The schema never changes in a process; encode it once (it is the hot RPC: every
  // command of the CLI starts with it, often several times).
  std::call_once(schema_once_, [this] { BuildSchemaResponse<true>(core_, &schema_); });
  log::Debug("Served cached provider schema", {{"tf_rpc", "GetProviderSchema"}});
  *resp = schema_;
  return Status::OK;
}

Status ProviderV6Service::ValidateProviderConfig(ServerContext* context,
                                                 const pb::ValidateProviderConfig_Request* req,
                                                 pb::ValidateProviderConfig_Response* resp) {
  CallScope scope(core_, context);
  HandleValidateProviderConfig(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::ValidateResourceConfig(ServerContext* context,
                                                 const pb::ValidateResourceConfig_Request* req,
                                                 pb::ValidateResourceConfig_Response* resp) {
  CallScope scope(core_, context);
  HandleValidateResourceConfig(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::ValidateDataResourceConfig(
    ServerContext* context, const pb::ValidateDataResourceConfig_Request* req,
    pb::ValidateDataResourceConfig_Response* resp) {
  CallScope scope(core_, context);
  HandleValidateDataSourceConfig(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::UpgradeResourceState(ServerContext* context,
                                               const pb::UpgradeResourceState_Request* req,
                                               pb::UpgradeResourceState_Response* resp) {
  CallScope scope(core_, context);
  HandleUpgradeResourceState(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::GetResourceIdentitySchemas(
    ServerContext*, const pb::GetResourceIdentitySchemas_Request*,
    pb::GetResourceIdentitySchemas_Response*) {
  // We declare no resource identities. Terraform >= 1.12 and OpenTofu 1.12 call this on
  // every schema load; an empty, successful answer is accepted by both.
  return Status::OK;
}

Status ProviderV6Service::ConfigureProvider(ServerContext* context,
                                            const pb::ConfigureProvider_Request* req,
                                            pb::ConfigureProvider_Response* resp) {
  CallScope scope(core_, context);
  HandleConfigureProvider(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::ReadResource(ServerContext* context, const pb::ReadResource_Request* req,
                                       pb::ReadResource_Response* resp) {
  CallScope scope(core_, context);
  HandleReadResource(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::PlanResourceChange(ServerContext* context,
                                             const pb::PlanResourceChange_Request* req,
                                             pb::PlanResourceChange_Response* resp) {
  CallScope scope(core_, context);
  HandlePlanResourceChange(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::ApplyResourceChange(ServerContext* context,
                                              const pb::ApplyResourceChange_Request* req,
                                              pb::ApplyResourceChange_Response* resp) {
  CallScope scope(core_, context);
  HandleApplyResourceChange(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::ImportResourceState(ServerContext* context,
                                              const pb::ImportResourceState_Request* req,
                                              pb::ImportResourceState_Response* resp) {
  CallScope scope(core_, context);
  HandleImportResourceState(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::MoveResourceState(ServerContext* context,
                                            const pb::MoveResourceState_Request* req,
                                            pb::MoveResourceState_Response* resp) {
  CallScope scope(core_, context);
  HandleMoveResourceState(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::ReadDataSource(ServerContext* context, const pb::ReadDataSource_Request* req,
                                         pb::ReadDataSource_Response* resp) {
  CallScope scope(core_, context);
  HandleReadDataSource(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::GetFunctions(ServerContext*, const pb::GetFunctions_Request*,
                                       pb::GetFunctions_Response* resp) {
  HandleGetFunctions(core_, resp);
  return Status::OK;
}

Status ProviderV6Service::CallFunction(ServerContext* context, const pb::CallFunction_Request* req,
                                       pb::CallFunction_Response* resp) {
  CallScope scope(core_, context);
  HandleCallFunction(core_, *req, resp);
  return Status::OK;
}

Status ProviderV6Service::StopProvider(ServerContext*, const pb::StopProvider_Request*,
                                       pb::StopProvider_Response* resp) {
  log::Info("Received StopProvider", {{"tf_rpc", "StopProvider"}});
  try {
    core_.Stop();
  } catch (const std::exception& e) {
    resp->set_error(std::string("stopping the provider: ") + e.what());
  }
  return Status::OK;
}

}  // namespace prov::protocol::server
