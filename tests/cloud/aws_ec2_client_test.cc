// Ec2Client against a fake transport: wire format, signing, XML parsing, paging with
// recorded multi-page answers, error mapping and retries (fake sleep).
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "provider/cloud/aws/aws_backend.h"
#include "provider/cloud/aws/ec2_client.h"
#include "tests/fakes/aws/fake_transport.h"

namespace prov::cloud::aws {
namespace {

using prov::testing::FakeTransport;
using prov::testing::FormFields;
using prov::testing::ReadTestData;
using prov::testing::XmlResponse;
using std::chrono::milliseconds;

struct Harness {
  std::shared_ptr<FakeTransport> transport;
  std::vector<milliseconds> sleeps;
  std::map<std::string, std::string> env;
  std::unique_ptr<Ec2Client> client;

  explicit Harness(FakeTransport::Handler h, int max_attempts = 4) {
    transport = std::make_shared<FakeTransport>(std::move(h));
    Ec2Config c;
    c.region = "eu-central-1";
    c.endpoint = "http://127.0.0.1:9/";
    c.transport = transport;
    c.credentials = NewStaticCredentials(Credentials{"AKIDTEST", "secret", "", std::nullopt, "test"});
    c.retry.max_attempts = max_attempts;
    c.clock = [] { return std::chrono::system_clock::from_time_t(1764090000); };  // 2025-11-25T17:00:00Z
    c.sleep = [this](milliseconds d) { sleeps.push_back(d); };
    c.getenv = [this](const std::string& n) -> std::optional<std::string> {
      auto it = env.find(n);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    client = std::make_unique<Ec2Client>(std::move(c));
  }
};

std::string Ok(const std::string& action, const std::string& inner = "<return>true</return>") {
  return "<?xml version=\"1.0\"?><" + action + "Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
         "<requestId>r-1</requestId>" + inner + "</" + action + "Response>";
}

TEST(Ec2ClientTest, EncodesFormWithRfc3986) {
  EXPECT_EQ(EncodeForm({{"Action", "X"}, {"A.1.Description", "a b/c:d(e)"}, {"k~", "*"}}),
            "Action=X&A.1.Description=a%20b%2Fc%3Ad%28e%29&k~=%2A");
}

TEST(Ec2ClientTest, AuthorizeSendsFlattenedPermissionsTagsAndSignature) {
  Harness h([](const http::Request&) -> Result<http::Response> {
    return XmlResponse(200, ReadTestData("aws/ec2/describe_rules_page1.xml"));
  });
  IpPermission p1{"tcp", 443, 443, {{Peer::Kind::kIpv4, "203.0.113.0/24", "vendor x"},
                                    {Peer::Kind::kIpv6, "2001:db8::/32", "v6"}}};
  IpPermission p2{"udp", 20000, 64999, {{Peer::Kind::kPrefixList, "pl-1", ""}}};
  auto r = h.client->AuthorizeSecurityGroupRules(RuleDirection::kEgress, "sg-123", {p1, p2},
                                                 {{"owner", "al-1"}}, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(h.transport->requests().size(), 1u);
  auto reqs = h.transport->requests();
  const auto& req = reqs[0];
  auto f = FormFields(req.body);
  EXPECT_EQ(f["Action"], "AuthorizeSecurityGroupEgress");
  EXPECT_EQ(f["Version"], "2016-11-15");
  EXPECT_EQ(f["GroupId"], "sg-123");
  EXPECT_EQ(f["IpPermissions.1.IpProtocol"], "tcp");
  EXPECT_EQ(f["IpPermissions.1.FromPort"], "443");
  EXPECT_EQ(f["IpPermissions.1.IpRanges.1.CidrIp"], "203.0.113.0/24");
  EXPECT_EQ(f["IpPermissions.1.IpRanges.1.Description"], "vendor x");
  EXPECT_EQ(f["IpPermissions.1.Ipv6Ranges.1.CidrIpv6"], "2001:db8::/32");
  EXPECT_EQ(f["IpPermissions.2.PrefixListIds.1.PrefixListId"], "pl-1");
  EXPECT_EQ(f["IpPermissions.2.ToPort"], "64999");
  EXPECT_EQ(f["TagSpecification.1.ResourceType"], "security-group-rule");
  EXPECT_EQ(f["TagSpecification.1.Tag.1.Key"], "owner");
  EXPECT_EQ(f["TagSpecification.1.Tag.1.Value"], "al-1");
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:9/");
  std::map<std::string, std::string> hdr(req.headers.begin(), req.headers.end());
  EXPECT_EQ(hdr["X-Amz-Date"], "20251125T170000Z");
  EXPECT_EQ(hdr["Host"], "127.0.0.1:9");
  EXPECT_TRUE(hdr["Authorization"].starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDTEST/20251125/eu-central-1/ec2/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature="))
      << hdr["Authorization"];
}

TEST(Ec2ClientTest, FollowsNextTokenAcrossRecordedPages) {
  Harness h([](const http::Request& req) -> Result<http::Response> {
    auto f = FormFields(req.body);
    if (f["NextToken"].empty()) return XmlResponse(200, ReadTestData("aws/ec2/describe_rules_page1.xml"));
    if (f["NextToken"] == "eyJ2IjoiMiIsImMiOiJwYWdlMiJ9") {
      return XmlResponse(200, ReadTestData("aws/ec2/describe_rules_page2.xml"));
    }
    if (f["NextToken"] == "eyJ2IjoiMiIsImMiOiJwYWdlMyJ9") {
      return XmlResponse(200, ReadTestData("aws/ec2/describe_rules_page3.xml"));
    }
    return XmlResponse(400, ReadTestData("aws/ec2/error_duplicate.xml"));
  });
  int pages = 0;
  auto rules = h.client->DescribeSecurityGroupRules("sg-0123456789abcdef0", {}, 2, nullptr, &pages);
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(h.client->api_calls(), 3);
  ASSERT_EQ(rules->size(), 5u);
  auto reqs = h.transport->requests();
  auto f0 = FormFields(reqs[0].body);
  EXPECT_EQ(f0["Filter.1.Name"], "group-id");
  EXPECT_EQ(f0["Filter.1.Value.1"], "sg-0123456789abcdef0");
  EXPECT_EQ(f0["MaxResults"], "5");  // clamped to the API minimum
  const auto& r0 = (*rules)[0];
  EXPECT_EQ(r0.id, "sgr-0a1b2c3d4e5f60001");
  EXPECT_TRUE(r0.is_egress);
  EXPECT_EQ(r0.ip_protocol, "tcp");
  EXPECT_EQ(r0.from_port, 443);
  EXPECT_EQ(r0.cidr_ipv4, "203.0.113.0/24");
  EXPECT_EQ(r0.TagValue("office-at-hand:allowlist"), "al-1");
  EXPECT_EQ((*rules)[2].ip_protocol, "-1");
  EXPECT_EQ((*rules)[2].from_port, -1);
  EXPECT_FALSE((*rules)[3].is_egress);
  EXPECT_EQ((*rules)[3].cidr_ipv6, "2001:db8::/32");
  EXPECT_EQ((*rules)[4].prefix_list_id, "pl-0123456789abcdef0");
}

TEST(Ec2ClientTest, RepeatedNextTokenIsAnErrorNotALoop) {
  Harness h([](const http::Request&) -> Result<http::Response> {
    return XmlResponse(200, ReadTestData("aws/ec2/describe_rules_page1.xml"));
  });
  auto rules = h.client->DescribeSecurityGroupRules("sg-1", {}, 0, nullptr);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(h.client->api_calls(), 2);
}

TEST(Ec2ClientTest, MapsErrorEnvelopeWithoutRetrying) {
  Harness h([](const http::Request&) -> Result<http::Response> {
    return XmlResponse(400, ReadTestData("aws/ec2/error_duplicate.xml"));
  });
  auto r = h.client->AuthorizeSecurityGroupRules(RuleDirection::kIngress, "sg-1",
                                                 {IpPermission{"tcp", 1, 1, {{Peer::Kind::kIpv4, "1.2.3.4/32", ""}}}},
                                                 {}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(r.error().remote_code, "InvalidPermission.Duplicate");
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_NE(r.error().message.find("AuthorizeSecurityGroupIngress"), std::string::npos);
  EXPECT_EQ(h.transport->requests().size(), 1u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(Ec2ClientTest, ErrorCodesMapToErrorKinds) {
  struct Case {
    int status;
    std::string code;
    ErrorCode want;
  };
  for (const auto& c : std::vector<Case>{{400, "RulesPerSecurityGroupLimitExceeded", ErrorCode::kResourceExhausted},
                                         {400, "InvalidGroup.NotFound", ErrorCode::kNotFound},
                                         {400, "InvalidSecurityGroupRuleId.NotFound", ErrorCode::kNotFound},
                                         {400, "PrefixListVersionMismatch", ErrorCode::kConflict},
                                         {403, "UnauthorizedOperation", ErrorCode::kPermissionDenied},
                                         {401, "AuthFailure", ErrorCode::kPermissionDenied},
                                         {400, "InvalidParameterValue", ErrorCode::kInvalidArgument}}) {
    std::string body = "<Response><Errors><Error><Code>" + c.code + "</Code><Message>m</Message></Error></Errors>"
                       "<RequestID>x</RequestID></Response>";
    Error e = Ec2ErrorFromResponse("A", c.status, body);
    EXPECT_EQ(e.code, c.want) << c.code;
    EXPECT_EQ(e.remote_code, c.code);
  }
  Error e = Ec2ErrorFromResponse("A", 502, "<html>bad gateway</html>");
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_EQ(e.remote_code, "");
}

TEST(Ec2ClientTest, RetriesThrottlingThenSucceeds) {
  int n = 0;
  Harness h([&](const http::Request&) -> Result<http::Response> {
    if (++n <= 2) return XmlResponse(503, ReadTestData("aws/ec2/error_throttle.xml"));
    return XmlResponse(200, Ok("CreateTags"));
  });
  Status s = h.client->CreateTags({"sgr-1"}, {{"k", "v"}}, nullptr);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(h.client->api_calls(), 1);
  EXPECT_EQ(h.client->http_attempts(), 3);
  EXPECT_EQ(h.sleeps.size(), 2u);
  // Each attempt is signed afresh.
  auto reqs = h.transport->requests();
  int auth = 0;
  for (auto& [k, v] : reqs[2].headers) auth += k == "Authorization";
  EXPECT_EQ(auth, 1);
}

TEST(Ec2ClientTest, ThrottlingBeyondAttemptsIsUnavailableWithCode) {
  Harness h([](const http::Request&) -> Result<http::Response> {
    return XmlResponse(503, ReadTestData("aws/ec2/error_throttle.xml"));
  }, 3);
  Status s = h.client->CreateTags({"sgr-1"}, {{"k", "v"}}, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(s.error().remote_code, "RequestLimitExceeded");
  EXPECT_EQ(s.error().http_status, 503);
  EXPECT_NE(s.error().message.find("after 3 attempts"), std::string::npos) << s.error().message;
  EXPECT_EQ(h.transport->requests().size(), 3u);
}

TEST(Ec2ClientTest, TruncatedXmlIsRetriedThenReportedAsDataLoss) {
  int n = 0;
  Harness ok([&](const http::Request&) -> Result<http::Response> {
    std::string full = ReadTestData("aws/ec2/describe_rules_page3.xml");
    if (++n == 1) return XmlResponse(200, full.substr(0, full.size() / 2));
    return XmlResponse(200, full);
  });
  auto rules = ok.client->DescribeSecurityGroupRules("sg-1", {}, 0, nullptr);
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  EXPECT_EQ(rules->size(), 1u);
  EXPECT_EQ(n, 2);

  Harness bad([](const http::Request&) -> Result<http::Response> {
    std::string full = ReadTestData("aws/ec2/describe_rules_page3.xml");
    return XmlResponse(200, full.substr(0, full.size() - 20));
  }, 2);
  auto r = bad.client->DescribeSecurityGroupRules("sg-1", {}, 0, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(r.error().message.find("malformed XML"), std::string::npos) << r.error().message;
}

TEST(Ec2ClientTest, ConnectionDropIsRetried) {
  int n = 0;
  Harness h([&](const http::Request&) -> Result<http::Response> {
    if (++n == 1) return MakeError(ErrorCode::kUnavailable, "Empty reply from server");
    return XmlResponse(200, Ok("DeleteSecurityGroup"));
  });
  EXPECT_TRUE(h.client->DeleteSecurityGroup("sg-1", nullptr).ok());
  EXPECT_EQ(n, 2);
}

TEST(Ec2ClientTest, CancelStopsRetrying) {
  std::atomic<bool> cancel{false};
  Harness h([&](const http::Request&) -> Result<http::Response> {
    cancel = true;
    return XmlResponse(503, ReadTestData("aws/ec2/error_throttle.xml"));
  });
  Status s = h.client->CreateTags({"sgr-1"}, {{"k", "v"}}, &cancel);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(h.transport->requests().size(), 1u);
}

std::string PrefixListXml(const std::string& action, const std::string& id, const std::string& name) {
  return Ok(action, "<prefixList><prefixListId>" + id + "</prefixListId><addressFamily>IPv4</addressFamily>"
                    "<state>create-complete</state><prefixListName>" + name + "</prefixListName>"
                    "<maxEntries>3</maxEntries><version>1</version></prefixList>");
}

TEST(Ec2ClientTest, CreateManagedPrefixListSendsOneClientTokenForEveryAttempt) {
  int n = 0;
  Harness h([&](const http::Request&) -> Result<http::Response> {
    ++n;
    if (n == 1) return XmlResponse(503, ReadTestData("aws/ec2/error_throttle.xml"));
    if (n == 2) return MakeError(ErrorCode::kUnavailable, "connection reset by peer");  // the answer is lost
    return XmlResponse(200, PrefixListXml("CreateManagedPrefixList", "pl-0abc", "oah"));
  });
  auto pl = h.client->CreateManagedPrefixList("oah", "IPv4", 3, {{"192.0.2.0/24", "d"}}, {}, nullptr);
  ASSERT_TRUE(pl.ok()) << pl.error().ToString();
  EXPECT_EQ(pl->id, "pl-0abc");
  auto reqs = h.transport->requests();
  ASSERT_EQ(reqs.size(), 3u);
  const std::string token = FormFields(reqs[0].body)["ClientToken"];
  EXPECT_EQ(token.size(), 36u) << token;
  for (const auto& r : reqs) EXPECT_EQ(FormFields(r.body)["ClientToken"], token);
  EXPECT_EQ(h.client->api_calls(), 1);

  // A new call gets a new token; a caller's own token is sent as given.
  auto again = h.client->CreateManagedPrefixList("oah", "IPv4", 3, {}, {}, nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(FormFields(h.transport->requests().back().body)["ClientToken"], token);
  auto mine = h.client->CreateManagedPrefixList("oah", "IPv4", 3, {}, {}, nullptr, "caller-token-1");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(FormFields(h.transport->requests().back().body)["ClientToken"], "caller-token-1");
}

TEST(Ec2ClientTest, NewClientTokensAreUuidsAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = NewClientToken();
    ASSERT_EQ(t.size(), 36u);
    EXPECT_EQ(t[14], '4') << t;
    EXPECT_TRUE(seen.insert(t).second) << t;
  }
}

// EnsureManagedPrefixList: when the client's attempts all end without an answer, the
// create is repeated once more with the same token (EC2 then returns the list it made).
TEST(Ec2ClientTest, EnsureRepeatsALostCreateWithTheSameToken) {
  std::vector<std::string> tokens;
  int creates = 0;
  Harness h(
      [&](const http::Request& req) -> Result<http::Response> {
        auto f = FormFields(req.body);
        const std::string& a = f["Action"];
        if (a == "DescribeManagedPrefixLists") {
          if (creates < 3) return XmlResponse(200, Ok(a, "<prefixListSet/>"));
          return XmlResponse(200, Ok(a, "<prefixListSet><item><prefixListId>pl-0abc</prefixListId>"
                                        "<state>create-complete</state><prefixListName>oah</prefixListName>"
                                        "<maxEntries>1</maxEntries><version>1</version></item></prefixListSet>"));
        }
        if (a == "GetManagedPrefixListEntries") {
          return XmlResponse(200, Ok(a, "<entrySet><item><cidr>192.0.2.0/24</cidr></item></entrySet>"));
        }
        if (a == "CreateManagedPrefixList") {
          tokens.push_back(f["ClientToken"]);
          if (++creates < 3) return MakeError(ErrorCode::kUnavailable, "timed out");
          return XmlResponse(200, PrefixListXml(a, "pl-0abc", "oah"));
        }
        return XmlResponse(400, ReadTestData("aws/ec2/error_duplicate.xml"));
      },
      /*max_attempts=*/2);
  PrefixListSpec spec;
  spec.name = "oah";
  spec.cidrs = {"192.0.2.0/24"};
  auto st = EnsureManagedPrefixList(*h.client, spec, nullptr, [](milliseconds) {});
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  EXPECT_EQ(st->id, "pl-0abc");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_FALSE(tokens[0].empty());
  EXPECT_EQ(tokens[1], tokens[0]);
  EXPECT_EQ(tokens[2], tokens[0]);
}

TEST(Ec2ClientTest, EndpointResolutionOrder) {
  auto endpoint = [](std::map<std::string, std::string> env, std::string cfg) {
    Ec2Config c;
    c.region = "ap-south-1";
    c.endpoint = cfg;
    c.getenv = [env](const std::string& n) -> std::optional<std::string> {
      auto it = env.find(n);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    return Ec2Client(c).endpoint();
  };
  EXPECT_EQ(endpoint({}, ""), "https://ec2.ap-south-1.amazonaws.com/");
  EXPECT_EQ(endpoint({{"AWS_ENDPOINT_URL", "http://g:1"}}, ""), "http://g:1/");
  EXPECT_EQ(endpoint({{"AWS_ENDPOINT_URL", "http://g:1"}, {"AWS_ENDPOINT_URL_EC2", "http://e:2"}}, ""), "http://e:2/");
  EXPECT_EQ(endpoint({{"AWS_ENDPOINT_URL_EC2", "http://e:2"}}, "http://cfg:3/"), "http://cfg:3/");
  EXPECT_EQ(endpoint({{"AWS_ENDPOINT_URL_EC2", "http://e:2"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}, ""),
            "https://ec2.ap-south-1.amazonaws.com/");
}

TEST(Ec2ClientTest, MissingRegionIsAClearError) {
  Ec2Config c;
  c.transport = std::make_shared<FakeTransport>([](const http::Request&) -> Result<http::Response> {
    return XmlResponse(200, "<x/>");
  });
  c.credentials = NewStaticCredentials(Credentials{"a", "b", "", std::nullopt, "t"});
  Ec2Client client(c);
  auto r = client.Call("DescribeSecurityGroups", {}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().where, "region");
}

// AwsBackend::Read over the recorded pages: ownership filter, key recovery, group index.
TEST(AwsBackendReadTest, MapsRecordedPagesToOwnedRules) {
  std::atomic<int> calls{0};
  auto transport = std::make_shared<FakeTransport>([&](const http::Request& req) -> Result<http::Response> {
    ++calls;
    auto f = FormFields(req.body);
    if (f["Action"] != "DescribeSecurityGroupRules") return XmlResponse(400, ReadTestData("aws/ec2/error_duplicate.xml"));
    if (f["NextToken"].empty()) return XmlResponse(200, ReadTestData("aws/ec2/describe_rules_page1.xml"));
    if (f["NextToken"] == "eyJ2IjoiMiIsImMiOiJwYWdlMiJ9") return XmlResponse(200, ReadTestData("aws/ec2/describe_rules_page2.xml"));
    return XmlResponse(200, ReadTestData("aws/ec2/describe_rules_page3.xml"));
  });
  AwsConfig cfg;
  cfg.region = "us-east-1";
  cfg.ec2_endpoint = "http://127.0.0.1:9";
  cfg.transport = transport;
  cfg.credentials_provider = NewStaticCredentials(Credentials{"a", "b", "", std::nullopt, "t"});
  AwsTarget t;
  t.group_ids = {"sg-0123456789abcdef0"};
  t.owner_tag_value = "al-1";
  auto backend = AwsBackend::Create(t, cfg);
  ASSERT_TRUE(backend.ok()) << backend.error().ToString();
  auto state = (*backend)->Read(nullptr);
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  EXPECT_TRUE(state->target_exists);
  EXPECT_EQ(state->api_calls, 3);  // one paginated listing: three pages, nothing per rule
  ASSERT_EQ(state->owned.size(), 4u);  // the untagged default egress rule is foreign
  std::vector<std::string> keys;
  for (const auto& r : state->owned) keys.push_back(r.rule.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"custom key", "egress tcp/443 203.0.113.0/24",
                                            "egress tcp/8443 pl-0123456789abcdef0",
                                            "egress udp/20000-64999 198.51.100.0/24"}));
  const auto& v6 = state->owned[0];
  EXPECT_EQ(v6.remote_id, "sgr-0a1b2c3d4e5f60004");
  EXPECT_EQ(v6.rule.direction, net::Direction::kIngress);
  EXPECT_EQ(v6.rule.remote_cidrs, std::vector<std::string>{"2001:db8::/32"});
  ASSERT_EQ(v6.rule.allowed.size(), 1u);
  EXPECT_EQ(v6.rule.allowed[0].ports[0], (net::PortRange{5090, 5091}));
  EXPECT_EQ(state->owned[2].rule.remote_prefix_list, "pl-0123456789abcdef0");
  EXPECT_EQ(state->owned[1].rule.description, "Office@Hand HTTPS");
}

TEST(AwsBackendReadTest, RejectsRulesAwsCannotHoldBeforeAnyCall) {
  auto transport = std::make_shared<FakeTransport>([](const http::Request&) -> Result<http::Response> {
    ADD_FAILURE() << "no request expected";
    return XmlResponse(500, "");
  });
  auto client = std::make_shared<Ec2Client>(Ec2Config{"us-east-1", "http://127.0.0.1:9", transport,
                                                      NewStaticCredentials(Credentials{"a", "b", "", std::nullopt, "t"})});
  AwsTarget t;
  t.group_ids = {"sg-1"};
  t.owner_tag_value = "al";
  AwsBackend b(t, client);
  net::FirewallRule r;
  r.key = "k";
  r.allowed = {{net::Transport::kTcp, {{443, 443}}}};
  r.remote_cidrs = {"1.2.3.0/24", "5.6.7.0/24"};
  auto out = b.Apply(LiveState{}, {Change{ChangeKind::kCreate, r, {}}}, nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(out.error->where, "rule k");
  r.remote_cidrs = {"1.2.3.0/24"};
  r.group_index = 3;
  out = b.Apply(LiveState{}, {Change{ChangeKind::kCreate, r, {}}}, nullptr);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_NE(out.error->message.find("group_index 3"), std::string::npos);
  EXPECT_TRUE(out.owned_after.empty());
}

}  // namespace
}  // namespace prov::cloud::aws
