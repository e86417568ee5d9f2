// Unit tests for GcpBackend's mapping between FirewallRule and the Firewall resource, its
// ownership test and list filter, and Apply's handling of partial failures over a scripted
// transport.
#include "provider/cloud/gcp/gcp_backend.h"

#include <gtest/gtest.h>

#include "tests/fakes/gcp/fake_transport.h"
#include "tests/fakes/gcp/rule_sets.h"

namespace prov::cloud::gcp {
namespace {

using json = nlohmann::json;
using testing::FakeTransport;
using testing::JsonResponse;

class StaticTokens : public TokenProvider {
 public:
  Result<std::string> Token(const std::atomic<bool>*) override { return std::string("t"); }
  void Invalidate() override {}
  std::string Describe() const override { return "static"; }
};

GcpTarget Target() {
  GcpTarget t;
  t.project = "demo-project";
  t.network = "default";
  t.name_prefix = "oah";
  t.owner_marker = "[oah:default]";
  return t;
}

std::shared_ptr<ComputeClient> Client(std::shared_ptr<FakeTransport> t) {
  ComputeConfig c;
  c.endpoint = "https://compute.example.test";
  c.project = "demo-project";
  c.transport = std::move(t);
  c.tokens = std::make_shared<StaticTokens>();
  c.retry.max_attempts = 2;
  c.sleep = [](std::chrono::milliseconds) {};
  return std::make_shared<ComputeClient>(c);
}

TEST(GcpBackendTest, MapsEgressRuleToFirewall) {
  GcpTarget t = Target();
  t.target_tags = {"voip"};
  t.enable_logging = true;
  GcpBackend b(t, Client(std::make_shared<FakeTransport>()));
  auto rules = testing::RuleSet("oah");
  auto f = b.ToFirewall(rules[0]);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  EXPECT_EQ(f->name, "oah-egress-supernets");
  EXPECT_EQ(f->direction, "EGRESS");
  EXPECT_EQ(f->network, "projects/demo-project/global/networks/default");
  EXPECT_TRUE(f->source_ranges.empty());
  EXPECT_EQ(f->destination_ranges.size(), 9u);
  ASSERT_EQ(f->allowed.size(), 2u);
  EXPECT_EQ(f->allowed[0].ip_protocol, "tcp");
  EXPECT_EQ(f->allowed[0].ports, (std::vector<std::string>{"80", "443", "5090-5091", "8083-8090"}));
  EXPECT_EQ(f->allowed[1].ip_protocol, "udp");
  EXPECT_EQ(f->description, rules[0].description + " [oah:default]");
  EXPECT_EQ(f->target_tags, (std::vector<std::string>{"voip"}));
  EXPECT_TRUE(f->log_enabled);
  EXPECT_EQ(f->priority, 1000);

  auto in = b.ToFirewall(rules[3]);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->direction, "INGRESS");
  EXPECT_EQ(in->source_ranges.size(), 3u);
  EXPECT_TRUE(in->destination_ranges.empty());
}

TEST(GcpBackendTest, RoundTripsThroughTheApiShape) {
  GcpBackend b(Target(), Client(std::make_shared<FakeTransport>()));
  for (const auto& rule : testing::RuleSet("oah")) {
    auto f = b.ToFirewall(rule);
    ASSERT_TRUE(f.ok());
    // What the API would hand back: full network URL, selfLink.
    f->network = "https://www.googleapis.com/compute/v1/" + f->network;
    f->self_link = "https://www.googleapis.com/compute/v1/projects/demo-project/global/firewalls/" + f->name;
    auto live = b.ToLiveRule(*f);
    ASSERT_TRUE(live.has_value()) << rule.name;
    EXPECT_EQ(live->rule.key, rule.key);
    EXPECT_EQ(live->rule.direction, rule.direction);
    EXPECT_EQ(live->rule.allowed, rule.allowed);  // tcp before udp, as the compiler emits
    EXPECT_EQ(live->rule.remote_cidrs, rule.remote_cidrs);  // address order
    EXPECT_EQ(live->rule.description, rule.description);
    EXPECT_EQ(live->rule.priority, 1000);
    EXPECT_EQ(live->remote_id, f->self_link);
  }
}

TEST(GcpBackendTest, RejectsWhatTheApiWouldMisread) {
  GcpBackend b(Target(), Client(std::make_shared<FakeTransport>()));
  auto r = testing::RuleSet("oah")[0];
  auto mixed = r;
  mixed.remote_cidrs.push_back("2620:0:2910::/48");
  EXPECT_EQ(b.ToFirewall(mixed).error().code, ErrorCode::kInvalidArgument);
  auto none = r;
  none.remote_cidrs.clear();  // would become 0.0.0.0/0 server-side
  EXPECT_FALSE(b.ToFirewall(none).ok());
  auto bad_name = r;
  bad_name.name = bad_name.key = "oah-Upper_Case";
  EXPECT_FALSE(b.ToFirewall(bad_name).ok());
  auto foreign_prefix = r;
  foreign_prefix.name = foreign_prefix.key = "other-rule";
  EXPECT_FALSE(b.ToFirewall(foreign_prefix).ok());
  auto too_long = r;
  too_long.name = too_long.key = "oah-" + std::string(60, 'a');
  EXPECT_FALSE(b.ToFirewall(too_long).ok());
}

TEST(GcpBackendTest, OwnershipNeedsPrefixMarkerAndNetwork) {
  GcpBackend b(Target(), Client(std::make_shared<FakeTransport>()));
  Firewall f;
  f.name = "oah-x";
  f.network = "https://www.googleapis.com/compute/v1/projects/demo-project/global/networks/default";
  f.direction = "EGRESS";
  f.allowed = {{"tcp", {"443"}}};
  f.destination_ranges = {"10.0.0.0/8"};
  f.description = "x [oah:default]";
  EXPECT_TRUE(b.ToLiveRule(f).has_value());
  Firewall no_marker = f;
  no_marker.description = "x [oah:someone-else]";
  EXPECT_FALSE(b.ToLiveRule(no_marker).has_value());
  Firewall other_prefix = f;
  other_prefix.name = "oahx-x";
  EXPECT_FALSE(b.ToLiveRule(other_prefix).has_value());
  Firewall other_network = f;
  other_network.network = "projects/demo-project/global/networks/prod";
  EXPECT_FALSE(b.ToLiveRule(other_network).has_value());
}

TEST(GcpBackendTest, HandEditsShowAsDrift) {
  GcpBackend b(Target(), Client(std::make_shared<FakeTransport>()));
  Firewall f;
  f.name = "oah-x";
  f.network = "projects/demo-project/global/networks/default";
  f.direction = "EGRESS";
  f.allowed = {{"TCP", {"443"}}, {"icmp", {}}};
  f.destination_ranges = {"10.0.0.0/8"};
  f.description = "x [oah:default]";
  f.target_tags = {"web"};
  f.disabled = true;
  auto live = b.ToLiveRule(f);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->rule.allowed.size(), 1u);
  EXPECT_NE(live->rule.description.find("[drift: "), std::string::npos);
  EXPECT_NE(live->rule.description.find("allows protocol icmp"), std::string::npos);
  EXPECT_NE(live->rule.description.find("targetTags [web] instead of []"), std::string::npos);
  EXPECT_NE(live->rule.description.find("disabled"), std::string::npos);
}

