// Secrets never leave the process: the transport removes what it sent from an echoed
// answer, and Scrub() catches credential-shaped text from any origin.
#include <gtest/gtest.h>

#include "provider/base/redact.h"
#include "provider/cloud/http/transport.h"
#include "tests/fakes/aws/loopback_server.h"

namespace prov::cloud::http {
namespace {

using prov::testing::LoopbackServer;
using prov::testing::ServerReply;
using prov::testing::ServerRequest;

constexpr const char* kSigV4 =
    "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEKEY123456/20260101/us-east-1/ec2/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr const char* kSessionToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue1234567890";
constexpr const char* kClientSecret = "aZ8~Q_client.secret-VALUE/with+chars";

// Echoes every request header and the form body back in a 400 error, as a broken or
// hostile server might.
LoopbackServer EchoServer() {
  return LoopbackServer([](const ServerRequest& r) {
    std::string body = "<Error><Message>bad request; you sent:";
    for (const auto& [k, v] : r.headers) body += "\n" + k + ": " + v;
    body += "\nbody=" + r.body + "</Message></Error>";
    return ServerReply{400, {{"X-Echo-Token", r.Header("x-amz-security-token")}}, body};
  });
}

TEST(RedactTest, TransportRemovesSentSecretsFromTheAnswer) {
  auto server = EchoServer();
  redact::SecretScope scope;
  Request req;
  req.method = "POST";
  req.url = server.url() + "/";
  req.headers = {{"Authorization", kSigV4},
                 {"X-Amz-Security-Token", kSessionToken},
                 {"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = std::string("grant_type=client_credentials&client_id=abc&client_secret=") +
             "aZ8~Q_client.secret-VALUE%2Fwith%2Bchars";
  auto r = NewCurlTransport()->Do(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body.find("0123456789abcdef0123456789abcdef"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find(kSessionToken), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("client.secret-VALUE"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("[REDACTED]"), std::string::npos);
  EXPECT_NE(r->body.find("client_id=abc"), std::string::npos) << "non-secret text is kept";
  EXPECT_EQ(r->Header("x-echo-token").find(kSessionToken), std::string::npos);
  // The values are known to the call's scope: text built later from them is scrubbed too.
  std::string later = std::string("error: ") + kSessionToken + " / " + kClientSecret;
  std::string scrubbed = redact::Scrub(later);
  EXPECT_EQ(scrubbed.find(kSessionToken), std::string::npos) << scrubbed;
  EXPECT_EQ(scrubbed.find(kClientSecret), std::string::npos) << scrubbed;
}

TEST(RedactTest, PatternsCatchCredentialShapedText) {
  auto s = redact::RedactPatterns(std::string("Authorization: ") + kSigV4 + "\nnext line");
  EXPECT_EQ(s, "Authorization: [REDACTED]\nnext line");
  s = redact::RedactPatterns("{\"access_token\": \"ya29.abcdefghijk\", \"expires_in\": 3599}");
  EXPECT_EQ(s, "{\"access_token\": \"[REDACTED]\", \"expires_in\": 3599}");
  s = redact::RedactPatterns("client_secret=abc%2Fdef&client_id=xyz");
  EXPECT_EQ(s, "client_secret=[REDACTED]&client_id=xyz");
  s = redact::RedactPatterns("header X-Amz-Security-Token: FQoDYXdzEXAMPLE end");
  EXPECT_EQ(s, "header X-Amz-Security-Token: [REDACTED] end");
  s = redact::RedactPatterns("got Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl ok");
  EXPECT_EQ(s.find("eyJ"), std::string::npos) << s;
  EXPECT_NE(s.find("Bearer [REDACTED] ok"), std::string::npos) << s;
  s = redact::RedactPatterns("<SessionToken>FwoGZXIvYXdz</SessionToken>");
  EXPECT_EQ(s.find("FwoGZXIvYXdz"), std::string::npos) << s;
  s = redact::RedactPatterns("proxy http://corp-user:pr0xy-pw@proxy.corp:3128 refused");
  EXPECT_EQ(s, "proxy http://[REDACTED]@proxy.corp:3128 refused");
  // Ordinary text is untouched (an e-mail-like path without a password too).
  EXPECT_EQ(redact::RedactPatterns("https://git@example.com/x"), "https://git@example.com/x");
  const std::string plain = "InvalidPermission.Duplicate: the rule already exists (sg-123, tcp/443)";
  EXPECT_EQ(redact::RedactPatterns(plain), plain);
}

TEST(RedactTest, ShortOrUnscopedValuesAreNotTracked) {
  redact::NoteSecret("a-secret-outside-any-scope");
  EXPECT_EQ(redact::RedactKnown("a-secret-outside-any-scope"), "a-secret-outside-any-scope");
  redact::SecretScope scope;
  redact::NoteSecret("short");
  EXPECT_EQ(redact::RedactKnown("short text"), "short text");
  redact::NoteSecret("long-enough-secret");
  EXPECT_EQ(redact::RedactKnown("x long-enough-secret y"), "x [REDACTED] y");
}

}  // namespace
}  // namespace prov::cloud::http
