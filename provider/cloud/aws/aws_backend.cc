#include "provider/cloud/aws/aws_backend.h"

#include "provider/cloud/ownership_marker.h"

#include <algorithm>
#include <map>
#include <thread>

#include "provider/base/log.h"

namespace prov::cloud::aws {
namespace {

using net::FirewallRule;

std::string PortsText(int from, int to) {
  return from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to);
}

Peer::Kind KindOfCidr(const std::string& cidr) {
  return cidr.find(':') != std::string::npos ? Peer::Kind::kIpv6 : Peer::Kind::kIpv4;
}

// Content identity of a rule inside one group: what AWS itself treats as a duplicate.
std::string Signature(bool egress, const std::string& proto, int from, int to, const std::string& peer) {
  return std::string(egress ? "E" : "I") + "|" + proto + "|" + std::to_string(from) + "|" + std::to_string(to) +
         "|" + peer;
}

std::string PeerOf(const SecurityGroupRule& r) {
  if (!r.cidr_ipv4.empty()) return r.cidr_ipv4;
  if (!r.cidr_ipv6.empty()) return r.cidr_ipv6;
  if (!r.prefix_list_id.empty()) return r.prefix_list_id;
  return r.referenced_group_id;
}

std::string SignatureOf(const SecurityGroupRule& r) {
  return Signature(r.is_egress, r.ip_protocol, r.from_port, r.to_port, PeerOf(r));
}

void DefaultSleep(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

bool IsOwned(const SecurityGroupRule& r, const AwsTarget& t) {
  auto v = r.TagValue(t.owner_tag_key);
  if (!v || *v != t.owner_tag_value) return false;
  auto id = r.TagValue(t.id_tag_key);
  return id.value_or("") == t.allowlist_id;
}

// Marked by some allowlist (ours or another): carries the owner tag.
bool HasMarker(const SecurityGroupRule& r, const AwsTarget& t) { return r.TagValue(t.owner_tag_key).has_value(); }

// Lost answers and server errors leave it open whether the call took effect.
bool SameExceptDescription(const FirewallRule& a, const FirewallRule& b) {
  return a.direction == b.direction && a.allowed == b.allowed && a.remote_cidrs == b.remote_cidrs &&
         a.remote_prefix_list == b.remote_prefix_list && a.group_index == b.group_index;
}

}  // namespace

// A desired rule flattened to what one AWS rule is.
struct AwsBackend::Desired {
  FirewallRule rule;
  std::string proto;
  int from = 0, to = 0;
  Peer peer;
  std::string signature;
};

namespace {

Result<AwsBackend::Desired> Flatten(const FirewallRule& r, size_t groups);

}  // namespace

std::string DerivedRuleKey(const SecurityGroupRule& r) {
  return std::string(r.is_egress ? "egress" : "ingress") + " " + r.ip_protocol + "/" +
         PortsText(r.from_port, r.to_port) + " " + PeerOf(r);
}

net::FirewallRule ToFirewallRule(const SecurityGroupRule& r, const std::string& key_tag_key, int group_index) {
  FirewallRule f;
  auto tagged = r.TagValue(key_tag_key);
  f.key = tagged && !tagged->empty() ? *tagged : DerivedRuleKey(r);
  f.direction = r.is_egress ? net::Direction::kEgress : net::Direction::kIngress;
  if ((r.ip_protocol == "tcp" || r.ip_protocol == "udp") && r.from_port >= 0 && r.to_port <= 65535 &&
      r.from_port <= r.to_port) {
    net::TransportPorts tp;
    tp.transport = r.ip_protocol == "tcp" ? net::Transport::kTcp : net::Transport::kUdp;
    tp.ports = {net::PortRange{static_cast<uint16_t>(r.from_port), static_cast<uint16_t>(r.to_port)}};
    f.allowed = {tp};
  }
  if (!r.cidr_ipv4.empty()) f.remote_cidrs = {r.cidr_ipv4};
  if (!r.cidr_ipv6.empty()) f.remote_cidrs = {r.cidr_ipv6};
  f.remote_prefix_list = r.prefix_list_id;
  f.description = r.description;
  f.group_index = group_index;
  return f;
}

namespace {

Result<AwsBackend::Desired> Flatten(const FirewallRule& r, size_t groups) {
  const std::string where = "rule " + r.key;
  if (r.group_index < 0 || static_cast<size_t>(r.group_index) >= groups) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "group_index " + std::to_string(r.group_index) + " is outside the " +
                         std::to_string(groups) + " configured security group(s)",
                     where);
  }
  if (r.allowed.size() != 1 || r.allowed[0].ports.size() != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "an AWS rule needs exactly one transport with one port range", where);
  }
  int peers = static_cast<int>(r.remote_cidrs.size()) + (r.remote_prefix_list.empty() ? 0 : 1);
  if (peers != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "an AWS rule needs exactly one remote CIDR or prefix list, got " + std::to_string(peers), where);
  }
  AwsBackend::Desired d;
  d.rule = r;
  d.proto = net::TransportName(r.allowed[0].transport);
  d.from = r.allowed[0].ports[0].from;
  d.to = r.allowed[0].ports[0].to;
  if (!r.remote_prefix_list.empty()) {
    d.peer = Peer{Peer::Kind::kPrefixList, r.remote_prefix_list, r.description};
  } else {
    d.peer = Peer{KindOfCidr(r.remote_cidrs[0]), r.remote_cidrs[0], r.description};
  }
  d.signature = Signature(r.direction == net::Direction::kEgress, d.proto, d.from, d.to, d.peer.value);
  return d;
}

}  // namespace