TEST(GcpBackendTest, ListFilterUsesComputeSyntax) {
  GcpBackend b(Target(), Client(std::make_shared<FakeTransport>()));
  EXPECT_EQ(b.ListFilter(), "(name eq \"oah-.*\") (network eq \".*/global/networks/default\")");
}

TEST(GcpBackendTest, InvalidTargetIsAnErrorNotACrash) {
  GcpTarget t = Target();
  t.owner_marker.clear();
  GcpBackend b(t, Client(std::make_shared<FakeTransport>()));
  auto r = b.Read(nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  GcpTarget both = Target();
  both.target_tags = {"a"};
  both.target_service_accounts = {"sa@x"};
  GcpBackend b2(both, Client(std::make_shared<FakeTransport>()));
  EXPECT_TRUE(b2.Apply({}, {}, nullptr).error.has_value());
  GcpBackend b3(Target(), nullptr);
  EXPECT_FALSE(b3.Read(nullptr).ok());
}

TEST(GcpBackendTest, EmptyListChecksNetworkExistence) {
  auto t = std::make_shared<FakeTransport>();
  t->Push(200, R"({"kind":"compute#firewallList"})");
  t->Push(404, R"({"error":{"code":404,"message":"The resource 'projects/demo-project/global/networks/default' was not found","errors":[{"reason":"notFound"}]}})");
  GcpBackend b(Target(), Client(t));
  auto s = b.Read(nullptr);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_FALSE(s->target_exists);
  EXPECT_EQ(s->api_calls, 2);
}

TEST(GcpBackendTest, PartialFailureRecordsExactlyWhatExists) {
  // Two inserts: the first operation succeeds, the second fails with QUOTA_EXCEEDED.
  auto t = std::make_shared<FakeTransport>([](const http::Request& r) -> Result<http::Response> {
    std::string name = r.body.find("oah-egress-supernets") != std::string::npos ? "op-a" : "op-b";
    if (r.url.find("/wait") != std::string::npos) {
      bool a = r.url.find("op-a") != std::string::npos;
      std::string err = a ? "" : R"(,"error":{"errors":[{"code":"QUOTA_EXCEEDED","message":"Quota 'FIREWALLS' exceeded."}]},"httpErrorStatusCode":403)";
      return JsonResponse(200, std::string(R"({"name":")") + (a ? "op-a" : "op-b") +
                                   R"(","status":"DONE","operationType":"insert","targetLink":"https://x/global/firewalls/)" +
                                   (a ? "oah-egress-supernets" : "oah-egress-line-sharing") + "\"" + err + "}");
    }
    return JsonResponse(200, R"({"name":")" + name + R"(","status":"PENDING","operationType":"insert"})");
  });
  GcpBackend b(Target(), Client(t));
  auto rules = testing::RuleSet("oah", 2);
  std::vector<Change> changes;
  for (const auto& r : rules) changes.push_back({ChangeKind::kCreate, r, {}});
  auto out = b.Apply(LiveState{}, changes, nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->remote_code, "QUOTA_EXCEEDED");
  EXPECT_EQ(out.error->code, ErrorCode::kResourceExhausted);
  ASSERT_EQ(out.owned_after.size(), 1u);
  EXPECT_EQ(out.owned_after[0].rule.key, "oah-egress-supernets");
  EXPECT_EQ(out.owned_after[0].remote_id, "https://x/global/firewalls/oah-egress-supernets");
  EXPECT_EQ(out.api_calls, 4);
}

TEST(GcpBackendTest, BadDesiredRuleChangesNothing) {
  auto t = std::make_shared<FakeTransport>();
  GcpBackend b(Target(), Client(t));
  auto good = testing::RuleSet("oah", 1)[0];
  auto bad = good;
  bad.name = bad.key = "oah-bad";
  bad.remote_cidrs = {"not-a-cidr"};
  LiveState before;
  LiveRule existing;
  existing.rule = good;
  before.owned = {existing};
  auto out = b.Apply(before, {{ChangeKind::kDelete, {}, existing}, {ChangeKind::kCreate, bad, {}}}, nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(out.owned_after.size(), 1u);
  EXPECT_TRUE(t->requests().empty());
}

}  // namespace
}  // namespace prov::cloud::gcp
