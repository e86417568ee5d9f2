#include "provider/catalog/loader.h"

#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "provider/catalog/names.h"

namespace prov::catalog {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxCatalogBytes = 16u << 20;
constexpr const char* kSchemaVersion = "1";

std::string EscapeToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string At(const std::string& ptr, std::string_view key) { return ptr + "/" + EscapeToken(key); }
std::string At(const std::string& ptr, size_t index) { return ptr + "/" + std::to_string(index); }

bool IsIdent(const std::string& s) {
  static const std::regex re("^[a-z][a-z0-9_]*$");
  return std::regex_match(s, re);
}

// Collects every problem; never stops at the first so one run shows a maintainer all of
// them. Each check leaves the model field at its default when the input is unusable.
class Validator {
 public:
  explicit Validator(std::vector<ValidationError>& errors) : errors_(errors) {}

  void Add(std::string ptr, std::string reason) { errors_.push_back({std::move(ptr), std::move(reason)}); }
  size_t count() const { return errors_.size(); }

  bool IsObject(const json& j, const std::string& ptr) {
    if (j.is_object()) return true;
    Add(ptr, std::string("must be an object, got ") + j.type_name());
    return false;
  }

  void Keys(const json& obj, const std::string& ptr, std::initializer_list<const char*> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return it.key() == a; });
      if (!ok) Add(At(ptr, it.key()), "unknown field \"" + it.key() + "\"");
    }
  }

  const json* Get(const json& obj, const std::string& ptr, const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) Add(At(ptr, key), std::string("missing required field \"") + key + "\"");
      return nullptr;
    }
    return &*it;
  }

  // Reads a string field. nonempty: an empty string is an error.
  bool String(const json& obj, const std::string& ptr, const char* key, bool required, std::string& out,
              bool nonempty = false) {
    const json* j = Get(obj, ptr, key, required);
    if (!j) return false;
    if (!j->is_string()) {
      Add(At(ptr, key), std::string("must be a string, got ") + j->type_name());
      return false;
    }
    out = j->get<std::string>();
    if (nonempty && out.empty()) {
      Add(At(ptr, key), "must not be empty");
      return false;
    }
    return true;
  }

  bool Bool(const json& obj, const std::string& ptr, const char* key, bool& out) {
    const json* j = Get(obj, ptr, key, false);
    if (!j) return false;
    if (!j->is_boolean()) {
      Add(At(ptr, key), std::string("must be a boolean, got ") + j->type_name());
      return false;
    }
    out = j->get<bool>();
    return true;
  }

  // An array field; returns nullptr (after reporting) when absent-but-required or not an array.
  const json* Array(const json& obj, const std::string& ptr, const char* key, bool required) {
    const json* j = Get(obj, ptr, key, required);
    if (!j) return nullptr;
    if (!j->is_array()) {
      Add(At(ptr, key), std::string("must be an array, got ") + j->type_name());
      return nullptr;
    }
    return j;
  }

  // Visits an array of non-empty, distinct strings; `fn(index, value)` sees only the good ones.
  template <typename Fn>
  void EachString(const json& arr, const std::string& ptr, Fn fn) {
    std::set<std::string> seen;
    for (size_t i = 0; i < arr.size(); ++i) {
      const json& e = arr[i];
      if (!e.is_string()) {
        Add(At(ptr, i), std::string("must be a string, got ") + e.type_name());
        continue;
      }
      std::string s = e.get<std::string>();
      if (s.empty()) {
        Add(At(ptr, i), "must not be empty");
        continue;
      }
      if (!seen.insert(s).second) {
        Add(At(ptr, i), "duplicate entry \"" + s + "\"");
        continue;
      }
      fn(i, std::move(s));
    }
  }

  void Strings(const json& arr, const std::string& ptr, std::vector<std::string>& out) {
    EachString(arr, ptr, [&](size_t, std::string s) { out.push_back(std::move(s)); });
  }

  void OptionalStrings(const json& obj, const std::string& ptr, const char* key, std::vector<std::string>& out) {
    if (const json* a = Array(obj, ptr, key, false)) Strings(*a, At(ptr, key), out);
  }

 private:
  std::vector<ValidationError>& errors_;
};

