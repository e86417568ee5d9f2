#include "provider/cloud/gcp/gcp_backend.h"

#include "provider/cloud/ownership_marker.h"

#include <algorithm>
#include <map>
#include <functional>
#include <regex>

#include "provider/base/log.h"

namespace prov::cloud::gcp {
namespace {

using json = nlohmann::json;

bool ValidName(const std::string& n) {
  static const std::regex kRfc1035("[a-z]([-a-z0-9]*[a-z0-9])?");
  return !n.empty() && n.size() <= 63 && std::regex_match(n, kRfc1035);
}

std::string RegexEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string JoinList(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
  return out + "]";
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Is this failure one where we cannot know whether the write happened? Narrower than
// WriteOutcomeUnknown (shared by the AWS and Azure backends): an HTTP 500 counts as a refusal
// here, as it always has on GCP; whether Compute can start an operation and still answer 500
// is unverified.
bool Ambiguous(const Error& e) {
  return (e.code == ErrorCode::kUnavailable && e.http_status == 0) ||
         e.code == ErrorCode::kDeadlineExceeded || e.code == ErrorCode::kCancelled ||
         e.code == ErrorCode::kDataLoss;
}

void SortTransports(std::vector<net::TransportPorts>* allowed) {
  std::sort(allowed->begin(), allowed->end(), [](const auto& a, const auto& b) {
    return std::tie(a.transport, a.ports) < std::tie(b.transport, b.ports);
  });
}

}  // namespace

GcpBackend::GcpBackend(GcpTarget target, std::shared_ptr<ComputeClient> client)
    : target_(std::move(target)), client_(std::move(client)) {
  if (client_) network_path_ = client_->NetworkPath(target_.network);
}

Status GcpBackend::ValidateTarget() const {
  if (!client_) return MakeError(ErrorCode::kInvalidArgument, "no Compute client", "gcp_firewall");
  if (target_.project.empty() || target_.project != client_->project()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "project \"" + target_.project + "\" does not match the client's \"" +
                         client_->project() + "\"",
                     "gcp_firewall.project");
  }
  if (!ValidName(NetworkName(target_.network))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "network \"" + target_.network + "\" is not a valid network name or path",
                     "gcp_firewall.network");
  }
  if (!ValidName(target_.name_prefix) || target_.name_prefix.size() > 40) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "name_prefix \"" + target_.name_prefix +
                         "\" must match [a-z]([-a-z0-9]*[a-z0-9])? and be at most 40 characters",
                     "gcp_firewall.name_prefix");
  }
  if (target_.priority < 0 || target_.priority > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "priority must be within 0..65535",
                     "gcp_firewall.priority");
  }
  if (target_.owner_marker.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "empty ownership marker", "owner");
  }
  if (!target_.target_tags.empty() && !target_.target_service_accounts.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "target_tags and target_service_accounts cannot be combined in one GCP "
                     "firewall rule",
                     "gcp_firewall.target_tags");
  }
  return Status::Ok();
}

std::string GcpBackend::ListFilter() const {
  // Compute's regular-expression filter: `field eq "RE2 regex"` matching the whole field.
  // The filter's documentation forbids combining regular-expression constraints on more
  // than one field, so only the name is filtered here; the network (a full URL whose host
  // depends on the endpoint) is checked on each listed firewall (Owns).
  return "name eq \"" + RegexEscape(target_.name_prefix) + "-.*\"";
}

bool GcpBackend::Owns(const Firewall& f) const {
  if (f.name.rfind(target_.name_prefix + "-", 0) != 0) return false;
  if (f.description.find(target_.owner_marker) == std::string::npos) return false;
  Firewall n = f;
  NormalizeFirewall(&n);
  std::string expected = network_path_;
  // A network reference without a project names our project.
  return n.network == expected || "projects/" + target_.project + "/" + n.network == expected;
}

