// gcp_bench: apply / refresh wall time and API calls for GcpBackend against the fake
// Compute server (tests/fakes/gcp/server.py on 127.0.0.1), for
//   1. the full catalog compiled for GCP (every service, line sharing, TCP fallback,
//      SIP trunk peers and SFTP server given so the parameterised rows compile too), and
//   2. 200 networks, each holding that rule set (the "many allowlists" case).
// Tokens come from the fake's token endpoint via a JWT-bearer exchange, as in production.
// Usage: gcp_bench [source_dir]   (default: $PROV_SOURCE_DIR or the current directory)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "provider/catalog/loader.h"
#include "provider/cloud/gcp/gcp_backend.h"
#include "provider/rules/compiler.h"
#include "tests/fakes/gcp/fake_server.h"

namespace {

using namespace prov;
using namespace prov::cloud;
using namespace prov::cloud::gcp;
using WallClock = std::chrono::steady_clock;

double Ms(WallClock::time_point a, WallClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "gcp_bench: %s: %s\n", what.c_str(), e.ToString().c_str());
  return 1;
}

// The fake's per-operation call counts since the last call, then resets them.
std::string Stats(const std::shared_ptr<http::Transport>& t, const std::string& endpoint, bool reset) {
  http::Request r;
  r.url = endpoint + "/_stats";
  auto resp = t->Do(r);
  if (reset) {
    http::Request d = r;
    d.method = "DELETE";
    (void)t->Do(d);
  }
  return resp.ok() ? resp->body : "{}";
}

}  // namespace

