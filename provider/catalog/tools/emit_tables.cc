#include "provider/catalog/tools/emit_tables.h"

#include <cstdio>
#include <sstream>
#include <vector>

namespace prov::catalog::tools {
namespace {

// A string_view initializer with an explicit length. Every byte outside printable ASCII,
// and the characters that mean something inside a literal, become three-digit octal
// escapes, so no escaping rule (or a following digit) can change the bytes.
std::string Lit(std::string_view s) {
  std::string out = "{\"";
  char buf[8];
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
      out.push_back(static_cast<char>(c));
    } else {
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    }
  }
  out += "\", " + std::to_string(s.size()) + "}";
  return out;
}

std::string Bool(bool b) { return b ? "true" : "false"; }

std::string SpanText(uint32_t begin, uint32_t count) {
  return "{" + std::to_string(begin) + ", " + std::to_string(count) + "}";
}

std::string CidrText(const net::Cidr& c) {
  std::string out = c.family == net::Family::kIPv4 ? "{net::Family::kIPv4, {{" : "{net::Family::kIPv6, {{";
  for (size_t i = 0; i < c.addr.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(c.addr[i]);
  }
  out += "}}, " + std::to_string(c.prefix_len) + "}";
  return out;
}

const char* TrafficClassEnum(TrafficClass c) {
  switch (c) {
    case TrafficClass::kMedia: return "TrafficClass::kMedia";
    case TrafficClass::kSignaling: return "TrafficClass::kSignaling";
    case TrafficClass::kData: return "TrafficClass::kData";
  }
  return "TrafficClass::kData";
}

const char* QualifierEnum(PortQualifier q) {
  switch (q) {
    case PortQualifier::kDefault: return "PortQualifier::kDefault";
    case PortQualifier::kFallback: return "PortQualifier::kFallback";
    case PortQualifier::kAlternative: return "PortQualifier::kAlternative";
    case PortQualifier::kConditional: return "PortQualifier::kConditional";
  }
  return "PortQualifier::kDefault";
}

// Flat tables being filled; each record is one line of C++ initializer text.
struct Tables {
  std::vector<std::string> strings, cidrs, parameters, groups, ports, rows, facts, services, supernets,
      advisories;

  std::string Strings(const std::vector<std::string>& v) {
    const auto begin = static_cast<uint32_t>(strings.size());
    for (const auto& s : v) strings.push_back(Lit(s));
    return SpanText(begin, static_cast<uint32_t>(v.size()));
  }

  std::string Row(const catalog::Row& r) {
    const Destinations& d = r.destinations;
    const auto cidr_begin = static_cast<uint32_t>(cidrs.size());
    for (const auto& c : d.cidrs) cidrs.push_back(CidrText(c));
    const std::string cidr_span = SpanText(cidr_begin, static_cast<uint32_t>(d.cidrs.size()));
    const std::string fqdn_span = Strings(d.fqdns);
    const std::string wildcard_span = Strings(d.wildcards);
    const auto param_begin = static_cast<uint32_t>(parameters.size());
    for (const auto& p : d.parameters)
      parameters.push_back("{" + Lit(p.parameter) + ", " + Lit(p.text) + ", " + Bool(p.wan) + "}");
    const std::string param_span = SpanText(param_begin, static_cast<uint32_t>(d.parameters.size()));
    // Host lists first, so the group records can name their spans.
    std::vector<std::string> group_records;
    for (const auto& [name, hosts] : d.groups) group_records.push_back("{" + Lit(name) + ", " + Strings(hosts) + "}");
    const auto group_begin = static_cast<uint32_t>(groups.size());
    for (auto& g : group_records) groups.push_back(std::move(g));
    const std::string group_span = SpanText(group_begin, static_cast<uint32_t>(d.groups.size()));
    const auto port_begin = static_cast<uint32_t>(ports.size());
    for (const auto& p : r.ports) {
      ports.push_back(std::string("{") + (p.transport == net::Transport::kTcp ? "net::Transport::kTcp" : "net::Transport::kUdp") +
                      ", {" + std::to_string(p.range.from) + ", " + std::to_string(p.range.to) + "}, " +
                      QualifierEnum(p.qualifier) + ", " + Lit(p.condition) + ", " + Lit(p.note) + ", " +
                      Lit(p.applies_to_group) + "}");
    }
    const std::string port_span = SpanText(port_begin, static_cast<uint32_t>(r.ports.size()));
    const std::string notes_span = Strings(r.notes);
    std::ostringstream o;
    o << "{" << Lit(r.id) << ", " << r.ordinal << ", " << Lit(r.purpose) << ", " << Lit(r.app_protocol) << ", "
      << TrafficClassEnum(r.traffic_class) << ", "
      << (r.direction == net::Direction::kEgress ? "net::Direction::kEgress" : "net::Direction::kIngress") << ", "
      << Bool(d.supernets) << ", " << Bool(d.alternatives) << ", " << Bool(d.within_supernets) << ", "
      << Bool(d.traverses_enterprise_network) << ", " << Lit(d.text) << ", " << cidr_span << ", " << fqdn_span
      << ", " << wildcard_span << ", " << param_span << ", " << group_span << ", " << port_span << ", "
      << Lit(r.ports_text) << ", " << Lit(r.condition) << ", " << Lit(r.include_service) << ", " << notes_span
      << "}";
    return o.str();
  }
};