Result<std::shared_ptr<Ec2Client>> NewEc2Client(const AwsConfig& config) {
  if (config.region.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no AWS region configured (set region or AWS_REGION)", "region");
  }
  Ec2Config c;
  c.region = config.region;
  c.endpoint = config.ec2_endpoint;
  c.transport = config.transport ? config.transport : http::NewCurlTransport();
  {
    // AWS_CA_BUNDLE / the profile's ca_bundle apply to AWS endpoints only.
    AwsCaBundle ca = ResolveAwsCaBundle(config.credentials, config.getenv ? config.getenv : ProcessGetEnv);
    c.transport = http::WithCaBundle(c.transport, ca.path, ca.source);
  }
  if (config.credentials_provider) {
    c.credentials = config.credentials_provider;
  } else {
    CredentialsConfig cc = config.credentials;
    if (cc.region.empty()) cc.region = config.region;
    CredentialsDeps deps;
    deps.transport = c.transport;
    if (config.getenv) deps.getenv = config.getenv;
    c.credentials = NewDefaultCredentialsChain(std::move(cc), std::move(deps));
  }
  if (config.max_attempts > 0) c.retry.max_attempts = config.max_attempts;
  c.sleep = config.sleep;
  if (config.getenv) c.getenv = config.getenv;
  return std::make_shared<Ec2Client>(std::move(c));
}

AwsBackend::AwsBackend(AwsTarget target, std::shared_ptr<Ec2Client> client, AwsBackendOptions options)
    : target_(std::move(target)), client_(std::move(client)), options_(std::move(options)) {
  if (!options_.sleep) options_.sleep = DefaultSleep;
  if (options_.max_rules_per_call <= 0) options_.max_rules_per_call = 100;
}

Result<std::unique_ptr<AwsBackend>> AwsBackend::Create(AwsTarget target, AwsConfig config,
                                                      AwsBackendOptions options) {
  if (config.region.empty()) config.region = target.region;
  PROV_ASSIGN_OR_RETURN(auto client, NewEc2Client(config));
  return std::make_unique<AwsBackend>(std::move(target), std::move(client), std::move(options));
}

Result<std::vector<SecurityGroupRule>> AwsBackend::ListGroup(size_t i, const std::atomic<bool>* cancel,
                                                             bool* exists) {
  *exists = true;
  const std::string& gid = target_.group_ids[i];
  auto rules = client_->DescribeSecurityGroupRules(gid, {}, options_.describe_page_size, cancel);
  if (!rules.ok()) {
    if (rules.error().remote_code == "InvalidGroup.NotFound" || rules.error().remote_code == "InvalidGroupId.NotFound") {
      *exists = false;
      return std::vector<SecurityGroupRule>{};
    }
    Error e = rules.error();
    e.where = "group_ids[" + std::to_string(i) + "]";
    return e;
  }
  if (rules->empty()) {
    // A filter on a deleted group just matches nothing: confirm the group exists.
    auto g = client_->DescribeSecurityGroups({gid}, cancel);
    if (!g.ok()) {
      if (g.error().code == ErrorCode::kNotFound) {
        *exists = false;
        return std::vector<SecurityGroupRule>{};
      }
      Error e = g.error();
      e.where = "group_ids[" + std::to_string(i) + "]";
      return e;
    }
    if (g->empty()) *exists = false;
  }
  return rules;
}

