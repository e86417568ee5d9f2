// In-process tests of the tfplugin6/tfplugin5 services: a PluginServer with the small
// TestProvider, reached through the same client code the process tests use.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

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

class ServerRpcTest : public ::testing::Test {
 protected:
  void StartServer(int protocol, bool tls) {
    server::ServerConfig config;
    config.protocol_version = protocol;
    std::optional<server::TlsIdentity> id;
    if (tls) {
      auto r = server::GenerateTlsIdentity();
      ASSERT_TRUE(r.ok());
      id = *r;
      config.client_cert_pem = id->cert_pem;
    }
    auto s = server::PluginServer::Start(provider_, config);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    server_ = std::move(s).value();
    auto hs = ParseHandshake(server_->handshake_line());
    ASSERT_TRUE(hs.ok());
    auto c = PluginClient::Connect(*hs, id ? &*id : nullptr);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    client_ = std::move(c).value();
  }
  void SetUp() override { StartServer(6, false); }

  Type ThingType() { return provider_.Resources()[0]->Schema().ImpliedType(); }
  std::string Encode(const Value& v, const Type& t) {
    auto r = cty::EncodeMsgpack(v, t);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : std::string();
  }
  Value Decode(const std::string& bytes, const Type& t) {
    auto r = cty::DecodeMsgpack(bytes, t);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : Value();
  }
  Value Thing(const std::string& name, Value id) {
    return Value::ObjectOfType(
        ThingType(), {{"id", std::move(id)},
                      {"name", Value::String(name)},
                      {"ports", Value::Null(Type::List(Type::Number()))},
                      {"rules", Value::Null(ThingType().attributes().at("rules"))}});
  }

  TestProvider provider_;
  std::unique_ptr<server::PluginServer> server_;
  std::unique_ptr<PluginClient> client_;
};

