// Process-level tests of Serve(): the test binary re-executes itself as the plugin (the
// disabled ServeChild test below is the child's entry point), so these run without
// resources/ and exercise exactly the code main() calls.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "grpc_broker.grpc.pb.h"
#include "provider/protocol/server/handshake.h"
#include "provider/protocol/server/serve.h"
#include "provider/protocol/server/tls.h"
#include "tests/support/plugin_client.h"
#include "tests/support/test_provider.h"

namespace prov::testing {
namespace {

using namespace std::chrono_literals;
namespace server = prov::protocol::server;

// Child entry point: only ever run through StartChild().
TEST(DISABLED_ServeChild, Run) {
  if (std::getenv("PROV_SERVE_CHILD") == nullptr) FAIL() << "only run as a plugin child";
  // fds 3/4 are the plugin's real stdout/stderr (see PluginProcess::Options).
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(3, 1);
  dup2(4, 2);
  close(3);
  close(4);
  TestProvider provider;
  server::ServeOptions options;
  options.debug = std::getenv("PROV_SERVE_CHILD_DEBUG") != nullptr;
  const int code = server::Serve(provider, options);
  _exit(code);
}

struct Child {
  std::unique_ptr<PluginProcess> proc;
  std::string line;
};

std::map<std::string, std::string> PluginEnv() {
  return {{"TF_PLUGIN_MAGIC_COOKIE", std::string(server::kMagicCookieValue)},
          {"PLUGIN_PROTOCOL_VERSIONS", "5,6"},
          {"PROV_SERVE_CHILD", "1"}};
}

std::unique_ptr<PluginProcess> StartChild(std::map<std::string, std::string> env,
                                          std::vector<std::string> unset = {}) {
  PluginProcess::Options o;
  o.argv = {"/proc/self/exe", "--gtest_also_run_disabled_tests",
            "--gtest_filter=DISABLED_ServeChild.Run"};
  o.env = std::move(env);
  o.unset_env = std::move(unset);
  o.unset_env.push_back("PLUGIN_CLIENT_CERT");
  o.plugin_pipes_on_fd3 = true;
  auto p = PluginProcess::Start(o);
  EXPECT_TRUE(p.ok());
  return p.ok() ? std::move(p).value() : nullptr;
}

// True if the connection failed, or if it came up but an RPC over it fails (with TLS 1.3
// the client may finish its handshake before the server rejects the certificate).
bool Refused(Result<std::unique_ptr<PluginClient>> client) {
  if (!client.ok()) return true;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 2s);
  tfplugin6::GetMetadataRpc_Request req;
  tfplugin6::GetMetadataRpc_Response resp;
  return !(*client)->v6().GetMetadata(&ctx, req, &resp).ok();
}

TEST(HandshakeProcessTest, MissingCookieExitsOneWithMessage) {
  auto env = PluginEnv();
  env.erase("TF_PLUGIN_MAGIC_COOKIE");
  auto child = StartChild(env, {"TF_PLUGIN_MAGIC_COOKIE"});
  ASSERT_TRUE(child);
  auto code = child->WaitExit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(child->DrainStderr().find("This binary is a plugin"), std::string::npos);
  auto line = child->ReadLine(100ms);
  EXPECT_FALSE(line.ok()) << "nothing may reach stdout: " << *line;
}

TEST(HandshakeProcessTest, MutualTlsEndToEndAndShutdownExitsZero) {
  auto client_id = server::GenerateTlsIdentity();
  ASSERT_TRUE(client_id.ok());
  auto env = PluginEnv();
  env["PLUGIN_CLIENT_CERT"] = client_id->cert_pem;
  char dir_template[] = "/tmp/provsockXXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  env["PLUGIN_UNIX_SOCKET_DIR"] = dir_template;
  auto child = StartChild(env);
  ASSERT_TRUE(child);
  auto line = child->ReadLine(20s);
  ASSERT_TRUE(line.ok()) << line.error().ToString();
  ASSERT_EQ(line->back(), '\n');
  auto hs = ParseHandshake(*line);
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->core, 1);
  EXPECT_EQ(hs->protocol, 6);
  EXPECT_EQ(hs->network, "unix");
  EXPECT_EQ(hs->address.rfind(std::string(dir_template) + "/plugin", 0), 0u) << hs->address;
  EXPECT_EQ(hs->rpc, "grpc");
  EXPECT_EQ(hs->cert_b64.find('='), std::string::npos);