bool KnownName(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

void ParseSource(Validator& v, const json& j, const std::string& ptr, SourceDocument& out) {
  if (!v.IsObject(j, ptr)) return;
  v.Keys(j, ptr, {"title", "article", "url", "retrieved", "sha256"});
  v.String(j, ptr, "title", true, out.title, true);
  v.String(j, ptr, "article", true, out.article, true);
  v.String(j, ptr, "url", false, out.url);
  if (v.String(j, ptr, "retrieved", true, out.retrieved, true)) {
    static const std::regex date("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$");
    if (!std::regex_match(out.retrieved, date))
      v.Add(At(ptr, "retrieved"), "must be an ISO date YYYY-MM-DD, got \"" + out.retrieved + "\"");
  }
  if (v.String(j, ptr, "sha256", true, out.sha256, true)) {
    static const std::regex hex("^[0-9a-f]{64}$");
    if (!std::regex_match(out.sha256, hex))
      v.Add(At(ptr, "sha256"), "must be 64 lower-case hex digits");
  }
}

void ParseSupernets(Validator& v, const json& arr, const std::string& ptr, std::vector<Supernet>& out) {
  if (arr.empty()) v.Add(ptr, "must list at least one supernet");
  std::set<std::string> seen;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string p = At(ptr, i);
    if (!v.IsObject(arr[i], p)) continue;
    v.Keys(arr[i], p, {"cidr", "sources"});
    Supernet s;
    std::string text;
    bool cidr_ok = false;
    if (v.String(arr[i], p, "cidr", true, text, true)) {
      auto c = net::Cidr::Parse(text);
      if (!c.ok()) {
        v.Add(At(p, "cidr"), c.error().message);
      } else if (!seen.insert(c->ToString()).second) {
        v.Add(At(p, "cidr"), "duplicate supernet " + c->ToString());
      } else {
        s.cidr = *c;
        cidr_ok = true;
      }
    }
    if (const json* src = v.Array(arr[i], p, "sources", true)) {
      if (src->empty()) v.Add(At(p, "sources"), "must name at least one source");
      v.Strings(*src, At(p, "sources"), s.sources);
    }
    if (cidr_ok) out.push_back(std::move(s));
  }
}

void ParseNames(Validator& v, const json& arr, const std::string& ptr, std::vector<std::string>& out) {
  v.EachString(arr, ptr, [&](size_t i, std::string name) {
    std::string why;
    if (!IsValidHostname(name, &why)) v.Add(At(ptr, i), "\"" + name + "\" is not a valid host name: " + why);
    else out.push_back(std::move(name));
  });
}

