// Every RPC this provider does not support, in one place. They answer the gRPC status
// UNIMPLEMENTED, never an error diagnostic: the CLIs treat UNIMPLEMENTED as "feature not
// offered" for optional RPCs, while a diagnostic would fail the whole command.
#include "provider/protocol/server/provider_v5.h"
#include "provider/protocol/server/provider_v6.h"

namespace prov::protocol::server {
namespace {

::grpc::Status NotImplemented(const char* rpc) {
  log::Debug("Unsupported RPC called", {{"tf_rpc", rpc}});
  return ::grpc::Status(::grpc::StatusCode::UNIMPLEMENTED,
                        std::string(rpc) + " is not supported by this provider");
}

}  // namespace

#define PROV_NI_UNARY(Class, NS, Method, Msg)                                                 \
  ::grpc::Status Class::Method(::grpc::ServerContext*, const ::NS::Msg##_Request*,          \
                               ::NS::Msg##_Response*) {                                     \
    return NotImplemented(#Method);                                                          \
  }

PROV_NI_UNARY(ProviderV6Service, tfplugin6, UpgradeResourceIdentity, UpgradeResourceIdentity)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, GenerateResourceConfig, GenerateResourceConfig)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, ValidateEphemeralResourceConfig,
              ValidateEphemeralResourceConfig)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, OpenEphemeralResource, OpenEphemeralResource)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, RenewEphemeralResource, RenewEphemeralResource)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, CloseEphemeralResource, CloseEphemeralResource)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, ValidateListResourceConfig,
              ValidateListResourceConfig)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, ValidateStateStoreConfig, ValidateStateStore)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, ConfigureStateStore, ConfigureStateStore)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, LockState, LockState)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, UnlockState, UnlockState)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, GetStates, GetStates)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, DeleteState, DeleteState)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, PlanAction, PlanAction)
PROV_NI_UNARY(ProviderV6Service, tfplugin6, ValidateActionConfig, ValidateActionConfig)

::grpc::Status ProviderV6Service::ListResource(
    ::grpc::ServerContext*, const ::tfplugin6::ListResource_Request*,
    ::grpc::ServerWriter<::tfplugin6::ListResource_Event>*) {
  return NotImplemented("ListResource");
}
::grpc::Status ProviderV6Service::ReadStateBytes(
    ::grpc::ServerContext*, const ::tfplugin6::ReadStateBytes_Request*,
    ::grpc::ServerWriter<::tfplugin6::ReadStateBytes_Response>*) {
  return NotImplemented("ReadStateBytes");
}
::grpc::Status ProviderV6Service::WriteStateBytes(
    ::grpc::ServerContext*, ::grpc::ServerReader<::tfplugin6::WriteStateBytes_RequestChunk>*,
    ::tfplugin6::WriteStateBytes_Response*) {
  return NotImplemented("WriteStateBytes");
}
::grpc::Status ProviderV6Service::InvokeAction(
    ::grpc::ServerContext*, const ::tfplugin6::InvokeAction_Request*,
    ::grpc::ServerWriter<::tfplugin6::InvokeAction_Event>*) {
  return NotImplemented("InvokeAction");
}

PROV_NI_UNARY(ProviderV5Service, tfplugin5, UpgradeResourceIdentity, UpgradeResourceIdentity)
PROV_NI_UNARY(ProviderV5Service, tfplugin5, GenerateResourceConfig, GenerateResourceConfig)
PROV_NI_UNARY(ProviderV5Service, tfplugin5, ValidateEphemeralResourceConfig,
              ValidateEphemeralResourceConfig)
PROV_NI_UNARY(ProviderV5Service, tfplugin5, OpenEphemeralResource, OpenEphemeralResource)
PROV_NI_UNARY(ProviderV5Service, tfplugin5, RenewEphemeralResource, RenewEphemeralResource)
PROV_NI_UNARY(ProviderV5Service, tfplugin5, CloseEphemeralResource, CloseEphemeralResource)
PROV_NI_UNARY(ProviderV5Service, tfplugin5, ValidateListResourceConfig,
              ValidateListResourceConfig)
PROV_NI_UNARY(ProviderV5Service, tfplugin5, PlanAction, PlanAction)
PROV_NI_UNARY(ProviderV5Service, tfplugin5, ValidateActionConfig, ValidateActionConfig)

::grpc::Status ProviderV5Service::ListResource(
    ::grpc::ServerContext*, const ::tfplugin5::ListResource_Request*,
    ::grpc::ServerWriter<::tfplugin5::ListResource_Event>*) {
  return NotImplemented("ListResource");
}
::grpc::Status ProviderV5Service::InvokeAction(
    ::grpc::ServerContext*, const ::tfplugin5::InvokeAction_Request*,
    ::grpc::ServerWriter<::tfplugin5::InvokeAction_Event>*) {
  return NotImplemented("InvokeAction");
}

#undef PROV_NI_UNARY

}  // namespace prov::protocol::server