  // A client presenting a certificate other than PLUGIN_CLIENT_CERT must be refused.
  {
    auto bad_id = server::GenerateTlsIdentity();
    ASSERT_TRUE(bad_id.ok());
    EXPECT_TRUE(Refused(PluginClient::Connect(*hs, &*bad_id, 1500ms)))
        << "server accepted an untrusted client certificate";
  }
  // And a plaintext client as well.
  {
    Handshake plain = *hs;
    plain.cert_b64.clear();
    EXPECT_TRUE(Refused(PluginClient::Connect(plain, nullptr, 1500ms)))
        << "server accepted a plaintext client";
  }

  auto client = PluginClient::Connect(*hs, &*client_id);
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  {
    grpc::ClientContext ctx;
    tfplugin6::GetProviderSchema_Request req;
    tfplugin6::GetProviderSchema_Response resp;
    ASSERT_TRUE((*client)->v6().GetProviderSchema(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.resource_schemas().count("office_thing"), 1u);
  }
  {
    grpc::ClientContext ctx;
    plugin::Empty req, resp;
    ASSERT_TRUE((*client)->controller().Shutdown(&ctx, req, &resp).ok());
  }
  auto code = child->WaitExit(5s);
  ASSERT_TRUE(code.has_value()) << "plugin did not exit after Shutdown";
  EXPECT_EQ(*code, 0);
  EXPECT_FALSE(std::filesystem::exists(hs->address)) << "socket left behind";
  std::filesystem::remove_all(dir_template);
}

// After GRPCController/Shutdown the process ends at once, even while the client still
// holds its connection and a broker stream open (the old graceful stop waited for them up
// to its grace period): the Shutdown call itself is answered (never cancelled by the exit),
// the exit code is 0 and the socket is removed. Repeated, since the reply and the exit race.
TEST(HandshakeProcessTest, ShutdownAnswersThenExitsWhileTheClientHoldsAStreamOpen) {
  for (int run = 0; run < 3; ++run) {
    char dir_template[] = "/tmp/provsockXXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    auto env = PluginEnv();
    env["PLUGIN_UNIX_SOCKET_DIR"] = dir_template;
    auto child = StartChild(env);
    ASSERT_TRUE(child);
    auto line = child->ReadLine(20s);
    ASSERT_TRUE(line.ok()) << line.error().ToString();
    auto hs = ParseHandshake(*line);
    ASSERT_TRUE(hs.ok());
    auto client = PluginClient::Connect(*hs, nullptr);
    ASSERT_TRUE(client.ok()) << client.error().ToString();
    {
      grpc::ClientContext ctx;
      tfplugin6::GetProviderSchema_Request req;
      tfplugin6::GetProviderSchema_Response resp;
      ASSERT_TRUE((*client)->v6().GetProviderSchema(&ctx, req, &resp).ok());
    }
    auto broker = plugin::GRPCBroker::NewStub((*client)->channel());
    grpc::ClientContext broker_ctx;
    auto stream = broker->StartStream(&broker_ctx);
    plugin::ConnInfo info;
    info.set_service_id(1);
    ASSERT_TRUE(stream->Write(info)) << "broker stream did not open";
    {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + 10s);
      plugin::Empty req, resp;
      grpc::Status st = (*client)->controller().Shutdown(&ctx, req, &resp);
      EXPECT_TRUE(st.ok()) << "run " << run << ": Shutdown answered " << st.error_message();
    }
    auto code = child->WaitExit(5s);
    ASSERT_TRUE(code.has_value()) << "plugin did not exit after Shutdown";
    EXPECT_EQ(*code, 0);
    EXPECT_FALSE(std::filesystem::exists(hs->address)) << "socket left behind";
    broker_ctx.TryCancel();
    stream->Finish();
    std::filesystem::remove_all(dir_template);
  }
}

