// Behaviour of Compile() on the real (embedded) Office@Hand catalog.
#include <gtest/gtest.h>

#include <algorithm>

#include "provider/catalog/loader.h"
#include "provider/rules/compiler.h"
#include "tests/rules/checker.h"

namespace prov::rules {
namespace {

const catalog::Catalog& Cat() { return catalog::Embedded(); }

std::vector<std::string> Endpoints() {
  std::vector<std::string> v;
  for (const auto& s : Cat().services) {
    if (s.category == "endpoint") v.push_back(s.id);
  }
  return v;
}

Compiled MustCompile(const Selection& sel, const TargetOptions& t) {
  auto r = Compile(Cat(), sel, t);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
  if (!r.ok()) return {};
  std::string cov = testing::CheckCoverage(Cat(), sel, t.platform, *r);
  EXPECT_EQ(cov, "");
  EXPECT_EQ(testing::CheckShape(*r, t, Cat().supernets.size()), "");
  return std::move(r).value();
}

// Two AWS groups: the full catalog (72 egress rules) does not fit one default group.
TargetOptions On(Platform p) {
  TargetOptions t;
  t.platform = p;
  if (p == Platform::kAws) t.groups = 2;
  return t;
}

const Unenforceable* FindUn(const Compiled& c, const std::string& row) {
  for (const auto& u : c.unenforceable) {
    if (u.row == row) return &u;
  }
  return nullptr;
}

bool HasNote(const Compiled& c, const std::string& part) {
  return std::any_of(c.notes.begin(), c.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

TEST(CompilerTest, PlatformNamesRoundTrip) {
  for (auto p : {Platform::kAws, Platform::kAzure, Platform::kGcp}) {
    auto back = ParsePlatform(PlatformName(p));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(*ParsePlatform("AWS"), Platform::kAws);
  auto bad = ParsePlatform("oci");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

// users.md worked example: all endpoint types = 8 merged ranges x 9 supernets on AWS.
TEST(CompilerTest, AllEndpointsOnOneDefaultGroupFailWithOptions) {
  Selection sel;
  sel.services = Endpoints();
  TargetOptions one = On(Platform::kAws);
  one.groups = 1;
  auto r = Compile(catalog::Embedded(), sel, one);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message.find("needs 72 rules"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("groups = 2"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("rule_budget"), std::string::npos) << r.error().message;
  // The allowlist resource takes group ids, not a count: the option is worded for it.
  one.groups_from_ids = true;
  auto ids = Compile(catalog::Embedded(), sel, one);
  ASSERT_FALSE(ids.ok());
  EXPECT_NE(ids.error().message.find("more security groups (2 ids in group_ids)"), std::string::npos)
      << ids.error().message;
  EXPECT_EQ(ids.error().message.find("groups ="), std::string::npos) << ids.error().message;
}

TEST(CompilerTest, AllEndpointsOnAwsNeed72RulesAndAreMergedToFitADeclaredBudget) {
  Selection sel;
  sel.services = Endpoints();
  TargetOptions t = On(Platform::kAws);
  t.groups = 1;
  t.rule_budget = 60;
  Compiled c = MustCompile(sel, t);
  EXPECT_EQ(c.rules_needed, 72);
  EXPECT_EQ(c.strategy, "merged");
  EXPECT_LE(c.rules.size(), 60u);
  EXPECT_FALSE(c.over_permission.empty());
  for (const auto& o : c.over_permission) EXPECT_NE(o.reason.find("merged"), std::string::npos);
}

TEST(CompilerTest, AllEndpointsSpreadOverTwoGroupsWithoutOverPermission) {
  Selection sel;
  sel.services = Endpoints();
  TargetOptions t = On(Platform::kAws);
  t.groups = 2;
  Compiled c = MustCompile(sel, t);
  EXPECT_EQ(c.strategy, "spread");
  EXPECT_EQ(c.rules.size(), 72u);
  EXPECT_TRUE(c.over_permission.empty());
  EXPECT_TRUE(HasNote(c, "spread over 2 security groups"));
}

TEST(CompilerTest, AllEndpointsFitARaisedQuota) {
  Selection sel;
  sel.services = Endpoints();
  TargetOptions t = On(Platform::kAws);
  t.rule_quota = 100;
  Compiled c = MustCompile(sel, t);
  EXPECT_EQ(c.strategy, "raised-quota");
  EXPECT_EQ(c.rules.size(), 72u);
}

TEST(CompilerTest, PrefixListReferenceWeighsItsEntries) {
  Selection sel;
  sel.services = Endpoints();
  TargetOptions t = On(Platform::kAws);
  t.prefix_list = true;
  t.prefix_list_id = "pl-0123456789abcdef0";
  t.rule_quota = 80;
  Compiled c = MustCompile(sel, t);
  EXPECT_EQ(c.rules_needed, 72);  // 8 references x 9 entries
  EXPECT_EQ(c.rules.size(), 8u);
  EXPECT_EQ(c.strategy, "prefix-list");  // the value the schema documents for this mode
  for (const auto& r : c.rules) EXPECT_EQ(r.remote_prefix_list, "pl-0123456789abcdef0");
}

TEST(CompilerTest, AllEndpointsAreTwoAzureRulesAndOneGcpFirewall) {
  Selection sel;
  sel.services = Endpoints();
  Compiled az = MustCompile(sel, On(Platform::kAzure));
  ASSERT_EQ(az.rules.size(), 2u);
  EXPECT_EQ(az.rules[0].key, "oah-out-tcp-supernets");
  EXPECT_EQ(az.rules[1].key, "oah-out-udp-supernets");
  Compiled gcp = MustCompile(sel, On(Platform::kGcp));
  ASSERT_EQ(gcp.rules.size(), 1u);
  EXPECT_EQ(gcp.rules[0].key, "oah-egress-supernets");
  EXPECT_EQ(gcp.rules[0].allowed.size(), 2u);
  EXPECT_EQ(gcp.rules[0].priority, 1000);
}

TEST(CompilerTest, AwsKeysAreReadable) {
  Selection sel;
  sel.services = {"phones"};
  Compiled c = MustCompile(sel, On(Platform::kAws));
  EXPECT_TRUE(std::any_of(c.rules.begin(), c.rules.end(), [](const auto& r) {
    return r.key == "egress udp/20000-64999 66.81.240.0/20";
  }));
}

TEST(CompilerTest, DescriptionsNameRowsAndPorts) {
  Selection sel;
  sel.services = {"desktop_app"};
  Compiled c = MustCompile(sel, On(Platform::kAzure));
  bool found = false;
  for (const auto& r : c.rules) {
    if (r.key == "oah-out-udp-supernets") {
      found = true;
      EXPECT_NE(r.description.find("desktop_app.media"), std::string::npos) << r.description;
      EXPECT_NE(r.description.find("video.media_secured"), std::string::npos) << r.description;
      EXPECT_NE(r.description.find("UDP 10000-64999"), std::string::npos) << r.description;
    }
  }
  EXPECT_TRUE(found);
}

TEST(CompilerTest, ReportsDomainOnlyRowsAsUnenforceable) {
  Compiled c = MustCompile({}, On(Platform::kAws));
  const auto* u = FindUn(c, "desktop_app.software_updates");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->reason.rfind("domain names only: an L3/L4 firewall cannot allow *.cloudfront.net", 0), 0u)
      << u->reason;
  EXPECT_NE(u->reason.find("web proxy or an FQDN-capable firewall"), std::string::npos);
  const auto* host = FindUn(c, "video_rooms.rooms_host");
  ASSERT_NE(host, nullptr);
  EXPECT_NE(host->reason.find("not a WAN rule"), std::string::npos);
  const auto* trunk = FindUn(c, "sip_trunks.media");
  ASSERT_NE(trunk, nullptr);
  EXPECT_EQ(trunk->reason, "needs input: sip_trunk_peers");
  const auto* sftp = FindUn(c, "archiver.sftp");
  ASSERT_NE(sftp, nullptr);
  EXPECT_EQ(sftp->reason, "needs input: sftp_server_addresses");
  EXPECT_EQ(FindUn(c, "desktop_app.media"), nullptr);  // supernets alternative used
  EXPECT_EQ(FindUn(c, "phones.ntp"), nullptr);         // within the supernets
}

TEST(CompilerTest, NotesExplainChoices) {
  Compiled c = MustCompile({}, On(Platform::kGcp));
  EXPECT_TRUE(HasNote(c, "desktop_app.media: uses the IP supernets"));
  EXPECT_TRUE(HasNote(c, "phones.ntp: ntp1.ringcentral.biz, ntp2.ringcentral.biz are within the supernets"));
  EXPECT_TRUE(HasNote(c, "room_connector.signaling: UDP 5060 or TCP 5060 are alternatives"));
  EXPECT_TRUE(HasNote(c, "archiver.cloud_storage: does not traverse the enterprise network"));
  EXPECT_TRUE(HasNote(c, "video.media_secured: fallback TCP 443 not opened"));
  EXPECT_TRUE(HasNote(c, "phones.signaling: TCP 5099 not opened, condition line_sharing is off"));
  EXPECT_TRUE(HasNote(c, "mobile_softphone.signaling_ipv6: skipped, condition ipv6_clients is off"));
  for (const auto& a : Cat().advisories) EXPECT_TRUE(HasNote(c, "advisory " + a.id + " ")) << a.id;
}

TEST(CompilerTest, LineSharingOpens5098And5099) {
  Selection sel;
  sel.services = {"phones"};
  sel.line_sharing = true;
  Compiled c = MustCompile(sel, On(Platform::kAzure));
  std::string tcp;
  for (const auto& r : c.rules) {
    if (r.key == "oah-out-tcp-supernets") {
      for (const auto& p : r.allowed[0].ports) tcp += p.ToString() + " ";
    }
  }
  EXPECT_EQ(tcp, "636 5090 5096 5098-5099 ");
}

TEST(CompilerTest, ArchiverSftpBecomesIngressFromElevenAddresses) {
  Selection sel;
  sel.services = {"archiver"};
  sel.sftp_server_addresses = {"198.51.100.10/32"};
  Compiled az = MustCompile(sel, On(Platform::kAzure));
  ASSERT_EQ(az.rules.size(), 1u);
  const auto& r = az.rules[0];
  EXPECT_EQ(r.direction, net::Direction::kIngress);
  EXPECT_EQ(r.remote_cidrs.size(), 11u);
  EXPECT_EQ(r.local_cidrs, std::vector<std::string>{"198.51.100.10/32"});
  EXPECT_EQ(r.allowed[0].transport, net::Transport::kTcp);
  EXPECT_EQ(r.allowed[0].ports[0].ToString(), "22");
  Compiled aws = MustCompile(sel, On(Platform::kAws));
  EXPECT_EQ(aws.rules.size(), 11u);
  EXPECT_TRUE(HasNote(aws, "archiver.sftp: aws rules cannot name the enterprise side (198.51.100.10/32)"));
}

TEST(CompilerTest, SipTrunkPeersBecomeRules) {
  Selection sel;
  sel.services = {"sip_trunks"};
  sel.sip_trunk_peers = {"203.0.113.0/28", "203.0.113.16/28"};
  Compiled c = MustCompile(sel, On(Platform::kGcp));
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.rules[0].remote_cidrs, std::vector<std::string>{"203.0.113.0/27"});
  EXPECT_TRUE(c.unenforceable.empty());
}

TEST(CompilerTest, IncludedTableIsConfiguredOnce) {
  Selection a, b;
  a.services = {"desktop_app", "webinar"};
  b.services = {"desktop_app", "webinar", "video"};
  for (auto p : {Platform::kAws, Platform::kAzure, Platform::kGcp}) {
    EXPECT_EQ(MustCompile(a, On(p)).rules, MustCompile(b, On(p)).rules);
  }
  EXPECT_TRUE(HasNote(MustCompile(a, On(Platform::kAws)), "webinar.video: includes video (Table 3.2.2)"));
}

TEST(CompilerTest, RejectsUnknownServiceAndBadParameters) {
  Selection sel;
  sel.services = {"desktop_app", "fax"};
  auto r = Compile(Cat(), sel, On(Platform::kAws));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("unknown service \"fax\""), std::string::npos);
  Selection bad;
  bad.sip_trunk_peers = {"203.0.113.0/24", "203.0.113.1/24"};
  auto r2 = Compile(Cat(), bad, On(Platform::kAws));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r2.error().where, "sip_trunk_peers[1]");
}

TEST(CompilerTest, RejectsBadTargets) {
  TargetOptions t = On(Platform::kAzure);
  t.name_prefix = "-bad";
  EXPECT_EQ(Compile(Cat(), {}, t).error().code, ErrorCode::kInvalidArgument);
  t = On(Platform::kGcp);
  t.name_prefix = "Upper";
  EXPECT_EQ(Compile(Cat(), {}, t).error().code, ErrorCode::kInvalidArgument);
  t = On(Platform::kAws);
  t.groups = 0;
  EXPECT_EQ(Compile(Cat(), {}, t).error().where, "target.groups");
  t = On(Platform::kAzure);
  t.priority_from = 50;
  EXPECT_EQ(Compile(Cat(), {}, t).error().code, ErrorCode::kInvalidArgument);
}

TEST(CompilerTest, AwsHardLimitSaysWhatWouldFit) {
  Selection sel;
  sel.services = Endpoints();
  TargetOptions t = On(Platform::kAws);
  t.groups = 1;
  t.rule_budget = 10;  // fewer than the 2 transports x 9 supernets the merge floor needs
  auto r = Compile(Cat(), sel, t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("needs 72 rules"), std::string::npos) << m;
  EXPECT_NE(m.find("select fewer services"), std::string::npos) << m;
  EXPECT_NE(m.find("rule_quota (at least 72"), std::string::npos) << m;
  EXPECT_NE(m.find("more security groups (groups = 8)"), std::string::npos) << m;
}

TEST(CompilerTest, AzurePriorityRangeTooSmallIsExhausted) {
  TargetOptions t = On(Platform::kAzure);
  t.priority_from = 100;
  t.priority_to = 100;
  auto r = Compile(Cat(), {}, t);  // egress tcp + udp need 2 priorities
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
}

TEST(CompilerTest, AzureHonoursExistingAndTakenPriorities) {
  TargetOptions t = On(Platform::kAzure);
  t.existing_priorities = {{"oah-out-tcp-supernets", 300}};
  t.taken_priorities = {301, 302};
  Compiled c = MustCompile({}, t);
  for (const auto& r : c.rules) {
    if (r.key == "oah-out-tcp-supernets") EXPECT_EQ(r.priority, 300);
  }
  // An existing priority that is taken by someone else is not kept.
  t.taken_priorities = {300};
  Compiled d = MustCompile({}, t);
  for (const auto& r : d.rules) EXPECT_NE(r.priority, 300);
}

TEST(CompilerTest, AzureForeignPrioritiesOnlyCollideWithinTheirDirection) {
  TargetOptions t = On(Platform::kAzure);
  t.existing_priorities = {{"oah-out-tcp-supernets", 300}};
  Compiled base = MustCompile({}, t);
  // A foreign inbound rule at our outbound rule's priority moves nothing.
  t.taken_priorities_ingress = {300};
  for (const auto& r : base.rules) t.taken_priorities_ingress.push_back(r.priority);
  Compiled same = MustCompile({}, t);
  ASSERT_EQ(same.rules.size(), base.rules.size());
  for (size_t i = 0; i < base.rules.size(); ++i) {
    if (base.rules[i].direction == net::Direction::kEgress)
      EXPECT_EQ(same.rules[i].priority, base.rules[i].priority) << base.rules[i].key;
  }
  // An outbound one does: the rule moves, the others stay where they were.
  t.taken_priorities_ingress.clear();
  t.taken_priorities_egress = {300};
  Compiled moved = MustCompile({}, t);
  for (size_t i = 0; i < base.rules.size(); ++i) {
    if (base.rules[i].key == "oah-out-tcp-supernets") {
      EXPECT_NE(moved.rules[i].priority, 300);
    } else {
      EXPECT_EQ(moved.rules[i].priority, base.rules[i].priority) << base.rules[i].key;
    }
  }
}

TEST(CompilerTest, OutputIsDeterministic) {
  Selection a;
  a.services = {"phones", "desktop_app", "video_rooms"};
  Selection b;
  b.services = {"video_rooms", "phones", "desktop_app", "phones"};
  for (auto p : {Platform::kAws, Platform::kAzure, Platform::kGcp}) {
    std::string first = ToJson(MustCompile(a, On(p)), p);
    EXPECT_EQ(first, ToJson(MustCompile(a, On(p)), p));
    EXPECT_EQ(first, ToJson(MustCompile(b, On(p)), p));
    EXPECT_EQ(ToMarkdown(MustCompile(a, On(p)), p), ToMarkdown(MustCompile(b, On(p)), p));
  }
}

// Adding a row to one service leaves the other rules' keys, names and priorities alone.
TEST(CompilerTest, AddingARowTouchesOnlyTheRulesItConcerns) {
  catalog::Catalog changed = Cat();
  for (auto& s : changed.services) {
    if (s.id != "integration") continue;
    catalog::Row row;
    row.id = "integration.new_gateway";
    row.traffic_class = catalog::TrafficClass::kData;
    row.destinations.cidrs = {*net::Cidr::Parse("198.18.0.0/24")};
    row.ports = {{net::Transport::kTcp, *net::PortRange::Parse("9443")}};
    s.rows.push_back(row);
  }
  for (auto p : {Platform::kAws, Platform::kAzure, Platform::kGcp}) {
    auto before = Compile(Cat(), {}, On(p));
    auto after = Compile(changed, {}, On(p));
    ASSERT_TRUE(before.ok() && after.ok());
    EXPECT_EQ(after->rules.size(), before->rules.size() + 1) << PlatformName(p);
    for (const auto& r : before->rules) {
      auto it = std::find_if(after->rules.begin(), after->rules.end(),
                             [&](const auto& x) { return x.key == r.key; });
      ASSERT_NE(it, after->rules.end()) << r.key;
      EXPECT_EQ(*it, r) << PlatformName(p) << " " << r.key;
    }
    EXPECT_EQ(testing::CheckCoverage(changed, {}, p, *after), "");
  }
}

// A new port for the supernets changes that rule's ports, not its key or priority.
TEST(CompilerTest, NewPortKeepsAzureNameAndPriority) {
  catalog::Catalog changed = Cat();
  for (auto& s : changed.services) {
    if (s.id != "phones") continue;
    s.rows[1].ports.push_back({net::Transport::kTcp, *net::PortRange::Parse("7777")});
  }
  auto before = Compile(Cat(), {}, On(Platform::kAzure));
  auto after = Compile(changed, {}, On(Platform::kAzure));
  ASSERT_TRUE(before.ok() && after.ok());
  ASSERT_EQ(before->rules.size(), after->rules.size());
  for (size_t i = 0; i < before->rules.size(); ++i) {
    EXPECT_EQ(before->rules[i].key, after->rules[i].key);
    EXPECT_EQ(before->rules[i].priority, after->rules[i].priority);
  }
}

TEST(CompilerTest, MarkdownHasTheThreeSections) {
  Selection sel;
  sel.services = Endpoints();
  std::string md = ToMarkdown(MustCompile(sel, On(Platform::kAws)), Platform::kAws);
  EXPECT_NE(md.find("| Key | Direction | Allows | Remote | Local | Group | Description |"), std::string::npos);
  EXPECT_NE(md.find("### Not enforceable as L3/L4 rules"), std::string::npos);
  EXPECT_NE(md.find("### Over-permission"), std::string::npos);
  EXPECT_NE(md.find("*.cloudfront.net"), std::string::npos);
}

}  // namespace
}  // namespace prov::rules