TEST_F(ServerRpcTest, ProviderSchemaHasCapabilitiesAndNestedAttributes) {
  grpc::ClientContext ctx;
  tfplugin6::GetProviderSchema_Request req;
  tfplugin6::GetProviderSchema_Response resp;
  ASSERT_TRUE(client_->v6().GetProviderSchema(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.diagnostics_size(), 0);
  EXPECT_TRUE(resp.server_capabilities().plan_destroy());
  // No RPC needs a prior GetProviderSchema in the process: caching clients may skip it.
  EXPECT_TRUE(resp.server_capabilities().get_provider_schema_optional());
  EXPECT_TRUE(resp.server_capabilities().move_resource_state());
  ASSERT_EQ(resp.resource_schemas().count("office_thing"), 1u);
  ASSERT_EQ(resp.data_source_schemas().count("office_echo"), 1u);
  ASSERT_EQ(resp.functions().count("add"), 1u);
  EXPECT_EQ(resp.functions().at("add").parameters_size(), 2);
  EXPECT_EQ(resp.functions().at("add").return_().type(), "\"number\"");
  const auto& block = resp.resource_schemas().at("office_thing").block();
  bool saw_rules = false;
  for (const auto& a : block.attributes()) {
    if (a.name() == "name") {
      EXPECT_TRUE(a.required());
      EXPECT_EQ(a.type(), "\"string\"");
    }
    if (a.name() == "rules") {
      saw_rules = true;
      EXPECT_TRUE(a.type().empty());
      EXPECT_EQ(a.nested_type().nesting(), tfplugin6::Schema_Object::LIST);
      ASSERT_EQ(a.nested_type().attributes_size(), 1);
      EXPECT_EQ(a.nested_type().attributes(0).name(), "cidr");
    }
  }
  EXPECT_TRUE(saw_rules);
  // Cached: a second call answers the same bytes.
  grpc::ClientContext ctx2;
  tfplugin6::GetProviderSchema_Response again;
  ASSERT_TRUE(client_->v6().GetProviderSchema(&ctx2, req, &again).ok());
  EXPECT_EQ(again.SerializeAsString().size(), resp.SerializeAsString().size());
}

TEST_F(ServerRpcTest, ResourceIdentitySchemasIsEmptySuccess) {
  grpc::ClientContext ctx;
  tfplugin6::GetResourceIdentitySchemas_Request req;
  tfplugin6::GetResourceIdentitySchemas_Response resp;
  ASSERT_TRUE(client_->v6().GetResourceIdentitySchemas(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.identity_schemas_size(), 0);
  EXPECT_EQ(resp.diagnostics_size(), 0);
}

TEST_F(ServerRpcTest, UnsupportedRpcIsUnimplementedStatus) {
  grpc::ClientContext ctx;
  tfplugin6::ValidateEphemeralResourceConfig_Request req;
  tfplugin6::ValidateEphemeralResourceConfig_Response resp;
  auto st = client_->v6().ValidateEphemeralResourceConfig(&ctx, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(ServerRpcTest, MetadataListsTypes) {
  grpc::ClientContext ctx;
  tfplugin6::GetMetadataRpc_Request req;
  tfplugin6::GetMetadataRpc_Response resp;
  ASSERT_TRUE(client_->v6().GetMetadata(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.resources_size(), 1);
  EXPECT_EQ(resp.resources(0).type_name(), "office_thing");
  EXPECT_EQ(resp.data_sources(0).type_name(), "office_echo");
  EXPECT_EQ(resp.functions(0).name(), "add");
  // The same capabilities as GetProviderSchema.
  EXPECT_TRUE(resp.server_capabilities().get_provider_schema_optional());
  EXPECT_TRUE(resp.server_capabilities().plan_destroy());
}

TEST_F(ServerRpcTest, PlanAndApplyRoundTripWithPrivateEcho) {
  const Type t = ThingType();
  tfplugin6::PlanResourceChange_Request plan;
  plan.set_type_name("office_thing");
  plan.mutable_prior_state()->set_msgpack(Encode(Value::Null(t), t));
  plan.mutable_proposed_new_state()->set_msgpack(
      Encode(Thing("web", Value::Null(Type::String())), t));
  plan.mutable_config()->set_msgpack(Encode(Thing("web", Value::Null(Type::String())), t));
  plan.set_prior_private("opaque-bytes");
  tfplugin6::PlanResourceChange_Response planned;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().PlanResourceChange(&ctx, plan, &planned).ok());
  }
  ASSERT_EQ(planned.diagnostics_size(), 0) << planned.diagnostics(0).detail();
  EXPECT_EQ(planned.planned_private(), "opaque-bytes");
  Value pv = Decode(planned.planned_state().msgpack(), t);
  EXPECT_TRUE(pv.Get("id").IsUnknown());

  tfplugin6::ApplyResourceChange_Request apply;
  apply.set_type_name("office_thing");
  *apply.mutable_prior_state() = plan.prior_state();
  *apply.mutable_planned_state() = planned.planned_state();
  *apply.mutable_config() = plan.config();
  apply.set_planned_private(planned.planned_private());
  tfplugin6::ApplyResourceChange_Response applied;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().ApplyResourceChange(&ctx, apply, &applied).ok());
  }
  ASSERT_EQ(applied.diagnostics_size(), 0);
  EXPECT_EQ(applied.private_(), "opaque-bytes");
  EXPECT_EQ(Decode(applied.new_state().msgpack(), t).Get("id").AsString(), "id-web");
}

TEST_F(ServerRpcTest, RequiresReplaceBecomesAttributePath) {
  const Type t = ThingType();
  tfplugin6::PlanResourceChange_Request plan;
  plan.set_type_name("office_thing");
  plan.mutable_prior_state()->set_msgpack(Encode(Thing("a", Value::String("id-a")), t));
  plan.mutable_proposed_new_state()->set_msgpack(Encode(Thing("b", Value::String("id-a")), t));
  plan.mutable_config()->set_msgpack(Encode(Thing("b", Value::Null(Type::String())), t));
  tfplugin6::PlanResourceChange_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().PlanResourceChange(&ctx, plan, &resp).ok());
  ASSERT_EQ(resp.requires_replace_size(), 1);
  ASSERT_EQ(resp.requires_replace(0).steps_size(), 1);
  EXPECT_EQ(resp.requires_replace(0).steps(0).attribute_name(), "name");
}

