// CurlTransport against a loopback server: methods, bodies, lower-cased and joined
// response headers, keep-alive connection reuse, timeouts and dropped connections.
#include <gtest/gtest.h>

#include "provider/cloud/http/transport.h"
#include "tests/fakes/aws/loopback_server.h"

namespace prov::cloud::http {
namespace {

using prov::testing::LoopbackServer;
using prov::testing::ServerReply;
using prov::testing::ServerRequest;

TEST(CurlTransportTest, SendsMethodHeadersAndBodyAndReadsResponse) {
  LoopbackServer server([](const ServerRequest& r) {
    ServerReply reply;
    reply.status = 201;
    reply.headers = {{"X-Echo-Method", r.method}, {"Set-Thing", "a"}, {"set-thing", "b"}};
    reply.body = "got:" + r.body + ":" + r.Header("content-type") + ":" + r.Header("x-custom");
    return reply;
  });
  auto t = NewCurlTransport();
  Request req;
  req.method = "POST";
  req.url = server.url() + "/path?q=1";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"X-Custom", "v1"}};
  req.body = "Action=Test&A=1";
  auto r = t->Do(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "got:Action=Test&A=1:application/x-www-form-urlencoded; charset=utf-8:v1");
  EXPECT_EQ(r->Header("x-echo-method"), "POST");
  EXPECT_EQ(r->Header("set-thing"), "a, b");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/path?q=1");
  EXPECT_EQ(reqs[0].Header("expect"), "");
}

TEST(CurlTransportTest, PutWithEmptyBodySendsZeroLengthAndNoDefaultContentType) {
  LoopbackServer server([](const ServerRequest& r) {
    return ServerReply{200, {}, r.method + "|" + r.Header("content-length") + "|" + r.Header("content-type")};
  });
  auto t = NewCurlTransport();
  Request req;
  req.method = "PUT";
  req.url = server.url() + "/latest/api/token";
  auto r = t->Do(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, "PUT|0|");
}

TEST(CurlTransportTest, ReusesConnectionAcrossCalls) {
  LoopbackServer server([](const ServerRequest&) { return ServerReply{200, {}, "ok"}; });
  auto t = NewCurlTransport();
  for (int i = 0; i < 5; ++i) {
    Request req;
    req.url = server.url() + "/";
    auto r = t->Do(req);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests().size(), 5u);
}

TEST(CurlTransportTest, ReturnsNon2xxAsResponse) {
  LoopbackServer server([](const ServerRequest&) { return ServerReply{503, {{"Retry-After", "2"}}, "busy"}; });
  auto r = NewCurlTransport()->Do(Request{"GET", server.url() + "/"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("retry-after"), "2");
}

TEST(CurlTransportTest, DroppedConnectionIsUnavailable) {
  LoopbackServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.drop = true;
    return reply;
  });
  auto r = NewCurlTransport()->Do(Request{"GET", server.url() + "/x?secret=abc"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  // The query string may carry credentials (presigned URLs): never in errors.
  EXPECT_EQ(r.error().message.find("secret=abc"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("/x"), std::string::npos) << r.error().message;
}

TEST(CurlTransportTest, TimeoutIsDeadlineExceeded) {
  LoopbackServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.delay = std::chrono::milliseconds(1500);
    return reply;
  });
  Request req{"GET", server.url() + "/"};
  req.timeout = std::chrono::milliseconds(200);
  auto r = NewCurlTransport()->Do(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(CurlTransportTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    LoopbackServer server([](const ServerRequest&) { return ServerReply{}; });
    port = server.port();
  }
  Request req{"GET", "http://127.0.0.1:" + std::to_string(port) + "/"};
  req.timeout = std::chrono::milliseconds(2000);
  auto r = NewCurlTransport()->Do(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace prov::cloud::http
