// AwsBackend + Ec2Client end to end against moto behind tests/fakes/aws/server.py, whose
// proxy checks every request's SigV4 signature with botocore and injects faults.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "provider/cloud/aws/aws_backend.h"
#include "tests/fakes/aws/aws_fake_server.h"

namespace prov::cloud::aws {
namespace {

using prov::testing::AwsFakeServer;

std::string SourceDir() {
  const char* d = std::getenv("PROV_SOURCE_DIR");
  return d ? d : ".";
}

class AwsIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new AwsFakeServer(SourceDir()); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->ok()) << server_->error();
    server_->Reset();
    client_ = MakeClient("testing", 8);
    auto vpc = client_->CreateVpc("10.0.0.0/16", nullptr);
    ASSERT_TRUE(vpc.ok()) << vpc.error().ToString();
    vpc_ = *vpc;
    for (int i = 0; i < 2; ++i) {
      auto sg = client_->CreateSecurityGroup("oah-" + std::to_string(i), "test group", vpc_, nullptr);
      ASSERT_TRUE(sg.ok()) << sg.error().ToString();
      groups_.push_back(*sg);
    }
    target_.group_ids = groups_;
    target_.region = "us-east-1";
    target_.owner_tag_value = "allowlist-1";
    AwsBackendOptions opts;
    opts.sleep = [](std::chrono::milliseconds) {};
    backend_ = std::make_unique<AwsBackend>(target_, client_, opts);
    server_->ResetStats();
  }

  std::shared_ptr<Ec2Client> MakeClient(const std::string& secret, int attempts) {
    AwsConfig cfg;
    cfg.region = "us-east-1";
    cfg.ec2_endpoint = server_->endpoint();
    cfg.credentials_provider = NewStaticCredentials(Credentials{"testing", secret, "", std::nullopt, "test"});
    cfg.max_attempts = attempts;
    cfg.sleep = [this](std::chrono::milliseconds d) { slept_ += d; };
    auto c = NewEc2Client(cfg);
    EXPECT_TRUE(c.ok());
    return *c;
  }

  static net::FirewallRule Rule(net::Direction dir, net::Transport t, uint16_t from, uint16_t to,
                                const std::string& cidr, int group, std::string key = "") {
    net::FirewallRule r;
    r.direction = dir;
    r.allowed = {{t, {{from, to}}}};
    r.remote_cidrs = {cidr};
    r.group_index = group;
    r.description = "Office@Hand test " + std::string(net::TransportName(t)) + " " + std::to_string(from);
    if (key.empty()) {
      key = std::string(net::DirectionName(dir)) + " " + net::TransportName(t) + "/" +
            (from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to)) + " " + cidr;
    }
    r.key = key;
    return r;
  }

  // A few dozen rules over two groups and both directions, like a real allowlist.
  static std::vector<net::FirewallRule> DesiredRules() {
    std::vector<net::FirewallRule> out;
    for (int i = 0; i < 14; ++i) {
      std::string cidr = "203.0." + std::to_string(i) + ".0/24";
      out.push_back(Rule(net::Direction::kEgress, net::Transport::kTcp, 443, 443, cidr, 0));
      out.push_back(Rule(net::Direction::kEgress, net::Transport::kUdp, 20000, 64999, cidr, 1));
    }
    for (int i = 0; i < 6; ++i) {
      out.push_back(Rule(net::Direction::kIngress, net::Transport::kUdp, 5090, 5091,
                         "198.51.100." + std::to_string(i * 16) + "/28", 0));
    }
    out.push_back(Rule(net::Direction::kEgress, net::Transport::kTcp, 5060, 5061, "2001:db8:1::/48", 1));
    out.push_back(Rule(net::Direction::kEgress, net::Transport::kTcp, 8801, 8802, "192.0.2.0/24", 0, "custom-key-1"));
    return out;
  }

  static std::vector<Change> Creates(const std::vector<net::FirewallRule>& rules) {
    std::vector<Change> out;
    for (const auto& r : rules) out.push_back(Change{ChangeKind::kCreate, r, {}});
    return out;
  }

  static std::map<std::string, LiveRule> ByKey(const std::vector<LiveRule>& rules) {
    std::map<std::string, LiveRule> m;
    for (const auto& r : rules) m[r.rule.key] = r;
    return m;
  }

  void ExpectReadMatches(const std::vector<LiveRule>& expected) {
    auto state = backend_->Read(nullptr);
    ASSERT_TRUE(state.ok()) << state.error().ToString();
    EXPECT_TRUE(state->target_exists);
    ASSERT_EQ(state->owned.size(), expected.size());
    auto want = ByKey(expected);
    for (const auto& got : state->owned) {
      ASSERT_TRUE(want.count(got.rule.key)) << got.rule.key;
      const auto& w = want[got.rule.key];
      EXPECT_EQ(got.remote_id, w.remote_id) << got.rule.key;
      EXPECT_EQ(got.rule.direction, w.rule.direction) << got.rule.key;
      EXPECT_EQ(got.rule.allowed, w.rule.allowed) << got.rule.key;
      EXPECT_EQ(got.rule.remote_cidrs, w.rule.remote_cidrs) << got.rule.key;
      EXPECT_EQ(got.rule.remote_prefix_list, w.rule.remote_prefix_list) << got.rule.key;
      // moto keeps no description on prefix-list rules (real EC2 does).
      if (got.rule.remote_prefix_list.empty()) EXPECT_EQ(got.rule.description, w.rule.description) << got.rule.key;
      EXPECT_EQ(got.rule.group_index, w.rule.group_index) << got.rule.key;
    }
  }

  static AwsFakeServer* server_;
  std::shared_ptr<Ec2Client> client_;
  std::string vpc_;
  std::vector<std::string> groups_;
  AwsTarget target_;
  std::unique_ptr<AwsBackend> backend_;
  std::chrono::milliseconds slept_{0};
};