void ParseDestinations(Validator& v, const json& j, const std::string& ptr, Destinations& d) {
  if (!v.IsObject(j, ptr)) return;
  v.Keys(j, ptr, {"text", "supernets", "alternatives", "within_supernets", "traverses_enterprise_network",
                  "cidrs", "fqdns", "wildcards", "groups", "parameters"});
  v.String(j, ptr, "text", true, d.text);
  v.Bool(j, ptr, "supernets", d.supernets);
  v.Bool(j, ptr, "alternatives", d.alternatives);
  v.Bool(j, ptr, "within_supernets", d.within_supernets);
  v.Bool(j, ptr, "traverses_enterprise_network", d.traverses_enterprise_network);
  if (const json* a = v.Array(j, ptr, "cidrs", false)) {
    std::string cp = At(ptr, "cidrs");
    std::set<std::string> seen;
    v.EachString(*a, cp, [&](size_t i, std::string text) {
      auto c = net::Cidr::Parse(text);
      if (!c.ok()) v.Add(At(cp, i), c.error().message);
      else if (!seen.insert(c->ToString()).second) v.Add(At(cp, i), "duplicate address " + c->ToString());
      else d.cidrs.push_back(*c);
    });
  }
  if (const json* a = v.Array(j, ptr, "fqdns", false)) ParseNames(v, *a, At(ptr, "fqdns"), d.fqdns);
  if (const json* a = v.Array(j, ptr, "wildcards", false)) {
    std::string wp = At(ptr, "wildcards");
    v.EachString(*a, wp, [&](size_t i, std::string w) {
      std::string why;
      if (!IsValidWildcard(w, &why)) v.Add(At(wp, i), "\"" + w + "\" is not a valid wildcard domain: " + why);
      else d.wildcards.push_back(std::move(w));
    });
  }
  if (const json* g = v.Get(j, ptr, "groups", false)) {
    std::string gp = At(ptr, "groups");
    if (v.IsObject(*g, gp)) {
      for (auto it = g->begin(); it != g->end(); ++it) {
        std::string p = At(gp, it.key());
        if (it.key().empty()) {
          v.Add(p, "group name must not be empty");
          continue;
        }
        if (!it->is_array()) {
          v.Add(p, std::string("must be an array, got ") + it->type_name());
          continue;
        }
        if (it->empty()) v.Add(p, "a group must list at least one host name");
        std::vector<std::string> names;
        ParseNames(v, *it, p, names);
        d.groups[it.key()] = std::move(names);
      }
    }
  }
  if (const json* a = v.Array(j, ptr, "parameters", false)) {
    std::string pp = At(ptr, "parameters");
    std::set<std::string> seen;
    for (size_t i = 0; i < a->size(); ++i) {
      std::string p = At(pp, i);
      if (!v.IsObject((*a)[i], p)) continue;
      v.Keys((*a)[i], p, {"parameter", "text", "wan"});
      ParameterRef ref;
      if (v.String((*a)[i], p, "parameter", true, ref.parameter, true)) {
        if (!KnownName(KnownParameters(), ref.parameter)) {
          v.Add(At(p, "parameter"), "unknown parameter \"" + ref.parameter + "\" (known: " +
                                        JoinNames(KnownParameters()) + ")");
        } else if (!seen.insert(ref.parameter).second) {
          v.Add(At(p, "parameter"), "duplicate parameter \"" + ref.parameter + "\"");
        }
      }
      v.String((*a)[i], p, "text", true, ref.text);
      v.Bool((*a)[i], p, "wan", ref.wan);
      d.parameters.push_back(std::move(ref));
    }
  }
}

bool HasTargets(const Destinations& d) {
  return d.supernets || !d.cidrs.empty() || !d.fqdns.empty() || !d.wildcards.empty() || !d.groups.empty() ||
         !d.parameters.empty();
}

