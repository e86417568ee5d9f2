// Stage 1: catalog selection -> neutral flows. See ir.h for the contract.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "provider/rules/ir.h"

namespace prov::rules {
namespace {

constexpr const char* kSipTrunkPeers = "sip_trunk_peers";
constexpr const char* kSftpServerAddresses = "sftp_server_addresses";

Result<std::vector<net::Cidr>> ParseParameter(const std::vector<std::string>& values,
                                              const std::string& name) {
  std::vector<net::Cidr> out;
  for (size_t i = 0; i < values.size(); ++i) {
    auto c = net::Cidr::Parse(values[i]);
    if (!c.ok()) {
      return MakeError(ErrorCode::kInvalidArgument, name + ": " + c.error().message,
                       name + "[" + std::to_string(i) + "]");
    }
    out.push_back(*c);
  }
  return out;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  const size_t sep_len = std::char_traits<char>::length(sep);
  size_t len = 0;
  for (const auto& x : v) len += x.size() + sep_len;
  std::string s;
  s.reserve(len);
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += v[i];
  }
  return s;
}

std::string PortText(const catalog::PortSpec& p) {
  std::string t = net::TransportName(p.transport);
  std::transform(t.begin(), t.end(), t.begin(), ::toupper);
  return t + " " + p.range.ToString();
}

class Resolver {
 public:
  Resolver(const catalog::Catalog& c, const Selection& s) : catalog_(c), sel_(s) {}

  Result<Resolved> Run() {
    PROV_ASSIGN_OR_RETURN(sip_peers_, ParseParameter(sel_.sip_trunk_peers, kSipTrunkPeers));
    PROV_ASSIGN_OR_RETURN(sftp_servers_,
                          ParseParameter(sel_.sftp_server_addresses, kSftpServerAddresses));
    std::vector<net::Cidr> supernets;
    for (const auto& s : catalog_.supernets) supernets.push_back(s.cidr);
    out_.supernets = CollapsePrefixes(std::move(supernets));

    std::map<std::string_view, const catalog::Service*> by_id;
    for (const auto& s : catalog_.services) by_id.emplace(s.id, &s);

    // Process selected services in document order whatever order the user gave, so the
    // output does not depend on it.
    std::set<std::string_view> wanted;
    for (const auto& id : sel_.services) {
      if (!by_id.count(id)) {
        std::vector<std::string> known;
        for (const auto& s : catalog_.services) known.push_back(s.id);
        return MakeError(ErrorCode::kInvalidArgument,
                         "unknown service \"" + id + "\" (known: " + Join(known, ", ") + ")",
                         "services");
      }
      wanted.insert(id);
    }
    // Reserve the output tables once: growing them row by row reallocated vectors of
    // large elements, and each large allocation made malloc consolidate its free lists.
    size_t max_rows = 0, max_flows = 0;
    for (const auto& s : catalog_.services) {
      max_rows += s.rows.size();
      for (const auto& row : s.rows) max_flows += row.ports.size();
    }
    out_.rows.reserve(max_rows);
    out_.unenforceable.reserve(max_rows * 2);
    out_.flows.reserve(max_flows);
    out_.notes.reserve(max_rows + catalog_.advisories.size());
    note_hashes_.reserve(max_rows + catalog_.advisories.size());
    std::deque<const catalog::Service*> queue;
    std::set<std::string_view> seen;
    for (const auto& s : catalog_.services) {
      if (sel_.services.empty() || wanted.count(s.id)) {
        queue.push_back(&s);
        seen.insert(s.id);
      }
    }
    while (!queue.empty()) {
      const catalog::Service* svc = queue.front();
      queue.pop_front();
      for (const auto& row : svc->rows) {
        if (!row.include_service.empty()) {
          auto it = by_id.find(row.include_service);
          if (it == by_id.end()) {
            return MakeError(ErrorCode::kInvalidArgument,
                             "row " + row.id + " includes unknown service \"" +
                                 row.include_service + "\"",
                             "services/" + svc->id + "/" + row.id);
          }
          const std::string& inc = it->second->id;
          if (seen.insert(it->first).second) {
            queue.push_back(it->second);
            Note(row.id + ": includes " + inc + " (Table " + it->second->table +
                 "); its rules are added once");
          } else {
            Note(row.id + ": includes " + inc + " (Table " + it->second->table +
                 "), already selected; configured once");
          }
          continue;
        }
        ResolveRow(*svc, row);
      }
    }
    for (const auto& a : catalog_.advisories) {
      Note("advisory " + a.id + " (section " + a.section + ", not a firewall rule): " +
           (a.requirement.empty() ? a.title : a.requirement));
    }
    return std::move(out_);
  }

