// ArmClient against a scripted transport: request shapes, LRO polling (both styles),
// paging, retry on 429 / busy / 5xx, 401 token refresh, error parsing, per-NSG write lock.
#include "provider/cloud/azure/arm_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "provider/cloud/azure/azure_backend.h"
#include "tests/fakes/azure/fake_transport.h"

namespace prov::cloud::azure {
namespace {

using testing::FixedTokenSource;
using testing::HeaderOf;
using testing::Resp;
using testing::ScriptedTransport;
using nlohmann::json;

constexpr char kBase[] = "https://arm.example";
const std::string kNsgId =
    "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/nsg1";

struct Harness {
  std::shared_ptr<ScriptedTransport> transport;
  std::shared_ptr<FixedTokenSource> tokens = std::make_shared<FixedTokenSource>();
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<ArmClient> client;
  NsgRef nsg = *NsgRef::Parse(kNsgId);

  explicit Harness(ScriptedTransport::Handler h, int max_attempts = 5) {
    transport = std::make_shared<ScriptedTransport>(std::move(h));
    ArmConfig cfg;
    cfg.endpoint = kBase;
    cfg.retry.max_attempts = max_attempts;
    cfg.retry.base_delay = std::chrono::milliseconds(1);
    cfg.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    client = std::make_unique<ArmClient>(cfg, transport, tokens);
  }
};

std::string RuleJson(const std::string& name, int prio, const std::string& etag = "W/\"e1\"",
                     const std::string& state = "Succeeded") {
  json j = {{"name", name},
            {"id", kNsgId + "/securityRules/" + name},
            {"etag", etag},
            {"type", "Microsoft.Network/networkSecurityGroups/securityRules"},
            {"properties",
             {{"provisioningState", state},
              {"protocol", "Tcp"},
              {"access", "Allow"},
              {"direction", "Outbound"},
              {"priority", prio},
              {"description", "d [m]"},
              {"sourcePortRange", "*"},
              {"sourcePortRanges", json::array()},
              {"destinationPortRanges", {"443", "5060-5061"}},
              {"sourceAddressPrefix", "*"},
              {"destinationAddressPrefixes", {"10.0.0.0/8", "192.0.2.0/24"}}}}};
  return j.dump();
}

TEST(NsgRefTest, ParsesCaseInsensitiveIdAndRejectsOthers) {
  auto r = NsgRef::Parse(
      "/SUBSCRIPTIONS/s/resourcegroups/g/providers/microsoft.network/NETWORKSECURITYGROUPS/n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->subscription, "s");
  EXPECT_EQ(r->resource_group, "g");
  EXPECT_EQ(r->name, "n");
  EXPECT_EQ(r->Id(),
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/n");
  EXPECT_FALSE(NsgRef::Parse("").ok());
  EXPECT_FALSE(NsgRef::Parse("/subscriptions/s/resourceGroups/g").ok());
  auto bad = NsgRef::Parse(
      "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("networkSecurityGroups"), std::string::npos);
}

TEST(CloudEnvironmentTest, SovereignPresets) {
  EXPECT_EQ(EnvironmentByName("")->resource_manager, "https://management.azure.com");
  EXPECT_EQ(EnvironmentByName("USGovernment")->authority_host, "https://login.microsoftonline.us");
  EXPECT_EQ(EnvironmentByName("china")->resource_manager, "https://management.chinacloudapi.cn");
  EXPECT_FALSE(EnvironmentByName("mars").ok());
}

TEST(SecurityRuleBodyTest, SingularForOneValuePluralForSeveral) {
  SecurityRule r;
  r.name = "oah-x";
  r.protocol = "Udp";
  r.direction = "Outbound";
  r.priority = 1001;
  r.description = "media [m]";
  r.destination_port_ranges = {"20000-64999"};
  r.destination_address_prefixes = {"10.0.0.0/8", "192.0.2.0/24"};
  json b = json::parse(SecurityRuleBody(r));
  const json& p = b["properties"];
  EXPECT_EQ(p["protocol"], "Udp");
  EXPECT_EQ(p["access"], "Allow");
  EXPECT_EQ(p["priority"], 1001);
  EXPECT_EQ(p["destinationPortRange"], "20000-64999");
  EXPECT_FALSE(p.contains("destinationPortRanges"));
  EXPECT_EQ(p["destinationAddressPrefixes"], json({"10.0.0.0/8", "192.0.2.0/24"}));
  EXPECT_FALSE(p.contains("destinationAddressPrefix"));
  EXPECT_EQ(p["sourcePortRange"], "*");
  EXPECT_EQ(p["sourceAddressPrefix"], "*");
  EXPECT_FALSE(b.contains("name"));  // the name travels in the URL
}

TEST(SecurityRuleTest, SameContentTreatsSingularAsOneElementPlural) {
  auto a = ParseSecurityRule(RuleJson("r", 100));
  ASSERT_TRUE(a.ok());
  SecurityRule b = *a;
  b.destination_address_prefixes = {"192.0.2.0/24", "10.0.0.0/8"};
  b.etag = "other";
  EXPECT_TRUE(a->SameContent(b));
  b.source_address_prefix.clear();  // "" == "*"
  EXPECT_TRUE(a->SameContent(b));
  b.priority = 101;
  EXPECT_FALSE(a->SameContent(b));
}

TEST(ArmErrorTest, ParsesCodeMessageAndDetails) {
  auto e = ArmError(Resp(429, R"({"error":{"code":"RetryableError","message":"busy",
      "details":[{"code":"RetryableErrorDueToAnotherOperation","message":"op x"}]}})"),
                    "writing");
  EXPECT_EQ(e.remote_code, "RetryableError");
  EXPECT_EQ(e.http_status, 429);
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_NE(e.message.find("RetryableErrorDueToAnotherOperation"), std::string::npos);
  auto c = ArmError(Resp(400, R"({"error":{"code":"SecurityRuleConflict","message":"m"}})"), "w");
  EXPECT_EQ(c.code, ErrorCode::kConflict);
  auto n = ArmError(Resp(404, "<html>not json</html>"), "w");
  EXPECT_EQ(n.code, ErrorCode::kNotFound);
  EXPECT_EQ(n.http_status, 404);
  auto i = ArmError(Resp(400, R"({"error":{"code":"SecurityRuleInvalidPortRange","message":"m"}})"),
                    "w");
  EXPECT_EQ(i.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(i.remote_code, "SecurityRuleInvalidPortRange");
}

TEST(ArmClientTest, GetNsgSendsBearerAndApiVersionAndParsesRules) {
  Harness h([](const http::Request& r) -> Result<http::Response> {
    json nsg = {{"id", kNsgId},
                {"name", "nsg1"},
                {"etag", "W/\"n1\""},
                {"location", "westeurope"},
                {"properties",
                 {{"provisioningState", "Succeeded"},
                  {"securityRules", {json::parse(RuleJson("oah-a", 1000))}},
                  {"defaultSecurityRules", {json::parse(RuleJson("DenyAllOutBound", 65500))}}}}};
    return Resp(200, nsg.dump());
  });
  auto g = h.client->GetNsg(h.nsg, nullptr);
  ASSERT_TRUE(g.ok()) << g.error().ToString();
  ASSERT_EQ(g->security_rules.size(), 1u);
  EXPECT_EQ(g->security_rules[0].name, "oah-a");
  EXPECT_EQ(g->security_rules[0].DestinationPorts(), (std::vector<std::string>{"443", "5060-5061"}));
  EXPECT_EQ(g->security_rules[0].SourcePrefixes(), (std::vector<std::string>{"*"}));
  EXPECT_EQ(g->default_security_rules.size(), 1u);
  auto reqs = h.transport->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].url, std::string(kBase) + kNsgId + "?api-version=2024-05-01");
  EXPECT_EQ(HeaderOf(reqs[0], "Authorization"), "Bearer test-token");
}

TEST(ArmClientTest, MissingNsgIsNotFound) {
  Harness h([](const http::Request&) -> Result<http::Response> {
    return Resp(404, R"({"error":{"code":"ResourceNotFound","message":"The Resource was not found."}})");
  });
  auto g = h.client->GetNsg(h.nsg, nullptr);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(g.error().remote_code, "ResourceNotFound");
  EXPECT_EQ(g.error().http_status, 404);
}

TEST(ArmClientTest, ListRulesFollowsNextLinkVerbatim) {
  Harness h([](const http::Request& r) -> Result<http::Response> {
    std::string base = std::string(kBase) + kNsgId + "/securityRules?api-version=2024-05-01";
    if (r.url == base)
      return Resp(200, json({{"value", {json::parse(RuleJson("a", 100)), json::parse(RuleJson("b", 101))}},
                             {"nextLink", base + "&$skiptoken=2"}})
                           .dump());
    if (r.url == base + "&$skiptoken=2")
      return Resp(200, json({{"value", {json::parse(RuleJson("c", 102))}},
                             {"nextLink", base + "&$skiptoken=3"}})
                           .dump());
    if (r.url == base + "&$skiptoken=3") return Resp(200, R"({"value":[]})");
    return Resp(500, "unexpected " + r.url);
  });
  auto rules = h.client->ListRules(h.nsg, nullptr);
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  ASSERT_EQ(rules->size(), 3u);
  EXPECT_EQ((*rules)[2].name, "c");
  EXPECT_EQ(h.transport->requests().size(), 3u);
}

TEST(ArmClientTest, RefusesToSendTheTokenToAForeignNextLink) {
  Harness h([](const http::Request& r) -> Result<http::Response> {
    return Resp(200, R"({"value":[],"nextLink":"https://evil.example/steal"})");
  });
  auto rules = h.client->ListRules(h.nsg, nullptr);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(h.transport->requests().size(), 1u);
}

TEST(ArmClientTest, CreateUsesIfNoneMatchAndPollsAsyncOperationHonouringRetryAfter) {
  std::atomic<int> polls{0};
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (r.method == "PUT") {
      return Resp(201, RuleJson("oah-a", 1000, "W/\"e2\"", "Updating"),
                  {{"azure-asyncoperation", std::string(kBase) + "/subscriptions/sub1/providers/"
                                            "Microsoft.Network/locations/westeurope/operations/op1"
                                            "?api-version=2024-05-01"},
                   {"retry-after", "3"}});
    }
    if (r.url.find("/operations/op1") != std::string::npos) {
      if (++polls < 3) return Resp(200, R"({"status":"InProgress"})", {{"retry-after", "2"}});
      return Resp(200, R"({"status":"Succeeded"})");
    }
    return Resp(500, "unexpected");
  });
  SecurityRule rule = *ParseSecurityRule(RuleJson("oah-a", 1000));
  auto put = h.client->PutRule(h.nsg, rule, PutMode::kCreateOnly, nullptr);
  ASSERT_TRUE(put.ok()) << put.error().ToString();
  EXPECT_EQ(put->etag, "W/\"e2\"");
  auto reqs = h.transport->requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(HeaderOf(reqs[0], "If-None-Match"), "*");
  EXPECT_EQ(HeaderOf(reqs[0], "If-Match"), "");
  EXPECT_EQ(HeaderOf(reqs[0], "Content-Type"), "application/json");
  EXPECT_EQ(reqs[0].url, std::string(kBase) + kNsgId + "/securityRules/oah-a?api-version=2024-05-01");
  json body = json::parse(reqs[0].body);
  EXPECT_EQ(body["properties"]["destinationPortRanges"], json({"443", "5060-5061"}));
  EXPECT_EQ(HeaderOf(reqs[1], "Authorization"), "Bearer test-token");
  ASSERT_EQ(h.sleeps.size(), 3u);
  EXPECT_EQ(h.sleeps[0], std::chrono::seconds(3));
  EXPECT_EQ(h.sleeps[1], std::chrono::seconds(2));
}

TEST(ArmClientTest, FailedOperationSurfacesItsError) {
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (r.method == "PUT")
      return Resp(201, RuleJson("oah-a", 1000),
                  {{"azure-asyncoperation", std::string(kBase) + "/op/2"}});
    return Resp(200, R"({"status":"Failed","error":{"code":"SecurityRuleConflict",
                         "message":"Security rule oah-a conflicts with rule other."}})");
  });
  auto put = h.client->PutRule(h.nsg, *ParseSecurityRule(RuleJson("oah-a", 1000)),
                               PutMode::kUnconditional, nullptr);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().remote_code, "SecurityRuleConflict");
  EXPECT_EQ(put.error().code, ErrorCode::kConflict);
  EXPECT_NE(put.error().message.find("conflicts with rule other"), std::string::npos);
  // No Retry-After anywhere: the default poll interval is used.
  ASSERT_EQ(h.sleeps.size(), 1u);
  EXPECT_EQ(h.sleeps[0], std::chrono::seconds(10));
}

