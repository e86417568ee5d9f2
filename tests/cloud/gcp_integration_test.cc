// Integration tests: GcpBackend + ComputeClient + credentials against the fake Compute
// server (tests/fakes/gcp/server.py on 127.0.0.1). Tokens come from the fake's token
// endpoint, which verifies the JWT's RS256 signature against the key file it generated.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "provider/cloud/gcp/gcp_backend.h"
#include "tests/fakes/gcp/fake_server.h"
#include "tests/fakes/gcp/rule_sets.h"

namespace prov::cloud::gcp {
namespace {

using json = nlohmann::json;

std::string SourceDir() {
  const char* d = std::getenv("PROV_SOURCE_DIR");
  return d ? d : ".";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class GcpIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = server_.Start(SourceDir(), {"--network", "prod"});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    http_ = http::NewCurlTransport();
    TokenFetchOptions o;
    o.transport = http_;
    auto tokens = NewTokenProviderFromJson(ReadAll(server_.credentials_file()), o);
    ASSERT_TRUE(tokens.ok()) << tokens.error().ToString();
    tokens_ = *tokens;
    client_ = NewClient(500);
    target_.project = server_.project();
    target_.network = "prod";
    target_.name_prefix = "oah";
    target_.owner_marker = "[oah:default]";
  }

  std::shared_ptr<ComputeClient> NewClient(int page_size, int attempts = 6) {
    ComputeConfig c;
    c.endpoint = server_.compute_endpoint();
    c.project = server_.project();
    c.transport = http_;
    c.tokens = tokens_;
    c.page_size = page_size;
    c.retry.max_attempts = attempts;
    c.retry.base_delay = std::chrono::milliseconds(5);
    c.retry.max_delay = std::chrono::milliseconds(50);
    return std::make_shared<ComputeClient>(c);
  }

  json Control(const std::string& method, const std::string& path, const json& body = nullptr) {
    http::Request r;
    r.method = method;
    r.url = server_.compute_endpoint() + path;
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers = {{"Content-Type", "application/json"}};
    }
    auto resp = http_->Do(r);
    EXPECT_TRUE(resp.ok());
    return resp.ok() ? json::parse(resp->body, nullptr, false) : json();
  }
  int Stat(const json& stats, const std::string& key) { return stats.value(key, 0); }

  std::vector<Change> CreateAll(const std::vector<net::FirewallRule>& rules) {
    std::vector<Change> out;
    for (const auto& r : rules) out.push_back({ChangeKind::kCreate, r, {}});
    return out;
  }

  // The fields the API round-trips (provenance lives in Terraform state, not in GCP).
  static void ExpectSameRules(const std::vector<LiveRule>& live, std::vector<net::FirewallRule> want) {
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    ASSERT_EQ(live.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const auto& l = live[i].rule;
      EXPECT_EQ(l.key, want[i].key);
      EXPECT_EQ(l.name, want[i].name);
      EXPECT_EQ(l.direction, want[i].direction) << l.key;
      EXPECT_EQ(l.allowed, want[i].allowed) << l.key;
      EXPECT_EQ(l.remote_cidrs, want[i].remote_cidrs) << l.key;
      EXPECT_EQ(l.description, want[i].description) << l.key;
      EXPECT_EQ(l.priority, want[i].priority) << l.key;
      EXPECT_FALSE(live[i].remote_id.empty()) << l.key;
    }
  }

  // Outcome and a fresh Read must agree exactly.
  void ExpectOutcomeMatchesRead(const ApplyOutcome& out, GcpBackend& b) {
    auto read = b.Read(nullptr);
    ASSERT_TRUE(read.ok()) << read.error().ToString();
    ASSERT_EQ(read->owned.size(), out.owned_after.size());
    for (size_t i = 0; i < read->owned.size(); ++i) {
      EXPECT_EQ(read->owned[i].rule.key, out.owned_after[i].rule.key);
      EXPECT_EQ(read->owned[i].rule.allowed, out.owned_after[i].rule.allowed);
      EXPECT_EQ(read->owned[i].rule.remote_cidrs, out.owned_after[i].rule.remote_cidrs);
      EXPECT_EQ(read->owned[i].rule.description, out.owned_after[i].rule.description);
      EXPECT_EQ(read->owned[i].remote_id, out.owned_after[i].remote_id);
    }
  }

