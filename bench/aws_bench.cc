// AWS adapter figures against moto behind tests/fakes/aws/server.py (loopback, SigV4
// checked on every request): API calls and wall time for
//   1. applying ~72 rules into an empty security group,
//   2. refreshing that allowlist (Read),
//   3. refreshing 200 groups (one allowlist each).
// Needs python3 with moto; finds server.py via PROV_SOURCE_DIR or the working directory.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "provider/cloud/aws/aws_backend.h"
#include "tests/fakes/aws/aws_fake_server.h"

namespace {

using namespace prov;
using namespace prov::cloud;
using namespace prov::cloud::aws;

std::string FindSourceDir() {
  if (const char* d = std::getenv("PROV_SOURCE_DIR")) return d;
  for (auto p = std::filesystem::current_path(); !p.empty(); p = p.parent_path()) {
    if (std::filesystem::exists(p / "tests/fakes/aws/server.py")) return p.string();
    if (p == p.parent_path()) break;
  }
  return ".";
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

net::FirewallRule Rule(net::Direction dir, net::Transport t, uint16_t from, uint16_t to, const std::string& cidr) {
  net::FirewallRule r;
  r.direction = dir;
  r.allowed = {{t, {{from, to}}}};
  r.remote_cidrs = {cidr};
  r.description = "Office@Hand bench";
  r.key = std::string(net::DirectionName(dir)) + " " + net::TransportName(t) + "/" +
          (from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to)) + " " + cidr;
  return r;
}

// 72 rules in the shape the AWS renderer emits for a full Office@Hand allowlist: a few
// port ranges per transport times a couple of dozen vendor CIDRs, both directions.
std::vector<Change> SeventyTwoRules() {
  std::vector<Change> out;
  for (int i = 0; i < 24; ++i) {
    std::string cidr = "203.0." + std::to_string(i) + ".0/24";
    out.push_back({ChangeKind::kCreate, Rule(net::Direction::kEgress, net::Transport::kTcp, 443, 443, cidr), {}});
    out.push_back({ChangeKind::kCreate, Rule(net::Direction::kEgress, net::Transport::kUdp, 20000, 64999, cidr), {}});
  }
  for (int i = 0; i < 24; ++i) {
    out.push_back({ChangeKind::kCreate,
                   Rule(net::Direction::kIngress, net::Transport::kUdp, 5090, 5091,
                        "198.51." + std::to_string(i) + ".0/24"),
                   {}});
  }
  return out;
}

}  // namespace

int main() {
  prov::testing::AwsFakeServer server(FindSourceDir());
  if (!server.ok()) {
    std::fprintf(stderr, "aws_bench: %s\n", server.error().c_str());
    return 1;
  }
  AwsConfig cfg;
  cfg.region = "us-east-1";
  cfg.ec2_endpoint = server.endpoint();
  cfg.credentials_provider = NewStaticCredentials(Credentials{"testing", "testing", "", std::nullopt, "bench"});
  auto client_or = NewEc2Client(cfg);
  if (!client_or.ok()) return 1;
  auto client = *client_or;
  auto vpc = client->CreateVpc("10.0.0.0/16", nullptr);
  auto sg = vpc.ok() ? client->CreateSecurityGroup("bench-0", "bench", *vpc, nullptr) : Result<std::string>(vpc.error());
  if (!sg.ok()) {
    std::fprintf(stderr, "aws_bench: setup failed: %s\n", sg.error().ToString().c_str());
    return 1;
  }

  AwsTarget target;
  target.group_ids = {*sg};
  target.owner_tag_value = "bench";
  AwsBackend backend(target, client);
  auto changes = SeventyTwoRules();
  server.ResetStats();
  auto t0 = std::chrono::steady_clock::now();
  ApplyOutcome applied = backend.Apply(LiveState{}, changes, nullptr);
  auto t1 = std::chrono::steady_clock::now();
  if (applied.error) {
    std::fprintf(stderr, "aws_bench: apply failed: %s\n", applied.error->ToString().c_str());
    return 1;
  }
  auto stats = server.Stats();
  std::printf("aws apply: %zu rules into an empty group: %d API calls (%d HTTP requests seen by the proxy), %.1f ms\n",
              changes.size(), applied.api_calls, stats.value("total", 0), Ms(t1 - t0));
  std::printf("  per action: %s\n", stats["actions"].dump().c_str());

  server.ResetStats();
  t0 = std::chrono::steady_clock::now();
  auto state = backend.Read(nullptr);
  t1 = std::chrono::steady_clock::now();
  if (!state.ok()) return 1;
  std::printf("aws refresh: 1 allowlist (%zu owned rules): %d API calls, %.1f ms\n", state->owned.size(),
              state->api_calls, Ms(t1 - t0));

  // 200 groups, each with its own small allowlist (3 rules), refreshed one after another.
  const int kGroups = 200;
  std::vector<std::unique_ptr<AwsBackend>> backends;
  for (int g = 0; g < kGroups; ++g) {
    auto id = client->CreateSecurityGroup("bench-g" + std::to_string(g), "bench", *vpc, nullptr);
    if (!id.ok()) {
      std::fprintf(stderr, "aws_bench: %s\n", id.error().ToString().c_str());
      return 1;
    }
    AwsTarget t;
    t.group_ids = {*id};
    t.owner_tag_value = "bench-" + std::to_string(g);
    auto b = std::make_unique<AwsBackend>(t, client);
    std::vector<Change> few;
    for (int i = 0; i < 3; ++i) {
      few.push_back({ChangeKind::kCreate,
                     Rule(net::Direction::kEgress, net::Transport::kTcp, 443, 443,
                          "100.64." + std::to_string(g % 250) + "." + std::to_string(i * 16) + "/28"),
                     {}});
    }
    auto o = b->Apply(LiveState{}, few, nullptr);
    if (o.error) {
      std::fprintf(stderr, "aws_bench: %s\n", o.error->ToString().c_str());
      return 1;
    }
    backends.push_back(std::move(b));
  }
  server.ResetStats();
  int calls = 0;
  size_t rules = 0;
  t0 = std::chrono::steady_clock::now();
  for (auto& b : backends) {
    auto s = b->Read(nullptr);
    if (!s.ok()) return 1;
    calls += s->api_calls;
    rules += s->owned.size();
  }
  t1 = std::chrono::steady_clock::now();
  std::printf("aws refresh: %d groups (%zu owned rules): %d API calls, %.1f ms total, %.2f ms per group\n", kGroups,
              rules, calls, Ms(t1 - t0), Ms(t1 - t0) / kGroups);
  std::printf("  signature rejections: %d\n", server.Stats().value("rejected", 0));
  return 0;
}