AwsFakeServer* AwsIntegrationTest::server_ = nullptr;

TEST_F(AwsIntegrationTest, AppliesBatchedReadsBackAndLeavesForeignRulesAlone) {
  auto desired = DesiredRules();
  ASSERT_EQ(desired.size(), 36u);
  ApplyOutcome out = backend_->Apply(LiveState{}, Creates(desired), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  ASSERT_EQ(out.owned_after.size(), desired.size());
  // Batched: one Authorize per (group, direction) with rules, plus one CreateTags for the
  // rule whose key cannot be derived from its content. moto's Authorize answer lists only
  // the first IpPermission's rules, so a batch with several port ranges costs one extra
  // group listing there (real EC2 lists every created rule).
  EXPECT_EQ(server_->Count("AuthorizeSecurityGroupEgress"), 2);
  EXPECT_EQ(server_->Count("AuthorizeSecurityGroupIngress"), 1);
  EXPECT_EQ(server_->Count("CreateTags"), 1);
  EXPECT_LE(server_->Count("DescribeSecurityGroupRules"), 2);
  EXPECT_EQ(out.api_calls, 4 + server_->Count("DescribeSecurityGroupRules"));
  EXPECT_EQ(server_->Stats()["total"], out.api_calls);
  EXPECT_EQ(server_->Stats()["rejected"], 0);  // every signature verified by botocore

  server_->ResetStats();
  auto state = backend_->Read(nullptr);
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  EXPECT_EQ(state->api_calls, 2);  // one listing per group
  EXPECT_EQ(server_->Count("DescribeSecurityGroupRules"), 2);
  ExpectReadMatches(out.owned_after);

  // A foreign rule (no owner tag) in group 0, plus the default egress rules moto creates.
  auto foreign = client_->AuthorizeSecurityGroupRules(
      RuleDirection::kIngress, groups_[0], {IpPermission{"tcp", 22, 22, {{Peer::Kind::kIpv4, "192.0.2.10/32", "ssh"}}}},
      {}, nullptr);
  ASSERT_TRUE(foreign.ok()) << foreign.error().ToString();
  ASSERT_EQ(foreign->size(), 1u);
  ExpectReadMatches(out.owned_after);

  // Update one description, replace one rule's ports, delete two, add one.
  auto live = ByKey(out.owned_after);
  std::vector<Change> changes;
  net::FirewallRule desc = live["egress tcp/443 203.0.0.0/24"].rule;
  desc.description = "Office@Hand renamed";
  changes.push_back(Change{ChangeKind::kUpdate, desc, live["egress tcp/443 203.0.0.0/24"]});
  net::FirewallRule ports = live["custom-key-1"].rule;
  ports.allowed = {{net::Transport::kTcp, {{8801, 8810}}}};
  changes.push_back(Change{ChangeKind::kUpdate, ports, live["custom-key-1"]});
  changes.push_back(Change{ChangeKind::kDelete, {}, live["egress tcp/443 203.0.1.0/24"]});
  changes.push_back(Change{ChangeKind::kDelete, {}, live["ingress udp/5090-5091 198.51.100.0/28"]});
  changes.push_back(Change{ChangeKind::kCreate,
                           Rule(net::Direction::kEgress, net::Transport::kTcp, 9000, 9000, "203.0.113.0/24", 1), {}});
  LiveState before;
  before.owned = out.owned_after;
  ApplyOutcome out2 = backend_->Apply(before, changes, nullptr);
  ASSERT_FALSE(out2.error.has_value()) << out2.error->ToString();
  EXPECT_EQ(out2.owned_after.size(), desired.size() - 1);
  auto after = ByKey(out2.owned_after);
  EXPECT_EQ(after["egress tcp/443 203.0.0.0/24"].remote_id, live["egress tcp/443 203.0.0.0/24"].remote_id)
      << "description-only change keeps the rule id";
  EXPECT_NE(after["custom-key-1"].remote_id, live["custom-key-1"].remote_id);
  EXPECT_EQ(server_->Count("ModifySecurityGroupRules"), 1);
  ExpectReadMatches(out2.owned_after);

  // Delete everything we own: the foreign rule and the default egress rules survive.
  std::vector<Change> deletes;
  for (const auto& r : out2.owned_after) deletes.push_back(Change{ChangeKind::kDelete, {}, r});
  LiveState before3;
  before3.owned = out2.owned_after;
  server_->ResetStats();
  ApplyOutcome out3 = backend_->Apply(before3, deletes, nullptr);
  ASSERT_FALSE(out3.error.has_value()) << out3.error->ToString();
  EXPECT_TRUE(out3.owned_after.empty());
  EXPECT_EQ(out3.api_calls, 3);  // one revoke per (group, direction)
  ExpectReadMatches({});
  auto rest = client_->DescribeSecurityGroupRules(groups_[0], {}, 0, nullptr);
  ASSERT_TRUE(rest.ok());
  bool foreign_left = std::any_of(rest->begin(), rest->end(), [&](const SecurityGroupRule& r) {
    return r.id == (*foreign)[0].id;
  });
  EXPECT_TRUE(foreign_left);
}

TEST_F(AwsIntegrationTest, ThrottleStormSucceedsAfterRetries) {
  ASSERT_TRUE(server_->Fault("throttle", 4, "AuthorizeSecurityGroupEgress"));
  auto desired = DesiredRules();
  ApplyOutcome out = backend_->Apply(LiveState{}, Creates(desired), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  EXPECT_EQ(out.owned_after.size(), desired.size());
  EXPECT_EQ(server_->Stats()["faults_injected"].value("throttle", 0), 4);
  EXPECT_GT(slept_.count(), 0);
  ExpectReadMatches(out.owned_after);
}

TEST_F(AwsIntegrationTest, EndlessThrottlingGivesAClearErrorAndLosesNothing) {
  auto desired = DesiredRules();
  ApplyOutcome first = backend_->Apply(LiveState{}, Creates({desired[0], desired[1]}), nullptr);
  ASSERT_FALSE(first.error.has_value()) << first.error->ToString();
  ASSERT_TRUE(server_->Fault("throttle", 100, "AuthorizeSecurityGroupIngress"));
  LiveState before;
  before.owned = first.owned_after;
  std::vector<net::FirewallRule> more(desired.begin() + 2, desired.end());
  ApplyOutcome out = backend_->Apply(before, Creates(more), nullptr);
  server_->ClearFaults();
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(out.error->remote_code, "RequestLimitExceeded");
  EXPECT_NE(out.error->message.find("after 8 attempts"), std::string::npos) << out.error->message;
  // Egress batches ran before (map order) or after the failing ingress one: whatever was
  // created is reported, and the state read back agrees exactly.
  ExpectReadMatches(out.owned_after);
  EXPECT_GE(out.owned_after.size(), first.owned_after.size());
}

TEST_F(AwsIntegrationTest, LostAuthorizeAnswerIsReconciledWithoutDuplicatesOrOrphans) {
  ASSERT_TRUE(server_->Fault("drop_after", 1, "AuthorizeSecurityGroupEgress"));
  auto desired = DesiredRules();
  ApplyOutcome out = backend_->Apply(LiveState{}, Creates(desired), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  EXPECT_EQ(server_->Stats()["faults_injected"].value("drop_after", 0), 1);
  ASSERT_EQ(out.owned_after.size(), desired.size());
  std::set<std::string> ids;
  for (const auto& r : out.owned_after) ids.insert(r.remote_id);
  EXPECT_EQ(ids.size(), desired.size());
  ExpectReadMatches(out.owned_after);
}

TEST_F(AwsIntegrationTest, TruncatedAndDroppedAnswersAreRetried) {
  ASSERT_TRUE(server_->Fault("truncate", 1, "DescribeSecurityGroupRules"));
  ASSERT_TRUE(server_->Fault("drop", 1, "DescribeSecurityGroupRules"));
  ASSERT_TRUE(server_->Fault("5xx", 1, "DescribeSecurityGroupRules"));
  auto state = backend_->Read(nullptr);
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  EXPECT_TRUE(state->owned.empty());
  auto f = server_->Stats()["faults_injected"];
  EXPECT_EQ(f.value("truncate", 0), 1);
  EXPECT_EQ(f.value("5xx", 0), 1);
}

TEST_F(AwsIntegrationTest, ForeignDuplicateIsReportedNotAdopted) {
  auto r = Rule(net::Direction::kEgress, net::Transport::kTcp, 443, 443, "203.0.113.0/24", 0);
  auto foreign = client_->AuthorizeSecurityGroupRules(
      RuleDirection::kEgress, groups_[0], {IpPermission{"tcp", 443, 443, {{Peer::Kind::kIpv4, "203.0.113.0/24", ""}}}},
      {}, nullptr);
  ASSERT_TRUE(foreign.ok()) << foreign.error().ToString();
  ApplyOutcome out = backend_->Apply(LiveState{}, Creates({r}), nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kAlreadyExists);
  EXPECT_NE(out.error->message.find("not managed by this allowlist"), std::string::npos) << out.error->message;
  EXPECT_TRUE(out.owned_after.empty());
}

TEST_F(AwsIntegrationTest, ReportsMissingGroup) {
  ASSERT_TRUE(client_->DeleteSecurityGroup(groups_[1], nullptr).ok());
  auto state = backend_->Read(nullptr);
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  EXPECT_FALSE(state->target_exists);
}

TEST_F(AwsIntegrationTest, WrongSecretIsRejectedByTheSignatureCheck) {
  auto bad = MakeClient("not-the-secret", 2);
  auto r = bad->DescribeSecurityGroups({groups_[0]}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(r.error().remote_code, "SignatureDoesNotMatch");
  EXPECT_EQ(r.error().message.find("not-the-secret"), std::string::npos);
}

TEST_F(AwsIntegrationTest, PrefixListModeEnsuresListAndRulesReferenceIt) {
  PrefixListSpec spec;
  spec.name = "oah-supernets";
  spec.max_entries = 10;
  spec.cidrs = {"203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"};
  spec.entry_description = "Office@Hand supernet";
  spec.tags = {{"office-at-hand:allowlist", "allowlist-1"}};
  auto pl = EnsureManagedPrefixList(*client_, spec, nullptr, [](std::chrono::milliseconds) {});
  ASSERT_TRUE(pl.ok()) << pl.error().ToString();
  EXPECT_TRUE(pl->id.starts_with("pl-"));
  EXPECT_EQ(pl->cidrs.size(), 3u);
  const int64_t v1 = pl->version;

  // Idempotent: nothing to change -> no modify.
  server_->ResetStats();
  auto same = EnsureManagedPrefixList(*client_, spec, nullptr, [](std::chrono::milliseconds) {});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->id, pl->id);
  EXPECT_EQ(server_->Count("ModifyManagedPrefixList"), 0);

  spec.cidrs = {"203.0.113.0/24", "100.64.0.0/16"};
  auto changed = EnsureManagedPrefixList(*client_, spec, nullptr, [](std::chrono::milliseconds) {});
  ASSERT_TRUE(changed.ok()) << changed.error().ToString();
  EXPECT_EQ(changed->cidrs, (std::vector<std::string>{"100.64.0.0/16", "203.0.113.0/24"}));
  EXPECT_GT(changed->version, v1);
  auto found = FindManagedPrefixList(*client_, "oah-supernets", nullptr);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->cidrs, changed->cidrs);

  net::FirewallRule r;
  r.key = "egress tcp/443 supernets-prefix-list";
  r.direction = net::Direction::kEgress;
  r.allowed = {{net::Transport::kTcp, {{443, 443}}}};
  r.remote_prefix_list = pl->id;
  r.description = "Office@Hand supernets HTTPS";
  ApplyOutcome out = backend_->Apply(LiveState{}, Creates({r}), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  ExpectReadMatches(out.owned_after);
  auto state = backend_->Read(nullptr);
  ASSERT_TRUE(state.ok());
  ASSERT_EQ(state->owned.size(), 1u);
  EXPECT_EQ(state->owned[0].rule.key, "egress tcp/443 supernets-prefix-list");  // from the key tag

  LiveState before;
  before.owned = out.owned_after;
  ASSERT_FALSE(backend_->Apply(before, {Change{ChangeKind::kDelete, {}, out.owned_after[0]}}, nullptr).error);
  EXPECT_TRUE(DeleteManagedPrefixListIfExists(*client_, pl->id, nullptr).ok());
  EXPECT_TRUE(DeleteManagedPrefixListIfExists(*client_, pl->id, nullptr).ok());  // gone = fine
  auto none = FindManagedPrefixList(*client_, "oah-supernets", nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->id.empty());
}

PrefixListSpec SupernetSpec() {
  PrefixListSpec spec;
  spec.name = "oah-supernets";
  spec.cidrs = {"203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"};
  spec.entry_description = "Office@Hand supernet";
  spec.tags = {{"office-at-hand:allowlist", "allowlist-1"}};
  return spec;
}

int LiveListsNamed(Ec2Client& c, const std::string& name) {
  auto all = c.DescribeManagedPrefixLists({}, name, nullptr);
  EXPECT_TRUE(all.ok());
  int n = 0;
  for (const auto& l : *all) n += l.state != "delete-complete";
  return n;
}

// The create's answer is lost after EC2 made the list: the retry carries the same
// ClientToken, so EC2 (the proxy, as EC2 does) answers with that list; one list exists.
TEST_F(AwsIntegrationTest, LostCreateAnswerLeavesExactlyOneList) {
  ASSERT_TRUE(server_->Fault("drop_after", 1, "CreateManagedPrefixList"));
  auto pl = EnsureManagedPrefixList(*client_, SupernetSpec(), nullptr, [](std::chrono::milliseconds) {});
  ASSERT_TRUE(pl.ok()) << pl.error().ToString();
  EXPECT_EQ(server_->Count("CreateManagedPrefixList"), 2);
  EXPECT_EQ(server_->Forwarded("CreateManagedPrefixList"), 1);
  EXPECT_EQ(server_->Stats()["semantics"].value("idempotent_replays", 0), 1);
  EXPECT_EQ(LiveListsNamed(*client_, "oah-supernets"), 1);
  EXPECT_EQ(server_->Stats()["invalid"].size(), 0u) << server_->Stats().dump();
}

// Renamed outside Terraform: followed by its id, renamed back; no second list.
TEST_F(AwsIntegrationTest, RenamedListIsFollowedByIdAndRenamedBack) {
  auto spec = SupernetSpec();
  auto pl = EnsureManagedPrefixList(*client_, spec, nullptr, [](std::chrono::milliseconds) {});
  ASSERT_TRUE(pl.ok()) << pl.error().ToString();
  ASSERT_TRUE(client_->ModifyManagedPrefixList(pl->id, 0, {}, {}, 0, nullptr, "renamed-by-hand").ok());

  auto by_name = FindManagedPrefixList(*client_, spec.name, nullptr);
  ASSERT_TRUE(by_name.ok());
  EXPECT_TRUE(by_name->id.empty());  // what the old name-only lookup saw: "gone"
  auto by_id = FindManagedPrefixList(*client_, spec.name, nullptr, pl->id);
  ASSERT_TRUE(by_id.ok()) << by_id.error().ToString();
  EXPECT_EQ(by_id->id, pl->id);
  EXPECT_EQ(by_id->name, "renamed-by-hand");

  spec.known_id = pl->id;
  auto again = EnsureManagedPrefixList(*client_, spec, nullptr, [](std::chrono::milliseconds) {});
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->id, pl->id);
  EXPECT_EQ(again->name, spec.name);
  EXPECT_EQ(LiveListsNamed(*client_, spec.name), 1);
  EXPECT_EQ(LiveListsNamed(*client_, "renamed-by-hand"), 0);
}

TEST_F(AwsIntegrationTest, TwoListsWithTheNameAreAnErrorNotAGuess) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client_->CreateManagedPrefixList("oah-supernets", "IPv4", 3, {}, {}, nullptr).ok());
  }
  auto found = FindManagedPrefixList(*client_, "oah-supernets", nullptr);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, ErrorCode::kConflict);
  EXPECT_NE(found.error().message.find("more than one"), std::string::npos) << found.error().message;
  auto ensured = EnsureManagedPrefixList(*client_, SupernetSpec(), nullptr, [](std::chrono::milliseconds) {});
  ASSERT_FALSE(ensured.ok());
  EXPECT_EQ(ensured.error().code, ErrorCode::kConflict);
}

