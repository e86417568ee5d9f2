// The catalog compiled into constant tables. catalog_check validates the JSON at build
// time (the same LoadFromJson every override goes through) and then writes these tables
// as constexpr C++; the binary carries them in read-only data, so loading the embedded
// catalog is no JSON parse, only a copy of the tables into the model (FromTables).
//
// Layout: one flat array per kind; a record refers to its children by a Span (first index
// and count) into the array of that kind, in document order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "provider/catalog/model.h"

namespace prov::catalog::compiled {

using Str = std::string_view;

struct Span {
  uint32_t begin = 0;
  uint32_t count = 0;
};

struct ParameterRec {
  Str parameter;
  Str text;
  bool wan = true;
};

struct GroupRec {
  Str name;
  Span hosts;  // strings
};

struct PortRec {
  net::Transport transport = net::Transport::kTcp;
  net::PortRange range;
  PortQualifier qualifier = PortQualifier::kDefault;
  Str condition;
  Str note;
  Str applies_to_group;
};

struct RowRec {
  Str id;
  int ordinal = 0;
  Str purpose;
  Str app_protocol;
  TrafficClass traffic_class = TrafficClass::kData;
  net::Direction direction = net::Direction::kEgress;
  // Destinations
  bool supernets = false;
  bool alternatives = false;
  bool within_supernets = false;
  bool traverses_enterprise_network = true;
  Str destinations_text;
  Span cidrs;       // cidrs
  Span fqdns;       // strings
  Span wildcards;   // strings
  Span parameters;  // parameters
  Span groups;      // groups
  // The rest of the row
  Span ports;  // ports
  Str ports_text;
  Str condition;
  Str include_service;
  Span notes;  // strings
};

struct ServiceRec {
  Str id;
  Str table;
  Str section;
  Str title;
  Str category;
  Span notes;  // strings
  Span rows;   // rows
};

struct SupernetRec {
  net::Cidr cidr;
  Span sources;  // strings
};

struct FactRec {
  Str key;
  Str value;
};

struct AdvisoryRec {
  Str id;
  Str section;
  Str title;
  Str text;
  Str requirement;
  Span facts;  // facts
};

struct Tables {
  Str schema_version;
  Str version;
  Str source_title;
  Str source_article;
  Str source_url;
  Str source_retrieved;
  Str source_sha256;
  Str content_sha256;  // sha256 of the canonical JSON, computed by the loader at build time
  const Str* strings = nullptr;
  const net::Cidr* cidrs = nullptr;
  const ParameterRec* parameters = nullptr;
  const GroupRec* groups = nullptr;
  const PortRec* ports = nullptr;
  const RowRec* rows = nullptr;
  const FactRec* facts = nullptr;
  const ServiceRec* services = nullptr;
  uint32_t service_count = 0;
  const SupernetRec* supernets = nullptr;
  uint32_t supernet_count = 0;
  const AdvisoryRec* advisories = nullptr;
  uint32_t advisory_count = 0;
};

// The model from the tables (no parsing, no validation: the tables were written from a
// catalog that passed the loader's validation).
Catalog FromTables(const Tables& t);

// The tables of the embedded catalog (Embedded() is FromTables of these, made once).
const Tables& EmbeddedTables();

}  // namespace prov::catalog::compiled
