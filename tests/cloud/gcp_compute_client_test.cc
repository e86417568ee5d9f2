// Unit tests for the Compute v1 client over a scripted transport: paging, operation wait,
// operation errors, retry classification (429, 5xx, 403 rate limits vs 403 forbidden),
// requestId reuse, token refresh on 401, and normalisation.
#include "provider/cloud/gcp/compute_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/fakes/gcp/fake_transport.h"

namespace prov::cloud::gcp {
namespace {

using testing::FakeTransport;
using testing::JsonResponse;

std::string TestData(const std::string& name) {
  const char* root = std::getenv("PROV_SOURCE_DIR");
  std::string path = std::string(root ? root : ".") + "/tests/testdata/gcp/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Counts fetches; hands out "tok-1", "tok-2", ...
class CountingTokens : public TokenProvider {
 public:
  Result<std::string> Token(const std::atomic<bool>*) override {
    if (current_.empty()) current_ = "tok-" + std::to_string(++fetches_);
    return current_;
  }
  void Invalidate() override { current_.clear(); }
  std::string Describe() const override { return "counting"; }
  int fetches_ = 0;
  std::string current_;
};

struct Fixture {
  std::shared_ptr<FakeTransport> transport;
  std::shared_ptr<CountingTokens> tokens = std::make_shared<CountingTokens>();
  std::unique_ptr<ComputeClient> client;
  int sleeps = 0;

  explicit Fixture(FakeTransport::Handler h = nullptr, int page_size = 500)
      : transport(std::make_shared<FakeTransport>(std::move(h))) {
    ComputeConfig c;
    c.endpoint = "https://compute.example.test/compute/v1/";  // custom-endpoint form
    c.project = "demo-project";
    c.transport = transport;
    c.tokens = tokens;
    c.page_size = page_size;
    c.retry.max_attempts = 4;
    c.sleep = [this](std::chrono::milliseconds) { ++sleeps; };
    client = std::make_unique<ComputeClient>(c);
  }
};

std::string Op(const std::string& status, const std::string& extra = "") {
  return R"({"kind":"compute#operation","name":"op-1","operationType":"insert","status":")" + status +
         R"(","targetLink":"https://compute.example.test/compute/v1/projects/demo-project/global/firewalls/oah-a")" +
         extra + "}";
}

Firewall SampleFirewall() {
  Firewall f;
  f.name = "oah-a";
  f.network = "projects/demo-project/global/networks/default";
  f.direction = "EGRESS";
  f.destination_ranges = {"66.81.240.0/20"};
  f.allowed = {{"udp", {"20000-64999"}}};
  f.description = "media [oah:default]";
  return f;
}

TEST(GcpComputeClientTest, ListFollowsNextPageTokenWithFilter) {
  Fixture fx([](const http::Request& r) -> Result<http::Response> {
    if (r.url.find("pageToken=") == std::string::npos) return JsonResponse(200, TestData("firewall_list_page1.json"));
    return JsonResponse(200, TestData("firewall_list_page2.json"));
  }, 2);
  auto list = fx.client->ListFirewalls(R"(name eq "oah-.*")", nullptr);
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "oah-egress-media");
  EXPECT_EQ((*list)[0].direction, "EGRESS");
  EXPECT_EQ((*list)[2].allowed.size(), 2u);
  auto reqs = fx.transport->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].url,
            "https://compute.example.test/compute/v1/projects/demo-project/global/firewalls"
            "?maxResults=2&filter=name%20eq%20%22oah-.%2A%22");
  EXPECT_NE(reqs[1].url.find("&pageToken=Cj0KGW9haC1lZ3Jlc3MtbWVkaWE"), std::string::npos);
  EXPECT_EQ(reqs[0].headers[0], (std::pair<std::string, std::string>("Authorization", "Bearer tok-1")));
}

TEST(GcpComputeClientTest, ListRejectsNonAdvancingPageToken) {
  Fixture fx([](const http::Request&) -> Result<http::Response> {
    return JsonResponse(200, R"({"kind":"compute#firewallList","nextPageToken":"same"})");
  });
  auto list = fx.client->ListFirewalls("", nullptr);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, ErrorCode::kDataLoss);
}