// Someone changes the list between our read and our write: EC2 refuses our stale
// CurrentVersion (PrefixListVersionMismatch); we re-read and converge.
TEST_F(AwsIntegrationTest, VersionConflictIsReReadAndWon) {
  auto spec = SupernetSpec();
  spec.max_entries = 5;  // room for both writers' entries, no resize in between
  auto pl = EnsureManagedPrefixList(*client_, spec, nullptr, [](std::chrono::milliseconds) {});
  ASSERT_TRUE(pl.ok()) << pl.error().ToString();
  spec.known_id = pl->id;
  spec.cidrs.push_back("100.64.0.0/16");
  // Our modify waits in the proxy while another writer bumps the version.
  ASSERT_TRUE(server_->Fault("slow", 1, "ModifyManagedPrefixList", 1500));
  auto other = MakeClient("testing", 2);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto cur = FindManagedPrefixList(*other, spec.name, nullptr, pl->id);
    ASSERT_TRUE(cur.ok());
    auto w = other->ModifyManagedPrefixList(pl->id, cur->version, {{"10.9.9.0/24", "by hand"}}, {}, 0, nullptr,
                                            spec.name);
    EXPECT_TRUE(w.ok()) << w.error().ToString();
    EXPECT_TRUE(FindManagedPrefixList(*other, spec.name, nullptr, pl->id).ok());  // settles it
  });
  auto won = EnsureManagedPrefixList(*client_, spec, nullptr, [](std::chrono::milliseconds) {});
  writer.join();
  ASSERT_TRUE(won.ok()) << won.error().ToString();
  std::vector<std::string> want = spec.cidrs;
  std::sort(want.begin(), want.end());
  auto now = FindManagedPrefixList(*client_, spec.name, nullptr, pl->id);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->cidrs, want);
  EXPECT_EQ(now->max_entries, 5);
  EXPECT_GE(server_->Stats()["semantics"].value("version_conflicts", 0), 1) << server_->Stats().dump();
}