void ParsePorts(Validator& v, const json& arr, const std::string& ptr, Row& row) {
  std::set<std::string> seen;
  int alternatives = 0;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string p = At(ptr, i);
    if (!v.IsObject(arr[i], p)) continue;
    v.Keys(arr[i], p, {"transport", "range", "qualifier", "condition", "note", "applies_to_group"});
    PortSpec spec;
    bool ok = true;
    std::string s;
    if (v.String(arr[i], p, "transport", true, s, true)) {
      if (s != "tcp" && s != "udp") {
        v.Add(At(p, "transport"), "unknown transport \"" + s + "\" (want tcp or udp)");
        ok = false;
      } else {
        spec.transport = s == "tcp" ? net::Transport::kTcp : net::Transport::kUdp;
      }
    } else {
      ok = false;
    }
    if (v.String(arr[i], p, "range", true, s, true)) {
      auto r = net::PortRange::Parse(s);
      if (!r.ok()) {
        v.Add(At(p, "range"), r.error().message);
        ok = false;
      } else if (r->from == 0) {
        v.Add(At(p, "range"), "port 0 is not a valid destination port");
        ok = false;
      } else {
        spec.range = *r;
      }
    } else {
      ok = false;
    }
    bool qualifier_ok = true;
    if (v.String(arr[i], p, "qualifier", false, s, true)) {
      if (s == "default") spec.qualifier = PortQualifier::kDefault;
      else if (s == "fallback") spec.qualifier = PortQualifier::kFallback;
      else if (s == "alternative") spec.qualifier = PortQualifier::kAlternative;
      else if (s == "conditional") spec.qualifier = PortQualifier::kConditional;
      else {
        v.Add(At(p, "qualifier"), "unknown qualifier \"" + s + "\" (want default, fallback, alternative or conditional)");
        qualifier_ok = false;
      }
    }
    bool has_condition = v.String(arr[i], p, "condition", false, spec.condition, true);
    if (has_condition && !KnownName(KnownConditions(), spec.condition))
      v.Add(At(p, "condition"), "unknown condition \"" + spec.condition + "\" (known: " +
                                    JoinNames(KnownConditions()) + ")");
    // With an unknown qualifier the condition rules below would only add noise.
    if (qualifier_ok) switch (spec.qualifier) {
      case PortQualifier::kConditional:
      case PortQualifier::kFallback:
        if (!has_condition)
          v.Add(At(p, "condition"), std::string("a ") + PortQualifierName(spec.qualifier) +
                                        " port needs a condition");
        break;
      case PortQualifier::kDefault:
      case PortQualifier::kAlternative:
        if (has_condition)
          v.Add(At(p, "condition"), std::string("a ") + PortQualifierName(spec.qualifier) +
                                        " port cannot have a condition (use qualifier conditional)");
        break;
    }
    if (spec.qualifier == PortQualifier::kAlternative) ++alternatives;
    v.String(arr[i], p, "note", false, spec.note);
    if (v.String(arr[i], p, "applies_to_group", false, spec.applies_to_group, true) &&
        !row.destinations.groups.count(spec.applies_to_group))
      v.Add(At(p, "applies_to_group"), "no destination group named \"" + spec.applies_to_group + "\"");
    if (ok) {
      std::string key = std::string(net::TransportName(spec.transport)) + "/" + spec.range.ToString() + "@" +
                        spec.applies_to_group;
      if (!seen.insert(key).second) v.Add(p, "duplicate port " + key.substr(0, key.find('@')));
    }
    row.ports.push_back(std::move(spec));
  }
  if (alternatives == 1)
    v.Add(ptr, "an alternative port needs at least one sibling alternative in the same row");
}

void ParseRow(Validator& v, const json& j, const std::string& ptr, const std::string& service_id, Row& row) {
  if (!v.IsObject(j, ptr)) return;
  v.Keys(j, ptr, {"id", "purpose", "app_protocol", "traffic_class", "direction", "condition",
                  "include_service", "destinations", "ports_text", "ports", "notes"});
  if (v.String(j, ptr, "id", true, row.id, true)) {
    std::string prefix = service_id + ".";
    if (row.id.rfind(prefix, 0) != 0 || !IsIdent(row.id.substr(prefix.size())))
      v.Add(At(ptr, "id"), "row id \"" + row.id + "\" must be \"" + prefix +
                               "<slug>\" with a slug of [a-z][a-z0-9_]*");
  }
  v.String(j, ptr, "purpose", true, row.purpose);
  v.String(j, ptr, "app_protocol", true, row.app_protocol);
  std::string s;
  if (v.String(j, ptr, "traffic_class", true, s, true)) {
    if (s == "media") row.traffic_class = TrafficClass::kMedia;
    else if (s == "signaling") row.traffic_class = TrafficClass::kSignaling;
    else if (s == "data") row.traffic_class = TrafficClass::kData;
    else v.Add(At(ptr, "traffic_class"), "unknown traffic class \"" + s + "\" (want media, signaling or data)");
  }
  if (v.String(j, ptr, "direction", true, s, true)) {
    if (s == "egress") row.direction = net::Direction::kEgress;
    else if (s == "ingress") row.direction = net::Direction::kIngress;
    else v.Add(At(ptr, "direction"), "unknown direction \"" + s + "\" (want egress or ingress)");
  }
  if (v.String(j, ptr, "condition", false, row.condition, true) && !KnownName(KnownConditions(), row.condition))
    v.Add(At(ptr, "condition"), "unknown condition \"" + row.condition + "\" (known: " +
                                    JoinNames(KnownConditions()) + ")");
  v.String(j, ptr, "include_service", false, row.include_service, true);
  // Shape rules below read the destinations; when the destinations themselves are broken
  // those rules would only repeat the same problem in other words.
  size_t errors_before = v.count();
  const json* dest = v.Get(j, ptr, "destinations", true);
  if (dest) ParseDestinations(v, *dest, At(ptr, "destinations"), row.destinations);
  const bool destinations_clean = dest && v.count() == errors_before;
  v.String(j, ptr, "ports_text", true, row.ports_text);
  const json* ports = v.Array(j, ptr, "ports", true);
  if (ports) ParsePorts(v, *ports, At(ptr, "ports"), row);
  v.OptionalStrings(j, ptr, "notes", row.notes);

  // Shape rules that tie the fields together.
  const Destinations& d = row.destinations;
  if (!row.include_service.empty()) {
    if (ports && !ports->empty()) v.Add(At(ptr, "ports"), "a row that includes a service must not list ports");
    if (HasTargets(d)) v.Add(At(ptr, "destinations"), "a row that includes a service must not list destinations");
    return;
  }
  if (ports && ports->empty()) v.Add(At(ptr, "ports"), "must list at least one port");
  if (!destinations_clean) return;
  if (!HasTargets(d) && d.traverses_enterprise_network)
    v.Add(At(ptr, "destinations"),
          "no destinations (give supernets, cidrs, fqdns, wildcards, groups or parameters, or set "
          "traverses_enterprise_network to false)");
  if (d.alternatives && !(d.supernets && (!d.fqdns.empty() || !d.wildcards.empty() || !d.groups.empty())))
    v.Add(At(At(ptr, "destinations"), "alternatives"),
          "alternatives needs both supernets and host names (\"IP supernets or <domain>\")");
  if (d.within_supernets && d.fqdns.empty() && d.groups.empty())
    v.Add(At(At(ptr, "destinations"), "within_supernets"), "within_supernets needs host names");
  if (row.direction == net::Direction::kIngress && d.cidrs.empty() && !d.supernets)
    v.Add(At(ptr, "destinations"), "an ingress row needs source addresses (cidrs or supernets)");
}

