// AzureBackend end to end against tests/fakes/azure/server.py over the real libcurl
// transport: full rule set create, one-call refresh (+ paging), foreign rules left alone,
// priority collisions, concurrent edits, throttling storms, lost answers, delete-all, and
// every credential flow against the fake Entra ID / IMDS.
#include "provider/cloud/azure/azure_backend.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "provider/cloud/azure/credentials.h"
#include "tests/fakes/azure/fake_arm_server.h"

namespace prov::cloud::azure {
namespace {

using nlohmann::json;
using testing::FakeArmServer;

constexpr char kMarker[] = "[oah:test-allowlist]";

net::FirewallRule MakeRule(const std::string& name, net::Direction dir, net::Transport tr,
                           std::vector<std::pair<int, int>> ports, std::vector<std::string> cidrs,
                           int priority, std::string desc = "Office@Hand test rule") {
  net::FirewallRule r;
  r.key = name;
  r.name = name;
  r.direction = dir;
  net::TransportPorts tp;
  tp.transport = tr;
  for (auto [a, b] : ports)
    tp.ports.push_back(net::PortRange{static_cast<uint16_t>(a), static_cast<uint16_t>(b)});
  r.allowed.push_back(tp);
  r.remote_cidrs = std::move(cidrs);
  r.priority = priority;
  r.description = std::move(desc);
  return r;
}

// A catalog-shaped set: supernets on TCP signalling/HTTPS and UDP media, a few narrower
// service rules, one ingress rule with a local destination.
std::vector<net::FirewallRule> CatalogLikeRules() {
  std::vector<std::string> supernets = {"66.81.240.0/20", "80.81.128.0/20", "103.44.68.0/22",
                                        "104.245.56.0/21", "185.23.248.0/22", "192.209.24.0/21",
                                        "199.68.212.0/22", "199.255.120.0/22", "208.87.40.0/22"};
  std::vector<net::FirewallRule> rules;
  rules.push_back(MakeRule("oah-egress-tcp-supernets", net::Direction::kEgress,
                           net::Transport::kTcp,
                           {{80, 80}, {443, 443}, {5090, 5091}, {5097, 5097}, {8083, 8090}},
                           supernets, 1000, "Office@Hand signalling and HTTPS"));
  rules.push_back(MakeRule("oah-egress-udp-supernets", net::Direction::kEgress,
                           net::Transport::kUdp, {{5090, 5091}, {8801, 8802}, {20000, 64999}},
                           supernets, 1001, "Office@Hand media"));
  for (int i = 0; i < 8; ++i) {
    rules.push_back(MakeRule("oah-egress-svc" + std::to_string(i), net::Direction::kEgress,
                             i % 2 ? net::Transport::kUdp : net::Transport::kTcp,
                             {{3000 + i, 3000 + i}}, {"198.51.100." + std::to_string(i * 8) + "/29"},
                             1002 + i, "service " + std::to_string(i)));
  }
  auto in = MakeRule("oah-ingress-sftp", net::Direction::kIngress, net::Transport::kTcp, {{22, 22}},
                     {"203.0.113.10/32", "203.0.113.11/32"}, 1000, "Archiver SFTP");
  in.local_cidrs = {"10.1.2.3/32"};
  rules.push_back(in);
  std::sort(rules.begin(), rules.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  return rules;
}

bool SameRemote(const net::FirewallRule& a, const net::FirewallRule& b) {
  return a.name == b.name && a.direction == b.direction && a.allowed == b.allowed &&
         a.remote_cidrs == b.remote_cidrs && a.local_cidrs == b.local_cidrs &&
         a.description == b.description && a.priority == b.priority;
}

std::vector<Change> Creates(const std::vector<net::FirewallRule>& rules) {
  std::vector<Change> out;
  for (const auto& r : rules) out.push_back(Change{ChangeKind::kCreate, r, {}});
  return out;
}

class AzureBackendTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new FakeArmServer({"--retry-after", "0", "--page-size", "3", "--async-polls", "1",
                                 "--op-seconds", "0.5"});
    transport_ = http::NewCurlTransport();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    transport_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(server_->ok()) << server_->error();
    ArmConfig cfg;
    cfg.retry.base_delay = std::chrono::milliseconds(5);
    cfg.retry.max_delay = std::chrono::milliseconds(50);
    client_ = server_->NewClient(transport_, cfg);
    ASSERT_NE(client_, nullptr);
    nsg_name_ = std::string("nsg-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    Status s = server_->CreateNsg(*client_, "rg-test", nsg_name_);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    backend_ = MakeBackend(false);
  }
  std::unique_ptr<AzureBackend> MakeBackend(bool list_rules) {
    AzureTarget t;
    t.nsg_id = server_->NsgId("rg-test", nsg_name_);
    t.name_prefix = "oah-";
    t.priority_from = 1000;
    t.priority_to = 1999;
    t.owner_marker = kMarker;
    t.list_rules = list_rules;
    auto b = AzureBackend::New(t, client_);
    EXPECT_TRUE(b.ok());
    return std::move(b).value();
  }
  // A rule someone else wrote, straight through the API.
  void PutForeign(const std::string& name, const std::string& direction, int priority) {
    SecurityRule r;
    r.name = name;
    r.protocol = "Tcp";
    r.direction = direction;
    r.priority = priority;
    r.description = "hand-made by the network team";
    r.destination_port_range = "8443";
    r.destination_address_prefix = "Internet";
    auto put = client_->PutRule(backend_->nsg(), r, PutMode::kCreateOnly, nullptr);
    ASSERT_TRUE(put.ok()) << put.error().ToString();
  }
  json Stats() {
    auto r = server_->Control(*transport_, "GET", "/_stats");
    return r.ok() ? json::parse(r->body) : json::object();
  }
  void Fault(const std::string& spec) {
    auto r = server_->Control(*transport_, "POST", "/_fault", spec);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200);
  }