TEST(GcpComputeClientTest, InsertWaitsUntilDone) {
  Fixture fx;
  fx.transport->Push(200, TestData("operation_pending.json"));
  fx.transport->Push(200, Op("RUNNING"));
  fx.transport->Push(200, Op("DONE"));
  auto op = fx.client->InsertFirewall(SampleFirewall(), nullptr);
  ASSERT_TRUE(op.ok()) << op.error().ToString();
  EXPECT_EQ(op->status, "DONE");
  auto reqs = fx.transport->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_NE(reqs[0].url.find("/global/firewalls?requestId="), std::string::npos);
  auto body = nlohmann::json::parse(reqs[0].body);
  EXPECT_EQ(body["allowed"][0]["IPProtocol"], "udp");
  EXPECT_EQ(body["destinationRanges"][0], "66.81.240.0/20");
  EXPECT_EQ(body["logConfig"]["enable"], false);
  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_NE(reqs[1].url.find("/global/operations/operation-1764000000000-5f1a2b3c4d5e6-7f8a9b0c-1d2e3f4a/wait"),
            std::string::npos);
  EXPECT_EQ(reqs[2].url, reqs[1].url);
}

TEST(GcpComputeClientTest, OperationErrorBecomesTypedError) {
  Fixture fx;
  fx.transport->Push(200, TestData("operation_pending.json"));
  fx.transport->Push(200, TestData("operation_quota_exceeded.json"));
  auto op = fx.client->InsertFirewall(SampleFirewall(), nullptr);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(op.error().remote_code, "QUOTA_EXCEEDED");
  EXPECT_EQ(op.error().http_status, 403);
  EXPECT_NE(op.error().message.find("Quota 'FIREWALLS' exceeded"), std::string::npos);
}

TEST(GcpComputeClientTest, OperationAlreadyDoneWithAnErrorIsReportedByWait) {
  // The write's answer is an operation already DONE with an error: Start returns it, Wait
  // reports the error without another call.
  Fixture fx;
  fx.transport->Push(200, TestData("operation_quota_exceeded.json"));
  auto started = fx.client->StartInsertFirewall(SampleFirewall(), nullptr);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(started->status, "DONE");
  ASSERT_TRUE(started->error.has_value());
  auto waited = fx.client->Wait(*started, nullptr);
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().remote_code, "QUOTA_EXCEEDED");
  EXPECT_NE(waited.error().message.find("ended with an error"), std::string::npos) << waited.error().message;
  EXPECT_EQ(fx.transport->requests().size(), 1u);
}

TEST(GcpComputeClientTest, PatchBodyAlwaysCarriesTheName) {
  // compute.firewalls.patch: `name` is required (annotations.required in the discovery doc).
  Fixture fx;
  fx.transport->Push(200, Op("DONE"));
  fx.transport->Push(200, Op("DONE"));
  ASSERT_TRUE(fx.client->PatchFirewall("oah-a", {{"priority", 900}}, nullptr).ok());
  ASSERT_TRUE(fx.client->PatchFirewall("oah-a", {{"name", "oah-a"}, {"disabled", false}}, nullptr).ok());
  auto reqs = fx.transport->requests();
  ASSERT_EQ(reqs.size(), 2u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "PATCH");
    EXPECT_NE(r.url.find("/global/firewalls/oah-a?requestId="), std::string::npos) << r.url;
    auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["name"], "oah-a") << r.body;
  }
  EXPECT_EQ(nlohmann::json::parse(reqs[0].body)["priority"], 900);
  // A patch naming another firewall is refused before anything is sent.
  auto bad = fx.client->StartPatchFirewall("oah-a", {{"name", "oah-b"}}, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fx.client->StartPatchFirewall("oah-a", nlohmann::json::array(), nullptr).ok());
  EXPECT_EQ(fx.transport->requests().size(), 2u);
}