// A constexpr array; one default element at the end keeps an empty table legal C++.
void Array(std::ostream& out, const char* type, const char* name, const std::vector<std::string>& items) {
  out << "constexpr " << type << " " << name << "[] = {\n";
  for (const auto& i : items) out << "    " << i << ",\n";
  out << "    {}};\n\n";
}

}  // namespace

std::string EmitCompiledCatalog(const Catalog& c, const std::string& json_bytes, const std::string& source) {
  Tables t;
  for (const auto& s : c.supernets) t.supernets.push_back("{" + CidrText(s.cidr) + ", " + t.Strings(s.sources) + "}");
  for (const auto& s : c.services) {
    const std::string notes = t.Strings(s.notes);
    std::vector<std::string> rows;
    for (const auto& r : s.rows) rows.push_back(t.Row(r));
    const auto row_begin = static_cast<uint32_t>(t.rows.size());
    for (auto& r : rows) t.rows.push_back(std::move(r));
    t.services.push_back("{" + Lit(s.id) + ", " + Lit(s.table) + ", " + Lit(s.section) + ", " + Lit(s.title) + ", " +
                         Lit(s.category) + ", " + notes + ", " +
                         SpanText(row_begin, static_cast<uint32_t>(s.rows.size())) + "}");
  }
  for (const auto& a : c.advisories) {
    const auto fact_begin = static_cast<uint32_t>(t.facts.size());
    for (const auto& [k, v] : a.facts) t.facts.push_back("{" + Lit(k) + ", " + Lit(v) + "}");
    t.advisories.push_back("{" + Lit(a.id) + ", " + Lit(a.section) + ", " + Lit(a.title) + ", " + Lit(a.text) +
                           ", " + Lit(a.requirement) + ", " +
                           SpanText(fact_begin, static_cast<uint32_t>(a.facts.size())) + "}");
  }

  std::ostringstream out;
  out << "// Generated by catalog_check from " << source << ". Do not edit.\n"
      << "// The catalog as constant tables (provider/catalog/compiled.h) and the JSON bytes they\n"
      << "// were compiled from.\n"
      << "#include <cstddef>\n\n#include \"provider/catalog/compiled.h\"\n\n"
      << "namespace prov::catalog::internal {\n\n"
      << "extern const unsigned char kEmbeddedCatalog[];\nextern const std::size_t kEmbeddedCatalogSize;\n"
      << "extern const compiled::Tables kEmbeddedTables;\n\n"
      << "// The JSON source, as an array so no escaping rules of string literals can bite.\n"
      << "const unsigned char kEmbeddedCatalog[] = {\n";
  char buf[8];
  for (size_t i = 0; i < json_bytes.size(); ++i) {
    std::snprintf(buf, sizeof buf, "0x%02x,", static_cast<unsigned char>(json_bytes[i]));
    out << buf << ((i % 16 == 15) ? "\n" : "");
  }
  out << "0x00};\nconst std::size_t kEmbeddedCatalogSize = " << json_bytes.size() << ";\n\n"
      << "namespace {\n\nusing namespace prov::catalog::compiled;\n\n";
  Array(out, "Str", "kStrings", t.strings);
  Array(out, "net::Cidr", "kCidrs", t.cidrs);
  Array(out, "ParameterRec", "kParameters", t.parameters);
  Array(out, "GroupRec", "kGroups", t.groups);
  Array(out, "PortRec", "kPorts", t.ports);
  Array(out, "RowRec", "kRows", t.rows);
  Array(out, "FactRec", "kFacts", t.facts);
  Array(out, "ServiceRec", "kServices", t.services);
  Array(out, "SupernetRec", "kSupernets", t.supernets);
  Array(out, "AdvisoryRec", "kAdvisories", t.advisories);
  out << "}  // namespace\n\n"
      << "constinit const compiled::Tables kEmbeddedTables = {\n"
      << "    " << Lit(c.schema_version) << ",\n    " << Lit(c.version) << ",\n"
      << "    " << Lit(c.source.title) << ",\n    " << Lit(c.source.article) << ",\n"
      << "    " << Lit(c.source.url) << ",\n    " << Lit(c.source.retrieved) << ",\n"
      << "    " << Lit(c.source.sha256) << ",\n    " << Lit(c.content_sha256) << ",\n"
      << "    kStrings, kCidrs, kParameters, kGroups, kPorts, kRows, kFacts,\n"
      << "    kServices, " << c.services.size() << ",\n"
      << "    kSupernets, " << c.supernets.size() << ",\n"
      << "    kAdvisories, " << c.advisories.size() << "};\n\n"
      << "}  // namespace prov::catalog::internal\n";
  return out.str();
}

}  // namespace prov::catalog::tools
