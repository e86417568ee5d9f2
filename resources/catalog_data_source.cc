#include "resources/catalog_data_source.h"

#include <set>

#include "resources/selection.h"
#include "resources/values.h"

namespace prov::resources {

namespace {

Type PortType() {
  return Type::Object({{"transport", Type::String()},
                       {"from", Type::Number()},
                       {"to", Type::Number()},
                       {"range", Type::String()},
                       {"qualifier", Type::String()},
                       {"condition", Type::String()},
                       {"note", Type::String()},
                       {"applies_to", Type::String()}});
}

Type SourceType() {
  return Type::Object({{"title", Type::String()},
                       {"article", Type::String()},
                       {"url", Type::String()},
                       {"retrieved", Type::String()},
                       {"sha256", Type::String()}});
}

schema::Block BuildSchema() {
  schema::Block b;
  b.description =
      "The Office@Hand network-requirements catalog in force (embedded in the provider, or the "
      "provider's `catalog_file`/`catalog_url` override), filtered by services and conditions.";
  b.attributes = SelectionAttributes(/*with_parameters=*/false);
  auto SL = Type::List(Type::String());
  std::vector<schema::Attribute> computed = {
      Computed("id", Type::String(), "Catalog version and content hash."),
      Computed("version", Type::String(), "Catalog data version."),
      Computed("content_sha256", Type::String(), "SHA-256 of the canonical catalog content."),
      Computed("origin", Type::String(), "Where the catalog came from: embedded, file:…, url:…."),
      Computed("source_document", SourceType(), "The vendor article the catalog transcribes."),
      Computed("services_selected", SL, "Service ids in force, including tables added by reference."),
      Computed("supernets", SL, "The advertised IP supernets (Table 2.1)."),
      Computed("flows", Type::List(FlowType()),
               "One object per catalog row of the selected services (rows whose condition is off are "
               "left out; ports whose condition is off are left out)."),
      Computed("fqdns", SL, "Exact domain names of the selected rows, sorted, unique."),
      Computed("wildcard_domains", SL, "Wildcard domains of the selected rows, sorted, unique."),
      Computed("explicit_ips", SL, "Explicit IP addresses/prefixes of the selected rows."),
      Computed("advisories", Type::List(AdvisoryType()),
               "Requirements that are not firewall rules: DNS, NAT timeout, QoS/DSCP, DPI, VLANs…"),
  };
  b.attributes.insert(b.attributes.end(), computed.begin(), computed.end());
  return b;
}

}  // namespace

Type FlowType() {
  auto S = Type::String();
  auto SL = Type::List(Type::String());
  return Type::Object({{"id", S},
                       {"service", S},
                       {"table", S},
                       {"ordinal", Type::Number()},
                       {"purpose", S},
                       {"application_protocol", S},
                       {"traffic_class", S},
                       {"direction", S},
                       {"supernets", Type::Bool()},
                       {"alternatives", Type::Bool()},
                       {"within_supernets", Type::Bool()},
                       {"traverses_enterprise_network", Type::Bool()},
                       {"cidrs", SL},
                       {"fqdns", SL},
                       {"wildcard_domains", SL},
                       {"parameters", SL},
                       {"destinations_text", S},
                       {"ports", Type::List(PortType())},
                       {"ports_text", S},
                       {"condition", S},
                       {"include_service", S},
                       {"notes", SL}});
}

Type AdvisoryType() {
  return Type::Object({{"id", Type::String()},
                       {"section", Type::String()},
                       {"title", Type::String()},
                       {"requirement", Type::String()},
                       {"text", Type::String()},
                       {"facts", Type::Map(Type::String())}});
}

cty::Value FlowValue(const catalog::Service& s, const catalog::Row& r, const rules::Selection& sel) {
  std::vector<cty::Value> ports;
  for (const auto& p : r.ports) {
    if (!PortSelected(p, sel)) continue;
    ports.push_back(cty::Value::ObjectOfType(
        PortType(), {{"transport", Str(net::TransportName(p.transport))},
                     {"from", Num(p.range.from)},
                     {"to", Num(p.range.to)},
                     {"range", Str(p.range.ToString())},
                     {"qualifier", Str(catalog::PortQualifierName(p.qualifier))},
                     {"condition", Str(p.condition)},
                     {"note", Str(p.note)},
                     {"applies_to", Str(p.applies_to_group)}}));
  }
  std::vector<std::string> cidrs, params;
  for (const auto& c : r.destinations.cidrs) cidrs.push_back(c.ToString());
  for (const auto& p : r.destinations.parameters) params.push_back(p.parameter);
  std::vector<std::string> fqdns = r.destinations.fqdns;
  for (const auto& [g, names] : r.destinations.groups)
    for (const auto& n : names)
      if (std::find(fqdns.begin(), fqdns.end(), n) == fqdns.end()) fqdns.push_back(n);
  return cty::Value::ObjectOfType(
      FlowType(),
      {{"id", Str(r.id)},
       {"service", Str(s.id)},
       {"table", Str(s.table)},
       {"ordinal", Num(r.ordinal)},
       {"purpose", Str(r.purpose)},
       {"application_protocol", Str(r.app_protocol)},
       {"traffic_class", Str(catalog::TrafficClassName(r.traffic_class))},
       {"direction", Str(net::DirectionName(r.direction))},
       {"supernets", BoolV(r.destinations.supernets)},
       {"alternatives", BoolV(r.destinations.alternatives)},
       {"within_supernets", BoolV(r.destinations.within_supernets)},
       {"traverses_enterprise_network", BoolV(r.destinations.traverses_enterprise_network)},
       {"cidrs", StrList(cidrs)},
       {"fqdns", StrList(fqdns)},
       {"wildcard_domains", StrList(r.destinations.wildcards)},
       {"parameters", StrList(params)},
       {"destinations_text", Str(r.destinations.text)},
       {"ports", cty::Value::List(PortType(), ports)},
       {"ports_text", Str(r.ports_text)},
       {"condition", Str(r.condition)},
       {"include_service", Str(r.include_service)},
       {"notes", StrList(r.notes)}});
}

cty::Value AdvisoryValue(const catalog::Advisory& a) {
  std::map<std::string, cty::Value> facts;
  for (const auto& [k, v] : a.facts) facts[k] = Str(v);
  return cty::Value::ObjectOfType(AdvisoryType(), {{"id", Str(a.id)},
                                                   {"section", Str(a.section)},
                                                   {"title", Str(a.title)},
                                                   {"requirement", Str(a.requirement)},
                                                   {"text", Str(a.text)},
                                                   {"facts", cty::Value::Map(Type::String(), facts)}});
}

const schema::Block& CatalogDataSource::Schema() const {
  static const schema::Block* s = new schema::Block(BuildSchema());
  return *s;
}

void CatalogDataSource::Validate(const protocol::CallContext&, const cty::Value& config,
                                 protocol::Diagnostics& diags) {
  auto data = data_.Get();
  ReadSelection(config, *data->catalog, diags);
}

void CatalogDataSource::Read(const protocol::CallContext&, const protocol::ReadDataSourceRequest& req,
                             protocol::ReadDataSourceResponse& resp) {
  auto data = data_.Get();
  const catalog::Catalog& cat = *data->catalog;
  rules::Selection sel = ReadSelection(req.config, cat, resp.diagnostics);
  if (resp.diagnostics.HasError()) return;

