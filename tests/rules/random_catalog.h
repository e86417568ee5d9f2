// Random catalogs for property tests and benchmarks. They exercise every feature of the
// model the compiler reads: includes (and include cycles), per-row direction, qualified
// ports, either/or and "within the supernets" destinations, parameters, LAN-only and
// cloud-to-cloud rows, nested/sibling/overlapping prefixes, IPv6. Deterministic per seed.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "provider/catalog/model.h"
#include "provider/rules/compiler.h"

namespace prov::rules::testing {

class RandomCatalogs {
 public:
  explicit RandomCatalogs(uint64_t seed) : rng_(seed) {}

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Uniform(1, 100) <= percent; }

  net::Cidr RandomCidr(bool allow_v6 = true) {
    net::Cidr c;
    if (allow_v6 && Chance(10)) {
      c.family = net::Family::kIPv6;
      c.addr = {0x20, 0x01, 0x0d, 0xb8, 0, uint8_t(Uniform(0, 3)), uint8_t(Uniform(0, 255)), 0};
      c.prefix_len = Uniform(44, 64);
    } else {
      c.family = net::Family::kIPv4;
      c.addr = {uint8_t(Uniform(10, 11)), uint8_t(Uniform(0, 3)), uint8_t(Uniform(0, 7)),
                uint8_t(Uniform(0, 255))};
      c.prefix_len = Uniform(14, 32);
    }
    // Mask host bits.
    int bytes = c.family == net::Family::kIPv4 ? 4 : 16;
    for (int i = 0; i < bytes; ++i) {
      int bits = c.prefix_len - i * 8;
      if (bits >= 8) continue;
      c.addr[i] &= bits <= 0 ? 0 : uint8_t(0xFF << (8 - bits));
    }
    return c;
  }

  net::PortRange RandomRange() {
    int from;
    if (Chance(20)) {
      from = Uniform(1, 65000);
    } else {
      from = Uniform(1, 60) * 10 + Uniform(0, 3);  // clustered: touching and overlapping
    }
    int len = Chance(60) ? 0 : (Chance(80) ? Uniform(1, 30) : Uniform(100, 20000));
    int to = std::min(65535, from + len);
    return {uint16_t(from), uint16_t(to)};
  }

  catalog::Catalog Make(int services, int rows_per_service) {
    catalog::Catalog cat;
    cat.schema_version = "1";
    cat.version = "random";
    int n_super = Uniform(1, 9);
    for (int i = 0; i < n_super; ++i) cat.supernets.push_back({RandomCidr(), {"random"}});
    for (int s = 0; s < services; ++s) {
      catalog::Service svc;
      svc.id = "svc" + std::to_string(s);
      svc.table = "9." + std::to_string(s);
      svc.title = "Random service " + std::to_string(s);
      int rows = Uniform(1, rows_per_service);
      for (int r = 0; r < rows; ++r) svc.rows.push_back(MakeRow(svc.id, r, services));
      cat.services.push_back(std::move(svc));
    }
    return cat;
  }

  catalog::Row MakeRow(const std::string& service, int r, int services) {
    catalog::Row row;
    row.id = service + ".r" + std::to_string(r);
    row.ordinal = r + 1;
    row.purpose = "random row";
    row.traffic_class = catalog::TrafficClass(Uniform(0, 2));
    row.direction = Chance(80) ? net::Direction::kEgress : net::Direction::kIngress;
    auto& d = row.destinations;
    switch (Uniform(0, 9)) {
      case 0: d.supernets = true; break;
      case 1: d.supernets = true; d.alternatives = true; d.wildcards = {"*.example.net"}; break;
      case 2: d.within_supernets = true; d.fqdns = {"ntp.example.net"}; break;
      case 3: case 4: {
        int n = Uniform(1, 4);
        for (int i = 0; i < n; ++i) d.cidrs.push_back(RandomCidr());
        if (Chance(20)) d.fqdns = {"mixed.example.net"};
        break;
      }
      case 5: d.fqdns = {"only.example.net"}; if (Chance(30)) d.groups["API"] = {"api.example.net"}; break;
      case 6: d.parameters.push_back({"sip_trunk_peers", "peers", true}); break;
      case 7:
        row.direction = net::Direction::kIngress;
        d.cidrs.push_back(RandomCidr(false));
        d.parameters.push_back({"sftp_server_addresses", "server", true});
        break;
      case 8:
        if (Chance(50)) d.parameters.push_back({"rooms_host", "LAN", false});
        else d.traverses_enterprise_network = false;
        break;
      case 9:
        row.include_service = "svc" + std::to_string(Uniform(0, services - 1));
        return row;
    }
    if (Chance(10)) row.condition = Chance(50) ? "ipv6_clients" : "line_sharing";
    int n = Uniform(1, 4);
    for (int i = 0; i < n; ++i) {
      catalog::PortSpec p;
      p.transport = Chance(50) ? net::Transport::kTcp : net::Transport::kUdp;
      p.range = RandomRange();
      int q = Uniform(1, 100);
      if (q <= 60) {
        p.qualifier = catalog::PortQualifier::kDefault;
      } else if (q <= 70) {
        p.qualifier = catalog::PortQualifier::kFallback;
        p.condition = "tcp_fallback";
      } else if (q <= 80) {
        p.qualifier = catalog::PortQualifier::kAlternative;
      } else {
        p.qualifier = catalog::PortQualifier::kConditional;
        const char* conds[] = {"line_sharing", "tcp_fallback", "ipv6_clients", "no_such_condition"};
        p.condition = conds[Uniform(0, 3)];
      }
      if (!d.groups.empty() && Chance(30)) p.applies_to_group = "API";
      row.ports.push_back(p);
    }
    return row;
  }

  Selection MakeSelection(const catalog::Catalog& cat) {
    Selection s;
    if (Chance(70)) {
      for (const auto& svc : cat.services) {
        if (Chance(50)) s.services.push_back(svc.id);
      }
    }
    s.line_sharing = Chance(50);
    s.tcp_fallback = Chance(50);
    s.ipv6_clients = Chance(50);
    int n = Uniform(0, 2);
    for (int i = 0; i < n; ++i) s.sip_trunk_peers.push_back(RandomCidr().ToString());
    n = Uniform(0, 2);
    for (int i = 0; i < n; ++i) s.sftp_server_addresses.push_back(RandomCidr(false).ToString());
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace prov::rules::testing