  Firewall Foreign(const std::string& name, const std::string& description) {
    Firewall f;
    f.name = name;
    f.network = "global/networks/prod";
    f.direction = "EGRESS";
    f.allowed = {{"tcp", {"443"}}};
    f.destination_ranges = {"192.0.2.0/24"};
    f.description = description;
    return f;
  }

  testing::FakeGcpServer server_;
  std::shared_ptr<http::Transport> http_;
  std::shared_ptr<TokenProvider> tokens_;
  std::shared_ptr<ComputeClient> client_;
  GcpTarget target_;
};

TEST_F(GcpIntegrationTest, CreatesRuleSetAndReadsItBackWithOneListCall) {
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah");
  auto before = b.Read(nullptr);
  ASSERT_TRUE(before.ok()) << before.error().ToString();
  EXPECT_TRUE(before->target_exists);
  EXPECT_TRUE(before->owned.empty());

  auto out = b.Apply(*before, CreateAll(rules), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  ExpectSameRules(out.owned_after, rules);

  Control("DELETE", "/_stats");
  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  ExpectSameRules(read->owned, rules);
  EXPECT_EQ(read->api_calls, 1);
  json stats = Control("GET", "/_stats");
  EXPECT_EQ(Stat(stats, "GET firewalls.list"), 1);
  EXPECT_EQ(Stat(stats, "GET firewalls.get"), 0);
  EXPECT_EQ(Stat(stats, "GET networks.get"), 0);

  // What the server stored: server-side shape, our marker, explicit ranges.
  auto fw = client_->GetFirewall("oah-ingress-archiver", nullptr);
  ASSERT_TRUE(fw.ok());
  EXPECT_EQ(fw->direction, "INGRESS");
  EXPECT_EQ(fw->source_ranges.size(), 3u);
  EXPECT_NE(fw->description.find("[oah:default]"), std::string::npos);
  EXPECT_NE(fw->self_link.find("/global/firewalls/oah-ingress-archiver"), std::string::npos);
}

TEST_F(GcpIntegrationTest, PagedReadStillOneLogicalRead) {
  auto small_pages = NewClient(2);
  GcpBackend b(target_, small_pages);
  auto rules = testing::RuleSet("oah", 7);
  auto out = b.Apply(LiveState{}, CreateAll(rules), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  Control("DELETE", "/_stats");
  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  ExpectSameRules(read->owned, rules);
  EXPECT_EQ(Stat(Control("GET", "/_stats"), "GET firewalls.list"), 4);  // ceil(7 / 2)
}

TEST_F(GcpIntegrationTest, ForeignRulesAreNeverTouched) {
  ASSERT_TRUE(client_->InsertFirewall(Foreign("oah-lookalike", "same prefix, no marker"), nullptr).ok());
  ASSERT_TRUE(client_->InsertFirewall(Foreign("allow-https", "someone else [oah:default]"), nullptr).ok());
  ASSERT_TRUE(client_->InsertFirewall(Foreign("oah-other-owner", "x [oah:other]"), nullptr).ok());
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah", 3);
  auto created = b.Apply(LiveState{}, CreateAll(rules), nullptr);
  ASSERT_FALSE(created.error.has_value()) << created.error->ToString();
  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->owned.size(), 3u);

  // Delete everything we own.
  std::vector<Change> deletes;
  for (const auto& l : read->owned) deletes.push_back({ChangeKind::kDelete, {}, l});
  auto out = b.Apply(*read, deletes, nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  EXPECT_TRUE(out.owned_after.empty());
  auto all = client_->ListFirewalls("", nullptr);
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const auto& f : *all) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"allow-https", "oah-lookalike", "oah-other-owner"}));

  // A create that collides with a foreign firewall's name is refused, not adopted.
  auto clash = testing::RuleSet("oah", 1)[0];
  clash.key = clash.name = "oah-lookalike";
  auto refused = b.Apply(LiveState{}, {{ChangeKind::kCreate, clash, {}}}, nullptr);
  ASSERT_TRUE(refused.error.has_value());
  EXPECT_EQ(refused.error->code, ErrorCode::kAlreadyExists);
  EXPECT_NE(refused.error->message.find("not owned"), std::string::npos);
  EXPECT_TRUE(refused.owned_after.empty());
  auto untouched = client_->GetFirewall("oah-lookalike", nullptr);
  ASSERT_TRUE(untouched.ok());
  EXPECT_EQ(untouched->description, "same prefix, no marker");
}