Result<LiveState> AwsBackend::Read(const std::atomic<bool>* cancel) {
  const int start = client_->api_calls();
  for (int attempt = 0;; ++attempt) {
    LiveState state;
    std::set<std::string> seen;
    for (size_t i = 0; i < target_.group_ids.size(); ++i) {
      bool exists = true;
      PROV_ASSIGN_OR_RETURN(auto rules, ListGroup(i, cancel, &exists));
      if (!exists) state.target_exists = false;
      GroupUsage usage;
      for (const auto& r : rules) {
        seen.insert(r.id);
        if (!IsOwned(r, target_)) {
          bool v6 = !r.cidr_ipv6.empty();
          (r.is_egress ? (v6 ? usage.egress_v6 : usage.egress_v4) : (v6 ? usage.ingress_v6 : usage.ingress_v4))++;
          if (HasMarker(r, target_)) {
            LiveRule o{ToFirewallRule(r, target_.key_tag_key, static_cast<int>(i)), r.id, ""};
            o.owner = r.TagValue(target_.owner_tag_key).value_or("");
            o.allowlist_id = r.TagValue(target_.id_tag_key).value_or("");
            state.others.push_back(std::move(o));
          }
          continue;
        }
        state.owned.push_back(LiveRule{ToFirewallRule(r, target_.key_tag_key, static_cast<int>(i)), r.id, ""});
      }
      state.foreign_usage.push_back(usage);
    }
    bool missing = std::any_of(expect_ids_.begin(), expect_ids_.end(),
                               [&](const std::string& id) { return !seen.count(id); });
    if (missing && state.target_exists && attempt < options_.consistency_retries) {
      if (cancel != nullptr && cancel->load()) return MakeError(ErrorCode::kCancelled, "read cancelled");
      log::Debug("aws: created rules not listed yet; reading again", {{"attempt", std::to_string(attempt + 1)}});
      options_.sleep(options_.consistency_delay * (attempt + 1));
      continue;
    }
    expect_ids_.clear();
    std::sort(state.owned.begin(), state.owned.end(), [](const LiveRule& a, const LiveRule& b) {
      return a.rule.key != b.rule.key ? a.rule.key < b.rule.key : a.remote_id < b.remote_id;
    });
    state.api_calls = client_->api_calls() - start;
    return state;
  }
}