Result<Firewall> GcpBackend::ToFirewall(const net::FirewallRule& rule) const {
  PROV_RETURN_IF_ERROR(ValidateTarget());
  Firewall f;
  f.name = rule.name.empty() ? rule.key : rule.name;
  const std::string where = "rules[\"" + rule.key + "\"]";
  if (!ValidName(f.name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "firewall name \"" + f.name +
                         "\" is not an RFC 1035 name of at most 63 characters",
                     where);
  }
  if (f.name.rfind(target_.name_prefix + "-", 0) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "firewall name \"" + f.name + "\" does not start with \"" + target_.name_prefix + "-\"",
                     where);
  }
  f.network = network_path_;
  f.direction = rule.direction == net::Direction::kEgress ? "EGRESS" : "INGRESS";
  f.priority = rule.priority > 0 ? rule.priority : target_.priority;
  if (f.priority > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "priority above 65535", where);
  }
  std::vector<net::Cidr> ranges;
  std::optional<net::Family> family;
  for (const auto& text : rule.remote_cidrs) {
    auto c = net::Cidr::Parse(text, /*strict=*/false);
    if (!c.ok()) {
      return MakeError(ErrorCode::kInvalidArgument, "bad CIDR \"" + text + "\": " + c.error().message, where);
    }
    if (family.has_value() && *family != c->family) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a GCP firewall rule holds IPv4 or IPv6 ranges, not both", where);
    }
    family = c->family;
    ranges.push_back(*c);
  }
  if (ranges.empty()) {
    // An empty list would silently mean 0.0.0.0/0 on the API side.
    return MakeError(ErrorCode::kInvalidArgument, "rule has no remote CIDRs", where);
  }
  std::sort(ranges.begin(), ranges.end());
  ranges.erase(std::unique(ranges.begin(), ranges.end()), ranges.end());
  std::vector<std::string> texts;
  for (const auto& c : ranges) texts.push_back(c.ToString());
  if (rule.direction == net::Direction::kEgress) {
    f.destination_ranges = texts;
  } else {
    f.source_ranges = texts;
  }
  auto allowed = rule.allowed;
  SortTransports(&allowed);
  for (const auto& tp : allowed) {
    if (tp.ports.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "rule allows a transport without ports", where);
    }
    FirewallAllowed a;
    a.ip_protocol = net::TransportName(tp.transport);
    for (const auto& p : net::MergeRanges(tp.ports)) a.ports.push_back(p.ToString());
    f.allowed.push_back(std::move(a));
  }
  if (f.allowed.empty()) return MakeError(ErrorCode::kInvalidArgument, "rule allows nothing", where);
  size_t room = kMaxDescriptionLength - target_.owner_marker.size() - 1;
  std::string desc = rule.description.substr(0, std::min(room, rule.description.size()));
  f.description = desc.empty() ? target_.owner_marker : desc + " " + target_.owner_marker;
  f.target_tags = target_.target_tags;
  f.target_service_accounts = target_.target_service_accounts;
  f.log_enabled = target_.enable_logging;
  return f;
}

