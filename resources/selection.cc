#include "resources/selection.h"

#include <algorithm>
#include <set>

#include "provider/net/ip.h"
#include "resources/values.h"

namespace prov::resources {

using protocol::AttributePath;

std::vector<schema::Attribute> SelectionAttributes(bool with_parameters) {
  std::vector<schema::Attribute> a = {
      Optional("services", Type::List(Type::String()),
               "Catalog service ids to allow (see the `office_at_hand_catalog` data source or "
               "`terraform-provider-office catalog`). Default: every service. Tables included by "
               "reference (\"Add Table 3.2.2\") are followed."),
      Optional("line_sharing", Type::Bool(),
               "Open the Busy Lamp Appearance ports 5098/5099, which the article requires only when "
               "line sharing is used. Default false."),
      Optional("tcp_fallback", Type::Bool(),
               "Open the TCP 443 media fallback used when UDP is unavailable (the article says it "
               "should not be used regularly). Default false."),
      Optional("ipv6_clients", Type::Bool(),
               "Include the rows for IPv6 mobile softphone clients. Default false."),
  };
  if (with_parameters) {
    a.push_back(Optional("sip_trunk_peers", Type::List(Type::String()),
                         "CIDRs of the SIP trunk peers AT&T gives during project definition; "
                         "SIP trunk rows are reported as needing input until set."));
    a.push_back(Optional("sftp_server_addresses", Type::List(Type::String()),
                         "CIDRs of your SFTP server(s) for Archiver; the Archiver SFTP ingress rule "
                         "is reported as needing input until set."));
  }
  return a;
}

std::vector<const catalog::Service*> ExpandServices(const catalog::Catalog& catalog,
                                                    const std::vector<std::string>& ids) {
  std::set<std::string> want;
  std::vector<std::string> stack = ids;
  if (ids.empty()) {
    for (const auto& s : catalog.services) want.insert(s.id);
  }
  while (!stack.empty()) {
    std::string id = stack.back();
    stack.pop_back();
    if (!want.insert(id).second) continue;
    if (const auto* s = catalog.FindService(id)) {
      for (const auto& r : s->rows)
        if (!r.include_service.empty()) stack.push_back(r.include_service);
    }
  }
  std::vector<const catalog::Service*> out;
  for (const auto& s : catalog.services)
    if (want.count(s.id)) out.push_back(&s);
  return out;
}

namespace {
bool ConditionOn(const std::string& c, const rules::Selection& s) {
  if (c.empty()) return true;
  if (c == catalog::kConditionLineSharing) return s.line_sharing;
  if (c == catalog::kConditionTcpFallback) return s.tcp_fallback;
  if (c == catalog::kConditionIpv6Clients) return s.ipv6_clients;
  return false;
}
}  // namespace

bool RowSelected(const catalog::Row& row, const rules::Selection& s) { return ConditionOn(row.condition, s); }

bool PortSelected(const catalog::PortSpec& port, const rules::Selection& s) {
  if (port.qualifier == catalog::PortQualifier::kFallback)
    return ConditionOn(port.condition.empty() ? catalog::kConditionTcpFallback : port.condition, s);
  if (port.qualifier == catalog::PortQualifier::kConditional) return ConditionOn(port.condition, s);
  return true;
}

rules::Selection ReadSelection(const cty::Value& config, const catalog::Catalog& catalog,
                               protocol::Diagnostics& diags, bool* complete) {
  rules::Selection sel;
  bool all_known = true;
  if (IsUnknownAttr(config, "services")) {
    all_known = false;
  } else if (auto services = GetStrings(config, "services")) {
    // One diagnostic per kind of problem, naming the first few values and the count: a list
    // of a million unknown names must not build a million diagnostics.
    constexpr size_t kShown = 5;
    std::set<std::string> seen;
    std::vector<std::string> unknown, duplicate;
    size_t n_unknown = 0, n_duplicate = 0, first_unknown = 0, first_duplicate = 0;
    auto note = [&](std::vector<std::string>& shown, size_t& count, size_t& first, size_t i,
                    const std::string& id) {
      if (count++ == 0) first = i;
      if (shown.size() < kShown) shown.push_back("\"" + (id.size() > 64 ? id.substr(0, 64) + "..." : id) + "\"");
    };
    for (size_t i = 0; i < services->size(); ++i) {
      const std::string& id = (*services)[i];
      if (!catalog.FindService(id)) {
        note(unknown, n_unknown, first_unknown, i, id);
        continue;
      }
      if (!seen.insert(id).second) {
        note(duplicate, n_duplicate, first_duplicate, i, id);
        continue;
      }
      sel.services.push_back(id);
    }
    auto listed = [&](const std::vector<std::string>& shown, size_t count) {
      std::string s;
      for (const auto& x : shown) s += (s.empty() ? "" : ", ") + x;
      if (count > shown.size()) s += " and " + std::to_string(count - shown.size()) + " more";
      return s;
    };
    // The path points at the first offending element (the whole list when there are many).
    if (n_unknown > 0) {
      std::string known;
      for (const auto& s : catalog.services) known += (known.empty() ? "" : ", ") + s.id;
      diags.AddError(n_unknown == 1 ? "Unknown Office@Hand service " + unknown[0]
                                    : std::to_string(n_unknown) + " unknown Office@Hand services",
                     (n_unknown == 1 ? std::string() : "Unknown: " + listed(unknown, n_unknown) + ". ") +
                         "The catalog (version " + catalog.version + ") has these services: " + known + ".",
                     n_unknown == 1
                         ? AttributePath().Attr("services").Index(static_cast<int64_t>(first_unknown))
                         : AttributePath().Attr("services"));
    }
    if (n_duplicate > 0) {
      diags.AddError(n_duplicate == 1 ? "Duplicate service " + duplicate[0]
                                      : std::to_string(n_duplicate) + " duplicate services",
                     (n_duplicate == 1 ? std::string() : "Repeated: " + listed(duplicate, n_duplicate) + ". ") +
                         "Each service may be listed once.",
                     n_duplicate == 1
                         ? AttributePath().Attr("services").Index(static_cast<int64_t>(first_duplicate))
                         : AttributePath().Attr("services"));
    }
    if (services->empty()) {
      diags.AddError("Empty services list",
                     "List at least one service, or leave services unset to allow every service.",
                     AttributePath().Attr("services"));
    }
  }
  sel.line_sharing = GetBool(config, "line_sharing").value_or(false);
  sel.tcp_fallback = GetBool(config, "tcp_fallback").value_or(false);
  sel.ipv6_clients = GetBool(config, "ipv6_clients").value_or(false);
  for (const char* b : {"line_sharing", "tcp_fallback", "ipv6_clients"})
    if (IsUnknownAttr(config, b)) all_known = false;

  auto read_cidrs = [&](const char* attr, std::vector<std::string>& out) {
    if (!config.Has(attr)) return;
    if (IsUnknownAttr(config, attr) || config.Get(attr).ContainsUnknown()) {
      all_known = false;
      return;
    }
    auto xs = GetStrings(config, attr);
    if (!xs) return;
    for (size_t i = 0; i < xs->size(); ++i) {
      auto c = net::Cidr::Parse((*xs)[i], /*strict=*/true);
      if (!c.ok()) {
        diags.AddError("Invalid address in " + std::string(attr), c.error().message,
                       AttributePath().Attr(attr).Index(static_cast<int64_t>(i)));
        continue;
      }
      out.push_back(c->ToString());
    }
  };
  read_cidrs("sip_trunk_peers", sel.sip_trunk_peers);
  read_cidrs("sftp_server_addresses", sel.sftp_server_addresses);
  if (complete) *complete = all_known;
  return sel;
}

}  // namespace prov::resources