Status AwsBackend::CreateBatch(size_t gi, bool egress, std::vector<Desired> batch, std::vector<LiveRule>* created,
                               const std::atomic<bool>* cancel, int depth) {
  const std::string& gid = target_.group_ids[gi];
  // Group peers by protocol/port so one IpPermission carries many CIDRs.
  std::map<std::tuple<std::string, int, int>, IpPermission> perms;
  for (const auto& d : batch) {
    auto& p = perms[{d.proto, d.from, d.to}];
    p.ip_protocol = d.proto;
    p.from_port = d.from;
    p.to_port = d.to;
    p.peers.push_back(d.peer);
  }
  std::vector<IpPermission> list;
  for (auto& [k, p] : perms) list.push_back(std::move(p));
  std::vector<Tag> tags = {{target_.owner_tag_key, target_.owner_tag_value}};
  if (!target_.allowlist_id.empty()) tags.push_back({target_.id_tag_key, target_.allowlist_id});
  // Created or not, we cannot tell: record them as unconfirmed so the next refresh settles
  // them (adopted when present, dropped when not). Never forgotten.
  auto unconfirmed = [&](const std::vector<Desired>& ds) {
    for (const auto& d : ds) {
      LiveRule lr{d.rule, "", ""};
      lr.unconfirmed = true;
      lr.owner = target_.owner_tag_value;
      lr.allowlist_id = target_.allowlist_id;
      created->push_back(std::move(lr));
    }
  };
  const RuleDirection dir = egress ? RuleDirection::kEgress : RuleDirection::kIngress;

  // from_answer: `rules` come from our own Authorize answer (ours by construction).
  auto adopt = [&](const std::vector<SecurityGroupRule>& rules, std::vector<Desired>* remaining,
                   bool from_answer = false) -> Status {
    std::map<std::string, const SecurityGroupRule*> by_sig;
    for (const auto& r : rules) by_sig[SignatureOf(r)] = &r;
    std::optional<Error> foreign;
    for (auto& d : batch) {
      auto it = by_sig.find(d.signature);
      if (it == by_sig.end()) {
        if (remaining) remaining->push_back(d);
        continue;
      }
      const SecurityGroupRule& r = *it->second;
      if (remaining && !from_answer && !IsOwned(r, target_)) {
        if (!foreign) {
          foreign = MakeError(ErrorCode::kAlreadyExists,
                              "a rule with the same content already exists in " + gid + " (" + r.id +
                                  ") but is not managed by this allowlist (no " + target_.owner_tag_key + "=" +
                                  target_.owner_tag_value + " tag); remove it or exclude this rule",
                              "rule " + d.rule.key);
          foreign->remote_code = "InvalidPermission.Duplicate";
        }
        continue;
      }
      FirewallRule fr = d.rule;
      created->push_back(LiveRule{fr, r.id, ""});
      expect_ids_.insert(r.id);
      if (d.rule.key != DerivedRuleKey(r) && r.TagValue(target_.key_tag_key) != d.rule.key) {
        Status s = client_->CreateTags({r.id}, {{target_.key_tag_key, d.rule.key}}, cancel);
        if (!s.ok()) return s;
      }
      if (remaining && r.description != d.rule.description) {
        RuleUpdate u{r.id, d.proto, d.from, d.to, d.peer};
        Status s = client_->ModifySecurityGroupRules(gid, {u}, cancel);
        if (!s.ok()) return s;
      }
    }
    if (foreign) return *foreign;
    return Status::Ok();
  };

  auto res = client_->AuthorizeSecurityGroupRules(dir, gid, list, tags, cancel);
  if (res.ok()) {
    if (res->size() >= batch.size()) return adopt(*res, nullptr);
    // Some emulators (moto) list only part of the created rules in the answer; the rules
    // exist, so find the missing ids with one listing of the group.
    log::Debug("aws: authorize answer lists fewer rules than sent; reading the group",
               {{"group", gid}, {"sent", std::to_string(batch.size())}, {"got", std::to_string(res->size())}});
    std::vector<Desired> not_in_answer;
    {
      Status s = adopt(*res, &not_in_answer, /*from_answer=*/true);
      if (!s.ok()) return s;
    }
    bool exists = true;
    auto listed = ListGroup(gi, cancel, &exists);
    if (!listed.ok()) {
      unconfirmed(not_in_answer);  // created, but their ids are unknown
      return listed.error();
    }
    std::vector<SecurityGroupRule> all;
    for (const auto& r : *listed) {
      if (IsOwned(r, target_)) all.push_back(r);
    }
    std::vector<Desired> missing;
    batch = not_in_answer;
    Status s = adopt(all, &missing);
    if (!s.ok()) return s;
    if (!missing.empty()) {
      unconfirmed(missing);
      return MakeError(ErrorCode::kDataLoss, std::to_string(missing.size()) + " rule(s) authorized in " + gid +
                                                 " are neither in the answer nor in the group's listing",
                       "rule " + missing[0].rule.key);
    }
    return Status::Ok();
  }
  Error err = res.error();
  if (err.code == ErrorCode::kInvalidArgument || err.code == ErrorCode::kPermissionDenied) return err;
  if (err.code == ErrorCode::kCancelled || depth >= 2) {
    if (WriteOutcomeUnknown(err)) unconfirmed(batch);
    return err;
  }
  // Quota refused: but the call may have been a retry of an attempt whose answer was lost
  // (the rules it created are what fills the group), so the group is re-read before saying so.
  const bool quota = err.code == ErrorCode::kResourceExhausted;
  if (quota) {
    err.message = "security group " + gid + " has no room for " + std::to_string(batch.size()) +
                  " more " + (egress ? "egress" : "ingress") +
                  " rule(s): the rules-per-security-group quota is reached. Spread the rules over more "
                  "groups (group_ids), raise the quota, or use prefix-list mode. " + err.message;
  }
  // Duplicate, quota, or we never heard back: the rules may exist now. Re-read and adopt ours.
  bool exists = true;
  auto listed = ListGroup(gi, cancel, &exists);
  if (!listed.ok()) {
    // A duplicate may be our own earlier attempt whose answer was lost (a retried call):
    // as unknown as a lost answer.
    if (WriteOutcomeUnknown(err) || err.code == ErrorCode::kAlreadyExists || quota) {
      unconfirmed(batch);
      err.message += " (the answer was lost and re-reading " + gid + " failed too: " + listed.error().message +
                     "; the " + std::to_string(batch.size()) +
                     " rule(s) sent may exist and are recorded as unconfirmed until the next refresh)";
    }
    return err;
  }
  if (!exists) {
    Error gone = MakeError(ErrorCode::kNotFound, "security group " + gid + " no longer exists");
    gone.remote_code = "InvalidGroup.NotFound";
    return gone;
  }
  std::vector<Desired> remaining;
  Status s = adopt(*listed, &remaining);
  if (!s.ok()) return s;
  if (remaining.empty()) return Status::Ok();
  if (quota) return err;
  if (err.code == ErrorCode::kAlreadyExists && remaining.size() == batch.size()) {
    return err;  // duplicate of something we cannot see: do not loop
  }
  if (err.code != ErrorCode::kAlreadyExists && !WriteOutcomeUnknown(err)) return err;
  return CreateBatch(gi, egress, std::move(remaining), created, cancel, depth + 1);
}