TEST(ArmClientTest, OperationEndingFailedOrCanceledIsReportedToTheCaller) {
  std::string status = "Failed";
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (r.method == "PUT" || r.method == "DELETE")
      return Resp(r.method == "PUT" ? 200 : 202, r.method == "PUT" ? RuleJson("oah-a", 1000) : "",
                  {{"azure-asyncoperation", std::string(kBase) + "/op/3"}, {"retry-after", "0"}});
    return Resp(200, R"({"status":")" + status +
                         R"(","error":{"code":"InternalServerError","message":"boom"}})");
  });
  SecurityRule rule = *ParseSecurityRule(RuleJson("oah-a", 1000));
  OperationEnd end;
  auto put = h.client->PutRule(h.nsg, rule, PutMode::kUnconditional, nullptr, &end);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(end.status, "Failed");
  EXPECT_TRUE(end.ended_badly());
  EXPECT_EQ(put.error().remote_code, "InternalServerError");
  EXPECT_NE(put.error().message.find("operation Failed: boom"), std::string::npos);
  status = "Canceled";
  put = h.client->PutRule(h.nsg, rule, PutMode::kUnconditional, nullptr, &end);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(end.status, "Canceled");
  Status del = h.client->DeleteRule(h.nsg, "oah-a", nullptr, &end);
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(end.status, "Canceled");
  // A plain refusal is not an operation outcome: `end` is cleared.
  Harness refuse([&](const http::Request&) -> Result<http::Response> {
    return Resp(400, R"({"error":{"code":"SecurityRuleInvalidPortRange","message":"bad"}})");
  });
  put = refuse.client->PutRule(refuse.nsg, rule, PutMode::kUnconditional, nullptr, &end);
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(end.ended_badly());
}