std::optional<LiveRule> GcpBackend::ToLiveRule(const Firewall& raw) const {
  if (!Owns(raw)) return std::nullopt;
  Firewall f = raw;
  NormalizeFirewall(&f);
  LiveRule live;
  live.remote_id = f.self_link;
  net::FirewallRule& r = live.rule;
  r.key = r.name = f.name;
  r.priority = f.priority;
  std::vector<std::string> drift;
  bool egress = f.direction == "EGRESS";
  r.direction = egress ? net::Direction::kEgress : net::Direction::kIngress;
  r.remote_cidrs = egress ? f.destination_ranges : f.source_ranges;
  for (const auto& a : f.allowed) {
    auto t = net::ParseTransport(a.ip_protocol);
    if (!t.ok()) {
      drift.push_back("allows protocol " + a.ip_protocol);
      continue;
    }
    net::TransportPorts tp;
    tp.transport = *t;
    if (a.ports.empty()) tp.ports.push_back({0, 65535});
    for (const auto& p : a.ports) {
      auto pr = net::PortRange::Parse(p);
      if (pr.ok()) {
        tp.ports.push_back(*pr);
      } else {
        drift.push_back("unparseable port \"" + p + "\"");
      }
    }
    tp.ports = net::MergeRanges(tp.ports);
    auto same = std::find_if(r.allowed.begin(), r.allowed.end(),
                             [&](const auto& x) { return x.transport == tp.transport; });
    if (same != r.allowed.end()) {
      same->ports.insert(same->ports.end(), tp.ports.begin(), tp.ports.end());
      same->ports = net::MergeRanges(same->ports);
    } else {
      r.allowed.push_back(std::move(tp));
    }
  }
  SortTransports(&r.allowed);
  if (!f.denied.empty()) drift.push_back("has deny entries");
  if (egress && !f.source_ranges.empty()) drift.push_back("sourceRanges " + JoinList(f.source_ranges));
  if (!egress && !f.destination_ranges.empty()) {
    drift.push_back("destinationRanges " + JoinList(f.destination_ranges));
  }
  if (!f.source_tags.empty()) drift.push_back("sourceTags " + JoinList(f.source_tags));
  if (!f.source_service_accounts.empty()) {
    drift.push_back("sourceServiceAccounts " + JoinList(f.source_service_accounts));
  }
  if (f.target_tags != Sorted(target_.target_tags)) {
    drift.push_back("targetTags " + JoinList(f.target_tags) + " instead of " + JoinList(target_.target_tags));
  }
  if (f.target_service_accounts != Sorted(target_.target_service_accounts)) {
    drift.push_back("targetServiceAccounts " + JoinList(f.target_service_accounts) + " instead of " +
                    JoinList(target_.target_service_accounts));
  }
  if (f.log_enabled != target_.enable_logging) {
    drift.push_back(std::string("logging ") + (f.log_enabled ? "enabled" : "disabled"));
  }
  if (f.disabled) drift.push_back("disabled");

  std::string desc = f.description;
  auto pos = desc.find(target_.owner_marker);
  desc.erase(pos, target_.owner_marker.size());
  if (pos > 0 && pos - 1 < desc.size() && desc[pos - 1] == ' ') desc.erase(pos - 1, 1);
  if (!drift.empty()) {
    std::string note;
    for (const auto& d : drift) note += (note.empty() ? "" : "; ") + d;
    desc += " [drift: " + note + "]";
  }
  r.description = desc;
  return live;
}

Result<LiveState> GcpBackend::Read(const std::atomic<bool>* cancel) {
  PROV_RETURN_IF_ERROR(ValidateTarget());
  int calls_before = client_->api_calls();
  LiveState state;
  PROV_ASSIGN_OR_RETURN(std::vector<Firewall> all, client_->ListFirewalls(ListFilter(), cancel));
  bool network_seen = false;
  for (const auto& f : all) {
    Firewall n = f;
    NormalizeFirewall(&n);
    const bool in_network =
        n.network == network_path_ || "projects/" + target_.project + "/" + n.network == network_path_;
    if (in_network) network_seen = true;
    if (auto live = ToLiveRule(f)) {
      state.owned.push_back(std::move(*live));
      continue;
    }
    LiveRule other;
    if (in_network && ParseOwnershipMarker(f.description, &other.owner, &other.allowlist_id)) {
      other.rule.key = other.rule.name = n.name;
      other.rule.direction = n.direction == "EGRESS" ? net::Direction::kEgress : net::Direction::kIngress;
      other.rule.remote_cidrs = n.direction == "EGRESS" ? n.destination_ranges : n.source_ranges;
      other.rule.priority = n.priority;
      other.remote_id = n.self_link;
      state.others.push_back(std::move(other));
    }
  }
  if (!network_seen) {
    // A listed firewall in the network proves the network exists; otherwise (nothing
    // listed, or only firewalls of other networks) one GET tells "no rules" from
    // "network gone".
    auto net = client_->GetNetwork(target_.network, cancel);
    if (!net.ok()) {
      if (net.error().code != ErrorCode::kNotFound) return net.error();
      state.target_exists = false;
    }
  }
  std::sort(state.owned.begin(), state.owned.end(),
            [](const LiveRule& a, const LiveRule& b) { return a.rule.key < b.rule.key; });
  state.api_calls = client_->api_calls() - calls_before;
  return state;
}