ApplyOutcome AwsBackend::Apply(const LiveState& before, const std::vector<Change>& changes,
                               const std::atomic<bool>* cancel) {
  ApplyOutcome out;
  const int start = client_->api_calls();
  std::map<std::string, LiveRule> live;  // by remote id
  for (const auto& r : before.owned) live[r.remote_id] = r;
  std::vector<LiveRule> maybe;  // created or not: unknown (lost answer, failed re-read)
  auto finish = [&](std::optional<Error> error) {
    for (auto& [id, r] : live) out.owned_after.push_back(r);
    for (auto& r : maybe) out.owned_after.push_back(r);
    std::sort(out.owned_after.begin(), out.owned_after.end(), [](const LiveRule& a, const LiveRule& b) {
      return a.rule.key != b.rule.key ? a.rule.key < b.rule.key : a.remote_id < b.remote_id;
    });
    out.error = std::move(error);
    out.api_calls = client_->api_calls() - start;
    return out;
  };
  const size_t groups = target_.group_ids.size();
  const size_t chunk = static_cast<size_t>(options_.max_rules_per_call);

  // Validate everything before the first write.
  std::map<std::pair<int, bool>, std::vector<std::string>> revokes;
  std::map<int, std::vector<std::pair<RuleUpdate, Change>>> modifies;
  std::map<std::pair<int, bool>, std::vector<Desired>> creates;
  for (const auto& c : changes) {
    if (c.kind == ChangeKind::kDelete || c.kind == ChangeKind::kUpdate) {
      if (c.current.remote_id.empty() || !live.count(c.current.remote_id)) {
        return finish(MakeError(ErrorCode::kInternal, "change refers to a rule that is not in the read state",
                                "rule " + c.current.rule.key));
      }
      if (c.current.rule.group_index < 0 || static_cast<size_t>(c.current.rule.group_index) >= groups) {
        return finish(MakeError(ErrorCode::kInvalidArgument, "rule is in a security group no longer configured",
                                "rule " + c.current.rule.key));
      }
    }
    if (c.kind == ChangeKind::kDelete) {
      revokes[{c.current.rule.group_index, c.current.rule.direction == net::Direction::kEgress}].push_back(
          c.current.remote_id);
      continue;
    }
    auto d = Flatten(c.desired, groups);
    if (!d.ok()) return finish(d.error());
    if (c.kind == ChangeKind::kUpdate && SameExceptDescription(c.current.rule, c.desired)) {
      modifies[c.desired.group_index].push_back({RuleUpdate{c.current.remote_id, d->proto, d->from, d->to, d->peer}, c});
      continue;
    }
    if (c.kind == ChangeKind::kUpdate) {
      revokes[{c.current.rule.group_index, c.current.rule.direction == net::Direction::kEgress}].push_back(
          c.current.remote_id);
    }
    creates[{c.desired.group_index, c.desired.direction == net::Direction::kEgress}].push_back(*d);
  }

  // Revokes, batched per group and direction.
  auto run_revokes = [&](std::map<std::pair<int, bool>, std::vector<std::string>>& batches) -> Status {
  for (auto& [k, ids] : batches) {
    const std::string& gid = target_.group_ids[k.first];
    const RuleDirection dir = k.second ? RuleDirection::kEgress : RuleDirection::kIngress;
    for (size_t i = 0; i < ids.size(); i += chunk) {
      std::vector<std::string> part(ids.begin() + i, ids.begin() + std::min(ids.size(), i + chunk));
      Status s = client_->RevokeSecurityGroupRules(dir, gid, part, cancel);
      if (!s.ok() && s.error().code == ErrorCode::kNotFound && s.error().remote_code != "InvalidGroup.NotFound") {
        // One unknown id fails the whole call: retry one by one, unknown = already gone.
        s = Status::Ok();
        for (const auto& id : part) {
          Status one = client_->RevokeSecurityGroupRules(dir, gid, {id}, cancel);
          if (!one.ok() && one.error().code != ErrorCode::kNotFound) {
            s = one;
            break;
          }
          live.erase(id);
        }
      }
      if (!s.ok() && s.error().remote_code == "InvalidGroup.NotFound") {
        for (const auto& id : part) live.erase(id);  // the group and its rules are gone
        continue;
      }
      if (!s.ok() && WriteOutcomeUnknown(s.error())) {
        // The answer was lost: the revoke may have happened. Re-read the group to know which
        // of these rules still exist; when even that fails, record them as unconfirmed (the
        // next refresh keeps those present and drops the rest), never as certainly there.
        auto now = client_->DescribeSecurityGroupRules(gid, {}, options_.describe_page_size, cancel);
        if (now.ok()) {
          std::set<std::string> present;
          for (const auto& r : *now) present.insert(r.id);
          for (const auto& id : part)
            if (!present.count(id)) live.erase(id);
        } else {
          for (const auto& id : part) {
            auto it = live.find(id);
            if (it == live.end()) continue;
            it->second.unconfirmed = true;
            maybe.push_back(it->second);
            live.erase(it);
          }
        }
      }
      if (!s.ok()) return s;
      for (const auto& id : part) live.erase(id);
    }
  }

    return Status::Ok();
  };

  // A revoke whose content a create re-adds in the same group goes first (EC2 refuses a
  // duplicate); every other revoke waits until the creates are done: create before delete.
  std::map<std::pair<int, bool>, std::vector<std::string>> early, late;
  {
    std::set<std::string> create_sigs;
    for (auto& [k, list] : creates)
      for (const auto& d : list) create_sigs.insert(std::to_string(k.first) + "|" + d.signature);
    for (auto& [k, ids] : revokes) {
      for (const auto& id : ids) {
        const FirewallRule& cur = live[id].rule;
        std::string sig;
        if (cur.allowed.size() == 1 && cur.allowed[0].ports.size() == 1) {
          std::string peer = !cur.remote_prefix_list.empty() ? cur.remote_prefix_list
                             : cur.remote_cidrs.empty() ? "" : cur.remote_cidrs[0];
          sig = std::to_string(k.first) + "|" +
                Signature(k.second, net::TransportName(cur.allowed[0].transport), cur.allowed[0].ports[0].from,
                          cur.allowed[0].ports[0].to, peer);
        }
        (create_sigs.count(sig) ? early : late)[k].push_back(id);
      }
    }
  }
  if (Status s = run_revokes(early); !s.ok()) return finish(s.error());

  // 1. Creates, batched per group and direction.
  expect_ids_.clear();
  for (auto& [k, list] : creates) {
    for (size_t i = 0; i < list.size(); i += chunk) {
      std::vector<Desired> part(list.begin() + i, list.begin() + std::min(list.size(), i + chunk));
      std::vector<LiveRule> created;
      Status s = CreateBatch(k.first, k.second, std::move(part), &created, cancel, 0);
      for (auto& r : created) {
        if (r.unconfirmed) {
          maybe.push_back(r);
        } else {
          live[r.remote_id] = r;
        }
      }
      if (!s.ok()) return finish(s.error());
    }
  }
  // 2. Description-only updates keep the rule id.
  for (auto& [gi, list] : modifies) {
    for (size_t i = 0; i < list.size(); i += chunk) {
      std::vector<RuleUpdate> part;
      for (size_t j = i; j < std::min(list.size(), i + chunk); ++j) part.push_back(list[j].first);
      Status s = client_->ModifySecurityGroupRules(target_.group_ids[gi], part, cancel);
      if (!s.ok()) return finish(s.error());
      for (size_t j = i; j < std::min(list.size(), i + chunk); ++j) {
        const Change& c = list[j].second;
        LiveRule& lr = live[c.current.remote_id];
        if (c.desired.key != lr.rule.key) {
          Status t = client_->CreateTags({c.current.remote_id}, {{target_.key_tag_key, c.desired.key}}, cancel);
          if (!t.ok()) return finish(t.error());
        }
        lr.rule = c.desired;
      }
    }
  }

  // 3. The remaining revokes.
  if (Status s = run_revokes(late); !s.ok()) return finish(s.error());
  return finish(std::nullopt);
}

