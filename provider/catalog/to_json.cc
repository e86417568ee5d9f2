// Canonical JSON: fixed field order, defaults omitted, two-space indent, UTF-8, one
// trailing newline. The data file in the repository is kept in exactly this form (a test
// checks it), so content_sha256 equals the sha256 of that file.
#include <nlohmann/json.hpp>

#include "provider/catalog/loader.h"

namespace prov::catalog {
namespace {

using ojson = nlohmann::ordered_json;

ojson Strings(const std::vector<std::string>& v) {
  ojson a = ojson::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

ojson DestinationsJson(const Destinations& d) {
  ojson j;
  j["text"] = d.text;
  if (d.supernets) j["supernets"] = true;
  if (d.alternatives) j["alternatives"] = true;
  if (d.within_supernets) j["within_supernets"] = true;
  if (!d.traverses_enterprise_network) j["traverses_enterprise_network"] = false;
  if (!d.cidrs.empty()) {
    ojson a = ojson::array();
    for (const auto& c : d.cidrs) a.push_back(c.ToString());
    j["cidrs"] = a;
  }
  if (!d.fqdns.empty()) j["fqdns"] = Strings(d.fqdns);
  if (!d.wildcards.empty()) j["wildcards"] = Strings(d.wildcards);
  if (!d.groups.empty()) {
    ojson g = ojson::object();
    for (const auto& [name, hosts] : d.groups) g[name] = Strings(hosts);
    j["groups"] = g;
  }
  if (!d.parameters.empty()) {
    ojson a = ojson::array();
    for (const auto& p : d.parameters) {
      ojson pj;
      pj["parameter"] = p.parameter;
      pj["text"] = p.text;
      if (!p.wan) pj["wan"] = false;
      a.push_back(pj);
    }
    j["parameters"] = a;
  }
  return j;
}

ojson RowJson(const Row& r) {
  ojson j;
  j["id"] = r.id;
  j["purpose"] = r.purpose;
  j["app_protocol"] = r.app_protocol;
  j["traffic_class"] = TrafficClassName(r.traffic_class);
  j["direction"] = net::DirectionName(r.direction);
  if (!r.condition.empty()) j["condition"] = r.condition;
  if (!r.include_service.empty()) j["include_service"] = r.include_service;
  j["destinations"] = DestinationsJson(r.destinations);
  j["ports_text"] = r.ports_text;
  ojson ports = ojson::array();
  for (const auto& p : r.ports) {
    ojson pj;
    pj["transport"] = net::TransportName(p.transport);
    pj["range"] = p.range.ToString();
    if (p.qualifier != PortQualifier::kDefault) pj["qualifier"] = PortQualifierName(p.qualifier);
    if (!p.condition.empty()) pj["condition"] = p.condition;
    if (!p.note.empty()) pj["note"] = p.note;
    if (!p.applies_to_group.empty()) pj["applies_to_group"] = p.applies_to_group;
    ports.push_back(pj);
  }
  j["ports"] = ports;
  if (!r.notes.empty()) j["notes"] = Strings(r.notes);
  return j;
}

}  // namespace

std::string ToJson(const Catalog& c) {
  ojson j;
  j["schema_version"] = c.schema_version;
  j["version"] = c.version;
  ojson src;
  src["title"] = c.source.title;
  src["article"] = c.source.article;
  src["url"] = c.source.url;
  src["retrieved"] = c.source.retrieved;
  src["sha256"] = c.source.sha256;
  j["source"] = src;
  ojson supernets = ojson::array();
  for (const auto& s : c.supernets) {
    ojson sj;
    sj["cidr"] = s.cidr.ToString();
    sj["sources"] = Strings(s.sources);
    supernets.push_back(sj);
  }
  j["supernets"] = supernets;
  ojson services = ojson::array();
  for (const auto& s : c.services) {
    ojson sj;
    sj["id"] = s.id;
    sj["table"] = s.table;
    sj["section"] = s.section;
    sj["title"] = s.title;
    sj["category"] = s.category;
    if (!s.notes.empty()) sj["notes"] = Strings(s.notes);
    ojson rows = ojson::array();
    for (const auto& r : s.rows) rows.push_back(RowJson(r));
    sj["rows"] = rows;
    services.push_back(sj);
  }
  j["services"] = services;
  ojson advisories = ojson::array();
  for (const auto& a : c.advisories) {
    ojson aj;
    aj["id"] = a.id;
    aj["section"] = a.section;
    aj["title"] = a.title;
    aj["text"] = a.text;
    aj["requirement"] = a.requirement;
    if (!a.facts.empty()) {
      ojson f = ojson::object();
      for (const auto& [k, v] : a.facts) f[k] = v;
      aj["facts"] = f;
    }
    advisories.push_back(aj);
  }
  j["advisories"] = advisories;
  // Strings came through the validating parser, but a model built in code may hold bad
  // UTF-8: replace instead of throwing.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace prov::catalog
