// CSV, Markdown and Diff renderings of a catalog (ToJson lives in to_json.cc).
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "provider/catalog/loader.h"

namespace prov::catalog {
namespace {

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::string CidrList(const std::vector<net::Cidr>& v) {
  std::vector<std::string> s;
  for (const auto& c : v) s.push_back(c.ToString());
  return Join(s, " ");
}

std::string GroupList(const std::map<std::string, std::vector<std::string>>& groups) {
  std::vector<std::string> s;
  for (const auto& [name, hosts] : groups) s.push_back(name + ": " + Join(hosts, " "));
  return Join(s, "; ");
}

std::string ParameterList(const std::vector<ParameterRef>& params) {
  std::vector<std::string> s;
  for (const auto& p : params) s.push_back(p.parameter + (p.wan ? "" : " (lan only)"));
  return Join(s, " ");
}

std::string PortSummary(const PortSpec& p) {
  std::string s = std::string(net::TransportName(p.transport)) + "/" + p.range.ToString();
  if (p.qualifier != PortQualifier::kDefault) s += " " + std::string(PortQualifierName(p.qualifier));
  if (!p.condition.empty()) s += " if " + p.condition;
  if (!p.applies_to_group.empty()) s += " [" + p.applies_to_group + "]";
  return s;
}

std::string PortsSummary(const std::vector<PortSpec>& ports) {
  std::vector<std::string> s;
  for (const auto& p : ports) s.push_back(PortSummary(p));
  return Join(s, ", ");
}

// RFC 4180: quote when the field holds a comma, quote, CR or LF; double inner quotes.
std::string CsvField(const std::string& f) {
  if (f.find_first_of(",\"\r\n") == std::string::npos) return f;
  std::string out = "\"";
  for (char c : f) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + CsvField(fields[i]);
  return line + "\r\n";
}

// Markdown table cell: pipes and emphasis marks escaped ("*.ringcentral.biz", "**"),
// line breaks as <br>.
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '*' || c == '_') out += '\\', out += c;
    else if (c == '\n') out += "<br>";
    else if (c != '\r') out += c;
  }
  return out;
}

std::string DestinationsSummary(const Destinations& d) {
  std::vector<std::string> parts;
  if (d.supernets) parts.push_back("supernets");
  if (!d.cidrs.empty()) parts.push_back(CidrList(d.cidrs));
  if (!d.fqdns.empty()) parts.push_back(Join(d.fqdns, " "));
  if (!d.wildcards.empty()) parts.push_back(Join(d.wildcards, " "));
  if (!d.groups.empty()) parts.push_back(GroupList(d.groups));
  if (!d.parameters.empty()) parts.push_back("parameter " + ParameterList(d.parameters));
  std::string s = Join(parts, d.alternatives ? " or " : "; ");
  if (d.within_supernets) s += " (within the supernets)";
  if (!d.traverses_enterprise_network) s += (s.empty() ? "" : " ") + std::string("(does not traverse the enterprise network)");
  return s;
}

// The comparable fields of a row, by name, for Diff.
std::map<std::string, std::string> RowFields(const Service& s, const Row& r) {
  const Destinations& d = r.destinations;
  return {
      {"service", s.id},
      {"ordinal", std::to_string(r.ordinal)},
      {"purpose", r.purpose},
      {"app_protocol", r.app_protocol},
      {"traffic_class", TrafficClassName(r.traffic_class)},
      {"direction", net::DirectionName(r.direction)},
      {"condition", r.condition},
      {"include_service", r.include_service},
      {"destinations.text", d.text},
      {"destinations.supernets", d.supernets ? "true" : "false"},
      {"destinations.alternatives", d.alternatives ? "true" : "false"},
      {"destinations.within_supernets", d.within_supernets ? "true" : "false"},
      {"destinations.traverses_enterprise_network", d.traverses_enterprise_network ? "true" : "false"},
      {"destinations.cidrs", CidrList(d.cidrs)},
      {"destinations.fqdns", Join(d.fqdns, " ")},
      {"destinations.wildcards", Join(d.wildcards, " ")},
      {"destinations.groups", GroupList(d.groups)},
      {"destinations.parameters", ParameterList(d.parameters)},
      {"ports", PortsSummary(r.ports)},
      {"ports_text", r.ports_text},
      {"notes", Join(r.notes, " | ")},
  };
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
  return out + "\"";
}

std::map<std::string, std::string> AdvisoryFields(const Advisory& a) {
  std::map<std::string, std::string> f = {
      {"section", a.section}, {"title", a.title}, {"text", a.text}, {"requirement", a.requirement}};
  for (const auto& [k, v] : a.facts) f["facts." + k] = v;
  return f;
}