ApplyOutcome GcpBackend::Apply(const LiveState& before, const std::vector<Change>& changes,
                               const std::atomic<bool>* cancel) {
  ApplyOutcome out;
  int calls_before = client_ ? client_->api_calls() : 0;
  std::map<std::string, LiveRule> owned;
  for (const auto& l : before.owned) owned[l.rule.name.empty() ? l.rule.key : l.rule.name] = l;
  std::map<std::string, LiveRule> maybe;  // creates whose outcome is unknown (lost answer)
  auto finish = [&]() {
    for (auto& [name, l] : owned) out.owned_after.push_back(l);
    for (auto& [name, l] : maybe)
      if (!owned.count(name)) out.owned_after.push_back(l);
    std::sort(out.owned_after.begin(), out.owned_after.end(),
              [](const LiveRule& a, const LiveRule& b) { return a.rule.key < b.rule.key; });
    out.api_calls = client_ ? client_->api_calls() - calls_before : 0;
    return out;
  };
  auto fail = [&](Error e) {
    if (!out.error.has_value()) out.error = std::move(e);
  };
  if (Status s = ValidateTarget(); !s.ok()) {
    fail(s.error());
    return finish();
  }

  // Plan the work; convert every desired rule first so bad input changes nothing.
  struct Work {
    std::string name;
    Firewall desired;
    net::FirewallRule rule;
    LiveRule current;
  };
  std::vector<Work> deletes, updates, creates;
  for (const auto& c : changes) {
    if (c.kind == ChangeKind::kDelete) {
      std::string name = c.current.rule.name.empty() ? c.current.rule.key : c.current.rule.name;
      deletes.push_back({name, {}, {}, c.current});
      continue;
    }
    auto fw = ToFirewall(c.desired);
    if (!fw.ok()) {
      fail(fw.error());
      return finish();
    }
    Work w{fw->name, *fw, c.desired, c.current};
    auto existing = owned.find(w.name);
    if (existing == owned.end()) {
      creates.push_back(std::move(w));
    } else if (existing->second.rule.direction != c.desired.direction) {
      // direction is immutable: replace.
      w.current = existing->second;
      deletes.push_back({w.name, {}, {}, existing->second});
      creates.push_back(std::move(w));
    } else {
      w.current = existing->second;
      updates.push_back(std::move(w));
    }
  }

  log::Debug("applying GCP firewall changes",
             {{"network", network_path_},
              {"deletes", std::to_string(deletes.size())},
              {"updates", std::to_string(updates.size())},
              {"creates", std::to_string(creates.size())}});

  // What the API will hold after a successful write of `w`.
  auto live_after = [&](const Work& w, const std::string& self_link) {
    LiveRule l;
    l.rule = w.rule;
    l.rule.key = l.rule.name = w.name;
    l.rule.priority = w.desired.priority;
    l.rule.remote_cidrs =
        w.desired.direction == "EGRESS" ? w.desired.destination_ranges : w.desired.source_ranges;
    SortTransports(&l.rule.allowed);
    for (auto& tp : l.rule.allowed) tp.ports = net::MergeRanges(tp.ports);
    size_t room = kMaxDescriptionLength - target_.owner_marker.size() - 1;
    l.rule.description = l.rule.description.substr(0, std::min(room, l.rule.description.size()));
    l.remote_id = self_link.empty() ? w.current.remote_id : self_link;
    return l;
  };
  // After an ambiguous failure, look at the firewall to learn what is true.
  // Returns false when the firewall could not be read (the outcome stays unknown).
  auto settle = [&](const std::string& name) {
    auto got = client_->GetFirewall(name, nullptr);
    if (got.ok()) {
      if (auto live = ToLiveRule(*got)) {
        owned[name] = *live;
      }
    } else if (got.error().code == ErrorCode::kNotFound) {
      owned.erase(name);
    } else {
      return false;  // keep our previous belief
    }
    return true;
  };
  auto cancelled = [&] { return cancel != nullptr && cancel->load(); };

  // Runs one phase: start every write (stopping at the first synchronous failure), then
  // wait for all started operations without the cancel flag so none is left unaccounted.
  struct Started {
    Work* work;
    Operation op;
  };
  auto run_phase = [&](std::vector<Work>& items,
                       const std::function<Result<Operation>(Work&)>& start,
                       const std::function<void(Work&, const Result<Operation>&)>& done) {
    std::vector<Started> started;
    for (auto& w : items) {
      if (out.error.has_value()) break;
      if (cancelled()) {
        fail(MakeError(ErrorCode::kCancelled, "apply cancelled"));
        break;
      }
      auto op = start(w);
      if (!op.ok()) {
        done(w, op);
        continue;
      }
      started.push_back({&w, *op});
    }
    for (auto& s : started) {
      auto r = client_->Wait(s.op, nullptr);
      if (!r.ok() && r.error().code != ErrorCode::kNotFound && !Ambiguous(r.error())) {
        // The operation ended DONE with an error: read the firewall back so what is
        // recorded is what is in force, whatever the operation did or did not change
        // (ambiguous failures are settled by `done`).
        settle(s.work->name);
      }
      done(*s.work, r);
    }
  };

  run_phase(
      deletes, [&](Work& w) { return client_->StartDeleteFirewall(w.name, cancel); },
      [&](Work& w, const Result<Operation>& r) {
        if (r.ok() || r.error().code == ErrorCode::kNotFound) {
          owned.erase(w.name);
        } else {
          if (Ambiguous(r.error())) settle(w.name);
          fail(r.error());
        }
      });
  if (!out.error.has_value()) {
    run_phase(
        updates,
        [&](Work& w) {
          // `name` stays: compute.firewalls.patch requires it (discovery document).
          json patch = FirewallToJson(w.desired);
          patch.erase("network");
          patch.erase("direction");
          // Merge-patch: explicit empties clear anything added by hand.
          for (const char* field : {"targetTags", "targetServiceAccounts", "sourceTags",
                                    "sourceServiceAccounts", "denied"}) {
            if (!patch.contains(field)) patch[field] = json::array();
          }
          if (w.desired.direction == "EGRESS") {
            patch["sourceRanges"] = json::array();
          } else {
            patch["destinationRanges"] = json::array();
          }
          patch["disabled"] = false;
          return client_->StartPatchFirewall(w.name, patch, cancel);
        },
        [&](Work& w, const Result<Operation>& r) {
          if (r.ok()) {
            owned[w.name] = live_after(w, r->target_link);
          } else if (r.error().code == ErrorCode::kNotFound) {
            owned.erase(w.name);  // deleted behind our back: recreate below
            creates.push_back(w);
          } else {
            if (Ambiguous(r.error())) settle(w.name);
            fail(r.error());
          }
        });
  }
  if (!out.error.has_value()) {
    run_phase(
        creates, [&](Work& w) { return client_->StartInsertFirewall(w.desired, cancel); },
        [&](Work& w, const Result<Operation>& r) {
          if (r.ok()) {
            owned[w.name] = live_after(w, r->target_link);
            return;
          }
          const Error& e = r.error();
          if (e.code == ErrorCode::kAlreadyExists) {
            // Ours from an earlier run whose answer was lost? Adopt it; never a foreign one.
            auto got = client_->GetFirewall(w.name, nullptr);
            if (got.ok() && Owns(*got)) {
              json patch = FirewallToJson(w.desired);
              patch.erase("name");
              patch.erase("network");
              patch.erase("direction");
              auto p = client_->PatchFirewall(w.name, patch, nullptr);
              if (p.ok()) {
                owned[w.name] = live_after(w, p->target_link);
                return;
              }
              settle(w.name);
              fail(p.error());
              return;
            }
            if (!got.ok() && got.error().code != ErrorCode::kNotFound) {
              // Most likely our own earlier attempt (a retried insert whose answer was
              // lost), but it cannot be read: unconfirmed, settled by the next refresh.
              LiveRule l = live_after(w, "");
              l.unconfirmed = true;
              maybe[w.name] = l;
              fail(e);
              return;
            }
            Error foreign = e;
            foreign.message = "firewall " + w.name +
                              " already exists and is not owned by this allowlist (its description "
                              "lacks the marker " + target_.owner_marker + " or it is in another network)";
            fail(foreign);
            return;
          }
          if (Ambiguous(e) && !settle(w.name)) {
            // Created or not, we cannot tell: recorded as unconfirmed, settled by the next
            // refresh, never forgotten.
            LiveRule l = live_after(w, "");
            l.unconfirmed = true;
            maybe[w.name] = l;
          }
          fail(e);
        });
  }
  return finish();
}

}  // namespace prov::cloud::gcp
