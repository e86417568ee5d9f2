// go-plugin's side services (internal): GRPCController (Shutdown), GRPCStdio (we stream
// nothing) and GRPCBroker (we broker nothing). Thread-safe.
#pragma once

#include <functional>

#include "grpc_broker.grpc.pb.h"
#include "grpc_controller.grpc.pb.h"
#include "grpc_stdio.grpc.pb.h"

namespace prov::protocol::server {

class ControllerService final : public ::plugin::GRPCController::CallbackService {
 public:
  // `on_shutdown` runs once the Shutdown call is over (its reply sent), so whoever it
  // wakes may stop the server or end the process without racing that reply. It must not
  // block on the server (it only signals the thread that owns the server).
  explicit ControllerService(std::function<void()> on_shutdown)
      : on_shutdown_(std::move(on_shutdown)) {}
  ::grpc::ServerUnaryReactor* Shutdown(::grpc::CallbackServerContext*, const ::plugin::Empty*,
                                       ::plugin::Empty*) override;

 private:
  std::function<void()> on_shutdown_;
};

class StdioService final : public ::plugin::GRPCStdio::Service {
 public:
  ::grpc::Status StreamStdio(::grpc::ServerContext*, const ::google::protobuf::Empty*,
                             ::grpc::ServerWriter<::plugin::StdioData>*) override;
};

class BrokerService final : public ::plugin::GRPCBroker::Service {
 public:
  ::grpc::Status StartStream(
      ::grpc::ServerContext*,
      ::grpc::ServerReaderWriter<::plugin::ConnInfo, ::plugin::ConnInfo>* stream) override;
};

}  // namespace prov::protocol::server