void FieldChanges(std::ostringstream& out, const std::map<std::string, std::string>& a,
                  const std::map<std::string, std::string>& b) {
  std::set<std::string> keys;
  for (const auto& [k, _] : a) keys.insert(k);
  for (const auto& [k, _] : b) keys.insert(k);
  for (const auto& k : keys) {
    auto ia = a.find(k), ib = b.find(k);
    std::string va = ia == a.end() ? "" : ia->second, vb = ib == b.end() ? "" : ib->second;
    if (va != vb) out << "    " << k << ": " << Quote(va) << " -> " << Quote(vb) << "\n";
  }
}

}  // namespace

std::string ToCsv(const Catalog& c) {
  std::string out = CsvLine({"service", "table", "row_id", "ordinal", "purpose", "app_protocol", "traffic_class",
                             "direction", "row_condition", "include_service", "supernets", "alternatives",
                             "within_supernets", "cidrs", "fqdns", "wildcards", "groups", "parameters",
                             "destinations_text", "transport", "ports", "qualifier", "port_condition",
                             "applies_to_group", "port_note"});
  for (const auto& s : c.services) {
    for (const auto& r : s.rows) {
      const Destinations& d = r.destinations;
      std::vector<std::string> base = {s.id,
                                       s.table,
                                       r.id,
                                       std::to_string(r.ordinal),
                                       r.purpose,
                                       r.app_protocol,
                                       TrafficClassName(r.traffic_class),
                                       net::DirectionName(r.direction),
                                       r.condition,
                                       r.include_service,
                                       d.supernets ? "true" : "false",
                                       d.alternatives ? "true" : "false",
                                       d.within_supernets ? "true" : "false",
                                       CidrList(d.cidrs),
                                       Join(d.fqdns, " "),
                                       Join(d.wildcards, " "),
                                       GroupList(d.groups),
                                       ParameterList(d.parameters),
                                       d.text};
      if (r.ports.empty()) {
        // Include rows have no ports of their own; keep them visible as one record.
        auto f = base;
        f.insert(f.end(), {"", "", "", "", "", ""});
        out += CsvLine(f);
        continue;
      }
      for (const auto& p : r.ports) {
        auto f = base;
        f.insert(f.end(), {net::TransportName(p.transport), p.range.ToString(), PortQualifierName(p.qualifier),
                           p.condition, p.applies_to_group, p.note});
        out += CsvLine(f);
      }
    }
  }
  return out;
}

std::string ToMarkdown(const Catalog& c) {
  std::ostringstream out;
  out << "# Office@Hand network requirements catalog " << c.version << "\n\n";
  out << "Source: " << c.source.title << " (article " << c.source.article << ", retrieved " << c.source.retrieved
      << ", sha256 `" << c.source.sha256 << "`)";
  if (!c.source.url.empty()) out << ", " << c.source.url;
  out << ".\n";
  if (!c.content_sha256.empty()) out << "Catalog content sha256: `" << c.content_sha256 << "`.\n";
  out << "\n## Table 2.1 – Advertised IP supernets\n\n| Supernet | Sources |\n| --- | --- |\n";
  for (const auto& s : c.supernets) out << "| " << s.cidr.ToString() << " | " << Cell(Join(s.sources, ", ")) << " |\n";
  for (const auto& s : c.services) {
    out << "\n## Table " << s.table << " – " << Cell(s.title) << " (`" << s.id << "`)\n\n";
    for (const auto& n : s.notes) out << "- " << Cell(n) << "\n";
    if (!s.notes.empty()) out << "\n";
    out << "| # | Row id | Purpose | Protocol | Class | Direction | Destinations | Ports |\n"
        << "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (const auto& r : s.rows) {
      std::string dest = r.include_service.empty() ? DestinationsSummary(r.destinations)
                                                   : "includes `" + r.include_service + "`";
      std::string ports = PortsSummary(r.ports);
      if (!r.condition.empty()) ports += (ports.empty() ? "" : " ") + std::string("(row only if ") + r.condition + ")";
      out << "| " << r.ordinal << " | `" << r.id << "` | " << Cell(r.purpose) << " | " << Cell(r.app_protocol)
          << " | " << TrafficClassName(r.traffic_class) << " | " << net::DirectionName(r.direction) << " | "
          << Cell(dest) << " | " << Cell(ports) << " |\n";
    }
  }
  out << "\n## Advisories\n\n| Id | Section | Requirement |\n| --- | --- | --- |\n";
  for (const auto& a : c.advisories)
    out << "| `" << a.id << "` | " << Cell(a.section) << " | " << Cell(a.requirement) << " |\n";
  return out.str();
}