  static FakeArmServer* server_;
  static std::shared_ptr<http::Transport> transport_;
  std::shared_ptr<ArmClient> client_;
  std::string nsg_name_;
  std::unique_ptr<AzureBackend> backend_;
};

FakeArmServer* AzureBackendTest::server_ = nullptr;
std::shared_ptr<http::Transport> AzureBackendTest::transport_;

TEST_F(AzureBackendTest, CreatesFullRuleSetAndReadsItBackInOneCall) {
  auto rules = CatalogLikeRules();
  auto empty = backend_->Read(nullptr);
  ASSERT_TRUE(empty.ok()) << empty.error().ToString();
  EXPECT_TRUE(empty->owned.empty());
  auto out = backend_->Apply(*empty, Creates(rules), nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  ASSERT_EQ(out.owned_after.size(), rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    EXPECT_TRUE(SameRemote(out.owned_after[i].rule, rules[i])) << rules[i].name;
    EXPECT_FALSE(out.owned_after[i].etag.empty());
    EXPECT_NE(out.owned_after[i].remote_id.find("/securityRules/" + rules[i].name),
              std::string::npos);
  }
  // Per rule: PUT + two polls (InProgress, Succeeded); plus the read before the creates
  // (names taken by someone else are refused, not overwritten) and the final read.
  EXPECT_EQ(out.api_calls, static_cast<int>(rules.size()) * 3 + 2);

  auto read = backend_->Read(nullptr);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->api_calls, 1);
  ASSERT_EQ(read->owned.size(), rules.size());
  for (size_t i = 0; i < rules.size(); ++i) EXPECT_TRUE(SameRemote(read->owned[i].rule, rules[i]));

  // The paged list gives the same answer in ceil(n / 3) calls.
  auto listed = MakeBackend(true)->Read(nullptr);
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  EXPECT_EQ(listed->api_calls, static_cast<int>((rules.size() + 2) / 3));
  ASSERT_EQ(listed->owned.size(), rules.size());
  for (size_t i = 0; i < rules.size(); ++i)
    EXPECT_TRUE(SameRemote(listed->owned[i].rule, rules[i]));
}

TEST_F(AzureBackendTest, MissingNsgReportsTargetGone) {
  AzureTarget t;
  t.nsg_id = server_->NsgId("rg-test", "does-not-exist");
  t.owner_marker = kMarker;
  auto b = AzureBackend::New(t, client_);
  ASSERT_TRUE(b.ok());
  auto st = (*b)->Read(nullptr);
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  EXPECT_FALSE(st->target_exists);
}

TEST_F(AzureBackendTest, ForeignRulesAreReportedAndNeverTouched) {
  PutForeign("oah-lookalike", "Outbound", 1500);  // our prefix, no marker: still foreign
  PutForeign("allow-admin", "Inbound", 1000);
  auto before_foreign = client_->GetRule(backend_->nsg(), "oah-lookalike", nullptr);
  ASSERT_TRUE(before_foreign.ok());
  auto st = backend_->Read(nullptr);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->owned.empty());
  EXPECT_EQ(st->foreign_priorities_egress, std::vector<int>{1500});
  EXPECT_EQ(st->foreign_priorities_ingress, std::vector<int>{1000});

