// Wire input from clients other than tofu/terraform, and prompt cancellation: bad UTF-8,
// oversized diagnostics, null and unknown top-level values at every RPC, function parameter
// settings, secrets in diagnostics, StopProvider / deadline / hang-up during a long call.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "provider/protocol/cty/codec.h"
#include "provider/protocol/server/serve.h"
#include "provider/protocol/server/tls.h"
#include "tests/support/plugin_client.h"
#include "tests/support/test_provider.h"

namespace prov::testing {
namespace {

namespace server = prov::protocol::server;
using cty::Type;
using cty::Value;
using Clock = std::chrono::steady_clock;

// ---- codec ----

TEST(WireUtf8Test, MsgpackRejectsInvalidUtf8InStringsKeysAndNames) {
  const std::string bad = "ok\xff\xfe";
  // fixstr of 4 bytes with an invalid sequence.
  std::string str = std::string("\xa4", 1) + bad;
  auto s = cty::DecodeMsgpack(str, Type::String());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("UTF-8"), std::string::npos);
  EXPECT_TRUE(cty::IsValidUtf8(s.error().ToString())) << "the error must not carry the bytes back";

  std::string map = std::string("\x81\xa4", 2) + bad + std::string("\xa1x", 2);
  auto m = cty::DecodeMsgpack(map, Type::Map(Type::String()));
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(cty::IsValidUtf8(m.error().ToString()));

  auto o = cty::DecodeMsgpack(map, Type::Object({{"name", Type::String()}}));
  ASSERT_FALSE(o.ok());
  EXPECT_TRUE(cty::IsValidUtf8(o.error().ToString()));

  // Overlong encodings and surrogates are not UTF-8 either; valid multi-byte text is.
  EXPECT_FALSE(cty::IsValidUtf8("\xc0\xaf"));
  EXPECT_FALSE(cty::IsValidUtf8("\xed\xa0\x80"));
  EXPECT_FALSE(cty::IsValidUtf8("\xf4\x90\x80\x80"));
  EXPECT_TRUE(cty::IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  auto good = cty::DecodeMsgpack(std::string("\xa5") + "caf\xc3\xa9", Type::String());
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->AsString(), "caf\xc3\xa9");
}

// ---- server ----

class WireServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerConfig config;
    config.protocol_version = 6;
    auto s = server::PluginServer::Start(provider_, config);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    server_ = std::move(s).value();
    auto hs = ParseHandshake(server_->handshake_line());
    ASSERT_TRUE(hs.ok());
    auto c = PluginClient::Connect(*hs, nullptr);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    client_ = std::move(c).value();
  }

  Type ThingType() { return provider_.Resources()[0]->Schema().ImpliedType(); }
  Type EchoType() { return provider_.DataSources()[0]->Schema().ImpliedType(); }
  Type ProviderType() { return provider_.ProviderSchema().ImpliedType(); }
  static std::string Enc(const Value& v, const Type& t) {
    auto r = cty::EncodeMsgpack(v, t);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : std::string();
  }
  Value Thing(const std::string& name) {
    return Value::ObjectOfType(ThingType(), {{"id", Value::String("id-" + name)},
                                             {"name", Value::String(name)},
                                             {"ports", Value::Null(Type::List(Type::Number()))},
                                             {"rules", Value::Null(ThingType().attributes().at("rules"))}});
  }
  Value Echo(const std::string& input) {
    return Value::ObjectOfType(EchoType(), {{"input", Value::String(input)},
                                            {"output", Value::Null(Type::String())}});
  }
  tfplugin6::ReadDataSource_Response ReadEcho(const std::string& input, grpc::ClientContext* ctx,
                                              grpc::Status* status = nullptr) {
    tfplugin6::ReadDataSource_Request req;
    req.set_type_name("office_echo");
    req.mutable_config()->set_msgpack(Enc(Echo(input), EchoType()));
    tfplugin6::ReadDataSource_Response resp;
    grpc::Status st = client_->v6().ReadDataSource(ctx, req, &resp);
    if (status) *status = st;
    return resp;
  }
  bool WaitForFinishedWaits(int n, std::chrono::milliseconds within) {
    auto until = Clock::now() + within;
    while (Clock::now() < until) {
      if (provider_.waits_finished.load() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return provider_.waits_finished.load() >= n;
  }

  TestProvider provider_;
  std::unique_ptr<server::PluginServer> server_;
  std::unique_ptr<PluginClient> client_;
};

TEST_F(WireServerTest, StopProviderEndsALongCallWithinASecond) {
  std::thread caller([&] {
    grpc::ClientContext ctx;
    auto resp = ReadEcho("wait", &ctx);
    EXPECT_EQ(resp.diagnostics_size(), 1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto stop_at = Clock::now();
  {
    grpc::ClientContext ctx;
    tfplugin6::StopProvider_Request req;
    tfplugin6::StopProvider_Response resp;
    ASSERT_TRUE(client_->v6().StopProvider(&ctx, req, &resp).ok());
  }
  caller.join();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stop_at).count();
  EXPECT_LT(ms, 1000) << "ReadDataSource returned " << ms << " ms after StopProvider";
  EXPECT_EQ(provider_.waits_finished.load(), 1);
}

TEST_F(WireServerTest, DeadlineFreesTheServerThread) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  grpc::Status st;
  ReadEcho("wait", &ctx, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(WaitForFinishedWaits(1, std::chrono::milliseconds(1000)))
      << "the abandoned call still holds its thread a second after its deadline";
  EXPECT_LT(provider_.last_wait_ms.load(), 1300);
}

TEST_F(WireServerTest, ClientHangUpFreesTheServerThread) {
  grpc::ClientContext ctx;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ctx.TryCancel();
  });
  grpc::Status st;
  ReadEcho("wait", &ctx, &st);
  canceller.join();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitForFinishedWaits(1, std::chrono::milliseconds(1000)));
  EXPECT_LT(provider_.last_wait_ms.load(), 1300);
}

