// Azure NSG backend figures against the loopback fake ARM server (tests/fakes/azure):
// apply and refresh of a catalog-sized rule set into one NSG, then the same across 200
// NSGs (8 worker threads; writes per NSG are serialized, NSGs run in parallel).
// Wall times are loopback times (the fake answers in ~1 ms and reports operations done on
// the second poll); the API call counts are what carries over to real ARM.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "provider/cloud/azure/azure_backend.h"
#include "tests/fakes/azure/fake_arm_server.h"

using namespace prov;
using namespace prov::cloud;
using namespace prov::cloud::azure;

namespace {

net::FirewallRule Rule(const std::string& name, net::Direction dir, net::Transport tr,
                       std::vector<std::pair<int, int>> ports, std::vector<std::string> cidrs,
                       int priority, const std::string& desc) {
  net::FirewallRule r;
  r.key = r.name = name;
  r.direction = dir;
  net::TransportPorts tp{tr, {}};
  for (auto [a, b] : ports)
    tp.ports.push_back(net::PortRange{static_cast<uint16_t>(a), static_cast<uint16_t>(b)});
  r.allowed.push_back(tp);
  r.remote_cidrs = std::move(cidrs);
  r.priority = priority;
  r.description = desc;
  return r;
}

// Shaped like the compiled Office@Hand catalog for Azure: the supernets carry the bulk
// (TCP and UDP rules with many ports and prefixes each), plus per-service rules.
std::vector<net::FirewallRule> CatalogSizedRules() {
  std::vector<std::string> supernets = {"66.81.240.0/20", "80.81.128.0/20", "103.44.68.0/22",
                                        "104.245.56.0/21", "185.23.248.0/22", "192.209.24.0/21",
                                        "199.68.212.0/22", "199.255.120.0/22", "208.87.40.0/22"};
  std::vector<net::FirewallRule> rules;
  rules.push_back(Rule("oah-egress-tcp-supernets", net::Direction::kEgress, net::Transport::kTcp,
                       {{80, 80}, {443, 443}, {5090, 5091}, {5097, 5097}, {8083, 8090}},
                       supernets, 1000, "Office@Hand signalling and HTTPS"));
  rules.push_back(Rule("oah-egress-udp-supernets", net::Direction::kEgress, net::Transport::kUdp,
                       {{5090, 5091}, {8801, 8802}, {20000, 64999}}, supernets, 1001,
                       "Office@Hand media"));
  for (int i = 0; i < 10; ++i) {
    rules.push_back(Rule("oah-egress-svc" + std::to_string(i), net::Direction::kEgress,
                         i % 2 ? net::Transport::kUdp : net::Transport::kTcp,
                         {{3000 + i, 3000 + i}, {4000 + i, 4010 + i}},
                         {"198.51.100." + std::to_string(i * 8) + "/29", "192.0.2.0/24"},
                         1002 + i, "service " + std::to_string(i)));
  }
  return rules;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

int main() {
  if (std::getenv("PROV_SOURCE_DIR") == nullptr) {
    std::string here = __FILE__;  // <src>/bench/azure_bench.cc
    setenv("PROV_SOURCE_DIR", here.substr(0, here.rfind("/bench/")).c_str(), 1);
  }
  testing::FakeArmServer server({"--retry-after", "0", "--async-polls", "1", "--page-size", "50"});
  if (!server.ok()) {
    std::fprintf(stderr, "azure_bench: %s\n", server.error().c_str());
    return 1;
  }
  auto transport = http::NewCurlTransport();
  ArmConfig cfg;
  cfg.retry.base_delay = std::chrono::milliseconds(5);
  auto client = server.NewClient(transport, cfg);
  auto rules = CatalogSizedRules();
  auto make_backend = [&](const std::string& nsg) {
    AzureTarget t;
    t.nsg_id = server.NsgId("rg-bench", nsg);
    t.name_prefix = "oah-";
    t.owner_marker = "[oah:bench]";
    return std::move(AzureBackend::New(t, client)).value();
  };
  std::vector<Change> creates;
  for (const auto& r : rules) creates.push_back(Change{ChangeKind::kCreate, r, {}});

  // One NSG.
  if (!server.CreateNsg(*client, "rg-bench", "nsg-one").ok()) return 1;
  auto one = make_backend("nsg-one");
  auto t0 = std::chrono::steady_clock::now();
  auto before = one->Read(nullptr);
  auto applied = one->Apply(*before, creates, nullptr);
  auto t1 = std::chrono::steady_clock::now();
  if (applied.error) {
    std::fprintf(stderr, "apply failed: %s\n", applied.error->ToString().c_str());
    return 1;
  }
  auto refreshed = one->Read(nullptr);
  auto t2 = std::chrono::steady_clock::now();
  std::printf("azure: one NSG, %zu rules: apply %.1f ms, %d API calls (read %d + apply %d: "
              "read of names before creating + PUT + LRO polls per rule + 1 re-read)\n",
              rules.size(), Ms(t1 - t0), before->api_calls + applied.api_calls, before->api_calls,
              applied.api_calls);
  std::printf("azure: one NSG refresh: %.2f ms, %d API call(s), %zu owned rules\n", Ms(t2 - t1),
              refreshed->api_calls, refreshed->owned.size());
  // No-op apply (nothing changed) costs only the final re-read.
  auto noop = one->Apply(*refreshed, {}, nullptr);
  std::printf("azure: one NSG no-change apply: %d API call(s)\n", noop.api_calls);

  // 200 NSGs.
  constexpr int kNsgs = 200;
  constexpr int kThreads = 8;
  for (int i = 0; i < kNsgs; ++i) {
    if (!server.CreateNsg(*client, "rg-bench", "nsg-" + std::to_string(i)).ok()) return 1;
  }
  std::atomic<int> next{0}, calls{0}, failures{0};
  auto run = [&](bool apply) {
    std::vector<std::thread> ts;
    for (int k = 0; k < kThreads; ++k) {
      ts.emplace_back([&] {
        for (int i; (i = next.fetch_add(1)) < kNsgs;) {
          auto b = make_backend("nsg-" + std::to_string(i));
          auto st = b->Read(nullptr);
          if (!st.ok()) {
            ++failures;
            continue;
          }
          calls += st->api_calls;
          if (apply) {
            auto out = b->Apply(*st, creates, nullptr);
            calls += out.api_calls;
            if (out.error) ++failures;
          }
        }
      });
    }
    for (auto& t : ts) t.join();
  };
  auto a0 = std::chrono::steady_clock::now();
  run(true);
  auto a1 = std::chrono::steady_clock::now();
  int apply_calls = calls.exchange(0);
  next = 0;
  run(false);
  auto a2 = std::chrono::steady_clock::now();
  std::printf("azure: %d NSGs x %zu rules, %d threads: apply %.0f ms, %d API calls (%.1f per NSG)\n",
              kNsgs, rules.size(), kThreads, Ms(a1 - a0), apply_calls,
              apply_calls / static_cast<double>(kNsgs));
  std::printf("azure: %d NSGs refresh: %.0f ms, %d API calls (%.1f per NSG), failures %d\n",
              kNsgs, Ms(a2 - a1), calls.load(), calls.load() / static_cast<double>(kNsgs),
              failures.load());
  return failures.load() == 0 ? 0 : 1;
}