  auto rules = CatalogLikeRules();
  rules.erase(std::remove_if(rules.begin(), rules.end(),
                             [](const auto& r) { return r.direction == net::Direction::kIngress; }),
              rules.end());
  auto out = backend_->Apply(*st, Creates(rules), nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();

  // Delete everything we own.
  auto now = backend_->Read(nullptr);
  std::vector<Change> dels;
  for (const auto& lr : now->owned) dels.push_back(Change{ChangeKind::kDelete, {}, lr});
  auto gone = backend_->Apply(*now, dels, nullptr);
  ASSERT_FALSE(gone.error) << gone.error->ToString();
  EXPECT_TRUE(gone.owned_after.empty());
  auto nsg = client_->GetNsg(backend_->nsg(), nullptr);
  ASSERT_TRUE(nsg.ok());
  ASSERT_EQ(nsg->security_rules.size(), 2u);
  auto after_foreign = client_->GetRule(backend_->nsg(), "oah-lookalike", nullptr);
  ASSERT_TRUE(after_foreign.ok());
  // A child rule carries the NSG's etag, which our writes move: "untouched" is its content.
  EXPECT_NE(after_foreign->etag, before_foreign->etag);
  EXPECT_TRUE(after_foreign->SameContent(*before_foreign));
  EXPECT_EQ(after_foreign->description, before_foreign->description);
  EXPECT_EQ(nsg->default_security_rules.size(), 6u);
}

TEST_F(AzureBackendTest, PriorityCollisionWithForeignRuleIsAClearConflict) {
  PutForeign("team-rule", "Outbound", 1001);
  auto st = backend_->Read(nullptr);
  ASSERT_TRUE(st.ok());
  auto rules = CatalogLikeRules();  // oah-egress-udp-supernets wants 1001 outbound
  auto out = backend_->Apply(*st, Creates(rules), nullptr);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kConflict);
  EXPECT_EQ(out.error->remote_code, "SecurityRuleConflict");
  EXPECT_NE(out.error->message.find("team-rule"), std::string::npos) << out.error->message;
  EXPECT_NE(out.error->message.find("does not manage"), std::string::npos);
  // The foreign rule is intact; owned_after lists exactly what was created before the stop.
  auto foreign = client_->GetRule(backend_->nsg(), "team-rule", nullptr);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(foreign->description, "hand-made by the network team");
  auto read = backend_->Read(nullptr);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->owned.size(), out.owned_after.size());
  for (const auto& lr : out.owned_after) EXPECT_NE(lr.rule.name, "oah-egress-udp-supernets");
  EXPECT_LT(out.owned_after.size(), rules.size());
}

TEST_F(AzureBackendTest, ConcurrentEditIsDetectedAndNotOverwritten) {
  auto rules = CatalogLikeRules();
  auto first = backend_->Apply(*backend_->Read(nullptr), Creates(rules), nullptr);
  ASSERT_FALSE(first.error) << first.error->ToString();
  auto st = backend_->Read(nullptr);
  ASSERT_TRUE(st.ok());

  // Someone edits our rule between our read and our write.
  auto theirs = client_->GetRule(backend_->nsg(), "oah-egress-svc3", nullptr);
  ASSERT_TRUE(theirs.ok());
  SecurityRule edited = *theirs;
  edited.destination_port_range = "9999";
  edited.destination_port_ranges.clear();
  ASSERT_TRUE(client_->PutRule(backend_->nsg(), edited, PutMode::kUnconditional, nullptr).ok());

  LiveRule current;
  for (const auto& lr : st->owned)
    if (lr.rule.name == "oah-egress-svc3") current = lr;
  net::FirewallRule desired = current.rule;
  desired.description = "new description";
  auto out = backend_->Apply(*st, {Change{ChangeKind::kUpdate, desired, current}}, nullptr);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kConflict);
  EXPECT_EQ(out.error->http_status, 412);
  EXPECT_NE(out.error->message.find("changed by someone else"), std::string::npos);
  auto now = client_->GetRule(backend_->nsg(), "oah-egress-svc3", nullptr);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->DestinationPorts(), std::vector<std::string>{"9999"});  // their edit kept
  EXPECT_EQ(out.owned_after.size(), rules.size());                       // nothing lost
}