TEST(GcpComputeClientTest, WaitCallsMayBeHeldForTheDocumentedTwoMinutes) {
  // globalOperations.wait holds the request until DONE or its 2-minute deadline: each wait
  // call's HTTP timeout must outlast that; other calls keep the default.
  Fixture fx;
  fx.transport->Push(200, TestData("operation_pending.json"));
  fx.transport->Push(200, Op("RUNNING"));
  fx.transport->Push(200, Op("DONE"));
  fx.transport->Push(200, R"({"kind":"compute#firewallList"})");
  ASSERT_TRUE(fx.client->InsertFirewall(SampleFirewall(), nullptr).ok());
  ASSERT_TRUE(fx.client->ListFirewalls("", nullptr).ok());
  auto reqs = fx.transport->requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].timeout, http::Request{}.timeout);
  for (int i : {1, 2}) {
    EXPECT_NE(reqs[i].url.find("/wait"), std::string::npos);
    EXPECT_GT(reqs[i].timeout, std::chrono::minutes(2)) << reqs[i].timeout.count();
    EXPECT_EQ(reqs[i].timeout, kOperationWaitCallTimeout);
  }
  EXPECT_EQ(reqs[3].timeout, http::Request{}.timeout);
  EXPECT_GT(kOperationWaitCallTimeout, kOperationWaitHoldLimit);
  EXPECT_EQ(kOperationWaitHoldLimit, std::chrono::minutes(2));
}

TEST(GcpComputeClientTest, RetriesRateLimit403WithSameRequestId) {
  Fixture fx;
  fx.transport->Push(403, TestData("error_rate_limit_403.json"));
  fx.transport->Push(429, R"({"error":{"code":429,"message":"Rate Limit Exceeded","errors":[{"reason":"rateLimitExceeded"}]}})");
  fx.transport->Push(503, R"({"error":{"code":503,"message":"Backend Error","errors":[{"reason":"backendError"}]}})");
  fx.transport->Push(200, Op("DONE"));
  auto op = fx.client->StartInsertFirewall(SampleFirewall(), nullptr);
  ASSERT_TRUE(op.ok()) << op.error().ToString();
  auto reqs = fx.transport->requests();
  ASSERT_EQ(reqs.size(), 4u);
  for (const auto& r : reqs) EXPECT_EQ(r.url, reqs[0].url);  // same requestId every try
  EXPECT_EQ(fx.sleeps, 3);
}

TEST(GcpComputeClientTest, DoesNotRetryPermissionDenied) {
  Fixture fx;
  fx.transport->Push(403, TestData("error_forbidden_403.json"));
  auto op = fx.client->StartInsertFirewall(SampleFirewall(), nullptr);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(op.error().remote_code, "forbidden");
  EXPECT_EQ(op.error().http_status, 403);
  EXPECT_EQ(fx.transport->requests().size(), 1u);
}

TEST(GcpComputeClientTest, GivesUpAfterRetryBudget) {
  Fixture fx([](const http::Request&) -> Result<http::Response> {
    return JsonResponse(429, R"({"error":{"code":429,"message":"Rate Limit Exceeded","errors":[{"reason":"rateLimitExceeded"}]}})");
  });
  auto r = fx.client->GetFirewall("oah-a", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().remote_code, "rateLimitExceeded");
  EXPECT_EQ(fx.transport->requests().size(), 4u);
}

TEST(GcpComputeClientTest, AlreadyExistsAndNotFoundAreTyped) {
  Fixture fx;
  fx.transport->Push(409, TestData("error_already_exists_409.json"));
  fx.transport->Push(404, R"({"error":{"code":404,"message":"The resource 'projects/demo-project/global/firewalls/x' was not found","errors":[{"message":"m","domain":"global","reason":"notFound"}]}})");
  auto ins = fx.client->StartInsertFirewall(SampleFirewall(), nullptr);
  ASSERT_FALSE(ins.ok());
  EXPECT_EQ(ins.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ins.error().remote_code, "alreadyExists");
  auto del = fx.client->StartDeleteFirewall("x", nullptr);
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, ErrorCode::kNotFound);
}

TEST(GcpComputeClientTest, RefreshesTokenOnceOn401) {
  Fixture fx;
  fx.transport->Push(401, R"({"error":{"code":401,"message":"Request had invalid authentication credentials.","errors":[{"reason":"authError"}],"status":"UNAUTHENTICATED"}})");
  fx.transport->Push(200, TestData("firewall_list_page2.json"));
  auto f = fx.client->ListFirewalls("", nullptr);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  auto reqs = fx.transport->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].headers[0].second, "Bearer tok-1");
  EXPECT_EQ(reqs[1].headers[0].second, "Bearer tok-2");
}