TEST_F(WireServerTest, DiagnosticsAreBoundedAndCounted) {
  grpc::ClientContext ctx;
  auto resp = ReadEcho("many:200000", &ctx);
  ASSERT_EQ(resp.diagnostics_size(), static_cast<int>(protocol::Diagnostics::kMaxItems) + 1);
  const auto& last = resp.diagnostics(resp.diagnostics_size() - 1);
  EXPECT_EQ(last.summary(), "Too many diagnostics");
  EXPECT_NE(last.detail().find("199900 more errors"), std::string::npos) << last.detail();
  EXPECT_LT(resp.ByteSizeLong(), 64u * 1024u);
}

TEST_F(WireServerTest, SecretsAreScrubbedFromDiagnostics) {
  grpc::ClientContext ctx;
  auto resp = ReadEcho(
      "diag:server said: Authorization: AWS4-HMAC-SHA256 Credential=AKIAX/x, Signature=deadbeefcafe0123"
      "\nX-Amz-Security-Token: FwoGZXIvYXdzSECRET\nclient_secret=hunter2hunter2&x=1",
      &ctx);
  ASSERT_EQ(resp.diagnostics_size(), 1);
  const std::string& d = resp.diagnostics(0).detail();
  EXPECT_EQ(d.find("deadbeefcafe0123"), std::string::npos) << d;
  EXPECT_EQ(d.find("FwoGZXIvYXdzSECRET"), std::string::npos) << d;
  EXPECT_EQ(d.find("hunter2hunter2"), std::string::npos) << d;
  EXPECT_NE(d.find("server said"), std::string::npos) << d;
}

TEST_F(WireServerTest, InvalidUtf8IsADiagnosticWithValidText) {
  tfplugin6::ValidateResourceConfig_Request req;
  req.set_type_name("office_thing");
  // {"name": "\xff"} as msgpack.
  req.mutable_config()->set_msgpack(std::string("\x81\xa4name\xa1\xff", 8));
  tfplugin6::ValidateResourceConfig_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().ValidateResourceConfig(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 1);
  EXPECT_NE(resp.diagnostics(0).detail().find("UTF-8"), std::string::npos);
  EXPECT_TRUE(cty::IsValidUtf8(resp.diagnostics(0).detail()));
}

