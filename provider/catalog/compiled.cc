#include "provider/catalog/compiled.h"

namespace prov::catalog::compiled {
namespace {

std::vector<std::string> Strings(const Tables& t, Span s) {
  std::vector<std::string> out;
  out.reserve(s.count);
  for (uint32_t i = 0; i < s.count; ++i) out.emplace_back(t.strings[s.begin + i]);
  return out;
}

Row MakeRow(const Tables& t, const RowRec& r) {
  Row row;
  row.id = r.id;
  row.ordinal = r.ordinal;
  row.purpose = r.purpose;
  row.app_protocol = r.app_protocol;
  row.traffic_class = r.traffic_class;
  row.direction = r.direction;
  Destinations& d = row.destinations;
  d.supernets = r.supernets;
  d.alternatives = r.alternatives;
  d.within_supernets = r.within_supernets;
  d.traverses_enterprise_network = r.traverses_enterprise_network;
  d.text = r.destinations_text;
  d.cidrs.assign(t.cidrs + r.cidrs.begin, t.cidrs + r.cidrs.begin + r.cidrs.count);
  d.fqdns = Strings(t, r.fqdns);
  d.wildcards = Strings(t, r.wildcards);
  d.parameters.reserve(r.parameters.count);
  for (uint32_t i = 0; i < r.parameters.count; ++i) {
    const ParameterRec& p = t.parameters[r.parameters.begin + i];
    d.parameters.push_back(ParameterRef{std::string(p.parameter), std::string(p.text), p.wan});
  }
  for (uint32_t i = 0; i < r.groups.count; ++i) {
    const GroupRec& g = t.groups[r.groups.begin + i];
    d.groups.emplace(std::string(g.name), Strings(t, g.hosts));
  }
  row.ports.reserve(r.ports.count);
  for (uint32_t i = 0; i < r.ports.count; ++i) {
    const PortRec& p = t.ports[r.ports.begin + i];
    PortSpec& ps = row.ports.emplace_back();
    ps.transport = p.transport;
    ps.range = p.range;
    ps.qualifier = p.qualifier;
    ps.condition = p.condition;
    ps.note = p.note;
    ps.applies_to_group = p.applies_to_group;
  }
  row.ports_text = r.ports_text;
  row.condition = r.condition;
  row.include_service = r.include_service;
  row.notes = Strings(t, r.notes);
  return row;
}

}  // namespace

Catalog FromTables(const Tables& t) {
  Catalog c;
  c.schema_version = t.schema_version;
  c.version = t.version;
  c.source.title = t.source_title;
  c.source.article = t.source_article;
  c.source.url = t.source_url;
  c.source.retrieved = t.source_retrieved;
  c.source.sha256 = t.source_sha256;
  c.supernets.reserve(t.supernet_count);
  for (uint32_t i = 0; i < t.supernet_count; ++i) {
    const SupernetRec& s = t.supernets[i];
    c.supernets.push_back(Supernet{s.cidr, Strings(t, s.sources)});
  }
  c.services.reserve(t.service_count);
  for (uint32_t i = 0; i < t.service_count; ++i) {
    const ServiceRec& s = t.services[i];
    Service& svc = c.services.emplace_back();
    svc.id = s.id;
    svc.table = s.table;
    svc.section = s.section;
    svc.title = s.title;
    svc.category = s.category;
    svc.notes = Strings(t, s.notes);
    svc.rows.reserve(s.rows.count);
    for (uint32_t j = 0; j < s.rows.count; ++j) svc.rows.push_back(MakeRow(t, t.rows[s.rows.begin + j]));
  }
  c.advisories.reserve(t.advisory_count);
  for (uint32_t i = 0; i < t.advisory_count; ++i) {
    const AdvisoryRec& a = t.advisories[i];
    Advisory& adv = c.advisories.emplace_back();
    adv.id = a.id;
    adv.section = a.section;
    adv.title = a.title;
    adv.text = a.text;
    adv.requirement = a.requirement;
    for (uint32_t j = 0; j < a.facts.count; ++j) {
      const FactRec& f = t.facts[a.facts.begin + j];
      adv.facts.emplace(std::string(f.key), std::string(f.value));
    }
  }
  c.content_sha256 = t.content_sha256;
  return c;
}

}  // namespace prov::catalog::compiled
