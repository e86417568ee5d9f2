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

TEST(GcpBackendTest, ListFilterIsARegularExpressionOnOneField) {
  // The filter's documentation: "You cannot combine constraints on multiple fields using
  // regular expressions." The name alone is filtered; the network is checked per firewall.
  GcpBackend b(Target(), Client(std::make_shared<FakeTransport>()));
  EXPECT_EQ(b.ListFilter(), "name eq \"oah-.*\"");
  auto t = std::make_shared<FakeTransport>();
  t->Push(200, R"({"kind":"compute#firewallList"})");
  t->Push(200, R"({"kind":"compute#network","name":"default"})");
  GcpBackend b2(Target(), Client(t));
  ASSERT_TRUE(b2.Read(nullptr).ok());
  auto reqs = t->requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_NE(reqs[0].url.find("&filter=name%20eq%20%22oah-.%2A%22"), std::string::npos) << reqs[0].url;
  EXPECT_EQ(reqs[0].url.find("network"), std::string::npos) << reqs[0].url;
}

// A firewall of ours as the list returns it.
std::string ListedFirewall(const std::string& name, const std::string& network) {
  return R"({"kind":"compute#firewall","name":")" + name +
         R"(","network":"https://compute.example.test/compute/v1/projects/demo-project/global/networks/)" +
         network + R"(","direction":"EGRESS","priority":1000,"description":"x [oah:default]",)"
         R"("destinationRanges":["192.0.2.0/24"],"allowed":[{"IPProtocol":"tcp","ports":["443"]}],)"
         R"("selfLink":"https://compute.example.test/compute/v1/projects/demo-project/global/firewalls/)" +
         name + R"(","logConfig":{"enable":false}})";
}

TEST(GcpBackendTest, FirewallsOfOtherNetworksAreNotOursAndDoNotProveTheNetwork) {
  auto t = std::make_shared<FakeTransport>();
  t->Push(200, R"({"kind":"compute#firewallList","items":[)" + ListedFirewall("oah-a", "other") + "]}");
  t->Push(404, R"({"error":{"code":404,"message":"The resource 'projects/demo-project/global/networks/default' was not found","errors":[{"domain":"global","reason":"notFound","message":"not found"}]}})");
  GcpBackend b(Target(), Client(t));
  auto s = b.Read(nullptr);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_TRUE(s->owned.empty());
  EXPECT_FALSE(s->target_exists);
  EXPECT_EQ(s->api_calls, 2);

  // One of ours in the network: one list call, nothing else.
  auto t2 = std::make_shared<FakeTransport>();
  t2->Push(200, R"({"kind":"compute#firewallList","items":[)" + ListedFirewall("oah-a", "other") + "," +
                    ListedFirewall("oah-b", "default") + "]}");
  GcpBackend b2(Target(), Client(t2));
  auto s2 = b2.Read(nullptr);
  ASSERT_TRUE(s2.ok()) << s2.error().ToString();
  ASSERT_EQ(s2->owned.size(), 1u);
  EXPECT_EQ(s2->owned[0].rule.name, "oah-b");
  EXPECT_TRUE(s2->target_exists);
  EXPECT_EQ(s2->api_calls, 1);
}

std::string DoneOp(const std::string& type, const std::string& target, const std::string& error = "") {
  std::string err = error.empty() ? "" : R"(,"error":{"errors":[{"code":")" + error +
                                             R"(","message":"The resource is not ready"}]},"httpErrorStatusCode":400)";
  return R"({"kind":"compute#operation","name":"op-)" + type + R"(","status":"DONE","operationType":")" + type +
         R"(","targetLink":"https://compute.example.test/compute/v1/projects/demo-project/global/firewalls/)" +
         target + "\"" + err + "}";
}