// --- prefix lists -------------------------------------------------------------------

namespace {

bool InProgress(const std::string& state) { return state.ends_with("-in-progress"); }

Result<ManagedPrefixList> WaitSettled(Ec2Client& c, const std::string& id, const std::atomic<bool>* cancel,
                                      const http::SleepFn& sleep) {
  for (int i = 0; i < 30; ++i) {
    PROV_ASSIGN_OR_RETURN(auto lists, c.DescribeManagedPrefixLists({id}, "", cancel));
    if (lists.empty()) return MakeError(ErrorCode::kNotFound, "prefix list " + id + " disappeared");
    if (!InProgress(lists[0].state)) {
      if (lists[0].state.ends_with("-failed")) {
        return MakeError(ErrorCode::kConflict,
                         "prefix list " + id + " is in state " + lists[0].state + ": " + lists[0].state_message);
      }
      return lists[0];
    }
    if (cancel != nullptr && cancel->load()) return MakeError(ErrorCode::kCancelled, "cancelled");
    sleep(std::chrono::milliseconds(std::min(1000 * (i + 1), 5000)));
  }
  return MakeError(ErrorCode::kDeadlineExceeded, "prefix list " + id + " stayed in progress");
}

}  // namespace

namespace {

bool Live(const ManagedPrefixList& l) { return l.state != "delete-complete" && l.state != "delete-in-progress"; }

Result<PrefixListState> StateOf(Ec2Client& client, const ManagedPrefixList& l, const std::atomic<bool>* cancel) {
  PrefixListState st;
  st.id = l.id;
  st.name = l.name;
  st.version = l.version;
  st.max_entries = l.max_entries;
  PROV_ASSIGN_OR_RETURN(auto entries, client.GetManagedPrefixListEntries(st.id, cancel));
  for (auto& e : entries) st.cidrs.push_back(e.cidr);
  std::sort(st.cidrs.begin(), st.cidrs.end());
  return st;
}

}  // namespace