TEST_F(ServerRpcTest, MalformedMsgpackIsDiagnosticNotCrash) {
  const std::vector<std::string> hostile = {
      std::string("\x85", 1),                      // fixmap with 5 entries, truncated
      std::string("\xdf\xff\xff\xff\xff", 5),      // map32 with 4G entries
      std::string("\xc1", 1),                      // never-used byte
      std::string("\x81\xa4name\xc3", 7),          // bool where a string is expected
  };
  for (const std::string& bytes : hostile) {
    tfplugin6::ValidateResourceConfig_Request req;
    req.set_type_name("office_thing");
    req.mutable_config()->set_msgpack(bytes);
    tfplugin6::ValidateResourceConfig_Response resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().ValidateResourceConfig(&ctx, req, &resp).ok());
    ASSERT_GE(resp.diagnostics_size(), 1);
    EXPECT_EQ(resp.diagnostics(0).severity(), tfplugin6::Diagnostic::ERROR);
    EXPECT_NE(resp.diagnostics(0).summary().find("office_thing"), std::string::npos);
  }
}

TEST_F(ServerRpcTest, WrongTypeAndUnknownAttributeAreDiagnostics) {
  // {"id": nil, "name": 5, "ports": nil, "rules": nil}: number where a string is expected.
  Type wrong = Type::Object({{"id", Type::String()},
                             {"name", Type::Number()},
                             {"ports", Type::List(Type::Number())},
                             {"rules", ThingType().attributes().at("rules")}});
  Value v = Value::ObjectOfType(wrong, {{"id", Value::Null(Type::String())},
                                        {"name", Value::Number(5)},
                                        {"ports", Value::Null(Type::List(Type::Number()))},
                                        {"rules", Value::Null(wrong.attributes().at("rules"))}});
  tfplugin6::ValidateResourceConfig_Request req;
  req.set_type_name("office_thing");
  req.mutable_config()->set_msgpack(Encode(v, wrong));
  tfplugin6::ValidateResourceConfig_Response resp;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().ValidateResourceConfig(&ctx, req, &resp).ok());
  }
  ASSERT_GE(resp.diagnostics_size(), 1);
  EXPECT_EQ(resp.diagnostics(0).severity(), tfplugin6::Diagnostic::ERROR);

  auto extra_attrs = ThingType().attributes();
  extra_attrs.emplace("surprise", Type::String());
  Type extra = Type::Object(extra_attrs);
  std::map<std::string, Value> ev;
  for (const auto& [k, at] : extra_attrs) ev.emplace(k, Value::Null(at));
  ev["name"] = Value::String("x");
  req.mutable_config()->set_msgpack(Encode(Value::ObjectOfType(extra, ev), extra));
  tfplugin6::ValidateResourceConfig_Response resp2;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().ValidateResourceConfig(&ctx, req, &resp2).ok());
  }
  ASSERT_GE(resp2.diagnostics_size(), 1);
  EXPECT_NE(resp2.diagnostics(0).detail().find("surprise"), std::string::npos)
      << resp2.diagnostics(0).detail();
}

TEST_F(ServerRpcTest, ValidationDiagnosticCarriesAttributePath) {
  const Type t = ThingType();
  tfplugin6::ValidateResourceConfig_Request req;
  req.set_type_name("office_thing");
  req.mutable_config()->set_msgpack(Encode(Thing("", Value::Null(Type::String())), t));
  tfplugin6::ValidateResourceConfig_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().ValidateResourceConfig(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 1);
  EXPECT_EQ(resp.diagnostics(0).summary(), "Invalid name");
  ASSERT_EQ(resp.diagnostics(0).attribute().steps_size(), 1);
  EXPECT_EQ(resp.diagnostics(0).attribute().steps(0).attribute_name(), "name");
}