// Deletion is asynchronous; while a rule references the list it ends delete-failed, and we
// say so instead of reporting success.
TEST_F(AwsIntegrationTest, ReferencedListIsNotDeletedAndSaysWhy) {
  auto pl = EnsureManagedPrefixList(*client_, SupernetSpec(), nullptr, [](std::chrono::milliseconds) {});
  ASSERT_TRUE(pl.ok()) << pl.error().ToString();
  IpPermission perm{"tcp", 443, 443, {{Peer::Kind::kPrefixList, pl->id, "someone else's rule"}}};
  auto rules = client_->AuthorizeSecurityGroupRules(RuleDirection::kEgress, groups_[1], {perm}, {}, nullptr);
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].description, "someone else's rule");

  Status s = DeleteManagedPrefixListIfExists(*client_, pl->id, nullptr, [](std::chrono::milliseconds) {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  EXPECT_NE(s.error().message.find("delete-failed"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find(groups_[1]), std::string::npos) << s.error().message;
  auto still = FindManagedPrefixList(*client_, "oah-supernets", nullptr, pl->id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->id, pl->id);

  ASSERT_TRUE(client_->RevokeSecurityGroupRules(RuleDirection::kEgress, groups_[1], {(*rules)[0].id}, nullptr).ok());
  EXPECT_TRUE(DeleteManagedPrefixListIfExists(*client_, pl->id, nullptr, [](std::chrono::milliseconds) {}).ok());
  EXPECT_EQ(LiveListsNamed(*client_, "oah-supernets"), 0);
}

}  // namespace
}  // namespace prov::cloud::aws