std::string Diff(const Catalog& a, const Catalog& b) {
  std::ostringstream out;
  bool any = false;
  auto section = [&](const char* title) {
    any = true;
    out << title << ":\n";
  };
  if (a.version != b.version) {
    any = true;
    out << "version: " << a.version << " -> " << b.version << "\n";
  }
  if (a.schema_version != b.schema_version) {
    any = true;
    out << "schema_version: " << a.schema_version << " -> " << b.schema_version << "\n";
  }
  if (a.source.title != b.source.title || a.source.article != b.source.article || a.source.url != b.source.url ||
      a.source.retrieved != b.source.retrieved || a.source.sha256 != b.source.sha256) {
    any = true;
    out << "source: article " << a.source.article << " retrieved " << a.source.retrieved << " sha256 "
        << a.source.sha256 << " -> article " << b.source.article << " retrieved " << b.source.retrieved
        << " sha256 " << b.source.sha256 << "\n";
  }

  // Supernets by prefix.
  std::map<std::string, std::string> sa, sb;
  for (const auto& s : a.supernets) sa[s.cidr.ToString()] = Join(s.sources, ",");
  for (const auto& s : b.supernets) sb[s.cidr.ToString()] = Join(s.sources, ",");
  std::ostringstream sup;
  for (const auto& [k, v] : sb)
    if (!sa.count(k)) sup << "  + " << k << " (sources: " << v << ")\n";
  for (const auto& [k, v] : sa)
    if (!sb.count(k)) sup << "  - " << k << " (sources: " << v << ")\n";
  for (const auto& [k, v] : sa)
    if (sb.count(k) && sb[k] != v) sup << "  ~ " << k << " sources: " << v << " -> " << sb[k] << "\n";
  if (!sup.str().empty()) {
    section("supernets");
    out << sup.str();
  }

  // Services (metadata) by id.
  std::ostringstream svc;
  for (const auto& s : b.services)
    if (!a.FindService(s.id)) svc << "  + " << s.id << " (table " << s.table << ", " << s.title << ")\n";
  for (const auto& s : a.services)
    if (!b.FindService(s.id)) svc << "  - " << s.id << " (table " << s.table << ", " << s.title << ")\n";
  for (const auto& s : a.services) {
    const Service* n = b.FindService(s.id);
    if (!n) continue;
    std::map<std::string, std::string> fa = {{"table", s.table}, {"section", s.section}, {"title", s.title},
                                             {"category", s.category}, {"notes", Join(s.notes, " | ")}};
    std::map<std::string, std::string> fb = {{"table", n->table}, {"section", n->section}, {"title", n->title},
                                             {"category", n->category}, {"notes", Join(n->notes, " | ")}};
    std::ostringstream ch;
    FieldChanges(ch, fa, fb);
    if (!ch.str().empty()) svc << "  ~ " << s.id << "\n" << ch.str();
  }
  if (!svc.str().empty()) {
    section("services");
    out << svc.str();
  }

  // Rows by id, in the new catalog's document order (removed rows in the old order).
  std::ostringstream rows;
  for (const auto& s : b.services)
    for (const auto& r : s.rows)
      if (!a.FindRow(r.id))
        rows << "  + " << r.id << ": " << Quote(r.purpose) << " " << PortsSummary(r.ports) << "\n";
  for (const auto& s : a.services)
    for (const auto& r : s.rows)
      if (!b.FindRow(r.id))
        rows << "  - " << r.id << ": " << Quote(r.purpose) << " " << PortsSummary(r.ports) << "\n";
  for (const auto& s : b.services) {
    for (const auto& r : s.rows) {
      const Row* old = a.FindRow(r.id);
      if (!old) continue;
      const Service* old_s = nullptr;
      for (const auto& os : a.services)
        for (const auto& orow : os.rows)
          if (&orow == old) old_s = &os;
      std::ostringstream ch;
      FieldChanges(ch, RowFields(*old_s, *old), RowFields(s, r));
      if (!ch.str().empty()) rows << "  ~ " << r.id << "\n" << ch.str();
    }
  }
  if (!rows.str().empty()) {
    section("rows");
    out << rows.str();
  }

  // Advisories by id.
  std::map<std::string, const Advisory*> aa, ab;
  for (const auto& x : a.advisories) aa[x.id] = &x;
  for (const auto& x : b.advisories) ab[x.id] = &x;
  std::ostringstream adv;
  for (const auto& x : b.advisories)
    if (!aa.count(x.id)) adv << "  + " << x.id << ": " << Quote(x.requirement) << "\n";
  for (const auto& x : a.advisories)
    if (!ab.count(x.id)) adv << "  - " << x.id << ": " << Quote(x.requirement) << "\n";
  for (const auto& x : b.advisories) {
    if (!aa.count(x.id)) continue;
    std::ostringstream ch;
    FieldChanges(ch, AdvisoryFields(*aa[x.id]), AdvisoryFields(x));
    if (!ch.str().empty()) adv << "  ~ " << x.id << "\n" << ch.str();
  }
  if (!adv.str().empty()) {
    section("advisories");
    out << adv.str();
  }
  if (!any) return "no changes\n";
  return out.str();
}

}  // namespace prov::catalog