TEST_F(ServerRpcTest, UnknownTypeNameIsDiagnostic) {
  tfplugin6::ReadResource_Request req;
  req.set_type_name("office_nope");
  tfplugin6::ReadResource_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().ReadResource(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 1);
  EXPECT_NE(resp.diagnostics(0).summary().find("office_nope"), std::string::npos);
}

TEST_F(ServerRpcTest, JsonDynamicValueAccepted) {
  tfplugin6::ReadDataSource_Request req;
  req.set_type_name("office_echo");
  req.mutable_config()->set_json(R"({"input":"hi","output":null})");
  tfplugin6::ReadDataSource_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().ReadDataSource(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 0) << resp.diagnostics(0).detail();
  auto type = provider_.DataSources()[0]->Schema().ImpliedType();
  EXPECT_EQ(Decode(resp.state().msgpack(), type).Get("output").AsString(), "hi");
}

TEST_F(ServerRpcTest, UpgradeResourceStateFromJsonAndRejectsFlatmap) {
  tfplugin6::UpgradeResourceState_Request req;
  req.set_type_name("office_thing");
  req.mutable_raw_state()->set_json(R"({"id":"id-a","name":"a","ports":[80],"rules":null})");
  tfplugin6::UpgradeResourceState_Response resp;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().UpgradeResourceState(&ctx, req, &resp).ok());
  }
  ASSERT_EQ(resp.diagnostics_size(), 0) << resp.diagnostics(0).detail();
  EXPECT_EQ(Decode(resp.upgraded_state().msgpack(), ThingType()).Get("name").AsString(), "a");

  tfplugin6::UpgradeResourceState_Request flat;
  flat.set_type_name("office_thing");
  (*flat.mutable_raw_state()->mutable_flatmap())["id"] = "x";
  tfplugin6::UpgradeResourceState_Response flat_resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().UpgradeResourceState(&ctx, flat, &flat_resp).ok());
  ASSERT_EQ(flat_resp.diagnostics_size(), 1);
  EXPECT_NE(flat_resp.diagnostics(0).detail().find("flatmap"), std::string::npos);
}

TEST_F(ServerRpcTest, CallFunctionConvertsArgumentsAndReportsErrors) {
  tfplugin6::CallFunction_Request req;
  req.set_name("add");
  req.add_arguments()->set_msgpack(Encode(Value::Number(40), Type::Number()));
  req.add_arguments()->set_msgpack(Encode(Value::Number(2), Type::Number()));
  tfplugin6::CallFunction_Response resp;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().CallFunction(&ctx, req, &resp).ok());
  }
  ASSERT_FALSE(resp.has_error()) << resp.error().text();
  EXPECT_EQ(*Decode(resp.result().msgpack(), Type::Number()).AsInt64(), 42);

  auto half = Value::NumberFromString("1.5");
  ASSERT_TRUE(half.ok());
  req.mutable_arguments(1)->set_msgpack(Encode(*half, Type::Number()));
  tfplugin6::CallFunction_Response bad;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().CallFunction(&ctx, req, &bad).ok());
  }
  ASSERT_TRUE(bad.has_error());
  EXPECT_EQ(bad.error().function_argument(), 1);

  req.mutable_arguments(1)->set_msgpack(Encode(Value::String("x"), Type::String()));
  tfplugin6::CallFunction_Response wrong;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(client_->v6().CallFunction(&ctx, req, &wrong).ok());
  }
  ASSERT_TRUE(wrong.has_error());
  EXPECT_EQ(wrong.error().function_argument(), 1);
}

TEST_F(ServerRpcTest, ConfigureProviderPassesDiagnostics) {
  Type pt = provider_.ProviderSchema().ImpliedType();
  tfplugin6::ConfigureProvider_Request req;
  req.set_terraform_version("1.12.0");
  req.mutable_config()->set_msgpack(Encode(Value::ObjectOfType(pt, {{"region", Value::String("bad")}}), pt));
  tfplugin6::ConfigureProvider_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().ConfigureProvider(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 1);
  EXPECT_EQ(resp.diagnostics(0).attribute().steps(0).attribute_name(), "region");
  EXPECT_EQ(provider_.configure_calls.load(), 1);
}