void ParseService(Validator& v, const json& j, const std::string& ptr, Service& svc) {
  if (!v.IsObject(j, ptr)) return;
  v.Keys(j, ptr, {"id", "table", "section", "title", "category", "notes", "rows"});
  if (v.String(j, ptr, "id", true, svc.id, true) && !IsIdent(svc.id))
    v.Add(At(ptr, "id"), "service id \"" + svc.id + "\" must match [a-z][a-z0-9_]*");
  v.String(j, ptr, "table", true, svc.table, true);
  v.String(j, ptr, "section", true, svc.section, true);
  v.String(j, ptr, "title", true, svc.title, true);
  if (v.String(j, ptr, "category", true, svc.category, true)) {
    static const std::vector<std::string> kCategories = {"archiver", "common", "endpoint", "integration",
                                                         "sip_trunk"};
    if (!KnownName(kCategories, svc.category))
      v.Add(At(ptr, "category"), "unknown category \"" + svc.category + "\" (known: " + JoinNames(kCategories) + ")");
  }
  v.OptionalStrings(j, ptr, "notes", svc.notes);
  if (const json* rows = v.Array(j, ptr, "rows", true)) {
    if (rows->empty()) v.Add(At(ptr, "rows"), "a service needs at least one row");
    for (size_t i = 0; i < rows->size(); ++i) {
      Row r;
      r.ordinal = static_cast<int>(i) + 1;
      ParseRow(v, (*rows)[i], At(At(ptr, "rows"), i), svc.id, r);
      svc.rows.push_back(std::move(r));
    }
  }
}