TEST(HandshakeProcessTest, FallsBackToProtocolFive) {
  auto env = PluginEnv();
  env["PLUGIN_PROTOCOL_VERSIONS"] = "5";
  auto child = StartChild(env);
  ASSERT_TRUE(child);
  auto line = child->ReadLine(20s);
  ASSERT_TRUE(line.ok()) << line.error().ToString();
  auto hs = ParseHandshake(*line);
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->protocol, 5);
  EXPECT_EQ(hs->cert_b64, "");  // no PLUGIN_CLIENT_CERT → plaintext, empty field 6
  auto client = PluginClient::Connect(*hs, nullptr);
  ASSERT_TRUE(client.ok());
  grpc::ClientContext ctx;
  tfplugin5::GetProviderSchema_Request req;
  tfplugin5::GetProviderSchema_Response resp;
  ASSERT_TRUE((*client)->v5().GetSchema(&ctx, req, &resp).ok());
  EXPECT_TRUE(resp.server_capabilities().plan_destroy());
  EXPECT_TRUE(resp.server_capabilities().get_provider_schema_optional());
  child->Signal(SIGTERM);
  auto code = child->WaitExit(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

TEST(HandshakeProcessTest, IgnoresSigintAndExitsOnSigterm) {
  auto env = PluginEnv();
  env["PROV_PLUGIN_TRANSPORT"] = "tcp";
  env["PLUGIN_MIN_PORT"] = "20000";
  env["PLUGIN_MAX_PORT"] = "29999";
  auto child = StartChild(env);
  ASSERT_TRUE(child);
  auto line = child->ReadLine(20s);
  ASSERT_TRUE(line.ok()) << line.error().ToString();
  auto hs = ParseHandshake(*line);
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->network, "tcp");
  ASSERT_EQ(hs->address.rfind("127.0.0.1:", 0), 0u);
  const int port = std::stoi(hs->address.substr(10));
  EXPECT_GE(port, 20000);
  EXPECT_LE(port, 29999);

  child->Signal(SIGINT);
  EXPECT_FALSE(child->WaitExit(300ms).has_value()) << "SIGINT must be ignored";
  auto client = PluginClient::Connect(*hs, nullptr);
  ASSERT_TRUE(client.ok());
  grpc::ClientContext ctx;
  tfplugin6::GetMetadataRpc_Request req;
  tfplugin6::GetMetadataRpc_Response resp;
  EXPECT_TRUE((*client)->v6().GetMetadata(&ctx, req, &resp).ok());

  child->Signal(SIGTERM);
  auto code = child->WaitExit(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

TEST(HandshakeProcessTest, DebugModePrintsReattachInstructions) {
  auto env = PluginEnv();
  env.erase("TF_PLUGIN_MAGIC_COOKIE");
  env["PROV_SERVE_CHILD_DEBUG"] = "1";
  auto child = StartChild(env, {"TF_PLUGIN_MAGIC_COOKIE"});
  ASSERT_TRUE(child);
  std::string text;
  for (int i = 0; i < 3; ++i) {
    auto line = child->ReadLine(20s);
    ASSERT_TRUE(line.ok());
    text += *line;
  }
  const auto start = text.find("TF_REATTACH_PROVIDERS='");
  ASSERT_NE(start, std::string::npos) << text;
  const auto json_start = start + std::string("TF_REATTACH_PROVIDERS='").size();
  const auto json_end = text.find('\'', json_start);
  auto j = nlohmann::json::parse(text.substr(json_start, json_end - json_start));
  const auto& p = j.at("registry.opentofu.org/office-at-hand/office");
  EXPECT_EQ(p.at("Protocol"), "grpc");
  EXPECT_EQ(p.at("ProtocolVersion"), 6);
  EXPECT_EQ(p.at("Pid"), child->pid());
  EXPECT_EQ(p.at("Test"), true);
  EXPECT_EQ(p.at("Addr").at("Network"), "unix");
  Handshake hs;
  hs.network = "unix";
  hs.address = p.at("Addr").at("String");
  auto client = PluginClient::Connect(hs, nullptr);
  ASSERT_TRUE(client.ok());
  {
    // Debug mode outlives the CLI: Shutdown from a client is ignored.
    grpc::ClientContext ctx;
    plugin::Empty req, resp;
    ASSERT_TRUE((*client)->controller().Shutdown(&ctx, req, &resp).ok());
    EXPECT_FALSE(child->WaitExit(300ms).has_value());
  }
  child->Signal(SIGINT);
  auto code = child->WaitExit(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace prov::testing

namespace prov::testing {
namespace {

TEST(HandshakeProcessTest, InvalidClientCertificateIsNamedNotALeftoverSocketError) {
  auto env = PluginEnv();
  env["PLUGIN_CLIENT_CERT"] = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
  auto child = StartChild(env);
  ASSERT_TRUE(child);
  auto code = child->WaitExit(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  const std::string err = child->DrainStderr();
  EXPECT_NE(err.find("PLUGIN_CLIENT_CERT is not a usable client certificate"), std::string::npos) << err;
  EXPECT_EQ(err.find("could not listen"), std::string::npos) << err;
}

}  // namespace
}  // namespace prov::testing
