// tfplugin5.Provider service (internal): protocol 5 for clients that do not offer 6. Same
// handlers as v6; schemas flatten nested attributes into their implied types.
#pragma once

#include <mutex>

#include "provider/protocol/server/rpc_core.h"
#include "tfplugin5.grpc.pb.h"

namespace prov::protocol::server {

#define PROV_V5_UNARY(Method, Msg)                                             \
  ::grpc::Status Method(::grpc::ServerContext* context,                       \
                        const ::tfplugin5::Msg##_Request* request,            \
                        ::tfplugin5::Msg##_Response* response) override;

class ProviderV5Service final : public ::tfplugin5::Provider::Service {
 public:
  explicit ProviderV5Service(ProviderCore& core) : core_(core) {}

  PROV_V5_UNARY(GetMetadata, GetMetadataRpc)
  PROV_V5_UNARY(GetSchema, GetProviderSchema)
  PROV_V5_UNARY(PrepareProviderConfig, PrepareProviderConfig)
  PROV_V5_UNARY(ValidateResourceTypeConfig, ValidateResourceTypeConfig)
  PROV_V5_UNARY(ValidateDataSourceConfig, ValidateDataSourceConfig)
  PROV_V5_UNARY(UpgradeResourceState, UpgradeResourceState)
  PROV_V5_UNARY(GetResourceIdentitySchemas, GetResourceIdentitySchemas)
  PROV_V5_UNARY(Configure, Configure)
  PROV_V5_UNARY(ReadResource, ReadResource)
  PROV_V5_UNARY(PlanResourceChange, PlanResourceChange)
  PROV_V5_UNARY(ApplyResourceChange, ApplyResourceChange)
  PROV_V5_UNARY(ImportResourceState, ImportResourceState)
  PROV_V5_UNARY(MoveResourceState, MoveResourceState)
  PROV_V5_UNARY(ReadDataSource, ReadDataSource)
  PROV_V5_UNARY(GetFunctions, GetFunctions)
  PROV_V5_UNARY(CallFunction, CallFunction)
  PROV_V5_UNARY(Stop, Stop)

  // not_implemented.cc
  PROV_V5_UNARY(UpgradeResourceIdentity, UpgradeResourceIdentity)
  PROV_V5_UNARY(GenerateResourceConfig, GenerateResourceConfig)
  PROV_V5_UNARY(ValidateEphemeralResourceConfig, ValidateEphemeralResourceConfig)
  PROV_V5_UNARY(OpenEphemeralResource, OpenEphemeralResource)
  PROV_V5_UNARY(RenewEphemeralResource, RenewEphemeralResource)
  PROV_V5_UNARY(CloseEphemeralResource, CloseEphemeralResource)
  PROV_V5_UNARY(ValidateListResourceConfig, ValidateListResourceConfig)
  PROV_V5_UNARY(PlanAction, PlanAction)
  PROV_V5_UNARY(ValidateActionConfig, ValidateActionConfig)
  ::grpc::Status ListResource(::grpc::ServerContext*, const ::tfplugin5::ListResource_Request*,
                              ::grpc::ServerWriter<::tfplugin5::ListResource_Event>*) override;
  ::grpc::Status InvokeAction(::grpc::ServerContext*, const ::tfplugin5::InvokeAction_Request*,
                              ::grpc::ServerWriter<::tfplugin5::InvokeAction_Event>*) override;

 private:
  ProviderCore& core_;
  std::once_flag schema_once_;
  ::tfplugin5::GetProviderSchema_Response schema_;
};

#undef PROV_V5_UNARY

}  // namespace prov::protocol::server