TEST(SecurityRuleTest, FailedOrDeletingProvisioningIsNotInForce) {
  // Failed: not known to be enforced; Deleting: a delete (perhaps one whose answer was lost)
  // is still running, so the rule must not be recorded as what is in force.
  for (const char* st : {"Failed", "Deleting"})
    EXPECT_FALSE(ParseSecurityRule(RuleJson("oah-a", 1000, "W/\"1\"", st))->InForce()) << st;
  for (const char* st : {"Succeeded", "Updating"})
    EXPECT_TRUE(ParseSecurityRule(RuleJson("oah-a", 1000, "W/\"1\"", st))->InForce()) << st;
}

TEST(ArmClientTest, UpdateSendsIfMatchAnd412IsConflict) {
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    return Resp(412, R"({"error":{"code":"PreconditionFailed","message":"etag mismatch"}})");
  });
  SecurityRule rule = *ParseSecurityRule(RuleJson("oah-a", 1000, "W/\"old\""));
  auto put = h.client->PutRule(h.nsg, rule, PutMode::kIfMatch, nullptr);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kConflict);
  EXPECT_EQ(put.error().http_status, 412);
  EXPECT_EQ(HeaderOf(h.transport->requests()[0], "If-Match"), "W/\"old\"");
  auto create = h.client->PutRule(h.nsg, rule, PutMode::kCreateOnly, nullptr);
  ASSERT_FALSE(create.ok());
  EXPECT_EQ(create.error().code, ErrorCode::kAlreadyExists);
}