TEST_F(ServerRpcTest, StopProviderCallsStop) {
  tfplugin6::StopProvider_Request req;
  tfplugin6::StopProvider_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().StopProvider(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.error(), "");
  EXPECT_EQ(provider_.stop_calls.load(), 1);
  EXPECT_FALSE(server_->shutdown_requested());  // StopProvider does not end the process
}

TEST_F(ServerRpcTest, ShutdownRpcRequestsShutdown) {
  grpc::ClientContext ctx;
  plugin::Empty req, resp;
  ASSERT_TRUE(client_->controller().Shutdown(&ctx, req, &resp).ok());
  EXPECT_TRUE(server_->WaitForShutdownRequestFor(std::chrono::seconds(2)));
}

TEST_F(ServerRpcTest, ManyParallelRpcs) {
  const Type t = ThingType();
  const std::string state = Encode(Thing("p", Value::String("id-p")), t);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 25; ++j) {
        if ((i + j) % 2) {
          tfplugin6::ReadResource_Request req;
          req.set_type_name("office_thing");
          req.mutable_current_state()->set_msgpack(state);
          req.set_private_("p" + std::to_string(i));
          tfplugin6::ReadResource_Response resp;
          grpc::ClientContext ctx;
          if (client_->v6().ReadResource(&ctx, req, &resp).ok() && resp.diagnostics_size() == 0 &&
              resp.new_state().msgpack() == state && resp.private_() == "p" + std::to_string(i))
            ok.fetch_add(1);
        } else {
          tfplugin6::GetProviderSchema_Request req;
          tfplugin6::GetProviderSchema_Response resp;
          grpc::ClientContext ctx;
          if (client_->v6().GetProviderSchema(&ctx, req, &resp).ok() &&
              resp.resource_schemas_size() == 1)
            ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 16 * 25);
}

TEST_F(ServerRpcTest, ImportAndMoveDefaultsAreErrors) {
  tfplugin6::ImportResourceState_Request req;
  req.set_type_name("office_thing");
  req.set_id("x");
  tfplugin6::ImportResourceState_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v6().ImportResourceState(&ctx, req, &resp).ok());
  ASSERT_GE(resp.diagnostics_size(), 1);
  EXPECT_EQ(resp.imported_resources_size(), 0);
}

class ServerRpcV5Test : public ServerRpcTest {
 protected:
  void SetUp() override { StartServer(5, true); }
};

TEST_F(ServerRpcV5Test, SchemaFlattensNestedAttributesOverTls) {
  grpc::ClientContext ctx;
  tfplugin5::GetProviderSchema_Request req;
  tfplugin5::GetProviderSchema_Response resp;
  ASSERT_TRUE(client_->v5().GetSchema(&ctx, req, &resp).ok());
  const auto& block = resp.resource_schemas().at("office_thing").block();
  bool saw = false;
  for (const auto& a : block.attributes()) {
    if (a.name() != "rules") continue;
    saw = true;
    auto j = nlohmann::json::parse(a.type());
    EXPECT_EQ(j, nlohmann::json::parse(R"(["list",["object",{"cidr":"string"}]])"));
  }
  EXPECT_TRUE(saw);
}

TEST_F(ServerRpcV5Test, PrepareProviderConfigEchoesConfig) {
  Type pt = provider_.ProviderSchema().ImpliedType();
  tfplugin5::PrepareProviderConfig_Request req;
  req.mutable_config()->set_msgpack(Encode(Value::ObjectOfType(pt, {{"region", Value::String("eu")}}), pt));
  tfplugin5::PrepareProviderConfig_Response resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(client_->v5().PrepareProviderConfig(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.diagnostics_size(), 0);
  EXPECT_EQ(resp.prepared_config().msgpack(), req.config().msgpack());
}

}  // namespace
}  // namespace prov::testing