TEST(GcpComputeClientTest, RetriesDroppedConnection) {
  Fixture fx;
  fx.transport->PushError(MakeError(ErrorCode::kUnavailable, "connection reset"));
  fx.transport->Push(200, TestData("firewall_list_page2.json"));
  auto f = fx.client->ListFirewalls("", nullptr);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  EXPECT_EQ(f->size(), 1u);
}

TEST(GcpComputeClientTest, MalformedBodiesAreDataLoss) {
  Fixture fx;
  fx.transport->Push(200, "{\"items\": [");
  auto f = fx.client->ListFirewalls("", nullptr);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::kDataLoss);
  fx.transport->Push(200, R"({"items":[{"name":"a","priority":"high"}]})");
  f = fx.client->ListFirewalls("", nullptr);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::kDataLoss);
}

TEST(GcpComputeClientTest, WaitTimesOut) {
  ComputeConfig c;
  auto t = std::make_shared<FakeTransport>([](const http::Request&) -> Result<http::Response> {
    return JsonResponse(200, Op("RUNNING"));
  });
  c.project = "demo-project";
  c.transport = t;
  c.tokens = std::make_shared<CountingTokens>();
  c.sleep = [](std::chrono::milliseconds) {};
  c.operation_timeout = std::chrono::milliseconds(30);
  ComputeClient client(c);
  Operation op;
  op.name = "op-1";
  op.status = "PENDING";
  auto r = client.Wait(op, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(GcpComputeClientTest, NormalisesAsTheApiDoes) {
  Firewall f;
  f.name = "oah-x";
  f.network = "https://www.googleapis.com/compute/v1/projects/p/global/networks/n";
  f.direction = "INGRESS";
  f.allowed = {{"UDP", {"5090"}}, {"TCP", {"5090-5091", "443"}}};
  NormalizeFirewall(&f);
  EXPECT_EQ(f.network, "projects/p/global/networks/n");
  EXPECT_EQ(f.source_ranges, (std::vector<std::string>{"0.0.0.0/0"}));  // server default
  ASSERT_EQ(f.allowed.size(), 2u);
  EXPECT_EQ(f.allowed[0].ip_protocol, "tcp");
  EXPECT_EQ(f.allowed[0].ports, (std::vector<std::string>{"443", "5090-5091"}));

  Firewall g;
  g.name = "oah-y";
  g.direction = "EGRESS";
  g.destination_ranges = {"2620:0000:2910:0000:0000:0000:0000:0000/48", "10.0.0.1/8"};
  NormalizeFirewall(&g);
  EXPECT_EQ(g.destination_ranges, (std::vector<std::string>{"10.0.0.0/8", "2620:0:2910::/48"}));
  Firewall h;
  h.name = "oah-z";
  h.direction = "EGRESS";
  h.destination_ranges = {"103.44.68.0/22", "66.81.240.0/20", "66.81.240.0/20"};
  NormalizeFirewall(&h);  // address order, not text order; duplicates dropped
  EXPECT_EQ(h.destination_ranges, (std::vector<std::string>{"66.81.240.0/20", "103.44.68.0/22"}));
  EXPECT_EQ(g.network, "global/networks/default");
}

TEST(GcpComputeClientTest, FirewallJsonRoundTrip) {
  Firewall f = SampleFirewall();
  f.target_tags = {"voip"};
  f.log_enabled = true;
  auto j = FirewallToJson(f);
  EXPECT_FALSE(j.contains("sourceRanges"));
  EXPECT_EQ(j["targetTags"][0], "voip");
  auto back = FirewallFromJson(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->allowed, f.allowed);
  EXPECT_EQ(back->destination_ranges, f.destination_ranges);
  EXPECT_TRUE(back->log_enabled);
  EXPECT_EQ(back->priority, 1000);
}

TEST(GcpComputeClientTest, ParseApiErrorFallsBackToStatus) {
  Error e = ParseApiError(502, "<html>bad gateway</html>", "listing");
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_EQ(e.http_status, 502);
  EXPECT_NE(e.message.find("HTTP 502"), std::string::npos);
  Error s = ParseApiError(412, R"({"error":{"code":412,"message":"Fingerprint mismatch","status":"FAILED_PRECONDITION"}})", "x");
  EXPECT_EQ(s.code, ErrorCode::kConflict);
  EXPECT_EQ(s.remote_code, "FAILED_PRECONDITION");
}

}  // namespace
}  // namespace prov::cloud::gcp