TEST(ArmClientTest, DeletePollsLocationUntilDoneAnd404IsSuccess) {
  std::atomic<int> polls{0};
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (r.method == "DELETE" && r.url.find("gone") != std::string::npos)
      return Resp(404, R"({"error":{"code":"NotFound","message":"x"}})");
    if (r.method == "DELETE")
      return Resp(202, "", {{"location", std::string(kBase) + "/opresult/9"}, {"retry-after", "1"}});
    if (++polls < 3) return Resp(202, "", {{"retry-after", "1"}});
    return Resp(204);
  });
  EXPECT_TRUE(h.client->DeleteRule(h.nsg, "oah-a", nullptr).ok());
  EXPECT_EQ(polls.load(), 3);
  EXPECT_TRUE(h.client->DeleteRule(h.nsg, "gone", nullptr).ok());
}

TEST(ArmClientTest, ThrottlingHonoursRetryAfterThenSucceeds) {
  std::atomic<int> n{0};
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (++n <= 2)
      return Resp(429, R"({"error":{"code":"SubscriptionRequestsThrottled","message":"slow down"}})",
                  {{"retry-after", "7"}});
    return Resp(200, RuleJson("oah-a", 1000));
  });
  auto r = h.client->GetRule(h.nsg, "oah-a", nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_GE(h.sleeps[0], std::chrono::seconds(7));
  EXPECT_EQ(h.client->api_calls(), 3);
}