TEST_F(AzureBackendTest, SiblingWritesDoNotLookLikeConcurrentEditsAndPrioritiesCanSwap) {
  auto rules = CatalogLikeRules();
  ASSERT_FALSE(backend_->Apply(*backend_->Read(nullptr), Creates(rules), nullptr).error);
  auto st = backend_->Read(nullptr);
  ASSERT_TRUE(st.ok());
  std::map<std::string, LiveRule> by;
  for (const auto& lr : st->owned) by[lr.rule.name] = lr;
  // Swap the priorities of two outbound rules and change two descriptions.
  auto a = by["oah-egress-svc0"], b = by["oah-egress-svc1"];
  net::FirewallRule da = a.rule, db = b.rule;
  std::swap(da.priority, db.priority);
  net::FirewallRule dc = by["oah-egress-svc2"].rule;
  dc.description = "changed";
  auto out = backend_->Apply(*st,
                             {Change{ChangeKind::kUpdate, da, a}, Change{ChangeKind::kUpdate, db, b},
                              Change{ChangeKind::kUpdate, dc, by["oah-egress-svc2"]}},
                             nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  std::map<std::string, net::FirewallRule> after;
  for (const auto& lr : out.owned_after) after[lr.rule.name] = lr.rule;
  EXPECT_EQ(after["oah-egress-svc0"].priority, b.rule.priority);
  EXPECT_EQ(after["oah-egress-svc1"].priority, a.rule.priority);
  EXPECT_EQ(after["oah-egress-svc2"].description, "changed");
}

TEST_F(AzureBackendTest, ThrottlingStormIsRiddenOutAndTooMuchIsAClearError) {
  auto rules = CatalogLikeRules();
  Fault(R"({"kind":"throttle","count":4,"method":"PUT"})");
  Fault(R"({"kind":"busy","count":2,"method":"PUT"})");
  Fault(R"({"kind":"5xx","count":2,"method":"GET"})");
  json s0 = Stats();
  auto out = backend_->Apply(*backend_->Read(nullptr), Creates(rules), nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_EQ(out.owned_after.size(), rules.size());
  json s1 = Stats();
  EXPECT_EQ(s1.value("PUT rule", 0) - s0.value("PUT rule", 0), static_cast<int>(rules.size()) + 6);

  // A storm longer than the retry budget: a clear error, nothing half-recorded.
  ArmConfig cfg;
  cfg.retry.max_attempts = 3;
  cfg.retry.base_delay = std::chrono::milliseconds(1);
  auto impatient = server_->NewClient(transport_, cfg);
  AzureTarget t = backend_->target();
  auto b = AzureBackend::New(t, impatient);
  ASSERT_TRUE(b.ok());
  auto st = (*b)->Read(nullptr);
  ASSERT_TRUE(st.ok());
  std::vector<Change> dels;
  for (const auto& lr : st->owned) dels.push_back(Change{ChangeKind::kDelete, {}, lr});
  Fault(R"({"kind":"throttle","count":3,"method":"DELETE"})");
  auto failed = (*b)->Apply(*st, dels, nullptr);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(failed.error->http_status, 429);
  EXPECT_EQ(failed.error->remote_code, "SubscriptionRequestsThrottled");
  EXPECT_EQ(failed.owned_after.size(), rules.size());  // the re-read shows all still there
  // Run again once the storm passed: finishes.
  auto again = (*b)->Apply(*(*b)->Read(nullptr), dels, nullptr);
  ASSERT_FALSE(again.error) << again.error->ToString();
  EXPECT_TRUE(again.owned_after.empty());
}

TEST_F(AzureBackendTest, LostAnswerAfterCreateIsAdoptedNotDuplicated) {
  auto rules = CatalogLikeRules();
  rules.resize(3);
  Fault(R"({"kind":"drop","count":1,"method":"PUT"})");
  auto out = backend_->Apply(*backend_->Read(nullptr), Creates(rules), nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  ASSERT_EQ(out.owned_after.size(), 3u);
  auto nsg = client_->GetNsg(backend_->nsg(), nullptr);
  EXPECT_EQ(nsg->security_rules.size(), 3u);
}

TEST_F(AzureBackendTest, NameTakenByForeignRuleIsNotOverwritten) {
  PutForeign("oah-egress-svc0", "Outbound", 1900);
  auto rules = CatalogLikeRules();
  auto out = backend_->Apply(*backend_->Read(nullptr), Creates(rules), nullptr);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kAlreadyExists);
  EXPECT_NE(out.error->message.find("not managed by this allowlist"), std::string::npos);
  auto foreign = client_->GetRule(backend_->nsg(), "oah-egress-svc0", nullptr);
  EXPECT_EQ(foreign->priority, 1900);
}

TEST_F(AzureBackendTest, InvalidRulesAreRejectedBeforeAnyWrite) {
  auto rules = CatalogLikeRules();
  rules.back().priority = 50;  // outside the target range
  json s0 = Stats();
  auto out = backend_->Apply(*backend_->Read(nullptr), Creates(rules), nullptr);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Stats().value("PUT rule", 0), s0.value("PUT rule", 0));
}

TEST_F(AzureBackendTest, MapsDirectionsAndDescriptionMarker) {
  auto in = CatalogLikeRules().front();  // oah-egress-svc0 .. sorted: check by name instead
  net::FirewallRule ingress = MakeRule("oah-in", net::Direction::kIngress, net::Transport::kTcp,
                                       {{22, 22}}, {"203.0.113.10/32"}, 1000,
                                       std::string(200, 'x'));
  ingress.local_cidrs = {"10.0.0.4/32"};
  auto sr = backend_->ToSecurityRule(ingress);
  ASSERT_TRUE(sr.ok());
  EXPECT_EQ(sr->direction, "Inbound");
  EXPECT_EQ(sr->SourcePrefixes(), std::vector<std::string>{"203.0.113.10/32"});
  EXPECT_EQ(sr->DestinationPrefixes(), std::vector<std::string>{"10.0.0.4/32"});
  EXPECT_LE(sr->description.size(), 140u);
  EXPECT_TRUE(sr->description.ends_with(kMarker));
  EXPECT_TRUE(backend_->Owns(*sr));
  auto back = backend_->FromSecurityRule(*sr);
  EXPECT_EQ(back.direction, net::Direction::kIngress);
  EXPECT_EQ(back.remote_cidrs, ingress.remote_cidrs);
  EXPECT_EQ(back.local_cidrs, ingress.local_cidrs);
  EXPECT_EQ(back.description.find(kMarker), std::string::npos);
  net::FirewallRule two = ingress;
  two.allowed.push_back(two.allowed[0]);
  two.allowed[1].transport = net::Transport::kUdp;
  EXPECT_FALSE(backend_->ToSecurityRule(two).ok());
  net::FirewallRule foreign_name = ingress;
  foreign_name.name = "other-in";
  EXPECT_FALSE(backend_->ToSecurityRule(foreign_name).ok());
}

// Applies `rules` and returns the fresh read; fails the test on error.
#define APPLY_OK(backend, st, changes)                                   \
  do {                                                                   \
    auto out_ = (backend)->Apply((st), (changes), nullptr);              \
    ASSERT_FALSE(out_.error) << out_.error->ToString();                  \
  } while (0)

std::map<std::string, LiveRule> ByName(const LiveState& st) {
  std::map<std::string, LiveRule> m;
  for (const auto& lr : st.owned) m[lr.rule.name] = lr;
  return m;
}

TEST_F(AzureBackendTest, ChildRulesShareTheNsgEtagAndEveryUpdateStillLands) {
  auto rules = CatalogLikeRules();
  rules.resize(4);
  APPLY_OK(backend_, *backend_->Read(nullptr), Creates(rules));
  auto st = backend_->Read(nullptr);
  ASSERT_TRUE(st.ok());
  // One etag for all: the NSG's.
  auto nsg = client_->GetNsg(backend_->nsg(), nullptr);
  ASSERT_TRUE(nsg.ok());
  for (const auto& lr : st->owned) EXPECT_EQ(lr.etag, nsg->etag);
  // Four updates in one apply: after the first, every etag read is stale (412), and each
  // is recognised as a sibling write (same content), re-read and written.
  std::vector<Change> ups;
  for (const auto& lr : st->owned) {
    net::FirewallRule d = lr.rule;
    d.description = "updated " + d.name;
    ups.push_back(Change{ChangeKind::kUpdate, d, lr});
  }
  json s0 = Stats();
  auto out = backend_->Apply(*st, ups, nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  for (const auto& lr : out.owned_after) EXPECT_EQ(lr.rule.description, "updated " + lr.rule.name);
  json s1 = Stats();
  EXPECT_EQ(s1.value("PUT rule", 0) - s0.value("PUT rule", 0), 4 + 3);  // 3 stale etags
}

TEST_F(AzureBackendTest, LostAnswerToOurOwnUpdateIsRecognisedAsOurWrite) {
  auto rules = CatalogLikeRules();
  rules.resize(3);
  APPLY_OK(backend_, *backend_->Read(nullptr), Creates(rules));
  auto st = backend_->Read(nullptr);
  auto cur = ByName(*st)["oah-egress-svc1"];
  net::FirewallRule d = cur.rule;
  d.allowed[0].ports = {net::PortRange{4000, 4001}};
  // The PUT lands, its answer is lost; the transport repeats it with the etag from before
  // our own write: 412, and the re-read shows our content, not someone else's.
  Fault(R"({"kind":"drop","count":1,"method":"PUT","path_kind":"rule"})");
  auto out = backend_->Apply(*st, {Change{ChangeKind::kUpdate, d, cur}}, nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  auto now = client_->GetRule(backend_->nsg(), "oah-egress-svc1", nullptr);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->DestinationPorts(), std::vector<std::string>{"4000-4001"});
  EXPECT_EQ(now->provisioning_state, "Succeeded");
}

TEST_F(AzureBackendTest, UpdateEndingFailedOnceIsRetriedAndConverges) {
  auto rules = CatalogLikeRules();
  rules.resize(2);
  APPLY_OK(backend_, *backend_->Read(nullptr), Creates(rules));
  auto st = backend_->Read(nullptr);
  auto cur = ByName(*st)["oah-egress-svc0"];
  net::FirewallRule d = cur.rule;
  d.description = "after a failed operation";
  Fault(R"({"kind":"op_failed","count":1,"method":"PUT","path_kind":"rule"})");
  auto out = backend_->Apply(*st, {Change{ChangeKind::kUpdate, d, cur}}, nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  auto now = client_->GetRule(backend_->nsg(), "oah-egress-svc0", nullptr);
  EXPECT_EQ(now->provisioning_state, "Succeeded");
  EXPECT_TRUE(now->description.starts_with("after a failed operation"));
}

TEST_F(AzureBackendTest, UpdateThatKeepsFailingIsAClearErrorAndStaysToDo) {
  auto rules = CatalogLikeRules();
  rules.resize(2);
  APPLY_OK(backend_, *backend_->Read(nullptr), Creates(rules));
  auto st = backend_->Read(nullptr);
  auto cur = ByName(*st)["oah-egress-svc0"];
  net::FirewallRule d = cur.rule;
  d.description = "wanted";
  Fault(R"({"kind":"op_failed","count":3,"method":"PUT","path_kind":"rule"})");
  auto out = backend_->Apply(*st, {Change{ChangeKind::kUpdate, d, cur}}, nullptr);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kUnavailable);
  EXPECT_NE(out.error->message.find("ended Failed 3 times"), std::string::npos) << out.error->message;
  EXPECT_NE(out.error->message.find("plan again"), std::string::npos);
  // What is recorded is what is in force: the failed rule does not equal the desired one
  // (the next plan shows it as still to do), the other rule is untouched.
  auto after = ByName(*backend_->Read(nullptr));
  EXPECT_TRUE(after["oah-egress-svc0"].rule.allowed.empty());
  EXPECT_NE(after["oah-egress-svc0"].rule.allowed, d.allowed);
  std::map<std::string, net::FirewallRule> recorded;
  for (const auto& lr : out.owned_after) recorded[lr.rule.name] = lr.rule;
  EXPECT_TRUE(recorded["oah-egress-svc0"].allowed.empty());
  EXPECT_FALSE(recorded["oah-egress-svc1"].allowed.empty());
  // Applying again (the next plan's update) converges.
  auto st2 = backend_->Read(nullptr);
  auto cur2 = ByName(*st2)["oah-egress-svc0"];
  auto again = backend_->Apply(*st2, {Change{ChangeKind::kUpdate, d, cur2}}, nullptr);
  ASSERT_FALSE(again.error) << again.error->ToString();
  auto fin = ByName(*backend_->Read(nullptr));
  EXPECT_EQ(fin["oah-egress-svc0"].rule.allowed, d.allowed);
  EXPECT_EQ(fin["oah-egress-svc0"].rule.description, "wanted");
}

TEST_F(AzureBackendTest, CreateEndingCanceledIsRetriedOrLeftOutOfState) {
  auto rules = CatalogLikeRules();
  rules.resize(3);
  // Canceled once: superseded, nothing there; written again within the same apply.
  Fault(R"({"kind":"op_canceled","count":1,"method":"PUT","path_kind":"rule"})");
  auto out = backend_->Apply(*backend_->Read(nullptr), Creates(rules), nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_EQ(out.owned_after.size(), 3u);

  // Canceled every time: a clear error; state lists only what exists.
  auto more = CatalogLikeRules();
  std::vector<net::FirewallRule> next(more.begin() + 3, more.begin() + 5);
  Fault(R"({"kind":"op_canceled","count":3,"method":"PUT","path_kind":"rule"})");
  auto bad = backend_->Apply(*backend_->Read(nullptr), Creates(next), nullptr);
  ASSERT_TRUE(bad.error);
  EXPECT_NE(bad.error->message.find("ended Canceled 3 times"), std::string::npos)
      << bad.error->message;
  EXPECT_EQ(bad.owned_after.size(), 3u);
  auto again = backend_->Apply(*backend_->Read(nullptr), Creates(next), nullptr);
  ASSERT_FALSE(again.error) << again.error->ToString();
  EXPECT_EQ(again.owned_after.size(), 5u);
}

TEST_F(AzureBackendTest, DeleteEndingFailedIsRetried) {
  auto rules = CatalogLikeRules();
  rules.resize(2);
  APPLY_OK(backend_, *backend_->Read(nullptr), Creates(rules));
  auto st = backend_->Read(nullptr);
  Fault(R"({"kind":"op_failed","count":1,"method":"DELETE","path_kind":"rule"})");
  std::vector<Change> dels;
  for (const auto& lr : st->owned) dels.push_back(Change{ChangeKind::kDelete, {}, lr});
  auto out = backend_->Apply(*st, dels, nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_TRUE(out.owned_after.empty());
}

TEST_F(AzureBackendTest, CreateFindingOurOwnRuleWritesItAndForeignNameIsRefusedFirst) {
  auto rules = CatalogLikeRules();
  rules.resize(2);
  // Our own rule already there with other content (an earlier create whose answer was
  // lost, then edited): the plan's create writes it over as our update.
  auto sr = backend_->ToSecurityRule(rules[0]);
  ASSERT_TRUE(sr.ok());
  SecurityRule older = *sr;
  older.destination_port_ranges = {"1234"};
  ASSERT_TRUE(client_->PutRule(backend_->nsg(), older, PutMode::kUnconditional, nullptr).ok());
  auto out = backend_->Apply(*backend_->Read(nullptr), Creates(rules), nullptr);
  ASSERT_FALSE(out.error) << out.error->ToString();
  auto now = client_->GetRule(backend_->nsg(), rules[0].name, nullptr);
  EXPECT_TRUE(now->SameContent(*sr));

  // A foreign rule holding a planned name: refused before any write, even though the
  // service ignores If-None-Match.
  PutForeign("oah-egress-svc5", "Outbound", 1950);
  auto more = CatalogLikeRules();
  std::vector<net::FirewallRule> next;
  for (const auto& r : more)
    if (r.name == "oah-egress-svc4" || r.name == "oah-egress-svc5") next.push_back(r);
  json s0 = Stats();
  auto bad = backend_->Apply(*backend_->Read(nullptr), Creates(next), nullptr);
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->code, ErrorCode::kAlreadyExists);
  EXPECT_NE(bad.error->message.find("not managed by this allowlist"), std::string::npos);
  auto foreign = client_->GetRule(backend_->nsg(), "oah-egress-svc5", nullptr);
  EXPECT_EQ(foreign->description, "hand-made by the network team");
  EXPECT_EQ(foreign->priority, 1950);
}

// ------------------------------------------------------------ credential flows

class AzureAuthTest : public AzureBackendTest {};

Status ReadWith(const FakeArmServer& s, std::shared_ptr<http::Transport> t,
                const AzureCredentialConfig& c, const std::string& nsg_id) {
  PROV_ASSIGN_OR_RETURN(auto tokens, NewTokenSource(c, t));
  ArmConfig cfg;
  cfg.endpoint = s.arm();
  auto client = std::make_shared<ArmClient>(cfg, t, tokens);
  PROV_ASSIGN_OR_RETURN(NsgRef ref, NsgRef::Parse(nsg_id));
  auto g = client->GetNsg(ref, nullptr);
  if (!g.ok()) return g.error();
  return Status::Ok();
}

TEST_F(AzureAuthTest, EveryCredentialFlowGetsATokenTheFakeAccepts) {
  std::string id = backend_->target().nsg_id;
  auto base = server_->SecretCredentials();
  EXPECT_TRUE(ReadWith(*server_, transport_, base, id).ok());

  AzureCredentialConfig cert = base;
  cert.client_secret.clear();
  cert.client_certificate_path = server_->Get("client_certificate_path");
  Status s = ReadWith(*server_, transport_, cert, id);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());

  AzureCredentialConfig oidc = base;
  oidc.client_secret.clear();
  oidc.use_oidc = true;
  oidc.oidc_token = server_->Get("oidc_token");
  s = ReadWith(*server_, transport_, oidc, id);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());

  AzureCredentialConfig gh = base;
  gh.client_secret.clear();
  gh.use_oidc = true;
  gh.oidc_request_url = server_->Get("oidc_request_url");
  gh.oidc_request_token = server_->Get("oidc_request_token");
  s = ReadWith(*server_, transport_, gh, id);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());

  AzureCredentialConfig msi;
  msi.use_msi = true;
  msi.msi_endpoint = server_->Get("imds_endpoint");
  s = ReadWith(*server_, transport_, msi, id);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());
}