void ParseAdvisories(Validator& v, const json& arr, const std::string& ptr, std::vector<Advisory>& out) {
  std::set<std::string> seen;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string p = At(ptr, i);
    if (!v.IsObject(arr[i], p)) continue;
    v.Keys(arr[i], p, {"id", "section", "title", "text", "requirement", "facts"});
    Advisory a;
    if (v.String(arr[i], p, "id", true, a.id, true)) {
      if (!IsIdent(a.id)) v.Add(At(p, "id"), "advisory id \"" + a.id + "\" must match [a-z][a-z0-9_]*");
      else if (!seen.insert(a.id).second) v.Add(At(p, "id"), "duplicate advisory id \"" + a.id + "\"");
    }
    v.String(arr[i], p, "section", true, a.section, true);
    v.String(arr[i], p, "title", true, a.title, true);
    v.String(arr[i], p, "text", true, a.text, true);
    v.String(arr[i], p, "requirement", true, a.requirement, true);
    if (const json* f = v.Get(arr[i], p, "facts", false)) {
      std::string fp = At(p, "facts");
      if (v.IsObject(*f, fp)) {
        for (auto it = f->begin(); it != f->end(); ++it) {
          if (!it->is_string()) v.Add(At(fp, it.key()), std::string("must be a string, got ") + it->type_name());
          else a.facts[it.key()] = it->get<std::string>();
        }
      }
    }
    out.push_back(std::move(a));
  }
}

// Checks ids across services, include targets and include cycles.
void CrossCheck(Validator& v, const Catalog& c) {
  std::map<std::string, size_t> service_index;
  std::map<std::string, std::string> row_ptr;
  for (size_t i = 0; i < c.services.size(); ++i) {
    const Service& s = c.services[i];
    std::string sp = "/services/" + std::to_string(i);
    if (!s.id.empty() && !service_index.emplace(s.id, i).second)
      v.Add(sp + "/id", "duplicate service id \"" + s.id + "\"");
    for (size_t k = 0; k < s.rows.size(); ++k) {
      const Row& r = s.rows[k];
      std::string rp = sp + "/rows/" + std::to_string(k);
      if (!r.id.empty() && !row_ptr.emplace(r.id, rp).second)
        v.Add(rp + "/id", "duplicate row id \"" + r.id + "\" (first at " + row_ptr[r.id] + ")");
    }
  }
  // Include edges; unknown targets reported here, cycles below.
  std::map<size_t, std::vector<std::pair<size_t, std::string>>> edges;
  for (size_t i = 0; i < c.services.size(); ++i) {
    for (size_t k = 0; k < c.services[i].rows.size(); ++k) {
      const Row& r = c.services[i].rows[k];
      if (r.include_service.empty()) continue;
      std::string p = "/services/" + std::to_string(i) + "/rows/" + std::to_string(k) + "/include_service";
      auto it = service_index.find(r.include_service);
      if (it == service_index.end()) v.Add(p, "unknown service \"" + r.include_service + "\"");
      else edges[i].push_back({it->second, p});
    }
  }
  // DFS with colours; a back edge closes a cycle, reported once at the including row.
  std::vector<int> colour(c.services.size(), 0);
  std::vector<size_t> stack;
  std::function<void(size_t)> visit = [&](size_t n) {
    colour[n] = 1;
    stack.push_back(n);
    for (const auto& [to, ptr] : edges[n]) {
      if (colour[to] == 1) {
        std::string path;
        auto from = std::find(stack.begin(), stack.end(), to);
        for (auto it = from; it != stack.end(); ++it) path += c.services[*it].id + " -> ";
        path += c.services[to].id;
        v.Add(ptr, "include cycle: " + path);
      } else if (colour[to] == 0) {
        visit(to);
      }
    }
    stack.pop_back();
    colour[n] = 2;
  };
  for (size_t i = 0; i < c.services.size(); ++i)
    if (colour[i] == 0) visit(i);
}

// nlohmann keeps the last of duplicate object keys silently; in a hand-edited catalog a
// duplicate key is a mistake that would hide data, so the parse callback reports it with
// its JSON pointer.
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        frames_.push_back({event == json::parse_event_t::array_start, 0, {}, {}, ChildPointer()});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        break;
      case json::parse_event_t::key:
        if (!frames_.empty() && parsed.is_string()) {
          Frame& f = frames_.back();
          f.key = parsed.get<std::string>();
          if (!f.keys.insert(f.key).second) found_.push_back(At(f.pointer, f.key));
        }
        break;
      case json::parse_event_t::value:
        ChildPointer();  // advances the array index
        break;
    }
    return true;
  }
  const std::vector<std::string>& found() const { return found_; }

 private:
  struct Frame {
    bool array;
    size_t next_index;
    std::string key;
    std::set<std::string> keys;
    std::string pointer;
  };
  // The pointer of the value that starts now, inside the innermost container.
  std::string ChildPointer() {
    if (frames_.empty()) return "";
    Frame& f = frames_.back();
    return f.array ? At(f.pointer, f.next_index++) : At(f.pointer, f.key);
  }
  std::vector<Frame> frames_;
  std::vector<std::string> found_;
};

