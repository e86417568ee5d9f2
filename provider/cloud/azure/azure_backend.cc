#include "provider/cloud/azure/azure_backend.h"

#include "provider/cloud/ownership_marker.h"

#include <algorithm>
#include <map>
#include <set>

#include "provider/cloud/azure/azure_util.h"

namespace prov::cloud::azure {

using internal::EqualsIgnoreCase;

namespace {

bool ValidRuleName(const std::string& n) {
  // Azure: 1-80 chars, starts with a word char, ends with a word char or '_', inside word
  // chars, '.', '-', '_'.
  if (n.empty() || n.size() > static_cast<size_t>(kMaxRuleNameLength)) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(n.front()) || !word(n.back())) return false;
  return std::all_of(n.begin(), n.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

// Cuts at a byte limit without splitting a UTF-8 sequence.
std::string CutUtf8(const std::string& s, size_t limit) {
  if (s.size() <= limit) return s;
  size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  std::string out = s.substr(0, n);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> CanonPrefixes(const std::vector<std::string>& in) {
  std::vector<net::Cidr> cidrs;
  std::vector<std::string> other;
  for (const auto& p : in) {
    if (p == "*" || p.empty()) continue;
    auto c = net::Cidr::Parse(p, /*strict=*/false);
    if (c.ok()) {
      cidrs.push_back(*c);
    } else {
      other.push_back(p);  // service tags and the like: kept verbatim
    }
  }
  std::sort(cidrs.begin(), cidrs.end());
  cidrs.erase(std::unique(cidrs.begin(), cidrs.end()), cidrs.end());
  std::sort(other.begin(), other.end());
  std::vector<std::string> out;
  for (const auto& c : cidrs) out.push_back(c.ToString());
  for (auto& o : other) out.push_back(std::move(o));
  return out;
}

// What the service stores, compared without provenance.
bool SameRemote(const net::FirewallRule& a, const net::FirewallRule& b) {
  return a.name == b.name && a.direction == b.direction && a.allowed == b.allowed &&
         a.remote_cidrs == b.remote_cidrs && a.local_cidrs == b.local_cidrs &&
         a.description == b.description && a.priority == b.priority;
}

const char* AzureDirection(net::Direction d) {
  return d == net::Direction::kEgress ? "Outbound" : "Inbound";
}

}  // namespace

Result<std::unique_ptr<AzureBackend>> AzureBackend::New(AzureTarget target,
                                                        std::shared_ptr<ArmClient> client) {
  PROV_ASSIGN_OR_RETURN(NsgRef nsg, NsgRef::Parse(target.nsg_id));
  if (target.owner_marker.empty())
    return MakeError(ErrorCode::kInvalidArgument, "owner marker must not be empty", "owner_marker");
  if (target.name_prefix.empty() || !ValidRuleName(target.name_prefix + "x"))
    return MakeError(ErrorCode::kInvalidArgument,
                     "name prefix \"" + target.name_prefix +
                         "\" is not a valid start of an Azure rule name",
                     "name_prefix");
  if (target.priority_from < 100 || target.priority_to > 4096 ||
      target.priority_from > target.priority_to)
    return MakeError(ErrorCode::kInvalidArgument,
                     "priority range " + std::to_string(target.priority_from) + ".." +
                         std::to_string(target.priority_to) +
                         " must lie within 100..4096 and not be empty",
                     "priority_from");
  if (target.owner_marker.size() + 1 >= static_cast<size_t>(kMaxDescriptionLength))
    return MakeError(ErrorCode::kInvalidArgument, "owner marker is too long", "owner_marker");
  if (!client) return MakeError(ErrorCode::kInternal, "AzureBackend needs an ArmClient");
  return std::unique_ptr<AzureBackend>(
      new AzureBackend(std::move(target), std::move(nsg), std::move(client)));
}

AzureBackend::AzureBackend(AzureTarget target, NsgRef nsg, std::shared_ptr<ArmClient> client)
    : target_(std::move(target)), nsg_(std::move(nsg)), client_(std::move(client)) {}

bool AzureBackend::Owns(const SecurityRule& r) const {
  return r.name.starts_with(target_.name_prefix) &&
         r.description.find(target_.owner_marker) != std::string::npos &&
         !r.uses_application_security_groups;
}

Result<SecurityRule> AzureBackend::ToSecurityRule(const net::FirewallRule& fr) const {
  std::string name = fr.name.empty() ? fr.key : fr.name;
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "rule \"" + name + "\" cannot be written to " + nsg_.Id() + ": " + why,
                     "rules[\"" + fr.key + "\"]");
  };
  if (!ValidRuleName(name))
    return bad("not a valid Azure rule name (1-80 of A-Z a-z 0-9 _ . -, starting with a "
               "letter, digit or _ and ending with one of those)");
  if (!name.starts_with(target_.name_prefix))
    return bad("the name does not start with the prefix \"" + target_.name_prefix + "\"");
  if (fr.allowed.size() != 1) return bad("an Azure rule carries exactly one protocol");
  if (fr.allowed[0].ports.empty()) return bad("no port ranges");
  if (!fr.remote_prefix_list.empty()) return bad("prefix-list peers exist only on AWS");
  if (fr.remote_cidrs.empty()) return bad("no remote prefixes");
  if (fr.priority < target_.priority_from || fr.priority > target_.priority_to)
    return bad("priority " + std::to_string(fr.priority) + " is outside " +
               std::to_string(target_.priority_from) + ".." + std::to_string(target_.priority_to));
  SecurityRule r;
  r.name = name;
  r.protocol = fr.allowed[0].transport == net::Transport::kTcp ? "Tcp" : "Udp";
  r.access = "Allow";
  r.direction = AzureDirection(fr.direction);
  r.priority = fr.priority;
  for (const auto& p : fr.allowed[0].ports) r.destination_port_ranges.push_back(p.ToString());
  r.source_port_range = "*";
  std::vector<std::string> local = fr.local_cidrs;
  if (fr.direction == net::Direction::kEgress) {
    r.destination_address_prefixes = fr.remote_cidrs;
    r.source_address_prefixes = local;
  } else {
    r.source_address_prefixes = fr.remote_cidrs;
    r.destination_address_prefixes = local;
  }
  size_t room = kMaxDescriptionLength - target_.owner_marker.size() - 1;
  std::string desc = CutUtf8(fr.description, room);
  r.description = desc.empty() ? target_.owner_marker : desc + " " + target_.owner_marker;
  return r;
}

net::FirewallRule AzureBackend::FromSecurityRule(const SecurityRule& r) const {
  net::FirewallRule fr;
  fr.key = r.name;
  fr.name = r.name;
  fr.direction = EqualsIgnoreCase(r.direction, "Outbound") ? net::Direction::kEgress
                                                           : net::Direction::kIngress;
  fr.priority = r.priority;
  std::optional<net::Transport> transport;
  if (EqualsIgnoreCase(r.protocol, "Tcp")) transport = net::Transport::kTcp;
  if (EqualsIgnoreCase(r.protocol, "Udp")) transport = net::Transport::kUdp;
  if (transport) {
    // Other protocols ("*", Icmp, ...) leave `allowed` empty, which never equals a desired
    // rule, so the plan shows the rule as needing an update.
    net::TransportPorts tp;
    tp.transport = *transport;
    bool ok = true;
    for (const auto& p : r.DestinationPorts()) {
      if (p == "*") {
        tp.ports.push_back(net::PortRange{0, 65535});
        continue;
      }
      auto pr = net::PortRange::Parse(p);
      if (!pr.ok()) {
        ok = false;
        break;
      }
      tp.ports.push_back(*pr);
    }
    if (ok && !tp.ports.empty()) {
      tp.ports = net::MergeRanges(std::move(tp.ports));
      fr.allowed.push_back(std::move(tp));
    }
  }
  // A rule whose last operation ended Failed is not known to be enforced: leave `allowed`
  // empty so it never equals a desired rule, and the plan shows it as still to be written.
  if (!r.InForce()) fr.allowed.clear();
  auto src = CanonPrefixes(r.SourcePrefixes());
  auto dst = CanonPrefixes(r.DestinationPrefixes());
  if (fr.direction == net::Direction::kEgress) {
    fr.remote_cidrs = std::move(dst);
    fr.local_cidrs = std::move(src);
  } else {
    fr.remote_cidrs = std::move(src);
    fr.local_cidrs = std::move(dst);
  }
  std::string d = r.description;
  size_t at = d.find(target_.owner_marker);
  if (at != std::string::npos) {
    d.erase(at, target_.owner_marker.size());
    if (at > 0 && at <= d.size() && d[at - 1] == ' ') d.erase(at - 1, 1);
  }
  while (!d.empty() && d.back() == ' ') d.pop_back();
  fr.description = d;
  return fr;
}

Result<LiveState> AzureBackend::Read(const std::atomic<bool>* cancel) {
  int calls0 = ArmClient::CallsOnThisThread();
  auto r = ReadInternal(cancel);
  if (r.ok()) r->api_calls = ArmClient::CallsOnThisThread() - calls0;
  return r;
}

Result<LiveState> AzureBackend::ReadInternal(const std::atomic<bool>* cancel) {
  LiveState st;
  std::vector<SecurityRule> rules;
  if (target_.list_rules) {
    auto listed = client_->ListRules(nsg_, cancel);
    if (!listed.ok()) {
      if (listed.error().code == ErrorCode::kNotFound) {
        st.target_exists = false;
        return st;
      }
      return listed.error();
    }
    rules = std::move(listed).value();
  } else {
    auto g = client_->GetNsg(nsg_, cancel);
    if (!g.ok()) {
      if (g.error().code == ErrorCode::kNotFound) {
        st.target_exists = false;
        return st;
      }
      return g.error();
    }
    rules = std::move(g->security_rules);
  }
  for (const auto& r : rules) {
    if (Owns(r)) {
      LiveRule lr;
      lr.rule = FromSecurityRule(r);
      lr.remote_id = r.id;
      lr.etag = r.etag;
      st.owned.push_back(std::move(lr));
      continue;
    }
    if (EqualsIgnoreCase(r.direction, "Outbound")) {
      st.foreign_priorities_egress.push_back(r.priority);
    } else {
      st.foreign_priorities_ingress.push_back(r.priority);
    }
    LiveRule other;
    if (ParseOwnershipMarker(r.description, &other.owner, &other.allowlist_id)) {
      other.rule = FromSecurityRule(r);
      other.remote_id = r.id;
      st.others.push_back(std::move(other));
    }
  }
  std::sort(st.owned.begin(), st.owned.end(),
            [](const LiveRule& a, const LiveRule& b) { return a.rule.key < b.rule.key; });
  std::sort(st.foreign_priorities_egress.begin(), st.foreign_priorities_egress.end());
  std::sort(st.foreign_priorities_ingress.begin(), st.foreign_priorities_ingress.end());
  return st;
}

Error AzureBackend::ExplainPriorityConflict(const Error& original, const SecurityRule& wanted,
                                            const std::atomic<bool>* cancel) {
  Error e = original;
  e.code = ErrorCode::kConflict;
  auto g = client_->GetNsg(nsg_, cancel);
  if (!g.ok()) return e;
  for (const auto& r : g->security_rules) {
    if (r.name == wanted.name) continue;
    if (r.priority == wanted.priority && EqualsIgnoreCase(r.direction, wanted.direction)) {
      e.message = "security rule " + wanted.name + " cannot take priority " +
                  std::to_string(wanted.priority) + " (" + wanted.direction + ") in " + nsg_.Id() +
                  ": it is held by " + (Owns(r) ? "our rule " : "the rule ") + r.name +
                  (Owns(r) ? "" : ", which this allowlist does not manage and will not change") +
                  "; refresh and plan again so priorities are allocated around it, or narrow "
                  "priority_from/priority_to. (" + original.message + ")";
      return e;
    }
  }
  return e;
}

ApplyOutcome AzureBackend::Apply(const LiveState& before, const std::vector<Change>& changes,
                                 const std::atomic<bool>* cancel) {
  int calls0 = ArmClient::CallsOnThisThread();
  ApplyOutcome out;
  std::map<std::string, LiveRule> live;  // owned rules as we believe them now, by name
  for (const auto& lr : before.owned) live[lr.rule.name.empty() ? lr.rule.key : lr.rule.name] = lr;
  std::vector<LiveRule> maybe;  // creates whose outcome is unknown (lost answer)

  // Validate everything before the first write: a bad rule must not leave a half-applied set.
  struct Planned {
    ChangeKind kind;
    std::string name;
    SecurityRule desired;  // create/update
  };
  std::vector<Planned> deletes, updates, creates;
  for (const auto& c : changes) {
    Planned p{c.kind, {}, {}};
    if (c.kind == ChangeKind::kDelete) {
      p.name = c.current.rule.name.empty() ? c.current.rule.key : c.current.rule.name;
      if (!p.name.starts_with(target_.name_prefix)) {
        out.error = MakeError(ErrorCode::kInvalidArgument,
                              "refusing to delete rule " + p.name + " in " + nsg_.Id() +
                                  ": it does not carry the prefix \"" + target_.name_prefix + "\"");
        break;
      }
      deletes.push_back(std::move(p));
      continue;
    }
    auto sr = ToSecurityRule(c.desired);
    if (!sr.ok()) {
      out.error = sr.error();
      break;
    }
    p.name = sr->name;
    p.desired = std::move(sr).value();
    if (c.kind == ChangeKind::kUpdate) {
      std::string cur = c.current.rule.name.empty() ? c.current.rule.key : c.current.rule.name;
      if (cur != p.name) {
        out.error = MakeError(ErrorCode::kInvalidArgument,
                              "update of rule " + cur + " would rename it to " + p.name +
                                  ": a rename is a delete plus a create");
        break;
      }
      if (!live.count(p.name)) live[p.name] = c.current;
      updates.push_back(std::move(p));
    } else {
      creates.push_back(std::move(p));
    }
  }

  // 0. Before any write: the names the creates want, as the NSG has them now.
  std::map<std::string, SecurityRule> present;  // lower-cased name -> rule
  if (!out.error && !creates.empty()) {
    Result<std::vector<SecurityRule>> listed = std::vector<SecurityRule>{};
    if (target_.list_rules) {
      listed = client_->ListRules(nsg_, cancel);
    } else {
      auto g = client_->GetNsg(nsg_, cancel);
      if (g.ok()) {
        listed = std::move(g->security_rules);
      } else {
        listed = g.error();
      }
    }
    if (!listed.ok()) {
      out.error = listed.error();
    } else {
      for (auto& r : *listed) present[internal::ToLower(r.name)] = std::move(r);
    }
    // A name held by someone else stops the creates before the first of them is written.
    for (const auto& c : creates) {
      if (out.error) break;
      auto it = present.find(internal::ToLower(c.name));
      if (it != present.end() && !Owns(it->second)) {
        out.error = MakeError(ErrorCode::kAlreadyExists,
                              "cannot create security rule " + c.name + " in " + nsg_.Id() +
                                  ": a rule named " + it->second.name +
                                  " already exists and is not managed by this allowlist; it "
                                  "was left unchanged (no rule was created)");
      }
    }
  }

  // Writes one rule and confirms the outcome. `create` = the plan expects no rule of that
  // name (the caller read first and found none, or found our own). Handles:
  //  - 412: the NSG-wide etag moved (any write to the NSG moves every rule's etag). Re-read:
  //    our content in force = our own write whose answer was lost (done); the content we
  //    read before = a sibling write moved the etag (retry with the fresh etag); anything
  //    else = someone else changed or took the rule (stop, nothing overwritten);
  //  - an operation that ended Failed or Canceled: re-read; our content in force = done
  //    (a later identical write superseded ours); otherwise write again, bounded.
  constexpr int kMaxWrites = 6;          // PUTs per rule in one apply
  constexpr int kMaxBadOperations = 3;   // of which ended Failed/Canceled
  auto write_rule = [&](const SecurityRule& desired, bool create) -> Status {
    std::string etag = create ? std::string() : live[desired.name].etag;
    net::FirewallRule before = create ? net::FirewallRule{} : live[desired.name].rule;
    int bad_operations = 0;
    Error last;
    for (int attempt = 0; attempt < kMaxWrites; ++attempt) {
      SecurityRule d = desired;
      d.etag = etag;
      PutMode mode = create ? PutMode::kCreateOnly
                            : (etag.empty() ? PutMode::kUnconditional : PutMode::kIfMatch);
      OperationEnd end;
      auto put = client_->PutRule(nsg_, d, mode, cancel, &end);
      if (put.ok()) {
        LiveRule& cur = live[desired.name];
        cur.rule = FromSecurityRule(desired);
        cur.etag = put->etag;
        cur.remote_id = put->id;
        return Status::Ok();
      }
      Error e = put.error();
      last = e;
      if (e.remote_code == "SecurityRuleConflict") return ExplainPriorityConflict(e, desired, cancel);
      const bool precondition = e.http_status == 412;
      if (!precondition && !end.ended_badly()) return e;
      auto fresh = client_->GetRule(nsg_, desired.name, cancel);
      if (!fresh.ok() && fresh.error().code != ErrorCode::kNotFound) return fresh.error();
      if (fresh.ok() && Owns(*fresh) && fresh->SameContent(desired) && fresh->InForce()) {
        // Our own write is in force (its answer was lost, or a later identical write won).
        LiveRule& cur = live[desired.name];
        cur.rule = FromSecurityRule(*fresh);
        cur.etag = fresh->etag;
        cur.remote_id = fresh->id;
        return Status::Ok();
      }
      if (fresh.ok() && !Owns(*fresh)) {
        Error g = e;
        g.code = ErrorCode::kConflict;
        g.message = "security rule " + desired.name + " in " + nsg_.Id() +
                    " exists and is not managed by this allowlist (someone else wrote it since "
                    "it was read); it was left unchanged. Refresh and plan again.";
        return g;
      }
      if (end.ended_badly()) {
        if (++bad_operations >= kMaxBadOperations) {
          Error g = e;
          g.code = ErrorCode::kUnavailable;
          g.message = "security rule " + desired.name + " in " + nsg_.Id() + ": the write ended " +
                      end.status + " " + std::to_string(bad_operations) +
                      " times, so it is not in force (" + e.message +
                      "). The state records what is in force; plan again to see what is left, "
                      "then apply again.";
          return g;
        }
        // Write again: over what is there now (ours, or nothing).
        create = !fresh.ok();
        etag = fresh.ok() ? fresh->etag : std::string();
        if (fresh.ok()) before = FromSecurityRule(*fresh);
        continue;
      }
      // 412.
      if (create) {
        if (!fresh.ok()) continue;  // gone again meanwhile: try the create once more
        // Ours (the marker says so) with other content: write it as an update.
        create = false;
        etag = fresh->etag;
        before = FromSecurityRule(*fresh);
        continue;
      }
      if (!fresh.ok()) {
        Error g = e;
        g.message = "security rule " + desired.name + " in " + nsg_.Id() +
                    " was deleted by someone else since it was read; nothing was written. "
                    "Refresh and apply again to recreate it.";
        return g;
      }
      if (!SameRemote(FromSecurityRule(*fresh), before)) {
        Error g = e;
        g.code = ErrorCode::kConflict;
        g.message = "security rule " + desired.name + " in " + nsg_.Id() +
                    " was changed by someone else since it was read (etag " + etag +
                    " is now " + fresh->etag +
                    "); it was not overwritten. Refresh and plan again to review the change.";
        return g;
      }
      etag = fresh->etag;  // same content, the NSG's etag moved: try again
    }
    Error g = last;
    g.code = ErrorCode::kUnavailable;
    g.message = "security rule " + desired.name + " in " + nsg_.Id() + " could not be written in " +
                std::to_string(kMaxWrites) + " attempts: the network security group kept changing (" +
                last.message + "). Plan again and apply.";
    return g;
  };
  auto write_update = [&](const SecurityRule& desired) -> Status {
    return write_rule(desired, /*create=*/false);
  };

  // 1. Deletes.
  if (!out.error) {
    for (const auto& d : deletes) {
      Status s = Status::Ok();
      for (int attempt = 0;; ++attempt) {
        OperationEnd end;
        s = client_->DeleteRule(nsg_, d.name, cancel, &end);
        if (s.ok() || !end.ended_badly()) break;
        // The delete ended Failed/Canceled: done if the rule is gone anyway, else again.
        auto fresh = client_->GetRule(nsg_, d.name, cancel);
        if (!fresh.ok() && fresh.error().code == ErrorCode::kNotFound) {
          s = Status::Ok();
          break;
        }
        if (attempt + 1 >= kMaxBadOperations) {
          Error g = s.error();
          g.message = "security rule " + d.name + " in " + nsg_.Id() + ": the delete ended " +
                      end.status + " " + std::to_string(attempt + 1) +
                      " times, so the rule is still there (" + g.message +
                      "). Plan again to see what is left, then apply again.";
          s = g;
          break;
        }
      }
      if (!s.ok()) {
        out.error = s.error();
        break;
      }
      live.erase(d.name);
    }
  }

  // 2. Updates, ordered so a rule moves into a priority only after its holder moved away;
  // a cycle (two owned rules swapping) goes through a free temporary priority.
  if (!out.error && !updates.empty()) {
    auto slot = [](const SecurityRule& r) {
      return std::make_pair(internal::ToLower(r.direction), r.priority);
    };
    auto slot_of_live = [](const LiveRule& l) {
      return std::make_pair(std::string(l.rule.direction == net::Direction::kEgress ? "outbound"
                                                                                    : "inbound"),
                            l.rule.priority);
    };
    std::map<std::pair<std::string, int>, std::string> holder;
    for (const auto& [n, l] : live) holder[slot_of_live(l)] = n;
    std::set<std::pair<std::string, int>> taken;  // foreign + every target slot
    for (int p : before.foreign_priorities_egress) taken.insert({"outbound", p});
    for (int p : before.foreign_priorities_ingress) taken.insert({"inbound", p});
    for (const auto& u : updates) taken.insert(slot(u.desired));
    for (const auto& c : creates) taken.insert(slot(c.desired));
    std::vector<Planned*> pending;
    for (auto& u : updates) pending.push_back(&u);
    std::set<std::string> pending_names;
    for (auto* p : pending) pending_names.insert(p->name);
    while (!pending.empty() && !out.error) {
      bool progress = false;
      for (size_t i = 0; i < pending.size() && !out.error;) {
        Planned* p = pending[i];
        auto it = holder.find(slot(p->desired));
        bool blocked = it != holder.end() && it->second != p->name && pending_names.count(it->second);
        if (blocked) {
          ++i;
          continue;
        }
        auto old_slot = slot_of_live(live[p->name]);
        Status s = write_update(p->desired);
        if (!s.ok()) {
          out.error = s.error();
          break;
        }
        if (holder[old_slot] == p->name) holder.erase(old_slot);
        holder[slot(p->desired)] = p->name;
        pending_names.erase(p->name);
        pending.erase(pending.begin() + static_cast<long>(i));
        progress = true;
      }
      if (out.error || pending.empty() || progress) continue;
      // Deadlock: park the first pending rule on a free priority of its direction.
      Planned* p = pending.front();
      SecurityRule parked = p->desired;
      std::string dir = internal::ToLower(parked.direction);
      int free_prio = 0;
      for (int q = target_.priority_to; q >= target_.priority_from; --q) {
        if (!taken.count({dir, q}) && !holder.count({dir, q})) {
          free_prio = q;
          break;
        }
      }
      if (free_prio == 0) {
        out.error = MakeError(ErrorCode::kResourceExhausted,
                              "no free priority in " + std::to_string(target_.priority_from) +
                                  ".." + std::to_string(target_.priority_to) +
                                  " to reorder rules in " + nsg_.Id());
        break;
      }
      parked.priority = free_prio;
      auto old_slot = slot_of_live(live[p->name]);
      Status s = write_update(parked);
      if (!s.ok()) {
        out.error = s.error();
        break;
      }
      if (holder[old_slot] == p->name) holder.erase(old_slot);
      holder[{dir, free_prio}] = p->name;
      taken.insert({dir, free_prio});
    }
  }

  // 3. Creates. The specification declares no If-None-Match for security rules, so a
  // create must not count on the header to keep someone else's rule of the same name
  // intact: read the NSG first, refuse a name that exists and is not ours, and write our
  // own (a create whose answer was lost earlier) as an update. The header is still sent.
  if (!out.error && !creates.empty()) {
    for (const auto& c : creates) {
      if (out.error) break;
      auto it = present.find(internal::ToLower(c.name));
      bool create = true;
      if (it != present.end()) {
        const SecurityRule& there = it->second;
        if (there.SameContent(c.desired) && there.InForce()) {
          LiveRule lr;  // ours already (an earlier create whose answer was lost)
          lr.rule = FromSecurityRule(there);
          lr.etag = there.etag;
          lr.remote_id = there.id;
          live[c.name] = lr;
          continue;
        }
        LiveRule& lr = live[c.name];
        lr.rule = FromSecurityRule(there);
        lr.etag = there.etag;
        lr.remote_id = there.id;
        create = false;
      }
      Status s = write_rule(c.desired, create);
      if (!s.ok()) {
        const Error& e = s.error();
        if (create && WriteOutcomeUnknown(e)) {  // a lost answer: the rule may exist; settled by refresh
          LiveRule lr;
          lr.rule = FromSecurityRule(c.desired);
          lr.unconfirmed = true;
          maybe.push_back(std::move(lr));
        }
        out.error = e;
      }
    }
  }

  // What exists now: one re-read (fresh etags, and the truth after a partial failure).
  auto after = ReadInternal(cancel);
  if (after.ok()) {
    out.owned_after = std::move(after->owned);
  } else {
    for (auto& [n, l] : live) out.owned_after.push_back(l);
    for (auto& l : maybe) out.owned_after.push_back(l);  // settled by the next refresh
    if (!out.error) out.error = after.error();
  }
  out.api_calls = ArmClient::CallsOnThisThread() - calls0;
  return out;
}

}  // namespace prov::cloud::azure
