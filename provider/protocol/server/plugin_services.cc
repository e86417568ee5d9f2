#include "provider/protocol/server/plugin_services.h"

#include "provider/base/log.h"

namespace prov::protocol::server {

::grpc::Status ControllerService::Shutdown(::grpc::ServerContext*, const ::plugin::Empty*,
                                           ::plugin::Empty*) {
  log::Debug("Received GRPCController/Shutdown");
  if (on_shutdown_) on_shutdown_();
  return ::grpc::Status::OK;
}

::grpc::Status StdioService::StreamStdio(::grpc::ServerContext*,
                                         const ::google::protobuf::Empty*,
                                         ::grpc::ServerWriter<::plugin::StdioData>*) {
  // Our logs go straight to stderr, which go-plugin already reads; ending the stream at
  // once is what the client reads as "nothing to mirror" (EOF, logged at debug).
  return ::grpc::Status::OK;
}

::grpc::Status BrokerService::StartStream(
    ::grpc::ServerContext*,
    ::grpc::ServerReaderWriter<::plugin::ConnInfo, ::plugin::ConnInfo>* stream) {
  // Drain until the client closes its side or the server shuts down (which cancels us).
  ::plugin::ConnInfo info;
  while (stream->Read(&info)) {
    log::Debug("Ignoring broker connection info", {{"service_id", std::to_string(info.service_id())}});
  }
  return ::grpc::Status::OK;
}

}  // namespace prov::protocol::server