Result<PrefixListState> FindManagedPrefixList(Ec2Client& client, const std::string& name,
                                              const std::atomic<bool>* cancel, const std::string& known_id) {
  const int start = client.api_calls();
  if (!known_id.empty()) {
    auto by_id = client.DescribeManagedPrefixLists({known_id}, "", cancel);
    if (!by_id.ok() && by_id.error().code != ErrorCode::kNotFound) return by_id.error();
    if (by_id.ok()) {
      for (const auto& l : *by_id) {
        if (l.id != known_id || !Live(l)) continue;
        PROV_ASSIGN_OR_RETURN(PrefixListState st, StateOf(client, l, cancel));
        st.api_calls = client.api_calls() - start;
        return st;
      }
    }
    // Deleted outside Terraform: fall back to the name (a list made meanwhile, or none).
  }
  PrefixListState st;
  PROV_ASSIGN_OR_RETURN(auto all, client.DescribeManagedPrefixLists({}, name, cancel));
  std::vector<ManagedPrefixList> lists;
  for (auto& l : all) {
    if (Live(l)) lists.push_back(std::move(l));  // deleted lists linger
  }
  if (lists.empty()) {
    st.api_calls = client.api_calls() - start;
    return st;
  }
  if (lists.size() > 1) {
    std::string ids;
    for (const auto& l : lists) ids += (ids.empty() ? "" : ", ") + l.id;
    return MakeError(ErrorCode::kConflict, "more than one managed prefix list is named \"" + name + "\" (" + ids +
                                               "); delete the extra ones or set prefix_list_name to a unique name");
  }
  PROV_ASSIGN_OR_RETURN(st, StateOf(client, lists[0], cancel));
  st.api_calls = client.api_calls() - start;
  return st;
}