TEST_F(GcpIntegrationTest, DriftByDirectApiEditsIsSeenAndRepaired) {
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah", 4);
  ASSERT_FALSE(b.Apply(LiveState{}, CreateAll(rules), nullptr).error.has_value());

  // Someone widens a port range, tags a rule, and deletes another.
  ASSERT_TRUE(client_->PatchFirewall("oah-egress-ntp",
                                     {{"allowed", {{{"IPProtocol", "udp"}, {"ports", {"100-200"}}}}}}, nullptr).ok());
  ASSERT_TRUE(client_->PatchFirewall("oah-egress-line-sharing", {{"targetTags", {"web"}}}, nullptr).ok());
  ASSERT_TRUE(client_->DeleteFirewall("oah-ingress-archiver", nullptr).ok());

  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->owned.size(), 3u);
  std::map<std::string, LiveRule> by_key;
  for (const auto& l : read->owned) by_key[l.rule.key] = l;
  EXPECT_EQ(by_key["oah-egress-ntp"].rule.allowed[0].ports[0], (net::PortRange{100, 200}));
  EXPECT_NE(by_key["oah-egress-line-sharing"].rule.description.find("targetTags [web]"), std::string::npos);
  EXPECT_EQ(by_key.count("oah-ingress-archiver"), 0u);

  std::vector<Change> repair;
  for (const auto& r : rules) {
    auto it = by_key.find(r.key);
    if (it == by_key.end()) {
      repair.push_back({ChangeKind::kCreate, r, {}});
    } else if (!(it->second.rule.allowed == r.allowed) || it->second.rule.description != r.description) {
      repair.push_back({ChangeKind::kUpdate, r, it->second});
    }
  }
  ASSERT_EQ(repair.size(), 3u);
  auto out = b.Apply(*read, repair, nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  ExpectSameRules(out.owned_after, rules);
  auto after = b.Read(nullptr);
  ASSERT_TRUE(after.ok());
  ExpectSameRules(after->owned, rules);
  auto tagged = client_->GetFirewall("oah-egress-line-sharing", nullptr);
  ASSERT_TRUE(tagged.ok());
  EXPECT_TRUE(tagged->target_tags.empty());
}

TEST_F(GcpIntegrationTest, MissingNetworkIsReported) {
  GcpTarget t = target_;
  t.network = "gone";
  GcpBackend b(t, client_);
  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_FALSE(read->target_exists);
  EXPECT_EQ(read->api_calls, 2);
  auto out = b.Apply(*read, CreateAll(testing::RuleSet("oah", 1)), nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kNotFound);
  EXPECT_TRUE(out.owned_after.empty());
}