TEST(GcpBackendTest, EveryPatchBodyCarriesTheName) {
  // compute.firewalls.patch requires `name` (discovery document, annotations.required):
  // an update, and the adoption of our own firewall after "already exists".
  auto t = std::make_shared<FakeTransport>([](const http::Request& r) -> Result<http::Response> {
    if (r.method == "PATCH") return JsonResponse(200, DoneOp("patch", r.url.substr(r.url.rfind('/') + 1, 3)));
    if (r.method == "POST" && r.url.find("/global/firewalls?") != std::string::npos) {
      return JsonResponse(409, R"({"error":{"code":409,"message":"The resource 'projects/demo-project/global/firewalls/oah-egress-ntp' already exists","errors":[{"domain":"global","reason":"alreadyExists","message":"already exists"}]}})");
    }
    if (r.method == "GET") {
      std::string fw = ListedFirewall("oah-egress-ntp", "default");
      return JsonResponse(200, fw);
    }
    return MakeError(ErrorCode::kInternal, "unexpected " + r.method + " " + r.url);
  });
  GcpBackend b(Target(), Client(t));
  auto rules = testing::RuleSet("oah", 6);
  LiveState before;
  LiveRule existing;
  existing.rule = rules[0];
  before.owned = {existing};
  auto changed = rules[0];
  changed.allowed[0].ports = {{8443, 8443}};
  net::FirewallRule adopt;
  for (const auto& r : rules) {
    if (r.name == "oah-egress-ntp") adopt = r;
  }
  ASSERT_FALSE(adopt.name.empty());
  auto out = b.Apply(before, {{ChangeKind::kUpdate, changed, existing}, {ChangeKind::kCreate, adopt, {}}}, nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  int patches = 0;
  for (const auto& r : t->requests()) {
    if (r.method != "PATCH") continue;
    ++patches;
    auto body = json::parse(r.body);
    std::string name = r.url.substr(r.url.rfind('/') + 1);
    name = name.substr(0, name.find('?'));
    ASSERT_TRUE(body.contains("name")) << r.body;
    EXPECT_EQ(body["name"], name);
    EXPECT_FALSE(body.contains("network"));
    EXPECT_FALSE(body.contains("direction"));
  }
  EXPECT_EQ(patches, 2);
}

TEST(GcpBackendTest, OperationEndingWithAnErrorRecordsWhatIsInForce) {
  // The patch is accepted, its operation ends DONE with an error; the firewall is read back
  // and the outcome records it as it is (here: unchanged), with a diagnostic naming it.
  auto rules = testing::RuleSet("oah", 1);
  GcpBackend probe(Target(), Client(std::make_shared<FakeTransport>()));
  auto current_fw = probe.ToFirewall(rules[0]);
  ASSERT_TRUE(current_fw.ok());
  json live = FirewallToJson(*current_fw);
  live["selfLink"] = "https://compute.example.test/compute/v1/projects/demo-project/global/firewalls/" + rules[0].name;
  auto t = std::make_shared<FakeTransport>([&](const http::Request& r) -> Result<http::Response> {
    if (r.method == "PATCH") {
      return JsonResponse(200, R"({"kind":"compute#operation","name":"op-patch","status":"RUNNING","operationType":"patch"})");
    }
    if (r.url.find("/wait") != std::string::npos) return JsonResponse(200, DoneOp("patch", rules[0].name, "RESOURCE_NOT_READY"));
    if (r.method == "GET") return JsonResponse(200, live.dump());
    return MakeError(ErrorCode::kInternal, "unexpected " + r.method + " " + r.url);
  });
  GcpBackend b(Target(), Client(t));
  auto before = b.ToLiveRule(*FirewallFromJson(live));
  ASSERT_TRUE(before.has_value());
  auto changed = rules[0];
  changed.allowed[0].ports = {{8443, 8443}};
  LiveState state;
  state.owned = {*before};
  auto out = b.Apply(state, {{ChangeKind::kUpdate, changed, *before}}, nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->remote_code, "RESOURCE_NOT_READY");
  EXPECT_NE(out.error->message.find("patch operation on " + rules[0].name + " ended with an error"), std::string::npos)
      << out.error->message;
  ASSERT_EQ(out.owned_after.size(), 1u);
  EXPECT_EQ(out.owned_after[0].rule.allowed, before->rule.allowed);
  auto reqs = t->requests();
  ASSERT_EQ(reqs.size(), 3u);  // PATCH, wait, GET (the re-read)
  EXPECT_EQ(reqs[2].method, "GET");
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
    if (r.method == "GET") {
      return JsonResponse(404, R"({"error":{"code":404,"message":"not found","errors":[{"domain":"global","reason":"notFound","message":"not found"}]}})");
    }
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
  EXPECT_EQ(out.api_calls, 5);  // 2 inserts, 2 waits, 1 GET re-reading the failed one
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