// Null and unknown top-level values at every RPC that takes them.
TEST_F(WireServerTest, NullAndUnknownTopLevelValues) {
  const Type tt = ThingType(), et = EchoType(), pt = ProviderType();
  auto no_internal = [](const auto& resp) {
    for (const auto& d : resp.diagnostics())
      EXPECT_EQ(d.summary().find("Internal"), std::string::npos) << d.summary();
  };
  {  // Validate*: unknown passes (validated later), null is an error.
    tfplugin6::ValidateResourceConfig_Request req;
    req.set_type_name("office_thing");
    req.mutable_config()->set_msgpack(Enc(Value::Unknown(tt), tt));
    tfplugin6::ValidateResourceConfig_Response resp;
    grpc::ClientContext c1;
    ASSERT_TRUE(client_->v6().ValidateResourceConfig(&c1, req, &resp).ok());
    EXPECT_EQ(resp.diagnostics_size(), 0);
    req.mutable_config()->set_msgpack(Enc(Value::Null(tt), tt));
    resp.Clear();
    grpc::ClientContext c2;
    ASSERT_TRUE(client_->v6().ValidateResourceConfig(&c2, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    EXPECT_EQ(resp.diagnostics(0).summary(), "Null resource configuration (office_thing)");
  }
  {
    tfplugin6::ValidateDataResourceConfig_Request req;
    req.set_type_name("office_echo");
    req.mutable_config()->set_msgpack(Enc(Value::Null(et), et));
    tfplugin6::ValidateDataResourceConfig_Response resp;
    grpc::ClientContext c;
    ASSERT_TRUE(client_->v6().ValidateDataResourceConfig(&c, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    no_internal(resp);
  }
  {
    tfplugin6::ValidateProviderConfig_Request req;
    req.mutable_config()->set_msgpack(Enc(Value::Unknown(pt), pt));
    tfplugin6::ValidateProviderConfig_Response resp;
    grpc::ClientContext c;
    ASSERT_TRUE(client_->v6().ValidateProviderConfig(&c, req, &resp).ok());
    EXPECT_EQ(resp.diagnostics_size(), 0);
  }
  for (const Value& cfg : {Value::Null(pt), Value::Unknown(pt)}) {
    tfplugin6::ConfigureProvider_Request req;
    req.mutable_config()->set_msgpack(Enc(cfg, pt));
    tfplugin6::ConfigureProvider_Response resp;
    grpc::ClientContext c;
    ASSERT_TRUE(client_->v6().ConfigureProvider(&c, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    no_internal(resp);
  }
  EXPECT_EQ(provider_.configure_calls.load(), 0);
  {  // ReadResource: null state = gone; unknown state = error.
    tfplugin6::ReadResource_Request req;
    req.set_type_name("office_thing");
    req.mutable_current_state()->set_msgpack(Enc(Value::Null(tt), tt));
    tfplugin6::ReadResource_Response resp;
    grpc::ClientContext c1;
    ASSERT_TRUE(client_->v6().ReadResource(&c1, req, &resp).ok());
    EXPECT_EQ(resp.diagnostics_size(), 0);
    EXPECT_TRUE(resp.new_state().msgpack().empty());
    req.mutable_current_state()->set_msgpack(Enc(Value::Unknown(tt), tt));
    resp.Clear();
    grpc::ClientContext c2;
    ASSERT_TRUE(client_->v6().ReadResource(&c2, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    no_internal(resp);
  }
  {  // Plan with a wholly unknown proposed state: planned = unknown, no error.
    tfplugin6::PlanResourceChange_Request req;
    req.set_type_name("office_thing");
    req.mutable_prior_state()->set_msgpack(Enc(Value::Null(tt), tt));
    req.mutable_proposed_new_state()->set_msgpack(Enc(Value::Unknown(tt), tt));
    req.mutable_config()->set_msgpack(Enc(Value::Unknown(tt), tt));
    tfplugin6::PlanResourceChange_Response resp;
    grpc::ClientContext c1;
    ASSERT_TRUE(client_->v6().PlanResourceChange(&c1, req, &resp).ok());
    EXPECT_EQ(resp.diagnostics_size(), 0);
    auto planned = cty::DecodeMsgpack(resp.planned_state().msgpack(), tt);
    ASSERT_TRUE(planned.ok());
    EXPECT_TRUE(planned->IsUnknown());
    // Unknown prior state: error. Null config with an object proposed: error.
    req.mutable_prior_state()->set_msgpack(Enc(Value::Unknown(tt), tt));
    resp.Clear();
    grpc::ClientContext c2;
    ASSERT_TRUE(client_->v6().PlanResourceChange(&c2, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    req.mutable_prior_state()->set_msgpack(Enc(Value::Null(tt), tt));
    req.mutable_proposed_new_state()->set_msgpack(Enc(Thing("a"), tt));
    req.mutable_config()->set_msgpack(Enc(Value::Null(tt), tt));
    resp.Clear();
    grpc::ClientContext c3;
    ASSERT_TRUE(client_->v6().PlanResourceChange(&c3, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    no_internal(resp);
  }
  {  // Apply of a wholly unknown planned state: error, and the prior state is kept.
    tfplugin6::ApplyResourceChange_Request req;
    req.set_type_name("office_thing");
    req.mutable_prior_state()->set_msgpack(Enc(Thing("a"), tt));
    req.mutable_planned_state()->set_msgpack(Enc(Value::Unknown(tt), tt));
    req.mutable_config()->set_msgpack(Enc(Thing("a"), tt));
    tfplugin6::ApplyResourceChange_Response resp;
    grpc::ClientContext c;
    ASSERT_TRUE(client_->v6().ApplyResourceChange(&c, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    no_internal(resp);
    auto kept = cty::DecodeMsgpack(resp.new_state().msgpack(), tt);
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(kept->Get("name").AsString(), "a");
  }
  {  // ReadDataSource with an unknown attribute: an error, not a guess.
    tfplugin6::ReadDataSource_Request req;
    req.set_type_name("office_echo");
    req.mutable_config()->set_msgpack(Enc(Value::ObjectOfType(et, {{"input", Value::Unknown(Type::String())},
                                                                   {"output", Value::Null(Type::String())}}),
                                          et));
    tfplugin6::ReadDataSource_Response resp;
    grpc::ClientContext c;
    ASSERT_TRUE(client_->v6().ReadDataSource(&c, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    EXPECT_NE(resp.diagnostics(0).summary().find("Unknown values"), std::string::npos);
    EXPECT_TRUE(resp.state().msgpack().empty());
  }
  for (const Value& cfg : {Value::Null(et), Value::Unknown(et)}) {  // ReadDataSource
    tfplugin6::ReadDataSource_Request req;
    req.set_type_name("office_echo");
    req.mutable_config()->set_msgpack(Enc(cfg, et));
    tfplugin6::ReadDataSource_Response resp;
    grpc::ClientContext c;
    ASSERT_TRUE(client_->v6().ReadDataSource(&c, req, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    EXPECT_NE(resp.diagnostics(0).summary().find("data source configuration"), std::string::npos);
    no_internal(resp);
  }
}

TEST_F(WireServerTest, FunctionParametersHonourNullAndUnknownSettings) {
  // add(a, b): neither parameter allows null or unknown values.
  tfplugin6::CallFunction_Request req;
  req.set_name("add");
  req.add_arguments()->set_msgpack(Enc(Value::Number(1), Type::Number()));
  req.add_arguments()->set_msgpack(Enc(Value::Null(Type::Number()), Type::Number()));
  tfplugin6::CallFunction_Response resp;
  {
    grpc::ClientContext c;
    ASSERT_TRUE(client_->v6().CallFunction(&c, req, &resp).ok());
  }
  ASSERT_TRUE(resp.has_error());
  EXPECT_EQ(resp.error().function_argument(), 1);
  EXPECT_NE(resp.error().text().find("must not be null"), std::string::npos) << resp.error().text();

  req.mutable_arguments(1)->set_msgpack(Enc(Value::Unknown(Type::Number()), Type::Number()));
  resp.Clear();
  {
    grpc::ClientContext c;
    ASSERT_TRUE(client_->v6().CallFunction(&c, req, &resp).ok());
  }
  ASSERT_FALSE(resp.has_error()) << resp.error().text();
  auto result = cty::DecodeMsgpack(resp.result().msgpack(), Type::Number());
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->IsUnknown());
}

TEST(WireClientCertTest, InvalidClientCertificateIsNamed) {
  EXPECT_TRUE(server::ValidateClientCertificate("not a certificate").error().message.find(
                  "PLUGIN_CLIENT_CERT") != std::string::npos);
  auto broken = server::ValidateClientCertificate(
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("no certificate could be parsed"), std::string::npos) << broken.error().message;
  auto id = server::GenerateTlsIdentity();
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(server::ValidateClientCertificate(id->cert_pem).ok());

  TestProvider provider;
  server::ServerConfig config;
  config.protocol_version = 6;
  config.client_cert_pem = "garbage";
  auto s = server::PluginServer::Start(provider, config);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("PLUGIN_CLIENT_CERT"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find("could not listen"), std::string::npos);
}

}  // namespace
}  // namespace prov::testing

namespace prov::testing {
namespace {

int ThreadCount() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

// The measurement: abandoned calls used to hold their threads for the 60 s request
// timeout. 50 calls whose deadline passes must all end within a second of it.
TEST_F(WireServerTest, FiftyAbandonedCallsReleaseTheirThreads) {
  const int before = ThreadCount();
  std::vector<std::thread> callers;
  const auto deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(500);
  for (int i = 0; i < 50; ++i) {
    callers.emplace_back([&] {
      grpc::ClientContext ctx;
      ctx.set_deadline(deadline);
      grpc::Status st;
      ReadEcho("wait", &ctx, &st);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const int during = ThreadCount();
  for (auto& t : callers) t.join();
  const auto after_deadline = Clock::now();
  ASSERT_TRUE(WaitForFinishedWaits(50, std::chrono::milliseconds(1000)))
      << provider_.waits_finished.load() << " of 50 abandoned calls ended within 1 s of their deadline";
  const auto freed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - after_deadline).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::printf("threads: %d before, %d during 50 hung calls, %d after; all calls ended %lld ms after the "
              "clients gave up\n",
              before, during, ThreadCount(), static_cast<long long>(freed_ms));
}

}  // namespace
}  // namespace prov::testing