void ParseCatalog(Validator& v, const json& root, Catalog& c) {
  if (!v.IsObject(root, "")) return;
  // The format version decides what the rest means: check it first and alone.
  std::string sv;
  if (!v.String(root, "", "schema_version", true, sv, true)) return;
  if (sv != kSchemaVersion) {
    v.Add("/schema_version", "unsupported schema_version \"" + sv + "\" (this provider reads \"" +
                                 kSchemaVersion + "\")");
    return;
  }
  c.schema_version = sv;
  v.Keys(root, "", {"schema_version", "version", "source", "supernets", "services", "advisories"});
  v.String(root, "", "version", true, c.version, true);
  if (const json* s = v.Get(root, "", "source", true)) ParseSource(v, *s, "/source", c.source);
  if (const json* a = v.Array(root, "", "supernets", true)) ParseSupernets(v, *a, "/supernets", c.supernets);
  if (const json* a = v.Array(root, "", "services", true)) {
    if (a->empty()) v.Add("/services", "must list at least one service");
    for (size_t i = 0; i < a->size(); ++i) {
      Service s;
      ParseService(v, (*a)[i], At("/services", i), s);
      c.services.push_back(std::move(s));
    }
  }
  if (const json* a = v.Array(root, "", "advisories", true)) ParseAdvisories(v, *a, "/advisories", c.advisories);
  CrossCheck(v, c);
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

Result<Catalog> LoadFromJson(std::string_view json_text, std::vector<ValidationError>& errors) {
  errors.clear();
  Validator v(errors);
  Catalog c;
  if (json_text.size() > kMaxCatalogBytes) {
    v.Add("", "catalog is larger than " + std::to_string(kMaxCatalogBytes) + " bytes");
  } else {
    json root;
    DuplicateKeyFinder duplicates;
    bool parsed = false;
    try {
      root = json::parse(json_text.begin(), json_text.end(), std::ref(duplicates));
      parsed = true;
    } catch (const json::exception& e) {
      v.Add("", std::string("not valid JSON: ") + e.what());
    }
    if (parsed) {
      for (const auto& p : duplicates.found()) v.Add(p, "duplicate key (a JSON object names it twice; the last one would win)");
      try {
        ParseCatalog(v, root, c);
      } catch (const std::exception& e) {
        // Should not happen (every access is type-checked); keep it an error, not a crash.
        v.Add("", std::string("internal error while validating: ") + e.what());
      }
    }
  }
  if (!errors.empty()) {
    std::string msg = "invalid catalog (" + std::to_string(errors.size()) +
                      (errors.size() == 1 ? " problem):" : " problems):");
    for (const auto& e : errors) msg += "\n" + (e.pointer.empty() ? std::string("(root)") : e.pointer) + ": " + e.reason;
    return MakeError(ErrorCode::kInvalidArgument, msg, errors.front().pointer);
  }
  c.content_sha256 = Sha256Hex(ToJson(c));
  return c;
}

Result<Catalog> LoadFromJson(std::string_view json_text) {
  std::vector<ValidationError> errors;
  return LoadFromJson(json_text, errors);
}

Result<Catalog> LoadPinned(std::string_view bytes, std::string_view expected_sha256) {
  std::string got = Sha256Hex(bytes);
  std::string want(expected_sha256);
  std::transform(want.begin(), want.end(), want.begin(), ::tolower);
  if (got != want)
    return MakeError(ErrorCode::kInvalidArgument,
                     "catalog sha256 mismatch: expected " + std::string(expected_sha256) + ", got " + got);
  return LoadFromJson(bytes);
}

}  // namespace prov::catalog