TEST_F(AzureAuthTest, WrongSecretAndMissingTokenAreRejected) {
  std::string id = backend_->target().nsg_id;
  auto bad = server_->SecretCredentials();
  bad.client_secret = "wrong-secret-value";
  Status s = ReadWith(*server_, transport_, bad, id);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(s.error().remote_code, "invalid_client");
  EXPECT_EQ(s.error().ToString().find("wrong-secret-value"), std::string::npos);

  // No bearer at all: 401 with WWW-Authenticate.
  http::Request r;
  r.url = server_->arm() + id + "?api-version=2024-05-01";
  auto resp = transport_->Do(r);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 401);
  EXPECT_NE(resp->Header("www-authenticate").find("Bearer"), std::string::npos);
  // Missing / unknown api-version.
  r.url = server_->arm() + id;
  r.headers = {};
  auto tok = (*NewTokenSource(server_->SecretCredentials(), transport_))->Token(nullptr);
  r.headers.emplace_back("Authorization", "Bearer " + *tok);
  resp = transport_->Do(r);
  EXPECT_EQ(resp->status, 400);
  EXPECT_NE(resp->body.find("MissingApiVersionParameter"), std::string::npos);
  r.url = server_->arm() + id + "?api-version=2015-01-01";
  resp = transport_->Do(r);
  EXPECT_EQ(resp->status, 400);
  EXPECT_NE(resp->body.find("NoRegisteredProviderFound"), std::string::npos);
  r.url = server_->arm() + id + "?api-version=latest";
  resp = transport_->Do(r);
  EXPECT_NE(resp->body.find("InvalidApiVersionParameter"), std::string::npos);
}

}  // namespace
}  // namespace prov::cloud::azure