Result<PrefixListState> EnsureManagedPrefixList(Ec2Client& client, const PrefixListSpec& spec,
                                                const std::atomic<bool>* cancel, const http::SleepFn& sleep_in) {
  const int start = client.api_calls();
  http::SleepFn sleep = sleep_in ? sleep_in : DefaultSleep;
  std::vector<std::string> want = spec.cidrs;
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  const int max_entries = spec.max_entries > 0 ? spec.max_entries : std::max<int>(1, want.size());
  if (static_cast<int>(want.size()) > max_entries) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "prefix list \"" + spec.name + "\" needs " + std::to_string(want.size()) +
                         " entries but max_entries is " + std::to_string(max_entries));
  }
  PROV_ASSIGN_OR_RETURN(PrefixListState st, FindManagedPrefixList(client, spec.name, cancel, spec.known_id));
  if (st.id.empty()) {
    std::vector<PrefixListEntry> first;
    for (size_t i = 0; i < want.size() && i < 100; ++i) first.push_back({want[i], spec.entry_description});
    // One token for every attempt: the client retries with it, and so do we once more
    // when the call as a whole failed without an answer.
    const std::string token = NewClientToken();
    auto created = client.CreateManagedPrefixList(spec.name, spec.address_family, max_entries, first, spec.tags,
                                                  cancel, token);
    if (!created.ok() && (created.error().code == ErrorCode::kUnavailable ||
                          created.error().code == ErrorCode::kDeadlineExceeded ||
                          created.error().code == ErrorCode::kDataLoss)) {
      created = client.CreateManagedPrefixList(spec.name, spec.address_family, max_entries, first, spec.tags,
                                               cancel, token);
    }
    if (!created.ok()) return created.error();
    PROV_ASSIGN_OR_RETURN(auto pl, WaitSettled(client, created->id, cancel, sleep));
    st.id = pl.id;
    st.name = pl.name;
    st.version = pl.version;
    st.max_entries = pl.max_entries;
    st.cidrs.clear();
    for (auto& e : first) st.cidrs.push_back(e.cidr);
    std::sort(st.cidrs.begin(), st.cidrs.end());
  }
  for (int round = 0; round < 8; ++round) {
    // Renamed outside Terraform (found by id): rename back, alone.
    if (st.name != spec.name) {
      auto pl = client.ModifyManagedPrefixList(st.id, 0, {}, {}, 0, cancel, spec.name);
      if (!pl.ok()) return pl.error();
      PROV_ASSIGN_OR_RETURN(auto settled, WaitSettled(client, st.id, cancel, sleep));
      st.version = settled.version;
      st.name = settled.name;
      if (st.name != spec.name) {
        return MakeError(ErrorCode::kConflict, "prefix list " + st.id + ": renaming it back to \"" + spec.name +
                                                   "\" did not take effect (it is named \"" + st.name + "\")");
      }
    }
    // MaxEntries and entries cannot change in the same request: resize alone, first.
    if (st.max_entries != max_entries && max_entries >= static_cast<int>(st.cidrs.size())) {
      auto pl = client.ModifyManagedPrefixList(st.id, 0, {}, {}, max_entries, cancel, spec.name);
      if (!pl.ok()) return pl.error();
      PROV_ASSIGN_OR_RETURN(auto settled, WaitSettled(client, st.id, cancel, sleep));
      st.version = settled.version;
      st.max_entries = settled.max_entries;
      if (st.max_entries != max_entries) {
        return MakeError(ErrorCode::kConflict, "prefix list \"" + spec.name + "\": resizing MaxEntries to " +
                                                   std::to_string(max_entries) + " did not take effect (state " +
                                                   settled.state + ")");
      }
    }
    std::vector<std::string> add, remove;
    std::set_difference(want.begin(), want.end(), st.cidrs.begin(), st.cidrs.end(), std::back_inserter(add));
    std::set_difference(st.cidrs.begin(), st.cidrs.end(), want.begin(), want.end(), std::back_inserter(remove));
    if (add.empty() && remove.empty() && st.max_entries == max_entries) {
      st.cidrs = want;
      st.api_calls = client.api_calls() - start;
      return st;
    }
    bool conflict = false;
    while (!add.empty() || !remove.empty()) {
      std::vector<PrefixListEntry> a;
      std::vector<std::string> r;
      while (!add.empty() && a.size() < 100) {
        a.push_back({add.back(), spec.entry_description});
        add.pop_back();
      }
      while (!remove.empty() && r.size() < 100) {
        r.push_back(remove.back());
        remove.pop_back();
      }
      auto pl = client.ModifyManagedPrefixList(st.id, st.version, a, r, 0, cancel, spec.name);
      if (!pl.ok()) {
        if (pl.error().remote_code == "PrefixListVersionMismatch" || pl.error().remote_code == "IncorrectState") {
          conflict = true;
          break;
        }
        return pl.error();
      }
      PROV_ASSIGN_OR_RETURN(auto settled, WaitSettled(client, st.id, cancel, sleep));
      st.version = settled.version;
    }
    // Re-read the entries (also after a lost race) and loop until nothing is left to do.
    if (conflict) sleep(std::chrono::milliseconds(200 * (round + 1)));
    PROV_ASSIGN_OR_RETURN(PrefixListState fresh, FindManagedPrefixList(client, spec.name, cancel, st.id));
    if (fresh.id.empty()) return MakeError(ErrorCode::kNotFound, "prefix list \"" + spec.name + "\" disappeared");
    if (fresh.id != st.id) {
      return MakeError(ErrorCode::kConflict, "prefix list " + st.id + " disappeared while it was being updated");
    }
    st = fresh;
  }
  return MakeError(ErrorCode::kConflict, "prefix list \"" + spec.name +
                                             "\" kept changing underneath us (PrefixListVersionMismatch); try again");
}

Status DeleteManagedPrefixListIfExists(Ec2Client& client, const std::string& id, const std::atomic<bool>* cancel,
                                       const http::SleepFn& sleep) {
  if (id.empty()) return Status::Ok();
  Status s = client.DeleteManagedPrefixList(id, cancel);
  if (!s.ok()) return s.error().code == ErrorCode::kNotFound ? Status::Ok() : s;
  // Deletion is asynchronous: it ends delete-complete, or delete-failed while anything
  // (a security group rule, a route table) still references the list.
  auto settled = WaitSettled(client, id, cancel, sleep ? sleep : DefaultSleep);
  if (!settled.ok()) return settled.error().code == ErrorCode::kNotFound ? Status::Ok() : settled.error();
  if (settled->state == "delete-complete") return Status::Ok();
  return MakeError(ErrorCode::kConflict, "prefix list " + id + " was not deleted (state " + settled->state +
                                             (settled->state_message.empty() ? "" : ": " + settled->state_message) +
                                             ")");
}

}  // namespace prov::cloud::aws