TEST_F(GcpIntegrationTest, ThrottlingAndOutagesAreRetried) {
  GcpBackend b(target_, client_);
  // Each kind on a different call, each below the 6-attempt budget.
  Control("POST", "/_fault", {{"kind", "throttle"}, {"count", 3}, {"path", "/global/firewalls"}});
  Control("POST", "/_fault", {{"kind", "ratelimit403"}, {"count", 2}, {"method", "GET"},
                              {"reason", "userRateLimitExceeded"}});
  Control("POST", "/_fault", {{"kind", "5xx"}, {"count", 2}, {"path", "/wait"}});
  auto rules = testing::RuleSet("oah");
  auto out = b.Apply(LiveState{}, CreateAll(rules), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  ExpectSameRules(out.owned_after, rules);
  ExpectOutcomeMatchesRead(out, b);
  json stats = Control("GET", "/_stats");
  // 6 inserts + 3 throttled tries; the list call was tried 3 times (2 rate-limited).
  EXPECT_EQ(Stat(stats, "POST firewalls.insert"), 9);
  EXPECT_EQ(Stat(stats, "GET firewalls.list"), 3);
}

TEST_F(GcpIntegrationTest, TooMuchThrottlingIsAClearErrorAndNothingIsLost) {
  auto impatient = NewClient(500, /*attempts=*/3);
  GcpBackend b(target_, impatient);
  auto rules = testing::RuleSet("oah");
  // Let two inserts through, then throttle every further insert.
  ASSERT_FALSE(b.Apply(LiveState{}, CreateAll({rules[0], rules[1]}), nullptr).error.has_value());
  Control("POST", "/_fault", {{"kind", "throttle"}, {"count", 1000}, {"method", "POST"}, {"path", "/global/firewalls"}});
  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok());
  std::vector<net::FirewallRule> rest(rules.begin() + 2, rules.end());
  auto out = b.Apply(*read, CreateAll(rest), nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(out.error->remote_code, "rateLimitExceeded");
  EXPECT_EQ(out.owned_after.size(), 2u);
  Control("DELETE", "/_fault");
  ExpectOutcomeMatchesRead(out, b);
  // A re-run finishes the job.
  auto again = b.Apply(*b.Read(nullptr), CreateAll(rest), nullptr);
  ASSERT_FALSE(again.error.has_value()) << again.error->ToString();
  ExpectSameRules(again.owned_after, rules);
}

TEST_F(GcpIntegrationTest, LostResponseAfterInsertNeitherDuplicatesNorLoses) {
  GcpBackend b(target_, client_);
  // The insert reaches the server, the answer is lost: the client resends with the same
  // requestId and gets the original operation back.
  Control("POST", "/_fault", {{"kind", "drop"}, {"count", 1}, {"method", "POST"}, {"path", "/global/firewalls"}, {"after", true}});
  auto rules = testing::RuleSet("oah", 2);
  auto out = b.Apply(LiveState{}, CreateAll(rules), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  ExpectSameRules(out.owned_after, rules);
  ExpectOutcomeMatchesRead(out, b);
  EXPECT_EQ(Stat(Control("GET", "/_stats"), "POST firewalls.insert"), 3);
}

TEST_F(GcpIntegrationTest, QuotaExceededInsideOperationIsRecordedPrecisely) {
  Control("POST", "/_config", {{"firewall_quota", 3}});
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah", 5);
  auto out = b.Apply(LiveState{}, CreateAll(rules), nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(out.error->remote_code, "QUOTA_EXCEEDED");
  EXPECT_EQ(out.error->http_status, 403);
  EXPECT_EQ(out.owned_after.size(), 3u);
  ExpectOutcomeMatchesRead(out, b);
}

TEST_F(GcpIntegrationTest, FailedOperationOnUpdateKeepsPreviousRule) {
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah", 2);
  auto created = b.Apply(LiveState{}, CreateAll(rules), nullptr);
  ASSERT_FALSE(created.error.has_value());
  auto changed = rules[1];
  changed.allowed[0].ports = {{5000, 5001}};
  Control("POST", "/_fault", {{"kind", "opfail"}, {"count", 1}, {"code", "RESOURCE_NOT_READY"}});
  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok());
  auto out = b.Apply(*read, {{ChangeKind::kUpdate, changed, read->owned[0]}}, nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->remote_code, "RESOURCE_NOT_READY");
  EXPECT_EQ(out.error->code, ErrorCode::kConflict);
  ExpectOutcomeMatchesRead(out, b);
  ExpectSameRules(out.owned_after, rules);
}

TEST_F(GcpIntegrationTest, OperationFailingAfterTheChangeIsRecordedAsWhatIsInForce) {
  // The patch operation reports an error although the change was made: the outcome must
  // record the firewall as it is (read back), not as it was before.
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah", 2);
  ASSERT_FALSE(b.Apply(LiveState{}, CreateAll(rules), nullptr).error.has_value());
  auto changed = rules[1];
  changed.allowed[0].ports = {{5000, 5001}};
  Control("POST", "/_fault", {{"kind", "opfail"}, {"count", 1}, {"operation", "patch"},
                              {"code", "RESOURCE_NOT_READY"}, {"applied", true}});
  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok());
  const LiveRule* current = nullptr;
  for (const auto& l : read->owned) {
    if (l.rule.key == changed.key) current = &l;
  }
  ASSERT_NE(current, nullptr);
  auto out = b.Apply(*read, {{ChangeKind::kUpdate, changed, *current}}, nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->remote_code, "RESOURCE_NOT_READY");
  ExpectOutcomeMatchesRead(out, b);
  bool found = false;
  for (const auto& l : out.owned_after) {
    if (l.rule.key != changed.key) continue;
    found = true;
    EXPECT_EQ(l.rule.allowed, changed.allowed);
  }
  EXPECT_TRUE(found);
}

TEST_F(GcpIntegrationTest, WaitHeldByTheServerIsOneCallPerOperation) {
  // Operations take 1 s; operations/wait holds each call until DONE (up to its 2-minute
  // deadline), so the client neither times out nor polls.
  Control("POST", "/_config", {{"op_seconds", 1.0}});
  Control("DELETE", "/_stats");
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah", 2);
  auto start = std::chrono::steady_clock::now();
  auto out = b.Apply(LiveState{}, CreateAll(rules), nullptr);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_EQ(Stat(Control("GET", "/_stats"), "POST operations.wait"), 2);
  ExpectOutcomeMatchesRead(out, b);
}

TEST_F(GcpIntegrationTest, WaitReturningEarlyIsPolledAgain) {
  // Operations need many observations and /wait returns after 50 ms: the client loops.
  Control("POST", "/_config", {{"op_steps", 25}, {"wait_max", 0.05}});
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah", 1);
  auto out = b.Apply(LiveState{}, CreateAll(rules), nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  EXPECT_GE(Stat(Control("GET", "/_stats"), "POST operations.wait"), 2);
  ExpectOutcomeMatchesRead(out, b);
}

TEST_F(GcpIntegrationTest, DirectionChangeReplacesTheFirewall) {
  GcpBackend b(target_, client_);
  auto rules = testing::RuleSet("oah", 1);
  ASSERT_FALSE(b.Apply(LiveState{}, CreateAll(rules), nullptr).error.has_value());
  auto read = b.Read(nullptr);
  ASSERT_TRUE(read.ok());
  auto flipped = rules[0];
  flipped.direction = net::Direction::kIngress;
  auto out = b.Apply(*read, {{ChangeKind::kUpdate, flipped, read->owned[0]}}, nullptr);
  ASSERT_FALSE(out.error.has_value()) << out.error->ToString();
  auto fw = client_->GetFirewall(rules[0].name, nullptr);
  ASSERT_TRUE(fw.ok());
  EXPECT_EQ(fw->direction, "INGRESS");
  EXPECT_EQ(fw->source_ranges.size(), 9u);
  ExpectOutcomeMatchesRead(out, b);
}

TEST_F(GcpIntegrationTest, MetadataServerTokensWork) {
  TokenFetchOptions o;
  o.transport = http_;
  ComputeConfig c;
  c.endpoint = server_.compute_endpoint();
  c.project = server_.project();
  c.transport = http_;
  c.tokens = NewMetadataTokenProvider(server_.Get("metadata_endpoint"), o);
  ComputeClient client(c);
  auto net = client.GetNetwork("prod", nullptr);
  ASSERT_TRUE(net.ok()) << net.error().ToString();
  EXPECT_EQ((*net)["name"], "prod");
}

TEST_F(GcpIntegrationTest, WorkloadIdentityFederationWithImpersonation) {
  json cfg = {{"type", "external_account"},
              {"audience", "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x"},
              {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
              {"token_url", server_.Get("sts_endpoint")},
              {"service_account_impersonation_url",
               server_.compute_endpoint() + "/v1/projects/-/serviceAccounts/" + server_.Get("client_email") +
                   ":generateAccessToken"},
              {"credential_source", {{"file", server_.Get("subject_token_file")}}}};
  TokenFetchOptions o;
  o.transport = http_;
  auto tokens = NewTokenProviderFromJson(cfg.dump(), o);
  ASSERT_TRUE(tokens.ok()) << tokens.error().ToString();
  ComputeConfig c;
  c.endpoint = server_.compute_endpoint();
  c.project = server_.project();
  c.transport = http_;
  c.tokens = *tokens;
  ComputeClient client(c);
  auto list = client.ListFirewalls("", nullptr);
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  json stats = Control("GET", "/_stats");
  EXPECT_EQ(Stat(stats, "POST sts.token"), 1);
  EXPECT_EQ(Stat(stats, "POST iamcredentials.generateAccessToken"), 1);
}

TEST_F(GcpIntegrationTest, TokenEndpointRejectsAKeyItDidNotIssue) {
  // Same account name, different private key: the fake's signature check must refuse it.
  json key = json::parse(ReadAll(server_.credentials_file()));
  EVP_PKEY* other = EVP_RSA_gen(2048);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, other, nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long n = BIO_get_mem_data(bio, &data);
  key["private_key"] = std::string(data, n);
  BIO_free(bio);
  EVP_PKEY_free(other);
  TokenFetchOptions o;
  o.transport = http_;
  auto tokens = NewTokenProviderFromJson(key.dump(), o);
  ASSERT_TRUE(tokens.ok());
  auto t = (*tokens)->Token(nullptr);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(t.error().remote_code, "invalid_grant");
  // And Compute refuses requests without a token it issued.
  ComputeConfig c;
  c.endpoint = server_.compute_endpoint();
  c.project = server_.project();
  c.transport = http_;
  c.tokens = NewStaticTokenProvider("ya29.forged");
  ComputeClient client(c);
  auto r = client.ListFirewalls("", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(r.error().http_status, 401);
}

TEST_F(GcpIntegrationTest, ServerSideValidationErrorsAreTyped) {
  Firewall bad = Foreign("Bad_Name", "x");
  auto r = client_->InsertFirewall(bad, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().remote_code, "invalid");
  Firewall mixed = Foreign("oah-mixed", "x");
  mixed.destination_ranges = {"192.0.2.0/24", "2001:db8::/32"};
  r = client_->InsertFirewall(mixed, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(client_->InsertFirewall(Foreign("oah-dup", "x"), nullptr).ok());
  r = client_->InsertFirewall(Foreign("oah-dup", "x"), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(r.error().remote_code, "alreadyExists");
  EXPECT_EQ(r.error().http_status, 409);
  auto del = client_->DeleteNetwork("prod", nullptr);  // still used by oah-dup
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().remote_code, "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE");
}

}  // namespace
}  // namespace prov::cloud::gcp
