// The Office@Hand catalog model: the vendor's article as data. Loaded from JSON (the
// embedded canonical file or a user's override) by loader.h, validated whole.
//
// Vocabulary: a Service is one table of the article (Table 3.2.1 ...); a Row is one row
// of a table (one purpose). A row's destinations are split by kind; its ports are a list
// of PortSpecs, each with a qualifier (default / fallback / alternative / conditional).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "provider/net/firewall_rule.h"
#include "provider/net/ip.h"

namespace prov::catalog {

enum class TrafficClass { kMedia, kSignaling, kData };
const char* TrafficClassName(TrafficClass c);  // "media" / "signaling" / "data"

enum class PortQualifier {
  kDefault,      // always needed
  kFallback,     // needed only when the primary transport is unavailable (TCP 443 for media)
  kAlternative,  // either this or a sibling ("UDP 5060 or TCP 5060")
  kConditional,  // needed only under a named condition (line_sharing, ipv6_clients)
};
const char* PortQualifierName(PortQualifier q);

// Conditions the user can switch on. Rows or ports tagged with one are included only when
// it is on.
inline constexpr const char* kConditionLineSharing = "line_sharing";
inline constexpr const char* kConditionTcpFallback = "tcp_fallback";
inline constexpr const char* kConditionIpv6Clients = "ipv6_clients";

struct PortSpec {
  net::Transport transport = net::Transport::kTcp;
  net::PortRange range;
  PortQualifier qualifier = PortQualifier::kDefault;
  std::string condition;  // for kConditional (and kFallback: kConditionTcpFallback)
  std::string note;       // verbatim qualifier text, e.g. "(default)"
  // Destinations this port applies to, when a row gives ports per host group
  // ("Platform API: TCP\18443"); empty = all destinations of the row.
  std::string applies_to_group;
};

// A destination that needs the user's input (SIP trunk peers, the rooms host, the SFTP
// server). The compiler skips it with a diagnostic until the named parameter is given.
struct ParameterRef {
  std::string parameter;  // "sip_trunk_peers", "sftp_server_addresses", "rooms_host"
  std::string text;       // verbatim
  bool wan = true;        // false: LAN only (no WAN firewall traversal)
};

struct Destinations {
  bool supernets = false;                 // "IP supernets"
  std::vector<net::Cidr> cidrs;           // explicit IPv4/IPv6 addresses and prefixes
  std::vector<std::string> fqdns;         // exact names
  std::vector<std::string> wildcards;     // "*.ringcentral.biz", "sip*.ringcentral.biz"
  std::vector<ParameterRef> parameters;
  // Named host groups inside a row ("Provisioning", "Firmware Update", "Platform API"):
  // group name -> fqdns.
  std::map<std::string, std::vector<std::string>> groups;
  // "IP supernets or *.ringcentral.biz": true when supernets and names are alternatives.
  bool alternatives = false;
  // Hosts stated to be "within the supernets" (NTP, LDAP): a supernet rule covers them.
  bool within_supernets = false;
  std::string text;  // verbatim cell
  bool traverses_enterprise_network = true;  // Archiver cloud-to-cloud: false
};

struct Row {
  std::string id;          // stable: "<service>.<slug>", e.g. "desktop_app.media"
  int ordinal = 0;         // 1-based position in the table (document order)
  std::string purpose;     // verbatim
  std::string app_protocol;  // verbatim ("RTP/SRTP (DTLS) and STUN")
  TrafficClass traffic_class = TrafficClass::kData;
  net::Direction direction = net::Direction::kEgress;
  // For ingress rows: who connects (Archiver SFTP clients are the row's cidrs) and where
  // to (the parameter naming the customer's server).
  Destinations destinations;
  std::vector<PortSpec> ports;
  std::string ports_text;   // verbatim cell
  std::string condition;    // row-level condition (ipv6_clients), empty = always
  std::string include_service;  // "Add Table 3.2.2": id of the included service
  std::vector<std::string> notes;
};

struct Service {
  std::string id;           // stable: "desktop_app", "video", "webinar", ...
  std::string table;        // "3.2.1"
  std::string section;      // "3.2.1"
  std::string title;        // verbatim table title
  std::string category;     // "common", "endpoint", "archiver", "sip_trunk", "integration"
  std::vector<std::string> notes;
  std::vector<Row> rows;
};

struct Supernet {
  net::Cidr cidr;
  std::vector<std::string> sources;  // provenance: "att-article-91404", ...
};

struct Advisory {
  std::string id;        // "dns", "nat_timeout", "security_software", "qos", "vlan", ...
  std::string section;   // "5"
  std::string title;
  std::string text;      // verbatim
  std::string requirement;  // normalised statement
  std::map<std::string, std::string> facts;  // e.g. "poly_reregister_seconds" -> "300"
};

struct SourceDocument {
  std::string title;      // "Network Requirements | AT&T Office@Hand"
  std::string article;    // "91404"
  std::string url;
  std::string retrieved;  // ISO date
  std::string sha256;     // of the source text
};

struct Catalog {
  std::string schema_version;  // of the catalog format, "1"
  std::string version;         // catalog data version, e.g. "2026.11.25"
  SourceDocument source;
  std::vector<Supernet> supernets;
  std::vector<Service> services;  // document order
  std::vector<Advisory> advisories;
  std::string content_sha256;     // computed by the loader over the canonical JSON

  const Service* FindService(const std::string& id) const;
  const Row* FindRow(const std::string& row_id) const;
};

}  // namespace prov::catalog