 private:
  bool ConditionOn(const std::string& c) const {
    if (c == catalog::kConditionLineSharing) return sel_.line_sharing;
    if (c == catalog::kConditionTcpFallback) return sel_.tcp_fallback;
    if (c == catalog::kConditionIpv6Clients) return sel_.ipv6_clients;
    return false;  // unknown conditions cannot be switched on
  }

  // Dedupe by hash first; compare strings only on a hash match (no copies kept).
  void Note(std::string n) {
    size_t h = std::hash<std::string>()(n);
    auto range = note_hashes_.equal_range(h);
    for (auto it = range.first; it != range.second; ++it) {
      if (out_.notes[it->second] == n) return;
    }
    note_hashes_.emplace(h, out_.notes.size());
    out_.notes.push_back(std::move(n));
  }

  void Unenforce(const catalog::Service& svc, const catalog::Row& row, std::string reason,
                 std::vector<std::string> dest) {
    out_.unenforceable.push_back({row.id, svc.id, std::move(reason), std::move(dest)});
  }

  void ResolveRow(const catalog::Service& svc, const catalog::Row& row) {
    if (!row.condition.empty() && !ConditionOn(row.condition)) {
      Note(row.id + ": skipped, condition " + row.condition + " is off");
      return;
    }
    const catalog::Destinations& d = row.destinations;
    if (!d.traverses_enterprise_network) {
      Note(row.id + ": does not traverse the enterprise network (cloud to cloud); no rule needed");
      return;
    }
    // Ports, by qualifier.
    // Scratch lists kept across rows: per-row vectors were an allocation each.
    std::vector<const catalog::PortSpec*>& ports = ports_scratch_;
    std::vector<const catalog::PortSpec*>& group_ports = group_ports_scratch_;
    ports.clear();
    group_ports.clear();
    std::vector<std::string> alternatives;
    for (const auto& p : row.ports) {
      bool on = true;
      switch (p.qualifier) {
        case catalog::PortQualifier::kDefault:
          break;
        case catalog::PortQualifier::kFallback:
          on = sel_.tcp_fallback;
          if (!on) {
            Note(row.id + ": fallback " + PortText(p) +
                 " not opened (used only when the primary transport is unavailable); "
                 "set tcp_fallback to open it");
          }
          break;
        case catalog::PortQualifier::kAlternative:
          alternatives.push_back(PortText(p));
          break;
        case catalog::PortQualifier::kConditional:
          on = ConditionOn(p.condition);
          if (!on) Note(row.id + ": " + PortText(p) + " not opened, condition " + p.condition + " is off");
          break;
      }
      if (!on) continue;
      (p.applies_to_group.empty() ? ports : group_ports).push_back(&p);
    }
    if (alternatives.size() > 1) {
      Note(row.id + ": " + Join(alternatives, " or ") +
           " are alternatives; a firewall cannot know which one a device uses, so all of them are "
           "allowed wherever this row is allowed");
    }

    std::vector<net::Cidr> remote, local;
    if (d.supernets || d.within_supernets) remote = out_.supernets;
    remote.insert(remote.end(), d.cidrs.begin(), d.cidrs.end());
    bool missing = false;
    for (const auto& p : d.parameters) {
      if (!p.wan) {
        Unenforce(svc, row, "LAN only (no WAN firewall traversal): not a WAN rule", {p.text});
        continue;
      }
      if (p.parameter == kSipTrunkPeers && !sip_peers_.empty()) {
        remote.insert(remote.end(), sip_peers_.begin(), sip_peers_.end());
      } else if (p.parameter == kSftpServerAddresses && !sftp_servers_.empty()) {
        local.insert(local.end(), sftp_servers_.begin(), sftp_servers_.end());
      } else {
        missing = true;
        Unenforce(svc, row, "needs input: " + p.parameter, {p.text});
      }
    }
    // A row missing an input is skipped whole: opening half of it (the Archiver addresses
    // to any local host) would allow more than the vendor asks.
    if (missing) return;

    // The names (FQDNs, wildcards, group hosts, in that order) are only joined into a note
    // for most rows: build the list itself only when it is handed to Unenforce.
    size_t n_names = d.fqdns.size() + d.wildcards.size();
    for (const auto& [group, hosts] : d.groups) n_names += hosts.size();
    auto join_names = [&]() {
      std::string s;
      size_t names_len = 0;
      for (const auto& n : d.fqdns) names_len += n.size() + 2;
      for (const auto& n : d.wildcards) names_len += n.size() + 2;
      for (const auto& [group, hosts] : d.groups) {
        for (const auto& n : hosts) names_len += n.size() + 2;
      }
      s.reserve(names_len);
      bool first = true;
      auto put = [&s, &first](const std::string& n) {
        if (!first) s += ", ";
        first = false;
        s += n;
      };
      for (const auto& n : d.fqdns) put(n);
      for (const auto& n : d.wildcards) put(n);
      for (const auto& [group, hosts] : d.groups) {
        for (const auto& n : hosts) put(n);
      }
      return s;
    };
    bool names_covered = false;
    if (n_names > 0) {
      if (d.supernets && d.alternatives) {
        names_covered = true;
        Note(row.id + ": uses the IP supernets (the row offers supernets or " + join_names() +
             ")");
      } else if (d.within_supernets) {
        names_covered = true;
        Note(row.id + ": " + join_names() +
             " are within the supernets; the supernet rule covers them");
      } else {
        std::vector<std::string> names;
        names.reserve(n_names);
        names.insert(names.end(), d.fqdns.begin(), d.fqdns.end());
        names.insert(names.end(), d.wildcards.begin(), d.wildcards.end());
        for (const auto& [group, hosts] : d.groups) names.insert(names.end(), hosts.begin(), hosts.end());
        // The reason is built before `names` is handed over (argument order is unspecified).
        std::string reason =
            (remote.empty() ? "domain names only: an L3/L4 firewall cannot allow "
                            : "domain names besides the row's addresses: an L3/L4 firewall "
                              "cannot allow ") +
            Join(names, ", ") + "; allow them on a web proxy or an FQDN-capable firewall";
        Unenforce(svc, row, std::move(reason), std::move(names));
      }
    }
    if (names_covered) ports.insert(ports.end(), group_ports.begin(), group_ports.end());
    if (remote.empty() || ports.empty()) return;

    // out_.supernets is collapsed already: most rows name only the supernets, and
    // collapsing them again per row was a fifth of Resolve's time.
    const bool only_supernets = (d.supernets || d.within_supernets) &&
                                remote.size() == out_.supernets.size();
    if (!only_supernets) remote = CollapsePrefixes(std::move(remote));
    if (!local.empty()) local = CollapsePrefixes(std::move(local));
    int idx = static_cast<int>(out_.rows.size());
    out_.rows.push_back({svc.id, row.id, row.traffic_class});
    for (size_t k = 0; k < ports.size(); ++k) {
      const auto* p = ports[k];
      Flow& f = out_.flows.emplace_back();
      f.direction = row.direction;
      f.transport = p->transport;
      f.ports = p->range;
      // The last port takes the peer lists; the others copy them.
      if (k + 1 == ports.size()) {
        f.remote = std::move(remote);
        f.local = std::move(local);
      } else {
        f.remote = remote;
        f.local = local;
      }
      f.row = idx;
    }
  }

  const catalog::Catalog& catalog_;
  const Selection& sel_;
  std::vector<net::Cidr> sip_peers_, sftp_servers_;
  Resolved out_;
  std::unordered_multimap<size_t, size_t> note_hashes_;
  std::vector<const catalog::PortSpec*> ports_scratch_, group_ports_scratch_;  // hash -> index in notes
};

}  // namespace

Result<Resolved> Resolve(const catalog::Catalog& catalog, const Selection& selection) {
  return Resolver(catalog, selection).Run();
}

}  // namespace prov::rules