TEST(ArmClientTest, BusyAnswersAreRetriedButPlainConflictsAreNot) {
  std::atomic<int> n{0};
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    int k = ++n;
    if (k == 1)
      return Resp(409, R"({"error":{"code":"AnotherOperationInProgress","message":"busy"}})");
    if (k == 2)
      return Resp(429, R"({"error":{"code":"RetryableError","message":"m","details":[{"code":"RetryableErrorDueToAnotherOperation","message":"x"}]}})");
    if (k == 3) return Resp(200, RuleJson("oah-a", 1000));
    return Resp(409, R"({"error":{"code":"Conflict","message":"something else"}})");
  });
  SecurityRule rule = *ParseSecurityRule(RuleJson("oah-a", 1000));
  auto ok = h.client->PutRule(h.nsg, rule, PutMode::kUnconditional, nullptr);
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(n.load(), 3);
  auto bad = h.client->PutRule(h.nsg, rule, PutMode::kUnconditional, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(n.load(), 4);  // not retried
  EXPECT_EQ(bad.error().code, ErrorCode::kConflict);
}

TEST(ArmClientTest, ServerErrorsRetriedUntilAttemptsRunOut) {
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    return Resp(503, R"({"error":{"code":"ServiceUnavailable","message":"down"}})");
  }, /*max_attempts=*/3);
  auto r = h.client->GetNsg(h.nsg, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().remote_code, "ServiceUnavailable");
  EXPECT_EQ(h.transport->requests().size(), 3u);
}

TEST(ArmClientTest, ConnectionFailuresAreRetried) {
  std::atomic<int> n{0};
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (++n == 1) return MakeError(ErrorCode::kUnavailable, "connection reset");
    return Resp(200, RuleJson("oah-a", 1000));
  });
  EXPECT_TRUE(h.client->GetRule(h.nsg, "oah-a", nullptr).ok());
  EXPECT_EQ(n.load(), 2);
}

TEST(ArmClientTest, UnauthorizedRefreshesTheTokenOnce) {
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (HeaderOf(r, "Authorization") == "Bearer test-token")
      return Resp(401, R"({"error":{"code":"ExpiredAuthenticationToken","message":"expired"}})");
    return Resp(200, RuleJson("oah-a", 1000));
  });
  EXPECT_TRUE(h.client->GetRule(h.nsg, "oah-a", nullptr).ok());
  EXPECT_EQ(h.tokens->invalidations(), 1);

  Harness always([&](const http::Request& r) -> Result<http::Response> {
    return Resp(401, R"({"error":{"code":"InvalidAuthenticationToken","message":"bad"}})");
  });
  auto r = always.client->GetRule(always.nsg, "oah-a", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(always.transport->requests().size(), 2u);
}

TEST(ArmClientTest, MalformedBodiesAreDataLoss) {
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (r.url.find("securityRules/a") != std::string::npos) return Resp(200, "{not json");
    return Resp(200, R"({"properties":{"securityRules":[{"name":"x","properties":{"priority":"high"}}]}})");
  });
  auto a = h.client->GetRule(h.nsg, "a", nullptr);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kDataLoss);
  auto g = h.client->GetNsg(h.nsg, nullptr);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(g.error().message.find("priority"), std::string::npos);
}