int main(int argc, char** argv) {
  std::string source = argc > 1 ? argv[1] : (std::getenv("PROV_SOURCE_DIR") ? std::getenv("PROV_SOURCE_DIR") : ".");
  const int kNetworks = 200;

  // The rule set: the real compiler's GCP output for the whole catalog.
  rules::Selection sel;
  sel.line_sharing = true;
  sel.tcp_fallback = true;
  sel.sip_trunk_peers = {"203.0.113.0/24"};
  sel.sftp_server_addresses = {"198.51.100.10/32"};
  rules::TargetOptions opts;
  opts.platform = rules::Platform::kGcp;
  opts.name_prefix = "oah";
  opts.priority_from = 1000;
  auto compiled = rules::Compile(catalog::Embedded(), sel, opts);
  if (!compiled.ok()) return Fail("compiling the catalog for GCP", compiled.error());
  const auto& rules = compiled->rules;

  testing::FakeGcpServer server;
  Status started = server.Start(source, {"--firewall-quota", "1000000"});
  if (!started.ok()) return Fail("starting the fake", started.error());
  auto http = http::NewCurlTransport();
  TokenFetchOptions o;
  o.transport = http;
  auto tokens = NewTokenProviderFromJson(ReadAll(server.credentials_file()), o);
  if (!tokens.ok()) return Fail("credentials", tokens.error());
  ComputeConfig cc;
  cc.endpoint = server.compute_endpoint();
  cc.project = server.project();
  cc.transport = http;
  cc.tokens = *tokens;
  auto client = std::make_shared<ComputeClient>(cc);
  if (auto t = (*tokens)->Token(nullptr); !t.ok()) return Fail("token exchange", t.error());

  auto target_for = [&](const std::string& network) {
    GcpTarget t;
    t.project = server.project();
    t.network = network;
    t.name_prefix = "oah";
    t.owner_marker = "[oah:" + network + "]";
    return t;
  };
  auto creates = [&](const std::vector<net::FirewallRule>& rs) {
    std::vector<Change> out;
    for (const auto& r : rs) out.push_back({ChangeKind::kCreate, r, {}});
    return out;
  };
  // Firewall names are per project: give each network's copy its own names.
  auto renamed = [&](int i) {
    auto rs = rules;
    for (auto& r : rs) {
      std::string suffix = "-n" + std::to_string(i);
      std::string base = r.name.substr(0, 63 - suffix.size());
      while (!base.empty() && base.back() == '-') base.pop_back();
      r.name = r.key = base + suffix;
    }
    return rs;
  };

  size_t ports = 0, ranges = 0;
  for (const auto& r : rules) {
    ranges += r.remote_cidrs.size();
    for (const auto& tp : r.allowed) ports += tp.ports.size();
  }
  std::printf("gcp_bench: catalog compiled for GCP: %zu firewall rules (%zu port ranges, %zu CIDRs), strategy %s\n",
              rules.size(), ports, ranges, compiled->strategy.c_str());

  // 1. One network, full rule set.
  GcpBackend one(target_for("default"), client);
  Stats(http, server.compute_endpoint(), true);
  auto t0 = WallClock::now();
  auto out = one.Apply(LiveState{}, creates(rules), nullptr);
  auto t1 = WallClock::now();
  if (out.error) return Fail("apply", *out.error);
  std::printf("apply  (1 network, %zu rules): %8.1f ms, %d API calls  server: %s\n", rules.size(), Ms(t0, t1),
              out.api_calls, Stats(http, server.compute_endpoint(), true).c_str());
  t0 = WallClock::now();
  auto read = one.Read(nullptr);
  t1 = WallClock::now();
  if (!read.ok()) return Fail("refresh", read.error());
  std::printf("refresh(1 network, %zu rules): %8.1f ms, %d API calls  server: %s\n", read->owned.size(), Ms(t0, t1),
              read->api_calls, Stats(http, server.compute_endpoint(), true).c_str());
  std::vector<Change> deletes;
  for (const auto& l : read->owned) deletes.push_back({ChangeKind::kDelete, {}, l});
  t0 = WallClock::now();
  auto del = one.Apply(*read, deletes, nullptr);
  t1 = WallClock::now();
  if (del.error) return Fail("delete", *del.error);
  std::printf("destroy(1 network, %zu rules): %8.1f ms, %d API calls\n", deletes.size(), Ms(t0, t1), del.api_calls);

  // 2. 200 networks.
  for (int i = 0; i < kNetworks; ++i) {
    auto op = client->InsertNetwork("net-" + std::to_string(i), nullptr);
    if (!op.ok()) return Fail("creating networks", op.error());
  }
  Stats(http, server.compute_endpoint(), true);
  int calls = 0;
  t0 = WallClock::now();
  for (int i = 0; i < kNetworks; ++i) {
    GcpBackend b(target_for("net-" + std::to_string(i)), client);
    auto o2 = b.Apply(LiveState{}, creates(renamed(i)), nullptr);
    if (o2.error) return Fail("apply net-" + std::to_string(i), *o2.error);
    calls += o2.api_calls;
  }
  t1 = WallClock::now();
  std::printf("apply  (%d networks x %zu rules): %8.1f ms, %d API calls (%.1f ms/network)\n", kNetworks,
              rules.size(), Ms(t0, t1), calls, Ms(t0, t1) / kNetworks);
  Stats(http, server.compute_endpoint(), true);
  calls = 0;
  size_t seen = 0;
  t0 = WallClock::now();
  for (int i = 0; i < kNetworks; ++i) {
    GcpBackend b(target_for("net-" + std::to_string(i)), client);
    auto r = b.Read(nullptr);
    if (!r.ok()) return Fail("refresh net-" + std::to_string(i), r.error());
    calls += r->api_calls;
    seen += r->owned.size();
  }
  t1 = WallClock::now();
  std::printf("refresh(%d networks, sequential): %8.1f ms, %d API calls, %zu rules seen  server: %s\n", kNetworks,
              Ms(t0, t1), calls, seen, Stats(http, server.compute_endpoint(), true).c_str());
  // Terraform refreshes resources in parallel (-parallelism=10 by default).
  std::atomic<int> next{0}, failures{0};
  std::atomic<size_t> seen_par{0};
  t0 = WallClock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < 10; ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < kNetworks; i = next++) {
        GcpBackend b(target_for("net-" + std::to_string(i)), client);
        auto r = b.Read(nullptr);
        if (!r.ok()) {
          ++failures;
        } else {
          seen_par += r->owned.size();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  t1 = WallClock::now();
  std::printf("refresh(%d networks, 10 threads): %8.1f ms, %zu rules seen, %d failures  server: %s\n", kNetworks,
              Ms(t0, t1), seen_par.load(), failures.load(), Stats(http, server.compute_endpoint(), true).c_str());
  return failures.load() == 0 ? 0 : 1;
}
