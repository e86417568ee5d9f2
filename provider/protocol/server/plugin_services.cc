#include "provider/protocol/server/plugin_services.h"

#include "provider/base/log.h"

namespace prov::protocol::server {

namespace {

// Replies at once; OnDone (all of the call's operations complete) signals the owner.
class ShutdownReactor final : public ::grpc::ServerUnaryReactor {
 public:
  explicit ShutdownReactor(const std::function<void()>& on_done) : on_done_(on_done) {
    Finish(::grpc::Status::OK);
  }
  void OnDone() override {
    if (on_done_) on_done_();
    delete this;
  }

 private:
  std::function<void()> on_done_;
};

}  // namespace

::grpc::ServerUnaryReactor* ControllerService::Shutdown(::grpc::CallbackServerContext*,
                                                        const ::plugin::Empty*, ::plugin::Empty*) {
  log::Debug("Received GRPCController/Shutdown");
  return new ShutdownReactor(on_shutdown_);
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