TEST(ArmClientTest, CancelStopsBeforeSending) {
  Harness h([&](const http::Request& r) -> Result<http::Response> { return Resp(200, "{}"); });
  std::atomic<bool> cancel{true};
  auto r = h.client->GetNsg(h.nsg, &cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_TRUE(h.transport->requests().empty());
}

TEST(ArmClientTest, WritesToOneNsgAreSerialized) {
  std::atomic<int> in_flight{0}, max_in_flight{0};
  Harness h([&](const http::Request& r) -> Result<http::Response> {
    if (r.method == "PUT") {
      int now = ++in_flight;
      int prev = max_in_flight.load();
      while (now > prev && !max_in_flight.compare_exchange_weak(prev, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --in_flight;
    }
    return Resp(200, RuleJson("oah-a", 1000));
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      SecurityRule rule = *ParseSecurityRule(RuleJson("oah-a", 1000));
      EXPECT_TRUE(h.client->PutRule(h.nsg, rule, PutMode::kUnconditional, nullptr).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(max_in_flight.load(), 1);
  EXPECT_EQ(h.transport->requests().size(), 6u);
}

}  // namespace
}  // namespace prov::cloud::azure

// ------------------------------------------------ recorded-shape NSG (tests/testdata/azure)

namespace prov::cloud::azure {
namespace {

std::string ReadTestdata(const std::string& name) {
  const char* src = std::getenv("PROV_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/tests/testdata/azure/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AzureBackendReadTest, OneNsgGetYieldsOwnedRulesAndForeignPriorities) {
  std::string body = ReadTestdata("nsg_get_2024-05-01.json");
  ASSERT_FALSE(body.empty()) << "PROV_SOURCE_DIR not set?";
  auto transport = std::make_shared<ScriptedTransport>(
      [&](const http::Request&) -> Result<http::Response> { return Resp(200, body); });
  ArmConfig cfg;
  cfg.endpoint = kBase;
  auto client = std::make_shared<ArmClient>(cfg, transport, std::make_shared<FixedTokenSource>());
  AzureTarget t;
  t.nsg_id =
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/"
      "Microsoft.Network/networkSecurityGroups/nsg-office";
  t.name_prefix = "oah-";
  t.owner_marker = "[oah:al-1]";
  auto b = AzureBackend::New(t, client);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  auto st = (*b)->Read(nullptr);
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  EXPECT_EQ(st->api_calls, 1);
  EXPECT_EQ(transport->requests().size(), 1u);
  ASSERT_EQ(st->owned.size(), 2u);
  const auto& media = st->owned[0].rule;  // sorted by key
  EXPECT_EQ(media.name, "oah-egress-udp-media");
  EXPECT_EQ(media.direction, net::Direction::kEgress);
  ASSERT_EQ(media.allowed.size(), 1u);
  EXPECT_EQ(media.allowed[0].transport, net::Transport::kUdp);
  EXPECT_EQ(media.allowed[0].ports,
            (std::vector<net::PortRange>{{5090, 5091}, {8801, 8802}, {20000, 64999}}));
  EXPECT_EQ(media.remote_cidrs, (std::vector<std::string>{"66.81.240.0/20", "80.81.128.0/20"}));
  EXPECT_TRUE(media.local_cidrs.empty());
  EXPECT_EQ(media.description, "Office@Hand media UDP");
  EXPECT_EQ(media.priority, 1001);
  const auto& sftp = st->owned[1].rule;
  EXPECT_EQ(sftp.direction, net::Direction::kIngress);
  EXPECT_EQ(sftp.remote_cidrs, (std::vector<std::string>{"203.0.113.10/32", "203.0.113.11/32"}));
  EXPECT_EQ(sftp.local_cidrs, std::vector<std::string>{"10.1.2.3/32"});
  EXPECT_NE(st->owned[1].remote_id.find("/securityRules/oah-ingress-sftp"), std::string::npos);
  EXPECT_FALSE(st->owned[1].etag.empty());
  // "oah-manual" has our prefix but no marker: foreign. Default rules are not counted.
  EXPECT_EQ(st->foreign_priorities_ingress, std::vector<int>{1001});
  EXPECT_EQ(st->foreign_priorities_egress, std::vector<int>{1500});
}

}  // namespace
}  // namespace prov::cloud::azure
