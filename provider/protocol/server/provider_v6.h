// tfplugin6.Provider service (internal to protocol/server/): thin overrides that forward
// to the shared handlers in rpc_handlers.h. Unsupported RPCs are defined in
// not_implemented.cc and answer UNIMPLEMENTED. Thread-safe.
#pragma once

#include <mutex>

#include "provider/protocol/server/rpc_core.h"
#include "tfplugin6.grpc.pb.h"

namespace prov::protocol::server {

#define PROV_V6_UNARY(Method, Msg)                                             \
  ::grpc::Status Method(::grpc::ServerContext* context,                       \
                        const ::tfplugin6::Msg##_Request* request,            \
                        ::tfplugin6::Msg##_Response* response) override;

class ProviderV6Service final : public ::tfplugin6::Provider::Service {
 public:
  explicit ProviderV6Service(ProviderCore& core) : core_(core) {}

  PROV_V6_UNARY(GetMetadata, GetMetadataRpc)
  PROV_V6_UNARY(GetProviderSchema, GetProviderSchema)
  PROV_V6_UNARY(ValidateProviderConfig, ValidateProviderConfig)
  PROV_V6_UNARY(ValidateResourceConfig, ValidateResourceConfig)
  PROV_V6_UNARY(ValidateDataResourceConfig, ValidateDataResourceConfig)
  PROV_V6_UNARY(UpgradeResourceState, UpgradeResourceState)
  PROV_V6_UNARY(GetResourceIdentitySchemas, GetResourceIdentitySchemas)
  PROV_V6_UNARY(ConfigureProvider, ConfigureProvider)
  PROV_V6_UNARY(ReadResource, ReadResource)
  PROV_V6_UNARY(PlanResourceChange, PlanResourceChange)
  PROV_V6_UNARY(ApplyResourceChange, ApplyResourceChange)
  PROV_V6_UNARY(ImportResourceState, ImportResourceState)
  PROV_V6_UNARY(MoveResourceState, MoveResourceState)
  PROV_V6_UNARY(ReadDataSource, ReadDataSource)
  PROV_V6_UNARY(GetFunctions, GetFunctions)
  PROV_V6_UNARY(CallFunction, CallFunction)
  PROV_V6_UNARY(StopProvider, StopProvider)

  // not_implemented.cc
  PROV_V6_UNARY(UpgradeResourceIdentity, UpgradeResourceIdentity)
  PROV_V6_UNARY(GenerateResourceConfig, GenerateResourceConfig)
  PROV_V6_UNARY(ValidateEphemeralResourceConfig, ValidateEphemeralResourceConfig)
  PROV_V6_UNARY(OpenEphemeralResource, OpenEphemeralResource)
  PROV_V6_UNARY(RenewEphemeralResource, RenewEphemeralResource)
  PROV_V6_UNARY(CloseEphemeralResource, CloseEphemeralResource)
  PROV_V6_UNARY(ValidateListResourceConfig, ValidateListResourceConfig)
  PROV_V6_UNARY(ValidateStateStoreConfig, ValidateStateStore)
  PROV_V6_UNARY(ConfigureStateStore, ConfigureStateStore)
  PROV_V6_UNARY(LockState, LockState)
  PROV_V6_UNARY(UnlockState, UnlockState)
  PROV_V6_UNARY(GetStates, GetStates)
  PROV_V6_UNARY(DeleteState, DeleteState)
  PROV_V6_UNARY(PlanAction, PlanAction)
  PROV_V6_UNARY(ValidateActionConfig, ValidateActionConfig)
  ::grpc::Status ListResource(::grpc::ServerContext*, const ::tfplugin6::ListResource_Request*,
                              ::grpc::ServerWriter<::tfplugin6::ListResource_Event>*) override;
  ::grpc::Status ReadStateBytes(
      ::grpc::ServerContext*, const ::tfplugin6::ReadStateBytes_Request*,
      ::grpc::ServerWriter<::tfplugin6::ReadStateBytes_Response>*) override;
  ::grpc::Status WriteStateBytes(::grpc::ServerContext*,
                                 ::grpc::ServerReader<::tfplugin6::WriteStateBytes_RequestChunk>*,
                                 ::tfplugin6::WriteStateBytes_Response*) override;
  ::grpc::Status InvokeAction(::grpc::ServerContext*, const ::tfplugin6::InvokeAction_Request*,
                              ::grpc::ServerWriter<::tfplugin6::InvokeAction_Event>*) override;

 private:
  ProviderCore& core_;
  std::once_flag schema_once_;
  ::tfplugin6::GetProviderSchema_Response schema_;
};

#undef PROV_V6_UNARY

}  // namespace prov::protocol::server