  std::vector<cty::Value> flows;
  std::set<std::string> fqdns, wildcards, ips;
  std::vector<std::string> selected;
  for (const catalog::Service* s : ExpandServices(cat, sel.services)) {
    selected.push_back(s->id);
    for (const auto& r : s->rows) {
      if (!RowSelected(r, sel)) continue;
      flows.push_back(FlowValue(*s, r, sel));
      for (const auto& f : r.destinations.fqdns) fqdns.insert(f);
      for (const auto& [g, names] : r.destinations.groups) fqdns.insert(names.begin(), names.end());
      for (const auto& w : r.destinations.wildcards) wildcards.insert(w);
      for (const auto& c : r.destinations.cidrs) ips.insert(c.ToString());
    }
  }
  std::vector<std::string> supernets;
  for (const auto& s : cat.supernets) supernets.push_back(s.cidr.ToString());
  std::vector<cty::Value> advisories;
  for (const auto& a : cat.advisories) advisories.push_back(AdvisoryValue(a));

  cty::Value source = cty::Value::ObjectOfType(
      Type::Object({{"title", Type::String()}, {"article", Type::String()}, {"url", Type::String()},
                    {"retrieved", Type::String()}, {"sha256", Type::String()}}),
      {{"title", Str(cat.source.title)}, {"article", Str(cat.source.article)}, {"url", Str(cat.source.url)},
       {"retrieved", Str(cat.source.retrieved)}, {"sha256", Str(cat.source.sha256)}});

  std::map<std::string, cty::Value> attrs;
  for (const auto& [k, v] : req.config.Attributes()) attrs[k] = v;
  attrs["id"] = Str(cat.version + "/" + cat.content_sha256.substr(0, 12));
  attrs["version"] = Str(cat.version);
  attrs["content_sha256"] = Str(cat.content_sha256);
  attrs["origin"] = Str(data->catalog_origin);
  attrs["source_document"] = source;
  attrs["services_selected"] = StrList(selected);
  attrs["supernets"] = StrList(supernets);
  attrs["flows"] = cty::Value::List(FlowType(), flows);
  attrs["fqdns"] = StrList({fqdns.begin(), fqdns.end()});
  attrs["wildcard_domains"] = StrList({wildcards.begin(), wildcards.end()});
  attrs["explicit_ips"] = StrList({ips.begin(), ips.end()});
  attrs["advisories"] = cty::Value::List(AdvisoryType(), advisories);
  resp.state = ObjectFor(Schema(), std::move(attrs));
}

}  // namespace prov::resources
